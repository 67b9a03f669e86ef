"""The main window: lays the panels out and turns the user's clicks into bridge commands.

It owns no conversation logic. Live events flow bridge → feed → widgets; what the feed shows is
the window's one state, its screen (:mod:`simulator.app.screens`: the live session, or a saved one
being viewed or replayed). The window routes commands (send, new conversation, restart with new
settings) to the bridge, and does the file work the user asked for (save, open, export) with the
Qt-free core modules.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from simulator.app import theme
from simulator.app.banner import Banner
from simulator.app.bridge import SessionBridge, SessionState
from simulator.app.coach_controller import CoachController
from simulator.app.coach_panel import CoachPanel
from simulator.app.composer import Composer
from simulator.app.context_panel import ContextPanel
from simulator.app.demo import IdleReset
from simulator.app.feed import EventFeed
from simulator.app.handoff_timeline import HandoffTimeline
from simulator.app.latency_panel import LatencyPanel
from simulator.app.replay import ReplayPlayer
from simulator.app.screens import LiveScreen, Screen, ViewingScreen
from simulator.app.settings_dialog import SettingsDialog
from simulator.app.status_bar import SessionStatusBar
from simulator.app.transcript_view import TranscriptView
from simulator.commands import NewConversationCommand, OpenMicCommand, PushToTalkCommand
from simulator.errors import SimulatorError
from simulator.events import AGENT_NAMES, ConversationResetEvent, Event, ModeChangedEvent
from simulator.host.transport import Capabilities
from simulator.personas.model import Persona
from simulator.preferences import (
    Preferences,
    overridden_by_environment,
    redactor_for,
    save_preferences,
    with_changes,
)
from simulator.redaction import Redactor
from simulator.report import write_report
from simulator.session_log import SUFFIX, LoadedLog, load_log, sessions_dir, write_log
from simulator.settings import Settings, SettingsError


class FileChooser(Protocol):
    """Asks the user for a file; the app uses Qt's dialogs, tests answer with a path."""

    def save_path(self, caption: str, suggested: Path, pattern: str) -> Path | None: ...

    def open_path(self, caption: str, folder: Path, pattern: str) -> Path | None: ...


class DialogFileChooser:
    def __init__(self, parent: QWidget) -> None:
        self._parent = parent

    def save_path(self, caption: str, suggested: Path, pattern: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self._parent, caption, str(suggested), pattern)
        return Path(path) if path else None

    def open_path(self, caption: str, folder: Path, pattern: str) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self._parent, caption, str(folder), pattern)
        return Path(path) if path else None


LOG_PATTERN = f"Session logs (*{SUFFIX});;All files (*)"


