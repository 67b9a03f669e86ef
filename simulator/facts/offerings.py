"""Which plan or product offers a feature: "Starter includes phone support" when phone support
starts on Professional.

A claim with no figure in it can still be wrong: a feature put on a plan that lacks it. Every
sentence, list item and table cell of the material is a :class:`~simulator.facts.model.Mention`
with its subject; one about a member of a group the material sets side by side (plans, products,
tiers) says that member has what it describes. A reply clause that puts a feature on a member is
compared with the mentions that describe the same feature (most of its words): the members they
are about hold it. The material lists plans from the smallest up, and a bigger plan has what a
smaller one has ("everything in Growth plus..."), so the clause is wrong only when every holder
comes *after* the member it names: contradicted, with the first holder and its sentence. A
negated clause ("Starter does not include SSO"), a feature the material gives no member, or a
member after the first holder are left alone: a miss is better than a false flag here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from simulator.facts import attributes
from simulator.facts.binding import sentences
from simulator.facts.extract import clause_of
from simulator.facts.model import FileFacts, Mention
from simulator.facts.subjects import Vocabulary
from simulator.statements import find_statements

_NEGATION = re.compile(
    r"\b(?:not|no|never|without|unlike|except|only|neither|nor|instead|rather|than|extra|"
    r"add-on|cost|costs|pay|fee|price|everything)\b|n't",
    re.I,
)
"""A clause that denies, compares or prices a feature is not a plain "it has it" claim."""
_EVERYTHING_IN = re.compile(r"\beverything\s+(?:in|on|from|of)\s+(?:the\s+)?[\w-]+", re.I)
""""Growth: everything in Launch plus branded tracking": Launch is the base, not a holder."""
_OFFERING_WORDS = attributes.words(
    "include includes included including come comes coming available offer offers offered "
    "get gets have has had give gives plan plans tier tiers also well already both from up "
    "every all each customers customer you your we our us can call always whenever need use "
    "lets let allow allows starting start starts"
)
_MIN_SHARE = 0.6
"""How much of a clause's feature a mention must describe to be about the same feature."""


@dataclass(frozen=True)
class Misplaced:
    """A feature the reply puts on a member that, by the material, does not have it."""

    start: int
    end: int
    """The clause's span in the reply."""
    member: str
    """The member the reply named, as the material labels it."""
    first: str
    """The first member (in the material's order) that has the feature."""
    evidence: Mention


@dataclass(frozen=True)
class _Holding:
    words: frozenset[str]
    holders: frozenset[str]
    mention: Mention


class Offerings:
    """What each member of the material's groups offers, from every mention about it."""

    def __init__(self, vocabulary: Vocabulary, files: Iterable[FileFacts]) -> None:
        self._vocabulary = vocabulary
        files = list(files)
        self._labels = {e.key: e.label for e in vocabulary.entities}
        text = " ".join(f.text for f in files)
        self._groups = [g for g in vocabulary.groups if self._plans(g, text)]
        self._grouped = frozenset(k for group in self._groups for k in group)
        self._by_label = {self._labels[k]: k for k in self._grouped if self._labels.get(k)}
        """A member by its label as written ("Practice"): a table row names its member so."""
        self._holdings: list[_Holding] = []
        for file in files:
            for mention in file.mentions:
                if _NEGATION.search(_EVERYTHING_IN.sub(" ", mention.text)):
                    continue
                said = _EVERYTHING_IN.sub(" ", mention.text)
                subject = vocabulary.entities_in(mention.subject) & self._grouped
                if mention.subject in self._by_label:
                    subject = frozenset([self._by_label[mention.subject]])
                holders = subject or (vocabulary.entities_in(said) & self._grouped)
                if holders:
                    words = attributes.words(f"{said} {mention.attribute}")
                    self._holdings.append(_Holding(words, holders, mention))

    def _plans(self, group: tuple[str, ...], text: str) -> bool:
        """A group of plans or tiers (what a bigger one includes, a smaller one may lack): the
        material calls one of them a plan ("the Growth plan"). Products are not ordered so."""
        return any(
            re.search(rf"\b{re.escape(self._labels.get(k, k).lower())}\s+(?:plan|tier)", text)
            for k in group
        )

    def misplaced(self, reply: str) -> Iterator[Misplaced]:
        """Each clause of ``reply`` that puts a feature on a member lacking it."""
        for sentence, offset in sentences(reply):
            found = self._members_in(sentence)
            for start, end, keys in found:
                named = keys & self._grouped
                if not named:
                    continue
                clause = clause_of(sentence, start, end)
                at = sentence.find(clause)
                if at < 0 or _NEGATION.search(clause) or _figures(clause):
                    continue  # a figure in it is the value check's to judge
                rivals = named | self._vocabulary.rivals_of(named)
                blanked = clause
                for s, e, others in found:
                    if others & rivals and at <= s and e <= at + len(clause):
                        blanked = blanked[: s - at] + " " * (e - s) + blanked[e - at :]
                feature = attributes.words(blanked) - _OFFERING_WORDS
                for key in named:
                    wrong = self._judge(key, feature)
                    if wrong is not None:
                        first, evidence = wrong
                        yield Misplaced(
                            offset + at,
                            offset + at + len(clause),
                            self._labels.get(key, key),
                            self._labels.get(first, first),
                            evidence,
                        )

    def _members_in(self, sentence: str) -> list[tuple[int, int, frozenset[str]]]:
        """Where ``sentence`` names entities; a member also by its label as the material writes
        it, capitalised ("the Practice plan"), where the vocabulary takes the word for a common
        one."""
        found = self._vocabulary.mentions(sentence)
        for label, key in self._by_label.items():
            for m in re.finditer(rf"\b{re.escape(label)}\b", sentence):
                if not any(s < m.end() and m.start() < e for s, e, _ in found):
                    found.append((m.start(), m.end(), frozenset([key])))
        return sorted(found)

    def _judge(self, key: str, feature: frozenset[str]) -> tuple[str, Mention] | None:
        if not feature:
            return None
        needed = max(min(2, len(feature)), round(_MIN_SHARE * len(feature) + 0.49))
        about = [h for h in self._holdings if len(h.words & feature) >= needed]
        holders = frozenset().union(*(h.holders for h in about)) if about else frozenset()
        if not holders or key in holders:
            return None
        for group in self._groups:
            if key not in group or not holders & set(group):
                continue
            first = min(group.index(h) for h in holders if h in group)
            if group.index(key) >= first:
                return None  # a bigger plan has what the smaller ones have
            holder = group[first]
            evidence = next(h.mention for h in about if holder in h.holders)
            return holder, evidence
        return None


def _figures(text: str) -> bool:
    return any(s.kind != "named_fact" for s in find_statements(text))
