"""Coach mode's wiring: the panel's commands go to the bridge, the session's events come back.

The :class:`~simulator.app.coach_panel.CoachPanel` only asks (typed commands), the bridge only
carries them, and the session host decides; this controller connects them:

- the panel follows ``ModeChangedEvent``/``CoachStateEvent`` from the feed, and is enabled only
  while the live session runs (not while a saved session is shown);
- scorecards: the final one of a rehearsal opens the :class:`ScorecardDialog` by itself, and the
  Scorecard button asks the session for one as it stands (a saved session shows its last one);
- Rep mode: the panel follows ``PracticeStateEvent``, and the rep's progress with the persona
  (``PracticeProgressEvent``) is charted in the scorecard dialog.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from simulator.app.bridge import SessionBridge
from simulator.app.coach_panel import STARTING, CoachPanel
from simulator.app.feed import EventFeed
from simulator.app.scorecard_view import ScorecardDialog
from simulator.commands import Command, ScorecardCommand, SetPersonaCommand
from simulator.events import (
    CoachStateEvent,
    ConversationResetEvent,
    CustomerTypingEvent,
    Event,
    ModeChangedEvent,
    PracticeProgressEvent,
    PracticeStateEvent,
    ScorecardEvent,
    SessionStartedEvent,
    TranscriptEvent,
)
from simulator.host.transport import Capabilities
from simulator.turn_numbers import renumbered

VIEWING = "Viewing a saved session: New conversation goes back to the live team"


class CoachController(QObject):
    scorecard_shown = Signal(object)
    """The :class:`~simulator.events.Scorecard` the dialog now shows."""

    def __init__(
        self, bridge: SessionBridge, feed: EventFeed, panel: CoachPanel, window: QWidget
    ) -> None:
        super().__init__(window)
        self.bridge = bridge
        self.feed = feed
        self.panel = panel
        self.dialog = ScorecardDialog(window)
        self.live = True
        self._asked = False
        panel.command.connect(self._command)
        panel.scorecard_requested.connect(self.show_scorecard)
        bridge.capabilities_changed.connect(self._on_capabilities)
        feed.event_received.connect(self._on_event)
        feed.cleared.connect(panel.reset)

    @property
    def persona_playing(self) -> bool:
        """A persona is the customer right now (so typing is a take-over)."""
        return self.panel.rehearsal_loaded and self.panel.current_mode == "coach"

    @property
    def selling(self) -> bool:
        """Rep mode: the user answers a persona as the company's rep."""
        return self.panel.current_mode == "rep" and self.panel.practice_state is not None

    def show_scorecard(self) -> None:
        """The scorecard now: asked of the live session, or the saved session's last one."""
        if self.live and self.bridge.command(ScorecardCommand()):
            self._asked = True
            return
        cards = [e for e in self.feed.events if isinstance(e, ScorecardEvent)]
        if cards:
            self._show(cards[-1])

    def set_live(self, live: bool) -> None:
        """``False`` while a saved session is viewed or replayed: nothing to coach."""
        self.live = live
        if live:
            self._on_capabilities(self.bridge.capabilities)
        else:
            self.panel.set_coach_available(False, VIEWING)

    def _command(self, command: Command) -> None:
        if not self.bridge.command(command) and isinstance(command, SetPersonaCommand):
            self.bridge.notice.emit(
                "info", "The sales team is still starting; pick the persona again in a moment."
            )

    def _on_capabilities(self, capabilities: Capabilities | None) -> None:
        if not self.live:
            return
        if capabilities is None:
            self.panel.set_coach_available(False, STARTING)
        else:
            self.panel.set_coach_available(True)

    def _on_event(self, event: Event) -> None:
        if isinstance(
            event,
            (
                ModeChangedEvent,
                CoachStateEvent,
                CustomerTypingEvent,
                ConversationResetEvent,
                PracticeStateEvent,
                TranscriptEvent,
            ),
        ):
            self.panel.apply(event)
            if isinstance(event, ConversationResetEvent):
                self.dialog.hide()  # a new conversation: the last one's scorecard is not its
        elif isinstance(event, PracticeProgressEvent):
            self.dialog.show_progress(event)
        elif isinstance(event, SessionStartedEvent):
            self.panel.reset()
        elif isinstance(event, ScorecardEvent):
            card = event.scorecard
            if self._asked or (
                self.live and card.final and card.persona and card.customer_turns > 0
            ):
                self._asked = False
                self._show(event)

    def _show(self, event: ScorecardEvent) -> None:
        # turns as this visitor counts them (the session's ids keep counting across resets)
        self.dialog.show_card(renumbered(event.scorecard, self.feed.conversation.turn_number))
        self.scorecard_shown.emit(event.scorecard)
