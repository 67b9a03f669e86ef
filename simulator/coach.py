"""Coach mode: an AI customer (a persona) talks to the sales team by itself while the user coaches.

:class:`CoachSession` drives a :class:`~simulator.session.SessionRunner` (the only door to the
team) like a customer would: it asks the persona's player (the offline driver or the Cerebras
customer) for a line, sends it, and repeats. The user controls it with async commands, from a GUI
(on the session's loop) or a terminal:

    play()  pause()  step()  whisper(text)  take_over()  customer_says(text)  hand_back()
    set_speed(speed)  scorecard()  publish_scorecard()  end()  wait_ended()

It plays at a person's pace (:mod:`simulator.pace`, 0.5x-4x or instant): replies stream at
reading speed, the persona types (``CustomerTypingEvent``); Pause, Take over and End cut it short.
Everything shows as events in the runner's stream: ``ModeChangedEvent``, ``CoachStateEvent``
(for enabling controls), ``PersonaEvent`` (what each line meant), ``CustomerOutcomeEvent`` and
``ScorecardEvent``. A line in flight (the customer's and the team's answer) finishes before a
pause or take-over; take over and hand back keep one history. The loop is one task.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from simulator.errors import SessionError, SimulatorError
from simulator.events import (
    CoachState,
    CoachStateEvent,
    ConversationResetEvent,
    CustomerPlayer,
    CustomerTypingEvent,
    Event,
    ModeChangedEvent,
    Outcome,
    StatusEvent,
)
from simulator.persona_call import PersonaCall
from simulator.personas.customer import Customer, CustomerTurn
from simulator.personas.model import Persona
from simulator.personas.playbook import Playbook
from simulator.personas.players import build_customer
from simulator.scorecard import ScorecardBuilder

if TYPE_CHECKING:
    from simulator.session import SessionRunner

DEFAULT_MAX_TURNS = 16
READY_WAIT_S = 20.0
"""Longest wait for the offline team's encoder before the first line (its vectors are stored
from an earlier run: seconds; a folder never encoded is not waited for)."""
READY_POLL_S = 0.25
"""How often the wait looks whether it was paused or taken over meanwhile."""
GETTING_READY = (
    "Getting ready: the offline team is loading its encoder, so this rehearsal's answers are the "
    "same every time."
)
EARLY_NOTE = (
    "The offline team answers with word vectors until its encoder has encoded this folder (a "
    "minute or two the first time): this rehearsal's answers may differ from a later one's."
)


class CoachSession(PersonaCall):
    """One persona playing the customer in one runner's conversation; see the module doc."""

    MODE = "Coach mode"
    ENDED_BY = "Ended by the coach."

    def __init__(
        self,
        runner: SessionRunner,
        persona: Persona,
        customer: Customer,
        *,
        playbook: Playbook,
        max_turns: int = DEFAULT_MAX_TURNS,
        speed: str = "1x",
    ) -> None:
        super().__init__(
            runner,
            persona,
            customer,
            ScorecardBuilder(persona, playbook),
            max_turns=max_turns,
            speed=speed,
        )
        self.playbook = playbook
        self._state: CoachState = "ready"
        self._player: CustomerPlayer = "persona"
        self._customer_turns = 0
        self._go = asyncio.Event()
        self._steps: int | None = None
        self._taking_over = False
        self._ready: bool | None = None
        """Whether the offline team's encoder was waited for (``None``: not yet looked)."""
        self._ready_since: float | None = None

    # -- state ---------------------------------------------------------------------------------

    @property
    def state(self) -> CoachState:
        return self._state

    @property
    def customer_player(self) -> CustomerPlayer:
        """``persona`` while the AI customer plays, ``user`` after :meth:`take_over`."""
        return self._player

    @property
    def customer_turns(self) -> int:
        return self._customer_turns

    # -- commands ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Join the runner's conversation; the persona waits for :meth:`play` or :meth:`step`."""
        if self._task is not None:
            raise SessionError("Coach mode has already started")
        self._remove_observer = self.runner.add_observer(self._observe)
        self.runner.pace_replies(
            self._pace.reader(lambda: not (self._stopping or self._taking_over))
        )
        self._publish_mode("coach", "persona", f"{self.persona.name} plays the customer.")
        self._set_state("ready", f"{self.persona.name} is ready ({self.customer.provider}).")
        self._launch(self._run(), f"coach-{self.persona.id}")

    async def play(self) -> None:
        """Let the persona and the team converse until paused, taken over or the call ends."""
        self._require_persona_playing("play")
        self._steps = None
        self._set_state("playing")
        self._go.set()

    async def pause(self) -> None:
        """Stop after the exchange in flight (the customer's line and the team's answer)."""
        self._require_not_ended()
        if self._state == "playing":
            self._go.clear()
            self._pace.interrupt()
            self._set_state(
                "paused",
                "Paused before the persona's next line."
                if self._pace.waiting
                else "Paused after the current exchange.",
            )

    async def step(self) -> None:
        """Run exactly one exchange, then pause."""
        self._require_persona_playing("step")
        self._steps = 1
        self._set_state("playing", "One exchange.")
        self._go.set()

    async def set_speed(self, speed: str) -> None:
        """Play at another pace from now on (a line being typed speeds up or slows down too)."""
        self._pace.set(speed)
        self._set_state(self._state, f"Speed {self._pace.speed}.")

    async def whisper(self, text: str) -> None:
        """Guidance the active agent receives before its next reply; the customer never sees it."""
        self._require_not_ended()
        self.runner.whisper(text)

    async def take_over(self) -> None:
        """The user becomes the customer, same history (the reply in flight shows at once)."""
        self._require_not_ended()
        if self._player == "user":
            return
        self._go.clear()
        self._taking_over = True
        self._pace.interrupt()
        async with self._exchange:
            self._taking_over = False
            self._player = "user"
            self._publish_mode("customer", "user", "You took over the customer.")
            self._set_state(
                "taken_over", "You are the customer; hand back to let the persona continue."
            )

    async def customer_says(self, text: str) -> int:
        """The user's line as the customer, while taken over; returns its turn id."""
        self._require_not_ended()
        if self._player != "user":
            raise SessionError("take over the customer first; the persona is playing")
        async with self._exchange:
            turn_id = await self.runner.send(text)
            self._customer_turns += 1
            return turn_id

    async def hand_back(self, *, play: bool = True) -> None:
        """The persona continues from the conversation as it is now (playing, or paused)."""
        self._require_not_ended()
        if self._player != "user":
            return
        self._player = "persona"
        self._publish_mode("coach", "persona", f"{self.persona.name} continues.")
        if play:
            await self.play()
        else:
            self._set_state("paused", "Handed back; press play to continue.")

    async def _run(self) -> None:
        while True:
            await self._go.wait()
            async with self._exchange:
                if self._stopping or self._scorecard is not None:
                    return
                if not self._go.is_set() or self._player != "persona":
                    continue
                if self._reset_seen:
                    await self._finish("undecided", "The conversation was reset.")
                    return
                if self._ready is None and not await self._get_ready():
                    continue  # paused or taken over while the team was getting ready
                turn_id, heard = self.runner.turn_id + 1, self._heard.unanswered()
                typing = CustomerTypingEvent(persona=self.persona.id, turn_id=turn_id, typing=True)
                if not await self._pace.before_line(
                    self.runner.publish, typing, heard, self._customer_turns, self._may_go
                ):
                    continue  # paused, taken over or ended while the persona was typing
                turn = await self._customer_turn()
                if turn is None:
                    continue
                for action in turn.actions:
                    self.runner.publish(action.event(self.persona.id, turn_id))
                if turn.ending is not None:  # the customer hangs up: the team has no say after it
                    self._hung_up = True
                    await self.runner.record("customer", turn.text, closing=True)
                    self._customer_turns += 1
                    await self._finish(turn.ending.outcome, turn.ending.reason)
                    return
                # counted once said, not once answered: a pause during the team's reply shows
                # the lines the user sees ("turn 2/16" with two customer lines on screen)
                self._customer_turns += 1
                await self.runner.send(turn.text)
                if self._customer_turns >= self.max_turns:
                    await self._finish(
                        "undecided", f"Reached the limit of {self.max_turns} customer turns."
                    )
                    return
                if self._steps is not None:
                    self._steps -= 1
                    if self._steps <= 0:
                        self._go.clear()
                        self._set_state("paused", "Paused after one exchange.")

    async def _get_ready(self) -> bool:
        """Before the persona's first line: an offline team answers the same question the same
        way only once its contextual encoder is loaded (before that, with word vectors), and a
        rehearsal is worth repeating only if it is reproducible. So wait for it, shown as
        "getting ready", when its vectors are stored (a few seconds); a folder never encoded
        would take minutes, so the rehearsal starts at once and says so. False when paused or
        taken over meanwhile (the wait goes on at the next Play)."""
        from simulator.providers.offline import warming  # the offline team's, only when offline

        view = self.runner.knowledge
        if self.runner.provider != "offline" or not view.contextual:
            self._ready = False
            return True
        loop = asyncio.get_running_loop()
        if self._ready_since is None:
            self._ready_since = loop.time()
        shown = False
        while warming.scorer(view) != "minilm":
            status = view.index.contextual
            encoding = status.state == "filling" and status.encoded < status.total
            waited = loop.time() - self._ready_since
            if (
                encoding
                or status.state not in ("waiting", "filling", "ready")
                or (waited > READY_WAIT_S)
            ):
                self._ready = False
                self.runner.publish(
                    StatusEvent(level="info", source="knowledge", message=EARLY_NOTE)
                )
                if shown:
                    self._set_state("playing", EARLY_NOTE)
                return True
            if not self._may_go():
                return False
            if not shown:
                self._set_state("playing", GETTING_READY, getting_ready=True)
                shown = True
            if status.state == "ready":
                await asyncio.to_thread(warming.wait, view, READY_POLL_S)
            else:
                await asyncio.to_thread(view.index.wait_contextual_if_stored, READY_POLL_S)
        self._ready = True
        if shown:
            self._set_state("playing", "Ready.")
        return True

    async def _customer_turn(self) -> CustomerTurn | None:
        view = self._heard.view(self._customer_turns, self.max_turns)
        try:
            return await self.customer.next_turn(view)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            message = str(e) if isinstance(e, SimulatorError) else f"{type(e).__name__}: {e}"
            self.runner.publish(
                StatusEvent(
                    level="error",
                    source="coach",
                    message=f"The customer could not answer: {message}",
                )
            )
            self._go.clear()
            self._set_state("paused", "The customer could not answer; play to retry, or take over.")
            return None

    async def _finish(self, outcome: Outcome, reason: str) -> None:
        self._go.clear()
        self.runner.pace_replies(None)  # the rehearsal is over: replies show at once again
        self._conclude(outcome, reason)
        self._set_state("ended", reason)
        self._player = "user"
        self._publish_mode("customer", "user", "Coach mode ended; you can go on as the customer.")
        self._ended.set()

    def _wake(self) -> None:
        self._go.set()

    def _observe(self, event: Event) -> None:
        self._scores.observe(event)
        self._heard.observe(event, by_user=self._player == "user")
        if isinstance(event, ConversationResetEvent):
            self._reset_seen = True

    def _set_state(
        self, state: CoachState, detail: str = "", *, getting_ready: bool = False
    ) -> None:
        self._state = state
        self.runner.publish(
            CoachStateEvent(
                state=state,
                persona=self.persona.id,
                customer_turns=self._customer_turns,
                max_turns=self.max_turns,
                detail=detail,
                speed=self._pace.speed,
                getting_ready=getting_ready,
            )
        )

    def _publish_mode(self, mode: str, customer: CustomerPlayer, reason: str) -> None:
        persona = self.persona if self._scorecard is None else None  # none once Coach mode is over
        self.runner.publish(
            ModeChangedEvent(
                mode=mode,
                customer=customer,
                persona=persona.id if persona else None,
                persona_name=persona.name if persona else None,
                reason=reason,
            )
        )

    def _may_go(self) -> bool:
        return self._go.is_set() and not self._stopping and self._player == "persona"

    def _require_not_ended(self) -> None:
        if self._task is None:
            raise SessionError("Coach mode has not started: use `async with CoachSession(...)`")
        if self._scorecard is not None or self._hung_up:
            raise SessionError("this rehearsal has ended; start a new one")

    def _require_persona_playing(self, command: str) -> None:
        self._require_not_ended()
        if self._player != "persona":
            raise SessionError(f"you are playing the customer: hand back before you {command}")


async def open_coach(
    runner: SessionRunner,
    persona: Persona,
    *,
    customer: Customer | None = None,
    max_turns: int = DEFAULT_MAX_TURNS,
    speed: str | None = None,
) -> CoachSession:
    """A started :class:`CoachSession` for ``persona`` on ``runner``: the playbook is read from the
    runner's knowledge folder (off the loop) and the customer chosen from its settings (Cerebras
    with a key, the offline driver otherwise); ``speed`` defaults to the settings' ``coach_speed``.
    Close it with :meth:`CoachSession.aclose`."""
    playbook = await asyncio.to_thread(Playbook.load, runner.settings.knowledge_dir)
    if customer is None:
        customer = build_customer(runner.settings, persona, playbook)
    coach = CoachSession(
        runner,
        persona,
        customer,
        playbook=playbook,
        max_turns=max_turns,
        speed=speed or runner.settings.coach_speed,
    )
    await coach.start()
    return coach
