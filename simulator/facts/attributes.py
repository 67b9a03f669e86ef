"""What a value is about, in words: "40% discount" is not "40% of our revenue".

A value's attribute is read from the words around it (its clause), the label or column it sits
under, and for a claim the clause of the reply. Words are stemmed and a few synonyms share one
stem ("costs", "priced", "charge" are all *price*; "keeps", "history" are *retention*), so a
paraphrase meets its source. Some attributes exclude each other: a figure about a discount is
never evidence about a revenue share, an uptime, or a rate of interest.
"""

from __future__ import annotations

import functools
import re

from simulator import number_words
from simulator.knowledge import keywords

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "price": ("price", "cost", "pay", "paid", "charge", "priced", "pricing", "list", "fee", "rate"),
    "discount": ("discount", "off", "saving", "cheaper"),
    "revenue": ("revenue", "income", "turnover", "business"),
    "uptime": ("uptime", "availability", "sla"),
    "credit": ("credit", "refund", "rebate"),
    "warranty": ("warranty", "guarantee", "guaranteed"),
    "retention": (
        "retention",
        "retain",
        "keep",
        "kept",
        "history",
        "store",
        "stored",
        "archive",
        "delete",
        "deleted",
        "deletion",
        "memory",
    ),
    "battery": ("battery", "batteries", "cell"),
    "duration": ("duration", "last", "length", "long"),
    "shipping": ("shipping", "ship", "delivery", "deliver", "freight"),
    "prepay": ("prepay", "prepayment", "upfront", "advance"),
    "month": ("month", "monthly"),
    "year": ("year", "yearly", "annual", "annually"),
    "week": ("week", "weekly"),
    "day": ("day", "daily"),
    "interest": ("interest", "overdue", "late"),
    "accuracy": ("accuracy", "accurate", "precise", "precision", "tolerance"),
    "humidity": ("humidity", "rh"),
    "range": ("range", "reach", "distance"),
    "capacity": ("capacity", "handle", "connect", "support", "hold"),
    "trial": ("trial",),
    "customer": ("customer", "client"),
    "employee": ("employee", "staff", "people", "team", "headcount"),
    "response": ("response", "respond", "answer", "reply"),
    "notice": ("notice", "notify", "notification"),
}
NAMED = frozenset(_SYNONYMS)
"""The attributes with a name of their own (price, warranty, duration...): what a figure is."""
EXCLUSIVE = frozenset(
    [
        "discount",
        "revenue",
        "uptime",
        "credit",
        "interest",
        "accuracy",
        "humidity",
        "warranty",
        "retention",
        "battery",
        "employee",
    ]
)
"""Attributes a figure can have only one of: a claim and a fact with different ones disagree."""


_IRREGULAR = {
    form: base
    for base, forms in {
        "sell": "sold sells selling",
        "keep": "kept keeps keeping",
        "give": "gave given gives giving",
        "hold": "held holds holding",
        "send": "sent sends sending",
        "build": "built builds building",
        "buy": "bought buys buying",
        "bring": "brought brings bringing",
        "pay": "paid pays paying",
        "lend": "lent lends lending",
        "ship": "shipped ships shipping",
        "store": "stored stores storing",
        "share": "shared shares sharing",
        "rent": "rented rents renting",
        "lease": "leased leases leasing",
    }.items()
    for form in (base, *forms.split())
}
"""Verb forms a suffix stemmer cannot join to their base ("never sold" denies "we sell")."""


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The shared stem of a word: :func:`keywords.stem`, then "logging" and "log", "confirmation"
    and "confirm" meet."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    base = keywords.stem(word)
    if base.endswith("ation") and len(base) > 8:
        base = base[:-5]
    elif base.endswith("ment") and len(base) > 7:
        base = base[:-4]
    if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "aeiouls":
        base = base[:-1]
    return base


_CANONICAL = {
    form: name
    for name, words in _SYNONYMS.items()
    for word in words
    for form in (word, stem(word), keywords.stem(word))
}
GENERIC = frozenset(
    stem(w)
    for w in [
        "plan",
        "plans",
        "get",
        "gets",
        "include",
        "includes",
        "included",
        "including",
        "come",
        "comes",
        "offer",
        "offers",
        "offered",
        "provide",
        "provides",
        "give",
        "gives",
        "have",
        "has",
        "one",
        "our",
        "your",
        "their",
        "just",
        "only",
        "also",
        "start",
        "starts",
        "total",
        "up",
        "about",
        "around",
        "approximately",
        "roughly",
        "typical",
        "typically",
        "standard",
        "new",
        "currently",
        "today",
        "right",
        "now",
        "always",
        "every",
        "each",
        "per",
        "within",
        "option",
        "optional",
        "that's",
        "it's",
        "which",
        "whole",
        "full",
        "plus",
        "extra",
        "additional",
        "all",
        "any",
        "both",
        "can",
        "will",
        "would",
        "want",
        "need",
        "needs",
        "make",
        "makes",
        "there",
        "here",
        "well",
        "so",
        "very",
        "really",
        "quite",
        "great",
        "good",
        "best",
        "able",
        "like",
        "base",
        *number_words.WORDS,
        "dollar",
        "dollars",
        "euro",
        "euros",
        "usd",
        "we're",
        "you're",
        "it's",
        "that's",
        "you'll",
        "we'll",
        "i'm",
        "you'd",
        "we've",
        "there's",
        "they're",
        "don't",
        "doesn't",
        "can't",
        "won't",
        "isn't",
        "aren't",
        "i'd",
        "we'd",
        "let's",
        "here's",
        "what's",
    ]
)
_WORD = re.compile(r"[a-z][a-z'\u2019]*")
_UP_FRONT = re.compile(r"\bup[- ]front\b|\bin advance\b")
_ONE_OFF = re.compile(r"\bone[- ](?:off|time)\b")
_CODE = re.compile(r"\b[a-z]{1,6}-?\d[\w-]*")


@functools.lru_cache(maxsize=16384)
def words(text: str) -> frozenset[str]:
    """The content words of ``text``: stemmed, synonyms folded, generic words dropped."""
    out = set()
    text = _ONE_OFF.sub(" ", _CODE.sub(" ", text.lower()))
    text = _UP_FRONT.sub("upfront", text)
    for word in _WORD.findall(text):
        word = word.replace("\u2019", "'").removesuffix("'s")
        base = stem(word)
        if base in _CANONICAL:
            out.add(_CANONICAL[base])
        elif len(word) > 1 and word not in keywords.STOPWORDS and base not in GENERIC:
            out.add(base)
    return frozenset(out)


def unit(word: str) -> str:
    """A quantity's unit with synonyms folded: "people" and "employees" count the same thing."""
    return _CANONICAL.get(word) or _CANONICAL.get(stem(word)) or word


def exclusive(found: frozenset[str]) -> frozenset[str]:
    return found & EXCLUSIVE


def clash(claim: frozenset[str], fact: frozenset[str]) -> bool:
    """The claim's attribute and the fact's exclude each other (a discount vs a revenue share)."""
    mine, theirs = exclusive(claim), exclusive(fact)
    return bool(mine) and bool(theirs) and not (mine & theirs)
