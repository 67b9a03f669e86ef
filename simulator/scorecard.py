"""The scorecard: what went well in a rehearsal and what did not, computed from its events.

:class:`ScorecardBuilder` is an observer of a session: fed every event (live, or from a saved
log), it can build a :class:`~simulator.events.Scorecard` at any moment (on demand) and at the end.
It scores the conversation itself, so it works whoever played the customer - a persona, the user
after taking over, or the user in plain Customer mode (then objections are recognised from the
playbook alone):

- objections raised (the persona says which; the user's lines are matched to objections), whether
  each was handled, by whom, and whether the playbook's prepared response was used, judged by
  :mod:`simulator.personas.judging` - the same judge the offline persona uses;
- hidden facts the agents asked about (a question with the fact's cue words);
- unsupported claims, from the claim-check events;
- whether each question reached the right specialist (the one its objection or its words belong to);
- talk ratio in words, latency p50/p95 end to end, and the persona's outcome.

In Rep mode (``seat="rep"``) the same card grades the user as the company's rep: their lines are
the answers, judged by the same persona verdicts and claim checks; routing and latency give way to
the rep's discovery questions, how long they took to answer each customer line and their longest
monologue. It is one model with a ``seat``, not a second scorecard.

:mod:`simulator.scorecard_render` turns a scorecard into one presentation model (tiles, parts of
marked rows, each quoting what it judged) that the terminal, the HTML report and the app all
render, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from simulator.conversation import percentile
from simulator.events import (
    AgentRole,
    ClaimCheckEvent,
    ConversationResetEvent,
    CustomerOutcomeEvent,
    CustomerPlayer,
    DiscoveryQuestion,
    Event,
    FactScore,
    LatencyEvent,
    LatencyScore,
    ModeChangedEvent,
    ObjectionScore,
    Outcome,
    PersonaEvent,
    ResponseTime,
    RoutingScore,
    Scorecard,
    ScoredSeat,
    Seller,
    TalkRatio,
    TranscriptEvent,
    UnsupportedClaim,
)
from simulator.personas.judging import (
    PREPARED_USED,
    asked_about,
    judge_objection,
    judge_playbook,
    match_objection,
    prepared_overlap,
    question_specialists,
    questions,
)
from simulator.personas.model import Objection, Persona
from simulator.personas.playbook import Playbook, PlaybookEntry

_ASKING_ACTIONS = ("raised_objection", "pushed_back", "asked_follow_up")


@dataclass
class _CustomerLine:
    turn_id: int
    text: str
    by: CustomerPlayer
    at: float = 0.0


@dataclass
class _Raised:
    key: str
    label: str
    turn_id: int
    by: CustomerPlayer
    objection: Objection | None
    entry: PlaybookEntry | None


class ScorecardBuilder:
    """Feed it every event with :meth:`observe`; :meth:`build` whenever a scorecard is wanted."""

    def __init__(
        self, persona: Persona | None, playbook: Playbook, *, seat: ScoredSeat = "team"
    ) -> None:
        """``seat``: whose selling is graded, the team's or (Rep mode) the user's as the rep."""
        self.persona = persona
        self.playbook = playbook
        self.seat: ScoredSeat = seat
        self._player: CustomerPlayer = "persona" if persona else "user"
        self._reset()

    def _reset(self) -> None:
        self._customer: list[_CustomerLine] = []
        self._replies: list[TranscriptEvent] = []
        self._actions: list[PersonaEvent] = []
        self._checks: list[ClaimCheckEvent] = []
        self._latencies: list[LatencyEvent] = []
        self._outcome: CustomerOutcomeEvent | None = None
        self._order: list[TranscriptEvent] = []
        """Every line in order (customer and seller), for monologues and response times."""

    def observe(self, event: Event) -> None:
        if isinstance(event, ModeChangedEvent):
            self._player = event.customer
        elif isinstance(event, TranscriptEvent):
            if event.speaker == "customer":
                self._customer.append(
                    _CustomerLine(event.turn_id, event.text, self._player, event.created_at)
                )
                self._order.append(event)
            else:
                self._replies.append(event)
                self._order.append(event)
        elif isinstance(event, PersonaEvent):
            self._actions.append(event)
        elif isinstance(event, ClaimCheckEvent):
            self._checks.append(event)
        elif isinstance(event, LatencyEvent):
            self._latencies.append(event)
        elif isinstance(event, CustomerOutcomeEvent):
            self._outcome = event
        elif isinstance(event, ConversationResetEvent):
            self._reset()  # a new conversation

    def build(self, *, final: bool) -> Scorecard:
        persona = self.persona
        if self._outcome is not None:
            outcome: Outcome = self._outcome.outcome
            reason, next_step = self._outcome.reason, self._outcome.next_step
        else:
            outcome, next_step = "undecided", None
            reason = (
                "The conversation ended before the customer decided."
                if final
                else "The conversation is still going."
            )
        e2e = [e.stages.e2e_ms for e in self._latencies if e.stages.e2e_ms is not None]
        rep = self.seat == "rep"
        return Scorecard(
            persona=persona.id if persona else None,
            persona_name=persona.name if persona else None,
            difficulty=persona.difficulty if persona else None,
            outcome=outcome,
            outcome_reason=reason,
            next_step=next_step,
            final=final,
            customer_turns=len(self._customer),
            agent_replies=len(self._replies),
            objections=tuple(self._objections()),
            facts=tuple(self._facts()),
            routing=() if rep else tuple(self._routing()),
            claims_checked=sum(len(c.claims) for c in self._checks),
            unsupported_claims=tuple(
                UnsupportedClaim(
                    turn_id=c.turn_id,
                    agent=c.agent,
                    text=claim.text,
                    kind=claim.kind,
                    contradicting=claim.contradicting,
                    correct=claim.correct,
                )
                for c in self._checks
                for claim in c.unsupported
            ),
            talk=TalkRatio(
                customer_words=sum(len(line.text.split()) for line in self._customer),
                agent_words=sum(len(r.text.split()) for r in self._replies),
            ),
            latency=LatencyScore(
                replies=len(e2e),
                p50_ms=round(percentile(e2e, 50), 1) if e2e else None,
                p95_ms=round(percentile(e2e, 95), 1) if e2e else None,
            ),
            seat=self.seat,
            discovery=tuple(self._discovery()) if rep else (),
            response_times=tuple(self._response_times()) if rep else (),
            longest_monologue_words=self._longest_monologue(),
        )

    # -- parts ---------------------------------------------------------------------------------

    def _raised(self) -> list[_Raised]:
        """Each objection once, at the customer line that raised it: the persona says which
        (``raised_objection``); a line the user typed is matched to the persona's objections or
        the playbook by its words."""
        raised: dict[str, _Raised] = {}
        persona = self.persona
        for action in self._actions:
            if action.action == "raised_objection" and action.objection and persona is not None:
                objection = persona.objection(action.objection)
                raised.setdefault(
                    objection.id,
                    _Raised(
                        objection.id,
                        objection.says,
                        action.turn_id,
                        "persona",
                        objection,
                        self.playbook.find(objection.playbook),
                    ),
                )
        for line in self._customer:
            if line.by != "user":
                continue
            matched, entry = match_objection(line.text, persona, self.playbook)
            if matched is not None:
                raised.setdefault(
                    matched.id,
                    _Raised(matched.id, matched.says, line.turn_id, line.by, matched, entry),
                )
            elif entry is not None:
                raised.setdefault(
                    entry.title,
                    _Raised(entry.title, entry.title, line.turn_id, line.by, None, entry),
                )
        return sorted(raised.values(), key=lambda r: r.turn_id)

    def _objections(self) -> Iterable[ObjectionScore]:
        raised = self._raised()
        last_turn = max([r.turn_id for r in self._replies], default=0)
        required = set(self.persona.required_objections) if self.persona else set()
        for n, item in enumerate(raised):
            until = raised[n + 1].turn_id if n + 1 < len(raised) else last_turn + 1
            answers = self._answers(item.turn_id, last_turn + 1)
            verdicts = [
                a
                for a in self._actions
                if a.objection == item.key
                and a.turn_id > item.turn_id
                and a.action in ("accepted_answer", "gave_up_on_objection")
            ]
            status, handled_turn, handled_by, answer_line = "open", None, None, ""
            given_up_on = ""
            if verdicts:  # the customer's own verdicts: the last one decides
                settled = _settling(verdicts)
                if settled is None:
                    status = "given_up"  # it gave up, and no later answer settled it
                    given_up_on = verdicts[-1].detail
                else:
                    answered = [a for a in answers if a[0] < settled.turn_id]
                    if answered:
                        handled_turn, handled_by, answer_line = answered[-1]
                        status = "handled"
            elif item.by == "user" or self.persona is None:
                # nobody to judge it but the playbook (the user raised it themselves)
                for turn_id, speaker, answer in self._answers(item.turn_id, until):
                    if item.objection is not None:
                        judgement = judge_objection(
                            item.objection, answer, item.entry, self._flagged(turn_id)
                        )
                    elif item.entry is not None:
                        judgement = judge_playbook(answer, item.entry)
                    else:
                        continue
                    if judgement.addressed:
                        status, handled_turn, handled_by, answer_line = (
                            "handled",
                            turn_id,
                            speaker,
                            answer,
                        )
                        break
            answered = self._answers(item.turn_id, until)
            overlap = max(
                (prepared_overlap(a[2], item.entry) for a in answered),
                default=0.0,
            )
            yield ObjectionScore(
                objection=item.key,
                label=item.label,
                raised_turn=item.turn_id,
                raised_by=item.by,
                handled=status == "handled",
                handled_turn=handled_turn,
                handled_by=handled_by,
                status=status,
                required=item.key in required,
                raised_line=self._customer_line(item.turn_id),
                answer_line=answer_line,
                prepared_response_used=overlap >= PREPARED_USED,
                prepared_response_overlap=overlap,
                playbook_section=item.entry.section if item.entry else None,
                prepared_response=item.entry.prepared_response if item.entry else "",
                last_answer=answered[-1][2] if answered else "",
                given_up_on=given_up_on,
            )
        if self.persona is not None:
            seen = {r.key for r in raised}
            for objection in self.persona.agenda:
                if objection.id in required and objection.id not in seen:
                    entry = self.playbook.find(objection.playbook)
                    yield ObjectionScore(
                        objection=objection.id,
                        label=objection.says,
                        raised_turn=0,
                        raised_by="persona",
                        handled=False,
                        status="not_raised",
                        required=True,
                        playbook_section=entry.section if entry else None,
                        prepared_response=entry.prepared_response if entry else "",
                    )

    def _flagged(self, turn_id: int) -> tuple[str, ...]:
        """The figures the claim check flagged in the sellers' replies of ``turn_id``."""
        return tuple(
            c.text for check in self._checks if check.turn_id == turn_id for c in check.unsupported
        )

    def _customer_line(self, turn_id: int) -> str:
        return " ".join(line.text for line in self._customer if line.turn_id == turn_id)

    def _answers(self, start: int, until: int) -> list[tuple[int, Seller, str]]:
        """The team's (or the rep's) answer in each turn from ``start`` up to (not including)
        ``until``."""
        by_turn: dict[int, list[TranscriptEvent]] = {}
        for reply in self._replies:
            if start <= reply.turn_id < until:
                by_turn.setdefault(reply.turn_id, []).append(reply)
        return [
            # _replies holds the sellers' lines only: their speaker is an agent or the rep
            (turn, cast(Seller, replies[-1].speaker), " ".join(r.text for r in replies))
            for turn, replies in sorted(by_turn.items())
        ]

    def _facts(self) -> Iterable[FactScore]:
        if self.persona is None:
            return
        revealed = {a.fact for a in self._actions if a.action == "revealed_fact"}
        for fact in self.persona.hidden_facts:
            asked = next(
                (
                    turn
                    for turn, _, answer in self._answers(0, 1 << 30)
                    if asked_about(fact, answer)
                ),
                None,
            )
            yield FactScore(
                fact=fact.id,
                kind=fact.kind,
                label=fact.fact,
                uncovered=asked is not None or fact.id in revealed,
                asked_turn=asked,
            )

    def _discovery(self) -> Iterable[DiscoveryQuestion]:
        """Every question the rep asked, with the hidden facts its words ask about."""
        facts = self.persona.hidden_facts if self.persona else ()
        for reply in self._replies:
            for question in questions(reply.text):
                yield DiscoveryQuestion(
                    turn_id=reply.turn_id,
                    text=question,
                    facts=tuple(f.id for f in facts if asked_about(f, question)),
                )

    def _response_times(self) -> Iterable[ResponseTime]:
        """For each customer line the seller answered: the time to their first line after it."""
        waiting: TranscriptEvent | None = None
        for line in self._order:
            if line.speaker == "customer":
                waiting = line
            elif waiting is not None:
                yield ResponseTime(
                    turn_id=waiting.turn_id,
                    line=waiting.text,
                    ms=round(max(0.0, line.created_at - waiting.created_at) * 1000, 1),
                )
                waiting = None

    def _longest_monologue(self) -> int:
        """The most words the seller said between two customer lines."""
        longest = run = 0
        for line in self._order:
            run = 0 if line.speaker == "customer" else run + len(line.text.split())
            longest = max(longest, run)
        return longest

    def _routing(self) -> Iterable[RoutingScore]:
        persona = self.persona
        for line in self._customer:
            expected: tuple[AgentRole, ...] | None = None
            actions = [
                a
                for a in self._actions
                if a.turn_id == line.turn_id and a.action in _ASKING_ACTIONS
            ]
            if actions and persona is not None and line.by == "persona":
                action = actions[-1]
                objection = persona.objection(action.objection) if action.objection else None
                if objection is not None:
                    expected = objection.expected_specialists
                    if action.action == "asked_follow_up":
                        asked = next((f for f in objection.follow_ups if f.says in line.text), None)
                        expected = (asked.specialist,) if asked and asked.specialist else expected
            elif line.by == "user" or persona is None:
                objection, _ = match_objection(line.text, persona, self.playbook)
                expected = (
                    objection.expected_specialists if objection else question_specialists(line.text)
                )
            if not expected:
                continue  # small talk, an opening, or a question anyone may answer
            answers = self._answers(line.turn_id, line.turn_id + 1)
            answered_by = answers[-1][1] if answers else None
            yield RoutingScore(
                turn_id=line.turn_id,
                question=line.text,
                expected=expected,
                answered_by=answered_by,
                correct=answered_by in expected,
            )


