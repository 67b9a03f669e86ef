"""The contextual scorer: every passage scored by the encoder, its vectors filled in the background.

The contextual encoder (:mod:`encoder`) ranks paraphrased questions far better than wordllama
(hit@1 0.59 -> 0.8+ on the sample company) but encodes ~50-100 texts/s per core, so a folder
cannot wait for it. The index therefore answers at once with wordllama, while this module
encodes every passage and unit (heading, heading-prefixed sentences; :mod:`units`) in a
background thread, storing each vector in the :class:`VectorCache` as it goes (a restart encodes
only what is new). When every passage of the collection has its vectors, a :class:`Snapshot` of
the whole collection is swapped in and searches use it; any change to the collection drops the
snapshot at once (searches fall back to wordllama) and wakes the fill again. Each passage a
search returns says which scorer served it.

A snapshot scores *every* passage in scope (brute force, not the wordllama candidates: the
over-fetch cost 0.04 hit@3), as 0.7 x the encoder's dense score + 0.3 x wordllama's, each the
mean of the passage's cosine and its units', plus the same light keyword bonus as
:mod:`ranking`. That stays fast up to ``MAX_PASSAGES``; a larger collection keeps wordllama.

The encoder's units are pooled softly (:func:`soft_best`), a mean weighted toward the best: a
passage whose best sentence stands clear of its others keeps that cosine, one with several
sentences about as close (a playbook entry full of customer-voiced lines) scores a little below
it. Rewarding such runners-up instead (log-sum-exp) lost 1-2 questions per set. On the tuning
sets (hit@1/hit@3 by file; in tests/data: sample = retrieval_questions.yaml, eval =
eval/sample/questions.yaml, parcelwise = answers/parcelwise.yaml, dev = dev_questions.yaml),
against the plain best unit:

    best unit            sample 0.80/0.88  eval 0.54/0.80  parcelwise 0.90/0.97  dev 0.60/0.82
    soft, T = 0.01       sample 0.80/0.88  eval 0.54/0.80  parcelwise 0.90/0.97  dev 0.60/0.85
    soft, T = 0.02       sample 0.80/0.88  eval 0.56/0.80  parcelwise 0.90/0.97  dev 0.60/0.85
    soft, T = 0.03       sample 0.82/0.88  eval 0.56/0.80  parcelwise 0.90/0.97  dev 0.60/0.88
    soft, T = 0.04       sample 0.82/0.88  eval 0.53/0.80  parcelwise 0.93/0.97  dev 0.60/0.85
    soft, T = 0.05       sample 0.82/0.88  eval 0.54/0.80  parcelwise 0.93/0.97  dev 0.60/0.85

A gain of one to three questions per set, none lost, on these; small. Against it: one of
bench/retrieval.py's 22 exact-name questions ("What does the enterprise plan cost?", a section of
many Enterprise lines) fell from first to second place, and the held-out company, measured after
the choice, did not move (0.46/0.71 before and after).
(other_company 1.00/1.00 throughout; on wordllama's cosines it changed nothing, so they keep
the plain best unit.)

The material's own prompts are no answers: a playbook's follow-up questions ("Does it renew
automatically?") and the customer lines it quotes ("We signed a three-year deal with TempGuard")
are worded like a customer's question, and pulled the playbook above the terms that answer it. A
unit that is a question or opens a quotation loses ``PROMPT_PENALTY`` from both models' cosines
before pooling (the units' reported scores are unchanged). Tuning sets as above, plus
coldtrace / orisent (tests/data/answers/):

    no penalty                  eval 0.56/0.80  dev 0.60/0.88  orisent 0.79/0.86
    questions and quotes, 0.1   eval 0.57/0.80  dev 0.65/0.88  orisent 0.86/0.86
    questions only, 0.1         eval 0.56/0.80  dev 0.62/0.88  orisent 0.86/0.86

sample (0.82/0.88), coldtrace (0.75/0.86), parcelwise (0.90/0.97) and other_company did not move;
0.05-0.2 and quotations alone gave the same or less. A passage made mostly of such prompts (a
playbook's script) also loses, for a question, its share of prompts times
:data:`~simulator.knowledge.ranking.SCRIPT_WEIGHT` (see :func:`ranking.script_weight`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from simulator.knowledge import encoder, ranking
from simulator.knowledge.keywords import terms
from simulator.knowledge.passages import StoredPassage, unit_vectors
from simulator.knowledge.units import embedding_text, unit_parts, units
from simulator.knowledge.vector_cache import VectorCache

logger = logging.getLogger(__name__)

CONTEXTUAL_WEIGHT = 0.7
"""Share of the encoder in the dense score; the rest is wordllama's (they err differently)."""
MAX_PASSAGES = 5_000
"""Largest collection the encoder fills (about 60k texts: ~15 minutes on one core)."""
FILL_BATCH = 32
"""Texts encoded (and stored) between two looks at whether the fill should stop."""
SHORTLIST = 50
"""Passages (best dense score first) that get the keyword bonus; codes' passages always do."""
UNIT_TEMPERATURE = 0.03
"""Softness of the encoder's unit pooling (cosine units): near 0 it is the best unit alone."""
PROMPT_PENALTY = 0.1
"""Taken from a prompt unit's cosines (a question or a quotation in the material,
:attr:`~simulator.knowledge.units.Unit.is_prompt`) before its passage's units are pooled: it
sounds like the customer's question but answers nothing (see the module's docstring)."""


