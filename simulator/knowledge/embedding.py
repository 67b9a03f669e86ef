"""Sentence embeddings that work with no network: wordllama's 256-d model, shipped in its wheel.

chromadb's default embedder downloads an ONNX model at run time and fails offline, so the index
embeds texts itself with wordllama (MIT). ``WordLlama.load()`` looks for its tokenizer in the
wrong folder and then tries the Hugging Face hub; pointing ``cache_dir`` at the package folder and
disabling downloads makes it load only the files inside the wheel. The model is loaded lazily,
once per process, under a lock, so any thread may call :func:`embed` first.

The same model in chromadb's embedding-function protocol is :mod:`chroma_embedding`'s, apart so
that embedding text never imports chromadb.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import KnowledgeError

DIMENSIONS = 256
MODEL_NAME = "wordllama-l2_supercat-256"

_lock = threading.Lock()
_model: Any = None


def _load_model() -> Any:
    global _model
    if _model is not None:
        return _model
    with _lock:
        if _model is None:
            single_threaded_blas()
            _model = _load_bundled_wordllama()
    return _model


_blas_limited = False


def single_threaded_blas() -> None:
    """Keep numpy's BLAS (OpenBLAS) on the calling thread, for the whole process, once.

    Retrieval's matrix products are small (a query against a few thousand token or passage
    vectors). OpenBLAS splits each one over every core and spin-waits for the parts: on this
    2-core machine, busy with other work, a 4,600 x 256 matrix-vector product took 20 ms of wall
    time and 8 ms of CPU instead of 0.08 ms. One thread is faster for every product retrieval
    makes, and leaves the other core to the rest of the app."""
    global _blas_limited
    if _blas_limited:
        return
    _blas_limited = True
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _load_bundled_wordllama() -> Any:
    # wordllama.inference calls logging.basicConfig(level=INFO) at import time, which would make
    # every library's INFO logs appear on our stderr; keep the root logger as the app set it up.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import wordllama
        from wordllama import WordLlama
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    try:
        return WordLlama.load(
            cache_dir=Path(wordllama.__file__).parent, dim=DIMENSIONS, disable_download=True
        )
    except (FileNotFoundError, OSError, ValueError) as e:
        raise KnowledgeError(
            f"cannot load the bundled wordllama embedding model: {e}; reinstall wordllama 0.4"
        ) from e


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (an empty text gets a zero row)."""
    return vectors_of(token_ids(texts))


def embed_with_tokens(texts: list[str]) -> tuple[np.ndarray, list[list[int]]]:
    """:func:`embed` and :func:`token_ids` of the same texts from one tokenisation (ingest
    needs both: the vectors for the index, the tokens for the collection's statistics)."""
    tokens = token_ids(texts)
    return vectors_of(tokens), tokens


def token_vectors() -> np.ndarray:
    """The model itself: one 256-d row per token id (a text's vector is the mean of its rows)."""
    matrix: np.ndarray = _load_model().embedding
    return matrix


def vectors_of(tokens: list[list[int]]) -> np.ndarray:
    """Unit-length mean of each token list's rows (wordllama's own pooling)."""
    out = token_sums(tokens)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


def token_sums(tokens: list[list[int]], batch_tokens: int = 512) -> np.ndarray:
    """The sum of each token list's rows, for many lists at once (an empty list sums to zero).

    The rows of a few hundred tokens at a time are gathered into one reused buffer that stays in
    the CPU's cache, and summed per list there: gathering 4,096 tokens' rows (4 MB) per step made
    this half of an ingest's CPU time, twice what it is with 512."""
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    flat = np.fromiter(chain.from_iterable(tokens), dtype=np.int64, count=int(lengths.sum()))
    return run_sums(flat, lengths, batch_tokens)


