"""Retrieval benchmark: quality on every question set, query latency, and indexing time.

    .venv/bin/python bench/retrieval.py

Prints hit@1/hit@3 with each scorer (wordllama alone, as searches are served before the
contextual encoder has filled; then the encoder once every vector is in) on
tests/data/retrieval_questions.yaml (sample company), tests/data/other_company_questions.yaml
(a second company), tests/data/dev_questions.yaml (a third, the claim check's dev company), the
offline answers' tuning sets (tests/data/answers/: coldtrace, parcelwise, orisent; by section) and,
when present, tests/data/eval/<sample|holdout|holdout2>/questions.yaml (the held-out companies are
only ever measured here, never tuned on; these also by section); the contextual encoder's package,
license, size, load time and fill time, cold and on a second start; search latency p50/p95
in-process and end to end through ``simulator retrieve --json`` reading questions on stdin (one
line written, one line read back); full index time of the sample company into a fresh index dir;
and the re-index time after touching one file and after editing one. Works on a copy of the
knowledge folder in a temporary directory, so nothing in the repository changes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from simulator.events import Passage  # noqa: E402 (after sys.path)
from simulator.knowledge.chunking import SECTION_SEPARATOR  # noqa: E402
from simulator.knowledge.index import KnowledgeIndex  # noqa: E402

DATA = REPO / "tests" / "data"
QUESTION_SETS = {
    "sample company": (REPO / "knowledge", DATA / "retrieval_questions.yaml"),
    "unseen company": (DATA / "other_company", DATA / "other_company_questions.yaml"),
    "dev company": (DATA / "eval" / "dev" / "knowledge", DATA / "dev_questions.yaml"),
    # the offline answers' tuning sets (tests/data/answers/), tuned on like the sample set
    "coldtrace": (REPO / "knowledge", DATA / "answers" / "coldtrace.yaml"),
    "parcelwise": (DATA / "other_company", DATA / "answers" / "parcelwise.yaml"),
    "orisent": (DATA / "eval" / "dev" / "knowledge", DATA / "answers" / "orisent.yaml"),
}
EVAL_SETS = {
    "eval sample": (REPO / "knowledge", DATA / "eval" / "sample" / "questions.yaml"),
    "held-out company": (
        DATA / "eval" / "holdout" / "knowledge",
        DATA / "eval" / "holdout" / "questions.yaml",
    ),
    "held-out company 2": (
        DATA / "eval" / "holdout2" / "knowledge",
        DATA / "eval" / "holdout2" / "questions.yaml",
    ),
}
FILL_TIMEOUT_S = 1800.0


# Hand-written direct questions (exact names, product codes) with the heading expected among the
# top-3 sections: the paraphrase sets above avoid the documents' words, these use them.
DIRECT_QUESTIONS = [
    ("How much is the professional plan?", "Professional"),
    ("What does the enterprise plan cost?", "Enterprise"),
    ("What is included in the Starter plan?", "Starter"),
    ("Do you integrate with SAP?", "SAP"),
    ("Tell me about your webhooks", "Webhooks"),
    ("What are your payment terms?", "Payment terms"),
    ("Is there a pilot program?", "Pilot program"),
    ("How do I cancel my contract?", "Cancellation"),
    ("What about GDPR and data protection?", "GDPR"),
    ("What encryption do you use?", "Encryption"),
    ("What support hours do you offer?", "Support channels"),
    ("How does the MQTT export work?", "MQTT"),
    ("What is the hardware warranty?", "warranty"),
    ("Tell me about the Halden Apotek case study", "Halden"),
    ("battery life of the CT-200", "CT-200"),
    ("range of the GW-10", "GW-10"),
    ("CT-300 humidity accuracy", "CT-300"),
    ("Is the CT-100 waterproof?", "CT-100"),
    ("Does the GW-20 work outdoors?", "GW-20"),
    ("How many sensors can a GW-10 handle?", "GW-10"),
    ("Can the CT-200 measure -80 degrees?", "CT-200"),
    ("Is there a display on the CT-100?", "CT-100"),
]


def section_quality(index: KnowledgeIndex) -> tuple[float, float]:
    hits_1 = hits_3 = 0
    for question, heading in DIRECT_QUESTIONS:
        found = [heading.lower() in p.section.lower() for p in index.search(question, k=3)]
        hits_1 += found[:1] == [True]
        hits_3 += any(found)
    return hits_1 / len(DIRECT_QUESTIONS), hits_3 / len(DIRECT_QUESTIONS)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Hits:
    """hit@1 and hit@3 by file and, for sets that name the section, by (file, section)."""

    file_1: float
    file_3: float
    section_1: float | None
    section_3: float | None

    def __str__(self) -> str:
        out = f"hit@1 {self.file_1:.2f}  hit@3 {self.file_3:.2f}"
        if self.section_1 is not None and self.section_3 is not None:
            out += f"   by section: hit@1 {self.section_1:.2f}  hit@3 {self.section_3:.2f}"
        return out


def answers_section(passage: Passage, item: dict[str, str]) -> bool:
    """Whether ``passage`` is the item's section of its file: the heading is on the passage's
    heading path, or a line of it (a short section merged into its neighbour keeps its heading
    as a line), or the file is a table (its section is the file name)."""
    if passage.source != item["source"]:
        return False
    wanted = item["section"].strip().lower()
    headings = [h.strip().lower() for h in passage.section.split(SECTION_SEPARATOR)]
    lines = [line.strip().lstrip("#").strip().lower() for line in passage.text.splitlines()]
    return wanted in headings or wanted in lines or wanted == Path(passage.source).name.lower()


def quality(index: KnowledgeIndex, questions: list[dict[str, str]]) -> Hits:
    file_1 = file_3 = section_1 = section_3 = 0
    by_section = all("section" in item for item in questions)
    for item in questions:
        found = index.search(item["question"], k=3)
        sources = [p.source for p in found]
        file_1 += sources[:1] == [item["source"]]
        file_3 += item["source"] in sources
        if by_section:
            sections = [answers_section(p, item) for p in found]
            section_1 += sections[:1] == [True]
            section_3 += any(sections)
    n = len(questions)
    if not by_section:
        return Hits(file_1 / n, file_3 / n, None, None)
    return Hits(file_1 / n, file_3 / n, section_1 / n, section_3 / n)


def encoder_facts() -> str:
    """The contextual encoder's package, license and size on disk, as installed."""
    from importlib import metadata

    from simulator.knowledge import encoder

    if not encoder.available():
        return f"{encoder.PACKAGE} is not installed: searches use wordllama alone"
    meta = metadata.metadata(encoder.PACKAGE)
    files = metadata.files(encoder.PACKAGE) or []
    size = sum(f.locate().stat().st_size for f in files if f.locate().exists())
    license_ = meta.get("License-Expression") or meta.get("License") or "?"
    vocab_kb = encoder.VOCABULARY.stat().st_size / 1024
    return (
        f"{encoder.PACKAGE} {meta['Version']} ({license_}), {size / 1024**2:.1f} MB installed, "
        f"+ {vocab_kb:.0f} KB vocabulary in simulator/knowledge/data"
    )


