"""Bring the index in line with its folder, touching only what changed, in batches.

An unchanged file costs one ``stat`` (its size and modification time match the manifest); a file
whose time changed but whose bytes did not costs a read and a hash; only new and changed files are
parsed. Their passages are analysed (:mod:`passages`) and written many files at a time: the
vectors to chromadb (ids, vectors and a scope number: no documents, no metadata to index), then
the passages, the files' entries and the statistics changed by exactly the passages that came and
went, to the manifest in one transaction, then the vectors of passages that are gone are deleted
from chromadb. A cancelled or crashed update leaves every file old or new (see :mod:`manifest`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from simulator.errors import DocumentError
from simulator.knowledge import passages
from simulator.knowledge.documents import (
    Chunk,
    FolderScan,
    KnowledgeFile,
    Limits,
    content_hash,
    load_document,
)
from simulator.knowledge.manifest import FileEntry, Manifest
from simulator.knowledge.statistics import CollectionStatistics

INDEX_VERSION = "2"
"""Bump when chunking or the embedding model changes: every file is then re-embedded."""
BATCH_PASSAGES = 2_000
"""Passages embedded and written together (many small files make one batch)..."""
BATCH_FILES = 25
"""...or this many files, whichever comes first, so that a cancel (checked between files) still
finds files to stop before in a small folder."""
WRITE_BATCH = 2_000
"""Passages per upsert, at most (chromadb refuses batches beyond a server-dependent size)."""
DELETE_BATCH = 10_000
"""Ids per ``delete()``: one call with every id binds a SQL variable per id and fails past
SQLite's limit (32,766) with "too many SQL variables"."""

Progress = Callable[[int, int, str], None]
STAGES = ("read", "analyse", "vectors", "statistics", "manifest")
"""An update's stages, in :attr:`IndexReport.stage_cpu_s`: reading and chunking the files,
tokenising and summing token vectors (wordllama), chromadb's upsert and delete, the statistics,
the manifest's transaction."""


@dataclass(frozen=True)
class IndexReport:
    files_added: int = 0
    files_updated: int = 0
    files_removed: int = 0
    files_unchanged: int = 0
    chunks: int = 0
    """Chunks in the collection after the update."""
    skipped: tuple[DocumentError, ...] = ()
    elapsed_s: float = 0.0
    ignored: int = 0
    """Hidden files and unsupported file types, left out."""
    cancelled: bool = False
    warnings: tuple[str, ...] = ()
    """Things the user should know that are not a skipped file (a link out of the folder, an
    unreadable sub-folder, a file cut at the size cap...), each naming what it is about."""
    stage_cpu_s: dict[str, float] = field(default_factory=dict)
    """Process CPU seconds per stage (see :data:`STAGES`), to show where an ingest's time goes
    (every thread of the process counts: chromadb's own threads too)."""

    @property
    def changed(self) -> bool:
        return bool(self.files_added or self.files_updated or self.files_removed)


@dataclass
class _Pending:
    source: str
    entry: FileEntry
    old: FileEntry | None
    chunks: tuple[Chunk, ...]


