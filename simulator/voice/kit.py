"""What a session needs to listen and speak, in one object.

A :class:`VoiceKit` is handed to :class:`~simulator.session.SessionRunner` (locally) or built by
the worker (in a room). It holds the speech-to-text, the voice-activity detector, one TTS per
agent role (so a handoff is heard as a different person), and, for a local session, the audio
input and output. In a room those two stay ``None``: livekit's RoomIO publishes and subscribes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from livekit.agents import stt, tts, vad
from livekit.agents.voice import io

from simulator.events import AgentRole


@dataclass
class VoiceKit:
    name: str
    """Shown to the user: ``cartesia`` or ``offline``."""
    stt: stt.STT
    vad: vad.VAD
    voices: Mapping[AgentRole, tts.TTS]
    """One TTS per agent role; every role must be present."""
    turn_detection: str | None = "vad"
    """livekit's turn detection. ``vad``: the turn ends when silero hears silence and the final
    transcript is in, so the latency stages are measured from when the customer really stopped
    (``stt`` would start the clock at the recogniser's own end-of-turn and hide its delay)."""
    audio_input: io.AudioInput | None = None
    audio_output: io.AudioOutput | None = None
    listens: bool = True
    """False for a session on this computer with no microphone: no speech-to-text runs then (it
    would open a recogniser connection for every agent for nothing, and with a refused key those
    failures add up until livekit closes the session)."""
    notices: list[str] = field(default_factory=list)
    """Things the user should know about this voice (e.g. "no microphone: type instead")."""
    http_session: aiohttp.ClientSession | None = None
    """The HTTP/websocket session the providers share; closed with the kit."""

    def session_options(self) -> dict[str, Any]:
        """Keyword arguments for ``AgentSession`` (the Greeter's voice is the session default)."""
        options: dict[str, Any] = {"tts": self.voices["greeter"]}
        if not self.listens:
            return options
        options.update(stt=self.stt, vad=self.vad)
        if self.turn_detection is not None:
            options["turn_handling"] = {"turn_detection": self.turn_detection}
        return options

    def attach(self, session: Any) -> None:
        """Wire the local audio devices into an ``AgentSession`` (before ``start``), and connect
        every role's voice now: livekit connects a voice when its agent takes over, so the first
        handoff to each specialist waited for a new connection before its first word."""
        if self.audio_input is not None:
            session.input.audio = self.audio_input
        if self.audio_output is not None:
            session.output.audio = self.audio_output
        for voice in {id(v): v for v in self.voices.values()}.values():
            voice.prewarm()

    async def __aenter__(self) -> VoiceKit:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        distinct = {id(v): v for v in self.voices.values()}
        await asyncio.gather(
            self.stt.aclose(), *(v.aclose() for v in distinct.values()), return_exceptions=True
        )
        closer = getattr(self.audio_output, "aclose", None)
        if closer is not None:
            await closer()
        if self.http_session is not None:
            await self.http_session.close()
