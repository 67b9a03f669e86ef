"""Section 4: the desktop app, measured in child processes on Qt's offscreen platform.

- **Cold start**: a new process runs what ``simulator`` runs (Qt, theme, preferences, the window,
  then the sales team on its background thread) and reports, on the machine-wide monotonic clock,
  when the window was first painted and when the team was ready to take a typed turn. The parent
  stamps the spawn, so Python's own start-up and every import count. The knowledge index already
  exists (a second launch); a first launch also indexes the knowledge (section 3 times that).
- **Event-to-paint**: a producer thread emits a real session's events on the bridge's
  ``event_received`` signal (as the session thread does) at 20 events/s; the window renders them
  through the feed into its widgets. Latency = emit → the end of the first repaint of the window
  that follows the event's handling. The end of a repaint is found by posting a marker event when
  Qt's ``UpdateRequest`` (which paints every dirty widget) is delivered: the marker is handled
  right after the paint.
- **Memory**: 1,000 turns of a real session's events (renumbered) pushed through the same path,
  letting Qt paint after every turn; RSS before and after, and the time it took.
- **Launched as a user launches it** (:mod:`bench.launch`): the real ``simulator`` command on a
  private X display, a fresh home, a line typed with real key events as soon as the window shows;
  window, line taken, answered and idle RSS, for a first launch (it indexes the knowledge) and a
  second one (the index exists). With ``before=``, the same for an earlier revision, alternating.

The events come from a real offline session of the sample company, recorded by the parent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parent.parent
EVENTS_PER_S = 20.0
PAINT_SECONDS = 15.0
TURNS = int(os.environ.get("BENCH_APP_TURNS", "1000"))
AIM_USABLE_S = 2.0
AIM_RSS_MB = 300.0
AIM_KB_PER_TURN = 50
IDLE_NOTE = "5 s and 30 s after the answer, nothing happening"

if TYPE_CHECKING:
    from bench.report import Section


async def record_session(data_dir: Path, path: Path, turns: int = 8) -> int:
    """A real offline session of the sample company, ``turns`` customer lines, as JSONL."""
    from bench.script import SCRIPT
    from bench.timeline import EventClock
    from simulator.events import to_json
    from simulator.session import SessionRunner
    from simulator.settings import BUNDLED_KNOWLEDGE, Settings

    runner = SessionRunner(
        Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=data_dir, offline=True)
    )
    async with runner:
        clock = EventClock(runner)
        for line in (SCRIPT * 2)[:turns]:
            await clock.turn_completed(await runner.send(line))
    await clock.aclose()
    path.write_text("".join(to_json(e) + "\n" for _, e in clock.events), encoding="utf-8")
    return len(clock.events)


# -- child: cold start ----------------------------------------------------------------------------


def _cold_start(data_dir: Path, config: Path) -> dict[str, float]:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from simulator.app import theme
    from simulator.app.bridge import SessionState
    from simulator.app.main import AppOptions, create_window
    from simulator.settings import BUNDLED_KNOWLEDGE, Settings

    stamps: dict[str, float] = {}
    app = QApplication(sys.argv[:1])
    theme.apply_theme(app)
    settings = Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=data_dir, offline=True)
    window = create_window(
        AppOptions(settings=settings, preferences_path=config, env={}, log_sessions=False)
    )
    window.present()
    stamps["window_shown"] = time.perf_counter()

    def painted() -> None:
        stamps["window_painted"] = time.perf_counter()
        window.start_session()

    def on_state(state: SessionState, _detail: str) -> None:
        if state is SessionState.READY and "team_ready" not in stamps:
            stamps["team_ready"] = time.perf_counter()
            stamps["composer_enabled"] = float(window.composer.send_button.isEnabled())
            window.close()
            app.quit()
        elif state is SessionState.FAILED:
            stamps["failed"] = 1.0
            window.close()
            app.quit()

    window.bridge.state_changed.connect(on_state)
    QTimer.singleShot(0, painted)
    QTimer.singleShot(120_000, app.quit)  # bounded, whatever happens
    app.exec()
    return stamps


# -- child: event-to-paint and memory -------------------------------------------------------------


class _PaintClock:
    """Times the end of every repaint of one top-level window (see the module doc)."""

    def __init__(self, app: Any, window: Any) -> None:
        from PySide6.QtCore import QEvent, QObject

        self.frames: list[float] = []
        clock = self

        class Marker(QObject):
            def event(self, event: QEvent) -> bool:
                if event.type() == QEvent.Type.User:
                    clock.frames.append(time.perf_counter())
                    return True
                return super().event(event)

        class Watcher(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if watched is window and event.type() == QEvent.Type.UpdateRequest:
                    app.postEvent(clock.marker, QEvent(QEvent.Type.User))
                return False

        self.marker, self.watcher = Marker(), Watcher()
        window.installEventFilter(self.watcher)

    def first_after(self, moment: float) -> float | None:
        return next((t for t in self.frames if t > moment), None)


def _events_through_window(events_file: Path, config: Path) -> dict[str, Any]:
    import psutil
    from PySide6.QtCore import QEvent, QObject, QTimer, Signal
    from PySide6.QtWidgets import QApplication

    from simulator.app import theme
    from simulator.app.main import AppOptions, create_window
    from simulator.events import from_json
    from simulator.settings import BUNDLED_KNOWLEDGE, Settings

    recorded = [
        from_json(line) for line in events_file.read_text(encoding="utf-8").splitlines() if line
    ]
    app = QApplication(sys.argv[:1])
    theme.apply_theme(app)
    settings = Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=config.parent / "data", offline=True
    )
    window = create_window(
        AppOptions(settings=settings, preferences_path=config, env={}, log_sessions=False)
    )
    window.resize(1440, 900)
    window.present()
    app.processEvents()
    paints = _PaintClock(app, window)
    bridge = window.bridge

    # -- 20 events/s from another thread, as the session thread delivers them
    handled: dict[int, float] = {}

    def on_feed_event(event: Any) -> None:  # connected last: runs after every widget's slot
        handled[id(event)] = time.perf_counter()

    window.feed.event_received.connect(on_feed_event)
    live = [e for e in recorded if e.type not in ("session_ended",)]
    count = int(EVENTS_PER_S * PAINT_SECONDS)
    stream = [_renumbered(live[i % len(live)], i // len(live)) for i in range(count)]
    emitted: list[tuple[float, Any]] = []
    done = threading.Event()

    def produce() -> None:
        start = time.perf_counter()
        for n, event in enumerate(stream):
            due = start + n / EVENTS_PER_S
            while (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
            emitted.append((time.perf_counter(), event))
            bridge.event_received.emit(event)
        done.set()

    class Finished(QObject):
        finished = Signal()

    finished = Finished()
    finished.finished.connect(app.quit)
    producer = threading.Thread(target=lambda: (produce(), finished.finished.emit()), daemon=True)
    QTimer.singleShot(0, producer.start)
    QTimer.singleShot(int(PAINT_SECONDS * 1000) + 30_000, app.quit)
    app.exec()
    app.processEvents()
    latencies, handling = [], []
    for sent, event in emitted:
        got = handled.get(id(event))
        painted = paints.first_after(got) if got is not None else None
        if got is not None:
            handling.append((got - sent) * 1000)
        if painted is not None:
            latencies.append((painted - sent) * 1000)

    # -- a 1,000-turn session through the same widgets
    window.feed.clear()
    app.processEvents()
    process = psutil.Process()
    rss_before = process.memory_info().rss
    turns = [e for e in live if e.type != "session_started"]
    per_turn = max(1, max(getattr(e, "turn_id", 0) for e in turns))
    started = time.perf_counter()
    checkpoints = []
    for turn in range(TURNS // per_turn + 1):
        for event in turns:
            bridge.event_received.emit(_renumbered(event, turn, per_turn))
        app.processEvents()  # the widgets lay out and paint, as they would live
        # and what they let go of with deleteLater() is deleted, as the running event loop does
        # (processEvents() alone never deletes it: the bench once counted 2 MB a turn of cards
        # the live app had long deleted)
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        done_turns = min(TURNS, (turn + 1) * per_turn)
        if done_turns % 250 < per_turn or done_turns >= TURNS:
            checkpoints.append((done_turns, process.memory_info().rss / 1024**2))
        if done_turns >= TURNS:
            break
    elapsed = time.perf_counter() - started
    shown = len(window.feed.events)
    window.close()
    return {
        "paint_latencies_ms": latencies,
        "handling_ms": handling,
        "events_emitted": len(emitted),
        "frames": len(paints.frames),
        "rss_before_mb": rss_before / 1024**2,
        "rss_after_mb": process.memory_info().rss / 1024**2,
        "checkpoints": checkpoints,
        "turns": TURNS,
        "events_pushed": shown,
        "push_s": elapsed,
    }


def _renumbered(event: Any, offset: int, per_turn: int = 1) -> Any:
    """A copy of ``event`` shifted ``offset`` rounds later (turn ids and timestamps)."""
    update: dict[str, Any] = {"created_at": event.created_at + offset * 60.0}
    if hasattr(event, "turn_id"):
        update["turn_id"] = event.turn_id + offset * per_turn
    return event.model_copy(update=update)


# -- parent ---------------------------------------------------------------------------------------


def _child(*args: str, timeout: float = 300, tree: Path = REPO) -> dict[str, Any]:
    """``python -m bench.app_bench ARGS`` in a child process, with ``tree``'s ``simulator``."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(dict.fromkeys([str(tree), str(REPO)])),
        "QT_QPA_PLATFORM": "offscreen",
        "HF_HUB_OFFLINE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.app_bench", *args],
        cwd=tree,  # `-m` puts the working folder first on sys.path: the tree's `simulator`
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.app_bench {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _feed_only(events_file: Path) -> dict[str, Any]:
    """The same 1,000 turns into a bare :class:`EventFeed` (the event list and the Conversation
    model, no widgets): the part of the app's memory that is not the widgets'."""
    import gc

    import psutil
    from PySide6.QtCore import QCoreApplication

    from simulator.app.feed import EventFeed
    from simulator.events import from_json

    recorded = [
        from_json(line) for line in events_file.read_text(encoding="utf-8").splitlines() if line
    ]
    turns = [e for e in recorded if e.type not in ("session_started", "session_ended")]
    per_turn = max(1, max(getattr(e, "turn_id", 0) for e in turns))
    app = QCoreApplication(sys.argv[:1])
    feed = EventFeed()
    gc.collect()
    process = psutil.Process()
    before = process.memory_info().rss
    for turn in range(TURNS // per_turn + 1):
        for event in turns:
            feed.push(_renumbered(event, turn, per_turn))
        if (turn + 1) * per_turn >= TURNS:
            break
    after = process.memory_info().rss
    del app
    return {"rss_growth_mb": (after - before) / 1024**2, "events": len(feed.events)}


def launches(
    work: Path, rounds: int, before: tuple[str, Path] | None
) -> dict[str, list[tuple[Any, Any]]] | None:
    """``rounds`` first-and-second launches of this tree (and of ``before``'s, alternating);
    ``None`` without Xvfb and xdotool."""
    from bench import launch

    out: dict[str, list[tuple[Any, Any]]] = {"after": [], "before": []}
    trees = [("after", REPO)] + ([("before", before[1])] if before else [])
    with launch.x_display() as display:
        if display is None:
            return None
        for n in range(rounds):
            for label, tree in trees if n % 2 == 0 else trees[::-1]:
                home = work / f"launch-{label}-{n}"
                first = launch.launch(tree, home, display)
                out[label].append((first, launch.launch(tree, home, display)))
    return out


def _launch_table(runs: dict[str, list[tuple[Any, Any]]], before: str | None) -> str:
    from bench.report import table

    def median(values: list[float | None], unit: str) -> str:
        known = sorted(v for v in values if v is not None)
        if not known:
            return "–"
        mid = known[len(known) // 2]
        text = f"{mid:,.0f} MB" if unit == "MB" else f"{mid:.1f} s"
        return text + (f" ({len(values) - len(known)} missing)" if len(known) < len(values) else "")

    rows = []
    for which, index in (("first launch", 0), ("second launch", 1)):
        for label, key, unit in (
            ("window shown", "window_s", "s"),
            (
                "the team's first event (livekit-agents imported, knowledge read)",
                "team_loaded_s",
                "s",
            ),
            ("the team seated (session started)", "seated_s", "s"),
            ("typed line taken by the team", "taken_s", "s"),
            ("the line's first search done", "searched_s", "s"),
            ("**answered (usable)**", "answered_s", "s"),
            ("idle RSS 5 s after the answer", "idle_rss_mb", "MB"),
            ("idle RSS 30 s after the answer", "idle_late_rss_mb", "MB"),
        ):
            row: list[object] = [f"{which}: {label}"]
            for side in ("after", "before") if before else ("after",):
                row.append(median([getattr(r[index], key, None) for r in runs[side]], unit))
            rows.append(row)
    header = ["`simulator` launched as a user does (median)", "this tree"]
    if before:
        header.append(f"before ({before})")
    return table(header, rows)


async def run(
    data_dir: Path,
    work: Path,
    *,
    cold_runs: int = 3,
    before: tuple[str, Path] | None = None,
) -> Section:
    from bench.report import Section, ms, p50_p95, table

    events_file = work / "session.jsonl"
    recorded = await record_session(data_dir, events_file)
    cold = []
    for n in range(cold_runs):
        spawned = time.perf_counter()
        stamps = _child(
            "cold-start",
            "--data",
            str(data_dir),
            "--config",
            str(work / f"cold-{n}" / "settings.json"),
        )
        if stamps.get("failed"):
            raise RuntimeError("the app's team failed to start in the cold-start run")
        cold.append({k: (v - spawned) * 1000 for k, v in stamps.items() if k != "composer_enabled"})
    paint = _child(
        "events",
        "--events",
        str(events_file),
        "--config",
        str(work / "events" / "settings.json"),
        timeout=1500,
    )
    model = _child(
        "feed", "--events", str(events_file), "--config", str(work / "feed" / "settings.json")
    )
    earlier = None
    if before is not None:  # the same session through the earlier tree's window
        earlier = _child(
            "events",
            "--events",
            str(events_file),
            "--config",
            str(work / "events-before" / "settings.json"),
            timeout=1500,
            tree=before[1],
        )

    launched = await asyncio.to_thread(launches, work, max(1, cold_runs - 1), before)

    def cold_row(label: str, key: str) -> list[object]:
        values = [c[key] for c in cold]
        return [
            label,
            ms(sorted(values)[len(values) // 2], 0),
            ms(min(values), 0),
            ms(max(values), 0),
        ]

    latencies = paint["paint_latencies_ms"]
    p50, p95 = p50_p95(latencies)
    h50, h95 = p50_p95(paint["handling_ms"])
    growth = paint["rss_after_mb"] - paint["rss_before_mb"]
    marks = ", ".join(f"{t:,} turns: {mb:,.0f} MB" for t, mb in paint["checkpoints"])
    late = _late_growth_kb(paint["checkpoints"])
    memory_rows: list[list[object]] = [
        ["RSS before (window shown, nothing in it)", f"{paint['rss_before_mb']:,.0f} MB"],
        [
            f"**RSS after {paint['turns']:,} turns** "
            f"({paint['events_pushed']:,} events in the feed)",
            f"{paint['rss_after_mb']:,.0f} MB",
        ],
        [
            f"growth over {paint['turns']:,} turns",
            f"{growth:,.0f} MB ({growth * 1024 / paint['turns']:,.0f} KB per turn)",
        ],
        [
            "growth per turn in the second half (the transcript full, its earliest rows let go)",
            "–" if late is None else f"{late:,.0f} KB per turn",
        ],
        [
            "of which the event list and Conversation model "
            "alone (same events, a bare EventFeed, no widgets)",
            f"{model['rss_growth_mb']:,.0f} MB",
        ],
        ["time to push and paint them all", f"{paint['push_s']:,.1f} s"],
        ["RSS along the way", marks],
    ]
    if earlier is not None and before is not None:
        old_growth = earlier["rss_after_mb"] - earlier["rss_before_mb"]
        old_late = _late_growth_kb(earlier["checkpoints"])
        memory_rows.insert(
            4,
            [
                f"before ({before[0]}, same events, same run): growth over "
                f"{earlier['turns']:,} turns; in the second half",
                f"{old_growth:,.0f} MB ({old_growth * 1024 / earlier['turns']:,.0f} KB per turn); "
                + ("–" if old_late is None else f"{old_late:,.0f} KB per turn"),
            ],
        )
    body = "\n\n".join(
        [
            f"Offscreen Qt (`QT_QPA_PLATFORM=offscreen`), PySide6, "
            f"in child processes. Cold start: {cold_runs} runs "
            "(median, min, max), from spawning the process; the "
            "index already exists (a second launch), offline "
            f"responder. Events: a recorded offline session of "
            f"the sample company ({recorded} events, 8 turns), "
            "renumbered and repeated.",
            table(
                ["cold start", "median", "min", "max"],
                [
                    cold_row("window shown", "window_shown"),
                    cold_row("window painted", "window_painted"),
                    cold_row("**team ready: the customer can type (usable)**", "team_ready"),
                ],
            ),
            table(
                ["event-to-paint at 20 events/s", "p50", "p95", "max", "events"],
                [
                    [
                        "emit on the bridge → handled by every widget",
                        ms(h50),
                        ms(h95),
                        ms(max(paint["handling_ms"])),
                        len(paint["handling_ms"]),
                    ],
                    [
                        "**emit on the bridge → window repainted**",
                        ms(p50),
                        ms(p95),
                        ms(max(latencies)),
                        len(latencies),
                    ],
                ],
            ),
            table([f"memory, {paint['turns']:,}-turn session", "value"], memory_rows),
            *_launch_notes(launched, before[0] if before else None),
        ]
    )
    ready = sorted(c["team_ready"] for c in cold)[len(cold) // 2]
    painted = sorted(c["window_painted"] for c in cold)[len(cold) // 2]
    headlines = [
        f"The app: window painted {painted / 1000:.2f} s and "
        f"usable {ready / 1000:.1f} s after launch (median); "
        f"event-to-paint at 20 events/s p50 {p50:.1f} ms, p95 {p95:.1f} ms; memory grows "
        f"{growth * 1024 / paint['turns']:,.0f} KB per turn "
        f"({'met' if growth * 1024 / paint['turns'] < AIM_KB_PER_TURN else 'missed'} the "
        f"{AIM_KB_PER_TURN} KB aim; {paint['rss_after_mb']:,.0f} MB after "
        f"{paint['turns']:,} turns, {model['rss_growth_mb']:,.0f} "
        f"MB of it the event list and model).",
    ]
    launch_misses: list[str] = []
    if launched is not None:
        second = launched["after"]
        answered = sorted(r[1].answered_s for r in second if r[1].answered_s is not None)
        rss = sorted(r[1].idle_rss_mb for r in second if r[1].idle_rss_mb is not None)
        late_rss = sorted(
            r[1].idle_late_rss_mb for r in second if r[1].idle_late_rss_mb is not None
        )
        if answered and rss:
            mid_answer, mid_rss = answered[len(answered) // 2], rss[len(rss) // 2]
            late_note = (
                f" ({late_rss[len(late_rss) // 2]:,.0f} MB 30 s after it)" if late_rss else ""
            )
            headlines.append(
                f"Launched as a user does (`simulator` on an X display, second launch, median): "
                f"a line typed at once answered {mid_answer:.1f} s after launch "
                f"({'met' if mid_answer < AIM_USABLE_S else 'missed'} the "
                f"{AIM_USABLE_S:.0f} s aim), idle RSS 5 s after the answer {mid_rss:,.0f} MB "
                f"({'met' if mid_rss < AIM_RSS_MB else 'missed'} the {AIM_RSS_MB:.0f} MB aim)"
                f"{late_note}."
            )
            if mid_answer >= AIM_USABLE_S:
                launch_misses.append(
                    f"**Window usable (a typed line answered) < {AIM_USABLE_S:.0f} s after "
                    f"launch: missed** ({mid_answer:.1f} s, second launch, median)."
                )
            if mid_rss >= AIM_RSS_MB:
                launch_misses.append(
                    f"**Idle RSS < {AIM_RSS_MB:.0f} MB: missed** ({mid_rss:,.0f} MB 5 s after the "
                    f"answer{late_note}, second launch, median)."
                )
    per_turn = growth * 1024 / paint["turns"]
    misses = []
    if per_turn >= AIM_KB_PER_TURN:
        misses.append(
            f"**< {AIM_KB_PER_TURN} KB per turn: missed: app memory grows {per_turn:,.0f} KB per "
            f"turn** ({paint['rss_after_mb']:,.0f} MB after {paint['turns']:,} turns; the event "
            f"list and model are {model['rss_growth_mb']:,.0f} MB of it"
            + ("" if late is None else f"; {late:,.0f} KB per turn in the second half")
            + ")."
        )
    misses += launch_misses
    return Section(body, headlines, misses)


def _late_growth_kb(checkpoints: list[tuple[int, float]]) -> float | None:
    """KB per turn between the checkpoint nearest half the session and the last one: the slope
    once the transcript holds all the rows it keeps (``None`` with too few checkpoints)."""
    if len(checkpoints) < 2:
        return None
    last_turn, last_mb = checkpoints[-1]
    half_turn, half_mb = min(checkpoints[:-1], key=lambda c: abs(c[0] - last_turn / 2))
    return (last_mb - half_mb) * 1024 / (last_turn - half_turn)


def _launch_notes(
    launched: dict[str, list[tuple[Any, Any]]] | None, before: str | None
) -> list[str]:
    if launched is None:
        return ["(Xvfb or xdotool is not installed: the app was not launched as a user does.)"]
    rounds = len(launched["after"])
    return [
        f"Launched as a user launches it (`bench/launch.py`): the real `simulator` command, "
        f"{rounds} round(s) of a first launch (fresh home: it indexes the knowledge) and a second "
        "launch (same home), on a private Xvfb display; xdotool types a customer line with real "
        "key events as soon as the window shows and presses Enter until the app takes it. Times "
        "from spawning the process, read from the session log the app writes; idle RSS "
        f"{IDLE_NOTE}."
        + (f" Alternating with `{before}` (before), under the same load." if before else ""),
        _launch_table(launched, before),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="app benchmarks (child process)")
    parser.add_argument("what", choices=["cold-start", "events", "feed"])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--events", type=Path)
    args = parser.parse_args()
    args.config.parent.mkdir(parents=True, exist_ok=True)
    if args.what == "cold-start":
        result: dict[str, Any] = _cold_start(args.data, args.config)
    elif args.what == "feed":
        result = _feed_only(args.events)
    else:
        result = _events_through_window(args.events, args.config)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
