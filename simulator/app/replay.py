"""Replays a saved session into a feed with its original rhythm: play, pause, speed, seek.

Driven by one single-shot QTimer on the GUI thread (no thread, no sleep): each tick pushes the
next event and arms the timer for the gap before the one after (the gap in the recording divided
by the speed, capped so nobody watches a customer think for a minute). Events are read from an
:class:`EventSource` a few hundred at a time, and a seek renders only the last page before the
new position (from the start of a turn), so a long session never freezes the window.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from simulator.app.feed import EventFeed
from simulator.events import Event, TranscriptEvent

PAGE = 600
"""Events rendered at most when jumping to a position (the turns just before it)."""
CHUNK = 256
"""Events read from the source at a time while playing."""
DUE_TOGETHER_S = 0.004
"""Events closer than this are shown in one tick, so streamed text keeps up."""


class EventSource(Protocol):
    """A session's events, any window of them on demand (a log file, or events in memory)."""

    def __len__(self) -> int: ...

    def events(self, start: int = 0, stop: int | None = None) -> Iterator[Event]: ...


class EventList:
    """Events already in memory, as an :class:`EventSource`."""

    def __init__(self, events: Sequence[Event]) -> None:
        self._events = tuple(events)

    def __len__(self) -> int:
        return len(self._events)

    def events(self, start: int = 0, stop: int | None = None) -> Iterator[Event]:
        return iter(self._events[start:stop])


class ReplayPlayer(QObject):
    started = Signal()
    finished = Signal()
    paused = Signal()
    progressed = Signal(int, int)
    """(events shown, events in all), after every tick and every seek."""

    def __init__(self, feed: EventFeed, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._feed = feed
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._source: EventSource = EventList(())
        self._buffer: list[Event] = []
        self._buffer_start = 0
        self._position = 0
        self._previous_at: float | None = None
        self.speed = 2.0
        self.max_gap_s = 1.0

    # -- state ---------------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def position(self) -> int:
        """How many events are shown (the next one to play is at this index)."""
        return self._position

    @property
    def total(self) -> int:
        return len(self._source)

    def time_at(self, position: int) -> float | None:
        """When the ``position``-th event happened (``None`` before the first)."""
        if position <= 0 or position > self.total:
            return None
        return self._event_at(position - 1).created_at

    # -- commands ------------------------------------------------------------------------------

    def load(self, source: EventSource) -> None:
        """A session to play; nothing is shown until :meth:`seek` or :meth:`play`."""
        self.stop()
        self._source = source
        self._position = 0
        self._buffer, self._buffer_start = [], 0

    def play(
        self,
        events: Sequence[Event] | None = None,
        *,
        speed: float | None = None,
        max_gap_s: float | None = None,
    ) -> None:
        """Play on from the current position (from the start when at the end). With ``events``,
        play those from an empty screen instead."""
        if speed is not None:
            self.set_speed(speed)
        if max_gap_s is not None:
            self.max_gap_s = max_gap_s
        if events is not None:
            self.load(EventList(events))
        if self._position >= self.total or events is not None:
            self.seek(0)
        self._previous_at = None
        self.started.emit()
        self._arm()

    def pause(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.paused.emit()

    def stop(self) -> None:
        self._timer.stop()

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError(f"replay speed must be positive, got {speed}")
        self.speed = speed

    def seek(self, position: int) -> None:
        """Show the session as it stood after ``position`` events (the page before it)."""
        position = max(0, min(position, self.total))
        was_playing = self._timer.isActive()
        self._timer.stop()
        page = list(self._source.events(max(0, position - PAGE), position))
        customer_lines = [
            n
            for n, e in enumerate(page)
            if isinstance(e, TranscriptEvent) and e.speaker == "customer"
        ]
        if position > PAGE and customer_lines:
            page = page[customer_lines[0] :]  # start the page at a turn, not mid-reply
        self._feed.clear()
        for event in page:
            self._feed.push(event)
        self._position = position
        self._previous_at = page[-1].created_at if page else None
        self.progressed.emit(self._position, self.total)
        if was_playing:
            self._arm()

    # -- the clock -----------------------------------------------------------------------------

    def _event_at(self, index: int) -> Event:
        if not self._buffer_start <= index < self._buffer_start + len(self._buffer):
            self._buffer = list(self._source.events(index, index + CHUNK))
            self._buffer_start = index
        return self._buffer[index - self._buffer_start]

    def _delay(self) -> float:
        event = self._event_at(self._position)
        if self._previous_at is None:
            return 0.0
        gap = max(0.0, event.created_at - self._previous_at) / self.speed
        return min(gap, self.max_gap_s)

    def _arm(self) -> None:
        if self._position >= self.total:
            self.finished.emit()
            return
        self._timer.start(round(self._delay() * 1000))

    def _tick(self) -> None:
        while True:
            event = self._event_at(self._position)
            self._feed.push(event)
            self._previous_at = event.created_at
            self._position += 1
            if self._position >= self.total or self._delay() > DUE_TOGETHER_S:
                break
        self.progressed.emit(self._position, self.total)
        self._arm()