def fill_seconds(knowledge_dir: Path, index_dir: Path) -> tuple[float, float, float, int]:
    """(s to searchable, s to the encoder serving, model load s, texts encoded) in this process,
    from opening the index: a fresh ``index_dir`` measures a cold fill, a used one a restart."""
    from simulator.knowledge import encoder

    started = time.perf_counter()
    index = KnowledgeIndex(knowledge_dir, index_dir)
    index.update()
    index.search("warm up", k=1)
    searchable = time.perf_counter() - started
    if not index.wait_contextual(FILL_TIMEOUT_S):
        raise RuntimeError(f"the contextual encoder did not fill: {index.contextual}")
    ready = time.perf_counter() - started
    encoded = index.contextual.newly_encoded
    index.close()
    return searchable, ready, encoder.load_seconds() or 0.0, encoded


def in_process_latency(index: KnowledgeIndex, questions: list[str], rounds: int = 5) -> list[float]:
    """Wall ms per search (see :func:`timed_searches` for CPU time beside it)."""
    times = SearchTimes()
    for _ in range(rounds):
        times += timed_searches(index, questions)
    return times.wall_ms


@dataclass
class SearchTimes:
    """Per search: wall time, and the CPU time this process spent on it (every thread of the
    process, chromadb's included), in ms. On a machine shared with other work the wall time
    grows with the load; the CPU time does not, so the two are reported side by side."""

    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    def __iadd__(self, other: SearchTimes) -> SearchTimes:
        self.wall_ms += other.wall_ms
        self.cpu_ms += other.cpu_ms
        return self

    def summary(self) -> str:
        wall, cpu = self.wall_ms, self.cpu_ms
        return (
            f"wall p50 {percentile(wall, 0.5):6.2f} ms  p95 {percentile(wall, 0.95):6.2f} ms | "
            f"CPU p50 {percentile(cpu, 0.5):6.2f} ms  p95 {percentile(cpu, 0.95):6.2f} ms"
        )


