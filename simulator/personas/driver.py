"""The offline persona driver: a deterministic AI customer, so Coach mode works with no keys.

It walks the persona's agenda the way a scripted role-play partner would: open the call, raise
each objection in order (``when``), judge the answer (:mod:`simulator.personas.judging`), push
back as hard as the objection says (``push``) when the answer missed, ask the follow-ups once it
is settled, and reveal a hidden fact only in the turn after an agent asked about it. It gives up
on the call when too many objections or questions went unanswered (``patience``), and agrees to
the next step at the end only if the objections it requires were handled and the facts it
requires were uncovered. Same conversation in, same lines out: rehearsals are reproducible, so
``simulator rehearse --all --offline`` works as a regression suite.

When the user takes over and hands back, the driver picks up what the user raised: an objection
from the agenda that the user brought up counts as raised, and the team's answer to it is judged.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.events import Outcome
from simulator.personas.customer import Action, CustomerTurn, CustomerView, Ending, Line
from simulator.personas.judging import (
    asked_about,
    judge_follow_up,
    judge_objection,
    match_objection,
)
from simulator.personas.model import FollowUp, Objection, Persona
from simulator.personas.playbook import Playbook


@dataclass
class _Open:
    """The objection (or its follow-up) under discussion, waiting for the team's answer."""

    objection: Objection
    follow_up: FollowUp | None = None
    attempts: int = 1


