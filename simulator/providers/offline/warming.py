"""The knowledge's sentences encoded before the customer asks, so a turn encodes only its question.

The contextual encoder chooses answers far better than word vectors, but it encodes ~50-100
sentences a second per core, and a turn compares the question with a few hundred sentences and
words: encoded on demand, a reply took 4-15 s on a loaded 2-core machine. So once per knowledge
view a background thread encodes every speakable sentence, bullet and row of the collection, their
words, what routing compares them with, and the product catalogue; until it is done the responder
answers with word vectors (as quick as before, less apt with paraphrase). The vectors are kept in
memory and on disk beside the index (:class:`Meaning`), so a restart encodes nothing it has seen.
The warm-up stops when its index closes, and before the interpreter exits (an encoder still
running while Python shuts down crashes the process).

A training tool must give the same answer to the same question, so an answer is chosen either
wholly with the encoder or wholly with word vectors, never half and half: the encoder only once
both this warm-up and the index's own fill (:mod:`simulator.knowledge.contextual`: the passages the
turn's search returns) are done (:func:`scorer`). Each reply says which it used
(:data:`~simulator.chunk_marks.OFFLINE_SCORER_KEY`), and whoever needs reproducible answers (a
rehearsal, a benchmark) waits for the encoder first (:func:`wait`).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Sequence

from simulator.events import Passage, Scorer
from simulator.providers.offline import choosing, entities, routing
from simulator.providers.offline.composing import word_vectors
from simulator.providers.offline.meaning import Meaning
from simulator.providers.offline.reading import units
from simulator.team.scope import KnowledgeView

log = logging.getLogger(__name__)

BATCH = 32
"""Texts per call of the encoder (short enough that a turn's own encoding, or a stop, is not held
up long)."""
STOP_TIMEOUT_S = 30.0
SETTLE_POLL_S = 0.5
"""How often :func:`wait` looks whether the index's fill has settled (ready or given up)."""

_stopping = threading.Event()


class _Warming:
    """One knowledge view's warm-up thread and whether it has finished."""

    def __init__(self, knowledge: KnowledgeView) -> None:
        self.done = threading.Event()
        self.failed = False
        self._thread = threading.Thread(
            target=self._run, args=(knowledge,), name="offline-warming", daemon=True
        )
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self, knowledge: KnowledgeView) -> None:
        try:
            meaning = contextual_meaning(knowledge)
            passages = knowledge.index.passages()
            found = [u for rank, p in enumerate(passages) for u in units(p, rank)]
            labels = {routing.label(p.source, "") for p in passages}
            labels |= {routing.label(passages[u.passage].source, u.heading) for u in found}
            catalogue = entities.catalogue_of(knowledge)
            texts = [
                *(t for role in routing.topics() for t in role),
                *(t for about in catalogue.about.values() for t in about),
                *(u.text for u in found),
                *sorted(labels),
                *choosing.vocabulary(found),
            ]
            texts = list(dict.fromkeys(texts))
            for start in range(0, len(texts), BATCH):
                if _stopping.is_set() or knowledge.index.closed:
                    self.failed = True
                    return
                meaning.vectors(texts[start : start + BATCH])
        except Exception:  # a closed index or a failing encoder: answer with word vectors
            if not knowledge.index.closed:
                log.warning("offline answers: warming the encoder failed", exc_info=True)
            self.failed = True
        finally:
            self.done.set()


_warmings: weakref.WeakKeyDictionary[KnowledgeView, _Warming] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


@atexit.register
def _stop_all() -> None:
    _stopping.set()
    with _lock:
        running = list(_warmings.values())
    for warming in running:
        warming.join(STOP_TIMEOUT_S)


def contextual_meaning(knowledge: KnowledgeView) -> Meaning:
    """What texts mean by the knowledge's own encoder (its vectors kept beside the index)."""
    index = knowledge.index
    return Meaning(
        knowledge.embed,
        knowledge.embedder,
        contextual=knowledge.contextual,
        disk=index.index_dir / f"{index.collection_name}-offline-vectors.sqlite3",
    )


def _warming(knowledge: KnowledgeView) -> _Warming:
    with _lock:
        found = _warmings.get(knowledge)
        if found is None:
            found = _warmings[knowledge] = _Warming(knowledge)
        return found


def meaning_for(knowledge: KnowledgeView | None, passages: Sequence[Passage] = ()) -> Meaning:
    """The encoder when :func:`scorer` says the answer is the encoder's (the warm-up starts on
    the first call), word vectors until then and when there is no encoder."""
    if knowledge is None or scorer(knowledge, passages) == "wordllama":
        return word_vectors()
    return contextual_meaning(knowledge)


def scorer(knowledge: KnowledgeView | None, passages: Sequence[Passage] = ()) -> Scorer:
    """What chooses the answer of a turn whose search found ``passages``: the contextual encoder
    (``minilm``) once the knowledge's sentences are encoded and the search ranks by the encoder
    too (or never will: a folder too large for it), else word vectors (``wordllama``)."""
    if knowledge is None or not knowledge.contextual:
        return "wordllama"
    warming = _warming(knowledge)
    if not warming.done.is_set() or warming.failed:
        return "wordllama"
    if any(p.scorer == "wordllama" for p in passages) or not _search_settled(knowledge):
        return "wordllama"
    return "minilm"


def _search_settled(knowledge: KnowledgeView) -> bool:
    """Whether the index's searches are by the encoder, or will stay as they are."""
    index = knowledge.index
    return index.scorer == "minilm" or index.contextual.state not in _FILLING


_FILLING = frozenset({"waiting", "filling"})


def wait(knowledge: KnowledgeView, timeout: float | None = None) -> bool:
    """Start the warm-up if need be and wait for it and for the index's fill; True if answers
    now use the encoder."""
    if not knowledge.contextual:
        return False
    deadline = None if timeout is None else time.monotonic() + timeout
    warming = _warming(knowledge)
    if not warming.done.wait(timeout):
        return False
    while not _search_settled(knowledge):  # (a folder too large is settled, never ready)
        if deadline is not None and time.monotonic() >= deadline:
            return False
        knowledge.index.wait_contextual(SETTLE_POLL_S)
    return scorer(knowledge) == "minilm"
