"""Session logs: every event of a session, one JSON line each, written as it happens.

A rehearsal is worth keeping (to replay it, score it, show a manager), and a booth machine may be
switched off mid-sentence, so the log is appended and flushed line by line: a crash loses at most
the line being written. The lines are gzip-compressed as one stream flushed after every line
(:mod:`simulator.log_stream`): a quarter of their size, and just as crash-safe. Loading
tolerates exactly that (a truncated last line) and reports any other damage by line number
instead of refusing the whole file: a line that is not an event, or an event with a value no
session produces (a NaN or 1e15 timestamp, an infinite latency) that would break a report or a
chart. Secrets never reach the file; the files and their folder are the owner's only (0600,
0700).

Retrieved passages are most of what a session says (the same chunks, retrieved again turn after
turn and agent after agent), so each passage is written once per file: the first time, in a
``{"type": "passages", "passages": {"3": {source, section, text, scope}}}`` line before the
event that retrieves it; afterwards the event names it with its score (``{"ref": 3, "score":
0.61, "scorer": "minilm"}``). A passage's best-matching units (the ranker's sentences, which the
offline responder reads live and nothing that shows a session uses) are not kept. Loading puts
the passages back, so a replay shows exactly the context the session showed. Logs written before
this (plain JSONL, passages inline) keep loading.

A log can be big (a booth left running for a week, or a hostile file): :func:`open_log` reads it
in bounded memory, once, with progress, and keeps only where each event starts, so a view can
read any window of it later (:meth:`SessionLogFile.events`); a compressed log is first unpacked
into an anonymous temporary file for that. A file over the size cap (on disk, or once
uncompressed) is refused with a message saying so. :func:`load_log` is the same, with every
event in memory, for the ordinary session of a few hundred events.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import os
import re
import tempfile
import time
from array import array
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from pydantic import BaseModel, ValidationError

from simulator.errors import SimulatorError
from simulator.events import Event, RetrievalEvent, from_json, to_json
from simulator.log_stream import (
    CompressedLines,
    TooBig,
    decompress_into,
    is_compressed,
    owner_only_fd,
)
from simulator.redaction import Redactor

SUFFIX = ".jsonl.gz"
PLAIN_SUFFIX = ".jsonl"
"""Logs written before compression (still opened)."""
MAX_LOG_BYTES = 512 * 2**20
"""Largest session log opened (``SIMULATOR_SESSION_LOG_MAX_MB``); a week at a booth is ~50 MB."""
MAX_LINE_BYTES = 4 * 2**20
"""Longest line read as an event; a longer one is skipped (and reported) without being held."""
LATEST_TIME = 253402300799.0
"""The last second ``datetime`` can show (9999-12-31); a timestamp past it is damage."""
LARGEST_NUMBER = 1e12
"""Past this a count, a latency or an id is damage, not a measurement."""
_SUSPECT = re.compile(rb"NaN|Infinity|\d{13}|\d[eE][+-]?\d")
"""Numbers worth a closer look (a fast pre-check; a match may still be fine, e.g. in a text)."""
_COMPACT: dict[str, Any] = {"ensure_ascii": False, "separators": (",", ":")}
"""JSON as pydantic writes it: no spaces, UTF-8 as it is."""
PASSAGES = "passages"
"""The type of a line that defines passages named by later events (not an event itself)."""
MAX_DEFINED_BYTES = 64 * 2**20
"""Most a log's ``passages`` lines may define (the passages of a whole knowledge folder are a
few hundred KB)."""


class SessionLogError(SimulatorError):
    """A file that cannot be read as a session log at all (missing, unreadable, not JSONL
    events)."""


def sessions_dir(data_dir: Path) -> Path:
    """Where sessions are logged automatically."""
    return data_dir / "sessions"


def new_log_path(data_dir: Path, session_id: str, *, now: datetime | None = None) -> Path:
    """A fresh, sortable file name for a session: ``sessions/20261122-101500-<id>.jsonl.gz``.

    The sessions folder is made (or tightened to) owner-only on the way."""
    folder = sessions_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.stat().st_mode & 0o077:
        os.chmod(folder, 0o700)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return folder / f"{stamp}-{session_id}{SUFFIX}"


class SessionLog:
    """Appends events to a compressed JSONL file, one flushed line per event.

    Use as a context manager, or call :meth:`close`. Writing after close raises ``ValueError``.
    """

    def __init__(self, path: Path, *, redactor: Redactor | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._redact = redactor or Redactor()
        self._file: CompressedLines | None = CompressedLines(owner_only_fd(self.path))
        self.lines = 0
        self._passages = _PassageTable()

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
        line = to_json(event)
        text = ""
        if isinstance(event, RetrievalEvent):
            data, new = self._passages.compact(json.loads(line))
            if new:
                defined = json.dumps({"type": PASSAGES, "passages": new}, **_COMPACT)
                text = self._redact(defined) + "\n"
            line = json.dumps(data, **_COMPACT)
        self._file.write(text + self._redact(line) + "\n")
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
    problems: tuple[str, ...] = ()
    """What was wrong with the first few bad lines, e.g. ``line 3: created_at is not a time``."""

    @property
    def warning(self) -> str | None:
        """A readable note on what could not be loaded, or ``None`` if everything was."""
        return _warning(self.path, self.bad_lines, self.truncated, self.problems)


@dataclass(frozen=True)
class LogProgress:
    """How far :func:`open_log` has read."""

    bytes_read: int
    total_bytes: int
    events: int

    @property
    def fraction(self) -> float:
        return self.bytes_read / self.total_bytes if self.total_bytes else 1.0


class SessionLogFile:
    """A session log scanned once: how many events, which lines are bad, where each event starts.

    Holds no events: :meth:`events` reads any window of them again from the file, so a view can
    show a long session a page at a time. Build one with :func:`open_log`.
    """

    def __init__(
        self,
        path: Path,
        *,
        size: int,
        offsets: array[int],
        bad_lines: tuple[int, ...],
        truncated: bool,
        problems: tuple[str, ...],
        passages: dict[int, dict[str, Any]] | None = None,
        unpacked: BinaryIO | None = None,
    ) -> None:
        """``unpacked``: a compressed log's lines (a temporary file the offsets point into)."""
        self.path = path
        self._unpacked = unpacked
        self.size = size
        self._offsets = offsets
        self._passages = passages or {}
        self.bad_lines = bad_lines
        self.truncated = truncated
        self.problems = problems

    def __len__(self) -> int:
        return len(self._offsets)

    @property
    def warning(self) -> str | None:
        return _warning(self.path, self.bad_lines, self.truncated, self.problems)

    def events(self, start: int = 0, stop: int | None = None) -> Iterator[Event]:
        """The events ``start`` to ``stop`` (indexes among the good events), read from the file."""
        stop = len(self) if stop is None else min(stop, len(self))
        if self._unpacked is not None:
            yield from self._read(self._unpacked, start, stop)
        else:
            with self.path.open("rb") as file:
                yield from self._read(file, start, stop)

    def _read(self, file: BinaryIO, start: int, stop: int) -> Iterator[Event]:
        for number in range(max(0, start), stop):
            file.seek(self._offsets[number])
            yield from_json(_expanded(file.readline(MAX_LINE_BYTES + 1), self._passages))

    def load(self) -> LoadedLog:
        """Every event in memory (for a log of ordinary size)."""
        return LoadedLog(
            path=self.path,
            events=tuple(self.events()),
            bad_lines=self.bad_lines,
            truncated=self.truncated,
            problems=self.problems,
        )


