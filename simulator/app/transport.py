"""Where the app's session runs: in this process, or in a LiveKit room. Chosen once, from the settings.

The window never knows which: the bridge drives a :class:`SessionTransport` on its asyncio
thread and renders the same events either way. :func:`choose_transport` picks the room when a
LiveKit server is configured (``LIVEKIT_URL``, or a token URL) and the in-process session
otherwise; the bridge falls back to the local one, with a notice, when the room cannot be joined.
What a transport can do (coach a persona, listen through a microphone) is described by
:class:`Capabilities`, so the window can enable, or explain, its controls.

Never imports Qt.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

from simulator.events import Event
from simulator.personas.model import Persona
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
    coach_unavailable: str | None = None
    """Why Coach mode cannot run on this transport, or ``None`` when it can."""
    voice: VoiceStatus = VoiceStatus()
    room: str | None = None
    """The LiveKit room's name, in a room."""


class SessionTransport(Protocol):
    """One running conversation with the sales team; every method runs on the bridge's loop."""

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

    async def send(self, text: str) -> None:
        """The user's line as the customer (taking over from a persona that is playing)."""
        ...

    async def reset(self) -> None:
        """A new conversation with the Greeter (a rehearsal in progress ends with its scorecard)."""
        ...

    async def load_persona(self, persona: Persona) -> None:
        """Coach mode: a new conversation in which ``persona`` plays the customer (ready to play)."""
        ...

    async def coach_command(self, command: str, text: str = "") -> None:
        """``play``, ``pause``, ``step``, ``whisper`` (with ``text``), ``take_over``, ``hand_back``, ``end``."""
        ...

    async def scorecard(self) -> None:
        """Publish the scorecard as it stands now (a ``ScorecardEvent`` in the stream)."""
        ...

    async def talk(self, pressed: bool) -> None:
        """Push-to-talk: the microphone is heard while pressed."""
        ...

    async def open_mic(self, on: bool) -> None:
        """Open mic: the microphone is heard all the time (voice activity ends each turn)."""
        ...

    async def aclose(self) -> None: ...


COACH_COMMANDS = ("play", "pause", "step", "whisper", "take_over", "hand_back", "end")
