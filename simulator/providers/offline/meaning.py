"""Vectors of what texts mean, from the knowledge's encoder, cached for the whole process.

The offline responder compares the customer's words with every sentence, bullet and table row of
a turn's passages, and each of the question's words with theirs ("equipment" is "hardware").
The contextual encoder does this far better than word vectors, but encodes ~50-100 sentences a
second per core, so each text is encoded once per process and kept (a passage's sentences come
back turn after turn), and kept on disk beside the index when the caller says where, so a restart
encodes nothing it has seen. Vectors of different models never meet: caches are per model name.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from simulator.knowledge import encoder
from simulator.knowledge.vector_cache import VectorCache

CACHE_SIZE = 100_000
"""Texts kept per model (~1.5 KB each for a 384-d encoder)."""

Embed = Callable[[list[str]], np.ndarray]


class _Cache:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self.lock = threading.Lock()


_caches: dict[str, _Cache] = {}
_disks: weakref.WeakValueDictionary[tuple[Path, str], VectorCache] = weakref.WeakValueDictionary()
"""Open while a Meaning uses them (one file per index: kept forever, they exhaust descriptors)."""
_caches_lock = threading.Lock()


class Meaning:
    """Unit-length vectors of texts from ``embed`` (a model named ``name``), cached."""

    def __init__(
        self, embed: Embed, name: str, *, contextual: bool, disk: Path | None = None
    ) -> None:
        self._embed = embed
        self.name = name
        self.contextual = contextual
        """Whether this is the contextual encoder (else word vectors: weaker on paraphrase)."""
        with _caches_lock:
            self._cache = _caches.setdefault(name, _Cache(CACHE_SIZE))
            self._disk: VectorCache | None = None
            if disk is not None and contextual:  # word vectors are quicker made than read
                key = (disk, name)
                found = _disks.get(key)
                if found is None:
                    found = _disks[key] = VectorCache(disk, name, encoder.DIMENSIONS)
                self._disk = found

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, in order (each distinct text encoded at most once per process)."""
        cache = self._cache
        with cache.lock:
            known = {t: cache.vectors[t] for t in texts if t in cache.vectors}
            for text in known:
                cache.vectors.move_to_end(text)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing and self._disk is not None:
            stored = self._disk.get(missing)
            known.update(stored)
            with cache.lock:
                cache.vectors.update(stored)
            missing = [t for t in missing if t not in stored]
        if missing:
            encoded = self._embed(missing)
            if self._disk is not None:
                self._disk.put(missing, encoded)
            with cache.lock:
                for text, vector in zip(missing, encoded, strict=True):
                    cache.vectors[text] = vector
                    known[text] = vector
                while len(cache.vectors) > cache.capacity:
                    cache.vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack([known[t] for t in texts])

    def similarity(self, text: str, others: Sequence[str]) -> np.ndarray:
        """Cosine of ``text`` with each of ``others``."""
        if not others:
            return np.zeros(0, dtype=np.float32)
        vectors = self.vectors([text, *others])
        return vectors[1:] @ vectors[0]  # type: ignore[no-any-return]
