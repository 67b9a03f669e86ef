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
import threading
from collections.abc import Callable
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
            _model = _load_bundled_wordllama()
    return _model


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
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = np.asarray(_load_model().embed(texts, norm=False), dtype=np.float32)
    vectors = np.nan_to_num(vectors, copy=False)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


def embed_with_tokens(texts: list[str], batch: int = 256) -> tuple[np.ndarray, list[list[int]]]:
    """:func:`embed` and :func:`token_ids` of the same texts from one tokenisation (ingest
    needs both: the vectors for the index, the tokens for the collection's statistics)."""
    model = _load_model()
    vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    tokens: list[list[int]] = []
    last = model.embedding.shape[0] - 1
    for start in range(0, len(texts), batch):
        encoded = model.tokenizer.encode_batch(
            texts[start : start + batch], is_pretokenized=False, add_special_tokens=False
        )
        for row, e in enumerate(encoded, start=start):
            ids = [i for i, real in zip(e.ids, e.attention_mask, strict=True) if real]
            tokens.append(ids)
            if ids:
                vectors[row] = np.asarray(model.embedding[np.clip(ids, 0, last)]).mean(axis=0)
    vectors = np.nan_to_num(vectors, copy=False)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors, tokens


def token_ids(texts: list[str]) -> list[list[int]]:
    """The model's token ids of each text (for weighting tokens, see :func:`embed_weighted`)."""
    model = _load_model()
    encoded = model.tokenizer.encode_batch(texts, is_pretokenized=False, add_special_tokens=False)
    # The tokenizer pads a batch to its longest text: padding is not a token of the text.
    return [[i for i, real in zip(e.ids, e.attention_mask, strict=True) if real] for e in encoded]


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
