"""Sentence embeddings that work with no network: wordllama's 256-d model, shipped in its wheel.

chromadb's default embedder downloads an ONNX model at run time and fails offline, so the index
embeds texts itself with wordllama (MIT). ``WordLlama.load()`` looks for its tokenizer in the
wrong folder and then tries the Hugging Face hub; pointing ``cache_dir`` at the package folder and
disabling downloads makes it load only the files inside the wheel. The model is loaded lazily,
once per process, under a lock, so any thread may call :func:`embed` first.

:class:`WordLlamaEmbeddingFunction` wraps the same model in chromadb's embedding-function
protocol (registered by name) so a collection created by the index can be reopened by chromadb.
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
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

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


def token_sums(tokens: list[list[int]], batch_tokens: int = 4_096) -> np.ndarray:
    """The sum of each token list's rows, for many lists at once: one gather and one segmented
    sum per ``batch_tokens`` tokens (a bounded temporary, however many lists)."""
    matrix = token_vectors()
    out = np.zeros((len(tokens), DIMENSIONS), dtype=np.float32)
    start = 0
    while start < len(tokens):
        end, size = start, 0
        while end < len(tokens) and (size == 0 or size + len(tokens[end]) <= batch_tokens):
            size += len(tokens[end])
            end += 1
        out[start:end] = _sums(matrix, tokens[start:end])
        start = end
    return out


def _sums(matrix: np.ndarray, tokens: list[list[int]]) -> np.ndarray:
    """Sum of the rows of each (possibly empty) token list."""
    lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    sums = np.zeros((len(tokens), matrix.shape[1]), dtype=np.float32)
    filled = lengths > 0
    if not filled.any():
        return sums
    flat = np.fromiter(chain.from_iterable(tokens), dtype=np.int64, count=int(lengths.sum()))
    np.clip(flat, 0, matrix.shape[0] - 1, out=flat)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[filled]
    sums[filled] = np.add.reduceat(matrix[flat], starts, axis=0)
    return sums


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
        self._cache: dict[str, list[int]] = {}

    def encode(self, text: str) -> list[int]:
        if not text:
            return []  # the tokenizer prepends no "▁" to an empty text
        cache = self._cache
        out: list[int] = []
        for piece in self._PIECE.findall("\u2581" + text.replace(" ", "\u2581")):
            ids = cache.get(piece)
            if ids is None:
                if len(cache) >= self.MAX_PIECES:
                    cache.clear()
                ids = cache[piece] = [t.id for t in self._bpe.tokenize(piece)]
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


@register_embedding_function
class WordLlamaEmbeddingFunction(EmbeddingFunction[Documents]):
    """chromadb's embedding-function protocol over :func:`embed`; nothing is downloaded."""

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        return list(embed(list(input)))

    @staticmethod
    def name() -> str:
        return "simulator-" + MODEL_NAME

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> WordLlamaEmbeddingFunction:
        return WordLlamaEmbeddingFunction()

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]
