"""Where an ingest's and a search's CPU goes, for one tree of the code: section 3's side by side.

    PYTHONPATH=. .venv/bin/python -m bench.scale_parts --tree TREE --chunks 20000 --tag after

``TREE`` is a folder holding a ``simulator`` package (this repository, or ``git archive REV
simulator knowledge | tar -x -C TREE`` of an earlier revision), imported ahead of this one, so
two runs started at the same time compare two revisions under the same load. Each run copies the
generated folder (:mod:`bench.corpus`, kept in ``--work``) for itself, builds a fresh index with
wordllama alone (``contextual=False``), and prints: the ingest's wall and CPU time (and its stages,
where the tree reports them), one search of each distinct sample-company question split into its
steps (query vector, chromadb's nearest 32, product-code candidates, reading the candidates from
the manifest, re-ranking), the re-index after one changed file, and the RSS.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=REPO)
    parser.add_argument("--chunks", type=int, default=20_000)
    parser.add_argument("--tag", default="after")
    parser.add_argument("--work", type=Path, default=Path("/tmp/scale-parts"))
    args = parser.parse_args()
    sys.path.insert(0, str(args.tree.resolve()))
    index_module = importlib.import_module("simulator.knowledge.index")
    assert index_module.__file__ and index_module.__file__.startswith(str(args.tree.resolve()))
    sys.path.insert(1, str(REPO))
    import psutil

    from bench.corpus import grow
    from bench.retrieval import latency_questions, percentile

    base = args.work / f"knowledge-{args.chunks}"
    if not base.exists():  # grown aside and renamed: two runs started together never share half
        partial = base.with_name(f"{base.name}.{os.getpid()}")
        grow(REPO / "knowledge", partial, target_chunks=args.chunks, base_chunks=99)
        try:
            partial.rename(base)
        except OSError:  # the other run was first
            shutil.rmtree(partial)
    knowledge = args.work / f"knowledge-{args.chunks}-{args.tag}"
    shutil.rmtree(knowledge, ignore_errors=True)
    shutil.copytree(base, knowledge)
    data = args.work / f"data-{args.chunks}-{args.tag}"
    shutil.rmtree(data, ignore_errors=True)
    loads: list[float] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(2):
            loads.append(os.getloadavg()[0])

    threading.Thread(target=watch, daemon=True).start()

    def load() -> str:
        shown = f"{min(loads):.1f}-{max(loads):.1f}" if loads else f"{os.getloadavg()[0]:.1f}"
        loads.clear()
        return shown

    tag = f"[{args.tag}]"
    index = index_module.KnowledgeIndex(knowledge, data, contextual=False)
    index.warm_up()
    wall, cpu = time.perf_counter(), time.process_time()
    report = index.update()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = report.chunks
    print(
        f"{tag} {n:,} passages: ingest wall {wall:.1f} s ({n / wall:,.0f}/s), CPU {cpu:.1f} s "
        f"({n / cpu:,.0f} per CPU-s, {1000 * cpu / n:.3f} ms per passage), load {load()}"
    )
    stages = getattr(report, "stage_cpu_s", {})
    if stages:
        print(f"{tag} ms CPU per passage: " + ", ".join(
            f"{k} {1000 * v / n:.3f}" for k, v in stages.items()))  # fmt: skip
    cpu = time.process_time()
    index.warm_up()
    print(f"{tag} warm_up after the ingest: {1000 * (time.process_time() - cpu):.0f} ms CPU")

    steps: dict[str, list[float]] = {
        s: [] for s in ("vector", "chromadb", "codes", "manifest", "rank", "all")
    }
    walls = []
    for question in latency_questions():
        marks = [time.process_time()]
        started = time.perf_counter()
        vector = index._reranker.embed_query(question)
        marks.append(time.process_time())
        found = index._collection.query(
            query_embeddings=[vector], n_results=4 * index_module.OVERFETCH, include=["distances"]
        )
        marks.append(time.process_time())
        keys = list(found["ids"][0])
        keys += sorted(index._reranker.code_matches(question) - set(keys))
        marks.append(time.process_time())
        candidates = index._manifest.passages(keys)
        marks.append(time.process_time())
        index._reranker.rank(question, vector, candidates)
        marks.append(time.process_time())
        walls.append((time.perf_counter() - started) * 1000)
        for i, step in enumerate(list(steps)[:-1]):
            steps[step].append((marks[i + 1] - marks[i]) * 1000)
        steps["all"].append((marks[-1] - marks[0]) * 1000)
    print(f"{tag} a search ({len(walls)} questions), CPU ms p50 / p95: " + ", ".join(
        f"{s} {percentile(v, 0.5):.2f} / {percentile(v, 0.95):.2f}" for s, v in steps.items())
        + f"; wall p50 {percentile(walls, 0.5):.1f} / p95 {percentile(walls, 0.95):.1f} ms, "
        f"load {load()}")  # fmt: skip

    faq = knowledge / "faq.md"
    faq.write_text(faq.read_text(encoding="utf-8") + "\n## Note\n\nOne more paragraph.\n")
    wall, cpu = time.perf_counter(), time.process_time()
    index.update()
    print(
        f"{tag} re-index after one changed file: wall {time.perf_counter() - wall:.2f} s, "
        f"CPU {time.process_time() - cpu:.2f} s; RSS "
        f"{psutil.Process().memory_info().rss / 2**20:,.0f} MB"
    )
    stop.set()
    index.close()


if __name__ == "__main__":
    main()
