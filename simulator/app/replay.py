"""Replays a saved session into the feed with its original rhythm, faster if asked.

Driven by one single-shot QTimer on the GUI thread (no thread, no sleep): each tick pushes the
next event and arms the timer for the gap before the one after, as computed by
:func:`simulator.session_log.replay_delays`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QTimer, Signal

from simulator.app.feed import EventFeed
from simulator.events import Event
from simulator.session_log import replay_delays


class ReplayPlayer(QObject):
    started = Signal()
    finished = Signal()
    progressed = Signal(int, int)
    """(events shown, events in all)."""

    def __init__(self, feed: EventFeed, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._feed = feed
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._events: list[Event] = []
        self._delays: list[float] = []
        self._next = 0

    @property
    def playing(self) -> bool:
        return self._timer.isActive() or 0 < self._next < len(self._events)

    def play(self, events: Sequence[Event], *, speed: float = 2.0, max_gap_s: float = 1.0) -> None:
        """Clear the feed and show ``events`` again, paced; ``finished`` when the last is shown."""
        self.stop()
        self._events = list(events)
        self._delays = replay_delays(self._events, speed=speed, max_gap_s=max_gap_s)
        self._next = 0
        self._feed.clear()
        self.started.emit()
        self._arm()

    def stop(self) -> None:
        self._timer.stop()
        self._events, self._delays, self._next = [], [], 0

    def _arm(self) -> None:
        if self._next >= len(self._events):
            self._events, self._delays, self._next = [], [], 0
            self.finished.emit()
            return
        self._timer.start(round(self._delays[self._next] * 1000))

    def _tick(self) -> None:
        # Events that fall due together are shown in one tick, so streaming text keeps up.
        while True:
            self._feed.push(self._events[self._next])
            self._next += 1
            if self._next >= len(self._events) or self._delays[self._next] > 0.004:
                break
        self.progressed.emit(self._next, len(self._events))
        self._arm()
