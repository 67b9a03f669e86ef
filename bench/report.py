"""Numbers into Markdown: percentiles, tables, and the machine a run was measured on."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata

PACKAGES = (
    "livekit-agents",
    "livekit-plugins-cartesia",
    "livekit-plugins-silero",
    "cerebras-cloud-sdk",
    "chromadb",
    "wordllama",
    "PySide6-Essentials",
    "aiohttp",
    "pydantic",
    "numpy",
)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def p50_p95(values: list[float]) -> tuple[float, float]:
    return percentile(values, 0.5), percentile(values, 0.95)


def table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table; the first column is left-aligned, the others right-aligned."""

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|")

    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def ms(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f} ms"


def machine() -> dict[str, str]:
    """What this run ran on: cores, memory, CPU model, OS, Python and package versions, date."""
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "memory": _memory(),
        "cpu": _cpu_model(),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
    }
    for name in PACKAGES:
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = "not installed"
    return info


def _memory() -> str:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        return f"{kb / 1024**2:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        return "unknown"


def _cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return platform.processor() or "unknown"


@dataclass
class Section:
    """One section of BENCHMARKS.md: its body, its headline figures, and what missed or hit a
    limit."""

    body: str
    headlines: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
