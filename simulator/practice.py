"""Rep mode: the user sells to a persona while the sales team stands beside them as a co-pilot.

:class:`PracticeSession` turns a :class:`~simulator.session.SessionRunner`'s conversation around:
the persona (the offline driver, or the Cerebras-played customer with a key) is the customer and
the user answers as the company's rep. The team does not speak; it prepares the rep
(:class:`~simulator.copilot.Copilot`): for each customer line, the passages, look-ups and
prepared response it calls for, and answers to the rep's private questions. The customer hears
the transcript only (:class:`~simulator.personas.hearing.Heard`), never the co-pilot.

    rep_says(text)  ask(question)  set_speed(speed)  scorecard()  publish_scorecard()
    end()  wait_ended()

Each rep line is claim-checked like an agent's reply (the runner's claim check), and the check is
out before the persona reads the line: a flagged figure never counts as the fact the customer
asked for. The persona
judges the rep as it judges the team: it pushes back on a non-answer, reveals a hidden fact only to
a question that asks for it, and ends the call agreed or declined. It reads and types at a person's
pace (:mod:`simulator.pace`); a line the rep adds meanwhile is read too. The end publishes the
persona's outcome, the rep's scorecard (the one scorecard model, ``seat="rep"``) and the rep's
progress with this persona (:mod:`simulator.practice_progress`). The loop is one task.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal

from simulator.copilot import Copilot
from simulator.errors import SessionError, SimulatorError
from simulator.events import (
    ConversationResetEvent,
    CopilotAnswerEvent,
    CustomerTypingEvent,
    Event,
    ModeChangedEvent,
    Outcome,
    PracticeProgressEvent,
    PracticeState,
    PracticeStateEvent,
    Scorecard,
    StatusEvent,
    TranscriptEvent,
)
from simulator.persona_call import PersonaCall
from simulator.personas.customer import Customer, CustomerTurn
from simulator.personas.model import Persona
from simulator.personas.playbook import Playbook
from simulator.personas.players import build_customer
from simulator.practice_progress import PracticeProgress, attempt_of
from simulator.scorecard import ScorecardBuilder

if TYPE_CHECKING:
    from simulator.session import SessionRunner

DEFAULT_MAX_TURNS = 16
_ABOUT_OBJECTION = ("raised_objection", "pushed_back", "asked_follow_up")


class PracticeSession(PersonaCall):
    """One Rep-mode call with one persona on one runner; see the module doc."""

    MODE = "Rep mode"
    ENDED_BY = "Ended by the rep."

    def __init__(
        self,
        runner: SessionRunner,
        persona: Persona,
        customer: Customer,
        *,
        playbook: Playbook,
        copilot: Copilot,
        progress: PracticeProgress | None = None,
        max_turns: int = DEFAULT_MAX_TURNS,
        speed: str = "1x",
    ) -> None:
        super().__init__(
            runner,
            persona,
            customer,
            ScorecardBuilder(persona, playbook, seat="rep"),
            max_turns=max_turns,
            speed=speed,
        )
        self.copilot = copilot
        self.progress = progress
        self._state: PracticeState = "customer"
        self._customer_lines: list[str] = []
        self._rep_spoke = asyncio.Event()

    # -- state ---------------------------------------------------------------------------------

    @property
    def state(self) -> PracticeState:
        return self._state

    @property
    def customer_turns(self) -> int:
        return len(self._customer_lines)

    # -- commands ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Join the runner's conversation; the persona opens the call at once."""
        if self._task is not None:
            raise SessionError("Rep mode has already started")
        self._remove_observer = self.runner.add_observer(self._observe)
        self.runner.publish(
            ModeChangedEvent(
                mode="rep",
                customer="persona",
                persona=self.persona.id,
                persona_name=self.persona.name,
                reason=f"You are the rep; {self.persona.name} is the customer.",
            )
        )
        self._set_state("customer", f"{self.persona.name} is calling ({self.customer.provider}).")
        self._launch(self._run(), f"practice-{self.persona.id}")

    async def rep_says(self, text: str) -> int:
        """The rep's line; returns its turn id once its claim check is out. The persona answers
        after reading it (and any line the rep adds meanwhile)."""
        self._require_not_ended()
        if not self._customer_lines:
            raise SessionError(f"wait for {self.persona.name} to open the call")
        turn_id = await self.runner.record("rep", text)
        self._rep_spoke.set()
        self._pace.interrupt()  # a persona already reading starts over with this line too
        return turn_id

    async def ask(self, question: str) -> CopilotAnswerEvent:
        """The rep's private question to the co-pilot; the answer is published for the rep only
        (the customer never hears it)."""
        question = question.strip()
        if not question:
            raise SessionError("the question for the co-pilot is empty")
        self._require_not_ended()
        answer = await asyncio.to_thread(
            self.copilot.answer, self.runner.turn_id, question, tuple(self._customer_lines)
        )
        self.runner.publish(answer)
        return answer

    async def set_speed(self, speed: str) -> None:
        """The persona reads and types at another pace from now on."""
        self._pace.set(speed)

    # -- the call ------------------------------------------------------------------------------

    async def _run(self) -> None:
        async with self._exchange:
            if await self._customer_speaks():
                return
        while True:
            await self._rep_spoke.wait()
            if not await self._read_and_type():
                return
            async with self._exchange:
                if self._stopping or self._scorecard is not None:
                    return
                if self._reset_seen:
                    await self._finish("undecided", "The conversation was reset.")
                    return
                if await self._customer_speaks():
                    return

    async def _read_and_type(self) -> bool:
        """Wait while the persona reads the rep's lines and types; start over when the rep adds
        a line. ``False`` when the call is being ended."""
        while not self._stopping:
            self._rep_spoke.clear()
            typing = CustomerTypingEvent(
                persona=self.persona.id, turn_id=self.runner.turn_id + 1, typing=True
            )
            self._set_state("customer", f"{self.persona.name} is reading your answer.")
            if await self._pace.before_line(
                self.runner.publish,
                typing,
                self._heard.unanswered(),
                self.customer_turns,
                lambda: not self._stopping and not self._rep_spoke.is_set(),
            ):
                return not self._stopping
        return False

    async def _customer_speaks(self) -> bool:
        """The persona's next line and the co-pilot's context for it; ``True`` once the call is
        over (exchange lock held)."""
        turn = await self._customer_turn()
        if turn is None:
            return False
        turn_id = self.runner.turn_id + 1
        for action in turn.actions:
            self.runner.publish(action.event(self.persona.id, turn_id))
        if turn.ending is not None:  # the customer hangs up: the rep has no say after it
            self._hung_up = True
            await self.runner.record("customer", turn.text)
            await self._finish(turn.ending.outcome, turn.ending.reason)
            return True
        await self.runner.record("customer", turn.text)
        if self.customer_turns >= self.max_turns:
            await self._finish(
                "undecided", f"Reached the limit of {self.max_turns} customer turns."
            )
            return True
        objection = next(
            (a.objection for a in turn.actions if a.action in _ABOUT_OBJECTION and a.objection),
            None,
        )
        try:
            context = await asyncio.to_thread(self.copilot.context, turn_id, turn.text, objection)
        except Exception as e:  # the call goes on without the co-pilot's help for this line
            self._status("warning", f"The co-pilot could not prepare this line: {e}")
        else:
            self.runner.publish(context)
        self._set_state("rep", "Your turn: answer as the rep.")
        return False

    async def _customer_turn(self) -> CustomerTurn | None:
        view = self._heard.view(self.customer_turns, self.max_turns)
        try:
            return await self.customer.next_turn(view)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            message = str(e) if isinstance(e, SimulatorError) else f"{type(e).__name__}: {e}"
            self._status("error", f"The customer could not answer: {message}")
            self._set_state("rep", "The customer could not answer; say something to try again.")
            return None

    async def _finish(self, outcome: Outcome, reason: str) -> None:
        card = self._conclude(outcome, reason)
        await self._record_progress(card)
        self._set_state("ended", reason)
        self._ended.set()

    def _wake(self) -> None:
        self._rep_spoke.set()

    async def _record_progress(self, card: Scorecard) -> None:
        progress = self.progress
        if progress is None or not self._customer_lines:
            return
        try:
            attempts = await asyncio.to_thread(progress.record, self.persona.id, attempt_of(card))
        except SimulatorError as e:
            self._status("warning", str(e))
            return
        if progress.notice:
            self._status("warning", progress.notice)
            progress.notice = None
        self.runner.publish(
            PracticeProgressEvent(
                persona=self.persona.id, persona_name=self.persona.name, attempts=attempts
            )
        )

    def _observe(self, event: Event) -> None:
        self._scores.observe(event)
        self._heard.observe(event, by_user=False)
        if isinstance(event, TranscriptEvent) and event.speaker == "customer":
            self._customer_lines.append(event.text)
        elif isinstance(event, ConversationResetEvent):
            self._reset_seen = True

    def _set_state(self, state: PracticeState, detail: str = "") -> None:
        self._state = state
        self.runner.publish(
            PracticeStateEvent(
                state=state,
                persona=self.persona.id,
                customer_turns=self.customer_turns,
                max_turns=self.max_turns,
                detail=detail,
            )
        )

    def _status(self, level: Literal["warning", "error"], message: str) -> None:
        self.runner.publish(StatusEvent(level=level, source="practice", message=message))

    def _require_not_ended(self) -> None:
        if self._task is None:
            raise SessionError("Rep mode has not started: use `async with PracticeSession(...)`")
        if self._scorecard is not None or self._hung_up:
            raise SessionError("this call has ended: try again, or pick another persona")


async def open_practice(
    runner: SessionRunner,
    persona: Persona,
    *,
    customer: Customer | None = None,
    max_turns: int = DEFAULT_MAX_TURNS,
    speed: str | None = None,
    keep_progress: bool = True,
) -> PracticeSession:
    """A started :class:`PracticeSession` with ``persona`` on ``runner``: the playbook is read
    from the runner's knowledge folder (off the loop), the customer chosen from its settings
    (Cerebras with a key, the offline driver otherwise), progress kept in the data dir unless
    ``keep_progress`` is false. Close it with :meth:`PracticeSession.aclose`."""
    settings = runner.settings
    playbook = await asyncio.to_thread(Playbook.load, settings.knowledge_dir)
    if customer is None:
        customer = build_customer(settings, persona, playbook)
    practice = PracticeSession(
        runner,
        persona,
        customer,
        playbook=playbook,
        copilot=Copilot(runner.knowledge, playbook, persona),
        progress=PracticeProgress(settings.data_dir) if keep_progress else None,
        max_turns=max_turns,
        speed=speed or settings.coach_speed,
    )
    await practice.start()
    return practice
