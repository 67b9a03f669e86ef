"""The offline persona driver: a deterministic AI customer who notices when it is not answered.

It walks the persona's agenda the way a demanding role-play partner would: open the call, raise
each objection in order (``when``), and judge every reply against what it asked
(:mod:`simulator.personas.judging`): does it deal with the objection (its cues, the playbook's
prepared response), does it answer the question with the fact asked for (a price for "what would
it cost", a duration for "how long"; a figure the claim check flagged does not count)?

- answered: the customer says so and asks its follow-ups;
- not answered: it re-asks (the objection's own push-back lines: none for a gentle customer, one
  firm, two relentless), then narrows the question to the part still open ("Let me ask it more
  simply: ..."), and only then gives up on it (``gave_up_on_objection``) and counts a miss; a
  re-ask is answered by a reply that answers what it asked (with one of the objection's cues); a
  follow-up question is asked again saying what was missing ("I still need a price"), then
  narrowed (of a two-part question, the part not answered), then the customer gives up on the
  whole objection (it is no longer handled, its other follow-ups are parked) and counts a miss;
- when the misses reach the persona's ``patience`` it loses patience and ends the call;
- a hidden fact is revealed only in the turn after an agent asks the discovery question for it
  (a question with one of the fact's cues);
- at the end it agrees to the next step only if the objections and facts it requires were
  settled (accepted and not given up on since) and it gave up on no other objection - the
  answers decide, never the number of turns.

Every verdict is published as a persona action, which the scorecard reads: the two cannot
disagree. Same conversation in, same lines out, so ``simulator rehearse --all --offline`` works
as a regression suite. When the user takes over and hands back, the driver picks up what the user
raised: an objection from the agenda that the user brought up counts as raised, and the team's
answer to it is judged.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.events import Outcome
from simulator.personas.customer import Action, CustomerTurn, CustomerView, Ending, Line
from simulator.personas.judging import (
    OFF_THE_POINT,
    asked_about,
    judge_objection,
    judge_question,
    match_objection,
    question_parts,
)
from simulator.personas.model import (
    FOLLOW_UP_ATTEMPTS,
    TOPIC_QUESTIONS,
    FollowUp,
    Objection,
    Persona,
)
from simulator.personas.playbook import Playbook


@dataclass
class _Open:
    """The objection (or its follow-up question) under discussion, waiting for an answer."""

    objection: Objection
    follow_up: FollowUp | None = None
    attempts: int = 1
    asked: str = ""
    """The customer's last re-ask of it (a push-back line or the narrowed question)."""
    rejected: tuple[str, ...] = ()
    """Replies already judged no answer: the same reply again is no answer either."""


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

        insist = self._judge(answer, view.last_flagged, said, actions)
        if self.misses >= self.persona.patience:
            return self._end(
                said,
                actions,
                "declined",
                self.persona.fed_up,
                f"Lost patience: {self.misses} objection(s) or question(s) went unanswered.",
            )
        if insist is not None:
            if view.turns_left > 1:
                return CustomerTurn(" ".join([*said, insist]), tuple(actions))
            return self._end(
                said, actions, "undecided", self.persona.out_of_time, "Ran out of time."
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

    def _judge(
        self, answer: str, flagged: tuple[str, ...], said: list[str], actions: list[Action]
    ) -> str | None:
        """Judge the answer to what is open; returns the line to insist with, if any."""
        current, self._open = self._open, None
        if current is None:
            return None
        objection = current.objection
        if current.follow_up is not None:
            return self._judge_follow_up(current, answer, flagged, said, actions)
        judgement = judge_objection(
            objection, answer, self._playbook.find(objection.playbook), flagged
        )
        addressed = judgement.addressed
        if addressed and objection.says.rstrip().endswith("?"):
            # a question as an objection ("where exactly is it hosted?") wants its fact too
            addressed = judge_question(
                objection.says, answer, objection.addressed_by, flagged
            ).answered
        narrowed = current.attempts == objection.attempts and current.asked.endswith("?")
        if not addressed and narrowed and _said(answer) not in current.rejected:
            # the customer narrowed the point: a new reply that answers the narrowed question
            # (with one of the objection's cues) settles it
            addressed = judge_question(
                current.asked, answer, objection.addressed_by, flagged
            ).answered
        if addressed:
            self.handled.add(objection.id)
            self._follow_ups = list(objection.follow_ups)
            self._open = _Open(objection)
            detail = (
                "the playbook's prepared response"
                if judgement.used_prepared
                else ", ".join(judgement.cues) or "answered the re-asked question"
            )
            actions.append(Action("accepted_answer", objection=objection.id, detail=detail))
            said.append(self._acknowledgement())
            return None
        if current.attempts < objection.attempts:
            n = current.attempts
            if n < objection.attempts - 1 and n <= len(objection.pushback):
                line = objection.pushback[n - 1]
            elif n < objection.attempts - 1:
                replies = [*current.rejected, _said(answer)]
                question = _never_answered(objection.says, replies) or _question(
                    current.asked or objection.says
                )
                line = f"{self.persona.not_answered} {question}"
            else:
                line = self.persona.narrowing.format(question=_narrowed(objection, n))
            rejected = (*current.rejected, _said(answer))
            self._open = _Open(objection, attempts=n + 1, asked=line, rejected=rejected)
            actions.append(Action("pushed_back", objection=objection.id))
            return line
        self.given_up.add(objection.id)
        self.misses += 1
        actions.append(Action("gave_up_on_objection", objection=objection.id))
        said.append(self.persona.moving_on)
        return None

    def _judge_follow_up(
        self,
        current: _Open,
        answer: str,
        flagged: tuple[str, ...],
        said: list[str],
        actions: list[Action],
    ) -> str | None:
        assert current.follow_up is not None
        follow_up, objection = current.follow_up, current.objection
        verdict = judge_question(follow_up.says, answer, follow_up.addressed_by, flagged)
        if not verdict.answered and current.asked and _said(answer) not in current.rejected:
            # the re-ask may have narrowed it to the part still open: an answer to that will do
            narrowed = judge_question(current.asked, answer, follow_up.addressed_by, flagged)
            verdict = narrowed if narrowed.answered else verdict
        self._open = _Open(objection)  # the objection stays the topic for its next follow-up
        if verdict.answered:
            actions.append(Action("accepted_answer", objection=objection.id, detail=follow_up.says))
            said.append(self._acknowledgement())
            return None
        if current.attempts < FOLLOW_UP_ATTEMPTS:
            n = current.attempts
            if n < FOLLOW_UP_ATTEMPTS - 1 and verdict.missing in OFF_THE_POINT:
                line = f"{self.persona.not_answered} {follow_up.says}"
            elif n < FOLLOW_UP_ATTEMPTS - 1:
                line = self.persona.reasking.format(
                    missing=verdict.missing, question=follow_up.says
                )
            else:
                replies = [*current.rejected, _said(answer)]
                line = self.persona.narrowing.format(
                    question=follow_up.narrowed
                    or _never_answered(follow_up.says, replies)
                    or verdict.unanswered
                    or _question(follow_up.says)
                )
            rejected = (*current.rejected, _said(answer))
            self._open = _Open(objection, follow_up, attempts=n + 1, asked=line, rejected=rejected)
            actions.append(
                Action("pushed_back", objection=objection.id, detail=f"missing {verdict.missing}")
            )
            return line
        # a question of the objection went unanswered: the objection is not settled, and the
        # customer parks the whole topic (its other follow-ups too)
        self.handled.discard(objection.id)
        self.given_up.add(objection.id)
        self._follow_ups = []
        self.misses += 1
        actions.append(
            Action("gave_up_on_objection", objection=objection.id, detail=follow_up.says)
        )
        said.append(self.persona.moving_on)
        return None

    def _conclude(self, said: list[str], actions: list[Action]) -> CustomerTurn:
        step = self.persona.next_step
        missing = [o for o in self.persona.required_objections if o not in self.handled]
        missing += [o.id for o in self.persona.agenda if o.id in self.given_up - self.handled]
        unknown = [f for f in step.requires_facts if f not in self.revealed]
        if not missing and not unknown:
            return self._end(said, actions, "agreed", step.accept, f"Agreed to {step.agrees_to}.")
        # the objections not settled are the scorecard's to list (from the same verdicts)
        reason = "Declined the next step" + (
            "; never asked about: " + ", ".join(unknown) if unknown else ""
        )
        return self._end(said, actions, "declined", step.decline, reason + ".")

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


def _narrowed(objection: Objection, attempt: int) -> str:
    """The question to narrow an objection down to after ``attempt`` answers: its own
    ``narrowed``, else the last question the customer asked about it (a push-back's or its
    own), else the plain question of its topic."""
    if objection.narrowed:
        return objection.narrowed
    for text in reversed([objection.says, *objection.pushback[: attempt - 1]]):
        if "?" in text:
            return _question(text)
    return TOPIC_QUESTIONS[objection.topic]


def _question(says: str) -> str:
    """The last sentence of what the customer said: the question to narrow down to (without a
    leading "And")."""
    sentences = [s.strip() for s in says.replace("?", "?|").replace(". ", ".|").split("|")]
    sentences = [s for s in sentences if s]
    questions = [s for s in sentences if s.endswith("?")]
    question = (questions or sentences or [says])[-1]
    if question.lower().startswith("and "):
        question = question[4:5].upper() + question[5:]
    return question


def _never_answered(question: str, replies: list[str]) -> str | None:
    """Of a two-part question, the part no reply so far answered (by its own words and fact):
    what the customer narrows down to; when each seems answered somewhere (words shared by
    chance), its first part, the main ask."""
    parts = question_parts(question)
    if len(parts) < 2:
        return None
    for part in parts:
        if not any(judge_question(part, reply).answered for reply in replies):
            return part
    return parts[0]


def _said(answer: str) -> str:
    return " ".join(answer.lower().split())