def run_sums(flat: np.ndarray, lengths: np.ndarray, batch_tokens: int = 512) -> np.ndarray:
    """:func:`token_sums` of token lists given as one flat array of ids and each list's length."""
    matrix = token_vectors()
    out = np.zeros((len(lengths), DIMENSIONS), dtype=np.float32)
    if not len(flat):
        return out
    flat = np.clip(flat, 0, matrix.shape[0] - 1)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    buffer = np.empty((max(batch_tokens, int(lengths.max())), DIMENSIONS), dtype=np.float32)
    first = 0
    while first < len(lengths):
        # the lists whose tokens fit the buffer (at least one, however long)
        last = max(first + 1, int(np.searchsorted(ends, starts[first] + batch_tokens, "right")))
        begin, stop = int(starts[first]), int(ends[last - 1])
        if stop > begin:
            rows = buffer[: stop - begin]
            np.take(matrix, flat[begin:stop], axis=0, out=rows)
            filled = lengths[first:last] > 0
            sums = np.add.reduceat(rows, starts[first:last][filled] - begin, axis=0)
            out[first:last][filled] = sums
        first = last
    return out


def token_ids(texts: list[str]) -> list[list[int]]:
    """The model's token ids of each text, exactly as its tokenizer gives them (for weighting
    tokens, see :func:`embed_weighted`), several times faster: see :class:`_Pieces`."""
    model = _load_model()
    pieces = _pieces
    if pieces is None or pieces.model is not model:
        pieces = _set_pieces(_Pieces(model))
    return [pieces.encode(text) for text in texts]


class _Pieces:
    """wordllama's tokenizer (Llama's SentencePiece BPE) with a cache per space-separated piece.

    The tokenizer has no pre-tokenizer: it turns spaces into "▁" and runs BPE over the whole text,
    so its own cache never hits and tokenising was most of an ingest's embedding time. Its merges
    never cross a "▁" that starts a word nor a line break, so a text's tokens are the
    concatenation of its pieces' tokens, each piece tokenised once per process (a test holds the
    result equal to the tokenizer's on the sample company)."""

    _PIECE = re.compile("\u2581*[^\u2581\n]+|\u2581+|\n")
    MAX_PIECES = 500_000
    """Cached pieces (words with their punctuation) before the cache starts over: ~100 MB."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self._bpe = model.tokenizer.model
        self._cache: dict[str, tuple[int, ...]] = {}
        """Tuples of ints, which Python's garbage collector stops tracking (lists it walks on
        every full collection, however large the cache grows)."""

    def encode(self, text: str) -> list[int]:
        if not text:
            return []  # the tokenizer prepends no "▁" to an empty text
        pieces = self._PIECE.findall("\u2581" + text.replace(" ", "\u2581"))
        try:  # every piece seen before (nearly always, past the first files): looked up in C
            return list(chain.from_iterable(map(self._cache.__getitem__, pieces)))
        except KeyError:
            pass
        cache = self._cache
        out: list[int] = []
        for piece in pieces:
            ids: tuple[int, ...] | None = cache.get(piece)
            if ids is None:
                if len(cache) >= self.MAX_PIECES:
                    cache.clear()
                ids = cache[piece] = tuple(t.id for t in self._bpe.tokenize(piece))
            out += ids
        return out


_pieces: _Pieces | None = None


def _set_pieces(pieces: _Pieces) -> _Pieces:
    global _pieces
    _pieces = pieces
    return pieces


def embed_weighted(text: str, weight: Callable[[int], float]) -> np.ndarray:
    """One text as the ``weight``-ed mean of its token vectors, unit length.

    With equal weights this is :func:`embed`; weighting a query's tokens by their rarity in the
    collection (rare words count more) is done on the query side only, so the stored vectors
    never depend on the rest of the collection.
    """
    model = _load_model()
    (ids,) = token_ids([text])
    vocabulary = model.embedding.shape[0]
    ids = [min(max(i, 0), vocabulary - 1) for i in ids]
    if not ids:
        return np.zeros(DIMENSIONS, dtype=np.float32)
    weights = np.array([weight(i) for i in ids], dtype=np.float32)
    vector: np.ndarray = (np.asarray(model.embedding[ids]) * weights[:, None]).sum(axis=0)
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(np.float32)
