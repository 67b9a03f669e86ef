"""What an AI customer sees and says: the seam between Coach mode and whoever plays the persona.

Two implementations play a persona: :class:`~simulator.personas.driver.OfflinePersonaDriver`
(deterministic, no keys) and :class:`~simulator.personas.cerebras_customer.CerebrasCustomer` (an
LLM). Both receive a :class:`CustomerView` built only from the transcript - what a real customer
hears - never the passages the team retrieved or the coach's whispers, and answer with a
:class:`CustomerTurn`: the line to say, what it means for the scorecard, and whether it ends the
call. Which of them plays is :func:`simulator.personas.players.build_customer`'s choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from simulator.events import Outcome, PersonaAction, PersonaEvent, Speaker
from simulator.personas.model import Persona


@dataclass(frozen=True)
class Line:
    """One utterance of the conversation as the customer heard it."""

    turn_id: int
    speaker: Speaker
    """``customer``, an agent, or the user as the rep (Rep mode)."""
    text: str
    by_user: bool = False
    """A customer line the user typed while they had taken over."""
    flagged: tuple[str, ...] = ()
    """For an agent's reply: the figures the claim check found wrong or unfounded."""


@dataclass(frozen=True)
class CustomerView:
    lines: tuple[Line, ...]
    customer_turns: int
    """Customer lines so far (the persona's and the user's)."""
    max_turns: int

    @property
    def last_answer(self) -> str:
        """Everything the team (or the rep) said since the customer last spoke."""
        replies: list[str] = []
        for line in reversed(self.lines):
            if line.speaker == "customer":
                break
            replies.append(line.text)
        return " ".join(reversed(replies))

    @property
    def last_flagged(self) -> tuple[str, ...]:
        """The flagged figures of everything the team said since the customer last spoke."""
        flagged: list[str] = []
        for line in reversed(self.lines):
            if line.speaker == "customer":
                break
            flagged.extend(line.flagged)
        return tuple(flagged)

    @property
    def turns_left(self) -> int:
        return self.max_turns - self.customer_turns


@dataclass(frozen=True)
class Action:
    """What a line means: ``raised_objection`` of ``objection``, ``revealed_fact`` of ``fact``..."""

    action: PersonaAction
    objection: str | None = None
    fact: str | None = None
    detail: str = ""

    def event(self, persona: str, turn_id: int) -> PersonaEvent:
        """This action as the event published with the line of turn ``turn_id``."""
        return PersonaEvent(
            turn_id=turn_id,
            persona=persona,
            action=self.action,
            objection=self.objection,
            fact=self.fact,
            detail=self.detail,
        )


@dataclass(frozen=True)
class Ending:
    outcome: Outcome
    reason: str


@dataclass(frozen=True)
class CustomerTurn:
    text: str
    actions: tuple[Action, ...] = field(default_factory=tuple)
    ending: Ending | None = None
    """Set when this line ends the call: the customer hangs up, the team does not answer it."""


class Customer(Protocol):
    """Plays one persona for one conversation."""

    persona: Persona
    provider: str
    """``offline`` or ``cerebras``: shown to the user."""

    async def next_turn(self, view: CustomerView) -> CustomerTurn:
        """The customer's next line, given the conversation so far."""
        ...

    async def aclose(self) -> None: ...
