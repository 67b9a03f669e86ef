"""Demo mode's idle reset: after a visitor walks away, the next one finds a fresh conversation.

Any key press or click in the app, and any event from the team, counts as activity and re-arms
the timer. The last :data:`COUNTDOWN_S` seconds are counted down out loud (``countdown``, once a
second, so the window can say "Resetting in 10 s — touch to stay"); a touch during the countdown
emits ``stayed`` and starts over. When the time is up, ``idle`` is emitted and the main window
resets (only if there is something to clear).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

COUNTDOWN_S = 10
_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleReset(QObject):
    idle = Signal()
    countdown = Signal(int)
    """Whole seconds left before ``idle``, once a second during the countdown."""
    stayed = Signal()
    """Someone touched the app during the countdown: it is called off."""

    def __init__(
        self, idle_s: float, parent: QObject | None = None, *, countdown_s: float = COUNTDOWN_S
    ) -> None:
        super().__init__(parent)
        self._countdown_s = countdown_s
        self._quiet = QTimer(self)
        """Until the countdown starts."""
        self._quiet.setSingleShot(True)
        self._quiet.timeout.connect(self._count)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._count)
        # a coarse timer may fire up to 5% early, and the countdown then shows one second too many
        for timer in (self._quiet, self._tick):
            timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._since = QElapsedTimer()
        self.set_idle_seconds(idle_s)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    @property
    def idle_s(self) -> float:
        return self._idle_s

    @property
    def armed(self) -> bool:
        return self._quiet.isActive() or self._tick.isActive()

    @property
    def counting_down(self) -> bool:
        return self._tick.isActive()

    def set_idle_seconds(self, idle_s: float) -> None:
        """0 turns the reset off."""
        self._idle_s = max(0.0, idle_s)
        self.activity()

    def activity(self, *_args: object) -> None:
        if self._tick.isActive():
            self._tick.stop()
            self.stayed.emit()
        if self._idle_s <= 0:
            self._quiet.stop()
            return
        self._since.start()
        quiet_s = self._idle_s - min(self._countdown_s, self._idle_s / 2)
        self._quiet.start(round(quiet_s * 1000))

    def stop(self) -> None:
        self._quiet.stop()
        self._tick.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _count(self) -> None:
        left_s = self._idle_s - self._since.elapsed() / 1000
        if left_s <= 0.05:
            self._tick.stop()
            self.idle.emit()
            return
        whole = math.ceil(left_s - 0.05)
        self.countdown.emit(whole)
        # The next tick lands on the next whole second left (or on the deadline).
        self._tick.start(max(1, round((left_s - (whole - 1)) * 1000)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self.activity()
        return False
