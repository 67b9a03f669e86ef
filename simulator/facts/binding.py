"""Which subject a claim in a reply is about, and what about it: the claim's half of matching.

A claim is bound to the entities (:mod:`simulator.facts.subjects`) the reply names in its clause,
else nearest before it in its sentence; a sentence that says "it" or "that model" reaches back to
the reply's or the conversation's last-named subject. Its attribute is the words of its clause
(minus the names and its own value), and its conditions the other values said with it ("a
two-year agreement takes 12% off": two years).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulator.facts import attributes
from simulator.facts.extract import clause_of
from simulator.facts.subjects import Vocabulary
from simulator.facts.values import unit_family
from simulator.statements import Statement, find_statements

_ANAPHORA = re.compile(
    r"^\W*(?:(?:and|but|so|also|yes|no|well)\W+)?"
    r"(?:it|its|it's|they|their|they're|this|that|these|those|he|she)\b",
    re.I,
)
"""A sentence whose subject is a pronoun ("It lists at $119", "That model reads...")."""
_CONDITION = re.compile(
    r"^\W*(?:if|when|once|whenever)\s+(?P<words>(?:[^\s,;]+\s+){0,7}[^\s,;]+),", re.I
)
"""A sentence opening with its condition: the condition says what the figure after it is about."""
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*\s+|\n+")


@dataclass(frozen=True)
class Binding:
    """What a claim is about, from the reply's words."""

    names: frozenset[str]
    words: frozenset[str]
    subject: str
    """The subject as the reply names it (for the verdict), or empty."""
    unknown: tuple[str, ...] = ()
    conditions: tuple[Statement, ...] = ()
    """Other values the claim is said under ("a two-year agreement takes 12% off")."""
    sentence: frozenset[str] = frozenset()
    """The words of the claim's whole sentence: weaker evidence of what it is about."""
    inherited: bool = False
    """The subject was named outside the claim's clause (earlier in its sentence or before)."""


def bind(
    vocabulary: Vocabulary, claim: Statement, reply: str, before: tuple[str, ...] = ()
) -> Binding:
    sentence, offset = sentence_at(reply, claim.start)
    start, end = claim.start - offset, claim.end - offset
    clause = clause_of(sentence, start, end)
    clause_at = sentence.find(clause)
    mentions = [m for m in vocabulary.mentions(sentence) if not (m[0] < end and start < m[1])]
    inside = [m for m in mentions if clause_at <= m[0] < clause_at + len(clause)]
    chosen = _nearest(inside, start) or _nearest(mentions, start)
    inherited = not inside
    names = frozenset().union(*(m[2] for m in chosen)) if chosen else frozenset()
    subject = ", ".join(_label(sentence, m) for m in chosen)
    if not names and _ANAPHORA.search(sentence):
        # "It lists at $119": what "it" stands for, named earlier in the reply or the call
        for text in [reply[:offset], *reversed(before)]:
            last, _ = sentence_at(text.rstrip(), max(0, len(text.rstrip()) - 1))
            found = vocabulary.mentions(last) or vocabulary.mentions(text)
            if found:
                where = last if vocabulary.mentions(last) else text
                names = frozenset().union(*(m[2] for m in found))
                subject = _label(where, found[0])
                break
    own = attributes.words(claim.text) - claim.qualifier
    condition = _CONDITION.match(sentence)
    if (
        condition
        and condition.end() <= clause_at
        and not sentence[condition.end() : clause_at].strip()
    ):
        clause = f"{condition.group('words')} {clause}"  # "if you pay up front, that's 6% off"
    words = attributes.words(clause) - own
    words -= attributes.words(" ".join(vocabulary.names_in(sentence)))
    for m in chosen:  # "the door and humidity sensor" says which, not what about it
        words -= attributes.words(sentence[m[0] : m[1]])
    unknown = tuple(
        w for w in vocabulary.unknown_names(clause) if w.lower() not in claim.text.lower()
    )
    values = [
        s
        for s in find_statements(sentence)
        if s.kind in ("quantity", "percentage")
        and s.amount is not None
        and not (s.start < end and start < s.end)
    ]
    values = [
        s
        for s in values
        if s.amount not in (float("inf"), claim.upper)
        and s.upper != claim.amount
        and (s.kind != claim.kind or unit_family(s.unit) != unit_family(claim.unit))
    ]  # not the claim's own range, not a value of the same sort
    in_clause = [s for s in values if clause_at <= s.start < clause_at + len(clause)]
    earlier = [s for s in values if s.end <= start and s.kind != claim.kind]
    conditions = tuple(in_clause or earlier[-1:])
    sentence_words = attributes.words(sentence) - own
    for other in find_statements(sentence):  # words that belong to the sentence's other claims
        if other.start != start and other.kind != "named_fact":
            sentence_words -= attributes.words(clause_of(sentence, other.start, other.end))
    sentence_words |= words
    return Binding(names, words, subject, unknown, conditions, sentence_words, inherited)


def _label(text: str, mention: tuple[int, int, frozenset[str]]) -> str:
    start, end, _ = mention
    if end - start > 1:
        return text[start:end]
    word = re.match(r"[A-Za-z-]+", text[start:])
    return word.group(0) if word else text[start:end]


def _nearest(mentions: list, position: int) -> list:
    """The mention ending nearest before a position in its sentence, else the first one after."""
    before = [m for m in mentions if m[1] <= position]
    if before:
        last = max(m[1] for m in before)
        return [m for m in before if m[1] == last]
    return mentions[:1]


def sentence_at(text: str, position: int) -> tuple[str, int]:
    """The sentence of ``text`` around ``position``, and where it starts. A full stop ends a
    sentence only before a space or the end ("4.2%" and "e.g." stay inside)."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() > position:
            return text[start : m.start() + 1], start
        start = m.end()
    return text[start:], start


def sentences(text: str) -> list[tuple[str, int]]:
    """Each sentence of ``text`` (as :func:`sentence_at` cuts them) and where it starts."""
    found, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        found.append((text[start : m.start() + 1], start))
        start = m.end()
    if start < len(text):
        found.append((text[start:], start))
    return found
