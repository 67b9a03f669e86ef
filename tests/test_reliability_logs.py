"""Reliability: session logs and reports, whatever is in the file and however big it is.

A session log is a file: it may be hand-edited, written by another version, damaged, or huge (a
booth left logging for a week). Loading it must never crash and never lose a good event: every
line that is not a usable event (not JSON, not an event, or with a value no session produces,
such as a NaN or 1e15 timestamp) is skipped and reported by its number; a big file is read in
bounded memory, with progress, and a file over the cap is refused with a message saying so; the
report renders from whatever loaded. The logs and reports the app writes are owner-only.

The events come from a real ``simulator rehearse`` run; the hostile logs from a seeded generator.
"""

from __future__ import annotations

import json
import math
import os
import random
import stat
import subprocess
import sys
import tracemalloc
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from simulator.events import Event, SessionStartedEvent, StatusEvent, from_json, to_json
from simulator.report import render_report, write_report
from simulator.session_log import (
    LogProgress,
    SessionLog,
    SessionLogError,
    load_log,
    new_log_path,
    open_log,
    write_log,
)
from simulator.settings import Settings

REPO = Path(__file__).resolve().parent.parent
BAD_NUMBERS: list[Any] = [math.nan, math.inf, -math.inf, 1e15, -1e15, 1e308, 10**15, -(2**70)]


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The JSONL lines of a real offline rehearsal: every kind of event a session writes."""
    data = tmp_path_factory.mktemp("logs-data")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "rehearse",
            "--offline",
            "--jsonl",
            "--turns",
            "3",
            "--persona",
            "price-conscious-restaurants",
        ],
        cwd=REPO,
        env={**os.environ, "SIMULATOR_DATA_DIR": str(data), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert {"scorecard", "latency", "claim_check", "persona"} <= {
        json.loads(line)["type"] for line in lines
    }
    return lines


def _with_number(line: str, rng: random.Random) -> tuple[str, str]:
    """``line`` with one of its numbers (a timestamp, a latency, a score...) made hostile."""
    data = json.loads(line)
    spots: list[tuple[Any, Any]] = []

    def walk(value: Any) -> None:
        items = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value)
            if isinstance(value, list)
            else ()
        )
        for key, item in items:
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                spots.append((value, key))
            walk(item)

    walk(data)
    container, key = rng.choice(spots)
    container[key] = rng.choice(BAD_NUMBERS)
    return json.dumps(data, allow_nan=True), str(key)


# -- NaN and 1e15 timestamps, and every other number out of range ---------------------------------


@pytest.mark.parametrize("value", ["NaN", "1e15", "-1e15", "Infinity", "-Infinity"])
def test_a_log_with_a_bad_timestamp_loads_without_that_line_and_exports(
    value: str, rehearsal: list[str], tmp_path: Path
) -> None:
    lines = list(rehearsal)
    first = json.loads(lines[0])
    lines[0] = json.dumps({**first, "created_at": "PLACEHOLDER"}).replace('"PLACEHOLDER"', value)
    path = tmp_path / "session.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    loaded = load_log(path)

    assert loaded.bad_lines == (1,)
    assert loaded.events == tuple(from_json(line) for line in rehearsal[1:])
    assert loaded.warning is not None and "line 1 could not be read" in loaded.warning
    assert "created_at" in loaded.warning and "is not a time" in loaded.warning
    report = write_report(tmp_path / "report.html", loaded.events)
    assert "<h2>Conversation</h2>" in report.read_text(encoding="utf-8")


def test_the_report_renders_from_events_holding_any_number(rehearsal: list[str]) -> None:
    """A report can also be made from live events (``rehearse --report``): whatever number an
    event carries (NaN, infinite, 1e15, a huge int), rendering never fails."""
    events = [from_json(line) for line in rehearsal]
    started = next(e for e in events if isinstance(e, SessionStartedEvent))
    shown = datetime.fromtimestamp(started.created_at).strftime("%Y-%m-%d %H:%M")
    assert f'<p class="meta">{shown} · session {started.session_id}' in render_report(events)
    rng = random.Random(11)
    for _ in range(150):
        hostile = [_mutated(e, rng) if rng.random() < 0.4 else e for e in events]
        html = render_report(hostile)
        assert html.startswith("<!DOCTYPE html>") and html.endswith("</body></html>")


def _mutated(value: Any, rng: random.Random) -> Any:
    if isinstance(value, BaseModel):
        update = {}
        for name in type(value).model_fields:
            item = getattr(value, name)
            if isinstance(item, bool):
                continue
            if isinstance(item, (int, float)) and rng.random() < 0.5:
                update[name] = rng.choice(BAD_NUMBERS)
            elif isinstance(item, (BaseModel, tuple)):
                update[name] = _mutated(item, rng)
        return value.model_copy(update=update)
    if isinstance(value, tuple):
        return tuple(_mutated(item, rng) for item in value)
    return value


def test_a_generated_hostile_log_loses_only_its_bad_lines_each_reported(
    rehearsal: list[str], tmp_path: Path
) -> None:
    """A seeded generator mixes the rehearsal's lines with every kind of damage; the loader keeps
    exactly the good events, in order, reports exactly the bad lines, and the report renders."""
    rng = random.Random(11)
    damage = {
        "number": lambda line: _with_number(line, rng)[0],
        "cut": lambda line: line[: rng.randint(1, len(line) - 1)],
        "not json": lambda line: "this is not json " * rng.randint(1, 50),
        "unknown type": lambda line: line.replace('"type":"', '"type":"x_', 1),
        "binary": lambda line: bytes(rng.choice(range(14, 256)) for _ in range(200)).decode(
            "latin-1"
        ),
        "deep": lambda line: "[" * 100_000 + "]" * 100_000,
        "nul": lambda line: "\x00" * 64,
        "array": lambda line: json.dumps([json.loads(line)]),
        "huge text": lambda line: json.dumps(
            {
                "created_at": json.loads(line)["created_at"],
                "type": "status",
                "level": "info",
                "source": "x",
                "message": "é" * 200_000,
            }
        ),
    }
    written: list[str] = []
    good: list[Event] = []
    bad: list[int] = []
    for line in rehearsal * 3:
        if rng.random() < 0.3:
            kind = rng.choice(sorted(damage))
            broken = damage[kind](line)
            written.append(broken)
            if kind == "huge text":  # a long message is still an event (shortened on load)
                good.append(from_json(broken))
            else:
                bad.append(len(written))
        else:
            written.append(line)
            good.append(from_json(line))
        if rng.random() < 0.05:
            written.append("")  # blank lines are neither events nor damage
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(written) + "\n", encoding="utf-8", errors="surrogateescape")

    loaded = load_log(path)

    assert loaded.events == tuple(good)
    assert loaded.bad_lines == tuple(bad)
    assert not loaded.truncated
    assert (
        loaded.warning is not None
        and f"line{'s' if len(bad) > 1 else ''} {bad[0]}" in loaded.warning
    )
    render_report(loaded.events)


def test_a_line_cut_by_a_crash_at_the_end_is_noted_not_counted(
    rehearsal: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "crashed.jsonl"
    path.write_text("\n".join(rehearsal) + "\n" + rehearsal[0][:40], encoding="utf-8")

    loaded = load_log(path)

    assert loaded.truncated and not loaded.bad_lines and len(loaded.events) == len(rehearsal)


# -- big logs -------------------------------------------------------------------------------------


def test_a_big_log_is_scanned_in_bounded_memory_with_progress_and_read_in_windows(
    rehearsal: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "big.jsonl"
    block = "\n".join(rehearsal) + "\n"
    with path.open("w", encoding="utf-8") as out:
        while out.tell() < 24 * 2**20:
            out.write(block)
    size = path.stat().st_size
    seen: list[LogProgress] = []

    tracemalloc.start()
    try:
        log = open_log(path, progress=seen.append)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    copies = len(log) // len(rehearsal)
    assert len(log) == copies * len(rehearsal) and not log.bad_lines
    assert peak < 12 * 2**20, f"scanning {size / 2**20:.0f} MB held {peak / 2**20:.1f} MB at once"
    assert len(seen) >= 20 and seen[-1].bytes_read == size and seen[-1].fraction == 1.0
    assert [p.bytes_read for p in seen] == sorted(p.bytes_read for p in seen)
    middle = len(log) // 2
    window = list(log.events(middle, middle + len(rehearsal)))
    start = middle % len(rehearsal)
    assert window == [from_json(line) for line in (rehearsal * 2)[start : start + len(rehearsal)]]


def test_progress_can_cancel_a_scan(rehearsal: list[str], tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text(("\n".join(rehearsal) + "\n") * 200, encoding="utf-8")

    class Cancelled(Exception):
        pass

    def cancel(progress: LogProgress) -> None:
        if progress.bytes_read > 2**20:
            raise Cancelled

    with pytest.raises(Cancelled):
        open_log(path, progress=cancel)


def test_a_log_over_the_cap_is_refused_with_a_message_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.truncate(3 * 2**20)  # sparse: 3 MB that cost nothing to make

    with pytest.raises(SessionLogError) as caught:
        load_log(path, max_bytes=2 * 2**20)

    assert str(caught.value) == (
        f"the session log {path} is 3 MB; logs over 2 MB are not opened "
        "(SIMULATOR_SESSION_LOG_MAX_MB raises the limit)"
    )
    assert Settings().session_log_max_bytes == 512 * 2**20
    assert (
        Settings.load(env={"SIMULATOR_SESSION_LOG_MAX_MB": "2"}).session_log_max_bytes == 2 * 2**20
    )


def test_a_line_longer_than_the_line_cap_is_skipped_without_being_held(
    rehearsal: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "long-line.jsonl"
    with path.open("w", encoding="utf-8") as out:
        out.write(rehearsal[0] + "\n")
        for _ in range(30):  # a 30 MB line, written a megabyte at a time
            out.write("x" * 2**20)
        out.write("\n")
        out.write(rehearsal[1] + "\n")

    tracemalloc.start()
    try:
        loaded = load_log(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert loaded.bad_lines == (2,) and len(loaded.events) == 2
    assert "line 2: longer than 4 MB" in loaded.problems
    assert peak < 10 * 2**20, f"a 30 MB line held {peak / 2**20:.1f} MB"


# -- what the app writes is the owner's only -------------------------------------------------------


def test_session_logs_reports_and_their_folder_are_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "sessions").mkdir(parents=True)
    os.chmod(data / "sessions", 0o755)  # a folder left by an older version
    event = StatusEvent(level="info", source="test", message="hello")

    path = new_log_path(data, "abc")
    with SessionLog(path) as log:
        log.write(event)
    saved = tmp_path / "saved" / "copy.jsonl"
    write_log(saved, [event])
    report = tmp_path / "report.html"
    report.write_text("an older, world-readable report", encoding="utf-8")
    os.chmod(report, 0o644)
    write_report(report, [event])

    def mode(p: Path) -> int:
        return stat.S_IMODE(p.stat().st_mode)

    assert (mode(path), mode(path.parent)) == (0o600, 0o700)
    assert (mode(saved), mode(saved.parent)) == (0o600, 0o700)
    assert mode(report) == 0o600


def test_a_status_message_is_cut_to_a_readable_length() -> None:
    event = StatusEvent(level="error", source="session", message="The turn failed: " + "x" * 10**6)

    assert len(event.message) < 1100 and event.message.endswith("more characters)")
    assert from_json(to_json(event)) == event
