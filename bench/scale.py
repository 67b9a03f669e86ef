"""Section 3: retrieval at 1k, 10k and 100k passages: ingest rate, query latency, the re-index after
one file changes, index size on disk, memory, and whether the right passages still come first;
with the embedded index and, side by side, the same code against a Chroma server
(``chroma run`` from the chromadb package, started here in its own process on 127.0.0.1).

Each size runs in a fresh process (``python -m bench.scale --chunks N``), so its memory is its own
and a large size cannot slow the next one down. The index is built with wordllama alone
(``contextual=False``): the contextual encoder fills only folders up to 5,000 passages, in the
background, and is measured by ``bench/retrieval.py``. The knowledge folder is the sample company
grown
with :mod:`bench.corpus`; the sample company's own paraphrased questions
(``tests/data/retrieval_questions.yaml``, the set ``bench/retrieval.py`` scores) are asked of
every size, so hit@3 shows whether the sample's answers stay on top as generated material buries
them. An ingest may be given a time budget: it is then cancelled between files when the budget
runs out (``KnowledgeIndex.update(cancel=...)``) and every figure is reported for the passages
actually indexed, marked as partial.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CHUNKS = 99
"""Passages in the bundled sample company (``simulator index`` reports them)."""

if TYPE_CHECKING:
    from bench.report import Section


@dataclass
class ScaleResult:
    store: str
    """"embedded" or "Chroma server"."""
    target_chunks: int
    chunks: int
    files: int
    knowledge_mb: float
    partial: bool
    ingest_s: float
    ingest_chunks_per_s: float
    last_tenth_chunks_per_s: float | None
    ingest_cpu_s: float
    """CPU seconds this process spent on the ingest (every thread: chromadb's too)."""
    server_ingest_cpu_s: float | None
    """CPU seconds the Chroma server process spent meanwhile (``None`` when embedded)."""
    ingest_load: str
    """The machine's 1-minute load average during the ingest (min-max of samples)."""
    ingest_stage_cpu_ms: dict[str, float]
    """CPU ms per passage of each stage of the ingest (``IndexReport.stage_cpu_s``)."""
    warm_up_s: float
    """CPU seconds of ``warm_up()`` after the ingest: chromadb reads its vector index, which the
    first search would otherwise pay."""
    query_p50_ms: float
    query_p95_ms: float
    query_cpu_p50_ms: float
    query_cpu_p95_ms: float
    """Process CPU time per search, in this process (see ``server_query_cpu_ms``)."""
    server_query_cpu_ms: float | None
    """Mean CPU ms per search in the Chroma server process."""
    repeat_p95_ms: float
    repeat_cpu_p95_ms: float
    """A line searched again (the agent that takes over after a handoff searches it too)."""
    query_load: str
    queries: int
    hit_at_3: float
    direct_hit_at_3: float
    reindex_one_file_s: float
    reindex_cpu_s: float
    index_mb: float
    other_folder_p95_ms: float
    """Query p95 on the sample company indexed in the same data dir, this folder's index open."""
    rss_mb: float
    """The measuring process (and, for a server, the server process too: see ``server_rss_mb``)."""
    server_rss_mb: float | None
    knowledge_dir: str
    data_dir: str


@contextlib.contextmanager
def chroma_server(path: Path) -> Iterator[int]:
    """A Chroma server (``chroma run``, from the installed chromadb) in its own process on
    127.0.0.1, for as long as the block runs; yields its port."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    chroma = Path(sys.executable).with_name("chroma")
    path.mkdir(parents=True, exist_ok=True)
    log = open(path / "server.log", "wb")  # noqa: SIM115 - closed below, after the process
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"chroma run did not start: see {path / 'server.log'}"
                    ) from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def folder_for(work: Path, chunks: int) -> tuple[Path, Path]:
    """(knowledge folder, data dir) of one size, shared with the side-by-side section."""
    return work / f"knowledge-{chunks}", work / f"data-{chunks}"


def measure(
    work: Path, chunks: int, budget_s: float | None, chroma_port: int | None = None
) -> ScaleResult:
    import psutil

    from bench.corpus import grow
    from bench.retrieval import (
        QUESTION_SETS,
        LoadWatch,
        SearchTimes,
        latency_questions,
        percentile,
        quality,
        section_quality,
        timed_searches,
    )
    from simulator.knowledge.index import KnowledgeIndex

    knowledge, data = folder_for(work, chunks)
    if chroma_port is not None:
        data = data.with_name(data.name + "-server")
    if not knowledge.exists():
        grow(REPO / "knowledge", knowledge, target_chunks=chunks, base_chunks=SAMPLE_CHUNKS)
    files = sum(1 for _ in knowledge.rglob("*") if _.is_file())
    size_mb = sum(p.stat().st_size for p in knowledge.rglob("*") if p.is_file()) / 1024**2

    index = KnowledgeIndex(
        knowledge,
        data / "index",
        contextual=False,
        chroma_host="127.0.0.1" if chroma_port else None,
        chroma_port=chroma_port or 8000,
    )
    index.warm_up()  # the model load is start-up, not ingest
    cancel = threading.Event()
    progress_marks: list[tuple[float, int]] = []
    started = time.perf_counter()
    timer = threading.Timer(budget_s, cancel.set) if budget_s else None
    if timer is not None:
        timer.start()

    def progress(done: int, total: int, source: str) -> None:
        progress_marks.append((time.perf_counter(), done))

    server = _server_process(chroma_port)
    server_cpu = _cpu_seconds(server)
    cpu = time.process_time()
    try:
        with LoadWatch() as ingest_load:
            report = index.update(progress=progress, cancel=cancel)
    finally:
        if timer is not None:
            timer.cancel()
    ingest_s = time.perf_counter() - started
    ingest_cpu = time.process_time() - cpu
    cpu = time.process_time()
    index.warm_up()
    warm_up_cpu = time.process_time() - cpu
    server_ingest_cpu = _cpu_seconds(server) - server_cpu if server else None
    last_tenth = None
    if len(progress_marks) >= 20:  # the rate over the last tenth of the files done
        (t0, f0), (t1, f1) = progress_marks[-len(progress_marks) // 10], progress_marks[-1]
        chunks_per_file = report.chunks / max(1, progress_marks[-1][1])
        last_tenth = (f1 - f0) * chunks_per_file / (t1 - t0) if t1 > t0 else None

    items = yaml.safe_load(QUESTION_SETS["sample company"][1].read_text(encoding="utf-8"))
    questions = latency_questions()
    server_cpu = _cpu_seconds(server)
    with LoadWatch() as query_load:
        times = timed_searches(index, questions)
    server_query_cpu = (
        (_cpu_seconds(server) - server_cpu) * 1000 / len(questions) if server else None
    )
    repeat = timed_searches(index, questions[: len(items)])
    hit_3 = quality(index, items).file_3
    _, direct_hit_3 = section_quality(index)

    changed = knowledge / "faq.md"
    changed.write_text(
        changed.read_text(encoding="utf-8")
        + f"\n## Benchmark note {time.time()}\n\n"
        + "One more paragraph: this file must be re-indexed.\n",
        encoding="utf-8",
    )
    # A partial index stays partial: the update stops once the changed file is redone.
    stop = threading.Event()

    def stop_after_changed(done: int, total: int, source: str) -> None:
        if report.cancelled and source == "faq.md":
            stop.set()

    cpu = time.process_time()
    reindex = index.update(progress=stop_after_changed, cancel=stop)
    reindex_cpu = time.process_time() - cpu
    with KnowledgeIndex(
        REPO / "knowledge",
        data / "index",
        contextual=False,
        chroma_host="127.0.0.1" if chroma_port else None,
        chroma_port=chroma_port or 8000,
    ) as sample:
        sample.update()
        other_times = SearchTimes()
        for _ in range(2):
            other_times += timed_searches(sample, questions)
    index_mb = sum(p.stat().st_size for p in (data / "index").rglob("*") if p.is_file()) / 1024**2
    server_rss = round(server.memory_info().rss / 1024**2) if server else None
    return ScaleResult(
        store="Chroma server" if chroma_port else "embedded",
        target_chunks=chunks,
        chunks=report.chunks,
        files=files,
        knowledge_mb=round(size_mb, 1),
        partial=report.cancelled,
        ingest_s=round(ingest_s, 1),
        ingest_chunks_per_s=round(report.chunks / ingest_s, 1),
        last_tenth_chunks_per_s=round(last_tenth, 1) if last_tenth else None,
        ingest_cpu_s=round(ingest_cpu, 1),
        server_ingest_cpu_s=round(server_ingest_cpu, 1) if server_ingest_cpu else None,
        ingest_load=str(ingest_load),
        ingest_stage_cpu_ms={
            stage: round(seconds * 1000 / max(1, report.chunks), 3)
            for stage, seconds in report.stage_cpu_s.items()
        },
        warm_up_s=round(warm_up_cpu, 2),
        query_p50_ms=round(percentile(times.wall_ms, 0.5), 2),
        query_p95_ms=round(percentile(times.wall_ms, 0.95), 2),
        query_cpu_p50_ms=round(percentile(times.cpu_ms, 0.5), 2),
        query_cpu_p95_ms=round(percentile(times.cpu_ms, 0.95), 2),
        server_query_cpu_ms=round(server_query_cpu, 2) if server_query_cpu else None,
        repeat_p95_ms=round(percentile(repeat.wall_ms, 0.95), 2),
        repeat_cpu_p95_ms=round(percentile(repeat.cpu_ms, 0.95), 2),
        query_load=str(query_load),
        queries=len(times.wall_ms),
        hit_at_3=round(hit_3, 2),
        direct_hit_at_3=round(direct_hit_3, 2),
        reindex_one_file_s=round(reindex.elapsed_s, 2),
        reindex_cpu_s=round(reindex_cpu, 2),
        index_mb=round(index_mb, 1),
        other_folder_p95_ms=round(percentile(other_times.wall_ms, 0.95), 2),
        rss_mb=round(psutil.Process().memory_info().rss / 1024**2),
        server_rss_mb=server_rss,
        knowledge_dir=str(knowledge),
        data_dir=str(data),
    )


def _server_process(port: int | None) -> Any:
    """The Chroma server's process (listening on ``port``), for its CPU time and memory."""
    import psutil

    if port is None:
        return None
    pid = next(
        (
            c.pid
            for c in psutil.net_connections("tcp")
            if c.laddr and c.laddr.port == port and c.status == "LISTEN"
        ),
        None,
    )
    return psutil.Process(pid) if pid else None


def _cpu_seconds(process: Any) -> float:
    if process is None:
        return 0.0
    times = process.cpu_times()
    return float(times.user + times.system)


def measure_in_child(
    work: Path, chunks: int, budget_s: float | None, chroma_port: int | None = None
) -> ScaleResult:
    command = [sys.executable, "-m", "bench.scale", "--work", str(work), "--chunks", str(chunks)]
    if budget_s:
        command += ["--budget", str(budget_s)]
    if chroma_port:
        command += ["--chroma-port", str(chroma_port)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"bench.scale --chunks {chunks} failed:\n{done.stderr[-3000:]}")
    return ScaleResult(**json.loads(done.stdout.strip().splitlines()[-1]))


def _per_cpu_second(r: ScaleResult) -> float:
    """Passages per CPU-second of the ingest: this process's, plus the server's for a server."""
    return r.chunks / max(1e-9, r.ingest_cpu_s + (r.server_ingest_cpu_s or 0.0))


def render(results: list[ScaleResult], budget_s: float | None) -> Section:
    """The section: one row per size and store, the ingest's CPU by stage, the notes, and the
    aims met or missed."""
    from bench.report import Section, table
    from simulator.knowledge.ingest import STAGES

    rows: list[list[object]] = []
    for r in results:
        label = f"{r.target_chunks:,}" + (" (partial)" if r.partial else "")
        rss = f"{r.rss_mb:,.0f} MB" + (
            f" + server {r.server_rss_mb:,.0f} MB" if r.server_rss_mb is not None else ""
        )
        rows.append(
            [
                label,
                r.store,
                f"{r.chunks:,}",
                f"{r.files:,} / {r.knowledge_mb} MB",
                f"{r.ingest_s:,.1f} s ({r.ingest_chunks_per_s:,.0f}/s)",
                f"{r.ingest_cpu_s + (r.server_ingest_cpu_s or 0):,.1f} s "
                f"({_per_cpu_second(r):,.0f}/CPU-s)",
                r.ingest_load,
                f"{r.query_p50_ms:.1f} / {r.query_p95_ms:.1f} ms",
                f"{r.query_cpu_p50_ms:.1f} / {r.query_cpu_p95_ms:.1f} ms"
                + (f" + server {r.server_query_cpu_ms:.1f}" if r.server_query_cpu_ms else ""),
                r.query_load,
                f"{r.hit_at_3:.2f} / {r.direct_hit_at_3:.2f}",
                f"{r.reindex_one_file_s:,.2f} / {r.reindex_cpu_s:,.2f} s",
                f"{r.other_folder_p95_ms:.1f} ms",
                f"{r.index_mb:,.0f} MB",
                rss,
            ]
        )
    stage_rows: list[list[object]] = [
        [
            f"{r.target_chunks:,}" + (" (partial)" if r.partial else ""),
            r.store,
            *(f"{r.ingest_stage_cpu_ms.get(stage, 0.0):.3f}" for stage in STAGES),
            f"{1000 * r.ingest_cpu_s / max(1, r.chunks):.3f}",
            f"{1000 * r.server_ingest_cpu_s / max(1, r.chunks):.3f}"
            if r.server_ingest_cpu_s
            else "",
            f"{r.warm_up_s:.2f} s",
        ]
        for r in results
    ]
    notes = [
        table(
            [
                "target passages",
                "store",
                "read + chunk",
                "analyse (tokens, wordllama sums)",
                "chromadb upsert",
                "statistics",
                "manifest",
                "all (process)",
                "server process",
                "chromadb's first-query load",
            ],
            stage_rows,
        ),
        "Above: CPU ms per passage of each ingest stage (`IndexReport.stage_cpu_s`, process CPU "
        "time, so chromadb's own threads count; against a server its side is the server "
        'process\'s column). "analyse" is the wordllama work: tokenising each passage and each '
        "of its units, summing their token vectors (the passage's vector for chromadb, the units' "
        "norms for the re-ranker), content terms. The contextual encoder plays no part here: the "
        "index is opened with `contextual=False` (it fills only folders up to 5,000 passages, in "
        "the background, and `bench/retrieval.py` measures it). Last column: `warm_up()` after the "
        "ingest, where chromadb reads its vector index (the first search paid it before).",
        "Passages: the sample company (99 passages) plus generated documents (`bench/corpus.py`: "
        "case studies, regional addenda, data sheets, integration guides, support articles, "
        "release notes; 8-12 sections each, about one passage per section). Query: "
        f"`KnowledgeIndex.search(k=4)` in process, {results[0].queries if results else 0} "
        "distinct sample-company questions per size (each met for the first time), scored with "
        "wordllama; wall and process CPU time per search (for a server, its mean CPU per search "
        "beside). Load: the machine's 1-minute load average during the ingest and the queries "
        "(2 cores): wall times grow with it, CPU times far less. hit@3 paraphrased: the expected "
        "sample file among the top 3 for the sample's 51 paraphrased questions (0.80 on the "
        "sample alone); hit@3 direct: the expected section among the top 3 for "
        "`bench/retrieval.py`'s 22 questions that use the documents' own names and product codes "
        "(1.00 on the sample alone). The generated material is about the same products, so it "
        "competes for real.",
        "Ingest: files are embedded and upserted in batches of 2,000 passages; the statistics the "
        "re-ranker needs are added per batch. Re-index (wall / CPU): one sample file edited, then "
        "`update()`: every other file costs one `stat` (size and time match the manifest), the "
        "edited one is re-embedded and its passages' counts subtracted and added (no re-read of "
        "the collection); searches are not blocked meanwhile. Sample's p95 beside it: the sample "
        "company indexed in the same data folder while this size's index is open in the same "
        "process. RSS: the measuring process after all of it (for the Chroma server, the "
        "server's own process as well). Chroma server: `chroma run` from the installed chromadb, "
        "on 127.0.0.1, the same `KnowledgeIndex` code with `CHROMA_HOST`/`CHROMA_PORT`.",
    ]
    for r in (r for r in results if r.partial):
        notes.append(
            f"**{r.target_chunks:,} passages ({r.store}) did not fit the budget of "
            f"{budget_s or 0:.0f} s**: the ingest was cancelled between files after "
            f"{r.chunks:,} passages; every figure in that row is for those passages. "
            "`python -m bench --full` runs it to the end."
        )
    embedded = [r for r in results if r.store == "embedded"]
    largest = max(embedded, key=lambda r: r.chunks) if embedded else results[-1]
    headlines = [
        f"Retrieval at {largest.chunks:,} passages (embedded): ingest "
        f"{largest.ingest_chunks_per_s:,.0f} passages/s wall ({_per_cpu_second(largest):,.0f} "
        f"per CPU-second; load {largest.ingest_load}), query p50 {largest.query_p50_ms:.1f} ms / "
        f"p95 {largest.query_p95_ms:.1f} ms wall, CPU p95 {largest.query_cpu_p95_ms:.1f} ms, "
        f"re-index after one changed file {largest.reindex_one_file_s:.2f} s, RSS "
        f"{largest.rss_mb:,.0f} MB"
        + "".join(
            f"; against a Chroma server: ingest {r.ingest_chunks_per_s:,.0f} passages/s "
            f"({_per_cpu_second(r):,.0f} per CPU-second, both processes), query p95 "
            f"{r.query_p95_ms:.1f} ms wall, re-index {r.reindex_one_file_s:.2f} s at {r.chunks:,}"
            for r in results
            if r.store != "embedded" and r.target_chunks == largest.target_chunks
        )
        + ".",
    ]
    misses = []
    aims = [
        (
            "ingest ≥ 2,000 passages/s",
            lambda r: r.ingest_chunks_per_s >= 2000,
            lambda r: (
                f"{r.ingest_chunks_per_s:,.0f}/s wall, {_per_cpu_second(r):,.0f} per "
                f"CPU-second, load {r.ingest_load}"
            ),
        ),
        (
            "re-index after one changed file < 1 s",
            lambda r: r.reindex_one_file_s < 1,
            lambda r: f"{r.reindex_one_file_s:.2f} s",
        ),
        (
            "query p95 < 15 ms (CPU)",
            lambda r: r.query_cpu_p95_ms < 15,
            lambda r: f"{r.query_cpu_p95_ms:.1f} ms",
        ),
        (
            "query p95 < 15 ms (wall)",
            lambda r: r.query_p95_ms < 15,
            lambda r: f"{r.query_p95_ms:.1f} ms at load {r.query_load}",
        ),
        ("RSS < 1.5 GB", lambda r: r.rss_mb < 1536, lambda r: f"{r.rss_mb:,.0f} MB"),
        ("100k indexed inside the run", lambda r: not r.partial, lambda r: f"{r.chunks:,}"),
    ]
    at_100k = [r for r in results if r.target_chunks >= 100_000]
    verdicts = []
    for name, met, shown in aims:
        for r in at_100k:
            verdicts.append(
                f"{name} at 100k ({r.store}): {'met' if met(r) else 'missed'}, {shown(r)}"
            )
            if not met(r):
                misses.append(f"**{name} at 100k passages ({r.store}): missed** ({shown(r)}).")
    if verdicts:
        notes.append("Aims (issue 14): " + "; ".join(verdicts) + ".")
    return Section(
        "\n\n".join(
            [
                table(
                    [
                        "target passages",
                        "store",
                        "indexed",
                        "folder: files / size",
                        "ingest, wall",
                        "ingest, CPU",
                        "load (ingest)",
                        "query p50 / p95, wall",
                        "query p50 / p95, CPU",
                        "load (queries)",
                        "hit@3 paraphrased / direct",
                        "re-index 1 file, wall / CPU",
                        "sample's p95 beside it",
                        "index on disk",
                        "RSS",
                    ],
                    rows,
                ),
                *notes,
            ]
        ),
        headlines,
        misses,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="one size of the retrieval-at-scale benchmark")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--chunks", type=int, required=True)
    parser.add_argument("--budget", type=float, default=None, help="seconds the ingest may take")
    parser.add_argument("--chroma-port", type=int, default=None, help="a Chroma server's port")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    result = measure(args.work, args.chunks, args.budget, args.chroma_port)
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
