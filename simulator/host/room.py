"""The session in a LiveKit room: this face joins as a participant and the worker runs the team.

:class:`RoomTransport` is the room's :class:`~simulator.host.transport.SessionTransport`, over
:class:`~simulator.room.client.RoomClient`. Starting it checks the configuration first so a
mistake is one readable sentence, not a retry loop: the URL and credentials (asking the server
whether it accepts them, when the app holds the secret), then a worker (``simulator worker`` is
started as a child process when none answers on this machine, so a demo stays one command), then
the room itself. Any failure raises a :class:`~simulator.errors.SimulatorError` with the reason;
the supervisor then falls back to the in-process session and says so.

The events are the worker's, in order (the client re-joins and catches up after a drop). Every
command is an RPC call carried out by the worker's
:class:`~simulator.host.controller.SessionController`, Coach mode included; push-to-talk also
unmutes this computer's microphone in the room.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from simulator.commands import Command, CommandResult, OpenMicCommand, PushToTalkCommand
from simulator.errors import ProviderError, SessionError
from simulator.events import Event, SessionStartedEvent
from simulator.host.audio import AudioDevices, AudioFactory, open_audio
from simulator.host.transport import Capabilities, TransportKind, VoiceStatus
from simulator.settings import Settings

if TYPE_CHECKING:
    from simulator.room.client import ClientState, RoomClient
    from simulator.room.local_worker import LocalWorker

logger = logging.getLogger(__name__)


class RoomTransport:
    kind: TransportKind = "room"

    def __init__(
        self,
        settings: Settings,
        *,
        audio: AudioFactory | None = None,
        on_state: Callable[[str], None] | None = None,
        start_worker: bool = True,
        agent_timeout_s: float = 30.0,
    ) -> None:
        self.settings = settings
        self.on_state = on_state
        self._audio_factory = audio
        self._start_worker = start_worker
        self._agent_timeout_s = agent_timeout_s
        self.client: RoomClient | None = None
        self.worker: LocalWorker | None = None
        self._devices = AudioDevices()
        self._provider = "room"
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue()
        """The events to read, then ``None`` once closed."""
        self._voice = VoiceStatus(notice="In the room: type your lines.")

    @property
    def provider(self) -> str:
        return self._provider

    @property
    def capabilities(self) -> Capabilities:
        room = self.client.room_name if self.client is not None else None
        return Capabilities(transport="room", voice=self._voice, room=room)

    async def events(self) -> AsyncIterator[Event]:
        while (item := await self._queue.get()) is not None:
            yield item

    async def start(self) -> None:
        from simulator.room.access import TokenMinter, TokenSource, new_app_identity, token_source
        from simulator.room.client import RoomClient
        from simulator.room.config import check_credentials, livekit_config
        from simulator.room.metadata import SessionMetadata

        settings = self.settings
        self._state("checking")
        tokens: TokenSource = token_source(settings)  # names a missing key or a malformed URL
        if isinstance(tokens, TokenMinter):
            await check_credentials(livekit_config(settings))
            if self._start_worker:
                await self._ensure_worker()
        metadata = SessionMetadata(
            app_identity=new_app_identity(), knowledge=settings.knowledge_dir.name
        )
        client = RoomClient(tokens, metadata, agent_timeout_s=self._agent_timeout_s)
        client.on_state = self._on_client_state
        client.on_event = self._on_event
        self.client = client
        await client.connect()
        await self._connect_audio(client)

    async def execute(self, command: Command) -> str:
        client = self._require_client()
        if isinstance(command, (PushToTalkCommand, OpenMicCommand)):
            if not self._voice.can_talk:
                raise SessionError(self._voice.notice)
            pressed = command.pressed if isinstance(command, PushToTalkCommand) else command.on
            result: CommandResult = await client.push_to_talk(pressed)
        else:
            result = await client.send(command)
        if not result.ok:
            raise SessionError(result.message or "the sales team's room refused the command")
        return result.message

    async def aclose(self) -> None:
        client, self.client = self.client, None
        worker, self.worker = self.worker, None
        try:
            if client is not None:
                await client.aclose()
        finally:
            self._queue.put_nowait(None)
            if worker is not None:
                await worker.stop()
            self._devices.close()

    # -- internals ---------------------------------------------------------------------------------

    def _require_client(self) -> RoomClient:
        if self.client is None:
            raise SessionError("Not connected to the sales team's room.")
        return self.client

    def _on_event(self, event: Event) -> None:
        if isinstance(event, SessionStartedEvent):
            self._provider = event.provider
        self._queue.put_nowait(event)

    def _on_client_state(self, state: ClientState) -> None:
        self._state(state)

    def _state(self, state: str) -> None:
        if self.on_state is not None:
            self.on_state(state)

    async def _ensure_worker(self) -> None:
        from simulator.room.local_worker import LocalWorker, worker_running

        if await worker_running(self.settings):
            return
        self._state("starting_worker")
        worker = LocalWorker(self.settings)
        await worker.start()
        self.worker = worker if worker.started_here else None

    async def _connect_audio(self, client: RoomClient) -> None:
        """Publish the microphone muted (push-to-talk) and play the agents, when there are
        devices."""
        if self.settings.voice_mode == "off":
            self._voice = VoiceStatus(notice="Voice is off (--voice off): type your lines.")
            return
        self._devices = await asyncio.to_thread(open_audio, self.settings, self._audio_factory)
        devices = self._devices
        notice = " ".join(devices.notices)
        try:
            if devices.speaker is not None:
                client.play_agents_on(devices.speaker)
            if devices.microphone is not None:
                await client.publish_microphone(devices.microphone, muted=True)
        except (ProviderError, SessionError, RuntimeError) as e:
            logger.warning("room audio failed: %s", e)
            self._voice = VoiceStatus(notice=f"The room's audio failed ({e}): type your lines.")
            return
        self._voice = VoiceStatus(
            name="room",
            can_talk=devices.microphone is not None,
            speaks=devices.speaker is not None,
            notice=("In the room: hold to talk. " + notice).strip()
            if devices.microphone is not None
            else (notice or "No microphone: type your lines."),
        )
