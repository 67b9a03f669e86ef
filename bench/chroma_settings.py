"""chromadb's HNSW settings side by side: upsert CPU per passage, query CPU and recall.

    nice -n 10 .venv/bin/python -m bench.chroma_settings --chunks 10000

The generated folder's passages (:mod:`bench.corpus`) are analysed once (their wordllama vectors,
as the index makes them); then, for each setting, a fresh embedded collection is filled with them
in batches of 2,000 (with the scope number as metadata, as the index writes them, unless said),
and the sample company's questions are searched (``n_results=32``, the index's over-fetch for
k=4). Recall@32: the share of the exact 32 nearest (brute force) that chromadb returns. This is
what section 3's "chromadb settings" lines quote; the index keeps chromadb's defaults.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
BATCH = 2_000
COSINE = {"space": "cosine"}
SETTINGS: list[tuple[str, dict[str, Any], bool]] = [
    ("defaults (the index's), scope metadata", COSINE, True),
    ("defaults, no metadata", COSINE, False),
    ("ef_construction 50", {**COSINE, "ef_construction": 50}, True),
    ("max_neighbors 8", {**COSINE, "max_neighbors": 8}, True),
    (
        "batch_size 1000, sync_threshold 1000",
        {**COSINE, "batch_size": 1000, "sync_threshold": 1000},
        True,
    ),
    (
        "batch_size 2000, sync_threshold 10000",
        {**COSINE, "batch_size": 2000, "sync_threshold": 10000},
        True,
    ),
    ("ef_search 200", {**COSINE, "ef_search": 200}, True),
]
"""(name, chromadb's HNSW configuration, whether the scope number is written as metadata)."""


def vectors(knowledge: Path) -> np.ndarray:
    from simulator.knowledge import passages
    from simulator.knowledge.documents import Limits, load_document, scan_folder

    limits = Limits()
    chunks = [
        c
        for f in scan_folder(knowledge).files
        for c in load_document(f, f.read(limits)[0], limits).chunks
    ]
    keys = [str(i) for i in range(len(chunks))]
    return np.concatenate(
        [
            passages.analyse(keys[s : s + BATCH], chunks[s : s + BATCH]).vectors
            for s in range(0, len(chunks), BATCH)
        ]
    )


def measure(work: Path, matrix: np.ndarray, hnsw: dict[str, Any], metadata: bool) -> str:
    from bench.retrieval import latency_questions, percentile
    from simulator.knowledge import embedding
    from simulator.knowledge.index import _connect

    queries = embedding.embed(latency_questions())
    exact = np.argsort(-(queries @ matrix.T), axis=1)[:, :32]
    shutil.rmtree(work, ignore_errors=True)
    client = _connect(work, None, 0)
    collection = client.get_or_create_collection("settings", configuration={"hnsw": hnsw})
    ids = [str(i) for i in range(len(matrix))]
    cpu, wall = time.process_time(), time.perf_counter()
    for s in range(0, len(ids), BATCH):
        extra = {"metadatas": [{"scope": 7}] * len(ids[s : s + BATCH])} if metadata else {}
        collection.upsert(ids=ids[s : s + BATCH], embeddings=matrix[s : s + BATCH], **extra)
    upsert_cpu, upsert_wall = time.process_time() - cpu, time.perf_counter() - wall
    collection.query(query_embeddings=queries[:1], n_results=32, include=[])  # loads the index
    times, found = [], 0
    for i, query in enumerate(queries):
        cpu = time.process_time()
        result = collection.query(query_embeddings=[query], n_results=32, include=[])
        times.append((time.process_time() - cpu) * 1000)
        found += len({int(x) for x in result["ids"][0]} & set(exact[i].tolist()))
    client.close()
    n = len(matrix)
    return (
        f"upsert {1000 * upsert_cpu / n:.3f} ms CPU per passage ({n / upsert_cpu:,.0f} per "
        f"CPU-s; wall {upsert_wall:.1f} s, {n / upsert_wall:,.0f}/s); query CPU p50 "
        f"{percentile(times, 0.5):.2f} / p95 {percentile(times, 0.95):.2f} ms; recall@32 "
        f"{found / (32 * len(queries)):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from bench.corpus import grow
    from bench.scale import SAMPLE_CHUNKS

    with tempfile.TemporaryDirectory(prefix="chroma-settings-") as tmp:
        knowledge = Path(tmp) / "knowledge"
        grow(REPO / "knowledge", knowledge, target_chunks=args.chunks, base_chunks=SAMPLE_CHUNKS)
        matrix = vectors(knowledge)
        print(f"{len(matrix):,} passages", flush=True)
        for name, hnsw, metadata in SETTINGS:
            print(f"{name}: {measure(Path(tmp) / 'chroma', matrix, hnsw, metadata)}", flush=True)


if __name__ == "__main__":
    main()