def open_log(
    path: Path,
    *,
    max_bytes: int = MAX_LOG_BYTES,
    progress: Callable[[LogProgress], None] | None = None,
) -> SessionLogFile:
    """Scan a session log in bounded memory, checking every line; see :class:`SessionLogFile`.

    ``progress`` is called about every megabyte (from the calling thread; run this off a GUI
    thread); an exception it raises stops the scan and propagates (that is how to cancel).
    Raises :class:`SessionLogError` if the file cannot be read, is over ``max_bytes`` (on disk
    or uncompressed), or holds no event at all.
    """
    path = Path(path)
    try:
        file = path.open("rb")
    except OSError as e:
        raise SessionLogError(f"cannot open the session log {path}: {e.strerror or e}") from e
    with file:
        size = os.fstat(file.fileno()).st_size
        if size > max_bytes:
            raise SessionLogError(
                f"the session log {path} is {_megabytes(size)}; logs over {_megabytes(max_bytes)} "
                "are not opened (SIMULATOR_SESSION_LOG_MAX_MB raises the limit)"
            )
        if not is_compressed(file):
            return _scan(path, file, size, progress)
        unpacked = tempfile.TemporaryFile(prefix="simulator-log-")  # noqa: SIM115 (the log's)

        def unpacking(read: int) -> None:
            if progress is not None:  # nothing scanned yet; called so a cancel is heard
                progress(LogProgress(0, size, 0))

        try:
            outcome = decompress_into(file, unpacked, max_bytes=max_bytes, progress=unpacking)
        except TooBig:
            unpacked.close()
            raise SessionLogError(
                f"the session log {path} holds over {_megabytes(max_bytes)} once uncompressed; "
                "larger logs are not opened (SIMULATOR_SESSION_LOG_MAX_MB raises the limit)"
            ) from None
        except BaseException:
            unpacked.close()
            raise
    unpacked.seek(0)
    try:
        return _scan(path, unpacked, outcome.size, progress, damage=outcome.damage, unpacked=True)
    except BaseException:
        unpacked.close()
        raise


