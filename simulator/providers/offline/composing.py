"""Compose the offline answer to the question asked, from the sentences of the retrieved passages.

Every sentence, bullet and table row of the turn's passages (:mod:`.reading`) is scored against
the *question* (not the passage): the share of the question's words it holds, weighted by how
rare each word is among the candidates, plus the similarity of their meanings (embeddings), plus
a light prior for the passage's rank. "Cheapest" and "most expensive" prefer the lowest or
highest price among close candidates. The best sentence is the answer; a second or third is
added only when it is nearly as good and says something the first does not.

An objection (the customer's words resemble what a playbook says customers say) gets the
playbook's prepared response instead, adapted to this customer: a sentence stating facts about
"you" that this customer never gave (a worked example: "You mentioned you run about forty
fridges") is dropped, with the sentence that computes on it. A coach's whisper steers both the
choice of sentences and the follow-up question.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from simulator.events import Passage
from simulator.knowledge import embedding
from simulator.knowledge.keywords import terms
from simulator.providers.offline.reading import (
    PlaybookEntry,
    Unit,
    has_money,
    playbook_entries,
    units,
)

MAX_ANSWER_WORDS = 70
MEANING_WEIGHT = 0.6
"""Weight of the embedding similarity against the (0..1) share of the question's words."""
WHISPER_WEIGHT = 0.5
"""How strongly the coach's words pull the choice of sentences, against the question's."""
MAX_PREPARED_WORDS = 110
MIN_SHARE = 0.25
MIN_MEANING = 0.7
QUANTITY_BONUS = 0.15
"""For "how many/much/long/often..." questions: a sentence stating a number is likelier the
answer."""
OBJECTION_THRESHOLD = 0.5
"""How close the customer's words must come to what a playbook says customers say."""

_FACTUAL = re.compile(
    r"^\s*(?:how (?:many|much|long|often|far|fast|quickly|soon)|what(?:'s| is| are| does| do)?|"
    r"when|where|which|who|do you|does|is there|are there|can (?:i|we|you)|could (?:i|we|you))\b",
    re.I,
)
_CHEAP = re.compile(
    r"\b(?:cheapest|lowest|least expensive|smallest|minimum|entry[- ]level)\b", re.I
)
_DEAR = re.compile(r"\b(?:most expensive|priciest|highest|largest|biggest|maximum|top)\b", re.I)
_PRICE = re.compile(r"[$€£]\s?(\d[\d,]*(?:\.\d+)?)")
_WANTS_QUANTITY = re.compile(
    r"\bhow (?:many|much|long|often|far|fast|quickly|soon|accurate|big|heavy|old)\b|"
    r"\bwhat (?:time|percentage|price|rate|discount|fee)\b|\bwhen\b|\bcost\b",
    re.I,
)
_NUMBER = re.compile(r"\d")
_WANTS_MONEY = re.compile(
    r"\b(?:price[sd]?|pricing|costs?|charge[sd]?|fees?|pay|how much|surcharge|go for)\b", re.I
)


@dataclass(frozen=True)
class Answer:
    text: str
    follow_up: str | None = None
    prepared: bool = False


def compose(
    question: str,
    passages: Sequence[Passage],
    *,
    whisper: str | None = None,
    customer_said: str = "",
    internal: Callable[[str], bool] = lambda source: False,
) -> Answer | None:
    """The answer to ``question`` from ``passages``, or None if none of them answers it.

    ``customer_said`` is everything the customer said so far (the facts a prepared response may
    use); ``internal`` tells material for the sales team only, never spoken.
    """
    usable = [
        (rank, p)
        for rank, p in enumerate(passages)
        if not p.source.lower().endswith(".csv") and not internal(p.source)
    ]
    if not usable:
        return None
    question_vector = embedding.embed([question])[0]
    entries = playbook_entries(usable)
    objection = _objection(question, question_vector, entries)
    if objection is not None:
        response = adapt(objection.response, customer_said)
        if response:
            follow_up = _follow_up(whisper, entries) or next(iter(objection.follow_ups), None)
            return Answer(" ".join(response), follow_up, prepared=True)

    candidates = [u for rank, p in usable for u in units(p, rank)]
    if not candidates:
        return None
    lexical, meaning = _match(question, question_vector, candidates)
    scores = lexical + MEANING_WEIGHT * meaning + _priors(question, candidates, passages)
    scores += _extreme_price_bonus(question, candidates, scores)
    if whisper:
        coached = _match(whisper, embedding.embed([whisper])[0], candidates)
        scores = scores + WHISPER_WEIGHT * (coached[0] + MEANING_WEIGHT * coached[1])
    best = int(np.argmax(scores))
    if not _answers(float(lexical[best]), float(meaning[best])):
        return None
    chosen = _choose(question, candidates, scores, best)
    return Answer(" ".join(u.text for u in chosen), _follow_up(whisper, entries))


