"""How well a fact matches a claim, and whether it states the claim's value: the facts' half.

Each fact is prepared once (:func:`know`): the entities next to its value and around it, its
attribute words and its topic. :class:`Scorer` ranks facts for one claim (shared subject first,
then attribute words, conditions, terms); the predicates say whether a fact is about a rival of
the claim's subject, fits its attribute, holds under its conditions, states its value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulator.facts import attributes
from simulator.facts.binding import Binding
from simulator.facts.model import Fact
from simulator.facts.subjects import Vocabulary
from simulator.facts.values import comparable, same_amount, same_terms, unit_family, unit_scale
from simulator.statements import Statement

_PERIOD_TERMS = frozenset(["month", "year", "day", "week", "hour"])
MARGIN = 1.0
"""How much better a fact stating another value must match a claim than the best fact stating
the claim's value before the claim counts as contradicted rather than supported."""


@dataclass(frozen=True)
class Known:
    """A fact with what matching needs, computed once."""

    fact: Fact
    own: frozenset[str]
    """Names next to the value: in its clause, its label or row, else its sentence."""
    context: frozenset[str]
    """Every name around it: its sentence and the headings above it as well."""
    words: frozenset[str]
    """Its attribute words: clause, label, column (not the value's own words, not names)."""
    topic: frozenset[str]
    """Words of the heading it sits under."""
    terms: frozenset[str]
    reference: bool = False
    """A value given only to compare with ("$9,990 (instead of $11,138 at list prices)"): it is
    not the subject's value, so it never contradicts a claim."""


_REFERENCE = re.compile(
    r"(?:instead of|rather than|compared (?:with|to)|as opposed to|versus|vs\.?|down from|"
    r"up from|reduced from|normally|usually)\s*(?:about |around |roughly |the )?$",
    re.I,
)


_DIFFERENCE = re.compile(
    r"\s*(?:more|less|cheaper|higher|lower|longer|shorter|fewer)\s+than\b", re.I
)


def know(vocabulary: Vocabulary, fact: Fact) -> Known:
    entities = vocabulary.entities_in
    if fact.in_table:  # a cell is about its row ("ACC-1001"), not what the row mentions
        own = entities(f"{fact.subject} {fact.clause}") or entities(fact.attribute)
    else:
        own = (
            _labelled(vocabulary, fact)
            or entities(f"{fact.clause} {fact.attribute}")
            or entities(fact.evidence)
            or vocabulary.first_mentioned(fact.lead)
            or entities(fact.subject)
        )
    context = own | entities(fact.evidence) | entities(fact.subject)
    for heading in fact.scope:
        context |= entities(heading)
    names = attributes.words(" ".join(vocabulary.names_in(f"{fact.evidence} {fact.subject}")))
    value_words = attributes.words(fact.text) - attributes.words(" ".join(fact.qualifier))
    words = attributes.words(f"{fact.clause} {fact.attribute}") - value_words - names
    if fact.in_table and fact.subject and not vocabulary.names_in(fact.subject):
        words |= attributes.words(fact.subject) - value_words - names  # a row: "Quotes"
    topic = frozenset().union(*(attributes.words(s) for s in fact.scope[-2:]))
    topic = (topic | attributes.words(fact.evidence)) - names - value_words
    at = fact.evidence.find(fact.text)
    reference = at > 0 and bool(_REFERENCE.search(fact.evidence[:at].rstrip(" ($")))
    if at >= 0 and _DIFFERENCE.match(fact.evidence[at + len(fact.text) :]):
        reference = True  # "$1,000 more than the Classic": a difference, no one's price
    return Known(fact, own, context, words, topic, frozenset(fact.qualifier), reference)


def _labelled(vocabulary: Vocabulary, fact: Fact) -> frozenset[str]:
    """What a sentence's label names when the value follows it: "Additional workstations on
    Solo and Practice: $12 per workstation per month" is about Solo and Practice both. A value
    that names its own thing ("Starter: 6 CT-100 sensors") is about that thing."""
    if vocabulary.entities_in(f"{fact.text} {fact.unit}"):
        return frozenset()
    at = fact.evidence.find(fact.text)
    label, colon, _ = fact.evidence[: max(at, 0)].rstrip().rpartition(":")
    if at <= 0 or not colon or label.count(":") or not fact.evidence[:at].rstrip().endswith(":"):
        return frozenset()
    return vocabulary.entities_in(label)


class Scorer:
    """How well a fact matches a claim: shared names, then shared attribute words."""

    def __init__(self, binding: Binding, claim: Statement) -> None:
        self.binding = binding
        self._claim = claim
        self._cache: dict[int, float] = {}

    def __call__(self, known: Known) -> float:
        key = id(known)
        if key not in self._cache:
            names = self.binding.names
            shared = names & known.own
            value = 3.0 * len(shared) + len(names & (known.context - known.own))
            if shared and known.own <= names:
                value += 1.0  # about the claim's subject alone, not a list of several things
            value += 3.0 * holds_under(self.binding, known)
            value += 2.0 * self.words(known) + self.topic(known)
            value += len(self.binding.sentence & (known.words | known.topic))
            if self._claim.kind == "quantity":
                value += len(self._claim.qualifier & known.terms)
            if self._claim.bound and self._claim.bound == known.fact.bound:
                value += 1.0  # "over a thousand dollars" and "orders above $2,500"
            if self._claim.kind == "price":
                value += 0.5 * len(self._claim.qualifier & known.terms)
                value -= len(
                    known.terms - self._claim.qualifier - _PERIOD_TERMS
                )  # per user, not flat
                value += 0.5 * (
                    bool(self._claim.period) and self._claim.period == known.fact.period
                )
            self._cache[key] = value
        return self._cache[key]

    def words(self, known: Known) -> int:
        return len(self.binding.words & known.words)

    def topic(self, known: Known) -> int:
        return len(self.binding.words & (known.topic - known.words))


