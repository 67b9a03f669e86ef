"""What the AI customer has heard: the conversation as it reaches the customer's side.

Built from the session's events only - the transcript, and for each of the team's replies the
figures the claim check flagged (a buyer who notices an invented price) - never the passages the
team read or the coach's whispers. :meth:`Heard.view` is what a persona player decides from.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from simulator.events import ClaimCheckEvent, Event, TranscriptEvent
from simulator.personas.customer import CustomerView, Line


@dataclass
class Heard:
    lines: list[Line] = field(default_factory=list)

    def observe(self, event: Event, *, by_user: bool) -> None:
        """Take in one event; ``by_user``: the user is playing the customer right now."""
        if isinstance(event, TranscriptEvent):
            self.lines.append(
                Line(
                    event.turn_id,
                    event.speaker,
                    event.text,
                    by_user=event.speaker == "customer" and by_user,
                )
            )
        elif isinstance(event, ClaimCheckEvent) and event.unsupported:
            for n in range(len(self.lines) - 1, -1, -1):
                line = self.lines[n]
                if line.turn_id == event.turn_id and line.text == event.reply:
                    self.lines[n] = replace(line, flagged=tuple(c.text for c in event.unsupported))
                    break

    def view(self, customer_turns: int, max_turns: int) -> CustomerView:
        return CustomerView(tuple(self.lines), customer_turns, max_turns)

    def unanswered(self) -> str:
        """What the team said since the customer last spoke."""
        out: list[str] = []
        for line in reversed(self.lines):
            if line.speaker == "customer":
                break
            out.append(line.text)
        return " ".join(reversed(out))
