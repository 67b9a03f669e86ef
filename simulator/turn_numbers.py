"""Turn numbers as the customer counts them: 1 for the first line of each conversation.

A session's turn ids keep counting across conversations (New conversation, the booth's idle
reset, the next persona of ``simulator rehearse --all``), so what a person reads must be
renumbered from the conversation's own first line: a report of the third persona starts at
turn 1, not 13.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

from simulator.events import ConversationResetEvent, Event, SessionStartedEvent, TranscriptEvent

TURN_FIELDS = frozenset({"turn_id", "raised_turn", "handled_turn", "asked_turn"})
"""The fields of the scorecard's models that hold a turn id."""

Model = TypeVar("Model", bound=BaseModel)


def turn_numbers(events: Iterable[Event]) -> Callable[[int], int]:
    """For the events of a session: a turn id -> its number within its own conversation."""
    starts: list[int] = []
    starting = True
    for event in events:
        if isinstance(event, (ConversationResetEvent, SessionStartedEvent)):
            starting = True
        elif isinstance(event, TranscriptEvent) and starting:
            if not starts or event.turn_id > starts[-1]:
                starts.append(event.turn_id)
            starting = False

    def number(turn_id: int) -> int:
        at = bisect.bisect_right(starts, turn_id)
        first = starts[at - 1] if at else turn_id
        return max(1, turn_id - first + 1)

    return number


def renumbered(model: Model, number: Callable[[int], int]) -> Model:
    """``model`` (a scorecard, an event) with every turn id in it renumbered by ``number``;
    0 and ``None`` (never raised, not yet) stay as they are."""
    return _renumber(model, number)  # type: ignore[no-any-return]


def _renumber(value: Any, number: Callable[[int], int]) -> Any:
    if isinstance(value, BaseModel):
        changes = {}
        for name in type(value).model_fields:
            item = getattr(value, name)
            if name in TURN_FIELDS and isinstance(item, int) and item > 0:
                changes[name] = number(item)
            elif isinstance(item, (BaseModel, tuple)):
                new = _renumber(item, number)
                if new is not item:
                    changes[name] = new
        return value.model_copy(update=changes) if changes else value
    if isinstance(value, tuple):
        items = tuple(_renumber(item, number) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value
