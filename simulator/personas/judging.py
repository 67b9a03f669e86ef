"""Did an answer deal with an objection? Did the agent ask about a hidden fact? Which objection is
this?

The offline persona driver and the scorecard must judge a conversation the same way, or the
scorecard would say "handled" about an objection the customer gave up on. Both use these
functions. They compare words, not meanings (stemmed content terms, see
:mod:`simulator.knowledge.keywords`), so they are deterministic and need no model:

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


def judge_objection(objection: Objection, answer: str, entry: PlaybookEntry | None) -> Judgement:
    """Addressed when the answer has ``min_cues`` of the objection's cues; the playbook's prepared
    response stands in for one cue (for a demanding customer, a generic prepared response that
    never touches their specific point is not enough)."""
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


def judge_follow_up(follow_up: FollowUp, answer: str) -> bool:
    if not answer.strip():
        return False
    if follow_up.addressed_by:
        return bool(cues_in(follow_up.addressed_by, answer))
    return not is_deflection(answer)


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
    playbook's examples of it) and those cover a third of the line's content words.
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
    if len(shared) < 2 or len(shared) * 3 < len(said):
        return 0.0
    return len(shared) / len(said)