def timed_searches(index: KnowledgeIndex, questions: list[str], *, k: int = 4) -> SearchTimes:
    """Search each question once, timing wall and process CPU time around each search."""
    index.warm_up()
    times = SearchTimes()
    for question in questions:
        wall, cpu = time.perf_counter(), time.process_time()
        index.search(question, k=k)
        times.cpu_ms.append((time.process_time() - cpu) * 1000)
        times.wall_ms.append((time.perf_counter() - wall) * 1000)
    return times


def latency_questions() -> list[str]:
    """Every distinct sample-company question (paraphrases, the eval set, the direct ones): each
    search meets its query for the first time, as a new customer line does."""
    items = yaml.safe_load(QUESTION_SETS["sample company"][1].read_text(encoding="utf-8"))
    questions = [q["question"] for q in items]
    eval_file = EVAL_SETS["eval sample"][1]
    if eval_file.exists():
        questions += [q["question"] for q in yaml.safe_load(eval_file.read_text(encoding="utf-8"))]
    questions += [q for q, _ in DIRECT_QUESTIONS]
    return list(dict.fromkeys(questions))


class LoadWatch:
    """The machine's 1-minute load average, sampled every ``every_s`` while the block runs."""

    def __init__(self, every_s: float = 2.0) -> None:
        self.samples: list[float] = []
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-watch", daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(self._every_s):
                return

    def __enter__(self) -> LoadWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])

    def __str__(self) -> str:
        low, high = min(self.samples), max(self.samples)
        return f"{low:.1f}-{high:.1f}" if high - low >= 0.1 else f"{low:.1f}"


def end_to_end_latency(
    knowledge_dir: Path, data_dir: Path, questions: list[str]
) -> tuple[float, list[float]]:
    """(seconds from start to the first answer, per-line round-trip ms for the rest)."""
    env = {
        **os.environ,
        "SIMULATOR_DATA_DIR": str(data_dir),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(REPO),
    }
    env.pop("CHROMA_HOST", None)
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator",
            "retrieve",
            "--knowledge",
            str(knowledge_dir),
            "--json",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert process.stdin is not None and process.stdout is not None
    times = []
    first_answer_s = 0.0
    for number, question in enumerate(questions):
        sent = time.perf_counter()
        process.stdin.write(question + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("simulator retrieve stopped answering")
        if number == 0:
            first_answer_s = time.perf_counter() - started
        else:
            times.append((time.perf_counter() - sent) * 1000)
    process.stdin.close()
    process.wait(timeout=60)
    return first_answer_s, times


def row(label: str, seconds: float, detail: str) -> None:
    print(f"{label:42s} {seconds * 1000:8.1f} ms  {detail}")


def spread(label: str, times_ms: list[float], detail: str) -> None:
    p50, p95 = percentile(times_ms, 0.5), percentile(times_ms, 0.95)
    print(f"{label:30s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  ({detail})")


def cli_index_seconds(knowledge_dir: Path, data_dir: Path, *extra: str) -> float:
    env = {
        **os.environ,
        "SIMULATOR_DATA_DIR": str(data_dir),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(REPO),
    }
    env.pop("CHROMA_HOST", None)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "simulator", "index", "--knowledge", str(knowledge_dir), *extra],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def indexing(tmp_path: Path, knowledge: Path) -> KnowledgeIndex:
    print("== indexing the sample company (a copy)")
    seconds = cli_index_seconds(knowledge, tmp_path / "cli-data", "--no-encoder")
    row(
        "`simulator index --no-encoder`, fresh dir",
        seconds,
        "new process, wall time, incl. Python and imports",
    )
    index = KnowledgeIndex(knowledge, tmp_path / "data" / "index", contextual=False)
    cpu = time.process_time()
    report = index.update()
    detail = (
        f"{report.files_added} files, {report.chunks} chunks, CPU {time.process_time() - cpu:.2f} s"
    )
    row("full index, fresh dir (incl. model load)", report.elapsed_s, detail)
    report = index.update()
    row("re-index, no change", report.elapsed_s, f"{report.files_unchanged} unchanged")
    page = knowledge / "faq.md"
    os.utime(page)
    report = index.update()
    row(
        "re-index after touching one file (mtime)",
        report.elapsed_s,
        f"{report.files_updated} updated",
    )
    page.write_text(
        page.read_text(encoding="utf-8") + "\n## Bench\n\nOne more answer for the benchmark.\n"
    )
    cpu = time.process_time()
    report = index.update()
    detail = f"{report.files_updated} updated, CPU {time.process_time() - cpu:.2f} s"
    row("re-index after editing one file", report.elapsed_s, detail)
    return index


