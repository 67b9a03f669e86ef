"""The main window: the live session, laid out, and the user's clicks turned into bridge commands.

It owns no conversation logic. Live events flow bridge → feed → widgets, and into one status
model (:class:`~simulator.host.session_status.SessionStatus`) that the status bar, the banner's
problem, the composer and the agent pill all read, so they never disagree. A saved session opens
beside the live one in its own window (:mod:`simulator.app.session_files`); the live conversation
is never replaced. A line typed while the team starts or answers is queued and sent when it is
ready (:class:`~simulator.app.type_ahead.TypeAhead`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from simulator.app import theme
from simulator.app.banner import Banner
from simulator.app.booth import BoothMode
from simulator.app.bridge import SessionBridge, SessionState
from simulator.app.coach_controller import CoachController
from simulator.app.coach_panel import CoachPanel
from simulator.app.composer import Composer
from simulator.app.context_panel import ContextPanel
from simulator.app.feed import EventFeed
from simulator.app.handoff_timeline import HandoffTimeline
from simulator.app.kiosk import KioskLock
from simulator.app.latency_panel import LatencyPanel
from simulator.app.session_files import DialogFileChooser, FileChooser, SessionFiles
from simulator.app.session_layout import SessionLayout
from simulator.app.settings_dialog import SettingsDialog
from simulator.app.status_bar import SessionStatusBar
from simulator.app.transcript_view import WELCOME, TranscriptView
from simulator.app.type_ahead import TypeAhead
from simulator.commands import NewConversationCommand, OpenMicCommand, PushToTalkCommand
from simulator.errors import SimulatorError
from simulator.events import (
    AGENT_NAMES,
    CoachStateEvent,
    Event,
    ModeChangedEvent,
    PracticeStateEvent,
    StatusEvent,
)
from simulator.host.session_status import SessionStatus, StatusView
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
from simulator.settings import Settings, SettingsError

NOT_RUNNING = "The sales team is not running: see the message above."
_PLACEHOLDERS = {
    SessionState.READY: "Type as the customer and press Enter…",
    SessionState.BUSY: "Answering… type ahead: your line is sent when the team is ready",
    SessionState.FAILED: NOT_RUNNING,
    SessionState.CLOSED: "Closed.",
}
_STARTING_PLACEHOLDER = "Starting… type ahead: your line is sent when the team is ready"
_FLAGS = {"knowledge_dir": "--knowledge", "offline": "--offline"}
"""Settings that a command-line flag can give, and the flag (Settings can replace them)."""


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
        self.settings_dialog: SettingsDialog | None = None
        self.demo = False
        """Demo mode (the booth's kiosk): see :class:`~simulator.app.booth.BoothMode`."""
        self.kiosk = KioskLock(self, lambda: self.preferences.demo_pin_hash)
        self._selling_to: str | None = None
        """The persona the user sells to (Rep mode), for the header."""
        self.exit_quickly = False
        """The process exits once this window has closed (``simulator``): see the bridge."""

        self.session_status = SessionStatus()
        self.banner = Banner()
        self.coach = CoachPanel(
            personas,
            coach_available=False,
            compact=demo or preferences.demo_mode,
            speed=preferences.coach_speed or "1x",
        )
        self.booth = BoothMode(self, list(personas), self)
        self.idle = self.booth.idle
        self.timeline = HandoffTimeline(feed)
        self.transcript = TranscriptView(feed)
        self.composer = Composer()
        self.context = ContextPanel(feed)
        self.latency = LatencyPanel(feed)
        self.status = SessionStatusBar(self.session_status)
        self.setStatusBar(self.status)
        self.coaching = CoachController(bridge, feed, self.coach, self)
        self.type_ahead = TypeAhead(bridge, self.composer, self.transcript, self)
        self.sessions = SessionFiles(
            self,
            feed,
            self.banner,
            files=files or DialogFileChooser(self),
            data_dir=lambda: self.bridge.settings.data_dir,
            redactor=self._redactor,
            replay_speed=lambda: self.bridge.settings.replay_speed,
            max_log_bytes=lambda: self.bridge.settings.session_log_max_bytes,
            say=lambda text: self.status.showMessage(text, 6000),
        )
        self._build_layout()
        self._build_actions()
        if demo or preferences.demo_mode:
            self.booth.enter()

        bridge.event_received.connect(self._on_live_event)
        bridge.state_changed.connect(self.session_status.state_changed)
        bridge.state_changed.connect(lambda state, _detail: self.booth.state_changed(state))
        bridge.connection_changed.connect(self.session_status.room_changed)
        bridge.capabilities_changed.connect(self._on_capabilities)
        bridge.failed.connect(self._on_failed)
        bridge.notice.connect(self._on_notice)
        feed.event_received.connect(self.idle.activity)
        feed.event_received.connect(self._on_feed_event)
        feed.cleared.connect(self.refresh_agent)
        feed.cleared.connect(self._show_team_panels)
        self.composer.submitted.connect(self.send)
        self.composer.talk.connect(
            lambda pressed: bridge.command(PushToTalkCommand(pressed=pressed))
        )
        self.composer.open_mic.connect(lambda on: bridge.command(OpenMicCommand(on=on)))
        self.transcript.reply_selected.connect(self.context.show_reply)
        self.transcript.reply_selected.connect(self.latency.select_reply)
        self.coach.speed_chosen.connect(self._remember_speed)
        self.session_status.subscribe(self._on_status)
        self.session_status.state_changed(
            bridge.state, bridge.state_detail or "Starting the sales team…"
        )
        self._on_status(self.session_status.view)
        self.composer.input.setFocus()

    # -- layout --------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        central = QWidget()
        self.session_page = central
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self._build_header())
        column.addWidget(self.banner)
        column.addWidget(self.booth.countdown)
        body = QVBoxLayout()
        body.setContentsMargins(10, 10, 10, 6)
        body.setSpacing(8)
        body.addWidget(self.coach)
        left = QFrame()
        left.setObjectName("panel")
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(2, 2, 10, 10)
        left_column.addWidget(self.transcript, 1)
        left_column.addWidget(self.composer)
        self.body = SessionLayout(
            left,
            self.timeline,
            [("Context", self.context), ("Latency", self.latency)],
            weights=(2, 3),
        )
        body.addWidget(self.body, 1)
        column.addLayout(body, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(central)
        self.pages.addWidget(self.booth.attract)
        self.setCentralWidget(self.pages)
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
        row.addWidget(self.booth.operator_button)
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
            "&Open session beside this one…", QKeySequence.StandardKey.Open, self.open_session
        )
        self.save_action = action(
            "&Save session as…", QKeySequence.StandardKey.Save, self.save_session
        )
        self.replay_action = action("&Replay this session", "Ctrl+R", self.replay_session)
        self.export_action = action("&Export report…", "Ctrl+E", self.export_report)
        self.scorecard_action = action("Score&card…", "Ctrl+K", self.coaching.show_scorecard)
        menu.addSeparator()
        self.settings_action = action("Se&ttings…", "Ctrl+,", self.open_settings)
        self.fullscreen_action = action("&Full screen", "F11", self.toggle_full_screen)
        self.demo_action = action("&Demo mode (booth kiosk)", "Ctrl+Shift+D", self.enter_demo)
        self.exit_demo_action = QAction("E&xit demo mode", self)
        self.exit_demo_action.triggered.connect(self.exit_demo)
        menu.addSeparator()
        self.quit_action = action("&Quit", QKeySequence.StandardKey.Quit, self.close)
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

    def send(self, text: str) -> None:
        """The customer's line: sent now, or queued until the team can take it."""
        self.type_ahead.offer(text)

    def new_conversation(self) -> None:
        """The booth's button: a fresh conversation with the Greeter."""
        self.type_ahead.clear()
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

    def open_session(self) -> Path | None:
        """A saved session, opened beside this one (read in the background)."""
        if not self.kiosk.allows("open a saved session", self.open_session):
            return None
        return self.sessions.open()

    def save_session(self) -> Path | None:
        if not self.kiosk.allows("save this session", self.save_session):
            return None
        return self.sessions.save()

    def export_report(self) -> Path | None:
        if not self.kiosk.allows("export a report", self.export_report):
            return None
        return self.sessions.export()

    def replay_session(self) -> object:
        if not self.kiosk.allows("replay this session", self.replay_session):
            return None
        return self.sessions.replay()

    def enter_demo(self) -> bool:
        """Demo mode now (the operator chooses a PIN first if there is none)."""
        return self.booth.enter()

    def exit_demo(self) -> None:
        """The operator leaves demo mode (with the PIN)."""
        if self.kiosk.allows("leave demo mode", self.exit_demo):
            self.booth.leave()

    def open_settings(self) -> SettingsDialog | None:
        if not self.kiosk.allows("open Settings", self.open_settings):
            return None
        dialog = SettingsDialog(
            self.preferences,
            self.bridge,
            saved_to=self.preferences_path,
            environment=overridden_by_environment(self._env),
            flags={
                name: flag
                for name, flag in _FLAGS.items()
                if self._cli_overrides.get(name) is not None
            },
            demo=self.demo,
            parent=self,
        )
        dialog.accepted.connect(
            lambda: self.apply_preferences(
                dialog.preferences(),
                reindexed=dialog.reindexed,
                replaced_flags=dialog.replaced_flags(),
            )
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

    def choose_knowledge_folder(self) -> Path | None:
        """The one-step fix for a knowledge folder that is not there (the banner's button): pick
        another and the team starts on it; it replaces a ``--knowledge`` flag for this run and
        is saved for the next."""
        if not self.kiosk.allows("choose the knowledge folder", self.choose_knowledge_folder):
            return None
        folder = self.sessions.files.folder("Knowledge folder", Path.home())
        if folder is None:
            return None
        self.apply_preferences(
            with_changes(self.preferences, knowledge_dir=str(folder)),
            replaced_flags={"knowledge_dir"},
        )
        return folder

    def apply_preferences(
        self,
        preferences: Preferences,
        *,
        reindexed: bool = False,
        replaced_flags: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        """Save the new preferences (owner-only) and restart the team if what it runs on changed.

        ``replaced_flags``: settings given by a command-line flag that the user has just set
        here; from now on this run uses the new value (the flag no longer wins)."""
        for name in replaced_flags:
            self._cli_overrides[name] = None
        try:
            save_preferences(preferences, self.preferences_path)
        except SimulatorError as e:
            self.banner.show_message("error", f"{e}. The new settings apply to this run only.")
        self.preferences = preferences
        if preferences.demo_mode and not self.demo:
            self.booth.enter()
        elif self.demo and not preferences.demo_mode:
            self.booth.leave()
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
            self.type_ahead.clear()
            self.feed.clear()
            self.bridge.restart(settings, redactor=redactor_for(preferences, settings, self._env))

    def toggle_full_screen(self) -> None:
        if self.kiosk.allows("leave full screen", self.toggle_full_screen):
            self.showNormal() if self.isFullScreen() else self.showFullScreen()

    # -- reactions -----------------------------------------------------------------------------

    def _on_live_event(self, event: Event) -> None:
        self.feed.push(event)
        self.session_status.event(event)
        if isinstance(event, (ModeChangedEvent, CoachStateEvent, PracticeStateEvent)):
            self._on_status(self.session_status.view)  # the placeholder follows the mode
        if isinstance(event, StatusEvent):
            if event.level == "info":
                self.status.showMessage(event.message, 8000)
            elif event.source != "cerebras":  # the provider's health is the status model's
                self.banner.show_message(
                    event.level, event.message, [("Settings…", self.open_settings)]
                )

    def _on_feed_event(self, event: Event) -> None:
        if isinstance(event, ModeChangedEvent):
            self._fit_mode(event)
        self.refresh_agent()

    def _on_status(self, view: StatusView) -> None:
        """Everything that shows the session's state follows the one status view."""
        if view.problem:
            failed = view.light == "failed"
            shown = self.banner.owner == "status" and self.banner.text == view.problem
            if not (shown and self.banner.level == view.problem_level):
                actions = self._failure_actions() if failed else [("Settings…", self.open_settings)]
                self.banner.show_message(view.problem_level, view.problem, actions, owner="status")
        else:
            self.banner.dismiss(owner="status")
        state = view.state
        accepting = state not in (SessionState.FAILED, SessionState.CLOSED)
        placeholder = _PLACEHOLDERS.get(state, _STARTING_PLACEHOLDER)
        if state is SessionState.READY and self.coaching.selling:
            placeholder = "Answer as the company's rep and press Enter…"
        elif state is SessionState.READY and self.coaching.persona_playing:
            placeholder = "Type to take over as the customer…"
        self.composer.set_ready(accepting, placeholder)
        self.transcript.set_welcome(NOT_RUNNING if state is SessionState.FAILED else WELCOME)
        self.type_ahead.state_changed(state)
        self.refresh_agent()

    def _on_notice(self, level: str, message: str) -> None:
        actions = [("Settings…", self.open_settings)] if level != "info" else []
        self.banner.show_message(level, message, actions)

    def _on_capabilities(self, capabilities: Capabilities) -> None:
        self.session_status.capabilities_changed(capabilities)
        self.composer.set_voice(capabilities.voice.can_talk, capabilities.voice.notice)

    def _on_failed(self, message: str) -> None:
        if self.banner.owner == "status" and self.banner.text == message:
            return  # the status model already shows it, with Retry
        self.banner.show_message("error", message, self._failure_actions())

    def _failure_actions(self) -> list[tuple[str, Callable[[], object]]]:
        """The banner's buttons when the team did not start; a missing knowledge folder is
        fixed in one step (pick another)."""
        actions: list[tuple[str, Callable[[], object]]] = [
            ("Retry", self.retry),
            ("Settings…", self.open_settings),
        ]
        if not self.bridge.settings.knowledge_dir.is_dir():
            actions.insert(0, ("Choose knowledge folder…", self.choose_knowledge_folder))
        return actions

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
        state = self.bridge.state
        starting = state in (
            SessionState.STOPPED,
            SessionState.STARTING,
            SessionState.INDEXING,
            SessionState.FAILED,
        )
        self._show_agent(
            self.feed.conversation.active_agent,
            starting=starting,
            answering=state is SessionState.BUSY,
        )

    def _show_agent(self, agent: str, *, starting: bool = False, answering: bool = False) -> None:
        # "Answering" goes in the caption, not the pill: a pill that grows with it made the
        # header (and so the window) wider than a 1024 px screen while a specialist answered.
        caption = "Sales team" if starting else "Answering:" if answering else "Speaking with"
        self.agent_caption.setText(caption)
        if starting:
            failed = self.bridge.state is SessionState.FAILED
            self.agent_pill.setText("not running" if failed else "starting…")
            background = theme.SLOW if failed else "#475569"
        else:
            self.agent_pill.setText(AGENT_NAMES[agent])
            background = theme.colour(agent).name()
        self.agent_pill.setStyleSheet(
            f"background: {background}; color: white; border-radius: 12px; "
            f"padding: 4px 14px; font-weight: bold; font-size: {theme.pt(12)};"
        )

    def _redactor(self) -> Redactor:
        return redactor_for(self.preferences, self.bridge.settings, self._env)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.kiosk.allows("quit the app", self.close):
            event.ignore()  # a visitor cannot close the booth
            return
        self.hide()  # at once: closing the session below takes a moment
        self.sessions.close_all()
        self.idle.stop()
        self.bridge.shutdown(leaving=self.exit_quickly)
        super().closeEvent(event)
