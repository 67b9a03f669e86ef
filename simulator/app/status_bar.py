"""The status bar: a view of :class:`~simulator.host.session_status.SessionStatus`.

The light and headline ("● Ready · Cerebras gpt-oss-120b"), what the team runs on and whether it
is reachable, the room, the voice and the latest warning all come from one
:class:`~simulator.host.session_status.StatusView`, so they never disagree with each other or with
the banner, which reads the same view.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

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
        self.state_label = QLabel()
        self.provider_label = QLabel()
        self.connection_label = QLabel()
        self.room_label = QLabel()
        self.voice_label = QLabel()
        self.voice_label.setStyleSheet(f"color: {theme.MUTED};")
        self.warning_label = QLabel()
        self.warning_label.setStyleSheet(f"color: {theme.WARNING_INK};")
        # Long texts are cut at the window's edge (the tooltips and the banner have them whole);
        # they never make the window wider.
        for label in (self.warning_label, self.state_label, self.provider_label, self.room_label):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # Permanent widgets stay visible while a temporary message ("Saved to …") is shown.
        self.addWidget(self.warning_label, 2)
        self.addPermanentWidget(self.voice_label)
        self.addPermanentWidget(self.room_label, 1)
        self.addPermanentWidget(self.connection_label)
        self.addPermanentWidget(self.provider_label, 1)
        self.addPermanentWidget(self.state_label, 2)
        self.show_view(status.view)
        status.subscribe(self.show_view)

    @property
    def warnings(self) -> list[str]:
        text = self.warning_label.toolTip()
        return [text] if text else []

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
        self.warning_label.setText(f"⚠ {view.warning}" if view.warning else "")
        self.warning_label.setToolTip(view.warning or "")

    def light_colour(self) -> str:
        """The colour of the light as shown (tests compare it with the view)."""
        sheet = self.state_label.styleSheet()
        return sheet.split("color:")[1].split(";")[0].strip()