class Snapshot:
    """The whole collection's vectors (encoder and wordllama), ready to score any query."""

    def __init__(self, entries: list[StoredPassage], vectors: dict[str, np.ndarray]) -> None:
        self.entries = entries
        self.position = {e.key: i for i, e in enumerate(entries)}
        part_lists = [unit_parts(e.section, e.text) for e in entries]
        unit_lists = [[u.text for u in parts] for parts in part_lists]
        self.prompt_penalty = PROMPT_PENALTY * np.array(
            [u.is_prompt for parts in part_lists for u in parts], dtype=np.float32
        )
        self.prompt_share = np.array([e.prompt_share for e in entries], dtype=np.float32)
        self.unit_starts = np.cumsum([0] + [len(us) for us in unit_lists[:-1]])
        self.unit_owner = np.repeat(np.arange(len(entries)), [len(us) for us in unit_lists])
        self.passages = np.stack([vectors[embedding_text(e.section, e.text)] for e in entries])
        self.units = np.stack([vectors[u] for us in unit_lists for u in us])
        self.word_passages, self.word_units = unit_vectors(entries)
        self._masks: dict[str, np.ndarray] = {}

    def visible(self, agent: str) -> np.ndarray:
        if agent not in self._masks:
            self._masks[agent] = np.array(
                [e.scope is None or agent in e.scope for e in self.entries], dtype=bool
            )
        return self._masks[agent]

    def rank(
        self,
        query: str,
        query_vector: np.ndarray,
        word_vector: np.ndarray,
        boost: ranking.KeywordBoost,
        agent: str | None,
        k: int,
    ) -> list[ranking.Ranked]:
        contextual_units, word_units = self.units @ query_vector, self.word_units @ word_vector
        unit_scores = CONTEXTUAL_WEIGHT * contextual_units + (1 - CONTEXTUAL_WEIGHT) * word_units
        contextual_best = soft_best(
            contextual_units - self.prompt_penalty, self.unit_starts, self.unit_owner
        )
        contextual = (self.passages @ query_vector + contextual_best) / 2
        word_best = np.maximum.reduceat(word_units - self.prompt_penalty, self.unit_starts)
        word = (self.word_passages @ word_vector + word_best) / 2
        dense = CONTEXTUAL_WEIGHT * contextual + (1 - CONTEXTUAL_WEIGHT) * word
        dense -= ranking.script_weight(query) * self.prompt_share
        if agent is not None:
            dense = np.where(self.visible(agent), dense, -np.inf)
        shortlist = set(np.argsort(-dense)[: max(SHORTLIST, k)].tolist())
        query_terms = terms(query)
        shortlist |= {
            self.position[key] for key in boost.code_matches(query_terms) if key in self.position
        }
        weights = boost.weigh(query_terms)
        ends = np.append(self.unit_starts[1:], len(unit_scores))
        scored = [
            ranking.Ranked(
                self.entries[i],
                float(dense[i]) + boost.bonus(weights, self.entries[i]),
                unit_scores[self.unit_starts[i] : ends[i]],
            )
            for i in shortlist
            if np.isfinite(dense[i])
        ]
        scored.sort(key=lambda r: r.score, reverse=True)
        return scored[:k]


def soft_best(
    units: np.ndarray,
    starts: np.ndarray,
    owner: np.ndarray,
    temperature: float = UNIT_TEMPERATURE,
) -> np.ndarray:
    """Per passage, its units' cosines pooled softly: their mean weighted by
    ``exp((cosine - best) / temperature)``. It never exceeds the best unit; a second unit within
    about ``temperature`` of it pulls the score toward it, units far below count for nothing.
    ``starts`` are each passage's first unit, ``owner`` each unit's passage (none may be empty)."""
    best = np.maximum.reduceat(units, starts)
    weights = np.exp((units - best[owner]) / temperature)
    pooled: np.ndarray = np.add.reduceat(weights * units, starts) / np.add.reduceat(weights, starts)
    return pooled


