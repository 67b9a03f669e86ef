"""Every command a face can give a session, in one place.

The desktop app, the terminal and the LiveKit worker's RPC endpoint all speak these: the window's
buttons, the terminal's ``/step``, the room's RPC payloads. Each command is a frozen pydantic model
with a ``type`` literal, joined in the discriminated union :data:`Command`, like the events in
:mod:`simulator.events`; :func:`to_json` and :func:`from_json` are the only (de)serialisers. The
session host (:class:`simulator.host.SessionController`) carries them out; a refusal is a
:class:`~simulator.errors.SessionError` whose sentence reaches the user, and over RPC a
:class:`CommandResult`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from simulator.events import CoachSpeed

Mode = Literal["customer", "coach", "rep"]


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SayCommand(_Command):
    """The customer's line, typed (Customer mode; while a persona plays, typing takes over); in
    Rep mode, the rep's line to the persona."""

    type: Literal["say"] = "say"
    text: str = Field(min_length=1)


class NewConversationCommand(_Command):
    """Back to the Greeter with no history; a rehearsal in progress ends with its scorecard."""

    type: Literal["new_conversation"] = "new_conversation"


class SetModeCommand(_Command):
    """Who plays the customer: ``coach``, the persona (the one set last, or the dispatch's);
    ``customer``, the user (a take-over while a rehearsal is running); ``rep``, the persona while
    the user sells to it (a new call)."""

    type: Literal["set_mode"] = "set_mode"
    mode: Mode


class SetPersonaCommand(_Command):
    """Coach mode with this persona (its id or name), in a new conversation; it waits for play or
    step."""

    type: Literal["set_persona"] = "set_persona"
    persona: str = Field(min_length=1)


class PracticeCommand(_Command):
    """Rep mode with this persona (its id or name), in a new conversation: the persona calls, the
    user answers as the rep, the team is their co-pilot. The same persona again is "try
    again"."""

    type: Literal["practice"] = "practice"
    persona: str = Field(min_length=1)


class AskCopilotCommand(_Command):
    """The rep's private question to the co-pilot (Rep mode); the customer never sees it."""

    type: Literal["ask_copilot"] = "ask_copilot"
    text: str = Field(min_length=1)


class PlayCommand(_Command):
    """The persona and the team converse until paused, taken over or the call ends."""

    type: Literal["play"] = "play"


class PauseCommand(_Command):
    """Stop after the exchange in flight."""

    type: Literal["pause"] = "pause"


class StepCommand(_Command):
    """Exactly one exchange (the persona's line and the team's answer), then pause."""

    type: Literal["step"] = "step"


class SetSpeedCommand(_Command):
    """Coach mode's pace from now on (a line being typed too); later rehearsals keep it."""

    type: Literal["set_speed"] = "set_speed"
    speed: CoachSpeed


class WhisperCommand(_Command):
    """Coach guidance for the active agent's next reply; the customer never sees it."""

    type: Literal["whisper"] = "whisper"
    text: str = Field(min_length=1)


class TakeOverCommand(_Command):
    """The user becomes the customer mid-conversation, with the same history."""

    type: Literal["take_over"] = "take_over"


class HandBackCommand(_Command):
    """The persona plays the customer again, from the conversation as it is, and plays on."""

    type: Literal["hand_back"] = "hand_back"


class EndRehearsalCommand(_Command):
    """End the rehearsal, or the Rep-mode call (after the exchange in flight); the final
    scorecard follows as an event."""

    type: Literal["end_rehearsal"] = "end_rehearsal"


class ScorecardCommand(_Command):
    """Publish the scorecard as it stands now (a ``ScorecardEvent``): the rehearsal's, or in
    Customer mode the conversation's against the playbook."""

    type: Literal["scorecard"] = "scorecard"


class PushToTalkCommand(_Command):
    """Push-to-talk: ``pressed`` opens the agent's ear; releasing ends the customer's turn."""

    type: Literal["push_to_talk"] = "push_to_talk"
    pressed: bool


class OpenMicCommand(_Command):
    """Open mic: the microphone is heard all the time (voice activity ends each turn)."""

    type: Literal["open_mic"] = "open_mic"
    on: bool


class ResumeCommand(_Command):
    """The room transport's own: send again every event numbered after ``after_seq`` (the app
    reconnected). Only the worker's command server answers it."""

    type: Literal["resume"] = "resume"
    after_seq: int = Field(ge=0)


Command = Annotated[
    SayCommand
    | NewConversationCommand
    | SetModeCommand
    | SetPersonaCommand
    | PracticeCommand
    | AskCopilotCommand
    | PlayCommand
    | PauseCommand
    | StepCommand
    | SetSpeedCommand
    | WhisperCommand
    | TakeOverCommand
    | HandBackCommand
    | EndRehearsalCommand
    | ScorecardCommand
    | PushToTalkCommand
    | OpenMicCommand
    | ResumeCommand,
    Field(discriminator="type"),
]


class CommandResult(BaseModel):
    """How a session answered a command: done (``ok``), or refused, with a sentence either way."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: bool
    message: str = ""


_adapter: TypeAdapter[Command] = TypeAdapter(Command)


def to_json(command: Command) -> str:
    """One command as one line of JSON (an RPC payload)."""
    return command.model_dump_json()


def from_json(payload: str | bytes) -> Command:
    """Parse what :func:`to_json` wrote; raises ``pydantic.ValidationError`` if it is not a
    command."""
    return _adapter.validate_json(payload)
