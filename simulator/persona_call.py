"""What Coach mode and Rep mode share: one persona in one runner's conversation, driven by one
loop task, ending in one final scorecard.

:class:`~simulator.coach.CoachSession` and :class:`~simulator.practice.PracticeSession` differ in
who answers the persona (the team, or the user as the rep); starting the loop, ending the call,
publishing the outcome and the scorecard, waiting for the end and closing are the same, and are
written here once. A subclass writes :meth:`start`, ``_run``, :meth:`_wake` and :meth:`_finish`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, ClassVar

from simulator.events import (
    CoachSpeed,
    CustomerOutcomeEvent,
    Outcome,
    Scorecard,
    ScorecardEvent,
)
from simulator.pace import Pace
from simulator.personas.customer import Customer
from simulator.personas.hearing import Heard
from simulator.personas.model import Persona
from simulator.resource import AsyncResource
from simulator.scorecard import ScorecardBuilder

if TYPE_CHECKING:
    from simulator.session import SessionRunner


class PersonaCall(AsyncResource):
    """One persona's call on one runner; see the module doc."""

    MODE: ClassVar[str]  # how messages name the mode: "Coach mode", "Rep mode"
    ENDED_BY: ClassVar[str]  # the reason :meth:`end` gives when none is given

    def __init__(
        self,
        runner: SessionRunner,
        persona: Persona,
        customer: Customer,
        scores: ScorecardBuilder,
        *,
        max_turns: int,
        speed: str,
    ) -> None:
        if max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {max_turns}")
        self._pace = Pace(speed)
        self.runner = runner
        self.persona = persona
        self.customer = customer
        self.max_turns = max_turns
        self._heard = Heard()
        self._scores = scores
        self._exchange = asyncio.Lock()
        self._stopping = False
        self._hung_up = False
        """The persona said its closing line: nobody answers it (the call ends after it)."""
        self._reset_seen = False
        self._scorecard: Scorecard | None = None
        self._ended = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._remove_observer: Callable[[], None] | None = None

    @property
    def speed(self) -> CoachSpeed:
        return self._pace.speed

    @property
    def ended(self) -> bool:
        return self._scorecard is not None

    def scorecard(self) -> Scorecard:
        """The scorecard now (final once the call has ended)."""
        return self._scorecard or self._scores.build(final=False)

    async def publish_scorecard(self) -> Scorecard:
        """The scorecard now, also published as a ``ScorecardEvent`` (on demand)."""
        card = self.scorecard()
        self.runner.publish(ScorecardEvent(scorecard=card))
        return card

    async def end(self, reason: str | None = None) -> Scorecard:
        """Stop the call (after the exchange in flight) and publish the final scorecard."""
        if self._scorecard is not None:
            return self._scorecard
        self._stopping = True
        self._pace.interrupt()
        self._wake()  # the loop sees it must stop
        async with self._exchange:
            if self._scorecard is None:
                await self._finish("undecided", reason or self.ENDED_BY)
        assert self._scorecard is not None
        return self._scorecard

    async def wait_ended(self) -> Scorecard:
        """Wait until the customer ends the call (or :meth:`end`); the final scorecard."""
        await self._ended.wait()
        assert self._scorecard is not None
        return self._scorecard

    async def aclose(self) -> None:
        """End the call if it is running, stop the loop and release the customer."""
        try:
            if self._task is not None and self._scorecard is None:
                await self.end(f"{self.MODE} was closed.")
        finally:
            task, self._task = self._task, None
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            if self._remove_observer is not None:
                self._remove_observer()
                self._remove_observer = None
            await self.customer.aclose()

    def _launch(self, loop: Coroutine[Any, Any, None], name: str) -> None:
        """Run the call's loop as the one task :meth:`aclose` stops."""
        self._task = asyncio.get_running_loop().create_task(loop, name=name)

    def _conclude(self, outcome: Outcome, reason: str) -> Scorecard:
        """Publish the persona's outcome and the final scorecard (exchange lock held)."""
        agreed = self.persona.next_step.agrees_to if outcome == "agreed" else None
        self.runner.publish(
            CustomerOutcomeEvent(
                persona=self.persona.id,
                turn_id=self.runner.turn_id,
                outcome=outcome,
                reason=reason,
                next_step=agreed,
            )
        )
        self._scorecard = card = self._scores.build(final=True)
        self.runner.publish(ScorecardEvent(scorecard=card))
        return card

    def _wake(self) -> None:
        """Wake the loop where it waits, so it sees :attr:`_stopping`."""
        raise NotImplementedError

    async def _finish(self, outcome: Outcome, reason: str) -> None:
        """The call is over: :meth:`_conclude`, then what the mode does at its end; sets
        :attr:`_ended` (exchange lock held)."""
        raise NotImplementedError
