"""Bring a chromadb collection in line with its folder, touching only what changed, in batches.

An unchanged file costs one ``stat`` (its size and modification time match the manifest); a file
whose time changed but whose bytes did not costs a read and a hash; only new and changed files are
parsed. Their passages are embedded and upserted many files at a time (one chromadb call per file
kept ingest near 200 passages/s), and the collection's statistics are adjusted by exactly the
passages that came and went. A file is replaced by writing its new passages first and deleting
its leftovers second, so a cancelled or crashed update leaves every file old, new or detectably
half-done (the manifest is dirty until the end, and then rebuilt from the collection).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from simulator.errors import DocumentError
from simulator.knowledge import embedding, ranking
from simulator.knowledge.documents import (
    AGENTS,
    Chunk,
    FolderScan,
    KnowledgeFile,
    Limits,
    content_hash,
    load_document,
)
from simulator.knowledge.manifest import FileEntry, Manifest
from simulator.knowledge.statistics import CollectionStatistics, PassageText

INDEX_VERSION = "1"
"""Bump when chunking or the embedding model changes: every file is then re-embedded."""
BATCH_PASSAGES = 2_000
"""Passages embedded and written together (many small files make one batch)..."""
BATCH_FILES = 25
"""...or this many files, whichever comes first, so that a cancel (checked between files) still
finds files to stop before in a small folder."""
WRITE_BATCH = 1000
"""Passages per upsert: chromadb refuses batches beyond a (server-dependent) maximum size."""
READ_BATCH = 10_000
"""Passages per ``get()``: one read of everything binds a SQL variable per passage and fails
past SQLite's limit (32,766) with "too many SQL variables"."""