def _scan(
    path: Path,
    file: BinaryIO,
    size: int,
    progress: Callable[[LogProgress], None] | None,
    *,
    damage: str | None = None,
    unpacked: bool = False,
) -> SessionLogFile:
    """Check every line of ``file`` (``size`` bytes of JSON lines). For a compressed log
    (``unpacked``), ``file`` is the temporary file of its lines, kept open for reading later,
    and ``damage`` says why they stop early."""
    offsets: array[int] = array("q")
    passages: dict[int, dict[str, Any]] = {}
    defined_bytes = 0
    bad: list[int] = []
    problems: list[str] = []
    truncated = False
    position = number = 0
    reported = 0
    while True:
        line = file.readline(MAX_LINE_BYTES + 1)
        if not line:
            break
        number += 1
        start, position = position, position + len(line)
        complete = line.endswith(b"\n")
        if not complete and len(line) > MAX_LINE_BYTES:
            position += _skip_rest_of_line(file)
            bad.append(number)
            _note(problems, number, f"longer than {_megabytes(MAX_LINE_BYTES)}")
            continue
        if line.strip():
            defined = _passages_of(line)
            if defined is not None:
                defined_bytes += len(line)
                reason = "too many passages" if defined_bytes > MAX_DEFINED_BYTES else None
                if reason is None:
                    passages.update(defined)
            else:
                reason = _check_line(line, passages)
                if reason is None:
                    offsets.append(start)
            if reason is not None and not complete and position >= size:
                truncated = True
            elif reason is not None:
                bad.append(number)
                _note(problems, number, reason)
        if progress is not None and position - reported >= 2**20:
            reported = position
            progress(LogProgress(position, size, len(offsets)))
    if progress is not None:
        progress(LogProgress(position, size, len(offsets)))
    if damage is not None:
        bad.append(number + 1)
        # first, so the warning names it: bytes flipped inside a block may still inflate into a
        # few garbled lines before zlib notices, and those lines would otherwise be all it says
        problems.insert(0, f"line {number + 1}: {damage}; nothing from here on could be read")
    if not offsets:
        if damage is not None:
            raise SessionLogError(f"the session log {path} cannot be read: {damage}")
        what = (
            "is empty"
            if size == 0 or not (bad or truncated)
            else ("holds no simulator events (is it a session log?)")
        )
        raise SessionLogError(f"the session log {path} {what}")
    return SessionLogFile(
        path,
        size=size,
        offsets=offsets,
        bad_lines=tuple(bad),
        truncated=truncated,
        problems=tuple(problems),
        passages=passages,
        unpacked=file if unpacked else None,
    )


def log_text(path: Path, *, max_bytes: int = MAX_LOG_BYTES) -> str:
    """A log's JSON lines as text, uncompressed if need be (to look inside one, e.g. in a test
    that no secret reached it). Raises :class:`SessionLogError` like :func:`open_log`."""
    with Path(path).open("rb") as file:
        if not is_compressed(file):
            return file.read(max_bytes + 1).decode("utf-8", errors="replace")
        unpacked = io.BytesIO()
        try:
            decompress_into(file, unpacked, max_bytes=max_bytes)
        except TooBig:
            raise SessionLogError(f"the session log {path} is too big to show") from None
        return unpacked.getvalue().decode("utf-8", errors="replace")


def load_log(
    path: Path,
    *,
    max_bytes: int = MAX_LOG_BYTES,
    progress: Callable[[LogProgress], None] | None = None,
) -> LoadedLog:
    """Read a session log, keeping every event that parses and makes sense.

    Raises :class:`SessionLogError` if the file cannot be read, is too big or holds no event.
    """
    return open_log(path, max_bytes=max_bytes, progress=progress).load()


def as_logged(event: Event) -> Event:
    """``event`` as a log gives it back: the same, without its passages' units."""
    if not isinstance(event, RetrievalEvent) or not any(p.units for p in event.passages):
        return event
    passages = tuple(p.model_copy(update={"units": ()}) for p in event.passages)
    return event.model_copy(update={"passages": passages})