def texts_of(entries: list[StoredPassage]) -> list[str]:
    """Every text the encoder must have encoded for ``entries``: passages and their units."""
    out: list[str] = []
    for e in entries:
        out.append(embedding_text(e.section, e.text))
        out.extend(units(e.section, e.text))
    return out


class ContextualFill:
    """Keeps a :class:`Snapshot` of the collection in step with it, encoding in a thread.

    ``read_entries`` returns the whole collection (called from the fill thread). Call
    :meth:`invalidate` after every change to the collection; :meth:`snapshot` is ``None``
    whenever the collection has passages without vectors.
    """

    def __init__(
        self,
        read_entries: Callable[[], list[StoredPassage]],
        count: Callable[[], int],
        cache: VectorCache,
        *,
        max_passages: int = MAX_PASSAGES,
    ) -> None:
        self._read_entries = read_entries
        self._count = count
        self._cache = cache
        self._max_passages = max_passages
        self._snapshot: Snapshot | None = None
        self._generation = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._settled = threading.Event()
        self._thread: threading.Thread | None = None
        self.encoded = 0
        """Texts of the collection with a vector (stored earlier or encoded now)."""
        self.total = 0
        self.newly_encoded = 0
        """Texts this instance had to encode (0 when a restart found them all stored)."""
        self.state = "waiting"
        """waiting | filling | ready | too large | failed: for status lines and the bench."""

    @property
    def snapshot(self) -> Snapshot | None:
        return self._snapshot

    def invalidate(self) -> None:
        """The collection changed: stop using the snapshot and fill again."""
        with self._lock:
            self._generation += 1
            self._snapshot = None
            self._ready.clear()
            self._settled.clear()
        self._wake.set()
        if self._thread is None and not self._stop.is_set():
            self._thread = threading.Thread(target=self._run, name="contextual-fill", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until searches use the encoder (or ``timeout``); False if they do not."""
        return self._ready.wait(timeout)

    def wait_unless_encoding(self, timeout: float | None = None) -> bool:
        """Block until the snapshot is ready when every vector is already stored (a restart: a
        second or so), or return as soon as the fill finds texts it must encode first (or cannot
        fill at all). True if searches now use the encoder."""
        self._settled.wait(timeout)
        return self._ready.is_set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._cache.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            if self._stop.is_set():
                return
            with self._lock:
                generation = self._generation
            try:
                snapshot = self._fill(generation)
            except Exception as e:  # the encoder must never take the index down with it
                logger.warning("contextual encoder stopped: %s", e)
                self.state = "failed"
                self._settled.set()
                return
            with self._lock:
                if snapshot is not None and generation == self._generation:
                    self._snapshot = snapshot
                    self.state = "ready"
                    self._ready.set()
                if generation == self._generation:
                    self._settled.set()

    def _fill(self, generation: int) -> Snapshot | None:
        count = self._count()
        if count > self._max_passages:
            self.state = "too large"
            return None
        entries = self._read_entries()
        if not entries:
            self.state = "waiting"
            return None
        texts = list(dict.fromkeys(texts_of(entries)))
        vectors = self._cache.get(texts)
        # By length, so a batch pads its short sentences to a short sentence, not to a passage.
        missing = sorted((t for t in texts if t not in vectors), key=len)
        self.total, self.encoded = len(texts), len(texts) - len(missing)
        self.state = "filling"
        if missing:
            self._settled.set()  # a restart with everything stored would not get here
        for start in range(0, len(missing), FILL_BATCH):
            if self._stop.is_set() or generation != self._generation:
                return None
            batch = missing[start : start + FILL_BATCH]
            encoded = encoder.embed(batch)
            self._cache.put(batch, encoded)
            vectors.update(zip(batch, encoded, strict=True))
            self.encoded += len(batch)
            self.newly_encoded += len(batch)
        if generation != self._generation:
            return None
        return Snapshot(entries, vectors)


class SharedFills:
    """One fill per indexed folder in a process: twenty sessions on one folder (an event stand,
    a worker's rooms) share one encoding thread and one snapshot instead of twenty."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fills: dict[Path, tuple[ContextualFill, int]] = {}

    def acquire(self, key: Path, make: Callable[[], ContextualFill]) -> ContextualFill:
        with self._lock:
            fill, users = self._fills.get(key) or (make(), 0)
            self._fills[key] = (fill, users + 1)
            return fill

    def release(self, key: Path) -> None:
        with self._lock:
            fill, users = self._fills[key]
            if users > 1:
                self._fills[key] = (fill, users - 1)
                return
            del self._fills[key]
        fill.close()


contextual_fills = SharedFills()
