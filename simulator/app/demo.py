"""Demo mode's idle reset: after a visitor walks away, the next one finds a fresh conversation.

Any key press or click in the app, and any event from the team, counts as activity and re-arms
a single-shot timer; when it fires, ``idle`` is emitted and the main window starts a new
conversation (only if there is something to clear).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleReset(QObject):
    idle = Signal()

    def __init__(self, idle_s: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_idle_seconds(idle_s)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    @property
    def idle_s(self) -> float:
        return self._idle_s

    @property
    def armed(self) -> bool:
        return self._timer.isActive()

    def set_idle_seconds(self, idle_s: float) -> None:
        """0 turns the reset off."""
        self._idle_s = max(0.0, idle_s)
        self.activity()

    def activity(self, *_args: object) -> None:
        if self._idle_s > 0:
            self._timer.start(round(self._idle_s * 1000))
        else:
            self._timer.stop()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self.activity()
        return False