Progress = Callable[[int, int, str], None]


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
    ) -> None:
        self._collection = collection
        self._limits = limits
        self._warnings: list[str] = []
        self._manifest = manifest
        self._files = files
        self._stats = stats
        self._saved: dict[str, FileEntry | None] = {}
        self._counts = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0}
        self._skipped: list[DocumentError] = []
        self._dirty = False

    def run(
        self,
        scan: FolderScan,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> IndexReport:
        started = time.perf_counter()
        cancelled = False
        try:
            on_disk = {f.source for f in scan.files}
            for source in sorted(set(self._files) - on_disk):
                self._remove(source)
            pending: list[_Pending] = []
            total = len(scan.files)
            for done, file in enumerate(scan.files, start=1):
                if cancel is not None and cancel.is_set():
                    cancelled = True
                    break
                item = self._check(file)
                if item is not None:
                    pending.append(item)
                    passages = sum(len(p.chunks) for p in pending)
                    if passages >= BATCH_PASSAGES or len(pending) >= BATCH_FILES:
                        self._write(pending)
                        pending = []
                if progress is not None:
                    progress(done, total, file.source)
            self._write(pending)  # what was reported done is written, even when cancelled
        finally:
            if self._dirty:
                self._manifest.save(self._saved, self._stats.changes())
        return IndexReport(
            files_added=self._counts["added"],
            files_updated=self._counts["updated"],
            files_removed=self._counts["removed"],
            files_unchanged=self._counts["unchanged"],
            chunks=int(self._collection.count()),
            skipped=tuple(self._skipped),
            elapsed_s=time.perf_counter() - started,
            ignored=scan.ignored,
            cancelled=cancelled,
            warnings=(*scan.warnings, *self._warnings),
        )

    def _touch(self) -> None:
        """Before the first write: a crash from here on leaves the manifest dirty."""
        if not self._dirty:
            self._manifest.mark_dirty()
            self._dirty = True

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
                self._remember(
                    file.source, replace(entry, size=status.st_size, mtime_ns=status.st_mtime_ns)
                )
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

    def _remember(self, source: str, entry: FileEntry | None) -> None:
        self._touch()
        self._saved[source] = entry
        if entry is None:
            self._files.pop(source, None)
        else:
            self._files[source] = entry

    def _remove(self, source: str) -> None:
        self._touch()
        old = self._files[source]
        ids = old.ids(source)
        gone = read_passages(self._collection, ids)
        for start in range(0, len(ids), READ_BATCH):
            self._collection.delete(ids=ids[start : start + READ_BATCH])
        self._stats.remove(gone)
        self._remember(source, None)
        self._counts["removed"] += 1

    def _write(self, pending: list[_Pending]) -> None:
        if not pending:
            return
        self._touch()
        replaced = read_passages(
            self._collection, [i for p in pending if p.old for i in p.old.ids(p.source)]
        )
        ids = [f"{p.source}#{i}" for p in pending for i in range(len(p.chunks))]
        chunks = [c for p in pending for c in p.chunks]
        metadatas = [
            _metadata(c, p.entry.hash, i, len(p.chunks))
            for p in pending
            for i, c in enumerate(p.chunks)
        ]
        vectors, tokens = embedding.embed_with_tokens(
            [ranking.embedding_text(c.section, c.text) for c in chunks]
        )
        for start in range(0, len(ids), WRITE_BATCH):
            end = start + WRITE_BATCH
            self._collection.upsert(
                ids=ids[start:end],
                embeddings=vectors[start:end],
                documents=[c.text for c in chunks[start:end]],
                metadatas=metadatas[start:end],
            )
        leftovers = [
            f"{p.source}#{i}"
            for p in pending
            if p.old is not None
            for i in range(p.entry.chunks, p.old.chunks)
        ]
        for start in range(0, len(leftovers), READ_BATCH):
            self._collection.delete(ids=leftovers[start : start + READ_BATCH])
        self._stats.remove(replaced)
        self._stats.add(
            [PassageText(i, c.source, c.section, c.text) for i, c in zip(ids, chunks, strict=True)],
            tokens,
        )
        for p in pending:
            self._remember(p.source, p.entry)
            self._counts["added" if p.old is None else "updated"] += 1


def read_passages(collection: Any, ids: list[str]) -> list[PassageText]:
    """The stored passages among ``ids`` (missing ones are left out), read in pages."""
    out: list[PassageText] = []
    for start in range(0, len(ids), READ_BATCH):
        page = collection.get(
            ids=ids[start : start + READ_BATCH], include=["documents", "metadatas"]
        )
        for key, text, meta in zip(
            page["ids"], page["documents"] or [], page["metadatas"] or [], strict=False
        ):
            out.append(
                PassageText(
                    key, str(meta.get("source", "")), str(meta.get("section", "")), text or ""
                )
            )
    return out


def read_all(collection: Any, include: list[Any]) -> dict[str, list[Any]]:
    """The whole collection, read in pages of ``READ_BATCH``."""
    out: dict[str, list[Any]] = {"ids": [], **{name: [] for name in include}}
    offset = 0
    while True:
        page = collection.get(include=include, limit=READ_BATCH, offset=offset)
        out["ids"] += page["ids"]
        for name in include:
            out[name] += page[name] or []
        if len(page["ids"]) < READ_BATCH:
            return out
        offset += READ_BATCH


def rebuild(
    collection: Any, manifest: Manifest
) -> tuple[dict[str, FileEntry], CollectionStatistics]:
    """The manifest and statistics from the collection itself (once: a crash mid-update, an
    index made by an older version). A file whose passages do not all carry one hash (half
    written) gets an empty hash, so the next update writes it again."""
    result = read_all(collection, ["documents", "metadatas"])
    stats = CollectionStatistics()
    passages: list[PassageText] = []
    seen: dict[str, tuple[set[str], int, int, int]] = {}
    for key, text, meta in zip(
        result["ids"], result["documents"] or [], result["metadatas"] or [], strict=False
    ):
        source = str(meta.get("source", ""))
        passages.append(PassageText(key, source, str(meta.get("section", "")), text or ""))
        hashes, count, top, _ = seen.get(source, (set(), 0, 0, -1))
        hashes.add(str(meta.get("content_hash", "")))
        position = int(str(meta.get("chunk_index", 0)))
        seen[source] = (
            hashes,
            count + 1,
            max(top, position + 1),
            int(str(meta.get("chunk_total", -1))),
        )
    stats.add(passages)
    files = {
        source: FileEntry(
            next(iter(hashes)) if len(hashes) == 1 and count == expected == top else "",
            -1,
            -1,
            top,
        )
        for source, (hashes, count, top, expected) in seen.items()
    }
    stats.changes()
    manifest.save(dict(files), list(stats.rows()), replace=True)
    return files, stats


def _metadata(chunk: Chunk, file_hash: str, position: int, total: int) -> Mapping[str, Any]:
    scope = chunk.agents or frozenset()
    return {
        "source": chunk.source,
        "section": chunk.section,
        "content_hash": file_hash,
        "chunk_index": position,
        "chunk_total": total,
        "scoped": chunk.agents is not None,
        **{f"scope_{agent}": agent in scope for agent in AGENTS},
    }
