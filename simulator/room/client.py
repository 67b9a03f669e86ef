"""The app's side of a room session: join, talk, listen, read the events, send commands.

:class:`RoomClient` is written against the real ``livekit.rtc`` SDK and never imports Qt; the
desktop app drives it from its asyncio thread (the one ``SessionBridge`` already runs)::

    client = RoomClient(token_source(settings), SessionMetadata(app_identity=new_app_identity()))
    await client.connect()                       # token, join, the sales team is dispatched
    client.on_event = bridge_callback            # or: async for event in client.events()
    await client.publish_microphone(mic)         # optional: any simulator.voice.Microphone
    client.play_agents_on(speaker)               # optional: any simulator.voice.Speaker
    await client.say("How much is the Professional plan?")
    await client.send(NewConversationCommand())  # every command answers a CommandResult
    ...
    await client.aclose()

A dropped connection is re-joined (same room, same identity, a fresh token) with backoff, then the
client asks the worker for the events it missed, so :attr:`transcript` stays whole. State
changes are reported through :attr:`on_state` (``connecting``, ``waiting_for_agent``,
``connected``, ``reconnecting``, ``closed``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Literal

from simulator.commands import (
    Command,
    CommandResult,
    PushToTalkCommand,
    ResumeCommand,
    SayCommand,
    to_json,
)
from simulator.errors import ProviderError, SessionError
from simulator.events import Event
from simulator.room.access import RoomAccess, TokenSource
from simulator.room.metadata import SessionMetadata
from simulator.room.transport import EVENTS_TOPIC, RPC_METHOD, EventSequencer, parse_seq

if TYPE_CHECKING:
    from livekit import rtc

    from simulator.voice.audio_io import Microphone, Speaker

ClientState = Literal[
    "idle", "connecting", "waiting_for_agent", "connected", "reconnecting", "closed"
]
logger = logging.getLogger(__name__)


class RoomClient:
    def __init__(
        self,
        tokens: TokenSource,
        metadata: SessionMetadata,
        *,
        agent_timeout_s: float = 30.0,
        command_timeout_s: float = 15.0,
        reconnect_attempts: int = 6,
    ) -> None:
        self.tokens = tokens
        self.metadata = metadata
        self.agent_timeout_s = agent_timeout_s
        self.command_timeout_s = command_timeout_s
        self.reconnect_attempts = reconnect_attempts
        self.on_event: Callable[[Event], None] | None = None
        self.on_state: Callable[[ClientState], None] | None = None
        self.transcript: list[Event] = []
        """Every event received, in order, across reconnects."""
        self.state: ClientState = "idle"
        self.access: RoomAccess | None = None
        self._room: rtc.Room | None = None
        self._agent_identity: str | None = None
        self._agent_joined = asyncio.Event()
        self._sequencer = EventSequencer()
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue()
        """The events to read, then ``None`` once closed."""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._microphone: Microphone | None = None
        self._mic_track: rtc.LocalAudioTrack | None = None
        self._speaker: Speaker | None = None
        self._closing = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> RoomClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def connect(self) -> RoomAccess:
        """Get a token, join a new room (the sales team is dispatched by the token) and wait for
        the agent to arrive; raises ``ProviderError`` with a readable reason on failure."""
        self._set_state("connecting")
        self.access = await self.tokens.access(self.metadata)
        await self._join(self.access)
        await self._wait_for_agent()
        self._set_state("connected")
        return self.access

    async def aclose(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        room, self._room = self._room, None
        if room is not None:
            await room.disconnect()
        self._set_state("closed")
        self._queue.put_nowait(None)

    async def reconnect(self) -> None:
        """Leave and join the same room again (e.g. after the network changed); the transcript is
        kept."""
        room, self._room = self._room, None
        if room is not None:
            room.off("disconnected", self._on_disconnected)
            await room.disconnect()
        await self._rejoin()

    @property
    def room_name(self) -> str | None:
        return self.access.room if self.access else None

    @property
    def agent_identity(self) -> str | None:
        return self._agent_identity

    @property
    def last_seq(self) -> int:
        return self._sequencer.last_seq

    # -- events and commands -----------------------------------------------------------------

    async def events(self) -> AsyncIterator[Event]:
        """Every event as it arrives (in order), until the client is closed."""
        while (item := await self._queue.get()) is not None:
            yield item

    async def send(self, command: Command) -> CommandResult:
        """Call the worker; its refusal comes back as ``ok=False``, a transport failure raises."""
        from livekit import rtc

        room, agent = self._room, self._agent_identity
        if room is None or agent is None:
            raise SessionError("not connected to the sales team's room")
        try:
            reply = await room.local_participant.perform_rpc(
                destination_identity=agent,
                method=RPC_METHOD,
                payload=to_json(command),
                response_timeout=self.command_timeout_s,
            )
        except rtc.RpcError as e:
            raise SessionError(
                f"the sales team did not take the command: {e.message} ({e.code})"
            ) from None
        return CommandResult.model_validate_json(reply)

    async def say(self, text: str) -> CommandResult:
        return await self.send(SayCommand(text=text))

    # -- audio -------------------------------------------------------------------------------

    async def publish_microphone(self, microphone: Microphone, *, muted: bool = False) -> None:
        """Publish the microphone (open mic; ``muted=True`` for push-to-talk)."""
        self._microphone = microphone
        if self._room is not None:
            await self._start_microphone(self._room, muted=muted)

    async def push_to_talk(self, pressed: bool) -> CommandResult:
        if self._mic_track is not None:
            self._mic_track.unmute() if pressed else self._mic_track.mute()
        return await self.send(PushToTalkCommand(pressed=pressed))

    def play_agents_on(self, speaker: Speaker) -> None:
        """Play the agents' audio tracks on ``speaker`` (tracks already there and future ones)."""
        self._speaker = speaker
        if self._room is not None:
            for participant in self._room.remote_participants.values():
                for publication in participant.track_publications.values():
                    if publication.track is not None:
                        self._on_track(publication.track, publication, participant)

    # -- internals ---------------------------------------------------------------------------

    async def _join(self, access: RoomAccess) -> None:
        from livekit import rtc

        self._agent_joined.clear()
        room = rtc.Room()
        room.register_text_stream_handler(EVENTS_TOPIC, self._on_text_stream)
        room.on("participant_connected", self._on_participant)
        room.on("track_subscribed", self._on_track)
        room.on("disconnected", self._on_disconnected)
        room.on("reconnected", lambda: self._spawn(self._resume()))
        try:
            await room.connect(access.url, access.token, rtc.RoomOptions(auto_subscribe=True))
        except rtc.ConnectError as e:
            raise ProviderError(
                f"Cannot join the LiveKit room at {access.url}: {e.message}"
            ) from None
        self._room = room
        for participant in room.remote_participants.values():
            self._on_participant(participant)
        if self._microphone is not None:
            await self._start_microphone(
                room, muted=self._mic_track.muted if self._mic_track else False
            )
        if self._speaker is not None:
            self.play_agents_on(self._speaker)

    async def _wait_for_agent(self) -> None:
        self._set_state("waiting_for_agent")
        try:
            await asyncio.wait_for(self._agent_joined.wait(), self.agent_timeout_s)
        except TimeoutError:
            raise ProviderError(
                f"No sales-team agent joined the room within {self.agent_timeout_s:.0f} s: "
                "is `simulator worker` running against the same LiveKit server?"
            ) from None

    def _on_participant(self, participant: rtc.RemoteParticipant) -> None:
        from livekit import rtc

        if participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT:
            self._agent_identity = participant.identity
            self._agent_joined.set()

    def _on_text_stream(self, reader: rtc.TextStreamReader, participant_identity: str) -> None:
        self._spawn(self._read_event(reader, participant_identity))

    async def _read_event(self, reader: rtc.TextStreamReader, participant_identity: str) -> None:
        line = await reader.read_all()
        if self._agent_identity is not None and participant_identity != self._agent_identity:
            return  # only the sales team speaks on this topic
        seq = parse_seq(reader.info.attributes)
        if seq is None:
            return
        for event in self._sequencer.accept(seq, line):
            self.transcript.append(event)
            self._queue.put_nowait(event)
            if self.on_event is not None:
                self.on_event(event)

    def _on_track(
        self,
        track: rtc.Track,
        publication: rtc.RemoteTrackPublication,
        participant: rtc.RemoteParticipant,
    ) -> None:
        from livekit import rtc

        if self._speaker is None or track.kind != rtc.TrackKind.KIND_AUDIO:
            return
        if participant.identity != self._agent_identity:
            return
        self._spawn(self._play(track, self._speaker))

    async def _play(self, track: rtc.Track, speaker: Speaker) -> None:
        from livekit import rtc

        stream = rtc.AudioStream(track, sample_rate=speaker.sample_rate or 48000, num_channels=1)
        try:
            async for event in stream:
                speaker.write(event.frame)
        finally:
            await stream.aclose()

    async def _start_microphone(self, room: rtc.Room, *, muted: bool) -> None:
        from livekit import rtc

        microphone = self._microphone
        assert microphone is not None
        frames = microphone.frames()
        first = await frames.__anext__()
        source = rtc.AudioSource(first.sample_rate, first.num_channels)
        track = rtc.LocalAudioTrack.create_audio_track("microphone", source)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        await room.local_participant.publish_track(track, options)
        if muted:
            track.mute()
        self._mic_track = track

        async def capture() -> None:
            await source.capture_frame(first)
            async for frame in frames:
                await source.capture_frame(frame)

        self._spawn(capture())

    def _on_disconnected(self, reason: Any = None) -> None:
        if not self._closing:
            self._spawn(self._rejoin())

    async def _rejoin(self) -> None:
        """Join the same room again (fresh token, same identity), then catch up on events."""
        self._set_state("reconnecting")
        assert self.access is not None
        delay = 0.5
        for attempt in range(1, self.reconnect_attempts + 1):
            try:
                access = await self.tokens.access(self.metadata, room=self.access.room)
                await self._join(access)
                await self._wait_for_agent()
                await self._resume()
                self._set_state("connected")
                return
            except (ProviderError, SessionError) as e:
                logger.warning("reconnect attempt %d failed: %s", attempt, e)
                await asyncio.sleep(delay)  # backoff between attempts
                delay = min(delay * 2, 8.0)
        self._set_state("closed")
        self._queue.put_nowait(None)

    async def _resume(self) -> None:
        await self.send(ResumeCommand(after_seq=self._sequencer.last_seq))

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _set_state(self, state: ClientState) -> None:
        self.state = state
        if self.on_state is not None:
            self.on_state(state)
