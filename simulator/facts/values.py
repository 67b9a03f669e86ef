"""Whether a claimed value and a fact's value are the same, as values: "five-year" is "60 months",
"a third off" is "33%", "$11 per sensor" is "$11 per sensor per month", "$750 a month" is not
"$750 one-time"."""

from __future__ import annotations

import math
from typing import Protocol

from simulator.events import ClaimKind
from simulator.knowledge import keywords

_TIME = {
    "second": 1 / 86400,
    "sec": 1 / 86400,
    "minut": 1 / 1440,
    "min": 1 / 1440,
    "hour": 1 / 24,
    "hr": 1 / 24,
    "day": 1.0,
    "business-day": 1.0,
    "working-day": 1.0,
    "calendar-day": 1.0,
    "week": 7.0,
    "month": 30.4375,
    "year": 365.25,
    "decade": 3652.5,
}
_LENGTH = {
    "µm": 0.000001,
    "mm": 0.001,
    "millimetre": 0.001,
    "millimeter": 0.001,
    "cm": 0.01,
    "centimetre": 0.01,
    "centimeter": 0.01,
    "m": 1.0,
    "meter": 1.0,
    "metre": 1.0,
    "km": 1000.0,
    "kilometre": 1000.0,
    "kilometer": 1000.0,
}
_TIME |= {keywords.stem(unit): scale for unit, scale in list(_TIME.items())}
_LENGTH |= {keywords.stem(unit): scale for unit, scale in list(_LENGTH.items())}
_PERIOD_TERMS = frozenset(["month", "year", "day", "week", "annual", "monthly", "hour"])


class Value(Protocol):
    """What a claim (a ``Statement``) and a fact (a ``Fact``) both have."""

    @property
    def kind(self) -> ClaimKind: ...
    @property
    def key(self) -> str: ...
    @property
    def amount(self) -> float | None: ...
    @property
    def unit(self) -> str: ...
    @property
    def period(self) -> str: ...


def comparable(claim: Value, fact: Value) -> bool:
    """Values of the same sort: both prices in one currency, both percentages, quantities in
    units that convert (days and months, metres and kilometres), dates, named facts."""
    if claim.kind != fact.kind:
        return False
    if claim.kind == "price":
        return claim.unit == fact.unit
    if claim.kind == "quantity":
        return unit_family(claim.unit) == unit_family(fact.unit) and bool(claim.unit) == bool(
            fact.unit
        )
    if claim.kind == "named_fact":
        return claim.unit == fact.unit
    return True


def same_amount(claim: Value, fact: Value) -> bool:
    """Equal values (in one unit), or the claim's value inside the fact's range."""
    if claim.amount is None or fact.amount is None:
        return claim.key == fact.key
    upper: float | None = getattr(fact, "upper", None)
    if upper is not None and claim.kind == "quantity" and claim.unit == fact.unit:
        return bool(fact.amount <= claim.amount <= upper)
    if upper is not None and claim.kind == "percentage" and not math.isinf(upper):
        return bool(fact.amount <= claim.amount <= upper)  # "save 15%" of "12–18%"
    a, b = claim.amount, fact.amount
    if math.isinf(a) or math.isinf(b):
        return a == b
    family = unit_family(claim.unit)
    if (
        claim.kind == "quantity"
        and family in ("time", "length")
        and family == unit_family(fact.unit)
    ):
        a, b = a * unit_scale(claim.unit), b * unit_scale(fact.unit)
        if (
            family == "time"
            and getattr(claim, "bound", "") == "below"
            and not getattr(fact, "bound", "")
            and upper is None
        ):
            return a * 0.6 <= b <= a * 1.0001  # "under a second" of "0.8 seconds"
        return abs(a - b) <= 0.02 * max(abs(a), abs(b), 1e-9)  # 5 years vs 60 months
    if bool(getattr(claim, "approximate", False)) or bool(getattr(fact, "approximate", False)):
        return abs(a - b) < 0.7
    return abs(a - b) < 0.005


def same_terms(
    claim_terms: frozenset[str], claim_period: str, fact: Value, fact_terms: frozenset[str]
) -> bool:
    """A price's terms agree: the same period when both say one, and what the claim says it is
    per (a sensor, a vehicle) is what the fact is per, unless the fact is a plain unit price."""
    fact_period = fact.period
    if claim_period and fact_period and claim_period != fact_period:
        return False
    mine = claim_terms - _PERIOD_TERMS
    theirs = fact_terms - _PERIOD_TERMS
    return not mine or not theirs or mine <= theirs


def unit_family(unit: str) -> str:
    """``time`` or ``length`` for units that convert, else the unit itself."""
    if unit in _TIME:
        return "time"
    if unit in _LENGTH:
        return "length"
    return unit


def unit_scale(unit: str) -> float:
    """A unit in its family's base (days, metres)."""
    return _TIME.get(unit) or _LENGTH.get(unit) or 1.0
