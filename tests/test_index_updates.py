"""Updates that scale: statistics adjusted file by file, and searches that never wait for them.

Rebuilding the re-ranker's statistics from every passage after each change made one changed file
cost 78 s at 100k passages, with searches waiting. Now an update adds and subtracts exactly the
passages that came and went, which must equal a full rebuild, and a search is answered while an
update is in the middle of its work.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from simulator.knowledge.index import KnowledgeIndex
from simulator.knowledge.ingest import BATCH_FILES, STAGES

BOUND_S = 120.0
"""A bound on waiting for another thread (a hang fails the test), not a measurement."""


def test_incremental_statistics_equal_a_full_rebuild(small_company: Path, tmp_path: Path) -> None:
    with KnowledgeIndex(small_company, tmp_path / "incremental", contextual=False) as index:
        index.update()
        (small_company / "notes" / "tips.txt").write_text(
            "Demo tips\n\nDescale the HK-2 before a demo. Bring the GR-7 grinder.\n"
        )
        (small_company / "competitive" / "rivals.md").unlink()
        (small_company / "new.md").write_text("# New page\n\nThe PB-9 portafilter ships in May.\n")
        index.update()
        (small_company / "overview.md").write_bytes(b"\xff\xfe not UTF-8")  # turns unreadable
        (small_company / "new.md").write_text("# New page\n\nThe PB-9 ships in June instead.\n")
        index.update()
        incremental = index.statistics

    with KnowledgeIndex(small_company, tmp_path / "rebuilt", contextual=False) as fresh:
        fresh.update()
        assert incremental.passages == fresh.statistics.passages == fresh.chunk_count()
        assert incremental.same_as(fresh.statistics)
        assert incremental.by_code["pb9"] == fresh.statistics.by_code["pb9"]

    with KnowledgeIndex(small_company, tmp_path / "incremental", contextual=False) as reopened:
        assert reopened.statistics.same_as(incremental), "the saved statistics are the same too"


def test_a_search_is_answered_while_an_update_is_under_way(
    small_company: Path, tmp_path: Path
) -> None:
    with KnowledgeIndex(small_company, tmp_path / "index", contextual=False) as index:
        index.update()
        (small_company / "notes" / "tips.txt").write_text("Demo tips\n\nAlways descale first.\n")
        (small_company / "new.md").write_text("# New page\n\nThe PB-9 ships in May.\n")
        paused = threading.Event()
        resume = threading.Event()

        def hold_after_first_file(done: int, total: int, source: str) -> None:
            if done == 1:
                paused.set()
                assert resume.wait(BOUND_S), "the search never finished"

        updating = threading.Thread(target=index.update, args=(hold_after_first_file,))
        updating.start()
        try:
            assert paused.wait(BOUND_S), "the update never started"
            found = index.search("How much does Total care cost per machine?", k=2)
        finally:
            resume.set()
            updating.join(BOUND_S)

        assert found and found[0].source == "pricing/plans.md"
        assert not updating.is_alive()
        assert "new.md" in {p.source for p in index.search("When does the PB-9 ship?", k=3)}


def test_an_unchanged_file_is_not_read_again(small_company: Path, tmp_path: Path) -> None:
    """Same size and modification time: the file is taken as unchanged without being read (so
    a re-index with nothing changed costs a stat per file, however big the files are). Shown by
    changing its bytes behind the update's back, size and time kept: the update does not see it."""
    with KnowledgeIndex(small_company, tmp_path / "index", contextual=False) as index:
        index.update()
        tips = small_company / "notes" / "tips.txt"
        before = tips.stat()
        text = tips.read_text()
        tips.write_text(text.replace("fresh beans", "FRESH BEANS"))
        assert tips.stat().st_size == before.st_size
        os.utime(tips, ns=(before.st_atime_ns, before.st_mtime_ns))

        report = index.update()

        assert (report.files_unchanged, report.files_updated) == (7, 0)
        os.utime(tips)  # a new time: now it is read, and its new text indexed
        assert index.update().files_updated == 1
        assert "FRESH BEANS" in " ".join(p.text for p in index.search("beans for a demo", k=8))


def test_the_report_splits_an_update_by_stage(small_company: Path, tmp_path: Path) -> None:
    """The bench's per-passage breakdown comes from here: a first build passes every stage, an
    update with nothing changed reads no file and analyses and writes nothing."""
    with KnowledgeIndex(small_company, tmp_path / "index", contextual=False) as index:
        first = index.update()
        assert set(first.stage_cpu_s) == set(STAGES)
        assert first.stage_cpu_s["analyse"] > 0 and first.stage_cpu_s["vectors"] > 0

        again = index.update()

        assert again.files_unchanged == first.files_added
        for stage in ("analyse", "vectors", "statistics", "manifest"):
            assert again.stage_cpu_s[stage] == 0.0, stage


def test_searches_see_each_written_batch_while_the_update_goes_on(
    small_company: Path, tmp_path: Path
) -> None:
    """A long update writes its files in batches (``BATCH_FILES`` new files each): held between
    two batches, with the update's locks taken, a search is answered, finds the pages of the
    batch already written and none of the pages still to come."""
    with KnowledgeIndex(small_company, tmp_path / "index", contextual=False) as index:
        index.update()
        pages = small_company / "batch"
        pages.mkdir()
        for n in range(BATCH_FILES + 5):  # page-00 .. page-24 fill the first batch
            (pages / f"page-{n:02}.md").write_text(
                f"# Unit ZX-{n:02}\n\nThe ZX-{n:02} sensor unit reports every {n + 1} minutes.\n"
            )
        paused = threading.Event()
        resume = threading.Event()

        def hold_in_the_second_batch(done: int, total: int, source: str) -> None:
            if source == f"batch/page-{BATCH_FILES + 1:02}.md":
                paused.set()
                assert resume.wait(BOUND_S), "the searches never finished"

        updating = threading.Thread(target=index.update, args=(hold_in_the_second_batch,))
        updating.start()
        try:
            assert paused.wait(BOUND_S), "the update never reached its second batch"
            written = index.search("How often does the ZX-03 sensor unit report?", k=2)
            to_come = index.search(f"How often does the ZX-{BATCH_FILES + 3} unit report?", k=8)
        finally:
            resume.set()
            updating.join(BOUND_S)
        assert not updating.is_alive()

        assert written and written[0].source == "batch/page-03.md"
        last = f"batch/page-{BATCH_FILES + 3:02}.md"
        assert last not in {p.source for p in to_come}
        after = index.search(f"How often does the ZX-{BATCH_FILES + 3} unit report?", k=2)
        assert after[0].source == last
