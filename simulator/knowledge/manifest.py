"""What the index holds, remembered beside it: each file's hash, size and time, and the statistics.

An update must know, for every file of the folder, whether the index already holds its current
text. Reading that back from chromadb (every passage's metadata) grew with the folder, and so did
hashing every file: a re-index with nothing changed read a 1,000,000-row CSV again. The manifest
(one SQLite file per indexed folder) keeps each file's content hash, size, modification time and
passage count, so an unchanged file costs one ``stat``, and the collection's term statistics
(:mod:`statistics`), written row by row as they change.

It is marked dirty before an update touches the collection and clean after it is saved; a dirty
or missing manifest (a crash mid-update, an index made by an older version, a Chroma server
filled elsewhere) is rebuilt once from the collection itself. ``generation`` counts saves, so a
process sees when another one has updated the same folder.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from simulator.knowledge.statistics import CollectionStatistics

SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class FileEntry:
    """One indexed file: ``chunks`` passages with ids ``{source}#0``.. from text of ``hash``."""

    hash: str
    size: int
    mtime_ns: int
    chunks: int

    def ids(self, source: str) -> list[str]:
        return [f"{source}#{i}" for i in range(self.chunks)]


class Manifest:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=60)
        with self._lock, self._db:
            self._db.executescript(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                "CREATE TABLE IF NOT EXISTS files (source TEXT PRIMARY KEY, hash TEXT NOT NULL,"
                " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, chunks INTEGER NOT NULL);"
                "CREATE TABLE IF NOT EXISTS stats (kind TEXT NOT NULL, key TEXT NOT NULL,"
                " value INTEGER NOT NULL, PRIMARY KEY (kind, key));"
            )
        os.chmod(path, 0o600)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @property
    def usable(self) -> bool:
        """Saved clean by this schema: its files and statistics describe the collection."""
        with self._lock:
            return self._meta("schema") == SCHEMA_VERSION and self._meta("clean") == "1"

    @property
    def generation(self) -> int:
        with self._lock:
            return int(self._meta("generation") or 0)

    def files(self) -> dict[str, FileEntry]:
        with self._lock:
            rows = self._db.execute("SELECT source, hash, size, mtime_ns, chunks FROM files")
            return {source: FileEntry(*rest) for source, *rest in rows}

    def statistics(self) -> CollectionStatistics:
        with self._lock:
            rows = self._db.execute("SELECT kind, key, value FROM stats").fetchall()
        return CollectionStatistics.from_rows(rows)

    def mark_dirty(self) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('clean', '0')")

    def save(
        self,
        files: dict[str, FileEntry | None],
        stats_rows: list[tuple[str, str, int]],
        *,
        replace: bool = False,
    ) -> None:
        """Write the changed files (``None``: removed) and statistics rows (0: removed), then
        mark the manifest clean; ``replace`` first forgets everything (a rebuild)."""
        with self._lock, self._db:
            if replace:
                self._db.execute("DELETE FROM files")
                self._db.execute("DELETE FROM stats")
            self._db.executemany(
                "DELETE FROM files WHERE source = ?",
                [(s,) for s, e in files.items() if e is None],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                [(s, e.hash, e.size, e.mtime_ns, e.chunks) for s, e in files.items() if e],
            )
            self._db.executemany(
                "DELETE FROM stats WHERE kind = ? AND key = ?",
                [(kind, key) for kind, key, value in stats_rows if value == 0],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO stats VALUES (?, ?, ?)",
                [row for row in stats_rows if row[2] != 0],
            )
            generation = int(self._meta("generation") or 0) + 1
            self._db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [("schema", SCHEMA_VERSION), ("clean", "1"), ("generation", str(generation))],
            )