class OfflinePersonaDriver:
    provider = "offline"

    def __init__(self, persona: Persona, playbook: Playbook) -> None:
        self.persona = persona
        self._playbook = playbook
        self._agenda: list[Objection] = list(persona.agenda)
        self._open: _Open | None = None
        self._follow_ups: list[FollowUp] = []
        self.handled: set[str] = set()
        self.given_up: set[str] = set()
        self.revealed: set[str] = set()
        self.misses = 0
        self._acknowledged = 0
        self._seen_lines = 0
        self._ended = False

    async def next_turn(self, view: CustomerView) -> CustomerTurn:
        return self.decide(view)

    async def aclose(self) -> None:
        return None

    def decide(self, view: CustomerView) -> CustomerTurn:
        """The next line for ``view``; pure bookkeeping, no I/O."""
        if self._ended:
            raise RuntimeError(f"{self.persona.name} has already ended the call")
        if not any(line.speaker == "customer" for line in view.lines):
            self._seen_lines = len(view.lines)
            return self._opening()
        self._catch_up(view.lines[self._seen_lines :])
        self._seen_lines = len(view.lines)
        answer = view.last_answer
        said: list[str] = []
        actions: list[Action] = []
        for fact in self.persona.hidden_facts:
            if fact.id not in self.revealed and asked_about(fact, answer):
                self.revealed.add(fact.id)
                said.append(fact.reveal)
                actions.append(Action("revealed_fact", fact=fact.id))

        pushback = self._judge(answer, said, actions)
        if pushback is not None:
            if view.turns_left > 1:
                return CustomerTurn(" ".join([*said, pushback]), tuple(actions))
            return self._end(
                said, actions, "undecided", self.persona.out_of_time, "Ran out of time."
            )
        if self.misses >= self.persona.patience:
            return self._end(
                said,
                actions,
                "declined",
                self.persona.fed_up,
                f"Lost patience: {self.misses} objection(s) or question(s) went unanswered.",
            )
        if view.turns_left <= 1:
            return self._end(
                said,
                actions,
                "undecided",
                self.persona.out_of_time,
                "Ran out of time before every objection was discussed.",
            )
        if self._follow_ups:
            follow_up = self._follow_ups.pop(0)
            assert self._open is not None
            self._open = _Open(self._open.objection, follow_up)
            actions.append(Action("asked_follow_up", objection=self._open.objection.id))
            return CustomerTurn(" ".join([*said, follow_up.says]), tuple(actions))
        if self._agenda:
            objection = self._agenda.pop(0)
            self._open = _Open(objection)
            actions.append(Action("raised_objection", objection=objection.id))
            return CustomerTurn(" ".join([*said, objection.says]), tuple(actions))
        return self._conclude(said, actions)

    # -- steps --------------------------------------------------------------------------------

    def _opening(self) -> CustomerTurn:
        actions = [Action("opened")]
        text = self.persona.opening
        if self._agenda and self._agenda[0].when == "opening":
            objection = self._agenda.pop(0)
            self._open = _Open(objection)
            actions.append(Action("raised_objection", objection=objection.id))
            text = f"{text} {objection.says}"
        return CustomerTurn(text, tuple(actions))

    def _judge(self, answer: str, said: list[str], actions: list[Action]) -> str | None:
        """Judge the answer to what is open; returns a push-back line when the customer insists."""
        current, self._open = self._open, None
        if current is None:
            return None
        objection = current.objection
        if current.follow_up is not None:
            if judge_follow_up(current.follow_up, answer):
                said.append(self._acknowledgement())
            else:
                self.misses += 1
            self._open = current
            return None
        judgement = judge_objection(objection, answer, self._playbook.find(objection.playbook))
        if judgement.addressed:
            self.handled.add(objection.id)
            self._follow_ups = list(objection.follow_ups)
            self._open = current
            detail = (
                "the playbook's prepared response"
                if judgement.used_prepared
                else ", ".join(judgement.cues)
            )
            actions.append(Action("accepted_answer", objection=objection.id, detail=detail))
            said.append(self._acknowledgement())
            return None
        if current.attempts < objection.attempts:
            line = (
                objection.pushback[current.attempts - 1]
                if current.attempts <= len(objection.pushback)
                else self.persona.not_answered
            )
            self._open = _Open(objection, attempts=current.attempts + 1)
            actions.append(Action("pushed_back", objection=objection.id))
            return line
        self.given_up.add(objection.id)
        self.misses += 1
        actions.append(Action("gave_up_on_objection", objection=objection.id))
        said.append(self.persona.moving_on)
        return None

    def _conclude(self, said: list[str], actions: list[Action]) -> CustomerTurn:
        step = self.persona.next_step
        missing = [o for o in self.persona.required_objections if o not in self.handled]
        unknown = [f for f in step.requires_facts if f not in self.revealed]
        if not missing and not unknown:
            return self._end(said, actions, "agreed", step.accept, f"Agreed to {step.agrees_to}.")
        reasons = []
        if missing:
            reasons.append("objections not settled: " + ", ".join(missing))
        if unknown:
            reasons.append("never asked about: " + ", ".join(unknown))
        return self._end(
            said,
            actions,
            "declined",
            step.decline,
            "Declined the next step; " + "; ".join(reasons) + ".",
        )

    def _end(
        self, said: list[str], actions: list[Action], outcome: Outcome, line: str, reason: str
    ) -> CustomerTurn:
        self._ended = True
        if said and said[-1] == self.persona.moving_on:
            said.pop()  # no "let's park that" in the line that ends the call
        actions.append(Action("concluded", detail=f"{outcome}: {reason}"))
        return CustomerTurn(" ".join([*said, line]), tuple(actions), Ending(outcome, reason))

    def _acknowledgement(self) -> str:
        phrases = self.persona.acknowledgements
        self._acknowledged += 1
        return phrases[(self._acknowledged - 1) % len(phrases)] if phrases else ""

    def _catch_up(self, new_lines: tuple[Line, ...]) -> None:
        """Objections the user raised while they had taken over count as raised; the last one is
        open."""
        for line in new_lines:
            if line.speaker != "customer" or not line.by_user:
                continue
            objection, _ = match_objection(line.text, self.persona, self._playbook)
            if objection is not None and objection in self._agenda:
                self._agenda.remove(objection)
                self._open = _Open(objection)
                self._follow_ups = []
