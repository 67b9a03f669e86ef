"""Closing an index while another thread searches it.

The offline responder warms up in a background thread that searches the index; a session that
ends closes the index meanwhile. Closing a SQLite connection another thread is reading through
crashed the interpreter (a segmentation fault in the suite), so the close waits for reads in
flight and later searches fail with a clear error instead.
"""

from __future__ import annotations

import gc
import os
import threading
from pathlib import Path

import pytest

from simulator.errors import KnowledgeError
from simulator.knowledge.index import KnowledgeIndex


def test_closing_while_another_thread_searches_ends_its_searches_cleanly(
    small_company: Path, tmp_path: Path
) -> None:
    index = KnowledgeIndex(small_company, tmp_path / "index", contextual=False)
    index.update()
    searched = threading.Event()
    outcome: list[BaseException | None] = []

    def search_until_closed() -> None:
        try:
            while True:
                index.search("How much does the plan cost per month?", k=3)
                searched.set()
        except BaseException as e:  # the outcome is what the test checks
            outcome.append(e)

    searcher = threading.Thread(target=search_until_closed)
    searcher.start()
    assert searched.wait(timeout=60)
    index.close()
    searcher.join(timeout=60)
    assert not searcher.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], KnowledgeError)
    assert "closed" in str(outcome[0])


def test_a_search_after_close_names_the_closed_index(small_company: Path, tmp_path: Path) -> None:
    index = KnowledgeIndex(small_company, tmp_path / "index", contextual=False)
    index.update()
    assert index.search("plan cost", k=1)
    index.close()
    with pytest.raises(KnowledgeError, match=r"knowledge index in .* is closed"):
        index.search("plan cost", k=1)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc/self/fd")
def test_closing_an_index_closes_chromadbs_files(small_company: Path, tmp_path: Path) -> None:
    """Each index used to keep chromadb's sqlite and HNSW files open until the process ended (a
    test run of the practice suite alone held 38 ``chroma.sqlite3``)."""
    folder = tmp_path / "index"

    def open_in_folder() -> int:
        targets = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                targets.append(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:  # closed since the listing
                continue
        return sum(target.startswith(str(folder)) for target in targets)

    first = KnowledgeIndex(small_company, folder, contextual=False)
    first.update()
    second = KnowledgeIndex(small_company, folder, contextual=False)  # the same folder, shared
    assert open_in_folder() > 0
    first.close()
    assert second.search("plan cost", k=1)  # the other index of the folder still works
    second.close()
    # chromadb's Rust side lets go of chroma.sqlite3 when its Python objects are collected, and
    # they sit in a reference cycle: without a collection here, 1 run in 3 still saw it open
    gc.collect()
    assert open_in_folder() == 0
