"""Which product or plan a question means when it describes it instead of naming it.

"What's the little box that watches the door and the humidity?" names no product, but the
knowledge does: "CT-300 Door & Humidity Sensor — temperature, relative humidity and a magnetic
door contact". A catalogue of the company's products (the stock table) holds, for each, the
sentences of the knowledge that name it and hardly another; the question is compared by the
encoder with each product's sentences, and a clear winner is what it is about. The answer is
then looked for with its name ("...? (CT-200)"), the same way "it" is resolved to the last
product named.

"The mid-tier plan", "the top-of-the-range package" and "the entry-level plan" name a plan by
its place among the plans, which are ordered by price.
"""

from __future__ import annotations

import math
import re
import threading
import weakref
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from simulator.knowledge.keywords import STOPWORDS, terms
from simulator.providers.offline.choosing import soft_overlap
from simulator.providers.offline.meaning import Meaning
from simulator.providers.offline.objections import with_digits
from simulator.providers.offline.reading import Unit, units
from simulator.team.dialogue import CODE
from simulator.team.scope import KnowledgeView

PLANS_QUERY = "plans, tiers and packages with their prices"
"""What finds a price list's plans in any company's material."""
SEARCH_K = 24
SEARCH_PASSAGES = 4
"""Passages searched per product for the sentences about it."""
DESCRIPTIONS = 6
"""Sentences kept per product (each is encoded once per process: a few keep the cost small)."""
MIN_LIKENESS = 0.6
"""Likeness the question must reach with a product: its best sentence's cosine (encoder) plus
:data:`WORDS_WEIGHT` x the share of the question's words its sentences hold (on the sample
company, descriptions reached 0.61-0.79, questions describing no product up to 0.58)."""
WORDS_WEIGHT = 0.5
"""The whole question's cosine with a sentence is dominated by what it asks ("how often will I
be swapping batteries"), not by how it describes the product ("the regular fridge probe"): the
words it shares with each product's sentences tell products apart (regular fridge probe: CT-100
0.70 vs CT-200 0.59, against 0.47 vs 0.42 by cosine alone)."""
MIN_COSINE_LEAD = 0.01
"""The whole question's cosine must rank the same product first, not in a tie: "what wireless
technology do the sensors use?" describes no product, though its words lean to a gateway's."""
MIN_LEAD = 0.06
"""How much closer the winner must come than the runner-up."""

_TIER_WORDS = r"plan|tier|package|edition|subscription|level|option"
_TOP = re.compile(
    rf"\b(?:top[- ]of[- ]the[- ]range|top(?:[- ]end)?|highest|biggest|largest|premium|"
    rf"most expensive|fanciest)\b(?=.*\b(?:{_TIER_WORDS})s?\b)|\btop[- ]tier\b",
    re.I,
)
_BOTTOM = re.compile(
    rf"\b(?:entry[- ]level|basic|lowest|smallest|cheapest|bottom|simplest)\b"
    rf"(?=.*\b(?:{_TIER_WORDS})s?\b)",
    re.I,
)
_MIDDLE = re.compile(
    rf"\b(?:mid|middle|medium|mid-range)\b(?:[- ](?:tier|range|level))?"
    rf"(?=.*\b(?:{_TIER_WORDS})s?\b)"
    r"|\bmid-tier\b|\bmiddle tier\b",
    re.I,
)
_PLAN_TABLE = re.compile(rf"^For the (?P<name>[A-Z][\w-]*) (?:{_TIER_WORDS}),", re.I)
_HEADING_NAME = re.compile(rf"^The (?P<name>[A-Z][\w -]*?) (?:{_TIER_WORDS}) is ", re.I)
_PRICE = re.compile(r"[$€£]\s?(\d[\d,]*(?:\.\d+)?)")


@dataclass(frozen=True)
class Catalogue:
    """The products and plans of one knowledge base, each with the sentences about it."""

    plans: tuple[tuple[str, float], ...]
    """Plan names with their price, cheapest first."""
    names: tuple[str, ...]
    """Every product code, product name and plan name."""
    about: dict[str, tuple[str, ...]]
    """Per product code: sentences naming it (and at most one other product)."""