class Ingest:
    """One update of a collection; :meth:`run` returns its report."""

    def __init__(
        self,
        collection: Any,
        manifest: Manifest,
        files: dict[str, FileEntry],
        stats: CollectionStatistics,
        limits: Limits,
        *,
        write_batch: int = WRITE_BATCH,
    ) -> None:
        self._collection = collection
        self._limits = limits
        self._write_batch = write_batch
        self._warnings: list[str] = []
        self._manifest = manifest
        self._files = files
        self._stats = stats
        self._touched: dict[str, FileEntry | None] = {}
        self._counts = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0}
        self._skipped: list[DocumentError] = []
        self._cpu = dict.fromkeys(STAGES, 0.0)

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        started = time.process_time()
        try:
            yield
        finally:
            self._cpu[name] += time.process_time() - started

    def run(
        self,
        scan: FolderScan,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> IndexReport:
        started = time.perf_counter()
        cancelled = False
        on_disk = {f.source for f in scan.files}
        for source in sorted(set(self._files) - on_disk):
            self._remove(source)
        pending: list[_Pending] = []
        total = len(scan.files)
        for done, file in enumerate(scan.files, start=1):
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            with self._stage("read"):
                item = self._check(file)
            if item is not None:
                pending.append(item)
                passages_pending = sum(len(p.chunks) for p in pending)
                if passages_pending >= BATCH_PASSAGES or len(pending) >= BATCH_FILES:
                    self._write(pending)
                    pending = []
            if progress is not None:
                progress(done, total, file.source)
        self._write(pending)  # what was reported done is written, even when cancelled
        if self._touched:
            self._manifest.write(self._touched)
        return IndexReport(
            files_added=self._counts["added"],
            files_updated=self._counts["updated"],
            files_removed=self._counts["removed"],
            files_unchanged=self._counts["unchanged"],
            chunks=self._manifest.count(),
            skipped=tuple(self._skipped),
            elapsed_s=time.perf_counter() - started,
            ignored=scan.ignored,
            cancelled=cancelled,
            warnings=(*scan.warnings, *self._warnings),
            stage_cpu_s=dict(self._cpu),
        )

    def _check(self, file: KnowledgeFile) -> _Pending | None:
        """Unchanged (counted), skipped (reported), or the file's new passages to write."""
        entry = self._files.get(file.source)
        try:
            status = file.path.stat()
            if entry is not None and (entry.size, entry.mtime_ns) == (
                status.st_size,
                status.st_mtime_ns,
            ):
                self._counts["unchanged"] += 1
                return None
            data, cut = file.read(self._limits)
            file_hash = f"{INDEX_VERSION}:{content_hash(data)}"
            if entry is not None and entry.hash == file_hash:  # touched, not changed
                touched = replace(entry, size=status.st_size, mtime_ns=status.st_mtime_ns)
                self._files[file.source] = self._touched[file.source] = touched
                self._counts["unchanged"] += 1
                return None
            document = load_document(file, data, self._limits)
        except OSError as e:
            error = DocumentError(file.source, f"cannot read the file: {e.strerror or e}")
        except DocumentError as e:
            error = e
        else:
            self._warnings += [w for w in (cut, *document.warnings) if w]
            new = FileEntry(file_hash, status.st_size, status.st_mtime_ns, len(document.chunks))
            return _Pending(file.source, new, entry, document.chunks)
        self._skipped.append(error)
        if entry is not None:  # the file turned unreadable: its old text must not be served
            self._remove(file.source)
        return None

    def _remove(self, source: str) -> None:
        ids = self._files[source].ids(source)
        gone = self._manifest.passages(ids)
        self._stats.remove(gone)
        self._manifest.write({source: None}, delete=ids, stats_rows=self._stats.changes())
        self._delete_vectors(ids)
        self._files.pop(source, None)
        self._touched.pop(source, None)
        self._counts["removed"] += 1

    def _write(self, pending: list[_Pending]) -> None:
        if not pending:
            return
        ids = [f"{p.source}#{i}" for p in pending for i in range(len(p.chunks))]
        chunks: list[Chunk] = [c for p in pending for c in p.chunks]
        with self._stage("analyse"):
            analysed = passages.analyse(ids, chunks)
        with self._stage("manifest"):
            replaced = self._manifest.passages(
                [i for p in pending if p.old for i in p.old.ids(p.source)]
            )
        with self._stage("vectors"):
            masks = [{"scope": p.scope_mask} for p in analysed.passages]
            for start in range(0, len(ids), self._write_batch):
                end = start + self._write_batch
                self._collection.upsert(
                    ids=ids[start:end],
                    embeddings=analysed.vectors[start:end],
                    metadatas=masks[start:end],
                )
        leftovers = [
            f"{p.source}#{i}"
            for p in pending
            if p.old is not None
            for i in range(p.entry.chunks, p.old.chunks)
        ]
        with self._stage("statistics"):
            self._stats.remove(replaced)
            self._stats.add(analysed.passages)
            changes = self._stats.changes()
        entries: dict[str, FileEntry | None] = {p.source: p.entry for p in pending}
        with self._stage("manifest"):
            self._manifest.write(
                entries, put=analysed.passages, delete=leftovers, stats_rows=changes
            )
        with self._stage("vectors"):
            self._delete_vectors(leftovers)
        for p in pending:
            self._files[p.source] = p.entry
            self._touched.pop(p.source, None)
            self._counts["added" if p.old is None else "updated"] += 1

    def _delete_vectors(self, ids: list[str]) -> None:
        for start in range(0, len(ids), DELETE_BATCH):
            self._collection.delete(ids=ids[start : start + DELETE_BATCH])