def _settling(verdicts: list[PersonaEvent]) -> PersonaEvent | None:
    """The acceptance that settled an objection: the first one after the customer last gave up
    on it (a follow-up it gave up on unsettles an accepted objection); ``None`` when the last
    verdict is a give-up."""
    since = verdicts
    for n, verdict in enumerate(verdicts):
        if verdict.action == "gave_up_on_objection":
            since = verdicts[n + 1 :]
    return since[0] if since else None


def score_events(
    events: Iterable[Event], persona: Persona | None, playbook: Playbook, *, final: bool = True
) -> Scorecard:
    """The scorecard of a finished (or saved) session."""
    builder = ScorecardBuilder(persona, playbook)
    for event in events:
        builder.observe(event)
    return builder.build(final=final)


# -- rendering (one presentation model for the terminal, the report and the app) ----------------

from simulator.scorecard_render import (  # noqa: E402  (re-exported: simulator.scorecard is the API)
    TABLE_COLUMNS,
    Part,
    Row,
    headline,
    parts,
    render_table,
    render_text,
    summary_row,
    tiles,
)

__all__ = [
    "TABLE_COLUMNS",
    "Part",
    "Row",
    "ScorecardBuilder",
    "headline",
    "parts",
    "render_table",
    "render_text",
    "score_events",
    "summary_row",
    "tiles",
]
