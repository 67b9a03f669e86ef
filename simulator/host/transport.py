"""Where a session runs: in this process, or in a LiveKit room. Chosen once, from the settings.

A face never knows which: the supervisor drives a :class:`SessionTransport` and passes on the same
events and takes the same :mod:`commands <simulator.commands>` either way.
:func:`choose_transport` picks the room when a LiveKit server is configured (``LIVEKIT_URL``, or a
token URL) and the in-process session otherwise; the supervisor falls back to the local one, with
a notice, when the room cannot be joined. What a transport can do (listen through a microphone,
speak) is described by :class:`Capabilities`, so a face can enable, or explain, its
controls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

from simulator.commands import Command
from simulator.events import Event
from simulator.settings import Settings

TransportKind = Literal["local", "room"]


@dataclass(frozen=True)
class TransportChoice:
    kind: TransportKind
    reason: str


def choose_transport(settings: Settings) -> TransportChoice:
    """The room when a LiveKit server (or a token URL) is configured, else this process."""
    if settings.livekit_token_url:
        return TransportChoice("room", f"a token URL is configured ({settings.livekit_token_url})")
    if settings.livekit_url:
        return TransportChoice("room", f"LIVEKIT_URL is set ({settings.livekit_url})")
    return TransportChoice(
        "local", "no LiveKit server is configured: the team runs on this computer"
    )


@dataclass(frozen=True)
class VoiceStatus:
    """What the session can hear and say, and the sentence that explains it to the user."""

    name: str | None = None
    """``cartesia``, ``offline``, or ``None`` for a text-only session."""
    can_talk: bool = False
    """A microphone is connected: push-to-talk (and open mic) work."""
    speaks: bool = False
    """The agents' replies are played aloud."""
    notice: str = "Voice is off: type your lines."


@dataclass(frozen=True)
class Capabilities:
    transport: TransportKind
    voice: VoiceStatus = VoiceStatus()
    room: str | None = None
    """The LiveKit room's name, in a room."""


class SessionTransport(Protocol):
    """One running conversation with the sales team; every method runs on the host's loop."""

    kind: TransportKind

    @property
    def provider(self) -> str:
        """``cerebras``, ``offline``... (``room`` until the worker says)."""
        ...

    @property
    def capabilities(self) -> Capabilities: ...

    def events(self) -> AsyncIterator[Event]:
        """Every event of the session, in order, until it is closed."""
        ...

    async def start(self) -> None: ...

    async def execute(self, command: Command) -> str:
        """Carry out ``command``; a sentence saying what was done, or ``SessionError`` refusing."""
        ...

    async def aclose(self) -> None: ...
