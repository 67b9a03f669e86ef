"""Choose the sentence that answers the question, among every unit of the turn's passages.

Each sentence, bullet and table row (:mod:`.reading`) is scored against the question itself,
not its passage, by what it means and by its words:

- the encoder's cosine of question and unit, and of the question and the best unit under the
  same heading (a price heading is answered for "the plan most customers choose" by the
  section's "Our most popular plan...");
- wordllama's cosine of the question and the unit with its heading;
- the question's words found in the unit, each weighted by how rare it is among the candidates,
  a word counting as found when the unit has one that means the same ("equipment": "hardware");
- the passage's retrieval score, lightly.

That is the unit's *relevance*. A unit that gives the kind of answer the question asks for
(:mod:`.answer_types`: a price, a duration, a place...) is preferred over any that does not;
"the cheapest" and "the most expensive" pick the lowest or highest price among its own kind
(the plans' headings, one table's rows). The answer is the best unit, plus the next unit of the
same paragraph or bullet when it continues it ("We do not offer a free trial... Instead, a
60-day pilot..."), never an unrelated second sentence. Below :data:`MIN_RELEVANCE` nothing
answers, and the responder says so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.events import Passage
from simulator.knowledge import embedding
from simulator.knowledge.keywords import STOPWORDS, terms
from simulator.providers.offline import answer_types
from simulator.providers.offline.meaning import Meaning
from simulator.providers.offline.objections import with_digits
from simulator.providers.offline.reading import Unit
from simulator.team.dialogue import CODE

RARE_TYPE = 2
"""Units giving a telling kind of answer asked for, at most, for that kind to decide whatever
their relevance."""
_TELLING: frozenset[answer_types.AnswerType] = frozenset({"since", "person", "clock"})
"""Kinds of answer that few sentences give and that hardly give by chance (a year with
"founded", a name with a title, a time of day), unlike a sum or a number."""
MIN_RELEVANCE = 0.3
"""Relevance below which the best unit does not answer the question (calibrated on the tuning
sets' questions and on questions the material cannot answer)."""
MIN_RELEVANCE_WORD_VECTORS = 0.3
"""The same without the contextual encoder (the relevance is then made of other parts)."""
TYPE_BONUS = 1.0
"""Giving the kind of answer asked for outweighs any difference of relevance."""
TYPE_SPAN = 0.35
"""How far below the most relevant unit a unit may be and still win by giving the kind asked."""
WIDER_TYPE_SPAN = 0.6
"""The same when the turn's passages held no answer of the kind asked and the search went wider:
the sentence that gives it may share fewer words with the question ("in business": "Founded")."""
ALL_TYPES_BONUS = 0.5
"""Giving every kind asked for ("who founded it, and when?") beats giving one."""
_ONE_ASK = ({"money", "percent"}, {"frequency", "duration"})
"""Kinds that are alternatives of one ask (a discount as a sum or a share), not two asks."""
FOCUS_WEIGHT = 0.3
"""Weight of naming the product the question names, and few others (a price list's row for the
CT-200 over a worked example that prices three products)."""
EXAMPLE_PENALTY = 0.3
"""How much less a worked example counts ("6 CT-100 sensors ($534) ... 6 × $6 = $36 per
month"): it is about an imagined customer, not this one, unless the customer asks for one."""
WHISPER_WEIGHT = 0.5
MAX_ANSWER_WORDS = 70
SOFT_FLOOR = 0.35
"""Word cosine (encoder) below which two words do not mean the same at all."""
CLOSE = 0.3
"""How far below the best a priced unit may score and still compete for "the cheapest"."""

_WORD = re.compile(r"[a-z][a-z0-9'’-]*[a-z0-9]")
_FILLER = frozenset(
    [
        "us",
        "we",
        "you",
        "your",
        "our",
        "get",
        "got",
        "would",
        "could",
        "can",
        "will",
        "just",
        "one",
        "like",
        "much",
        "many",
        "long",
        "lot",
        "really",
        "actually",
        "go",
        "going",
        "want",
        "need",
        "know",
        "say",
        "said",
        "ok",
        "okay",
        "hi",
        "hello",
        "please",
        "also",
        "there",
        "any",
        "anything",
        "something",
        "tell",
        "let",
        "me",
        "roughly",
        "honestly",
    ]
)
_CHEAP = re.compile(
    r"\b(?:cheapest|lowest|least expensive|smallest|minimum|entry[- ]level|budget option)\b", re.I
)
_DEAR = re.compile(
    r"\b(?:most expensive|priciest|highest|top[- ]of[- ]the[- ]range|top tier|premium)\b", re.I
)
_PRICE = re.compile(r"[$€£]\s?(\d[\d,]*(?:\.\d+)?)")
_CONTINUES = re.compile(
    r"^(?:instead|however|but|also|in addition|additionally|otherwise|this|that|these|those|it|"
    r"its|they|there|so|then|if so|if not|unless|except|only|plus|and|or|which|even so)\b",
    re.I,
)
_DEFINITE = re.compile(r"^The (?P<noun>[a-z]+)\b")
_EXAMPLES = re.compile(r"\bexamples\b|\bscenarios\b|\bworked\b|\billustrat", re.I)
_ARITHMETIC = re.compile(r"\d\s*[×x*]\s*[$€£(]?\d.*=|=\s*[$€£]?\d")
_ASKS_EXAMPLE = re.compile(r"\bexample|\bfor instance\b|\bscenario|\bworked\b", re.I)
_NEGATIVE = re.compile(r"\b(?:not|no|never|cannot|can't|don't|doesn't|isn't|aren't)\b", re.I)


@dataclass(frozen=True)
class Scored:
    unit: Unit
    relevance: float
    """How well its meaning and words match the question (no answer-type bonus)."""
    score: float
    """Relevance plus the answer-type bonus (and a whisper's pull): what the choice ranks by."""
    gives: bool
    """Whether it states the kind of answer the question asks for (True if none is asked)."""
    rare: bool = False
    """It gives a telling kind asked for that at most :data:`RARE_TYPE` units give: it answers
    even when its words are far from the question's."""


def score(
    question: str,
    units: Sequence[Unit],
    passages: Sequence[Passage],
    meaning: Meaning,
    *,
    whisper: str | None = None,
    names: Sequence[str] = (),
    type_span: float = TYPE_SPAN,
) -> list[Scored]:
    """Every unit scored against ``question`` (see the module's docstring); ``names`` are the
    company's product and plan names, for the focus on the one the question names."""
    if not units:
        return []
    relevance = _relevance(question, units, passages, meaning, names)
    kinds = answer_types.wanted(question)
    gives = np.array([answer_types.gives(u.text, kinds) for u in units])
    if kinds == {"count"}:  # "how many devices": a count of sensors, not "one pilot"
        gives = gives & _counts_asked(question, units, meaning)
    asks = [frozenset(k for k in kinds if k in one) for one in _ONE_ASK]
    asks = [a for a in asks if a] + [
        frozenset({k}) for k in kinds if not any(k in o for o in _ONE_ASK)
    ]
    gives_all = np.array([all(answer_types.gives(u.text, a) for a in asks) for u in units])
    # The kind of answer decides among the relevant units only: a price two topics away does
    # not answer "can we do a pilot before paying?".
    relevant = relevance >= relevance.max() - type_span
    # ...unless few units give it at all, and it is a telling kind: "how long have you been in
    # business?" is answered by the sentence that says when the company was founded, however
    # its words differ from the question's.
    rare = bool(kinds) and kinds <= _TELLING and 0 < int(gives.sum()) <= RARE_TYPE
    if rare:
        relevant = np.ones(len(units), dtype=bool)
    total = (
        relevance
        + TYPE_BONUS * (gives & relevant & bool(kinds))
        + ALL_TYPES_BONUS * (gives_all & relevant)
    )
    if kinds == {"count"} and _ASKS_LIMIT.search(question):
        # "How many devices can we test with?" asks for a limit: "up to 10 sensors"
        states_limit = np.array([bool(_STATES_LIMIT.search(u.text)) for u in units])
        total = total + LIMIT_BONUS * (states_limit & gives & relevant)
    if whisper:
        total = total + WHISPER_WEIGHT * _relevance(whisper, units, passages, meaning)
    return [
        Scored(u, float(r), float(t), bool(g), rare and bool(g))
        for u, r, t, g in zip(units, relevance, total, gives, strict=True)
    ]


LIMIT_BONUS = 0.15
"""How much a count stated as a limit ("up to 10 sensors") counts more when the question asks
what one can have ("how many ... can we"), over a count mentioned in passing."""
_ASKS_LIMIT = re.compile(
    r"\bhow many\b.*\b(?:can|could|may|allowed|maximum|max|limit|at most)\b", re.I
)
_STATES_LIMIT = re.compile(
    r"\b(?:up to|at most|maximum|max\.?|no more than|limited to|capped at|a limit of)\b", re.I
)
COUNT_FLOOR = 0.4
"""Likeness (encoder cosine, 1 for the same stem) at which a number's noun counts what "how
many ..." asks about ("devices": "10 sensors" 0.43, "one pilot" far less)."""
COUNT_SPAN = 0.05
_HOW_MANY_NOUN = re.compile(
    r"\bhow many\s+(?:of\s+(?:the|your|our|those|these)\s+)?(?P<words>(?:[\w'-]+\s*){1,3})",
    re.I,
)
_COUNTED = re.compile(
    rf"(?<![\w-])(?:\d[\d,.]*\+?|{answer_types.NUMBER_WORDS}|unlimited)\s+"
    r"(?P<first>[a-z][\w-]*)(?:\s+(?P<second>[a-z][\w-]*))?",
    re.I,
)


def _counts_asked(question: str, units: Sequence[Unit], meaning: Meaning) -> np.ndarray:
    """Per unit: whether a number in it counts what "how many <things>" asks about, by the
    likeness of the words after its numbers to the things asked; all True when no unit's
    numbers count anything like them (the kind of answer alone then decides)."""
    asked = _HOW_MANY_NOUN.search(question)
    words = _words(asked["words"]) if asked else []
    noun = next((w for w in words if w.endswith("s") or w == "people"), None)
    noun = noun or (words[0] if words else None)
    if noun is None:
        return np.ones(len(units), dtype=bool)
    counted = [
        [w for m in _COUNTED.finditer(u.text) for w in (m["first"], m["second"]) if w]
        for u in units
    ]
    vocabulary = sorted({w.lower() for ws in counted for w in ws} | {noun})
    if len(vocabulary) < 2:
        return np.ones(len(units), dtype=bool)
    likeness = dict.fromkeys(vocabulary, 0.0)
    if meaning.contextual:
        vectors = meaning.vectors(vocabulary)
        cosines = vectors @ vectors[vocabulary.index(noun)]
        likeness = {w: float(c) for w, c in zip(vocabulary, cosines, strict=True)}
    stem = _stem(noun)
    per_unit = np.array(
        [
            max((1.0 if _stem(w.lower()) == stem else likeness[w.lower()] for w in ws), default=0.0)
            for ws in counted
        ]
    )
    best = float(per_unit.max())
    if best < COUNT_FLOOR:
        return np.ones(len(units), dtype=bool)
    return per_unit >= best - COUNT_SPAN


def choose(question: str, scored: Sequence[Scored], meaning: Meaning) -> list[Unit] | None:
    """The unit that answers ``question`` and at most one that continues it, or None if no
    unit is relevant enough."""
    if not scored:
        return None
    best = max(scored, key=lambda s: s.score)
    best = _extreme_price(question, scored, best)
    floor = MIN_RELEVANCE if meaning.contextual else MIN_RELEVANCE_WORD_VECTORS
    if best.relevance < floor and not best.rare:
        return None
    chosen = [best.unit]
    following = _next_unit(best.unit, [s.unit for s in scored])
    if following is not None and _continues(best, following, question):
        words = len(best.unit.text.split()) + len(following.text.split())
        if words <= MAX_ANSWER_WORDS:
            chosen.append(following)
    return chosen


def _relevance(
    query: str,
    units: Sequence[Unit],
    passages: Sequence[Passage],
    meaning: Meaning,
    names: Sequence[str] = (),
) -> np.ndarray:
    query = with_digits(query)
    texts = [u.text for u in units]
    with_heading = [f"{u.heading}: {u.text}" for u in units]
    words = embedding.embed([query, *with_heading])
    word_vectors = words[1:] @ words[0]
    top = max((p.score for p in passages), default=0.0)
    prior = np.array([passages[u.passage].score - top for u in units])
    prior = prior + FOCUS_WEIGHT * _focus(query, units, names)
    prior = prior + NUMBER_WEIGHT * _numbers_met(query, units)
    if not _ASKS_EXAMPLE.search(query):
        prior = prior - EXAMPLE_PENALTY * np.array([_is_example(u) for u in units])
    soft = soft_overlap(query, units, meaning)
    if not meaning.contextual:
        return word_vectors + 0.3 * soft + 0.5 * prior  # type: ignore[no-any-return]
    contextual = meaning.similarity(query, texts)
    by_heading: dict[str, float] = {}
    for unit, value in zip(units, contextual, strict=True):
        by_heading[unit.heading] = max(by_heading.get(unit.heading, -1.0), float(value))
    section = np.array([by_heading[u.heading] for u in units])
    return (  # type: ignore[no-any-return]
        0.5 * contextual + 0.3 * word_vectors + 0.5 * soft + 0.3 * section + 0.5 * prior
    )


NUMBER_WEIGHT = 0.5
"""Weight of a unit whose numbers meet the question's ("six hundred units": the 500-999 row;
"three years": the 3-year agreement)."""
_QUESTION_NUMBER = re.compile(r"(?<![\w.$€£-])(\d[\d,]*)(?![\d,]*[.]\d)")
_UNIT_RANGE = re.compile(r"(?<![$€£\d,.])(\d[\d,]*)\s*(?:–|—|-|to)\s*(\d[\d,]*)(?!\s*%)")
_UNIT_AT_LEAST = re.compile(r"(?<![$€£\d,.])(\d[\d,]*)\s*(?:\+|or more\b)()", re.I)
_UNIT_NUMBER = re.compile(r"(?<![$€£\d,.])(\d[\d,]*)(?![\d,]*\.\d|\s*%|[\d,])")


def _numbers_met(query: str, units: Sequence[Unit]) -> np.ndarray:
    """Per unit: 1 when a number the question gives (two or more: "one" is too common) is one
    the unit states, or falls in a range it states ("500-999 sensors", "1,000+"), else 0;
    sums of money count only against sums."""
    asked = {
        int(n.replace(",", ""))
        for n in _QUESTION_NUMBER.findall(query)
        if n.replace(",", "").isdigit() and int(n.replace(",", "")) >= 2
    }
    if not asked:
        return np.zeros(len(units))
    out = []
    for unit in units:
        met = False
        text = with_digits(unit.text)  # "three or more sensors"
        for low, high in _UNIT_RANGE.findall(text):
            lo, hi = _number(low), _number(high)
            met |= lo is not None and hi is not None and any(lo <= n <= hi for n in asked)
        for first, second in _UNIT_AT_LEAST.findall(text):
            lo = _number(first or second)
            met |= lo is not None and any(n >= lo for n in asked)
        met |= bool(asked & {_number(n) for n in _UNIT_NUMBER.findall(text)})
        out.append(1.0 if met else 0.0)
    return np.array(out)


def _number(text: str) -> int | None:
    plain = text.replace(",", "")
    return int(plain) if plain.isdigit() else None


def _is_example(unit: Unit) -> bool:
    """A worked example: under a heading of examples, or a calculation ("6 × $6 = $36")."""
    return bool(_EXAMPLES.search(unit.heading) or _ARITHMETIC.search(unit.text))


def _focus(query: str, units: Sequence[Unit], names: Sequence[str]) -> np.ndarray:
    """Per unit: 1 when it names every product or plan the query names and no other, less for
    each other one it names, -1 when it names only other plans, else 0 (the query naming none:
    0 for all). ``names`` are the
    company's product and plan names: "the setup fee on the mid plan (Professional)" is the
    Professional row's, not the Starter's."""
    asked = _named(query, names)
    if not asked:
        return np.zeros(len(units))
    out = []
    for unit in units:
        named = _named(f"{unit.heading} {unit.text}", names)
        if asked <= named:
            out.append(1.0 / (1 + len(named - asked)))
        else:  # about another plan than the one asked about: less, not just no more (products
            # are often named in passing, and one described, not named, may be the wrong one)
            other_plans = named and not named & asked and not any(CODE.match(n) for n in named)
            out.append(-1.0 if other_plans else 0.0)
    return np.array(out)


def _named(text: str, names: Sequence[str]) -> set[str]:
    """The product codes and names (as written, whole words) ``text`` mentions (a name with a
    code in it counts as its code)."""
    found = {c.replace("-", "") for c in CODE.findall(text)}
    for name in names:
        if not CODE.search(name) and re.search(rf"\b{re.escape(name)}\b", text):
            found.add(name)
    return found


def _words(text: str) -> list[str]:
    return [
        w
        for w in _WORD.findall(text.lower())
        if w not in STOPWORDS and w not in _FILLER and len(w) > 1
    ]


def vocabulary(units: Sequence[Unit]) -> list[str]:
    """The words of ``units`` (texts and headings) that a question's words are compared with."""
    return list(dict.fromkeys(w for u in units for w in (*_words(u.text), *_words(u.heading))))


def _stem(word: str) -> str:
    if any(c.isdigit() for c in word):
        return word.replace("-", "")  # a code: "CT-200" is not "CT-300"
    found = terms(word)
    return min(found, key=len) if found else word


def soft_overlap(query: str, units: Sequence[Unit], meaning: Meaning) -> np.ndarray:
    """Per unit: the share of the query's words it holds, rare words weighing more, a word
    counting as held by the unit's word that means most nearly the same (the encoder's word
    vectors; exact stems only without the encoder). Heading words count half."""
    asked = list(dict.fromkeys(_words(query)))
    n = len(units)
    if not asked or not n:
        return np.zeros(n)
    own = [set(_words(u.text)) for u in units]
    heading = [set(_words(u.heading)) for u in units]
    vocabulary = sorted(set(asked).union(*own, *heading))
    position = {w: i for i, w in enumerate(vocabulary)}
    stems = [_stem(w) for w in vocabulary]
    if meaning.contextual:
        vectors = meaning.vectors(vocabulary)
        likeness = vectors[[position[w] for w in asked]] @ vectors.T
        likeness = np.clip((likeness - SOFT_FLOOR) / (1 - SOFT_FLOOR), 0.0, 1.0)
    else:
        likeness = np.zeros((len(asked), len(vocabulary)))
    for row, word in enumerate(asked):
        stem = stems[position[word]]
        likeness[row, [i for i, s in enumerate(stems) if s == stem]] = 1.0

    def held(words: set[str]) -> np.ndarray:
        if not words:
            return np.zeros(len(asked))
        return likeness[:, [position[w] for w in words]].max(axis=1)  # type: ignore[no-any-return]

    in_units = np.stack([held(w) for w in own], axis=1)
    in_headings = np.stack([held(w) for w in heading], axis=1)
    found = np.maximum(in_units, 0.5 * in_headings)
    frequency = (in_units >= 0.5).sum(axis=1)
    weights = np.array([math.log(1 + n / (f + 0.5)) for f in frequency])
    return (weights[:, None] * found).sum(axis=0) / weights.sum()  # type: ignore[no-any-return]


def _family(unit: Unit) -> tuple[object, ...]:
    """Units of one kind that a superlative compares: one table's rows, a passage's bullets,
    or fact-stating headings."""
    if unit.kind == "heading":
        return ("heading",)
    return (unit.kind, unit.passage, unit.block // 1000)


def _extreme_price(question: str, scored: Sequence[Scored], best: Scored) -> Scored:
    """ "The cheapest plan": among the best unit's own kind, the lowest price (or highest)."""
    cheap, dear = bool(_CHEAP.search(question)), bool(_DEAR.search(question))
    if cheap == dear:
        return best
    priced: list[tuple[Scored, float]] = []
    for item in scored:
        price = _first_price(item.unit.text)
        if item.score >= best.score - CLOSE and price is not None:
            priced.append((item, price))
    if not priced:
        return best
    leader = max(priced, key=lambda p: p[0].score)[0]
    family = [(s, v) for s, v in priced if _family(s.unit) == _family(leader.unit)]
    if len(family) < 2:
        return best
    pick = min if cheap else max
    return pick(family, key=lambda p: p[1])[0]


def _first_price(text: str) -> float | None:
    match = _PRICE.search(text)
    return float(match.group(1).replace(",", "")) if match else None


def _next_unit(unit: Unit, units: Sequence[Unit]) -> Unit | None:
    for other in units:
        if (
            other.passage == unit.passage
            and other.block == unit.block
            and other.position == unit.position + 1
        ):
            return other
    return None


def previous_unit(unit: Unit, units: Sequence[Unit]) -> Unit | None:
    """The unit just before ``unit`` in its own paragraph or bullet, if any."""
    for other in units:
        if (
            other.passage == unit.passage
            and other.block == unit.block
            and other.position == unit.position - 1
        ):
            return other
    return None


def leans_back(unit: Unit) -> bool:
    """Whether ``unit`` opens with a word that leans on the sentence before ("Instead", "It")."""
    return bool(_CONTINUES.match(unit.text))


def _continues(best: Scored, following: Unit, question: str) -> bool:
    """Whether ``following`` finishes what ``best`` started: it opens with a word that leans
    on it ("Instead", "It", "This") or with the thing ``best`` introduced ("... an auditor
    link." "The link expires..."), or ``best`` says no and ``following`` says what there is,
    or it gives the kind of answer asked for and ``best`` does not."""
    if _CONTINUES.match(following.text):
        return True
    again = _DEFINITE.match(following.text)
    if again and again["noun"].lower() in best.unit.text.lower().split():
        return True
    if _NEGATIVE.search(best.unit.text) and len(best.unit.text.split()) <= 25:
        return True
    kinds = answer_types.wanted(question)
    return bool(kinds) and not best.gives and answer_types.gives(following.text, kinds)


_YES_NO = re.compile(
    r"^\W*(?:(?:and|so|but|ok|okay|also)\W+)?(?:is|are|does|do|can|will|would|has|have)\b", re.I
)
_SUBJECT_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
"""The product a line refers to, added after it by the responder ("Is it waterproof? (CT-200)")."""
GENERAL_TOP = 3
"""The most relevant units whose word for the feature counts though they name no product
(what holds for all of them): further down, such sentences are about something else."""
FEATURE_HELD = 0.45
"""Word likeness (on :func:`soft_overlap`'s scale, 1 = the same word) at or above which a unit
holds a question's word; "waterproof" held by no unit at all is a feature the material never
mentions."""


@dataclass(frozen=True)
class Unstated:
    """A yes/no question about a feature the material never mentions ("Is the CT-200
    waterproof?"), and what the material does say about what it asks after."""

    feature: str
    known: Unit | None
    """The most relevant unit naming a product or plan the question names, if it names one."""


def unstated(
    question: str, scored: Sequence[Scored], meaning: Meaning, names: Sequence[str] = ()
) -> Unstated | None:
    """For a yes/no question about a product or plan it names (with the encoder only: word
    vectors match only exact stems), the feature it ends on when no unit about that product
    holds it, by itself or by a word meaning nearly the same; None when it is held (the best
    unit may then state or deny the feature) or the question is not such a question."""
    if not scored or not meaning.contextual or not _YES_NO.match(question):
        return None
    said = _SUBJECT_NOTE.sub("", question)  # the words asked, without the product it refers to
    units = [s.unit for s in scored]
    names = [*names, *_proper_names(said, units)]
    if not _asks_after_named(said, question, names):
        return None  # a feature of a product or plan; otherwise a last word ("thrown in?",
        # "before committing?") is too often an idiom the material words differently
    asked = [
        w
        for w in dict.fromkeys(_words(with_digits(said)))
        if len(w) >= 4 and not any(c.isdigit() for c in w) and not _named(w, names)
    ]
    if not asked:
        return None
    focus = _focus(question, units, names)
    about = [s for s, f in zip(scored, focus, strict=True) if f > 0]
    # The question asks about that product: "water" in another sensor's cleaning advice does
    # not say whether this one is waterproof; what holds for all of them ("They must never be
    # autoclaved", naming none) does.
    top = sorted(scored, key=lambda s: -s.relevance)[:GENERAL_TOP]
    general = [s.unit for s in top if not _named(f"{s.unit.heading} {s.unit.text}", names)]
    sayers = [s.unit for s in about] + general
    held = sorted(set().union(*(_words(f"{u.heading} {u.text}") for u in sayers)))
    if not held:
        return None
    vectors = meaning.vectors([*asked, *held])
    likeness = vectors[: len(asked)] @ vectors[len(asked) :].T
    likeness = np.clip((likeness - SOFT_FLOOR) / (1 - SOFT_FLOOR), 0.0, 1.0)
    stems = {_stem(w) for w in held}
    missing = [
        word
        for row, word in enumerate(asked)
        if _stem(word) not in stems and likeness[row].max() < FEATURE_HELD
    ]
    if not missing or missing[-1] != asked[-1]:
        return None  # the feature is what the question ends on ("... waterproof?")
    known = max(about, key=lambda s: s.relevance).unit if about else None
    return Unstated(_feature(said, missing), known)


_POINTS_BACK = re.compile(r"\b(?:it|its|they|them|this one|that one)\b", re.I)


_CAPITALISED = re.compile(r"(?<=\w )[A-Z][a-z]+\b")


def _proper_names(said: str, units: Sequence[Unit]) -> list[str]:
    """Capitalised words inside the question that the material uses as names ("Is the Petite
    sensor waterproof?": a company without a stock table still names its products)."""
    found = []
    for word in dict.fromkeys(_CAPITALISED.findall(said)):
        if any(re.search(rf"\b{word}\b", f"{u.heading} {u.text}") for u in units):
            found.append(word)
    return found


def _asks_after_named(said: str, question: str, names: Sequence[str]) -> bool:
    """Whether ``said`` asks about a product or plan it names, or refers to with "it" (the
    product ``question``'s note adds), rather than one it describes ("the biggest package")."""
    if _named(said, names):
        return True
    return bool(_named(question, names)) and bool(_POINTS_BACK.search(said))


def _feature(question: str, missing: list[str]) -> str:
    """The feature as the question words it: from its first word no unit holds to the end, when
    that is a short phrase ("Okta single sign-on"), else its last word."""
    first = re.search(rf"\b{re.escape(missing[0])}\b", question, re.I)
    if first:
        phrase = question[first.start() :].strip(" ?!.")
        if len(phrase.split()) <= 4:
            return phrase
    last = re.search(rf"\b{re.escape(missing[-1])}\b", question, re.I)
    return last.group(0) if last else missing[-1]
