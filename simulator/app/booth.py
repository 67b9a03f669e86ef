"""Demo mode as a kiosk for a trade-show booth: attract screen, lock, countdown and reset.

The main window stays the same app; this object switches it into a booth and back. In the booth
the window is full screen in large type, the transcript takes most of the width, the operator's
controls (Settings, sessions, quitting) need the PIN (:class:`~simulator.app.kiosk.KioskLock`),
and after :attr:`Preferences.demo_idle_reset_s <simulator.preferences.Preferences>` quiet
seconds a visible countdown ends in a reset that wipes everything the last visitor saw and
brings back the attract screen. The operator leaves with the PIN (Operator ▸ Exit demo mode).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QFontMetrics
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QPushButton,
    QStackedWidget,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from simulator.app import theme
from simulator.app.attract_screen import AttractScreen
from simulator.app.banner import Banner
from simulator.app.bridge import SessionBridge, SessionState
from simulator.app.coach_controller import CoachController
from simulator.app.coach_panel import CoachPanel
from simulator.app.composer import Composer
from simulator.app.demo import IdleReset
from simulator.app.feed import EventFeed
from simulator.app.kiosk import BOOTH_TARGET_LINES, KioskLock, PinSetupDialog
from simulator.app.session_files import SessionFiles
from simulator.app.session_layout import WIDE_PX, SessionLayout
from simulator.app.settings_dialog import SettingsDialog
from simulator.app.type_ahead import TypeAhead
from simulator.commands import NewConversationCommand, PlayCommand, SetPersonaCommand
from simulator.errors import SimulatorError
from simulator.events import ConversationResetEvent
from simulator.personas.model import Persona
from simulator.preferences import Preferences, save_preferences, with_changes


class BoothWindow(Protocol):
    """What the booth switches and wipes in the main window (which it must not import)."""

    banner: Banner
    body: SessionLayout
    bridge: SessionBridge
    coach: CoachPanel
    coaching: CoachController
    composer: Composer
    demo: bool
    feed: EventFeed
    header_buttons: dict[str, QPushButton]
    kiosk: KioskLock
    pages: QStackedWidget
    preferences: Preferences
    preferences_path: Path
    session_page: QWidget
    sessions: SessionFiles
    settings_dialog: SettingsDialog | None
    type_ahead: TypeAhead
    settings_action: QAction
    open_action: QAction
    save_action: QAction
    export_action: QAction
    replay_action: QAction
    exit_demo_action: QAction
    quit_action: QAction

    def isFullScreen(self) -> bool: ...
    def isVisible(self) -> bool: ...
    def present(self) -> None: ...
    def refresh_agent(self) -> None: ...
    def retry(self) -> None: ...
    def showNormal(self) -> None: ...
    def statusBar(self) -> QStatusBar: ...


DEMO_TRANSCRIPT_SHARE = 0.62
"""In the booth the conversation is the show: it takes more of the width than at a desk."""


class BoothMode(QObject):
    def __init__(
        self, window: BoothWindow, personas: list[Persona], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.active = False
        self.idle = IdleReset(0, self)
        self.attract = AttractScreen(personas)
        self.attract.talk.connect(self.start_talking)
        self.attract.rehearse.connect(self.start_rehearsal)
        self.attract.operator.connect(self.operator_menu)
        self.countdown = QLabel("")
        self.countdown.setObjectName("countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        theme.styled(
            self.countdown,
            lambda: (
                f"background: {theme.WARNING_BG}; color: {theme.WARNING_INK}; font-weight: bold; "
                f"font-size: {theme.pt(20)}; padding: 14px; border-bottom: 2px solid #f59e0b;"
            ),
        )
        self.countdown.hide()
        self.operator_button = QPushButton("Operator")
        self.operator_button.setToolTip("For the booth's operator: needs the PIN")
        self.operator_button.setStyleSheet(
            "QPushButton { background: transparent; color: #64748b; border: 1px solid #1e293b; }"
        )
        self.operator_button.clicked.connect(self.operator_menu)
        self.operator_button.hide()
        self.pin_setup: PinSetupDialog | None = None
        self.menu: QDialog | None = None
        """The operator's panel while it is open (after the PIN)."""
        self.idle.countdown.connect(self._on_countdown)
        self.idle.stayed.connect(self.countdown.hide)
        self.idle.idle.connect(self._on_idle)

    # -- entering and leaving ------------------------------------------------------------------

    def enter(self) -> bool:
        """Become a booth; without an operator PIN yet, the operator chooses one first
        (``False`` if they cancel: the window stays as it was)."""
        window = self.window
        if not window.preferences.demo_pin_hash:
            setup = PinSetupDialog(self.attract.window())
            self.pin_setup = setup
            setup.accepted.connect(lambda: self._pin_chosen(setup.pin_hash))
            setup.rejected.connect(
                lambda: window.banner.show_message(
                    "warning",
                    "Demo mode needs an operator PIN, so the app stays in normal mode. "
                    "Choose the PIN in Settings → Demo mode.",
                )
            )
            QTimer.singleShot(0, setup.open)  # over the window, once it is on screen
            return False
        self.active = True
        window.kiosk.locked = True
        window.demo = True
        _large_type(window, True)
        for button in window.header_buttons.values():
            button.hide()
        self.operator_button.show()
        window.body.set_transcript_share(
            DEMO_TRANSCRIPT_SHARE, columns_from_px=round(WIDE_PX * theme.DEMO_SCALE)
        )
        self.idle.set_idle_seconds(window.preferences.demo_idle_reset_s)
        self.show_attract()
        if window.isVisible() and not window.isFullScreen():
            window.present()
        return True

    def leave(self) -> None:
        """The operator's exit (after the PIN): the normal app, unlocked."""
        window = self.window
        self.active = False
        window.kiosk.locked = False
        window.demo = False
        self.idle.set_idle_seconds(0)
        self.countdown.hide()
        self.operator_button.hide()
        for button in window.header_buttons.values():
            button.show()
        window.body.set_transcript_share(None)
        _large_type(window, False)
        window.pages.setCurrentWidget(window.session_page)
        window.statusBar().show()
        if window.isFullScreen():
            window.showNormal()
        window.composer.input.setFocus()

    def _pin_chosen(self, pin_hash: str | None) -> None:
        window = self.window
        window.preferences = with_changes(window.preferences, demo_pin_hash=pin_hash)
        try:
            save_preferences(window.preferences, window.preferences_path)
        except SimulatorError as e:
            window.banner.show_message("error", f"{e}. The PIN holds for this run only.")
        self.enter()

    # -- the visitor ---------------------------------------------------------------------------

    def show_attract(self) -> None:
        self.attract.show_welcome()
        self.attract.set_ready(self.window.bridge.state is SessionState.READY)
        self.window.pages.setCurrentWidget(self.attract)
        self.window.statusBar().hide()

    def start_talking(self) -> None:
        window = self.window
        window.pages.setCurrentWidget(window.session_page)
        window.statusBar().show()
        window.composer.input.setFocus()

    def start_rehearsal(self, persona_id: str) -> None:
        window = self.window
        self.start_talking()
        window.coach.choose_persona(persona_id)
        window.bridge.command(SetPersonaCommand(persona=persona_id))
        window.bridge.command(PlayCommand())

    def state_changed(self, state: SessionState) -> None:
        self.attract.set_ready(state is SessionState.READY)

    def has_visitor(self) -> bool:
        """Something a visitor did is on screen (so there is something to reset)."""
        if self.window.pages.currentWidget() is not self.attract:
            return True
        entries = self.window.feed.conversation.entries
        return bool(entries) and not isinstance(entries[-1], ConversationResetEvent)

    def reset(self) -> None:
        """Everything the last visitor saw goes: transcript, turn numbers, latency history and
        chart, timeline, context, scorecard, coach state, a PIN dialog left open; then the
        attract screen."""
        window = self.window
        self.countdown.hide()
        window.kiosk.dismiss()
        if window.settings_dialog is not None:
            window.settings_dialog.reject()
        if self.menu is not None:
            self.menu.close()
        window.coaching.dialog.hide()
        window.sessions.close_all()
        window.type_ahead.clear()
        window.composer.input.clear()
        window.coach.whisper.clear()
        window.feed.clear()
        if window.bridge.state is SessionState.FAILED:
            window.retry()
        else:
            window.bridge.command(NewConversationCommand())
        self.show_attract()

    def _on_countdown(self, seconds: int) -> None:
        if not self.active or not self.has_visitor():
            return
        if self.window.bridge.state is SessionState.BUSY:
            self.idle.activity()  # the team is still answering: the visitor is waiting, not gone
            return
        self.countdown.setText(f"Resetting in {seconds} s — touch to stay")
        self.countdown.show()

    def _on_idle(self) -> None:
        if self.window.bridge.state is SessionState.BUSY:
            self.idle.activity()
        elif self.active and self.has_visitor():
            self.reset()

    # -- the operator --------------------------------------------------------------------------

    def operator_menu(self) -> None:
        """Operator ▸ (PIN) ▸ Settings, sessions, exit demo mode, quit."""
        self.window.kiosk.ask("open the operator's menu", self._show_menu)

    def _show_menu(self) -> None:
        """The operator's panel: a dialog, not a popup menu (a popup opened as the PIN dialog
        closes is closed with it), built for this one opening and deleted when it closes, so
        its buttons, which need no second PIN, are nobody else's to reach."""
        window = self.window
        panel = QDialog(self.attract.window())
        panel.setWindowTitle("Operator")
        panel.setWindowModality(Qt.WindowModality.WindowModal)
        panel.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        column = QVBoxLayout(panel)
        for action in (
            window.settings_action,
            window.open_action,
            window.save_action,
            window.export_action,
            window.replay_action,
            window.exit_demo_action,
            window.quit_action,
        ):
            button = QPushButton(action.text().replace("&", ""))
            button.clicked.connect(lambda _c=False, a=action: self._operate(panel, a))
            column.addWidget(button)
        close = QPushButton("Close (stay in demo mode)")
        close.clicked.connect(panel.reject)
        column.addWidget(close)
        target = round(QFontMetrics(panel.font()).height() * BOOTH_TARGET_LINES)
        for button in panel.findChildren(QPushButton):  # touch targets, like the PIN's
            button.setMinimumHeight(target)
        panel.destroyed.connect(lambda: setattr(self, "menu", None))
        self.menu = panel
        panel.open()

    def _operate(self, panel: QDialog, action: QAction) -> None:
        panel.accept()
        self.window.kiosk.run_granted(action.trigger)


def _large_type(window: BoothWindow, large: bool) -> None:
    """Demo mode's large type, at once (the app may already be in it: ``--demo`` starts in it)."""
    app = QApplication.instance()
    scale = theme.DEMO_SCALE if large else 1.0
    if isinstance(app, QApplication) and theme.set_scale(app, scale):
        window.refresh_agent()  # the agent pill's own style sheet
    window.coach.set_compact(large)
