"""Objections: when a customer's line is one the playbook prepared for, and the prepared response
adapted to this customer.

A playbook lists what customers typically say for each objection ("Eleven dollars a sensor every
month adds up fast."). The customer's line is that objection only when it means what one of
those lines means: compared by the encoder, it must come close to one of them, and a question
asking for a fact ("Does paying the year upfront knock anything off?") must come closer still, so
a factual question that merely shares a word ("finance") gets its fact, not a prepared speech.

A prepared response is written for an imagined customer: a sentence stating facts about "you"
that this customer never gave (a worked example: "You mentioned you run about forty fridges")
is dropped, with the sentence that computes on it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from simulator import number_words
from simulator.knowledge.keywords import terms
from simulator.providers.offline import answer_types
from simulator.providers.offline.meaning import Meaning
from simulator.providers.offline.reading import PlaybookEntry

LIKENESS = 0.5
"""How close (cosine, contextual encoder) a statement must come to a playbook's customer line."""
QUESTION_LIKENESS = 0.65
"""The same for a question, which more often asks for a fact than raises an objection."""
FACT_QUESTION_LIKENESS = 0.8
"""The same for a question that asks for a kind of fact (a price, a duration...)."""
WORD_VECTOR_PENALTY = 0.05
"""Word vectors rate unrelated lines as closer than the encoder does: demand this much more."""
MAX_PREPARED_WORDS = 110


def objection(
    line: str, entries: Sequence[PlaybookEntry], meaning: Meaning
) -> tuple[PlaybookEntry, float] | None:
    """The playbook entry whose customer lines ``line`` means, with the likeness, if any."""
    said = [(entry, example) for entry in entries for example in _examples(entry)]
    if not said:
        return None
    likeness = meaning.similarity(line, [example for _, example in said])
    best = int(np.argmax(likeness))
    entry, score = said[best][0], float(likeness[best])
    threshold = LIKENESS
    if "?" in line:
        threshold = FACT_QUESTION_LIKENESS if answer_types.wanted(line) else QUESTION_LIKENESS
    if not meaning.contextual:
        threshold += WORD_VECTOR_PENALTY
    return (entry, score) if score >= threshold else None


def _examples(entry: PlaybookEntry) -> list[str]:
    """What customers say for this objection: its quotes, and its title ("Objection: It's too
    expensive" -> "It's too expensive")."""
    title = entry.section.split(" > ")[-1]
    title = re.sub(r"^(?:objection|concern|pushback)\s*[:—-]\s*", "", title, flags=re.I)
    return [*entry.says, *(t.strip() for t in re.split(r"\s+[—–]\s+", title) if t.strip())]


def follow_up(whisper: str | None, entries: Sequence[PlaybookEntry]) -> str | None:
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


def quantities(text: str) -> set[float]:
    """The numbers a text states, in digits or in words ("about forty" -> 40)."""
    found = {float(m.replace(",", "")) for m in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}
    for match in number_words.RUN.finditer(text):
        value = number_words.parse(match.group(0))
        if value is not None:
            found.add(value)
    return found


def with_digits(text: str) -> str:
    """``text`` with numbers in words written in digits ("minus-eighty" -> "-80", "six hundred
    units" -> "600 units"), for matching against material that writes them so."""

    def digits(match: re.Match[str]) -> str:
        phrase = match.group(0)
        if phrase.strip().lower() in ("and", "one"):
            return phrase  # "one of the probes" is a pronoun, not a count
        value = number_words.parse(phrase)
        return phrase if value is None else f"{value:g}"

    text = number_words.RUN.sub(digits, text)
    return re.sub(r"\bminus[- ](?=\d)", "-", text, flags=re.I)


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