class MainWindow(QMainWindow):
    def __init__(
        self,
        bridge: SessionBridge,
        feed: EventFeed,
        *,
        preferences: Preferences,
        preferences_path: Path,
        cli_overrides: Mapping[str, object] | None = None,
        demo: bool = False,
        files: FileChooser | None = None,
        env: Mapping[str, str] | None = None,
        personas: Sequence[Persona] = (),
    ) -> None:
        super().__init__()
        self.setWindowTitle("Sales Simulator")
        self.bridge = bridge
        self.feed = feed
        self.preferences = preferences
        self.preferences_path = preferences_path
        self._cli_overrides = dict(cli_overrides or {})
        self._env = os.environ if env is None else env
        self.files: FileChooser = files or DialogFileChooser(self)
        self.on_screen: Screen = LiveScreen(self)
        """What is on screen: the live session, or a saved one."""
        self.settings_dialog: SettingsDialog | None = None
        self.player = ReplayPlayer(feed, self)
        self.idle = IdleReset(preferences.demo_idle_reset_s if demo else 0, self)
        self.demo = demo
        self._selling_to: str | None = None
        """The persona the user sells to (Rep mode), for the header."""

        self.banner = Banner()
        self.coach = CoachPanel(
            personas, coach_available=False, compact=demo, speed=preferences.coach_speed or "1x"
        )
        self.timeline = HandoffTimeline(feed)
        self.transcript = TranscriptView(feed)
        self.composer = Composer()
        self.context = ContextPanel(feed)
        self.latency = LatencyPanel(feed)
        self.status = SessionStatusBar(bridge, feed)
        self.setStatusBar(self.status)
        self.coaching = CoachController(bridge, feed, self.coach, self)
        self._build_layout()
        self._build_actions()

        bridge.event_received.connect(self._on_live_event)
        bridge.state_changed.connect(self._on_state)
        bridge.failed.connect(self._on_failed)
        bridge.notice.connect(self._on_notice)
        bridge.capabilities_changed.connect(self._on_capabilities)
        feed.event_received.connect(self._on_feed_event)
        feed.event_received.connect(self.idle.activity)
        feed.cleared.connect(self.refresh_agent)
        feed.cleared.connect(self._show_team_panels)
        self.composer.submitted.connect(self.send)
        self.composer.talk.connect(
            lambda pressed: bridge.command(PushToTalkCommand(pressed=pressed))
        )
        self.composer.open_mic.connect(lambda on: bridge.command(OpenMicCommand(on=on)))
        self.transcript.reply_selected.connect(self.context.show_reply)
        self.transcript.reply_selected.connect(self.latency.select_reply)
        self.player.finished.connect(self._on_replay_finished)
        self.idle.idle.connect(self._on_idle)
        self.coach.speed_chosen.connect(self._remember_speed)
        self._on_state(bridge.state, bridge.state_detail or "Starting the sales team…")
        self.composer.input.setFocus()

    # -- layout --------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self._build_header())
        column.addWidget(self.banner)
        body = QVBoxLayout()
        body.setContentsMargins(10, 10, 10, 6)
        body.setSpacing(8)
        body.addWidget(self.coach)
        body.addWidget(self.timeline)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        left = QFrame()
        left.setObjectName("panel")
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(2, 2, 10, 10)
        left_column.addWidget(self.transcript, 1)
        left_column.addWidget(self.composer)
        split.addWidget(left)
        split.addWidget(self.context)
        split.addWidget(self.latency)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 4)
        split.setSizes([620, 340, 440])
        body.addWidget(split, 1)
        column.addLayout(body, 1)
        self.setCentralWidget(central)
        self.resize(1440, 900)

    def _build_header(self) -> QFrame:
        header = QFrame()
        header.setObjectName("header")
        row = QHBoxLayout(header)
        row.setContentsMargins(18, 10, 18, 10)
        row.setSpacing(10)
        title = QLabel("Sales Simulator")
        title.setObjectName("appTitle")
        row.addWidget(title)
        row.addSpacing(16)
        self.agent_caption = QLabel("Speaking with")
        self.agent_caption.setObjectName("headerNote")
        row.addWidget(self.agent_caption)
        self.agent_pill = QLabel()
        row.addWidget(self.agent_pill)
        row.addStretch(1)
        self.header_buttons: dict[str, QPushButton] = {}
        for key, text in (("session", "Session ▾"), ("settings", "Settings…")):
            button = QPushButton(text)
            button.setStyleSheet(
                "QPushButton { background: transparent; color: #e2e8f0; "
                "border: 1px solid #334155; }"
                "QPushButton:hover { background: #1e293b; }"
                "QPushButton::menu-indicator { width: 0; }"
            )
            row.addWidget(button)
            self.header_buttons[key] = button
        self.new_button = QPushButton("New conversation")
        self.new_button.setObjectName("newConversation")
        self.new_button.setToolTip("Start over with the Greeter (Ctrl+N)")
        row.addWidget(self.new_button)
        self._show_agent("greeter", starting=True)
        return header

    def _build_actions(self) -> None:
        # One menu, opened from the header's "Session" button; the shortcuts work everywhere.
        menu = QMenu("&Session", self)
        self.session_menu = menu

        def action(text: str, shortcut: str | QKeySequence.StandardKey, slot: object) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(slot)
            menu.addAction(act)
            self.addAction(act)
            return act

        self.new_action = action("&New conversation", "Ctrl+N", self.new_conversation)
        menu.addSeparator()
        self.open_action = action(
            "&Open session…", QKeySequence.StandardKey.Open, self.open_session
        )
        self.save_action = action(
            "&Save session as…", QKeySequence.StandardKey.Save, self.save_session
        )
        self.replay_action = action("&Replay", "Ctrl+R", self.replay_session)
        self.export_action = action("&Export report…", "Ctrl+E", self.export_report)
        self.scorecard_action = action("Score&card…", "Ctrl+K", self.coaching.show_scorecard)
        menu.addSeparator()
        self.settings_action = action("Se&ttings…", "Ctrl+,", self.open_settings)
        self.fullscreen_action = action("&Full screen", "F11", self.toggle_full_screen)
        menu.addSeparator()
        action("&Quit", QKeySequence.StandardKey.Quit, self.close)
        self.new_button.clicked.connect(self.new_action.trigger)
        self.header_buttons["session"].setMenu(menu)
        self.header_buttons["settings"].clicked.connect(self.settings_action.trigger)

    # -- commands ------------------------------------------------------------------------------

    def present(self) -> None:
        """Show the window: full screen in demo mode (sized to the screen first, for kiosk
        sessions without a window manager, where the full-screen request alone does nothing)."""
        screen = self.screen()
        if not self.demo:
            if screen is not None:  # a laptop's 1366x768 is smaller than the default size
                available = screen.availableGeometry()
                self.resize(
                    min(self.width(), available.width()), min(self.height(), available.height())
                )
            self.show()
            return
        if screen is not None:
            self.setGeometry(screen.geometry())
        self.showFullScreen()

    def start_session(self) -> None:
        self.bridge.start()

    @property
    def viewing(self) -> LoadedLog | None:
        """The saved session on screen, or ``None`` when the live session is shown."""
        return self.on_screen.log

    def send(self, text: str) -> None:
        self.on_screen.send(text)

    def new_conversation(self) -> None:
        """The booth's button: a fresh conversation with the Greeter, whatever was on screen."""
        self.player.stop()
        if isinstance(self.on_screen, ViewingScreen):
            self._show(LiveScreen(self))
        if self.bridge.state is SessionState.FAILED:
            self.retry()
            return
        if not self.bridge.command(NewConversationCommand()):
            self.status.showMessage(
                "The sales team is still starting; the conversation is already fresh.", 4000
            )

    def retry(self) -> None:
        self.banner.dismiss()
        self.feed.clear()
        self.bridge.restart(self.bridge.settings)

    def save_session(self) -> Path | None:
        events = self.feed.events
        if not events:
            self.status.showMessage("Nothing to save yet.", 4000)
            return None
        suggested = sessions_dir(self.bridge.settings.data_dir) / f"rehearsal{SUFFIX}"
        path = self.files.save_path("Save session", suggested, LOG_PATTERN)
        if path is None:
            return None
        try:
            count = write_log(path, events, redactor=self._redactor())
        except OSError as e:
            self.banner.show_message(
                "error", f"Could not save the session to {path}: {e.strerror or e}"
            )
            return None
        self.status.showMessage(f"Saved {count} events to {path}", 6000)
        return path

    def open_session(self) -> LoadedLog | None:
        path = self.files.open_path(
            "Open session", sessions_dir(self.bridge.settings.data_dir), LOG_PATTERN
        )
        if path is None:
            return None
        try:
            loaded = load_log(path, max_bytes=self.bridge.settings.session_log_max_bytes)
        except SimulatorError as e:
            self.banner.show_message("error", str(e))
            return None
        self.player.stop()
        self.feed.clear()
        for event in loaded.events:
            self.feed.push(event)
        self._show(
            ViewingScreen(self, loaded),
            f"Viewing the saved session {path.name} ({len(loaded.events)} events).",
        )
        return loaded

    def replay_session(self) -> None:
        log = self.on_screen.log or LoadedLog(
            path=Path("current session"), events=tuple(self.feed.events)
        )
        events = log.events
        if not events:
            self.status.showMessage("Nothing to replay yet.", 4000)
            return
        self._show(ViewingScreen(self, log), "Replaying the session…")
        self.player.play(events, speed=self.bridge.settings.replay_speed)

    def export_report(self) -> Path | None:
        events = self.feed.events
        if not events:
            self.status.showMessage("Nothing to export yet.", 4000)
            return None
        suggested = Path.home() / "rehearsal-report.html"
        path = self.files.save_path("Export report", suggested, "HTML report (*.html)")
        if path is None:
            return None
        try:
            write_report(path, events, redactor=self._redactor())
        except OSError as e:
            self.banner.show_message(
                "error", f"Could not write the report to {path}: {e.strerror or e}"
            )
            return None
        self.status.showMessage(f"Report written to {path}", 6000)
        return path

    def open_settings(self) -> SettingsDialog:
        environment = overridden_by_environment(self._env)
        if self._cli_overrides.get("knowledge_dir") is not None:
            environment["knowledge_dir"] = "--knowledge"
        dialog = SettingsDialog(
            self.preferences,
            self.bridge,
            saved_to=self.preferences_path,
            environment=environment,
            parent=self,
        )
        dialog.accepted.connect(
            lambda: self.apply_preferences(dialog.preferences(), reindexed=dialog.reindexed)
        )
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def _remember_speed(self, speed: str) -> None:
        """Coach mode's pace, kept in the settings file for the next launch."""
        self.preferences = with_changes(self.preferences, coach_speed=speed)
        try:
            save_preferences(self.preferences, self.preferences_path)
        except SimulatorError as e:
            self.banner.show_message("error", f"{e}. The pace applies to this run only.")

    def apply_preferences(self, preferences: Preferences, *, reindexed: bool = False) -> None:
        """Save the new preferences (owner-only) and restart the team if what it runs on changed."""
        try:
            save_preferences(preferences, self.preferences_path)
        except SimulatorError as e:
            self.banner.show_message("error", f"{e}. The new settings apply to this run only.")
        self.preferences = preferences
        if self.demo:
            self.idle.set_idle_seconds(preferences.demo_idle_reset_s)
        try:
            settings = Settings.load(
                flags=self._cli_overrides, env=self._env, file=preferences.values()
            )
        except SettingsError as e:
            self.banner.show_message("error", f"These settings cannot be used: {e}")
            return
        if (
            settings != self.bridge.settings
            or reindexed
            or self.bridge.state is SessionState.FAILED
        ):
            self.banner.dismiss()
            self.player.stop()
            if isinstance(self.on_screen, ViewingScreen):
                self.on_screen = LiveScreen(self)
                self.coaching.set_live(True)
            self.composer.set_locked(False)
            self.feed.clear()
            self.bridge.restart(settings, redactor=redactor_for(preferences, settings, self._env))

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    # -- reactions -----------------------------------------------------------------------------

    def _on_live_event(self, event: Event) -> None:
        self.on_screen.live_event(event)

    def _on_feed_event(self, event: Event) -> None:
        if isinstance(event, ModeChangedEvent):
            self._fit_mode(event)
        self.refresh_agent()
        self.on_screen.shown_event(event)

    def _on_state(self, state: SessionState, detail: str) -> None:
        self.on_screen.state(state, detail)

    def _on_notice(self, level: str, message: str) -> None:
        self.on_screen.notice(level, message)

    def _on_capabilities(self, capabilities: Capabilities) -> None:
        self.on_screen.capabilities(capabilities)

    def _on_failed(self, message: str) -> None:
        actions = [("Retry", self.retry), ("Settings…", self.open_settings)]
        self.banner.show_message("error", message, actions)

    def _on_idle(self) -> None:
        entries = self.feed.conversation.entries
        said_something = bool(entries) and not isinstance(entries[-1], ConversationResetEvent)
        if said_something and self.on_screen.idle():
            self.coaching.dialog.hide()
            self.new_conversation()

    def _on_replay_finished(self) -> None:
        self.banner.show_message(
            "info",
            "Replay finished. New conversation goes back to the live team.",
            [("Replay again", self.replay_session), ("Back to live", self.new_conversation)],
        )

    def _show(self, screen: Screen, message: str = "") -> None:
        """Put ``screen`` on screen (``message``: what a saved session's banner says)."""
        self.on_screen = screen
        if isinstance(screen, ViewingScreen):
            screen.enter(message)
        else:
            screen.enter()

    def _show_team_panels(self) -> None:
        self.timeline.setVisible(True)
        self.latency.setVisible(True)
        self._selling_to = None

    def _fit_mode(self, event: ModeChangedEvent) -> None:
        """Rep mode: nobody on the team answers, so the handoffs and the latency give their room
        to the co-pilot."""
        selling = event.mode == "rep"
        self.timeline.setVisible(not selling)
        self.latency.setVisible(not selling)
        self._selling_to = (event.persona_name or event.persona) if selling else None

    def refresh_agent(self) -> None:
        """The header's agent pill: who speaks now, or that the team is starting or answering."""
        if self._selling_to and self.coaching.selling:
            self.agent_caption.setText("You are the rep, selling to")
            self.agent_pill.setText(self._selling_to)
            self.agent_pill.setStyleSheet(
                f"background: {theme.colour('rep').name()}; color: white; border-radius: 12px; "
                f"padding: 4px 14px; font-weight: bold; font-size: {theme.pt(12)};"
            )
            return
        starting, answering = self.on_screen.agent(self.bridge.state)
        self._show_agent(
            self.feed.conversation.active_agent, starting=starting, answering=answering
        )

    def _show_agent(self, agent: str, *, starting: bool = False, answering: bool = False) -> None:
        self.agent_caption.setText("Sales team" if starting else self.on_screen.caption)
        if starting:
            failed = self.bridge.state is SessionState.FAILED
            self.agent_pill.setText("not running" if failed else "starting…")
            background = theme.SLOW if failed else "#475569"
        else:
            self.agent_pill.setText(AGENT_NAMES[agent] + ("  · answering…" if answering else ""))
            background = theme.colour(agent).name()
        self.agent_pill.setStyleSheet(
            f"background: {background}; color: white; border-radius: 12px; "
            f"padding: 4px 14px; font-weight: bold; font-size: {theme.pt(12)};"
        )

    def _redactor(self) -> Redactor:
        return redactor_for(self.preferences, self.bridge.settings, self._env)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.player.stop()
        self.idle.stop()
        self.bridge.shutdown()
        super().closeEvent(event)
