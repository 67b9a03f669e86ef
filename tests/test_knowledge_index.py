"""The knowledge index: incremental updates, agent scoping, cancellation, search from threads."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from simulator.knowledge.documents import load_folder
from simulator.knowledge.index import IndexReport, KnowledgeIndex

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def index(small_company: Path, tmp_path: Path) -> KnowledgeIndex:
    return KnowledgeIndex(small_company, tmp_path / "index")


def sources(
    index: KnowledgeIndex, query: str, *, k: int = 4, agent: str | None = None
) -> list[str]:
    return [p.source for p in index.search(query, k=k, agent=agent)]


def counts(report: IndexReport) -> tuple[int, int, int, int]:
    return report.files_added, report.files_updated, report.files_removed, report.files_unchanged


def test_first_build_adds_every_file(index: KnowledgeIndex, small_company: Path) -> None:
    expected_chunks = len(load_folder(small_company).chunks)

    report = index.update()

    assert counts(report) == (7, 0, 0, 0)
    assert report.chunks == expected_chunks == index.chunk_count()
    assert report.skipped == () and not report.cancelled
    assert report.elapsed_s > 0


def test_second_update_without_changes_embeds_nothing(index: KnowledgeIndex) -> None:
    index.update()
    seen: list[str] = []

    report = index.update(progress=lambda done, total, source: seen.append(source))

    assert counts(report) == (0, 0, 0, 7)
    assert not report.changed
    assert len(seen) == 7, "progress is reported for every file, changed or not"


def test_a_reopened_index_remembers_what_it_holds(small_company: Path, tmp_path: Path) -> None:
    KnowledgeIndex(small_company, tmp_path / "index").update()

    reopened = KnowledgeIndex(small_company, tmp_path / "index")

    assert counts(reopened.update()) == (0, 0, 0, 7)
    assert "pricing/plans.md" in sources(reopened, "How much is the total care plan per month?")


def test_a_changed_file_alone_is_embedded_again_and_search_sees_its_new_text(
    index: KnowledgeIndex, small_company: Path
) -> None:
    index.update()
    (small_company / "notes" / "tips.txt").write_text(
        "Demo tips\n\nNever demo a machine without descaling it first; limescale ruins the crema.\n"
    )

    report = index.update()

    assert counts(report) == (0, 1, 0, 6)
    (top,) = index.search("What must we do to a machine before a demo?", k=1)
    assert top.source == "notes/tips.txt"
    assert "descaling" in top.text
    assert not any(
        "pull a shot" in p.text for p in index.search("pull a shot in front of the customer")
    )


def test_a_deleted_file_leaves_no_passage_behind(
    index: KnowledgeIndex, small_company: Path
) -> None:
    index.update()
    before = index.chunk_count()
    (small_company / "competitive" / "rivals.md").unlink()

    report = index.update()

    assert counts(report) == (0, 0, 1, 6)
    assert index.chunk_count() == before - 1
    assert "competitive/rivals.md" not in sources(index, "Steamline single boiler rival", k=10)


def test_a_file_that_turns_unreadable_is_removed_and_reported(
    index: KnowledgeIndex, small_company: Path
) -> None:
    index.update()
    (small_company / "overview.md").write_bytes("Caf\xe9".encode("latin-1"))

    report = index.update()

    assert counts(report) == (0, 0, 1, 6)
    (error,) = report.skipped
    assert error.path == "overview.md" and "UTF-8" in error.reason
    assert "overview.md" not in sources(index, "When was Harbor Kettle founded?", k=10)


def test_agents_see_their_own_passages_and_the_unscoped_ones(index: KnowledgeIndex) -> None:
    index.update()

    def seen_by(agent: str | None) -> set[str]:
        return set(sources(index, "espresso machine service plan price rival", k=20, agent=agent))

    everything = {
        "overview.md",
        "technical/machines.md",
        "pricing/plans.md",
        "competitive/rivals.md",
        "notes/tips.txt",
        "data/stock.csv",
        "data/accounts.csv",
    }
    assert seen_by(None) == everything
    assert seen_by("greeter") == everything - {
        "technical/machines.md",
        "pricing/plans.md",
        "competitive/rivals.md",
    }
    assert seen_by("technical") == everything - {"pricing/plans.md"}
    assert seen_by("pricing") == everything - {"technical/machines.md"}


def test_search_ranks_the_answering_passage_first(index: KnowledgeIndex) -> None:
    index.update()

    assert sources(index, "How long does the GR-7 take to grind a dose?", k=1) == [
        "technical/machines.md"
    ]
    assert sources(index, "What does total care cost each month?", k=1) == ["pricing/plans.md"]
    results = index.search("Who founded the company?", k=3)
    assert results[0].source == "overview.md"
    assert [p.score for p in results] == sorted((p.score for p in results), reverse=True)
    assert all(0.0 <= p.score <= 1.0 for p in results)


def test_a_cancelled_update_keeps_what_it_finished(
    index: KnowledgeIndex, small_company: Path
) -> None:
    cancel = threading.Event()
    finished: list[str] = []

    def stop_after_two(done: int, total: int, source: str) -> None:
        finished.append(source)
        if done == 2:
            cancel.set()

    report = index.update(progress=stop_after_two, cancel=cancel)

    assert report.cancelled
    assert counts(report) == (2, 0, 0, 0)
    all_chunks = load_folder(small_company).chunks
    assert (
        report.chunks == index.chunk_count() == sum(1 for c in all_chunks if c.source in finished)
    )
    assert set(sources(index, "espresso machine plan price rival demo", k=20)) == set(finished)
    resumed = index.update()
    assert counts(resumed) == (5, 0, 0, 2)
    assert resumed.chunks == len(all_chunks)


def test_search_is_safe_from_worker_threads(index: KnowledgeIndex) -> None:
    index.update()
    questions = [
        "Who founded the company?",
        "What does total care cost?",
        "GR-7 burr size",
        "Demo tips",
    ] * 5

    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda q: sources(index, q, k=2), questions))

    assert threaded == [sources(index, q, k=2) for q in questions]


def test_blank_query_finds_nothing(index: KnowledgeIndex) -> None:
    index.update()

    assert index.search("   ") == []


def test_unknown_agent_is_refused(index: KnowledgeIndex) -> None:
    index.update()

    with pytest.raises(ValueError, match="unknown agent 'sales'"):
        index.search("price", agent="sales")


def test_two_knowledge_folders_share_an_index_dir_without_mixing(
    small_company: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "only.md").write_text("# Only page\n\nThe other company sells bicycles.\n")
    first = KnowledgeIndex(small_company, tmp_path / "index")
    second = KnowledgeIndex(other, tmp_path / "index")

    first.update()
    second.update()

    assert second.chunk_count() == 1
    assert sources(second, "bicycles", k=5) == ["only.md"]
    assert "only.md" not in sources(first, "bicycles", k=20)


def test_embedding_model_loads_with_no_network(tmp_path: Path) -> None:
    """The bundled wordllama model must load with every socket refused and the hub offline."""
    script = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('network disabled in this test')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from simulator.knowledge.embedding import embed\n"
        "v = embed(['offline works'])\n"
        "assert v.shape == (1, 256), v.shape\n"
        "print(round(float((v * v).sum()), 3))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path), "PYTHONPATH": str(REPO)}

    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1.0"
