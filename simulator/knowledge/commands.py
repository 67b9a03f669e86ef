"""``simulator index`` and ``simulator retrieve``: the knowledge base from the terminal.

``index`` builds or updates the index and says what changed; ``retrieve`` shows what a question
retrieves (one JSON object per line with ``--json``, for scripts and benchmarks). Both write
results on ``out`` and warnings on ``err``, and return the process exit code: 0 on success (even
with skipped files), 1 if the index cannot be used, 2 for a usage problem such as a missing
knowledge folder.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import TextIO

from simulator.errors import KnowledgeError, ProviderError, SimulatorError
from simulator.events import Passage
from simulator.knowledge.documents import Limits, check_folder
from simulator.knowledge.index import IndexReport, KnowledgeIndex
from simulator.knowledge.records import SalesRecords
from simulator.settings import Settings

_EXCERPT_CHARS = 160


def index_command(settings: Settings, *, out: TextIO, err: TextIO, contextual: bool = True) -> int:
    """Build or update the index of ``settings.knowledge_dir`` and, unless ``contextual`` is
    off, wait for the contextual encoder's vectors; print what changed."""
    index = _open(settings, err, contextual=contextual)
    if isinstance(index, int):
        return index
    try:
        with index:
            report = _update(index, err, show_progress=_is_tty(err))
            skipped_files = {e.path for e in report.skipped}
            for problem in SalesRecords.load(index.knowledge_dir, index.limits).problems:
                if problem.path not in skipped_files:  # bad rows; skipped files said above
                    print(f"warning: {problem}", file=err)
            encoder_line = _fill(index, err, show_progress=_is_tty(err)) if contextual else None
    except SimulatorError as e:
        print(f"simulator: {e}", file=err)
        return 1
    _print_report(report, index, out)
    if encoder_line:
        print(encoder_line, file=out)
    return 0


def _fill(index: KnowledgeIndex, err: TextIO, *, show_progress: bool) -> str:
    """Wait for the contextual encoder (progress on a terminal); its status line."""
    started = time.perf_counter()
    while not index.wait_contextual(timeout=0.5):
        status = index.contextual
        if status.state not in ("waiting", "filling"):
            break
        if show_progress:
            err.write(f"\r\x1b[Kcontextual encoder: {status}")
            err.flush()
    if show_progress:
        err.write("\r\x1b[K")
        err.flush()
    status = index.contextual
    return (
        f"encoder: {status} ({status.newly_encoded:,} of {status.total:,} texts encoded now, "
        f"{time.perf_counter() - started:.1f} s)"
    )


def retrieve_command(
    settings: Settings,
    *,
    query: str | None,
    k: int,
    as_json: bool,
    agent: str | None,
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
) -> int:
    """Print the passages retrieved for ``query``, or for each line of ``stdin`` as it arrives."""
    if k < 1:
        print(f"simulator retrieve: -k must be at least 1, got {k}", file=err)
        return 2
    index = _open(settings, err)
    if isinstance(index, int):
        return index
    try:
        with index:
            _update(index, err, show_progress=False)
            index.warm_up()  # so the first query's time is the search, not the model load
            if not index.wait_contextual_if_stored(timeout=60):
                _note_scorer(index, err)
            queries = [query] if query is not None else _lines(stdin)
            for q in queries:
                started = time.perf_counter()
                passages = index.search(q, k=k, agent=agent)
                elapsed_ms = (time.perf_counter() - started) * 1000
                render = _render_json if as_json else _render_text
                out.write(render(q, passages, elapsed_ms) + "\n")
                out.flush()
    except SimulatorError as e:
        print(f"simulator: {e}", file=err)
        return 1
    except BrokenPipeError:  # the reader went away (e.g. `| head -1`): nothing left to say
        return 0
    return 0