def _match(
    query: str, query_vector: np.ndarray, candidates: list[Unit]
) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate: the share of the query's words it holds (rare words weigh more) and the
    similarity of meanings."""
    unit_terms = [terms(u.text) for u in candidates]
    heading_terms = [terms(u.heading) for u in candidates]
    df = Counter(t for ts in unit_terms for t in ts)
    n = len(candidates)
    wanted = {t: math.log(1 + n / (df[t] + 0.5)) for t in terms(query) if t in df}
    total = sum(wanted.values())
    lexical = np.array(
        [
            sum(w if t in ts else 0.5 * w for t, w in wanted.items() if t in ts or t in hs) / total
            if total
            else 0.0
            for ts, hs in zip(unit_terms, heading_terms, strict=True)
        ]
    )
    vectors = embedding.embed([f"{u.heading}: {u.text}" for u in candidates])
    return lexical, vectors @ query_vector


def _priors(question: str, candidates: list[Unit], passages: Sequence[Passage]) -> np.ndarray:
    """The passage's rank, and a number where the question asks for one."""
    wants_number = bool(_WANTS_QUANTITY.search(question))
    wants_money = bool(_WANTS_MONEY.search(question))
    return np.array(
        [
            0.1 * passages[u.passage].score
            - 0.02 * u.passage
            + (QUANTITY_BONUS if wants_number and _NUMBER.search(u.text) else 0.0)
            + (QUANTITY_BONUS if wants_money and has_money(u.text) else 0.0)
            for u in candidates
        ]
    )


def _extreme_price_bonus(query: str, candidates: list[Unit], scores: np.ndarray) -> np.ndarray:
    """ "The cheapest plan": among the close candidates that state a price, favour the lowest."""
    bonus = np.zeros(len(candidates))
    cheap, dear = bool(_CHEAP.search(query)), bool(_DEAR.search(query))
    if cheap == dear:
        return bonus
    close = [i for i in range(len(candidates)) if scores[i] >= 0.7 * float(np.max(scores))]
    prices = [(i, _first_price(candidates[i].text)) for i in close]
    priced = [(i, v) for i, v in prices if v is not None]
    if len(priced) >= 2:
        pick = min(priced, key=lambda p: p[1]) if cheap else max(priced, key=lambda p: p[1])
        bonus[pick[0]] = 0.3
    return bonus


def _first_price(text: str) -> float | None:
    match = _PRICE.search(text)
    return float(match.group(1).replace(",", "")) if match else None


def _answers(lexical: float, meaning: float) -> bool:
    """Whether the best sentence answers at all: it holds a good share of the question's
    (weighted) words, or means nearly the same."""
    return lexical >= MIN_SHARE or meaning >= MIN_MEANING


def _choose(question: str, candidates: list[Unit], scores: np.ndarray, best: int) -> list[Unit]:
    """The best unit, then up to two more that are nearly as good and add words of the question."""
    chosen = [candidates[best]]
    covered = terms(chosen[0].text) | terms(chosen[0].heading)
    wanted = terms(question)
    words = len(chosen[0].text.split())
    for i in np.argsort(-scores):
        unit = candidates[int(i)]
        if len(chosen) == 3 or scores[i] < 0.8 * scores[best]:
            break
        if unit in chosen or unit.text in (c.text for c in chosen):
            continue
        adds = (wanted & terms(unit.text)) - covered
        if not adds or words + len(unit.text.split()) > MAX_ANSWER_WORDS:
            continue
        chosen.append(unit)
        covered |= terms(unit.text)
        words += len(unit.text.split())
    return chosen


