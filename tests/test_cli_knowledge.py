"""``simulator index`` and ``simulator retrieve`` as a user runs them: real processes, real
files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from simulator.knowledge.documents import load_folder

REPO = Path(__file__).resolve().parent.parent

Run = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """Run ``python -m simulator ARGS`` with its data (the index) under tmp_path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CHROMA_HOST", "CHROMA_PORT", "SIMULATOR_KNOWLEDGE"}
    }
    env.update(
        SIMULATOR_DATA_DIR=str(tmp_path / "data"),
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(REPO),
    )

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "simulator", *args],
            input=stdin,
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def test_index_reports_counts_and_warns_about_skipped_files(
    run: Run, small_company: Path, tmp_path: Path
) -> None:
    (small_company / "broken.pdf").write_bytes(b"%PDF-1.4 not really")

    first = run("index", "--knowledge", str(small_company))
    second = run("index", "--knowledge", str(small_company))

    assert first.returncode == 0, first.stderr
    assert "files: 7 added, 0 updated, 0 removed, 0 unchanged, 1 skipped, 0 ignored" in first.stdout
    assert f"chunks: {len(load_folder(small_company).chunks)}" in first.stdout
    assert "elapsed:" in first.stdout
    assert str(tmp_path / "data" / "index") in first.stdout
    assert "warning: skipped broken.pdf: not a readable PDF" in first.stderr
    assert second.returncode == 0
    assert "files: 0 added, 0 updated, 0 removed, 7 unchanged, 1 skipped" in second.stdout
    assert "encoder: ready" in first.stdout, "index waits for the contextual encoder's vectors"
    assert "encoder: ready (0 of " in second.stdout, "and keeps them: nothing encoded twice"


def test_index_without_the_encoder_leaves_it_to_later(run: Run, small_company: Path) -> None:
    done = run("index", "--no-encoder", "--knowledge", str(small_company))

    assert done.returncode == 0, done.stderr
    assert "files: 7 added" in done.stdout
    assert "encoder:" not in done.stdout


def test_retrieve_one_question_as_json(run: Run, small_company: Path) -> None:
    done = run(
        "retrieve",
        "--knowledge",
        str(small_company),
        "--json",
        "-k",
        "2",
        "What does total care cost?",
    )

    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    answer = json.loads(line)
    assert set(answer) == {"query", "results", "elapsed_ms"}
    assert answer["query"] == "What does total care cost?"
    assert isinstance(answer["elapsed_ms"], float) and answer["elapsed_ms"] > 0
    assert len(answer["results"]) == 2
    top = answer["results"][0]
    assert set(top) == {"source", "section", "score", "text", "scope", "scorer"}
    assert top["source"] == "pricing/plans.md" and top["scope"] == ["pricing"]
    assert top["scorer"] in ("wordllama", "minilm")
    assert top["section"].startswith("Service plans")
    assert "59 dollars" in top["text"]
    assert 0 <= answer["results"][1]["score"] <= top["score"] <= 1


def test_retrieve_reads_one_question_per_line_from_stdin(run: Run, small_company: Path) -> None:
    questions = (
        "Who founded Harbor Kettle?\n\n   \nHow big are the GR-7 burrs?\nWho is the main rival?\n"
    )

    done = run(
        "retrieve",
        "--knowledge",
        str(small_company),
        "--json",
        "--agent",
        "technical",
        stdin=questions,
    )

    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["query"] for a in answers] == [
        "Who founded Harbor Kettle?",
        "How big are the GR-7 burrs?",
        "Who is the main rival?",
    ]
    assert answers[0]["results"][0]["source"] == "overview.md"
    assert answers[1]["results"][0]["source"] == "technical/machines.md"
    assert all(r["source"] != "pricing/plans.md" for a in answers for r in a["results"]), (
        "technical scope"
    )


def test_retrieve_prints_readable_results(run: Run, small_company: Path) -> None:
    done = run(
        "retrieve", "--knowledge", str(small_company), "-k", "2", "How big are the GR-7 burrs?"
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("How big are the GR-7 burrs?")
    assert lines[1].startswith(" 1. technical/machines.md › Machine specifications > ")
    assert lines[3].startswith(" 2. ")
    assert len(lines) == 5


def test_missing_knowledge_folder_exits_2_naming_it(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"

    for args in (["index"], ["retrieve", "--json", "anything"]):
        done = run(*args, "--knowledge", str(missing))

        assert done.returncode == 2
        assert done.stdout == ""
        (message,) = done.stderr.strip().splitlines()
        assert str(missing) in message and "--knowledge" in message