def _open(settings: Settings, err: TextIO, *, contextual: bool = True) -> KnowledgeIndex | int:
    """The index, or the exit code after saying on ``err`` why it cannot be opened."""
    try:
        check_folder(settings.knowledge_dir)
    except KnowledgeError as e:
        print(f"simulator: {e}", file=err)
        return 2
    try:
        return KnowledgeIndex(
            settings.knowledge_dir,
            settings.index_dir,
            chroma_host=settings.chroma_host,
            chroma_port=settings.chroma_port,
            contextual=contextual,
            limits=Limits(settings.max_file_mb, settings.max_csv_rows),
        )
    except (KnowledgeError, ProviderError) as e:
        print(f"simulator: {e}", file=err)
        return 1


def _update(index: KnowledgeIndex, err: TextIO, *, show_progress: bool) -> IndexReport:
    def progress(done: int, total: int, source: str) -> None:
        err.write(f"\r\x1b[Kindexing {done}/{total} {source}")
        err.flush()

    report = index.update(progress=progress if show_progress else None)
    if show_progress:
        err.write("\r\x1b[K")
    for problem in report.skipped:
        print(f"warning: skipped {problem.path}: {problem.reason}", file=err)
    for warning in report.warnings:
        print(f"warning: {warning}", file=err)
    if report.chunks == 0:
        print(
            f"warning: nothing to search in {index.knowledge_dir}: "
            f"add .md, .txt, .pdf or .csv files",
            file=err,
        )
    err.flush()
    return report


def _print_report(report: IndexReport, index: KnowledgeIndex, out: TextIO) -> None:
    print(f"knowledge: {index.knowledge_dir}", file=out)
    print(f"index:     {index.location}", file=out)
    print(
        f"files: {report.files_added} added, {report.files_updated} updated, "
        f"{report.files_removed} removed, {report.files_unchanged} unchanged, "
        f"{len(report.skipped)} skipped, {report.ignored} ignored",
        file=out,
    )
    print(f"chunks: {report.chunks}", file=out)
    print(f"elapsed: {report.elapsed_s:.2f} s", file=out)


def _note_scorer(index: KnowledgeIndex, err: TextIO) -> None:
    status = index.contextual
    if status.state == "filling":
        print(
            f"note: the contextual encoder is still encoding this folder ({status}); until it "
            "is done, results come from wordllama alone (run again later, or keep this "
            "command reading questions)",
            file=err,
        )
    elif status.state != "ready":
        print(f"note: results come from wordllama alone (contextual encoder: {status})", file=err)
    err.flush()


def _lines(stdin: TextIO) -> Iterator[str]:
    """Non-blank lines, read one at a time so each answer appears as its question arrives."""
    for line in iter(stdin.readline, ""):
        if line.strip():
            yield line.strip()


def _render_json(query: str, passages: list[Passage], elapsed_ms: float) -> str:
    return json.dumps(
        {
            "query": query,
            "results": [
                {
                    "source": p.source,
                    "section": p.section,
                    "score": p.score,
                    "text": p.text,
                    "scope": list(p.scope) if p.scope is not None else None,
                    "scorer": p.scorer,
                }
                for p in passages
            ],
            "elapsed_ms": round(elapsed_ms, 3),
        },
        ensure_ascii=False,
    )


def _render_text(query: str, passages: list[Passage], elapsed_ms: float) -> str:
    scorer = f", {passages[0].scorer}" if passages and passages[0].scorer else ""
    lines = [f"{query}  ({elapsed_ms:.1f} ms{scorer})"]
    if not passages:
        lines.append("   no passages found")
    for number, p in enumerate(passages, start=1):
        excerpt = " ".join(p.text.split())
        if len(excerpt) > _EXCERPT_CHARS:
            excerpt = excerpt[: _EXCERPT_CHARS - 1].rsplit(" ", 1)[0] + "…"
        lines.append(f"{number:>2}. {p.source} › {p.section}  [{p.score:.3f}]")
        lines.append(f"    {excerpt}")
    return "\n".join(lines)


def _is_tty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
