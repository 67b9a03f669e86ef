"""The app's commands to the session in a room, typed, and sent as one RPC method.

Each command is a frozen pydantic model with a ``type`` literal, joined in the discriminated
union :data:`Command`, like the events; :func:`encode`/:func:`decode` are the only
(de)serialisers. The worker answers every call with a :class:`CommandResult`. ``resume`` is the
transport's own: after a reconnect the app asks for the events it missed.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

RPC_METHOD = "simulator.command"


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SayCommand(_Command):
    """The customer types a line (Customer mode, or after taking over)."""

    type: Literal["say"] = "say"
    text: str = Field(min_length=1)


class SetModeCommand(_Command):
    """``coach``: the persona (the dispatch's, or the last one set) plays the customer; ``customer``:
    the user does (a take-over when a rehearsal is running)."""

    type: Literal["set_mode"] = "set_mode"
    mode: Literal["customer", "coach"]


class WhisperCommand(_Command):
    """Coach guidance for the active agent's next reply; the customer never sees it."""

    type: Literal["whisper"] = "whisper"
    text: str = Field(min_length=1)


class TakeOverCommand(_Command):
    """The user becomes the customer mid-conversation, with the same history."""

    type: Literal["take_over"] = "take_over"


class HandBackCommand(_Command):
    """The persona plays the customer again."""

    type: Literal["hand_back"] = "hand_back"


class NewConversationCommand(_Command):
    type: Literal["new_conversation"] = "new_conversation"


class SetPersonaCommand(_Command):
    """Coach mode with this persona (an id or name from the worker's ``personas/``), in a new
    conversation; it waits for play or step."""

    type: Literal["set_persona"] = "set_persona"
    persona: str = Field(min_length=1)


class PlayCommand(_Command):
    """The persona and the team converse until paused, taken over or the call ends."""

    type: Literal["play"] = "play"


class PauseCommand(_Command):
    """Stop after the exchange in flight."""

    type: Literal["pause"] = "pause"


class StepCommand(_Command):
    """Exactly one exchange (the persona's line and the team's answer), then pause."""

    type: Literal["step"] = "step"


class EndRehearsalCommand(_Command):
    """End the rehearsal (after the exchange in flight); the final scorecard follows as an event."""

    type: Literal["end_rehearsal"] = "end_rehearsal"


class ScorecardCommand(_Command):
    """Publish the rehearsal's scorecard as it stands now (a ``ScorecardEvent``)."""

    type: Literal["scorecard"] = "scorecard"


class PushToTalkCommand(_Command):
    """Push-to-talk: ``pressed`` opens the agent's ear; releasing ends the customer's turn."""

    type: Literal["push_to_talk"] = "push_to_talk"
    pressed: bool


class ResumeCommand(_Command):
    """Send again every event numbered after ``after_seq`` (the app reconnected)."""

    type: Literal["resume"] = "resume"
    after_seq: int = Field(ge=0)


Command = Annotated[
    SayCommand
    | SetModeCommand
    | WhisperCommand
    | TakeOverCommand
    | HandBackCommand
    | NewConversationCommand
    | SetPersonaCommand
    | PlayCommand
    | PauseCommand
    | StepCommand
    | EndRehearsalCommand
    | ScorecardCommand
    | PushToTalkCommand
    | ResumeCommand,
    Field(discriminator="type"),
]


class CommandResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: bool
    message: str = ""


_adapter: TypeAdapter[Command] = TypeAdapter(Command)


def encode(command: Command) -> str:
    return command.model_dump_json()


def decode(payload: str | bytes) -> Command:
    """Parse an RPC payload; raises ``pydantic.ValidationError`` if it is not a command."""
    return _adapter.validate_json(payload)
