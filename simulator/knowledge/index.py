"""The searchable knowledge base: a chromadb collection kept in step with a knowledge folder.

Embedded (a ``PersistentClient`` of its own under the data dir, so a big folder never slows
another folder's searches) by default, or a Chroma server when a host is given; one collection
per knowledge folder, holding each passage's id and vector (and a scope number to filter by).
A manifest beside it (:mod:`manifest`, always local) holds everything else: every file's hash,
size and time, every passage's text and ranking material, the term statistics. Updates are
incremental and batched (:mod:`ingest`): an update reads only changed files and adjusts the
statistics by their passages.

Blocking by design (chromadb, embedding, parsing): async callers use ``asyncio.to_thread``. One
instance may be shared between threads: updates are serialised by a lock (and between processes
by a lock file), and searches never wait for an update. chromadb failures leave this module as
our own errors: ``ProviderError`` for a Chroma server, ``KnowledgeError`` for the embedded index.

chromadb is opened when first needed: a restart whose folder did not change never opens it (its
wordllama searches take the nearest passages from the manifest's vectors). Two scorers:
wordllama (the nearest passages re-ranked, :mod:`ranking`) at once, and the contextual encoder
(:mod:`contextual`) once its background fill has covered the collection. A query's vectors are
kept for a while: the agent that takes over after a handoff searches the same customer line again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import KnowledgeError, ProviderError, SimulatorError
from simulator.events import Passage, PassageUnit, Scorer
from simulator.knowledge import embedding, encoder, ranking
from simulator.knowledge.contextual import ContextualFill, contextual_fills
from simulator.knowledge.documents import AGENTS, Limits, check_folder, scan_folder
from simulator.knowledge.ingest import INDEX_VERSION, WRITE_BATCH, IndexReport, Ingest, Progress
from simulator.knowledge.manifest import Manifest
from simulator.knowledge.passages import StoredPassage, dense_scores, visible_masks
from simulator.knowledge.statistics import CollectionStatistics
from simulator.knowledge.units import unit_parts
from simulator.knowledge.vector_cache import VectorCache

__all__ = ["INDEX_VERSION", "ContextualStatus", "IndexReport", "KnowledgeIndex", "Progress"]

OVERFETCH = 8
"""Dense candidates fetched per requested passage, for the re-ranker to choose from."""
QUERY_CACHE = 256
WITHOUT_CHROMA = 5_000
"""Largest collection whose wordllama searches, while chromadb is not open, compare the query
with every passage's vector from the manifest instead of opening chromadb (exact neighbours, as
chromadb's are at this size; a few ms at 5,000 passages, until the encoder's snapshot serves)."""
"""Queries whose vectors are kept (a handoff searches the same line twice)."""
HNSW = {"space": "cosine"}
"""chromadb's index settings for a new collection. Its batching settings were tried: no CPU
saved, and a ``sync_threshold`` above ``batch_size`` made the first write after a search take
20-48 s of CPU at 10k passages."""


@dataclass(frozen=True)
class ContextualStatus:
    """The contextual encoder's fill: ``state`` is off, waiting, filling, ready, too large or
    failed; ``encoded`` of ``total`` texts have vectors, ``newly_encoded`` by this process."""

    state: str
    encoded: int = 0
    total: int = 0
    newly_encoded: int = 0

    def __str__(self) -> str:
        if self.state == "filling":
            return f"filling {self.encoded:,}/{self.total:,} texts"
        return self.state


class KnowledgeIndex:
    """Search a knowledge folder's passages; :meth:`update` brings the index in line with disk."""

    def __init__(
        self,
        knowledge_dir: Path,
        index_dir: Path,
        *,
        chroma_host: str | None = None,
        chroma_port: int = 8000,
        contextual: bool = True,
        limits: Limits | None = None,
    ) -> None:
        """``contextual=False`` keeps searches on wordllama and never starts the encoder's fill
        (benchmarks of ingest; folders where a background thread is unwelcome); ``limits`` caps
        what one file may cost (see :class:`~simulator.knowledge.documents.Limits`)."""
        self.knowledge_dir = check_folder(knowledge_dir)
        self.index_dir = Path(index_dir)
        self.limits = limits or Limits()
        digest = hashlib.sha256(str(self.knowledge_dir).encode()).hexdigest()[:24]
        self.collection_name = f"knowledge-{digest}"
        self._store = self.index_dir / self.collection_name
        self._remote = bool(chroma_host)
        self.location = (
            f"Chroma server {chroma_host}:{chroma_port}" if chroma_host else str(self._store)
        )
        """Where the index lives, for messages: a folder, or the Chroma server."""
        self._chroma_host, self._chroma_port = chroma_host, chroma_port
        self._client: Any = None
        self._opened_collection: Any = None
        self._chroma_lock = threading.Lock()
        self._closed_chroma = False
        self._collection: Any = _OnFirstUse(self._chroma)
        """chromadb's collection, opened when first used (see :meth:`_chroma`)."""
        self._write_batch = WRITE_BATCH
        _private_folder(self._store)
        with _folder_lock(self._store), self._translated_errors():
            self._manifest = Manifest(self._store / "manifest.sqlite3")
            if self._remote or self._manifest.fresh:  # a server is checked at once
                self._chroma(fresh=self._manifest.fresh)
            self._load_manifest()
        self._update_lock = threading.Lock()
        self._reranker = ranking.Reranker(self._stats)
        self._queries: OrderedDict[str, tuple[int, np.ndarray]] = OrderedDict()
        self._queries_lock = threading.Lock()
        self._searches = threading.Condition()
        self._searches_in_flight = 0
        self._fill: ContextualFill | None = None
        if contextual and encoder.available():
            self._fill = contextual_fills.acquire(self._store, self._make_fill)
        self._closed = False

    def _chroma(self, *, fresh: bool = False) -> Any:
        """chromadb's collection, connected on first use: by the constructor for a Chroma server
        or a new index (``fresh``: created from nothing, under the folder lock), else by the
        first write (or a wordllama search of a large collection, :meth:`_nearest`). A restart
        whose folder did not change never needs chromadb: its import and client cost ~1 s of CPU
        and ~55 MB before the customer could type."""
        with self._chroma_lock:
            if self._opened_collection is not None:
                return self._opened_collection
            if self._closed_chroma:
                raise KnowledgeError(f"the knowledge index in {self.location} is closed")
            from simulator.knowledge.chroma_embedding import WordLlamaEmbeddingFunction

            client = self._client = _connect(self._store, self._chroma_host, self._chroma_port)
            try:
                if fresh:  # nothing is known about what it holds: start over
                    with contextlib.suppress(Exception):  # chromadb: NotFoundError, ValueError
                        client.delete_collection(self.collection_name)
                collection = client.get_or_create_collection(
                    self.collection_name,
                    configuration={"hnsw": HNSW},
                    metadata={
                        "knowledge_dir": str(self.knowledge_dir),
                        "index_version": INDEX_VERSION,
                    },
                    embedding_function=WordLlamaEmbeddingFunction(),
                )
            except Exception as e:  # chromadb raises many types; name the index and stop here
                raise KnowledgeError(
                    f"cannot open the knowledge index ({self.location}): {e}"
                ) from e
            self._write_batch = min(WRITE_BATCH, int(client.get_max_batch_size()))
            self._opened_collection = collection
            return collection

    @property
    def chroma_open(self) -> bool:
        """Whether chromadb is open for this index (a restart with nothing new may not open it)."""
        return self._opened_collection is not None

    def _make_fill(self) -> ContextualFill:
        cache = VectorCache(
            self._store / "encoder-vectors.sqlite3", encoder.MODEL_NAME, encoder.DIMENSIONS
        )
        return ContextualFill(self._entries, self.chunk_count, cache)

    def _load_manifest(self) -> None:
        """The files and statistics the index holds, from the manifest (under the folder lock)."""
        self._files = self._manifest.files()
        self._stats = self._manifest.statistics()
        self._generation = self._manifest.generation

    def __enter__(self) -> KnowledgeIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the encoder's fill (stopped when no other index of this folder in this
        process uses it) and of chromadb's client (its sqlite and HNSW files are closed when no
        other index of this folder in this process holds them: chromadb counts its clients per
        folder); the index stays on disk (or on the server), and so do the vectors encoded so
        far."""
        with self._searches:
            if self._closed:
                return
            self._closed = True
            # closing chromadb's files under a search another thread runs could crash it
            self._searches.wait_for(lambda: self._searches_in_flight == 0)
        if self._fill is not None:
            contextual_fills.release(self._store)
        self._manifest.close()
        with self._update_lock, self._chroma_lock, self._translated_errors():
            self._closed_chroma = True  # never under a running update, nor opened after this
            if self._client is not None:
                self._client.close()
        _private_folder(self._store)  # chromadb may have written files since the last update

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (work for this index should stop)."""
        return self._closed

    @property
    def scorer(self) -> Scorer:
        """What searches use right now: the contextual encoder once its vectors cover the whole
        collection, wordllama before that (and always, when the encoder is not installed)."""
        return "minilm" if self._fill is not None and self._fill.snapshot else "wordllama"

    def wait_contextual(self, timeout: float | None = None) -> bool:
        """Block until searches use the contextual encoder; False after ``timeout`` or if they
        never will (encoder off or not installed, or the folder is too large for it)."""
        return self._fill is not None and self._fill.wait(timeout)

    def wait_contextual_if_stored(self, timeout: float | None = None) -> bool:
        """Wait for the encoder only if it has nothing to encode (every vector is stored from an
        earlier run), else return at once; True if searches now use the encoder."""
        return self._fill is not None and self._fill.wait_unless_encoding(timeout)

    @property
    def contextual(self) -> ContextualStatus:
        """Where the contextual encoder's background fill stands."""
        fill = self._fill
        if fill is None:
            state = "off" if encoder.available() else f"off ({encoder.PACKAGE} not installed)"
            return ContextualStatus(state)
        return ContextualStatus(fill.state, fill.encoded, fill.total, fill.newly_encoded)

    @property
    def embedder(self) -> str:
        """The model :meth:`embed` uses (vectors of different models must not be compared)."""
        return encoder.MODEL_NAME if encoder.available() else embedding.MODEL_NAME

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors of ``texts``, one row each, for comparing meanings (routing a
        question to the agent whose description or passages it is closest to): the contextual
        encoder's when installed, wordllama's otherwise. ``a @ b`` is their cosine."""
        with self._translated_errors():
            if encoder.available():
                return encoder.embed(texts)
            return embedding.embed(texts)

    def similarity(self, text: str, others: list[str]) -> list[float]:
        """Cosine of ``text`` with each of ``others`` (see :meth:`embed`), in [-1, 1]."""
        vectors = self.embed([text, *others])
        return [float(v) for v in vectors[1:] @ vectors[0]]

    @property
    def statistics(self) -> CollectionStatistics:
        """The collection's term statistics as the re-ranker reads them (kept incrementally)."""
        return self._stats

    def chunk_count(self) -> int:
        """Passages the index holds."""
        with self._translated_errors():
            return self._manifest.count()

    @contextlib.contextmanager
    def _translated_errors(self) -> Iterator[None]:
        """chromadb's own exceptions (and connection errors) as our error tree, naming the index."""
        try:
            yield
        except SimulatorError:
            raise
        except Exception as e:  # chromadb raises many unrelated types; this is its edge
            if self._remote:
                raise ProviderError(f"the {self.location} failed: {e}") from e
            raise KnowledgeError(f"the knowledge index in {self.location} failed: {e}") from e

    def update(
        self, progress: Progress | None = None, cancel: threading.Event | None = None
    ) -> IndexReport:
        """Embed new and changed files, drop removed ones; ``progress(done, total, source)`` is
        called after each file. A set ``cancel`` stops between files, keeping what is done.
        Unreadable files are skipped and listed in the report; they never stop the update.
        Searches go on meanwhile (they see each batch of files as it is written)."""
        with self._update_lock, _folder_lock(self._store), self._translated_errors():
            if self._manifest.generation != self._generation:
                self._load_manifest()  # another process updated this folder meanwhile
                self._reranker.use(self._stats)
            scan = scan_folder(self.knowledge_dir)
            ingest = Ingest(
                self._collection,
                self._manifest,
                self._files,
                self._stats,
                self.limits,
                write_batch=self._write_batch,
            )
            try:
                report = ingest.run(scan, progress, cancel)
            except BaseException:
                self._load_manifest()  # what was committed, not what was half counted
                self._reranker.use(self._stats)
                raise
            self._generation = self._manifest.generation
            _private_folder(self._store, files=report.changed)
        if self._fill is not None and (report.changed or self._fill.state == "waiting"):
            self._fill.invalidate()  # wordllama serves until the encoder has caught up
        return report

    def search(self, query: str, *, k: int = 4, agent: str | None = None) -> list[Passage]:
        """The ``k`` passages that best answer ``query``, as ``agent`` sees the knowledge base
        (its own scoped passages plus the unscoped ones; ``None`` sees everything)."""
        query = query.strip()
        if not query or k < 1:
            return []
        if agent is not None and agent not in AGENTS:
            raise ValueError(f"unknown agent {agent!r}; known agents: {', '.join(AGENTS)}")
        with self._searching(), self._translated_errors():
            return self._search(query, k, agent)

    @contextlib.contextmanager
    def _searching(self) -> Iterator[None]:
        """One search in flight: :meth:`close` waits for it; after close, a clear error."""
        with self._searches:
            if self._closed:
                raise KnowledgeError(f"the knowledge index in {self.location} is closed")
            self._searches_in_flight += 1
        try:
            yield
        finally:
            with self._searches:
                self._searches_in_flight -= 1
                self._searches.notify_all()

    def _search(self, query: str, k: int, agent: str | None) -> list[Passage]:
        snapshot = self._fill.snapshot if self._fill is not None else None
        word, contextual = self._query_vectors(query, contextual=snapshot is not None)
        if snapshot is not None and contextual is not None:
            best = snapshot.rank(query, contextual, word, self._reranker.boost, agent, k)
            return [_passage(r, "minilm") for r in best]
        keys = self._nearest(word, k * OVERFETCH, agent)
        # Word vectors blur product codes: passages naming the query's codes join the candidates.
        keys += sorted(self._reranker.code_matches(query) - set(keys))
        candidates = [
            p
            for p in self._manifest.passages(keys)
            if agent is None or p.scope is None or agent in p.scope
        ]
        ranked = self._reranker.rank(query, word, candidates)
        return [_passage(r, "wordllama") for r in ranked[:k]]

    def _nearest(self, word: np.ndarray, n: int, agent: str | None) -> list[str]:
        """Keys of the ``n`` passages nearest the wordllama ``word`` vector that ``agent`` sees,
        nearest first: by chromadb once it is open (or on a server, or past
        :data:`WITHOUT_CHROMA` passages), else from the manifest (a restart with nothing new)."""
        if self.chroma_open or self._remote or self._manifest.count() > WITHOUT_CHROMA:
            where: Any = None
            if agent is not None:
                where = {"scope": {"$in": visible_masks(agent)}}
            result = self._collection.query(
                query_embeddings=[word], n_results=n, where=where, include=["distances"]
            )
            return list(result["ids"][0])
        seen = [
            p
            for p in self._manifest.all_passages()
            if agent is None or p.scope is None or agent in p.scope
        ]
        cosines = dense_scores(word, seen).passages
        return [seen[i].key for i in np.argsort(-cosines, kind="stable")[:n]]

    def _query_vectors(
        self, query: str, *, contextual: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The query's wordllama vector (weighted by this generation's statistics; kept for the
        next search of the same line) and, if asked, its encoder vector (:func:`_encoded_query`)."""
        generation = self._generation
        with self._queries_lock:
            cached = self._queries.get(query)
            if cached is not None:
                self._queries.move_to_end(query)
        if cached is not None and cached[0] == generation:
            word = cached[1]
        else:
            word = self._reranker.embed_query(query)
            with self._queries_lock:
                self._queries[query] = (generation, word)
                while len(self._queries) > QUERY_CACHE:
                    self._queries.popitem(last=False)
        return word, (_encoded_query(query) if contextual else None)

    def _entries(self) -> list[StoredPassage]:
        """The whole collection, for the contextual scorer's snapshot (read in its thread)."""
        with self._translated_errors():
            return list(self._manifest.all_passages())

    def passages(self) -> list[Passage]:
        """Every passage of the collection, unranked (score 0): for work done ahead of the
        questions, such as encoding their sentences."""
        return [
            Passage(
                source=e.source,
                section=e.section,
                score=0.0,
                text=e.text,
                scope=_scope_tuple(e.scope),
            )
            for e in self._entries()
        ]

    def warm_up(self) -> None:
        """Load the embedding models and chromadb's vector index now, so the first search is
        fast (at 100k passages chromadb's first query reads its index: ~0.4 s of CPU)."""
        with self._translated_errors():
            vector = embedding.embed(["warm up"])
            if self._manifest.count():
                self._collection.query(query_embeddings=vector, n_results=1, include=[])
            if self._fill is not None:
                encoder.embed(["warm up"])


