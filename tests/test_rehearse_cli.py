"""`simulator rehearse` as a user runs it: a subprocess, on the embedded default, in a fresh data
dir."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.events import CoachStateEvent, ScorecardEvent, TranscriptEvent, from_json
from simulator.personas import BUNDLED_PERSONAS, load_personas

ROOT = Path(__file__).resolve().parent.parent


def simulator(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CEREBRAS_", "SIMULATOR_"))}
    env["SIMULATOR_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "simulator", "rehearse", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


def test_all_personas_rehearse_offline_into_one_summary_table(
    data_dir: Path, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    result = simulator("--all", "--offline", "--report", str(reports), data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    ids = [p.id for p in load_personas(BUNDLED_PERSONAS).personas]
    table = result.stdout.splitlines()
    assert table[0].split()[:5] == ["persona", "level", "outcome", "turns", "objections"]
    rows = {line.split()[0]: line.split() for line in table[2:]}
    assert list(rows) == ids
    for row in rows.values():
        assert row[1] in ("easy", "medium", "hard") and row[2] in (
            "agreed",
            "declined",
            "undecided",
        )
    progress = [line for line in result.stderr.splitlines() if "customer turns" in line]
    assert [line.split(":")[0] for line in progress] == ids
    # Each persona's report counts its own turns from 1 (the session's ids keep counting).
    for persona, row in rows.items():
        page = (reports / f"{persona}.html").read_text(encoding="utf-8")
        latency = page.split("<h2>Latency</h2>", 1)[1]
        turns = [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", latency)]
        assert turns and turns[0] == 1, (persona, turns[:3])
        assert max(turns) <= int(row[3]), (persona, turns)
        # the persona's hidden facts are counted, not "0/0" (every bundled persona has some)
        facts = re.search(r"<b>([^<]*)</b><span>hidden facts uncovered</span>", page)
        assert facts and re.fullmatch(r"\d+/[1-9]\d*", facts.group(1)), (persona, facts)
        cited = [int(n) for n in re.findall(r"Turn (\d+)", page)]
        assert all(1 <= n <= int(row[3]) for n in cited), (persona, cited)


def test_one_persona_as_json_lines_with_a_report(data_dir: Path, tmp_path: Path) -> None:
    report = tmp_path / "rehearsal.html"
    result = simulator(
        "--persona",
        "Gus Petrakis",
        "--offline",
        "--jsonl",
        "--turns",
        "3",
        "--report",
        str(report),
        data_dir=data_dir,
    )
    assert result.returncode == 0, result.stderr
    events = [from_json(line) for line in result.stdout.splitlines()]
    customer = [e for e in events if isinstance(e, TranscriptEvent) and e.speaker == "customer"]
    assert len(customer) in (1, 2, 3)
    assert customer[0].text.startswith("Hello, Gus Petrakis here")
    card = [e for e in events if isinstance(e, ScorecardEvent)][-1].scorecard
    assert (
        card.final
        and card.persona == "spreadsheet-sceptic"
        and card.customer_turns == len(customer)
    )
    assert [e.state for e in events if isinstance(e, CoachStateEvent)][-1] == "ended"
    page = report.read_text(encoding="utf-8")
    assert page.index("<h2>Scorecard</h2>") < page.index("<h2>Conversation</h2>")
    assert "Gus Petrakis" in page and f"Report: {report}" in result.stderr


def test_an_unknown_or_broken_persona_is_refused_with_a_reason(
    data_dir: Path, tmp_path: Path
) -> None:
    unknown = simulator("--persona", "nobody", "--offline", data_dir=data_dir)
    assert unknown.returncode == 2
    assert "nobody: is not a persona; known personas: frostwatch-loyalist" in unknown.stderr

    folder = tmp_path / "personas"
    folder.mkdir()
    (folder / "dana.yaml").write_text("name: Dana\ndifficulty: brutal\n", encoding="utf-8")
    broken = simulator(
        "--persona", "dana", "--offline", "--personas", str(folder), data_dir=data_dir
    )
    assert broken.returncode == 2
    assert (
        f"{folder / 'dana.yaml'}: difficulty: must be one "
        f"of 'easy', 'medium' or 'hard' (got 'brutal')" in broken.stderr
    )
    assert f"{folder / 'dana.yaml'}: role: is required" in broken.stderr