def _objection(
    question: str, question_vector: np.ndarray, entries: list[PlaybookEntry]
) -> PlaybookEntry | None:
    """The playbook entry whose customer quotes (or title) the question resembles most."""
    best: tuple[float, PlaybookEntry] | None = None
    for entry in entries:
        title = entry.section.split(" > ")[-1]
        examples = [*entry.says, title]
        likeness = float(np.max(embedding.embed(examples) @ question_vector))
        shared = len(terms(question) & terms(" ".join(examples)))
        score = likeness + 0.1 * min(shared, 3) + (0.05 if entry.passage == 0 else 0.0)
        if "?" not in question:
            score += 0.1  # objections are mostly statements, questions mostly ask for facts
        if best is None or score > best[0]:
            best = (score, entry)
    if best is None:
        return None
    threshold = OBJECTION_THRESHOLD + (0.2 if _FACTUAL.match(question) else 0.0)
    return best[1] if best[0] >= threshold else None


def _follow_up(whisper: str | None, entries: list[PlaybookEntry]) -> str | None:
    """The playbook follow-up question the coach's words point at, if any."""
    if not whisper:
        return None
    wanted = terms(whisper)
    scored = [
        (len(wanted & terms(q)), -n, q)
        for n, q in enumerate(q for e in entries for q in e.follow_ups)
    ]
    best = max(scored, default=(0, 0, ""))
    return best[2] if best[0] else None


# -- prepared responses, adapted to the customer ---------------------------------------------

_YOU_SAID = re.compile(r"\byou (?:mentioned|said|told)\b", re.I)
_ABOUT_YOU = re.compile(r"\byou(?:'re|r)?\b((?:\W+(?!one\b)[\w,]+){1,3})", re.I)
_ANAPHOR = re.compile(r"^(?:on [\w ]+?,? )?(?:that's|that is|that comes|this is|which is)\b", re.I)
_UNITS = {
    w: n
    for n, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * n
    for n, w in enumerate(
        ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
    if w != "_"
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_NUMBER_WORD = re.compile(
    r"\b(?:"
    + "|".join([*_UNITS, *_TENS, *_SCALES, "and"])
    + r")(?:[\s-]+(?:"
    + "|".join([*_UNITS, *_TENS, *_SCALES, "and"])
    + r"))*\b",
    re.I,
)


def quantities(text: str) -> set[float]:
    """The numbers a text states, in digits or in words ("about forty" -> 40)."""
    found = {float(m.replace(",", "")) for m in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}
    for match in _NUMBER_WORD.finditer(text):
        value = _words_to_number(match.group(0))
        if value is not None:
            found.add(value)
    return found


def _words_to_number(phrase: str) -> float | None:
    total = current = 0
    seen = False
    for word in re.split(r"[\s-]+", phrase.lower()):
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word in _SCALES:
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total, current = total + current, 0
        else:
            continue
        seen = True
    return float(total + current) if seen else None


def adapt(response: Sequence[str], customer_said: str) -> list[str]:
    """A prepared response for this customer: sentences that state facts about "you" which the
    customer never gave (worked examples), and the sentence computing on them, are dropped."""
    given = quantities(customer_said)
    kept: list[str] = []
    dropped = False
    for sentence in response:
        if sentence.rstrip().endswith("?"):
            continue  # the response's own questions: the follow-up question comes at the end
        stated = quantities(sentence)
        near_you = {q for m in _ABOUT_YOU.finditer(sentence) for q in quantities(m.group(1))}
        about_them = bool(near_you) and not near_you <= given
        claims_said = bool(_YOU_SAID.search(sentence)) and not (stated and stated <= given)
        follows_example = dropped and bool(_ANAPHOR.match(sentence)) and bool(stated)
        if about_them or claims_said or follows_example:
            dropped = True
            continue
        dropped = False
        kept.append(sentence)
    words = 0
    out: list[str] = []
    for sentence in kept:
        words += len(sentence.split())
        if out and words > MAX_PREPARED_WORDS:
            break
        out.append(sentence)
    return out