@functools.lru_cache(maxsize=64)
def _encoded_query(query: str) -> np.ndarray:
    """The contextual encoder's vector of a query (read-only). A line is searched again by the
    agent a handoff passes it to, and after a look-up: the encoding (the costly part of a search)
    is done once; the vector depends on the text alone, so it stays valid across updates."""
    vector: np.ndarray = encoder.embed([query])[0]
    vector.setflags(write=False)
    return vector


def _passage(ranked: ranking.Ranked, scorer: Scorer) -> Passage:
    p = ranked.passage
    parts = _unit_texts(p.section, p.text)
    return Passage(
        source=p.source,
        section=p.section,
        score=round(min(1.0, max(0.0, ranked.score)), 4),
        text=p.text,
        scope=_scope_tuple(p.scope),
        scorer=scorer,
        units=tuple(
            PassageUnit(text=parts[i], score=round(score, 4))
            for i, score in ranked.best_units()
            if i < len(parts)
        ),
    )


@functools.lru_cache(maxsize=4096)
def _unit_texts(section: str, text: str) -> tuple[str, ...]:
    """A passage's units' texts: the same passages come back search after search (and for each
    agent of a line), and splitting them into sentences was a tenth of a search's time."""
    return tuple(u.text for u in unit_parts(section, text))


