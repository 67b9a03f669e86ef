"""Did an answer deal with an objection? Did the agent ask about a hidden fact? Which objection is
this?

The offline persona driver judges each answer with these functions and records its verdict as
events (``accepted_answer``, ``pushed_back``, ``gave_up_on_objection``); the scorecard reads those
verdicts, so it can never say "handled" about an objection the customer gave up on. Only an
objection the user raised themselves (no persona to judge it) is judged by the scorecard, with
the same functions. They compare words, not meanings (stemmed content terms, see
:mod:`simulator.knowledge.keywords`), so they are deterministic and need no model:

- a question is answered when the answer is on its topic (its cues, or its content words) and
  carries the facts it asks for: "what would it cost" needs a price, "how many" a count, "how
  long" a duration, "when" a date; a figure the claim check flagged does not count, and "I'll
  find out" is no answer;

- an objection is addressed when the answer contains enough of the persona's ``addressed_by``
  cues; an answer drawn from the playbook's prepared response for it counts as one cue;
- a fact is asked about when one of the agent's questions (a sentence ending in ``?``) contains
  one of the fact's ``asked_with`` cues;
- a customer's own line is matched to an objection by the words it shares with the persona's
  wording and the playbook's "what the customer says" examples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulator.events import AgentRole
from simulator.knowledge import keywords
from simulator.personas.model import FollowUp, HiddenFact, Objection, Persona
from simulator.personas.playbook import Playbook, PlaybookEntry
from simulator.statements import Statement, find_statements

PREPARED_USED = 0.5
"""How much of an answer must come from the prepared response for it to count as used."""
_PREPARED_MIN_WORDS = 8
"""Fewer shared words than this scale the share down: "Yes, it is." is not the playbook."""
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_PRICING_WORDS = frozenset(
    keywords.terms(
        "price cost costs expensive cheap budget discount "
        "quote pay plan plans tier contract renew cancel fee "
        "afford spend money dollars invoice subscription "
        "pilot prepay licence license deal saving refund "
        "pricing charge academic"
    )
)
_TECHNICAL_WORDS = frozenset(
    keywords.terms(
        "install integrate integration api webhook erp sap "
        "netsuite security secure compliance certified "
        "certification encrypt encryption sso saml gdpr "
        "soc iso audit battery batteries range accuracy "
        "hardware network wifi wireless connect setup "
        "configure compatible reliable uptime hosting hosted "
        "data calibration sensor sensors gateway gateways "
        "firmware export signal probe freezer gasket "
        "validated validation annex mqtt historian backhaul coverage"
    )
)
_DEFLECTIONS = (
    "won't guess",
    "will not guess",
    "don't have that",
    "do not have that",
    "i'll find out",
    "i will find out",
    "not sure",
    "can't say",
    "cannot say",
    "check and come back",
)


@dataclass(frozen=True)
class Judgement:
    addressed: bool
    prepared_overlap: float
    """Share (0-1) of the answer's content words that come from the prepared response."""
    cues: tuple[str, ...]
    """The ``addressed_by`` cues the answer contains."""

    @property
    def used_prepared(self) -> bool:
        return self.prepared_overlap >= PREPARED_USED


def judge_objection(
    objection: Objection,
    answer: str,
    entry: PlaybookEntry | None,
    flagged: tuple[str, ...] = (),
) -> Judgement:
    """Addressed when the answer has ``min_cues`` of the objection's cues; the playbook's prepared
    response stands in for one cue (for a demanding customer, a generic prepared response that
    never touches their specific point is not enough). A cue found only in a figure the claim
    check flagged (``flagged``) does not count."""
    answer = without_flagged(answer, flagged)
    overlap = prepared_overlap(answer, entry)
    cues = cues_in(objection.addressed_by, answer)
    credited = len(cues) + (1 if overlap >= PREPARED_USED else 0)
    addressed = credited >= objection.min_cues and (bool(cues) or not is_deflection(answer))
    return Judgement(addressed, overlap, cues)


def judge_playbook(answer: str, entry: PlaybookEntry) -> Judgement:
    """An objection the persona did not list (the user raised it): only the playbook can tell."""
    overlap = prepared_overlap(answer, entry)
    addressed = overlap >= PREPARED_USED or (
        overlap >= PREPARED_USED / 2 and not is_deflection(answer)
    )
    return Judgement(addressed, overlap, ())


@dataclass(frozen=True)
class Answer:
    """Whether a reply answers a question, and if not, why (said back to the team)."""

    answered: bool
    missing: str = ""
    """What the reply lacked: ``a price``, ``a number``, ``a straight answer``... empty when
    answered."""
    unanswered: str = ""
    """The part of the question still open, as a question (``How many sensors can one GW-20
    handle?``): what the customer narrows down to."""


_NEEDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("price", ("how much", "what would", "cost", "price", "pay", "fee", "charge"), "a price"),
    ("percentage", ("what percentage", "what discount", "how big a discount"), "a percentage"),
    ("duration", ("how long", "how many days", "how many weeks", "how many months"), "a duration"),
    ("distance", ("how far",), "a distance"),
    ("count", ("how many",), "a number"),
    ("date", ("when will", "by when", "what date", "which date"), "a date"),
)
OFF_THE_POINT = ("a straight answer", "an answer")
"""What a reply lacked when it was beside the point (rather than missing a figure)."""
_FREE = ("without paying", "for free", "free of charge", "at no cost", "at no charge")
"""A question whether something is free asks yes or no, not for a price."""
_DURATION_UNITS = frozenset(
    ["second", "minut", "hour", "day", "week", "month", "year", "business-day", "working-day"]
)
_DISTANCE_UNITS = frozenset(["m", "km", "ft", "feet", "foot", "mile", "meter", "metr", "yard"])
_HOW_MANY = re.compile(r"\bhow many ([a-z][a-z-]*)", re.I)
_PARTS = re.compile(
    r",?\s+and\s+(?=(?:how|what|which|when|where|can|could|do|does|is|are|will|would)\b)",
    re.I,
)
_QUESTION_WORDS = frozenset(
    keywords.terms(
        "what which when how much many long far would could does do is are can the us for one "
        "our up front roughly exactly just please tell know"
    )
)


def needed_fact(question: str) -> tuple[str, str] | None:
    """What kind of fact a question asks for, and how to say it is missing: its question
    sentence decides ("why would I pay..." asks for a reason, not a price)."""
    asked = questions(question)
    lowered = (asked[-1] if asked else question).lower()
    if lowered.startswith(("why", "and why")) or any(free in lowered for free in _FREE):
        return None
    for kind, cues, missing in _NEEDS:
        if any(cue in lowered for cue in cues):
            return kind, missing
    return None


def question_parts(question: str) -> list[str]:
    """The questions one sentence asks: "How many sensors can one GW-20 handle, and how far does
    it reach?" is two, each needing its own fact."""
    asked = questions(question)
    sentence = (asked[-1] if asked else question).strip()
    parts = [p.strip(" ,?") for p in _PARTS.split(sentence) if p.strip(" ,?")]
    return [p[0].upper() + p[1:] + "?" for p in parts] or [sentence]


def judge_question(
    question: str,
    answer: str,
    cues: tuple[str, ...] = (),
    flagged: tuple[str, ...] = (),
) -> Answer:
    """Does ``answer`` answer ``question``? On topic (one of its ``cues`` when it has any, else
    the question's content words) and with the fact each part of it asks for ("how many sensors"
    a number of sensors, "how far" a distance); figures in ``flagged`` (wrong or unfounded, says
    the claim check) do not count."""
    parts = question_parts(question)
    if not answer.strip():
        return Answer(False, "an answer", parts[0])
    answer = without_flagged(answer, flagged)
    statements = find_statements(answer)
    unmet = _unmet_part(parts, answer, statements)
    if unmet is not None:
        return Answer(False, unmet[1], unmet[0])
    if cues:
        on_topic = bool(cues_in(cues, answer))
    else:
        topic = keywords.terms(question) - _QUESTION_WORDS
        on_topic = len(topic & keywords.terms(answer)) >= min(2, max(1, len(topic)))
    if not on_topic:
        return Answer(False, "a straight answer", parts[-1])
    if is_deflection(answer) and not any(needed_fact(p) for p in parts):
        return Answer(False, "a straight answer", parts[-1])
    return Answer(True)


def _unmet_part(
    parts: list[str], answer: str, statements: list[Statement]
) -> tuple[str, str] | None:
    """The first part of a question whose fact the answer lacks, and what it lacks. Each part
    needs a fact of its own: "What does the Classic cost, and what would I get for trading in an
    old sensor?" is not answered by the trade-in credit alone. A part takes the fitting fact
    whose sentence shares most of its words, so the part left over is the one named."""
    needs = [(part, needed) for part in parts if (needed := needed_fact(part))]
    sentences = [
        (m.start(), m.end(), keywords.terms(m.group(0))) for m in _SENTENCE.finditer(answer)
    ]

    def shared(part: str, statement: Statement) -> int:
        words = keywords.terms(part) - _QUESTION_WORDS
        around = next((t for a, b, t in sentences if a <= statement.start < b), set())
        return len(words & around)

    used: set[int] = set()
    for part, (kind, missing) in sorted(
        needs, key=lambda n: -max((shared(n[0], s) for s in statements), default=0)
    ):
        fitting = [
            n for n, s in enumerate(statements) if n not in used and _fits_need(s, kind, part)
        ]
        if not fitting:
            return part, missing
        used.add(max(fitting, key=lambda n: shared(part, statements[n])))
    return None


