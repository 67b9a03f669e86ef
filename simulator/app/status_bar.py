"""The status bar: a view of :class:`~simulator.host.session_status.SessionStatus`.

The light and headline ("● Ready · Cerebras gpt-oss-120b"), what the team runs on and whether it
is reachable, the room, the voice and the latest warning all come from one
:class:`~simulator.host.session_status.StatusView`, so they never disagree with each other or with
the banner, which reads the same view.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QStatusBar, QWidget

from simulator.app import theme
from simulator.host.session_status import Light, SessionStatus, StatusView

LIGHT_COLOURS: dict[Light, str] = {
    "ok": theme.FAST,
    "busy": "#2563eb",
    "starting": theme.OK,
    "degraded": theme.OK,
    "failed": theme.SLOW,
    "off": theme.MUTED,
}


class SessionStatusBar(QStatusBar):
    def __init__(self, status: SessionStatus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        # Long texts are cut with "…" at the window's edge (the tooltips and the banner have them
        # whole); they never make the window wider.
        self.state_label = theme.ElidedLabel()
        self.provider_label = theme.ElidedLabel()
        self.connection_label = theme.ElidedLabel()
        self.room_label = theme.ElidedLabel()
        self.voice_label = theme.ElidedLabel()
        self.voice_label.setStyleSheet(f"color: {theme.MUTED};")
        self.warning_label = theme.ElidedLabel()
        self.warning_label.setStyleSheet(f"color: {theme.WARNING_INK};")
        # Permanent widgets stay visible while a temporary message ("Saved to …") is shown.
        self.addWidget(self.warning_label, 3)
        self.addPermanentWidget(self.voice_label, 1)
        self.addPermanentWidget(self.room_label, 1)
        self.addPermanentWidget(self.connection_label, 2)
        self.addPermanentWidget(self.provider_label, 2)
        self.addPermanentWidget(self.state_label, 3)
        self._message = ""
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self.clearMessage)
        self._warning = ""
        self.show_view(status.view)
        status.subscribe(self.show_view)

    # A short-lived message ("Saved to …") takes the warning's place, cut with "…" like it,
    # instead of Qt's own temporary message, which is cut without a sign at the permanent labels.

    def showMessage(self, text: str, /, timeout: int | None = None) -> None:
        self._message = text
        self._message_timer.stop()
        if timeout:
            self._message_timer.start(timeout)
        self._show_left()

    def currentMessage(self) -> str:
        return self._message

    def clearMessage(self) -> None:
        self._message = ""
        self._show_left()

    def _show_left(self) -> None:
        if self._message:
            self.warning_label.setStyleSheet(f"color: {theme.INK};")
            self.warning_label.setText(self._message)
        else:
            self.warning_label.setStyleSheet(f"color: {theme.WARNING_INK};")
            self.warning_label.setText(f"⚠ {self._warning}" if self._warning else "")

    @property
    def warnings(self) -> list[str]:
        return [self._warning] if self._warning else []

    def show_view(self, view: StatusView) -> None:
        colour = LIGHT_COLOURS[view.light]
        self.state_label.setText(f"● {view.headline}")
        self.state_label.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.state_label.setToolTip(view.headline)
        self.provider_label.setText(view.provider)
        self.provider_label.setToolTip(view.provider)
        self.connection_label.setText(view.connection)
        self.connection_label.setStyleSheet(f"color: {LIGHT_COLOURS[view.connection_light]};")
        self.room_label.setText(view.room)
        self.room_label.setToolTip(view.room)
        ok = view.room.endswith("connected") and "dis" not in view.room
        lost = "unreachable" in view.room or "lost" in view.room
        room_colour = theme.FAST if ok else theme.SLOW if lost else theme.MUTED
        self.room_label.setStyleSheet(f"color: {room_colour};")
        self.voice_label.setText(view.voice)
        self.voice_label.setToolTip(view.voice_detail)
        self._warning = view.warning or ""
        self._show_left()

    def light_colour(self) -> str:
        """The colour of the light as shown (tests compare it with the view)."""
        sheet = self.state_label.styleSheet()
        return sheet.split("color:")[1].split(";")[0].strip()
