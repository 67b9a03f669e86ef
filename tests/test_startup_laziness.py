"""What the start leaves for later, so the customer can type sooner: the claim checker is built by
the first reply that needs it, not by the session's start, and the reply is still checked; a
restart whose knowledge did not change never opens chromadb (its searches are served by the
encoder's snapshot of stored vectors), and one whose knowledge changed opens it to write."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from simulator.events import ClaimCheckEvent, Event, TurnCompletedEvent
from simulator.knowledge.index import KnowledgeIndex
from simulator.session import SessionRunner
from simulator.settings import Settings
from tests.fakes.scripted_team import ScriptedTeam


async def _turn(runner: SessionRunner, line: str) -> list[Event]:
    await runner.send(line)
    events: list[Event] = []
    async for event in runner.events():
        events.append(event)
        if isinstance(event, TurnCompletedEvent):
            return events
    return events


async def test_the_claim_checker_is_built_by_the_first_reply_not_the_start(
    small_company: Path, tmp_path: Path
) -> None:
    settings = Settings(knowledge_dir=small_company, data_dir=tmp_path / "data")
    team = ScriptedTeam(lambda _line: "Total care costs 59 dollars per machine per month.")
    runner = SessionRunner(settings, model=team)
    await runner.start()
    try:
        assert not runner.claim_checker_built
        events = await _turn(runner, "What does Total care cost?")
        checks = [e for e in events if isinstance(e, ClaimCheckEvent)]
        assert runner.claim_checker_built
        assert [c.verdict for check in checks for c in check.claims] == ["supported"]
    finally:
        await runner.aclose()


FILL_TIMEOUT_S = 300
RESTART = textwrap.dedent("""
    import sys
    from pathlib import Path
    from simulator.knowledge.index import KnowledgeIndex
    with KnowledgeIndex(Path(sys.argv[1]), Path(sys.argv[2])) as index:
        report = index.update()
        (top,) = index.search("What does Total care cost?", k=1)
        print(report.files_unchanged, top.scorer, top.source, "chromadb" in sys.modules)
""")


def test_a_restart_with_nothing_new_searches_without_chromadb(
    small_company: Path, tmp_path: Path
) -> None:
    with KnowledgeIndex(small_company, tmp_path / "index") as first:
        files = first.update().files_added
        assert first.wait_contextual(FILL_TIMEOUT_S)
    done = subprocess.run(
        [sys.executable, "-c", RESTART, str(small_company), str(tmp_path / "index")],
        capture_output=True,
        text=True,
        timeout=FILL_TIMEOUT_S,
        check=True,
    )
    unchanged, scorer, source, chromadb_imported = done.stdout.split()
    assert int(unchanged) == files
    assert (scorer, source) == ("minilm", "pricing/plans.md")
    assert chromadb_imported == "False"


def test_a_restart_after_a_change_opens_chromadb_to_write_it(
    small_company: Path, tmp_path: Path
) -> None:
    with KnowledgeIndex(small_company, tmp_path / "index", contextual=False) as first:
        first.update()
    (small_company / "notes" / "tips.txt").write_text(
        "Demo tips\n\nNever demo a machine without descaling it first; limescale ruins the crema.\n"
    )
    with KnowledgeIndex(small_company, tmp_path / "index", contextual=False) as second:
        assert not second.chroma_open
        report = second.update()
        assert report.files_updated == 1 and second.chroma_open
        (top,) = second.search("What must we do to a machine before a demo?", k=1)
        assert (top.scorer, top.source) == ("wordllama", "notes/tips.txt")
        assert "descaling" in top.text