def latency(tmp_path: Path, knowledge: Path, index: KnowledgeIndex | None) -> None:
    questions = latency_questions()
    repeated = questions[:51]
    print(
        f"\n== query latency, k=4: {len(questions)} distinct sample questions, each met once; "
        f"then the first {len(repeated)} again (the agent that takes over after a handoff "
        "searches the same line)"
    )
    if index is None:
        index = KnowledgeIndex(knowledge, tmp_path / "data" / "index", contextual=False)
        index.update()
    with LoadWatch() as load:
        first, again = timed_searches(index, questions), timed_searches(index, repeated)
    print(f"in-process, wordllama, first   {first.summary()}  (load {load})")
    print(f"in-process, wordllama, repeat  {again.summary()}")
    with LoadWatch() as load:
        first_s, times = end_to_end_latency(knowledge, tmp_path / "data", questions)
    spread(
        "retrieve via stdin, per line",
        times,
        f"{len(times)} lines, one written, one read back; load {load}",
    )
    print(f"retrieve start-up to first answer: {first_s:.2f} s (index up to date)")
    print("\n== the contextual encoder")
    print(encoder_facts())
    fresh = fill_seconds(knowledge, tmp_path / "fill" / "index")
    print(
        f"cold start, fresh index: searchable after {fresh[0]:.2f} s (wordllama), encoder "
        f"serving after {fresh[1]:.1f} s ({fresh[3]:,} texts encoded; "
        f"model load {fresh[2]:.2f} s)"
    )
    again_s = fill_seconds(knowledge, tmp_path / "fill" / "index")
    print(
        f"second start, same index: searchable after {again_s[0]:.2f} s, encoder serving after "
        f"{again_s[1]:.2f} s ({again_s[3]:,} texts encoded)"
    )
    with KnowledgeIndex(knowledge, tmp_path / "fill" / "index") as contextual:
        contextual.update()
        contextual.wait_contextual(FILL_TIMEOUT_S)
        with LoadWatch() as load:
            first, again = (
                timed_searches(contextual, questions),
                timed_searches(contextual, repeated),
            )
        print(f"in-process, encoder, first     {first.summary()}  (load {load})")
        print(f"in-process, encoder, repeat    {again.summary()}")


def quality_report(tmp_path: Path, names: set[str] | None) -> None:
    print(
        "\n== quality (hit = expected file among the top-k sources; by section: the expected "
        "(file, section) among the top-k passages). wordllama = searches before the encoder has "
        "filled; minilm = after, with every vector"
    )
    sets = dict(QUESTION_SETS)
    sets.update({name: paths for name, paths in EVAL_SETS.items() if paths[1].exists()})
    for name, (knowledge_dir, questions_file) in sets.items():
        if names and name not in names:
            continue
        items = yaml.safe_load(questions_file.read_text(encoding="utf-8"))
        for contextual in (False, True):
            folder = tmp_path / f"quality-{name.replace(' ', '-')}-{contextual}"
            with KnowledgeIndex(knowledge_dir, folder, contextual=contextual) as index:
                index.update()
                if contextual and not index.wait_contextual(FILL_TIMEOUT_S):
                    raise RuntimeError(f"the encoder did not fill: {index.contextual}")
                hits = quality(index, items)
                print(f"{name:17s} {index.scorer:9s} {len(items):3d} questions  {hits}", flush=True)
                if name == "sample company":
                    hit_1, hit_3 = section_quality(index)
                    print(
                        f"{'direct (section)':17s} {index.scorer:9s} "
                        f"{len(DIRECT_QUESTIONS):3d} "
                        f"questions  hit@1 {hit_1:.2f}  hit@3 {hit_3:.2f}   (expected heading "
                        "among the top-k sections)"
                    )


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--only", choices=["indexing", "latency", "quality"], help="run one part alone"
    )
    parser.add_argument(
        "--sets", default="", help="quality: comma-separated set names (default: every set)"
    )
    args = parser.parse_args()
    names = {n.strip() for n in args.sets.split(",") if n.strip()} or None
    print(f"load average at start: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="retrieval-bench-") as tmp:
        tmp_path = Path(tmp)
        knowledge = tmp_path / "knowledge"
        shutil.copytree(REPO / "knowledge", knowledge)
        index = None
        if args.only in (None, "indexing"):
            index = indexing(tmp_path, knowledge)
        if args.only in (None, "latency"):
            latency(tmp_path, knowledge, index)
        if args.only in (None, "quality"):
            quality_report(tmp_path, names)
    print(f"load average at end: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
