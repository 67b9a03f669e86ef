"""The contextual encoder's vectors on disk, by text, so a restart never encodes a text twice.

Encoding is the slow part of the contextual scorer (~50-100 texts/s per core), so every vector
is kept in a SQLite file beside the index, keyed by a hash of the text it encodes and the model
that encoded it: an unchanged passage keeps its vectors across re-indexing, renames and restarts,
and a second start of the same folder encodes nothing. Vectors are stored as float16 (half the
disk, and cosines change by < 1e-3). Safe to share between threads.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

_LOOKUP_BATCH = 500
"""Keys per ``IN (...)`` query (SQLite's limit on bound variables is far above this)."""


class VectorCache:
    """Vectors of one model, by text; :meth:`get` returns those already encoded."""

    def __init__(self, path: Path, model: str, dimensions: int) -> None:
        self.path = path
        self._model = model
        self._dimensions = dimensions
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        with self._lock, self._db:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS vectors "
                "(model TEXT NOT NULL, key BLOB NOT NULL, vector BLOB NOT NULL, "
                "PRIMARY KEY (model, key))"
            )
        os.chmod(path, 0o600)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def get(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those ``texts`` that have one (float32, unit length)."""
        by_key = {_key(t): t for t in texts}
        keys = list(by_key)
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), _LOOKUP_BATCH):
                chunk = keys[start : start + _LOOKUP_BATCH]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({marks})",
                    [self._model, *chunk],
                ).fetchall()
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float16)
                    if vector.shape == (self._dimensions,):
                        found[by_key[bytes(key)]] = vector.astype(np.float32)
        return found

    def put(self, texts: list[str], vectors: np.ndarray) -> None:
        rows = [
            (self._model, _key(t), v.astype(np.float16).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]
