"""What the start leaves for later, so the customer can type sooner: the claim checker is built by
the first reply that needs it, not by the session's start, and the reply is still checked; a
restart whose knowledge did not change never opens chromadb (its wordllama searches rank the
manifest's passage vectors, as chromadb would), and one whose knowledge changed opens it to
write."""

from __future__ import annotations

import json
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
QUESTIONS = (
    "What does Total care cost?",
    "How big are the GR-7 grinder's burrs?",
    "Who are your rivals?",
)
RESTART = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from simulator.knowledge.index import KnowledgeIndex
    with KnowledgeIndex(Path(sys.argv[1]), Path(sys.argv[2]), contextual=False) as index:
        report = index.update()
        found = {
            f"{agent}: {question}": [
                [p.source, p.section, p.score, p.scorer]
                for p in index.search(question, k=3, agent=agent)
            ]
            for question in sys.argv[3:]
            for agent in (None, "pricing")
        }
        print(json.dumps([report.files_unchanged, found, "chromadb" in sys.modules]))
""")


def test_a_restart_with_nothing_new_searches_as_chromadb_would_without_opening_it(
    small_company: Path, tmp_path: Path
) -> None:
    with KnowledgeIndex(small_company, tmp_path / "index", contextual=False) as first:
        files = first.update().files_added
        assert first.chroma_open
        expected = {
            f"{agent}: {question}": [
                [p.source, p.section, p.score, p.scorer]
                for p in first.search(question, k=3, agent=agent)
            ]
            for question in QUESTIONS
            for agent in (None, "pricing")
        }
    done = subprocess.run(
        [sys.executable, "-c", RESTART, str(small_company), str(tmp_path / "index"), *QUESTIONS],
        capture_output=True,
        text=True,
        timeout=FILL_TIMEOUT_S,
        check=True,
    )
    unchanged, found, chromadb_imported = json.loads(done.stdout)
    assert unchanged == files
    assert found == expected
    assert not chromadb_imported


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
