"""Session logs: every event of a session, one JSON line each, written as it happens.

A rehearsal is worth keeping (to replay it, score it, show a manager), and a booth machine may be
switched off mid-sentence, so the log is appended and flushed line by line: a crash loses at most
the line being written. Loading tolerates exactly that (a truncated last line) and reports any
other damage by line number instead of refusing the whole file. Secrets never reach the file.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from pydantic import ValidationError

from simulator.errors import SimulatorError
from simulator.events import Event, from_json, to_json
from simulator.redaction import Redactor

SUFFIX = ".jsonl"


class SessionLogError(SimulatorError):
    """A file that cannot be read as a session log at all (missing, unreadable, not JSONL
    events)."""


def sessions_dir(data_dir: Path) -> Path:
    """Where sessions are logged automatically."""
    return data_dir / "sessions"


def new_log_path(data_dir: Path, session_id: str, *, now: datetime | None = None) -> Path:
    """A fresh, sortable file name for a session: ``sessions/20261122-101500-<id>.jsonl``."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return sessions_dir(data_dir) / f"{stamp}-{session_id}{SUFFIX}"


class SessionLog:
    """Appends events to a JSONL file, one flushed line per event.

    Use as a context manager, or call :meth:`close`. Writing after close raises ``ValueError``.
    """

    def __init__(self, path: Path, *, redactor: Redactor | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._redact = redactor or Redactor()
        handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (close() closes it)
        self._file: io.TextIOWrapper | None = handle
        self.lines = 0

    def __enter__(self) -> SessionLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._file is None

    def write(self, event: Event) -> None:
        if self._file is None:
            raise ValueError(f"the session log {self.path} is closed")
        self._file.write(self._redact(to_json(event)) + "\n")
        self._file.flush()
        self.lines += 1

    def close(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()


def write_log(path: Path, events: Iterable[Event], *, redactor: Redactor | None = None) -> int:
    """Write a whole session to ``path`` (replacing it); returns the number of events written."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    count = 0
    with SessionLog(tmp, redactor=redactor) as log:
        for event in events:
            log.write(event)
            count += 1
    tmp.replace(path)
    return count


@dataclass(frozen=True)
class LoadedLog:
    path: Path
    events: tuple[Event, ...]
    bad_lines: tuple[int, ...] = ()
    """1-based numbers of lines that were not events (a truncated last line is not counted)."""
    truncated: bool = False
    """The last line was cut off mid-write (the session did not end cleanly)."""

    @property
    def warning(self) -> str | None:
        """A readable note on what could not be loaded, or ``None`` if everything was."""
        notes = []
        if self.truncated:
            notes.append("the last line was cut off (the session did not end cleanly)")
        if self.bad_lines:
            shown = ", ".join(str(n) for n in self.bad_lines[:5])
            more = f" and {len(self.bad_lines) - 5} more" if len(self.bad_lines) > 5 else ""
            notes.append(
                f"line{'s' if len(self.bad_lines) > 1 else ''} {shown}{more} "
                "could not be read and were skipped"
            )
        if not notes:
            return None
        return f"{self.path.name}: " + "; ".join(notes) + "."


def load_log(path: Path) -> LoadedLog:
    """Read a session log, keeping every event that parses.

    Raises :class:`SessionLogError` if the file cannot be read or holds no event at all.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SessionLogError(f"cannot open the session log {path}: {e.strerror or e}") from e
    lines = raw.split(b"\n")
    complete_last = raw.endswith(b"\n")
    if complete_last:
        lines.pop()  # the empty string after the final newline
    events: list[Event] = []
    bad: list[int] = []
    truncated = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            events.append(from_json(line))
        except (ValidationError, ValueError):
            if number == len(lines) and not complete_last:
                truncated = True
            else:
                bad.append(number)
    if not events:
        what = "is empty" if not raw.strip() else "holds no simulator events (is it a session log?)"
        raise SessionLogError(f"the session log {path} {what}")
    return LoadedLog(path=path, events=tuple(events), bad_lines=tuple(bad), truncated=truncated)


def replay_delays(
    events: Sequence[Event], *, speed: float = 1.0, max_gap_s: float = 1.5
) -> list[float]:
    """Seconds to wait before each event so a replay keeps the session's rhythm.

    Gaps are divided by ``speed`` and capped at ``max_gap_s`` (nobody wants to watch a customer
    think for a minute); the first event comes at once.
    """
    if speed <= 0:
        raise ValueError(f"replay speed must be positive, got {speed}")
    delays: list[float] = []
    previous: float | None = None
    for event in events:
        gap = 0.0 if previous is None else max(0.0, event.created_at - previous) / speed
        delays.append(min(gap, max_gap_s))
        previous = event.created_at
    return delays


async def replay(
    events: Sequence[Event], *, speed: float = 1.0, max_gap_s: float = 1.5
) -> AsyncIterator[Event]:
    """Yield the events again with their original pacing (see :func:`replay_delays`)."""
    started = time.monotonic()
    due = 0.0
    for delay, event in zip(
        replay_delays(events, speed=speed, max_gap_s=max_gap_s), events, strict=False
    ):
        due += delay
        wait = due - (time.monotonic() - started)
        if wait > 0:
            await asyncio.sleep(wait)
        yield event
