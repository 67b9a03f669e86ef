"""The status bar: what the team runs on, whether it is reachable, and the latest warning.

Read from the bridge (its state: starting, indexing, ready, answering, failed; where the session
runs: this computer or a LiveKit room and its connection; what the voice can do) and from the
events (the session's provider, each reply's provider, status events). A Cerebras turn that
degraded to the offline responder shows here as "failing - answering offline" at once.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

from simulator.app import theme
from simulator.app.bridge import SessionBridge, SessionState
from simulator.app.feed import EventFeed
from simulator.events import Event, LatencyEvent, SessionStartedEvent, StatusEvent
from simulator.host.transport import Capabilities

_STATE_COLOURS = {
    SessionState.STOPPED: theme.FAINT,
    SessionState.STARTING: theme.OK,
    SessionState.INDEXING: theme.OK,
    SessionState.READY: theme.FAST,
    SessionState.BUSY: "#2563eb",
    SessionState.FAILED: theme.SLOW,
    SessionState.CLOSED: theme.FAINT,
}


class SessionStatusBar(QStatusBar):
    def __init__(
        self, bridge: SessionBridge, feed: EventFeed, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.state_label = QLabel()
        self.provider_label = QLabel("Provider: starting…")
        self.connection_label = QLabel("")
        self.room_label = QLabel("")
        self.voice_label = QLabel("")
        self.voice_label.setStyleSheet(f"color: {theme.MUTED};")
        self.warning_label = QLabel("")
        self.warning_label.setStyleSheet(f"color: {theme.WARNING_INK};")
        # A long warning is cut at the window's edge (the tooltip and the banner have it whole);
        # it must never make the window wider.
        self.warning_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # Permanent widgets stay visible while a temporary message ("Saved to …") is shown.
        self.addWidget(self.warning_label, 1)
        self.addPermanentWidget(self.voice_label)
        self.addPermanentWidget(self.room_label)
        self.addPermanentWidget(self.connection_label)
        self.addPermanentWidget(self.provider_label)
        self.addPermanentWidget(self.state_label)
        self.state_label.setMaximumWidth(
            560
        )  # a long failure is in the banner; the tooltip has it all
        self._warnings: list[str] = []
        self._provider = "starting"
        self._on_state(bridge.state, bridge.state_detail or "Starting the sales team…")
        bridge.state_changed.connect(self._on_state)
        bridge.connection_changed.connect(self._on_room)
        bridge.capabilities_changed.connect(self._on_capabilities)
        feed.event_received.connect(self._on_event)

    @property
    def warnings(self) -> list[str]:
        return list(self._warnings)

    def _on_state(self, state: SessionState, detail: str) -> None:
        colour = _STATE_COLOURS.get(state, theme.FAINT)
        self.state_label.setText(f"● {detail}")
        self.state_label.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.state_label.setToolTip(detail)
        if state is SessionState.FAILED:
            self.provider_label.setText("Not running")
            self._connection("", theme.MUTED)

    def _on_room(self, text: str) -> None:
        """Where the session runs: empty on this computer, the LiveKit room and its state
        otherwise."""
        self.room_label.setText(text)
        ok = text.endswith("connected") and "dis" not in text
        trouble = "unreachable" in text or "lost" in text
        colour = theme.FAST if ok else theme.SLOW if trouble else theme.MUTED
        self.room_label.setStyleSheet(f"color: {colour};")
        self.room_label.setToolTip(text)

    def _on_capabilities(self, capabilities: Capabilities) -> None:
        voice = capabilities.voice
        if voice.can_talk:
            text = f"● Voice: {voice.name}"
        elif voice.speaks:
            text = f"♪ Voice: {voice.name} (replies only)"
        else:
            text = "Text only"
        self.voice_label.setText(text)
        self.voice_label.setToolTip(voice.notice)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, SessionStartedEvent):
            self._provider = event.provider
            if event.provider == "cerebras":
                self.provider_label.setText(f"Cerebras · {event.model}")
                self._connection("not contacted yet", theme.MUTED)
            elif event.provider == "offline":
                self.provider_label.setText("Offline responder (sentences from your documents)")
                self._connection("no network needed", theme.MUTED)
            else:
                self.provider_label.setText(f"{event.provider} · {event.model}")
                self._connection("", theme.MUTED)
        elif isinstance(event, LatencyEvent) and self._provider == "cerebras":
            if event.provider == "cerebras":
                self._connection("Cerebras connected", theme.FAST)
            else:
                self._connection("Cerebras failing: answering offline", theme.SLOW)
        elif isinstance(event, StatusEvent):
            if event.source == "cerebras":
                if event.level == "info":
                    self._connection("Cerebras connected", theme.FAST)
                else:
                    self._connection("Cerebras failing: answering offline", theme.SLOW)
            if event.level == "info":
                self.showMessage(event.message, 8000)
            else:
                self._warnings.append(event.message)
                self.warning_label.setText(f"⚠ {event.message}")
                self.warning_label.setToolTip("\n".join(self._warnings[-10:]))

    def _connection(self, text: str, colour: str) -> None:
        self.connection_label.setText(text)
        self.connection_label.setStyleSheet(f"color: {colour};")
