"""How long the real ``simulator`` takes to be gone after Quit, launched as a user launches it.

    Xvfb :97 -screen 0 1920x1080x24 &      # any free display; needs Xvfb and xdotool
    DISPLAY=:97 .venv/bin/python -m bench.quit_time [--runs 3]

Starts ``.venv/bin/simulator --offline --voice off`` on that display (its own data and config
folders), waits until its session log says the team has started, types two customer lines into
the window with xdotool and waits (in the log) for the answers, then presses Ctrl+Q and times
until the process has exited.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LINES = ("Hi there", "How much is the Professional plan?")
STARTED_S = 40.0
"""Upper bound on the team's start (a first run indexes the sample company)."""


def _xdotool(*args: str) -> str:
    done = subprocess.run(["xdotool", *args], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _window_id(timeout_s: float = 90.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = _xdotool("search", "--name", "Sales Simulator")
        if found:
            return found.split()[0]
        time.sleep(0.1)
    raise SystemExit("the window never appeared (is DISPLAY an X server?)")


def _logs(data_dir: Path) -> set[Path]:
    return set((data_dir / "sessions").glob("*.jsonl*"))


def _logged(data_dir: Path, old: set[Path], kind: str, count: int, timeout_s: float) -> None:
    """Wait until this run's session log holds ``count`` events of type ``kind``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = "".join(_text(p) for p in _logs(data_dir) - old)
        if text.count(f'"type":"{kind}"') >= count:
            return
        time.sleep(0.2)
    raise SystemExit(f"no {count} {kind} event(s) in the session log within {timeout_s:.0f} s")


def _text(path: Path) -> str:
    """The log's lines so far; a live compressed log has no end yet (gzip.open refuses it)."""
    from simulator.session_log import log_text

    return log_text(path)


def one_run(work: Path) -> float:
    env = dict(
        os.environ,
        SIMULATOR_DATA_DIR=str(work / "data"),
        XDG_CONFIG_HOME=str(work / "config"),
    )
    env.pop("QT_QPA_PLATFORM", None)
    old = _logs(work / "data")
    log = work / "app.log"
    with log.open("w", encoding="utf-8") as out:
        app = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "simulator"), "--offline", "--voice", "off"],
            env=env,
            stdout=out,
            stderr=out,
        )
        try:
            window = _window_id()
            _logged(work / "data", old, "session_started", 1, STARTED_S)
            for n, line in enumerate(LINES, start=1):
                _xdotool("windowfocus", window)
                _xdotool("type", "--delay", "5", line)
                _xdotool("key", "Return")
                _logged(work / "data", old, "turn_completed", n, 30.0)
            _xdotool("windowfocus", window)
            pressed = time.perf_counter()
            _xdotool("key", "ctrl+q")
            app.wait(60)
            elapsed = time.perf_counter() - pressed
            if os.environ.get("BENCH_SHOW_LOG"):
                print(log.read_text(encoding="utf-8", errors="replace")[-3000:])
            return elapsed
        finally:
            if app.poll() is None:
                app.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        sys.exit("set DISPLAY to an X server (Xvfb :97 -screen 0 1920x1080x24 &)")
    with tempfile.TemporaryDirectory(prefix="simulator-quit-") as tmp:
        times = [one_run(Path(tmp)) for _ in range(args.runs)]
    print(
        "exit after Quit: "
        + ", ".join(f"{t:.2f} s" for t in times)
        + f" (median {statistics.median(times):.2f} s)"
    )


if __name__ == "__main__":
    main()