def _scope_tuple(scope: frozenset[str] | None) -> Any:
    return None if scope is None else tuple(a for a in AGENTS if a in scope)


class _OnFirstUse:
    """Stands for chromadb's collection: opens it (``open_collection()``) when first used, so an
    update that writes nothing and a search served by the snapshot never import chromadb."""

    def __init__(self, open_collection: Callable[[], Any]) -> None:
        self._open = open_collection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._open(), name)


def _connect(store: Path, host: str | None, port: int) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if host:
        try:
            return chromadb.HttpClient(host=host, port=port, settings=settings)
        except Exception as e:  # connection refused, DNS, TLS...: the server is the problem
            raise ProviderError(
                f"cannot reach the Chroma server at {host}:{port} ({e}); start it, or unset "
                "CHROMA_HOST to use the embedded index"
            ) from e
    try:
        return chromadb.PersistentClient(path=str(store), settings=settings)
    except Exception as e:
        raise KnowledgeError(f"cannot open the knowledge index in {store}: {e}") from e


@contextlib.contextmanager
def _folder_lock(store: Path) -> Iterator[None]:
    """Held while a process creates or updates this folder's index: twenty first runs at once
    on an empty data folder must not race to create chromadb's tables ("table collections
    already exists"), nor two updates interleave their writes."""
    try:
        import fcntl
    except ImportError:  # Windows: chromadb's own locking is all there is
        yield
        return
    with open(store / ".lock", "a+b") as handle:
        os.chmod(store / ".lock", 0o600)
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _private_folder(store: Path, *, files: bool = True) -> None:
    """The index holds the company's material: owner-only folders (0700) and files (0600)."""
    missing = [p for p in (*reversed(store.parents), store) if not p.exists()]
    for folder in missing:  # a data folder made here is the owner's only, like the index
        folder.mkdir(mode=0o700, exist_ok=True)
    for folder in (store.parent, store):
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)
    if not files:
        return
    for dirpath, dirnames, filenames in os.walk(store):
        for name in dirnames:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(dirpath, name), 0o700)
        for name in filenames:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(dirpath, name), 0o600)
