"""``python -m bench``: every benchmark in one run, written to ``BENCHMARKS.md``.

    .venv/bin/python -m bench                 # all four sections, under 10 minutes on 2 cores
    .venv/bin/python -m bench --sections 1,2  # some of them
    .venv/bin/python -m bench --full          # also ingest 100k passages to the end (long)
    .venv/bin/python -m bench --before REV    # sections 1 and 4 also for an earlier revision

Sections: 1 overhead per turn (:mod:`bench.overhead`), 2 side by side with the workshop design
(:mod:`bench.side_by_side`), 3 retrieval at scale (:mod:`bench.scale`), 4 the app
(:mod:`bench.app_bench`). Everything runs against servers on 127.0.0.1 in temporary folders;
nothing in the repository changes but the output file. ``bench/retrieval.py`` (retrieval quality
and CLI latency on the sample company) stays a separate, quicker command.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SIZES = (1_000, 10_000, 100_000)
BUDGET_100K_S = 600.0
"""Seconds a 100k-passage ingest may take in the default run (a safety net: it needs 1.0-1.4 ms of
CPU per passage, 2-3 minutes of a free core; 378-416 s on this 2-core machine at a load of 10-19);
past it the ingest is cancelled and the row marked partial."""

TITLES = {
    1: "1. Overhead per turn",
    2: "2. Side by side with the workshop design",
    3: "3. Retrieval at scale",
    4: "4. The app",
}


def checkout(revision: str, into: Path) -> Path:
    """The ``simulator`` package (with its bundled knowledge and personas) of ``revision``, in
    ``into``, for measuring it side by side with the working tree."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", revision, "simulator", "knowledge", "personas"],
        cwd=REPO,
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


async def run(
    sections: set[int], out: Path, *, full: bool, quick: bool, before: str | None = None
) -> None:
    from bench.report import Section, machine, table

    started = time.perf_counter()
    results: dict[int, Section] = {}
    timings: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="simulator-bench-") as tmp:
        work = Path(tmp)
        data_dir = work / "data-sample"
        earlier = (before, checkout(before, work / "before")) if before else None
        grown: list[tuple[str, Path, Path, int]] = []
        if 3 in sections or 2 in sections:
            from bench import scale

            t = time.perf_counter()
            sizes = SIZES[:2] if 3 not in sections else SIZES
            if quick:
                sizes = (1_000,)
            scaled = []
            for chunks in sizes:
                budget = None if full or chunks < 100_000 else BUDGET_100K_S
                print(f"[bench] retrieval at {chunks:,} passages...", flush=True)
                scaled.append(scale.measure_in_child(work, chunks, budget))
            if 3 in sections:  # the same code against a Chroma server, side by side
                with scale.chroma_server(work / "chroma-server") as port:
                    for chunks in sizes:
                        budget = None if full or chunks < 100_000 else BUDGET_100K_S
                        print(
                            f"[bench] retrieval at {chunks:,} passages, Chroma server...",
                            flush=True,
                        )
                        scaled.append(scale.measure_in_child(work, chunks, budget, port))
            for label, result in zip(("10x", "100x"), scaled, strict=False):
                grown.append(
                    (label, Path(result.knowledge_dir), Path(result.data_dir), result.chunks)
                )
            if 3 in sections:
                results[3] = scale.render(scaled, None if full else BUDGET_100K_S)
                timings[3] = time.perf_counter() - t
        if 1 in sections:
            from bench import overhead

            print("[bench] overhead per turn (typed, then spoken)...", flush=True)
            t = time.perf_counter()
            results[1] = await overhead.run(
                data_dir, rounds=1 if quick else 4, spoken_lines=3 if quick else 14, before=earlier
            )
            timings[1] = time.perf_counter() - t
        if 2 in sections:
            from bench import side_by_side

            print("[bench] side by side with the workshop design...", flush=True)
            t = time.perf_counter()
            results[2] = await side_by_side.run(data_dir, grown, rounds=1 if quick else 2)
            timings[2] = time.perf_counter() - t
        if 4 in sections:
            from bench import app_bench

            print("[bench] the app...", flush=True)
            t = time.perf_counter()
            results[4] = await app_bench.run(
                data_dir, work, cold_runs=1 if quick else 3, before=earlier
            )
            timings[4] = time.perf_counter() - t
    wall = time.perf_counter() - started

    info = machine()
    shown_out = out.resolve().relative_to(REPO) if out.resolve().is_relative_to(REPO) else out
    command = (
        "`.venv/bin/python -m bench"
        + (" --full" if full else "")
        + (" --quick" if quick else "")
        + (f" --sections {','.join(map(str, sorted(sections)))}" if sections != set(TITLES) else "")
        + (f" --before {before}" if before else "")
        + (f" --out {shown_out}" if out.resolve() != (REPO / "BENCHMARKS.md").resolve() else "")
        + "`"
    )
    parts = [
        "# Benchmarks",
        f"Reproduce with {command} from the repository root (writes this file). "
        f"This run took {wall / 60:.1f} minutes of wall time"
        + "".join(f"; section {n}: {timings[n]:.0f} s" for n in sorted(timings))
        + ".",
        "Every provider is a local server speaking the real wire protocol on 127.0.0.1 "
        "(`tests/fakes/`), run in a separate process with a configured latency model, so the real "
        "cerebras-cloud-sdk, livekit-agents and Cartesia "
        "plugin code runs and the simulator's own time can "
        "be separated from the providers'. All ratios in a table come from one run, side by side.",
        "## Headlines",
        "\n".join(f"- {line}" for n in sorted(results) for line in results[n].headlines),
        "What missed its aim, and the limits found (details in each section):",
        "\n".join(f"- {line}" for n in sorted(results) for line in results[n].misses)
        or "- Nothing.",
        "## Machine",
        table(["", ""], [[k, v] for k, v in info.items()]),
    ]
    for number in sorted(results):
        parts += [f"## {TITLES[number]}", results[number].body]
    parts += _other_sections(out)
    out.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    print(f"[bench] wrote {out} in {wall:.0f} s", flush=True)


def _other_sections(out: Path) -> list[str]:
    """Sections of ``out`` that other benchmarks write (e.g. ``bench.attacks``' reliability
    table): kept as they are, after this run's."""
    if not out.exists():
        return []
    ours = {"Headlines", "Machine", *TITLES.values()}
    text = out.read_text(encoding="utf-8")
    sections = text.split("\n## ")[1:]
    return ["## " + s.strip() for s in sections if s.split("\n", 1)[0].strip() not in ours]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sections", default="1,2,3,4", help="comma-separated section numbers (default: all)"
    )
    parser.add_argument(
        "--full", action="store_true", help="ingest the 100k passages to the end (long)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: fewer turns, small sizes"
    )
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument(
        "--before",
        metavar="REV",
        help="also measure sections 1 and 4 for this git revision, alternating with the working "
        "tree (before/after under the same load)",
    )
    args = parser.parse_args()
    sections = {int(s) for s in args.sections.split(",") if s.strip()}
    if not sections <= set(TITLES):
        parser.error(f"sections are numbered {', '.join(map(str, TITLES))}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(
        level=logging.ERROR
    )  # livekit's own warnings would drown the progress lines
    sys.path.insert(0, str(REPO))
    asyncio.run(run(sections, args.out, full=args.full, quick=args.quick, before=args.before))


if __name__ == "__main__":
    main()
