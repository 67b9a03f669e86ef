"""The desktop app launched as a user launches it, and typed into as a user types.

The real ``simulator`` command runs in its own process with a fresh home (settings, data, caches),
on a real X server (a private Xvfb display); xdotool waits for its window, focuses it and types a
customer line with real key events the moment the window appears, then presses Enter (again every
quarter second until the app takes the line: an app that does not queue a line typed while its
team starts keeps it in the box). What happened is read back from the session log the app writes
as it goes (every event, stamped with the wall clock when it happened):

- **window**: spawn → the window is mapped;
- **stages of the start** (each event's stamp in the log): the team's first event (its code is
  loaded and the knowledge read: the log opens only then), the team seated (``session_started``),
  the first search of the typed line (its first ``retrieval``);
- **line taken**: spawn → the typed line reaches the team (its customer transcript event);
- **answered (usable)**: spawn → the first text of the team's answer;
- **idle RSS**: the process's resident memory 5 s and 30 s after the answer, nothing happening.

Nothing in the app is changed or imported for this: the same measurement runs any revision's
``simulator`` package (``PYTHONPATH``).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TITLE = "Sales Simulator"
LINE = "What does the Professional plan cost?"
IDLE_S = 5.0
IDLE_LATE_S = 30.0
"""A second look at the idle RSS: by then the background work of a start (the encoders' fill
and warm-up) has had time to settle, and freed memory to go back to the system."""


@dataclass
class Launch:
    window_s: float
    taken_s: float | None
    answered_s: float | None
    idle_rss_mb: float | None
    idle_late_rss_mb: float | None
    enters: int
    """Enter presses until the app took the line (1: it kept the line typed at once)."""
    team_loaded_s: float | None = None
    """The team's first logged event: livekit-agents imported and the knowledge read."""
    seated_s: float | None = None
    """The team seated (``session_started``): from here it takes lines."""
    searched_s: float | None = None
    """The typed line's first search done (its first ``retrieval`` event)."""


@contextlib.contextmanager
def x_display() -> Iterator[str | None]:
    """A private Xvfb display (``:N``), or ``None`` when Xvfb or xdotool is not installed."""
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        yield None
        return
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], 30)
        number = os.read(read, 64).decode().strip() if ready else ""
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        os.close(read)
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def launch(tree: Path, home: Path, display: str, *, timeout_s: float = 180.0) -> Launch:
    """Launch ``tree``'s ``simulator`` with ``home`` as the user's home; see the module doc."""
    import psutil

    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(tree),
    }
    started_wall = time.time()
    started = time.perf_counter()
    with open(home / "app.log", "ab") as out:
        app = subprocess.Popen(
            [sys.executable, "-m", "simulator"], cwd=home, env=env, stdout=out, stderr=out
        )
    try:
        window = _xdotool(
            display, "search", "--sync", "--onlyvisible", "--name", TITLE, timeout=timeout_s
        ).split()[0]
        window_s = time.perf_counter() - started
        _xdotool(display, "windowfocus", "--sync", window)
        _xdotool(display, "type", "--delay", "0", LINE)
        enters, taken, answered = 0, None, None
        last_enter = 0.0
        deadline = time.perf_counter() + timeout_s
        while answered is None and time.perf_counter() < deadline and app.poll() is None:
            events = _logged(home, started_wall)
            taken = taken or _first(events, lambda e: _said(e, "customer") and e["text"] == LINE)
            if taken is None and time.perf_counter() - last_enter > 0.25:
                _xdotool(display, "key", "Return")
                enters, last_enter = enters + 1, time.perf_counter()
            if taken is not None:
                answered = _first(events, lambda e, after=taken: _answer(e, after))
            time.sleep(0.05)
        events = _logged(home, started_wall)
        stages = {
            "team_loaded_s": _first(events, lambda e: True),
            "seated_s": _first(events, lambda e: e.get("type") == "session_started"),
            "searched_s": None
            if taken is None
            else _first(
                events,
                lambda e, after=taken: (
                    e.get("type") == "retrieval" and float(e["created_at"]) >= after
                ),
            ),
        }
        rss = late_rss = None
        if answered is not None:
            time.sleep(IDLE_S)
            with contextlib.suppress(psutil.Error):
                rss = psutil.Process(app.pid).memory_info().rss / 1024**2
            time.sleep(IDLE_LATE_S - IDLE_S)
            with contextlib.suppress(psutil.Error):
                late_rss = psutil.Process(app.pid).memory_info().rss / 1024**2
        return Launch(
            window_s=window_s,
            taken_s=None if taken is None else taken - started_wall,
            answered_s=None if answered is None else answered - started_wall,
            idle_rss_mb=rss,
            idle_late_rss_mb=late_rss,
            enters=enters,
            **{k: None if v is None else v - started_wall for k, v in stages.items()},
        )
    finally:
        app.terminate()
        try:
            app.wait(20)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()


def _xdotool(display: str, *args: str, timeout: float = 30.0) -> str:
    done = subprocess.run(
        ["xdotool", *args],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done.stdout


def _logged(home: Path, since: float) -> list[dict[str, Any]]:
    """Every event of the newest session log under ``home`` written since ``since`` (wall
    clock), so an earlier launch's log is never read; a line still being written is skipped."""
    logs = sorted(
        (p for p in (home / "data").glob("*/sessions/*.jsonl*") if p.stat().st_mtime >= since),
        key=lambda p: p.stat().st_mtime,
    )
    if not logs:
        return []
    events = []
    from simulator.session_log import log_text  # compressed or plain (an older revision's)

    for line in log_text(logs[-1]).splitlines():
        with contextlib.suppress(ValueError):
            event = json.loads(line)
            if float(event.get("created_at", 0.0)) >= since:
                events.append(event)
    return events


def _said(event: dict[str, Any], speaker: str) -> bool:
    return event.get("type") == "transcript" and event.get("speaker") == speaker


def _answer(event: dict[str, Any], after: float) -> bool:
    """The team's text (streamed) after the customer's line."""
    return (
        event.get("type") == "transcript_delta"
        and event.get("speaker") != "customer"
        and float(event["created_at"]) >= after
    )


def _first(events: list[dict[str, Any]], test: Any) -> float | None:
    return next((float(e["created_at"]) for e in events if test(e)), None)


def main() -> None:
    """``python -m bench.launch [TREE]``: one first and one second launch, printed as JSON."""
    import tempfile

    tree = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO
    with x_display() as display, tempfile.TemporaryDirectory() as tmp:
        if display is None:
            raise SystemExit("Xvfb and xdotool are needed")
        for _ in range(2):
            print(json.dumps(launch(tree, Path(tmp) / "home", display).__dict__), flush=True)


if __name__ == "__main__":
    main()
