"""The searchable knowledge base: a chromadb collection kept in step with a knowledge folder.

Embedded (``PersistentClient`` under the user data dir) by default, or a Chroma server when a host
is given; one collection per knowledge folder. Updates are incremental: every chunk carries its
file's content hash, so an update re-embeds only new or changed files and deletes the chunks of
removed ones. A file is replaced by writing its new chunks first and deleting leftovers second,
so a cancelled or crashed update leaves every file either old, new, or detectably half-done (and
redone next time) - never silently mixed.

Blocking by design (chromadb, embedding, parsing): async callers use ``asyncio.to_thread``. One
instance may be shared between threads; updates are serialised by a lock. chromadb failures
leave this module as our own errors: ``ProviderError`` for a Chroma server, ``KnowledgeError``
for the embedded index.

Search re-ranks with statistics of the whole collection, gathered after each update made by this
instance; an update made meanwhile by another process is seen at once by the dense search and by
the re-ranker's per-passage data, and by its term statistics after this instance's next update.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import DocumentError, KnowledgeError, ProviderError, SimulatorError
from simulator.events import Passage, Scorer
from simulator.knowledge import embedding, encoder, ranking
from simulator.knowledge.contextual import ContextualFill, Entry
from simulator.knowledge.documents import (
    AGENTS,
    Chunk,
    KnowledgeFile,
    check_folder,
    content_hash,
    load_document,
    scan_folder,
)
from simulator.knowledge.vector_cache import VectorCache

INDEX_VERSION = "1"
"""Bump when chunking or the embedding model changes: every file is then re-embedded."""
OVERFETCH = 8
"""Dense candidates fetched per requested passage, for the re-ranker to choose from."""
WRITE_BATCH = 1000
"""Chunks per upsert: chromadb refuses batches beyond a (server-dependent) maximum size."""
READ_BATCH = 10_000
"""Chunks per page when reading the whole collection (see ``KnowledgeIndex._get_all``)."""

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

    @property
    def changed(self) -> bool:
        return bool(self.files_added or self.files_updated or self.files_removed)


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


@dataclass
class _Stored:
    """What the collection holds for one source file."""

    ids: set[str] = field(default_factory=set)
    hashes: set[str] = field(default_factory=set)
    expected: int = -1

    def intact(self, file_hash: str) -> bool:
        return self.hashes == {file_hash} and len(self.ids) == self.expected


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
    ) -> None:
        """``contextual=False`` keeps searches on wordllama and never starts the encoder's fill
        (benchmarks of ingest; folders where a background thread is unwelcome)."""
        self.knowledge_dir = check_folder(knowledge_dir)
        self.index_dir = Path(index_dir)
        self._remote = bool(chroma_host)
        self.location = (
            f"Chroma server {chroma_host}:{chroma_port}" if chroma_host else str(self.index_dir)
        )
        """Where the index lives, for messages: a folder, or the Chroma server."""
        self._client = _connect(self.index_dir, chroma_host, chroma_port)
        digest = hashlib.sha256(str(self.knowledge_dir).encode()).hexdigest()[:24]
        self.collection_name = f"knowledge-{digest}"
        try:
            self._collection = self._client.get_or_create_collection(
                self.collection_name,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"knowledge_dir": str(self.knowledge_dir)},
                embedding_function=embedding.WordLlamaEmbeddingFunction(),
            )
        except Exception as e:  # chromadb raises many types; name the index and stop here
            raise KnowledgeError(f"cannot open the knowledge index ({self.location}): {e}") from e
        self._update_lock = threading.Lock()
        self._reranker = ranking.Reranker()
        self._reranker_stale = True
        self._reranker_lock = threading.Lock()
        self._fill: ContextualFill | None = None
        if contextual and encoder.available():
            cache = VectorCache(
                self.index_dir / "encoder-vectors.sqlite3", encoder.MODEL_NAME, encoder.DIMENSIONS
            )
            self._fill = ContextualFill(self._entries, self.chunk_count, cache)

    def __enter__(self) -> KnowledgeIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the encoder's fill and release in-memory caches; the index stays on disk (or on
        the server), and so do the vectors encoded so far."""
        if self._fill is not None:
            self._fill.close()
        self._reranker = ranking.Reranker()
        self._reranker_stale = True

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

    def chunk_count(self) -> int:
        with self._translated_errors():
            return int(self._collection.count())

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
        """Re-embed new and changed files, drop removed ones; ``progress(done, total, source)``
        is called after each file. A set ``cancel`` stops between files, keeping what is done.
        Unreadable files are skipped and listed in the report; they never stop the update."""
        started = time.perf_counter()
        with self._update_lock, self._translated_errors():
            scan = scan_folder(self.knowledge_dir)
            stored = self._stored()
            on_disk = {f.source for f in scan.files}
            counts = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0}
            skipped: list[DocumentError] = []
            cancelled = False

            for source in sorted(set(stored) - on_disk):
                self._collection.delete(ids=sorted(stored[source].ids))
                counts["removed"] += 1

            total = len(scan.files)
            for done, file in enumerate(scan.files, start=1):
                if cancel is not None and cancel.is_set():
                    cancelled = True
                    break
                outcome = self._update_file(file, stored.get(file.source), skipped)
                if outcome:
                    counts[outcome] += 1
                if progress is not None:
                    progress(done, total, file.source)

            changed = bool(counts["added"] or counts["updated"] or counts["removed"])
            if changed:
                self._reranker_stale = True
            self._ready_reranker()  # leave the index ready: the first search needs no warm-up
            if self._fill is not None and (changed or self._fill.state == "waiting"):
                self._fill.invalidate()  # wordllama serves until the encoder has caught up
            return IndexReport(
                files_added=counts["added"],
                files_updated=counts["updated"],
                files_removed=counts["removed"],
                files_unchanged=counts["unchanged"],
                chunks=self._collection.count(),
                skipped=tuple(skipped),
                elapsed_s=time.perf_counter() - started,
                ignored=scan.ignored,
                cancelled=cancelled,
            )

    def _update_file(
        self, file: KnowledgeFile, stored: _Stored | None, skipped: list[DocumentError]
    ) -> str | None:
        """Bring one file up to date; returns added/updated/removed/unchanged, or None."""
        try:
            data = file.path.read_bytes()
            file_hash = _versioned(content_hash(data))
            if stored is not None and stored.intact(file_hash):
                return "unchanged"
            document = load_document(file, data)
        except OSError as e:
            error = DocumentError(file.source, f"cannot read the file: {e.strerror or e}")
        except DocumentError as e:
            error = e
        else:
            ids = self._write(file.source, file_hash, document.chunks)
            if stored is not None and stored.ids - ids:
                self._collection.delete(ids=sorted(stored.ids - ids))
            return "added" if stored is None else "updated"
        skipped.append(error)
        if stored is not None:  # the file turned unreadable: its old text must not be served
            self._collection.delete(ids=sorted(stored.ids))
            return "removed"
        return None

    def _write(self, source: str, file_hash: str, chunks: tuple[Chunk, ...]) -> set[str]:
        ids = [f"{source}#{i}" for i in range(len(chunks))]
        vectors = embedding.embed([ranking.embedding_text(c.section, c.text) for c in chunks])
        metadatas = [_metadata(c, file_hash, i, len(chunks)) for i, c in enumerate(chunks)]
        for start in range(0, len(ids), WRITE_BATCH):
            end = start + WRITE_BATCH
            self._collection.upsert(
                ids=ids[start:end],
                embeddings=vectors[start:end],
                documents=[c.text for c in chunks[start:end]],
                metadatas=metadatas[start:end],
            )
        return set(ids)

    def _stored(self) -> dict[str, _Stored]:
        stored: dict[str, _Stored] = {}
        result = self._get_all(["metadatas"])
        for chunk_id, meta in zip(result["ids"], result["metadatas"] or [], strict=False):
            entry = stored.setdefault(str(meta.get("source", "")), _Stored())
            entry.ids.add(chunk_id)
            entry.hashes.add(str(meta.get("content_hash", "")))
            entry.expected = int(str(meta.get("chunk_total", -1)))
        return stored

    def _get_all(self, include: list[Any]) -> dict[str, list[Any]]:
        """The whole collection, read in pages: one ``get()`` of everything binds a variable per
        passage and fails past SQLite's limit (32,766) with "too many SQL variables"."""
        out: dict[str, list[Any]] = {"ids": [], **{name: [] for name in include}}
        offset = 0
        while True:
            page = self._collection.get(include=include, limit=READ_BATCH, offset=offset)
            out["ids"] += page["ids"]
            for name in include:
                out[name] += page[name] or []
            if len(page["ids"]) < READ_BATCH:
                return out
            offset += READ_BATCH

    def search(self, query: str, *, k: int = 4, agent: str | None = None) -> list[Passage]:
        """The ``k`` passages that best answer ``query``, as ``agent`` sees the knowledge base
        (its own scoped passages plus the unscoped ones; ``None`` sees everything)."""
        query = query.strip()
        if not query or k < 1:
            return []
        if agent is not None and agent not in AGENTS:
            raise ValueError(f"unknown agent {agent!r}; known agents: {', '.join(AGENTS)}")
        with self._translated_errors():
            return self._search(query, k, agent)

    def _search(self, query: str, k: int, agent: str | None) -> list[Passage]:
        reranker = self._ready_reranker()
        vector = reranker.embed_query(query)
        snapshot = self._fill.snapshot if self._fill is not None else None
        if snapshot is not None:
            ranked = snapshot.rank(
                query, encoder.embed([query])[0], vector, reranker.boost, agent, k
            )
            return [
                Passage(
                    source=e.source,
                    section=e.section,
                    score=round(min(1.0, max(0.0, score)), 4),
                    text=e.text,
                    scope=_scope_tuple(e.scope),
                    scorer="minilm",
                )
                for e, score in ranked
            ]
        where: Any = None
        if agent is not None:
            where = {"$or": [{"scoped": False}, {f"scope_{agent}": True}]}
        result = self._collection.query(
            query_embeddings=[vector],
            n_results=k * OVERFETCH,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        candidates = [
            _candidate(chunk_id, text or "", meta, 1.0 - float(distance))
            for chunk_id, text, meta, distance in zip(
                result["ids"][0],
                (result["documents"] or [[]])[0],
                (result["metadatas"] or [[]])[0],
                (result["distances"] or [[]])[0],
                strict=False,
            )
        ]
        # Word vectors blur product codes: passages naming the query's codes join the candidates.
        extra = reranker.code_matches(query) - {c.key for c in candidates}
        if extra:
            found = self._collection.get(
                ids=sorted(extra), where=where, include=["documents", "metadatas", "embeddings"]
            )
            candidates += [
                _candidate(chunk_id, text or "", meta, float(np.dot(vector, emb)))
                for chunk_id, text, meta, emb in zip(
                    found["ids"],
                    found["documents"] or [],
                    found["metadatas"] or [],
                    found["embeddings"] if found["embeddings"] is not None else [],
                    strict=False,
                )
            ]
        ranked = reranker.rank(query, vector, candidates)
        return [
            Passage(
                source=c.source,
                section=c.section,
                score=round(min(1.0, max(0.0, score)), 4),
                text=c.text,
                scope=_scope_tuple(c.scope),
                scorer="wordllama",
            )
            for c, score in ranked[:k]
        ]

    def _entries(self) -> list[Entry]:
        """The whole collection, for the contextual scorer's snapshot (read in its thread)."""
        with self._translated_errors():
            result = self._get_all(["documents", "metadatas"])
        return [
            Entry(
                chunk_id,
                str(meta.get("source", "")),
                str(meta.get("section", "")),
                text or "",
                _scope(meta),
            )
            for chunk_id, text, meta in zip(
                result["ids"], result["documents"] or [], result["metadatas"] or [], strict=False
            )
        ]

    def warm_up(self) -> None:
        """Load the embedding models and the re-ranking data now, so the first search is fast."""
        with self._translated_errors():
            embedding.embed(["warm up"])
            if self._fill is not None:
                encoder.embed(["warm up"])
            self._ready_reranker()

    def _ready_reranker(self) -> ranking.Reranker:
        """The re-ranker, fed with the whole collection's texts once after each change."""
        if self._reranker_stale:
            with self._reranker_lock:
                if self._reranker_stale:
                    result = self._get_all(["documents", "metadatas"])
                    self._reranker.reset(
                        [
                            _candidate(chunk_id, text or "", meta, 0.0)
                            for chunk_id, text, meta in zip(
                                result["ids"],
                                result["documents"] or [],
                                result["metadatas"] or [],
                                strict=False,
                            )
                        ]
                    )
                    self._reranker_stale = False
        return self._reranker


def _candidate(
    chunk_id: str, text: str, meta: Mapping[str, Any], similarity: float
) -> ranking.Candidate:
    return ranking.Candidate(
        key=chunk_id,
        version=str(meta.get("content_hash", "")),
        similarity=similarity,
        source=str(meta.get("source", "")),
        section=str(meta.get("section", "")),
        text=text,
        scope=_scope(meta),
    )


def _scope(meta: Mapping[str, Any]) -> frozenset[str] | None:
    if not meta.get("scoped"):
        return None
    return frozenset(agent for agent in AGENTS if meta.get(f"scope_{agent}"))


def _scope_tuple(scope: frozenset[str] | None) -> Any:
    return None if scope is None else tuple(a for a in AGENTS if a in scope)


def _connect(index_dir: Path, host: str | None, port: int) -> Any:
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
        index_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(index_dir), settings=settings)
    except Exception as e:
        raise KnowledgeError(f"cannot open the knowledge index in {index_dir}: {e}") from e


def _versioned(file_hash: str) -> str:
    return f"{INDEX_VERSION}:{file_hash}"


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