def without_flagged(answer: str, flagged: tuple[str, ...]) -> str:
    """``answer`` with every figure the claim check flagged blanked out: what the customer can
    take from it. A flagged figure never counts as the fact asked for, or as a cue, however the
    rest of the reply reads ("$79 per sensor" and "seventy-nine dollars" alike)."""
    for text in sorted({f for f in flagged if f.strip()}, key=len, reverse=True):
        answer = re.sub(rf"(?<!\w){re.escape(text)}(?!\w)", lambda m: " " * len(m.group(0)), answer)
    return answer


def _fits_need(statement: Statement, need: str, part: str = "") -> bool:
    if need == "count":
        counted = _HOW_MANY.search(part)
        if statement.kind != "quantity" or counted is None:
            return statement.kind in ("quantity", "price", "percentage")
        # "how many sensors": a number of sensors, not a distance (2 km) or a duration
        wanted = keywords.terms(counted.group(1))
        unit = keywords.terms(statement.unit or "")
        return not unit or bool(wanted & unit) or statement.unit not in _MEASURES
    if need == "duration":
        return statement.kind == "quantity" and statement.unit in _DURATION_UNITS
    if need == "distance":
        return statement.kind == "quantity" and statement.unit in _DISTANCE_UNITS
    if need == "date":
        return statement.kind == "date" or (
            statement.kind == "quantity" and statement.unit in _DURATION_UNITS
        )
    if need == "":
        return statement.kind in ("quantity", "price", "percentage")
    return statement.kind == need


_MEASURES = _DURATION_UNITS | _DISTANCE_UNITS


def judge_follow_up(follow_up: FollowUp, answer: str, flagged: tuple[str, ...] = ()) -> bool:
    return judge_question(follow_up.says, answer, follow_up.addressed_by, flagged).answered


def prepared_overlap(answer: str, entry: PlaybookEntry | None) -> float:
    """How much of ``answer`` comes from the prepared response: the share of its content words
    that the prepared response has. A spoken answer uses two to four of the response's sentences,
    so this asks "is this answer the playbook's?", not "did it say all of the playbook"."""
    if entry is None:
        return 0.0
    said = keywords.terms(answer)
    shared = len(entry.prepared_terms & said)
    if not said or not shared:
        return 0.0
    return round(shared / len(said) * min(1.0, shared / _PREPARED_MIN_WORDS), 3)


def cues_in(cues: tuple[str, ...], text: str) -> tuple[str, ...]:
    """The cues all of whose content words appear in ``text`` (so "pays for itself" matches
    "it paid for itself" but not "it pays")."""
    found = keywords.terms(text)
    lowered = text.lower()
    hits = []
    for cue in cues:
        wanted = keywords.terms(cue)
        if (wanted and wanted <= found) or (not wanted and cue.lower() in lowered):
            hits.append(cue)
    return tuple(hits)


def is_deflection(answer: str) -> bool:
    lowered = answer.lower().replace("\u2019", "'")
    return any(d in lowered for d in _DEFLECTIONS)


def questions(text: str) -> list[str]:
    """The sentences of ``text`` that are questions."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip().endswith("?")]


def asked_about(fact: HiddenFact, agent_text: str) -> bool:
    return any(cues_in(fact.asked_with, question) for question in questions(agent_text))


def question_specialists(text: str) -> tuple[AgentRole, ...] | None:
    """Who a customer's question belongs to, by its words: ``None`` when it is not about prices
    or the product (a greeting, small talk). Deliberately not the offline responder's routing, so
    the scorecard does not simply agree with it."""
    words = keywords.terms(text)
    pricing = len(words & _PRICING_WORDS)
    technical = len(words & _TECHNICAL_WORDS)
    if pricing == technical == 0:
        return None
    if pricing == technical:
        return ("pricing", "technical")
    return ("pricing",) if pricing > technical else ("technical",)


def match_objection(
    text: str, persona: Persona | None, playbook: Playbook
) -> tuple[Objection | None, PlaybookEntry | None]:
    """The objection a customer's line raises: one of the persona's, else a playbook entry.

    A line matches when it shares at least two content words with an objection's wording (or the
    playbook's examples of it) and those cover half of the line's content words (a question about
    a price is not the "too expensive" objection).
    """
    said = keywords.terms(text)
    if len(said) < 2:
        return None, None
    best: tuple[float, Objection | None, PlaybookEntry | None] = (0.0, None, None)
    for objection in persona.objections if persona else ():
        entry = playbook.find(objection.playbook)
        examples = [objection.says, *objection.pushback, *(entry.customer_says if entry else ())]
        score = max(_match_score(said, example) for example in examples)
        if score > best[0]:
            best = (score, objection, entry)
    if best[1] is None:
        for entry in playbook.entries:
            score = max(
                _match_score(said, example) for example in (entry.title, *entry.customer_says)
            )
            if score > best[0]:
                best = (score, None, entry)
    return (best[1], best[2]) if best[0] > 0 else (None, None)


def _match_score(said: set[str], example: str) -> float:
    shared = said & keywords.terms(example)
    if len(shared) < 2 or len(shared) * 2 < len(said):
        return 0.0
    return len(shared) / len(said)
