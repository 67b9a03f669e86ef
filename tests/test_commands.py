"""One command set for every face: each command round-trips through its JSON (an RPC payload)
exactly, anything else is refused, and the session controller knows what every one of them means."""

from __future__ import annotations

import inspect
import typing

import pytest
from pydantic import ValidationError

from simulator.commands import (
    AskCopilotCommand,
    Command,
    EndRehearsalCommand,
    HandBackCommand,
    NewConversationCommand,
    OpenMicCommand,
    PauseCommand,
    PlayCommand,
    PracticeCommand,
    PushToTalkCommand,
    ResumeCommand,
    SayCommand,
    ScorecardCommand,
    SetModeCommand,
    SetPersonaCommand,
    SetSpeedCommand,
    StepCommand,
    TakeOverCommand,
    WhisperCommand,
    from_json,
    to_json,
)

COMMANDS = [
    SayCommand(text="How much is the Professional plan?"),
    SetModeCommand(mode="coach"),
    WhisperCommand(text="Mention the annual discount."),
    TakeOverCommand(),
    HandBackCommand(),
    NewConversationCommand(),
    SetPersonaCommand(persona="skeptical-cfo"),
    PlayCommand(),
    PauseCommand(),
    StepCommand(),
    SetSpeedCommand(speed="2x"),
    EndRehearsalCommand(),
    ScorecardCommand(),
    PushToTalkCommand(pressed=True),
    OpenMicCommand(on=False),
    ResumeCommand(after_seq=41),
    PracticeCommand(persona="frostwatch-loyalist"),
    AskCopilotCommand(text="What does the Professional plan cost?"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.type)
def test_every_command_round_trips_through_its_json(command: Command) -> None:
    payload = to_json(command)
    assert "\n" not in payload
    assert from_json(payload) == command


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "{}",
        '{"type": "say"}',
        '{"type": "say", "text": ""}',
        '{"type": "launch_missiles"}',
        '{"type": "set_mode", "mode": "chaos"}',
        '{"type": "resume", "after_seq": -1}',
        '{"type": "take_over", "extra": 1}',
        '{"type": "play", "persona": "x"}',
        '{"type": "step", "count": 2}',
        '{"type": "set_persona", "persona": ""}',
        '{"type": "push_to_talk"}',
        '{"type": "practice", "persona": ""}',
        '{"type": "ask_copilot"}',
    ],
)
def test_anything_else_is_not_a_command(payload: str) -> None:
    with pytest.raises(ValidationError):
        from_json(payload)


def test_every_command_is_covered_here_and_carried_out_by_the_controller() -> None:
    from simulator.host.controller import SessionController

    union, *_ = typing.get_args(Command)
    assert set(typing.get_args(union)) == {type(c) for c in COMMANDS}
    carried_out = inspect.getsource(SessionController._execute) + inspect.getsource(
        SessionController._ordered
    )
    for command in COMMANDS:
        assert f"case {type(command).__name__}(" in carried_out, command.type
