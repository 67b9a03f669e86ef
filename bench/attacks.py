"""Issue 11's attacks, run as a user would, against the code as it is: the reliability table.

    .venv/bin/python -m bench.attacks                  # every attack, into BENCHMARKS.md
    .venv/bin/python -m bench.attacks --items 3,5,10   # some of them
    .venv/bin/python -m bench.attacks --repo /work/main --out /tmp/table.md   # another checkout

Each attack is the issue's own probe: the real ``simulator`` command in a subprocess (or, where
the issue used the app, the core call the app makes, named as such), hostile input built fresh in
a temporary folder, a fake Cerebras server on 127.0.0.1 where a provider is involved. Each row
says what happened, measured; ``ok`` is whether the issue's "done when" holds for it. Heavy
attacks (a 1,000,000-row CSV, a 50 MB text, a 200 MB session log) run with a time budget and a
memory cap, and say so when they hit one. The table goes into ``BENCHMARKS.md`` under
``## Reliability: attacks of issue 11`` (that section only).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.attack_lab import Lab, Row
from bench.attacks_files import (
    attack_alias_bomb,
    attack_bad_timestamps,
    attack_big_session_log,
    attack_config_folder,
    attack_log_modes,
)
from bench.attacks_knowledge import (
    attack_big_folder_isolation,
    attack_big_inputs,
    attack_index_modes,
    attack_injection,
    attack_parallel_first_runs,
    attack_stock_rows,
    attack_symlink,
    attack_unreadable_folder,
)
from bench.attacks_provider import (
    attack_cut_stream,
    attack_key_echo,
    attack_no_fingerprint,
    attack_stall,
    attack_wrong_key,
)
from bench.attacks_terminal import attack_terminal

REPO = Path(__file__).resolve().parent.parent
SECTION = "## Reliability: attacks of issue 11"


ATTACKS: dict[int, Callable[..., list[Row]]] = {
    1: attack_injection,
    2: attack_symlink,
    3: attack_alias_bomb,
    4: attack_key_echo,
    5: attack_cut_stream,
    6: attack_no_fingerprint,
    7: lambda lab, budget_s: (
        attack_big_inputs(lab, budget_s=budget_s)
        + attack_big_folder_isolation(lab, budget_s=budget_s)
        + attack_big_session_log(lab, budget_s=budget_s)
    ),
    8: attack_terminal,
    9: lambda lab: (
        attack_unreadable_folder(lab) + attack_stock_rows(lab) + attack_bad_timestamps(lab)
    ),
    10: attack_stall,
    11: lambda lab: (
        attack_parallel_first_runs(lab)
        + attack_index_modes(lab)
        + attack_log_modes(lab)
        + attack_config_folder(lab)
        + attack_wrong_key(lab)
    ),
}


def render(rows: list[Row], *, repo: Path, seconds: float, label: str | None = None) -> str:
    from bench.report import machine

    commit = (
        label
        or subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
    )
    info = machine()
    failing = [r for r in rows if not r.ok]
    lines = [
        SECTION,
        "",
        f"Reproduce with `.venv/bin/python -m bench.attacks` (this run: commit {commit or '?'}, "
        f"{info['date']}, {info['nproc']} cores, {seconds / 60:.1f} minutes). Each attack of "
        "issue 11 runs as a user would: the real `simulator` command in a subprocess, on hostile "
        "input built fresh, a fake Cerebras on 127.0.0.1 where a provider is involved; heavy "
        "attacks run with a "
        'time budget and a memory cap. *ok* is whether the issue\'s "done when" holds; where the '
        "issue gives no number, these: a first index under 60 s, an unchanged re-index under 15 s, "
        "the first chat answer under 30 s, a rehearse beside a hostile persona under 30 s and "
        "1.5 GB, a 200 MB session log in under 500 MB (all events) or 400 MB (streamed), another "
        "folder's query p50 at most 3x (or +20 ms), the first answer of a stalled provider within "
        "6 s, exit within 1.5 s of SIGINT and 5 s of a closed pipe.",
        "",
        "| # | attack | command | outcome | ok | owner |",
        "|---:|:---|:---|:---|:---:|:---|",
    ]
    for r in rows:
        cells = [
            str(r.item),
            _text(r.attack),
            f"`{r.command}`",
            _text(r.outcome),
            "yes" if r.ok else "**no**",
            r.owner,
        ]
        lines.append(
            "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
        )
    lines += [
        "",
        f"{len(rows) - len(failing)} of {len(rows)} rows hold; still failing: "
        + (", ".join(f"{r.item} ({r.owner})" for r in failing) or "none")
        + ".",
    ]
    return "\n".join(lines) + "\n"


def _text(cell: str) -> str:
    """Table text outside code spans: a ``<coach>`` must show, not vanish as an HTML tag."""
    return cell.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_section(out: Path, text: str) -> None:
    """Replace this section of ``out`` (or append it), leaving every other section as it is."""
    current = out.read_text(encoding="utf-8") if out.exists() else "# Benchmarks\n"
    start = current.find(SECTION)
    if start == -1:
        updated = current.rstrip("\n") + "\n\n" + text
    else:
        end = current.find("\n## ", start + len(SECTION))
        updated = current[:start] + text + (current[end + 1 :] if end != -1 else "")
    out.write_text(updated, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.attacks", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--items", default=",".join(map(str, ATTACKS)), help="issue items to run (default: all)"
    )
    parser.add_argument(
        "--repo", type=Path, default=REPO, help="the checkout to attack (default: this one)"
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "BENCHMARKS.md", help="file whose section is written"
    )
    parser.add_argument("--label", help="what was attacked, when --repo is not a git checkout")
    parser.add_argument(
        "--budget", type=float, default=150.0, help="seconds for each heavy command"
    )
    parser.add_argument(
        "--cap-mb", type=float, default=3000.0, help="memory cap of each command (MB)"
    )
    args = parser.parse_args()
    items = [int(i) for i in args.items.split(",") if i.strip()]
    started = time.monotonic()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="simulator-attacks-") as tmp:
        lab = Lab(args.repo.resolve(), Path(tmp), cap_mb=args.cap_mb)
        for item in items:
            print(f"[attacks] item {item}...", flush=True)
            attack = ATTACKS[item]
            found = attack(lab, args.budget) if item == 7 else attack(lab)
            for row in found:
                print(f"  {'ok ' if row.ok else 'NO '} {row.attack}: {row.outcome}", flush=True)
            rows += found
    text = render(
        rows, repo=args.repo.resolve(), seconds=time.monotonic() - started, label=args.label
    )
    write_section(args.out, text)
    print(f"[attacks] wrote {SECTION!r} to {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
