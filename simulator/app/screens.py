"""What the window shows, as two explicit states: the live session, or a saved one.

The main window holds one screen at a time and hands it what the bridge reports. The
:class:`LiveScreen` shows the running session: its events go to the feed, its state to the
composer, its notices to the banner, and the user types as the customer. The
:class:`ViewingScreen` shows a saved session (opened, or replayed): the composer and the Coach
controls are locked, and what the live session reports meanwhile waits until the user goes back
to it (the window's New conversation), which shows the live session afresh.
"""

from __future__ import annotations

from typing import Protocol

from simulator.app.banner import Banner
from simulator.app.bridge import SessionBridge
from simulator.app.coach_controller import CoachController
from simulator.app.composer import Composer
from simulator.app.feed import EventFeed
from simulator.events import (
    CoachStateEvent,
    Event,
    ModeChangedEvent,
    PracticeStateEvent,
    StatusEvent,
)
from simulator.host.status import SessionState
from simulator.host.transport import Capabilities
from simulator.session_log import LoadedLog


class Window(Protocol):
    """What a screen touches of the main window."""

    bridge: SessionBridge
    feed: EventFeed
    banner: Banner
    composer: Composer
    coaching: CoachController

    def open_settings(self) -> object: ...

    def replay_session(self) -> None: ...

    def new_conversation(self) -> None: ...

    def refresh_agent(self) -> None: ...


_STARTING = (
    SessionState.STOPPED,
    SessionState.STARTING,
    SessionState.INDEXING,
    SessionState.FAILED,
)


class LiveScreen:
    """The running session on screen."""

    caption = "Speaking with"
    log: LoadedLog | None = None

    def __init__(self, window: Window) -> None:
        self.window = window

    def enter(self) -> None:
        """Show the live session afresh (coming back from a saved one)."""
        w = self.window
        w.coaching.set_live(True)
        if w.bridge.capabilities is not None:
            self.capabilities(w.bridge.capabilities)
        w.banner.dismiss()
        w.composer.set_locked(False)
        w.feed.clear()
        self.state(w.bridge.state, w.bridge.state_detail)

    def send(self, text: str) -> None:
        if self.window.bridge.send(text):
            self.window.composer.take_text()

    def live_event(self, event: Event) -> None:
        self.window.feed.push(event)

    def shown_event(self, event: Event) -> None:
        """An event the feed shows: the composer follows the mode, warnings go to the banner."""
        w = self.window
        if isinstance(event, (ModeChangedEvent, CoachStateEvent, PracticeStateEvent)):
            self.state(w.bridge.state, w.bridge.state_detail)  # the placeholder follows the mode
        if isinstance(event, StatusEvent) and event.level != "info":
            w.banner.show_message(event.level, event.message, [("Settings…", w.open_settings)])

    def state(self, state: SessionState, detail: str) -> None:
        w = self.window
        placeholders = {
            SessionState.READY: (
                "Answer as the company's rep and press Enter…"
                if w.coaching.selling
                else "Type to take over as the customer…"
                if w.coaching.persona_playing
                else "Type as the customer and press Enter…"
            ),
            SessionState.BUSY: "Answering… you can type ahead",
            SessionState.FAILED: "The team is not running: see the message above.",
            SessionState.CLOSED: "Closed.",
        }
        w.composer.set_ready(
            state is SessionState.READY, placeholders.get(state, "Starting… you can type ahead")
        )
        w.refresh_agent()

    def notice(self, level: str, message: str) -> None:
        w = self.window
        w.banner.show_message(
            level, message, [("Settings…", w.open_settings)] if level != "info" else []
        )

    def capabilities(self, capabilities: Capabilities) -> None:
        self.window.composer.set_voice(capabilities.voice.can_talk, capabilities.voice.notice)

    def agent(self, state: SessionState) -> tuple[bool, bool]:
        """(the team is starting, the team is answering), for the agent pill."""
        return state in _STARTING, state is SessionState.BUSY

    def idle(self) -> bool:
        """Whether an idle booth may start a fresh conversation now."""
        return self.window.bridge.state is SessionState.READY


class ViewingScreen:
    """A saved session on screen (opened from a file, or the current one being replayed)."""

    caption = "In this session"

    def __init__(self, window: Window, log: LoadedLog) -> None:
        self.window = window
        self.log: LoadedLog | None = log

    def enter(self, message: str) -> None:
        w = self.window
        w.coaching.set_live(False)
        w.composer.set_voice(False, "Viewing a saved session.")
        warning = self.log.warning if self.log is not None else None
        text = message if warning is None else f"{message} Note: {warning}"
        w.banner.show_message(
            "warning" if warning else "info",
            text,
            [("Replay", w.replay_session), ("Back to live", w.new_conversation)],
        )
        w.composer.set_locked(
            True, "Viewing a saved session: New conversation goes back to the live team."
        )
        w.refresh_agent()

    def send(self, text: str) -> None:
        """Nothing is sent from a saved session."""

    def live_event(self, event: Event) -> None:
        """The live session's events wait: going back to it shows it afresh."""

    def shown_event(self, event: Event) -> None:
        """A saved session's warnings are part of it, not news for the banner."""

    def state(self, state: SessionState, detail: str) -> None:
        """The live session's state is shown when the user goes back to it."""

    def notice(self, level: str, message: str) -> None:
        """The live session's notices are not about what is on screen."""

    def capabilities(self, capabilities: Capabilities) -> None:
        """The voice stays off while a saved session is shown."""

    def agent(self, state: SessionState) -> tuple[bool, bool]:
        return False, False

    def idle(self) -> bool:
        return False


Screen = LiveScreen | ViewingScreen
