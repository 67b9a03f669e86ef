"""The worker's end of the command channel: one RPC method, callable by the app participant only.

:class:`CommandServer` checks the caller's identity first (anyone else in the room, another
participant or a second app, gets ``FORBIDDEN``), then decodes the payload into a typed
:class:`~simulator.room.commands.Command` (``BAD_COMMAND`` if it is not one) and hands it to a
:class:`SessionControls`. What the session refuses (a ``SimulatorError``) comes back as
``CommandResult(ok=False, message=...)``, so the app can show it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from pydantic import ValidationError

from simulator.errors import SimulatorError
from simulator.room.commands import (
    RPC_METHOD,
    Command,
    CommandResult,
    EndRehearsalCommand,
    HandBackCommand,
    NewConversationCommand,
    PauseCommand,
    PlayCommand,
    PushToTalkCommand,
    ResumeCommand,
    SayCommand,
    ScorecardCommand,
    SetModeCommand,
    SetPersonaCommand,
    StepCommand,
    TakeOverCommand,
    WhisperCommand,
    decode,
)
from simulator.room.transport import EventPublisher

if TYPE_CHECKING:
    from livekit import rtc

FORBIDDEN = 2403
BAD_COMMAND = 2400

logger = logging.getLogger(__name__)


class SessionControls(Protocol):
    """What a command can ask of the session; each returns a short message for the app."""

    async def say(self, text: str) -> str: ...
    async def new_conversation(self) -> str: ...
    async def set_mode(self, mode: str) -> str: ...
    async def whisper(self, text: str) -> str: ...
    async def take_over(self) -> str: ...
    async def hand_back(self) -> str: ...
    async def set_persona(self, persona: str) -> str: ...
    async def play(self) -> str: ...
    async def pause(self) -> str: ...
    async def step(self) -> str: ...
    async def end_rehearsal(self) -> str: ...
    async def scorecard(self) -> str: ...
    async def push_to_talk(self, pressed: bool) -> str: ...


class CommandServer:
    def __init__(
        self, controls: SessionControls, publisher: EventPublisher, *, allowed_identity: str
    ) -> None:
        if not allowed_identity:
            raise ValueError("the command server needs the app participant's identity")
        self.controls = controls
        self.publisher = publisher
        self.allowed_identity = allowed_identity

    def register(self, participant: rtc.LocalParticipant) -> None:
        participant.register_rpc_method(RPC_METHOD, self.handle)

    def authorize(self, caller_identity: str) -> None:
        """Raise ``RpcError(FORBIDDEN)`` unless the caller is the app participant."""
        from livekit import rtc

        if caller_identity != self.allowed_identity:
            logger.warning(
                "refused a command from %r (only %r may command)",
                caller_identity,
                self.allowed_identity,
            )
            raise rtc.RpcError(FORBIDDEN, "only the app participant may command this session")

    async def handle(self, data: rtc.RpcInvocationData) -> str:
        from livekit import rtc

        self.authorize(data.caller_identity)
        try:
            command = decode(data.payload)
        except ValidationError as e:
            raise rtc.RpcError(
                BAD_COMMAND, f"not a simulator command: {e.error_count()} problem(s)"
            ) from None
        try:
            message = await self.dispatch(command)
        except SimulatorError as e:
            return CommandResult(ok=False, message=str(e)).model_dump_json()
        return CommandResult(ok=True, message=message).model_dump_json()

    async def dispatch(self, command: Command) -> str:
        c = self.controls
        match command:
            case SayCommand(text=text):
                return await c.say(text)
            case NewConversationCommand():
                return await c.new_conversation()
            case SetModeCommand(mode=mode):
                return await c.set_mode(mode)
            case WhisperCommand(text=text):
                return await c.whisper(text)
            case TakeOverCommand():
                return await c.take_over()
            case HandBackCommand():
                return await c.hand_back()
            case SetPersonaCommand(persona=persona):
                return await c.set_persona(persona)
            case PlayCommand():
                return await c.play()
            case PauseCommand():
                return await c.pause()
            case StepCommand():
                return await c.step()
            case EndRehearsalCommand():
                return await c.end_rehearsal()
            case ScorecardCommand():
                return await c.scorecard()
            case PushToTalkCommand(pressed=pressed):
                return await c.push_to_talk(pressed)
            case ResumeCommand(after_seq=after):
                sent = await self.publisher.replay(after)
                return f"replayed {sent} event(s)"
        raise SimulatorError(f"unknown command {command!r}")
