"""Reliability: a knowledge base larger than one read of the index still updates and searches.

Reading a whole chromadb collection in one ``get()`` binds one SQLite variable per passage and
fails past 32,766 of them ("too many SQL variables"): a 100k-passage folder (see section 3 of
BENCHMARKS.md) could not be indexed at all. The index now reads the collection in pages of
``READ_BATCH`` passages (when the manifest is rebuilt from the collection, and when passages are
read back by id). Indexing 33k passages takes a while, so this test makes the page tiny
instead: the same code path, with many pages over the small company.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.knowledge import ingest
from simulator.knowledge.index import KnowledgeIndex


def test_updates_and_searches_read_the_whole_collection_page_by_page(
    small_company: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with KnowledgeIndex(small_company, tmp_path / "one-page") as index:
        whole = index.update()
        expected = index.search("How much does Total care cost per machine?", k=3)
    monkeypatch.setattr(ingest, "READ_BATCH", 3)
    assert whole.chunks > 2 * 3, "the small company spans several pages"

    with KnowledgeIndex(small_company, tmp_path / "paged") as index:
        first = index.update()
        assert first.chunks == whole.chunks and first.files_added == whole.files_added
        assert index.search("How much does Total care cost per machine?", k=3) == expected
    (manifest,) = (tmp_path / "paged").glob("*/manifest.sqlite3")
    manifest.unlink()  # as after a crash: rebuilt from the collection, read page by page
    with KnowledgeIndex(small_company, tmp_path / "paged") as index:
        again = index.update()
        assert (again.files_unchanged, again.files_added, again.files_updated) == (
            whole.files_added,
            0,
            0,
        )
        (small_company / "pricing" / "plans.md").unlink()
        removed = index.update()
        assert removed.files_removed == 1 and removed.chunks < whole.chunks
