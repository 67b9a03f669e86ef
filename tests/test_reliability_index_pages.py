"""Reliability: a knowledge base larger than one read or write of the index still works.

One chromadb call or SQL statement per whole folder binds a variable per passage and fails past
SQLite's limit (32,766: "too many SQL variables"), so a 100k-passage folder (see section 3 of
BENCHMARKS.md) could not be indexed at all. The index writes vectors, deletes them and reads
passages back in pages. Indexing 33k passages takes a while, so this test makes every page tiny
instead: the same code paths, with many pages over the small company.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.knowledge import index as index_module
from simulator.knowledge import ingest, manifest
from simulator.knowledge.index import KnowledgeIndex


def test_updates_and_searches_read_and_write_the_index_page_by_page(
    small_company: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with KnowledgeIndex(small_company, tmp_path / "one-page") as index:
        whole = index.update()
        expected = index.search("How much does Total care cost per machine?", k=3)
    for module, name in (
        (index_module, "WRITE_BATCH"),
        (ingest, "DELETE_BATCH"),
        (manifest, "LOOKUP_BATCH"),
        (manifest, "READ_PAGE"),
    ):
        monkeypatch.setattr(module, name, 3)
    assert whole.chunks > 2 * 3, "the small company spans several pages"

    with KnowledgeIndex(small_company, tmp_path / "paged") as index:
        first = index.update()
        assert first.chunks == whole.chunks and first.files_added == whole.files_added
        assert index.search("How much does Total care cost per machine?", k=3) == expected
        assert index.wait_contextual(120), "the encoder's snapshot reads every passage, paged"
        assert index.scorer == "minilm"
    (manifest_file,) = (tmp_path / "paged").glob("*/manifest.sqlite3")
    manifest_file.unlink()  # lost: the index starts over rather than guess what it holds
    with KnowledgeIndex(small_company, tmp_path / "paged", contextual=False) as index:
        again = index.update()
        assert (again.files_added, again.chunks) == (whole.files_added, whole.chunks)
        (small_company / "pricing" / "plans.md").unlink()
        removed = index.update()
        assert removed.files_removed == 1 and removed.chunks < whole.chunks
        assert index.chunk_count() == removed.chunks == index.statistics.passages
        assert "pricing/plans.md" not in sources(index, "total care plan cost per month", k=10)


def sources(index: KnowledgeIndex, query: str, k: int) -> list[str]:
    return [p.source for p in index.search(query, k=k)]
