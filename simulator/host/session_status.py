"""One model of how the session is doing, so every place that shows it says the same thing.

A face shows the session's state in several places at once: a light with a headline ("● Ready ·
Cerebras gpt-oss-120b"), the provider and its connection, the room, the voice, the latest
warning, and a banner for a problem the user must act on. Each used to follow its own signal, so
they could disagree (a green "Ready · Cerebras" beside a red "Cerebras failing: answering
offline"). :class:`SessionStatus` folds everything that changes them (the supervisor's state, the
session's events, the room's connection, the voice) into one :class:`StatusView`; a view only
renders it. Plain Python: a face subscribes to changes and marshals them itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from simulator.events import (
    ConversationResetEvent,
    Event,
    LatencyEvent,
    SessionStartedEvent,
    StatusEvent,
)
from simulator.host.status import SessionState
from simulator.host.transport import Capabilities

Light = Literal["ok", "busy", "starting", "degraded", "failed", "off"]
Health = Literal["unknown", "ok", "failing"]

FAILING = (
    "Cerebras is failing: the offline responder answers from your documents until it recovers."
)


@dataclass(frozen=True)
class StatusView:
    """Everything a face shows about the session, derived from one set of facts."""

    state: SessionState = SessionState.STOPPED
    light: Light = "starting"
    headline: str = "Starting the sales team…"
    provider: str = "Provider: starting…"
    connection: str = ""
    connection_light: Light = "off"
    room: str = ""
    voice: str = ""
    voice_detail: str = ""
    warning: str | None = None
    """The latest warning of the session, for the status bar (the banner has it too)."""
    problem: str | None = None
    """What is wrong with the team right now, for the banner (``None``: nothing)."""
    problem_level: Literal["warning", "error"] = "warning"
    """``error`` when it will not fix itself (the team did not start, a refused key)."""

    @property
    def running(self) -> bool:
        return self.state in (SessionState.READY, SessionState.BUSY)


class SessionStatus:
    """Feed it what happens; read :attr:`view`, or :meth:`subscribe` to every change."""

    def __init__(self) -> None:
        self._state = SessionState.STOPPED
        self._detail = "Starting the sales team…"
        self._provider: str | None = None
        self._model = ""
        self._health: Health = "unknown"
        self._provider_problem: str | None = None
        self._provider_problem_level: Literal["warning", "error"] = "warning"
        self._room = ""
        self._voice = ""
        self._voice_detail = ""
        self._warning: str | None = None
        self._listeners: list[Callable[[StatusView], None]] = []
        self.view = self._derive()

    def subscribe(self, listener: Callable[[StatusView], None]) -> Callable[[], None]:
        """Call ``listener`` with every new view; returns the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- what happened -----------------------------------------------------------------------------

    def state_changed(self, state: SessionState, detail: str) -> None:
        self._state, self._detail = state, detail
        if state in (SessionState.STARTING, SessionState.INDEXING, SessionState.FAILED):
            self._provider, self._health = None, "unknown"
        self._changed()

    def event(self, event: Event) -> None:
        if isinstance(event, SessionStartedEvent):
            self._provider, self._model, self._health = event.provider, event.model, "unknown"
            self._provider_problem = None
        elif isinstance(event, LatencyEvent) and self._provider == "cerebras":
            self._health = "ok" if event.provider == "cerebras" else "failing"
        elif isinstance(event, StatusEvent):
            if event.source == "cerebras":
                self._health = "ok" if event.level == "info" else "failing"
                self._provider_problem = None if event.level == "info" else event.message
                self._provider_problem_level = "error" if event.level == "error" else "warning"
            if event.level != "info":
                self._warning = event.message
        elif isinstance(event, ConversationResetEvent):
            self._warning = None  # a new visitor: yesterday's warning is not theirs
        else:
            return
        self._changed()

    def room_changed(self, text: str) -> None:
        self._room = text
        self._changed()

    def capabilities_changed(self, capabilities: Capabilities) -> None:
        voice = capabilities.voice
        if voice.can_talk:
            self._voice = f"● Voice: {voice.name}"
        elif voice.speaks:
            self._voice = f"♪ Voice: {voice.name} (replies only)"
        else:
            self._voice = "Text only"
        self._voice_detail = voice.notice
        self._changed()

    def clear_warning(self) -> None:
        self._warning = None
        self._changed()

    # -- the view ----------------------------------------------------------------------------------

    def _changed(self) -> None:
        view = self._derive()
        if view == self.view:
            return
        self.view = view
        for listener in list(self._listeners):
            listener(view)

    def _derive(self) -> StatusView:
        view = StatusView(
            state=self._state,
            room=self._room,
            voice=self._voice,
            voice_detail=self._voice_detail,
            warning=self._warning,
        )
        failing = self._provider == "cerebras" and self._health == "failing"
        problem = (self._provider_problem or FAILING) if failing else None
        provider, connection, connection_light = _provider_fields(
            self._provider, self._model, self._health
        )
        view = replace(
            view, provider=provider, connection=connection, connection_light=connection_light
        )
        state = self._state
        if state is SessionState.FAILED:
            return replace(
                view,
                light="failed",
                headline=self._detail,
                provider="Not running",
                connection="",
                connection_light="off",
                problem=self._detail,
                problem_level="error",
            )
        if state is SessionState.CLOSED:
            return replace(view, light="off", headline="Closed.")
        if state is SessionState.READY:
            if failing:
                return replace(
                    view,
                    light="degraded",
                    headline="Ready · answering offline (Cerebras is failing)",
                    problem=problem,
                    problem_level=self._provider_problem_level,
                )
            return replace(view, light="ok", headline=self._detail)
        if state is SessionState.BUSY:
            busy = "Answering offline (Cerebras is failing)…" if failing else self._detail
            return replace(
                view,
                light="busy",
                headline=busy,
                problem=problem,
                problem_level=self._provider_problem_level,
            )
        return replace(view, light="starting", headline=self._detail)


def _provider_fields(provider: str | None, model: str, health: Health) -> tuple[str, str, Light]:
    """(what the team runs on, its connection, the connection's light)."""
    if provider is None:
        return "Provider: starting…", "", "off"
    if provider == "offline":
        return "Offline responder (sentences from your documents)", "no network needed", "off"
    if provider == "cerebras":
        connection: dict[Health, tuple[str, Light]] = {
            "unknown": ("not contacted yet", "off"),
            "ok": ("Cerebras connected", "ok"),
            "failing": ("Cerebras failing: answering offline", "failed"),
        }
        text, light = connection[health]
        return f"Cerebras · {model}", text, light
    return f"{provider} · {model}", "", "off"