_catalogues: weakref.WeakKeyDictionary[KnowledgeView, tuple[int, Catalogue]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def resolve(question: str, knowledge: KnowledgeView, meaning: Meaning) -> str | None:
    """The plan or product ``question`` means but does not name: by its rank among the plans
    ("the mid-tier plan"), else by its description."""
    catalogue = catalogue_of(knowledge)
    if named(question, catalogue.names):
        return None  # it names one itself
    return (
        by_rank(question, catalogue.plans)
        or described(question, catalogue, meaning)
        or by_phrase(question, catalogue, meaning)
    )


PHRASE_MIN = 0.5
"""Cosine a described thing ("the heavy-duty warehouse base station") must reach with one of a
product's sentences (on the sample company: 0.54-0.61 for the products meant)."""
PHRASE_LEAD = 0.07
"""How much closer than the runner-up the phrase must come ("the lab-freezer model": CT-200
0.60, CT-100 0.48; "the battery": no clear winner)."""
_DETERMINED = re.compile(
    r"(?P<auxiliary>\b(?:do|does|did|can|could|will|would|should|is|are|was|were)\s+)?"
    r"\b(?:the|an?|your|those|these|this|that)\s+(?P<words>(?:[\w'-]+ ?){2,5})",
    re.I,
)
_NOT_DESCRIBING = frozenset({"actually", "really", "just", "please", "exactly", "ever"})


def by_phrase(question: str, catalogue: Catalogue, meaning: Meaning) -> str | None:
    """The product that a phrase of the question describes by itself ("the heavy-duty warehouse
    base station", "the lab-freezer model"): compared alone, a description is not drowned by
    what the question asks about it ("price check on...", "how cold can... read?")."""
    if not meaning.contextual or not catalogue.about:
        return None
    keys = list(catalogue.about)
    texts = [t for k in keys for t in catalogue.about[k]]
    found: tuple[float, str] | None = None
    for phrase in _phrases(with_digits(question)):
        likeness = meaning.similarity(phrase, texts)
        per_key, start = [], 0
        for key in keys:
            count = len(catalogue.about[key])
            per_key.append((float(np.max(likeness[start : start + count])), key))
            start += count
        per_key.sort(reverse=True)
        top, key = per_key[0]
        lead = top - per_key[1][0] if len(per_key) > 1 else top
        if top >= PHRASE_MIN and lead >= PHRASE_LEAD and (found is None or top > found[0]):
            found = (top, key)
    return found[1] if found else None


def _phrases(question: str) -> list[str]:
    """Descriptions of things in ``question``: two to five words after a determiner, up to the
    first function word ("the heavy-duty warehouse base station, please"); three at least after
    an auxiliary, whose subject's verb may end the phrase ("do the sensors use?")."""
    out = []
    for match in _DETERMINED.finditer(question):
        words: list[str] = []
        for word in match["words"].split():
            if word.lower() in STOPWORDS or word.lower() in _NOT_DESCRIBING:
                break
            words.append(word)
        # After "do", "can"...: the subject's verb may close the phrase ("do the sensors use?")
        least = 3 if match["auxiliary"] else 2
        phrase = " ".join(words)
        if len(words) >= least and not re.search(rf"\b(?:{_TIER_WORDS})s?\b", phrase, re.I):
            out.append(phrase)
    return out


def product_in(text: str, products: Mapping[str, str]) -> str | None:
    """The product (code -> name) whose name's words ``text`` holds most of, rare words counting
    more ("the standard probes": the CT-100 Standard Probe Sensor, not the food-grade probe)."""
    named_terms = {code: terms(name) for code, name in products.items()}
    asked = terms(text)
    frequency = Counter(t for ts in named_terms.values() for t in ts)
    scores = {
        code: sum(math.log(1 + len(products) / frequency[t]) for t in ts & asked)
        for code, ts in named_terms.items()
    }
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] <= 0 or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def named(text: str, names: Sequence[str]) -> list[str]:
    """The product codes and ``names`` that ``text`` mentions."""
    found = list(dict.fromkeys(CODE.findall(text)))
    lowered = text.lower()
    found += [n for n in names if len(n) > 3 and re.search(rf"\b{re.escape(n.lower())}\b", lowered)]
    return list(dict.fromkeys(found))


def described(question: str, catalogue: Catalogue, meaning: Meaning) -> str | None:
    """The product or plan whose sentences ``question`` comes clearly closest to."""
    if not meaning.contextual or not catalogue.about:
        return None  # word vectors cannot tell "minus-eighty freezer probe" from "probe"
    keys = list(catalogue.about)
    texts = [t for k in keys for t in catalogue.about[k]]
    asked = with_digits(question)
    likeness = meaning.similarity(asked, texts)
    # The words of the description, each matched to the nearest word of a product's sentences
    # ("fridge": "refrigerators", "hub": "gateway"), rare words counting more.
    profiles = [Unit(" ".join(catalogue.about[k]), "sentence", "", 0, 0) for k in keys]
    words = soft_overlap(asked, profiles, meaning)
    best: dict[str, float] = {}
    cosine: dict[str, float] = {}
    start = 0
    for n, key in enumerate(keys):
        count = len(catalogue.about[key])
        cosine[key] = float(np.max(likeness[start : start + count]))
        best[key] = cosine[key] + WORDS_WEIGHT * float(words[n])
        start += count
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    by_cosine = sorted(cosine.items(), key=lambda kv: -kv[1])
    if by_cosine[0][0] != ranked[0][0] or (
        len(by_cosine) > 1 and by_cosine[0][1] - by_cosine[1][1] < MIN_COSINE_LEAD
    ):
        return None  # the words alone pick it ("the sensors" in "do the sensors use?")
    if ranked[0][1] < MIN_LIKENESS:
        return None
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < MIN_LEAD:
        return None
    return ranked[0][0]