class _PassageTable:
    """The writer's side of "each passage once": ids for the passages written so far."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def compact(self, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """``data`` (a retrieval event) with its passages named by id, and the passages new to
        this file (to be written first, keyed by id)."""
        new: dict[str, dict[str, Any]] = {}
        named = []
        for passage in data.get("passages", ()):
            defined = {k: passage[k] for k in _DEFINED if k in passage}
            key = json.dumps(defined, sort_keys=True)
            number = self._ids.get(key)
            if number is None:
                number = self._ids[key] = len(self._ids) + 1
                new[str(number)] = defined
            named.append(
                {"ref": number, "score": passage["score"], "scorer": passage.get("scorer")}
            )
        data["passages"] = named
        return data, new


_DEFINED = ("source", "section", "text", "scope")
"""What a passage is, as opposed to how it scored for one query."""


def _passages_of(line: bytes) -> dict[int, dict[str, Any]] | None:
    """The passages a ``passages`` line defines, or ``None`` if ``line`` is something else."""
    if b'"type":"passages"' not in line[:40]:
        return None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("type") != PASSAGES:
        return None
    defined = data.get("passages")
    if not isinstance(defined, dict) or not all(isinstance(p, dict) for p in defined.values()):
        return None
    try:
        return {int(k): v for k, v in defined.items()}
    except ValueError:
        return None


def _expanded(line: bytes, passages: dict[int, dict[str, Any]]) -> bytes:
    """``line`` with every passage named by ``"ref"`` written out again (``KeyError`` if one
    is not defined, ``ValueError`` if the line is not JSON)."""
    if b'"ref"' not in line:
        return line
    data = json.loads(line)
    if isinstance(data, dict) and isinstance(data.get("passages"), list):
        data["passages"] = [
            {**passages[p.pop("ref")], **p} if isinstance(p, dict) and "ref" in p else p
            for p in data["passages"]
        ]
    return json.dumps(data, **_COMPACT).encode()


def _check_line(line: bytes, passages: dict[int, dict[str, Any]] | None = None) -> str | None:
    """Why ``line`` is not a usable event, or ``None`` if it is one."""
    try:
        line = _expanded(line, passages or {})
    except (KeyError, TypeError):
        return "names a passage that no earlier line defines"
    except (ValueError, RecursionError):
        return "not a simulator event"
    try:
        event = from_json(line)
    except (ValidationError, ValueError, RecursionError):
        return "not a simulator event"
    if not 0 <= event.created_at <= LATEST_TIME:  # NaN fails this too
        return f"created_at {event.created_at!r} is not a time"
    if _SUSPECT.search(line):
        bad = _bad_number(event)
        if bad is not None:
            return f"{bad} is out of range"
    return None


def _bad_number(value: Any, where: str = "") -> str | None:
    """The first number in ``value`` that no session produces (NaN, infinite, or huge)."""
    if isinstance(value, BaseModel):
        value = {name: getattr(value, name) for name in type(value).model_fields}
    if isinstance(value, dict):
        items: Iterable[tuple[str, Any]] = (
            (f"{where}.{k}" if where else k, v) for k, v in value.items()
        )
    elif isinstance(value, (list, tuple)):
        items = ((f"{where}[{i}]", v) for i, v in enumerate(value))
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    elif (isinstance(value, float) and not math.isfinite(value)) or abs(value) > LARGEST_NUMBER:
        return f"{where} ({value!r})"
    else:
        return None
    for name, item in items:
        found = _bad_number(item, name)
        if found is not None:
            return found
    return None


def _skip_rest_of_line(file: Any) -> int:
    skipped = 0
    while chunk := file.readline(2**16):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


def _note(problems: list[str], number: int, reason: str) -> None:
    if len(problems) < 5:
        problems.append(f"line {number}: {reason}")


def _warning(
    path: Path, bad_lines: Sequence[int], truncated: bool, problems: Sequence[str]
) -> str | None:
    notes = []
    if truncated:
        notes.append("the last line was cut off (the session did not end cleanly)")
    if bad_lines:
        shown = ", ".join(str(n) for n in bad_lines[:5])
        more = f" and {len(bad_lines) - 5} more" if len(bad_lines) > 5 else ""
        why = f" ({problems[0]})" if problems else ""
        notes.append(
            f"line{'s' if len(bad_lines) > 1 else ''} {shown}{more} "
            f"could not be read and {'were' if len(bad_lines) > 1 else 'was'} skipped{why}"
        )
    if not notes:
        return None
    return f"{path.name}: " + "; ".join(notes) + "."


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 1024:,.0f} KB"


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
