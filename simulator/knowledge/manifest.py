"""What the index holds, kept beside it: every file and passage, and the statistics.

An update must know, for every file of the folder, whether the index already holds its current
text, so the manifest (one SQLite file per indexed folder) keeps each file's content hash, size,
modification time and passage count: an unchanged file costs one ``stat``. It also keeps every
passage (text, heading path, scope and ranking material, :mod:`passages`: chromadb keeps only ids
and vectors) and the collection's term statistics (:mod:`statistics`), written row by row as they
change.

Each batch of files is written in one transaction (its passages, its files' entries, the changed
statistics), after its vectors are in chromadb and before the vectors it replaces are deleted
there, so the manifest is never half-written: a crash leaves at worst vectors that no passage row
names (searches skip them; the next update overwrites or deletes them). ``generation`` counts
commits, so a process sees when another one has updated the same folder. A manifest of an older
schema is emptied and the collection with it (``fresh``): everything is indexed again.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from simulator.errors import KnowledgeError
from simulator.knowledge.passages import COLUMNS, SCHEMA, StoredPassage
from simulator.knowledge.statistics import CollectionStatistics

SCHEMA_VERSION = "4"
LOOKUP_BATCH = 500
"""Keys per ``IN (...)`` query (SQLite's limit on bound variables is far above this)."""
READ_PAGE = 10_000
"""Passages per read when every passage is read (the contextual encoder's snapshot)."""


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
    """The manifest's SQLite file: one connection writes (updates are serialised by the index),
    and each searching thread reads through its own (WAL: readers never wait for a writer)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._readers = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._reads = threading.Condition()
        self._reads_in_flight = 0
        self._closed = False
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=60)
        os.chmod(path, 0o600)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self.fresh = self._meta("schema") != SCHEMA_VERSION
            """Made now (or emptied, being of an older schema): the collection must be too."""
            with self._db:
                if self.fresh:
                    for table in ("meta", "files", "stats", "passages"):
                        self._db.execute(f"DROP TABLE IF EXISTS {table}")
                self._db.executescript(
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                    "CREATE TABLE IF NOT EXISTS files (source TEXT PRIMARY KEY, hash TEXT NOT NULL,"
                    " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, chunks INTEGER NOT NULL);"
                    "CREATE TABLE IF NOT EXISTS stats (kind TEXT NOT NULL, key TEXT NOT NULL,"
                    " value INTEGER NOT NULL, PRIMARY KEY (kind, key));" + SCHEMA + ";"
                )
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,)
                )
        for suffix in ("-wal", "-shm"):
            if Path(f"{path}{suffix}").exists():
                os.chmod(f"{path}{suffix}", 0o600)

    def close(self) -> None:
        """Close every connection once the reads in flight are done: closing a connection another
        thread is reading through crashes the interpreter (a background warm-up searches while
        the index closes)."""
        with self._reads:
            self._closed = True
            self._reads.wait_for(lambda: self._reads_in_flight == 0)
        with self._lock:
            for connection in self._opened:
                connection.close()
            self._opened.clear()
            self._db.close()

    def _meta(self, key: str) -> str | None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.OperationalError:  # no meta table yet
            return None
        return None if row is None else str(row[0])

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

    def write(
        self,
        files: dict[str, FileEntry | None],
        *,
        put: Sequence[StoredPassage] = (),
        delete: Iterable[str] = (),
        stats_rows: Sequence[tuple[str, str, int]] = (),
    ) -> None:
        """One transaction: the files' new entries (``None``: removed), passages written and
        deleted, statistics rows changed (value 0: gone), and the next generation."""
        with self._lock, self._db:
            self._db.executemany(
                "DELETE FROM files WHERE source = ?",
                [(s,) for s, e in files.items() if e is None],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                [(s, e.hash, e.size, e.mtime_ns, e.chunks) for s, e in files.items() if e],
            )
            self._db.executemany("DELETE FROM passages WHERE key = ?", [(k,) for k in delete])
            marks = ", ".join("?" * len(COLUMNS.split(",")))
            self._db.executemany(
                f"INSERT OR REPLACE INTO passages ({COLUMNS}) VALUES ({marks})",
                [p.row() for p in put],
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
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(generation),)
            )

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """This thread's read connection, held open until the read is done."""
        with self._reads:
            if self._closed:
                raise KnowledgeError(f"the knowledge index's manifest {self.path} is closed")
            self._reads_in_flight += 1
        try:
            connection: sqlite3.Connection | None = getattr(self._readers, "connection", None)
            if connection is None:
                connection = sqlite3.connect(str(self.path), check_same_thread=False, timeout=60)
                self._readers.connection = connection
                with self._lock:
                    self._opened.append(connection)
            yield connection
        finally:
            with self._reads:
                self._reads_in_flight -= 1
                self._reads.notify_all()

    def passages(self, keys: Sequence[str]) -> list[StoredPassage]:
        """The stored passages among ``keys``, in the order of ``keys`` (unknown keys left out)."""
        found: dict[str, StoredPassage] = {}
        for start in range(0, len(keys), LOOKUP_BATCH):
            chunk = keys[start : start + LOOKUP_BATCH]
            with self._reading() as reader:
                rows = reader.execute(
                    f"SELECT {COLUMNS} FROM passages WHERE key IN ({','.join('?' * len(chunk))})",
                    list(chunk),
                ).fetchall()
            for row in rows:
                passage = StoredPassage.from_row(row)
                found[passage.key] = passage
        return [found[k] for k in keys if k in found]

    def all_passages(self) -> Iterable[StoredPassage]:
        """Every stored passage, in key order, read a page at a time."""
        page = READ_PAGE
        last = ""
        while True:
            with self._reading() as reader:
                rows = reader.execute(
                    f"SELECT {COLUMNS} FROM passages WHERE key > ? ORDER BY key LIMIT ?",
                    (last, page),
                ).fetchall()
            for row in rows:
                yield StoredPassage.from_row(row)
            if len(rows) < page:
                return
            last = str(rows[-1][0])

    def count(self) -> int:
        with self._reading() as reader:
            (count,) = reader.execute("SELECT COUNT(*) FROM passages").fetchone()
        return int(count)