def catalogue_of(knowledge: KnowledgeView) -> Catalogue:
    """The knowledge base's catalogue, built once per version of its collection."""
    version = knowledge.index.chunk_count()
    with _lock:
        known = _catalogues.get(knowledge)
    if known is not None and known[0] == version:
        return known[1]
    built = _build(knowledge)
    with _lock:
        _catalogues[knowledge] = (version, built)
    return built


def _build(knowledge: KnowledgeView) -> Catalogue:
    found = [f.passage for f in knowledge.search(PLANS_QUERY, k=SEARCH_K)]
    plans = tiers([u for rank, p in enumerate(found) for u in units(p, rank)])
    products = {p.sku: p.name for p in knowledge.records.products if p.sku}
    names = [*products, *products.values(), *(name for name, _ in plans)]
    about: dict[str, tuple[str, ...]] = {}
    # Plans are told apart by their rank, not their descriptions: every plan's sentences speak
    # of sensors, alerts and support alike.
    for key, query in ((sku, f"{sku} {name}") for sku, name in products.items()):
        passages = [f.passage for f in knowledge.search(query, k=SEARCH_PASSAGES)]
        sentences = []
        for unit in (u for rank, p in enumerate(passages) for u in units(p, rank)):
            # About it: under its own heading, or naming it first (and hardly another product).
            mentioned = named(f"{unit.heading} {unit.text}", names)
            own = key in unit.heading or unit.text.startswith((key, products[key]))
            if own and len(set(mentioned) - {key, products[key]}) <= 1:
                sentences.append(unit.text)
        if sentences:
            about[key] = tuple(dict.fromkeys(sentences))[:DESCRIPTIONS]
    return Catalogue(tuple(plans), tuple(dict.fromkeys(names)), about)


def tiers(candidates: Sequence[Unit]) -> list[tuple[str, float]]:
    """The plans (tiers, packages) among the units, cheapest first: headings that state a plan's
    price ("Starter — $6 per sensor per month") and the rows of a plans table."""
    found: dict[str, float] = {}
    for unit in candidates:
        match = None
        if unit.kind == "heading":
            match = _HEADING_NAME.match(unit.text)
        elif unit.kind == "row":  # "The Launch plan is $49 a month, ..." (a price list's row)
            match = _HEADING_NAME.match(unit.text) or _PLAN_TABLE.match(unit.text)
        if match and len(match["name"].split()) <= 3:
            price = _PRICE.search(unit.text)
            value = float(price[1].replace(",", "")) if price else float("inf")
            found[match["name"]] = min(found.get(match["name"], value), value)
    return sorted(found.items(), key=lambda kv: kv[1])


def by_rank(question: str, plans: Sequence[tuple[str, float]]) -> str | None:
    """The plan "the mid-tier plan" (the middle of three), "the top package" (the dearest) or
    "the entry-level plan" (the cheapest) means, among ``plans`` ordered by price."""
    if len(plans) < 2:
        return None
    if _TOP.search(question):
        return plans[-1][0]
    if _BOTTOM.search(question):
        return plans[0][0]
    if _MIDDLE.search(question) and len(plans) % 2 == 1:
        return plans[len(plans) // 2][0]
    return None


_ASKED_PLAN = re.compile(rf"(?<=\w )(?P<name>[A-Z][\w-]*)\s+(?P<kind>{_TIER_WORDS})s?\b")


@dataclass(frozen=True)
class UnknownPlan:
    """A plan the question names that the company does not have, and the plans it has."""

    name: str
    kind: str
    plans: tuple[str, ...]

    def reply(self) -> str:
        listed = list(self.plans)
        names = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
        return (
            f"We don't have a {self.name} {self.kind}. Our {self.kind}s are {names}. "
            "Which of those would you like to hear about?"
        )


def unknown_plan(question: str, knowledge: KnowledgeView) -> UnknownPlan | None:
    """The plan ``question`` names ("How much is the Growth plan?") when it is none of the
    company's plans and no line of its whole knowledge names it with a plan word: the customer
    has another company's plan in mind, and no price of ours answers for it."""
    catalogue = catalogue_of(knowledge)
    plans = tuple(name for name, _ in catalogue.plans)
    asked = _ASKED_PLAN.search(question)
    if not plans or asked is None:
        return None
    name, kind = asked["name"], asked["kind"].lower()
    known = {w.lower() for n in catalogue.names for w in re.findall(r"[\w-]+", n)}
    if name.lower() in known or name.lower() in STOPWORDS:
        return None
    if _named_as_plan(name, knowledge):
        return None
    return UnknownPlan(name, kind, plans)


def _named_as_plan(name: str, knowledge: KnowledgeView) -> bool:
    """Whether a line of the whole knowledge names ``name`` beside a plan word (or as a table
    row's first cell, or a heading: how price lists name their plans)."""
    word = re.compile(rf"\b{re.escape(name)}\b")
    tier = re.compile(rf"\b(?:{_TIER_WORDS})s?\b", re.I)
    for passage in knowledge.index.passages():
        for line in passage.text.splitlines():
            if not word.search(line):
                continue
            stripped = line.strip()
            if tier.search(line) or stripped.startswith(("|", "#")):
                return True
        if word.search(passage.section):
            return True
    return False