def conflicts(keys: frozenset[str], known: Known, rivals: dict[str, frozenset[str]]) -> bool:
    """The fact is about a rival of the claim's subject, and not about that subject."""
    return any(
        key not in known.context and rivals.get(key, frozenset()) & known.own for key in keys
    )


def authored(known: Known) -> bool:
    """Written by people (a page) rather than exported (a CSV): the better sentence to show."""
    return not known.fact.source.lower().endswith(".csv")


def holds_under(binding: Binding, known: Known) -> int:
    """1 when the fact holds under the claim's other value (600 sensors in "500–1,999"), -1
    when it holds under another one (a 3-year agreement's discount for a two-year claim), else 0."""
    verdict, matched, other = 0, False, False
    for said in binding.conditions:
        low, high = _interval(said)
        for condition in known.fact.conditions:
            if condition.kind != said.kind or not _units_fit(said.unit, condition.unit):
                continue
            scale = _in_unit(said, condition.unit) / said.amount if said.amount else 1.0
            if max(low * scale, condition.low) <= min(high * scale, condition.high) + 1e-6:
                matched = True  # one case of the fact's sentence holds: no other rules it out
                verdict = max(verdict, 1 if condition.near else 0)
            else:
                other = True
    return verdict if matched or not other else -1


def _interval(said: Statement) -> tuple[float, float]:
    """The values a claim's condition allows: "more than 900" is above 900, "up to 10" at most
    10."""
    assert said.amount is not None
    if said.bound == "above" or said.upper == float("inf"):
        return said.amount + 1e-3 if said.bound == "above" else said.amount, float("inf")
    if said.bound == "below":
        return 0.0, said.amount
    return said.amount, said.upper if said.upper is not None else said.amount


def _units_fit(claim_unit: str, fact_unit: str) -> bool:
    if not claim_unit:
        return True  # "past two thousand it's 22%": a bare number stands for the row's unit
    if not fact_unit:
        return False
    return claim_unit == fact_unit or unit_family(claim_unit) == unit_family(fact_unit) != ""


def _in_unit(said: Statement, unit: str) -> float:
    assert said.amount is not None
    if said.unit == unit or not unit:
        return said.amount
    return said.amount * unit_scale(said.unit) / unit_scale(unit)


def wins(same: float, other: float, claim: Statement, best_other: Known) -> bool:
    """The fact stating the claim's value is (nearly) the best match. A fact with the same amount
    on other terms ("$11 per sensor per month" against "$11 per sensor per year") wins ties."""
    if same_amount(claim, best_other.fact):
        return same > other
    return same >= other - MARGIN


def fits(claim_words: frozenset[str], known: Known) -> bool:
    """The fact's attribute can be the claim's: when the claim says what its figure is (a
    discount, an uptime), the fact says so too."""
    wanted = attributes.exclusive(claim_words)
    return not wanted or bool(wanted & (known.words | known.topic))


def comparable_to(claim: Statement, known: Known) -> bool:
    fact = known.fact
    if comparable(claim, fact):
        return True
    if claim.kind == fact.kind == "quantity" and claim.unit and fact.unit:
        if attributes.unit(claim.unit) == attributes.unit(fact.unit):
            return True
    return (
        claim.kind == fact.kind == "quantity"
        and bool(claim.unit)
        and (claim.unit in known.terms or bool(fact.unit and fact.unit in claim.qualifier))
    )


def states_value(claim: Statement, known: Known) -> bool:
    fact = known.fact
    if claim.kind == "date":
        return _datefits(claim.key, fact.key)
    if not same_amount(claim, fact):
        return False
    if claim.kind == "price":
        return same_terms(claim.qualifier, claim.period, fact, known.terms)
    return True


def same_statement(a: Statement, b: Statement) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "date":
        return _datefits(a.key, b.key)
    if a.amount is not None and b.amount is not None:
        return abs(a.amount - b.amount) < 0.005 and (a.kind != "price" or a.unit == b.unit)
    return a.key == b.key


def _datefits(claim_key: str, fact_key: str) -> bool:
    claim, fact = _date_parts(claim_key), _date_parts(fact_key)
    return bool(claim) and all(fact.get(part) == value for part, value in claim.items())


def _date_parts(key: str) -> dict[str, str]:
    if key.startswith("q"):
        quarter, _, year = key[1:].partition("-")
        return {"quarter": quarter, **({"year": year} if year else {})}
    parts = dict(zip(("year", "month", "day"), key.split("-"), strict=False))
    return {k: v for k, v in parts.items() if v and v != "----"}
