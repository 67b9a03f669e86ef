"""Whose fact is it: ours, or a competitor's the material quotes to compare with?

A sales library quotes the competition ("Dentalux Pro: $6,400", "FrostWatch: about 12 months of
battery") so reps can answer "how do you compare?". Those values are not ours: "our size 2 sensor
is $6,400" is not supported by Dentalux's list price. A competitor is a name the material writes
mostly (at least twice as often as elsewhere) where it compares (a file or section about
competitors, "vs", "already use X") and always with a capital; a fact whose own subject (its
table row or column, its clause) names one is *foreign*. A claim that names no competitor is
never supported by a foreign fact.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from simulator.facts.model import Fact, FileFacts

_COMPARING = re.compile(
    r"compet|comparison|compare|versus|\bvs\.?\b|\brivals?\b|already use|"
    r"(?:switch|mov)(?:e|es|ed|ing)? from",
    re.I,
)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"\u201c(]\s*|[-\u2013\u2014*]\s+)[A-Z][A-Za-z0-9]*")
_OURS = re.compile(
    r"\b(?:replac\w*|switch\w*|mov(?:e|es|ed|ing) from|leav\w*|trade[- ]?in|from|than|against|"
    r"unlike|instead|our|we|us)\b",
    re.I,
)
_TITLED = re.compile(r"[A-Z0-9][\w-]*(?: [A-Z0-9][\w-]*)*")
_CAPITALISED = re.compile(r"(?<!\d )\b[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*\b")


def competitor_names(files: Iterable[FileFacts]) -> frozenset[str]:
    """The names (lower-cased) the material uses mostly where it compares with competitors."""
    comparing: Counter[str] = Counter()
    elsewhere: Counter[str] = Counter()
    lowercase: Counter[str] = Counter()
    for file in files:
        lowercase.update(file.lowercase)
        for mention in file.mentions:
            where = f"{file.source} {mention.section}"
            counts = comparing if _COMPARING.search(where) else elsewhere
            inside = _CAPITALISED.findall(_SENTENCE_START.sub(" ", mention.text))
            labels = [
                w
                for label in (mention.subject, mention.attribute)
                if _TITLED.fullmatch(label.strip())  # "Dentalux Pro", not "List price"
                for w in _CAPITALISED.findall(label)
            ]
            counts.update(w.lower() for w in [*inside, *labels])
    return frozenset(
        name
        for name, n in comparing.items()
        if n > 2 * elsewhere.get(name, 0)
        and not lowercase.get(name)
        and not _COMPARING.search(name)
        and len(name) > 2
    )


def is_foreign(fact: Fact, competitors: frozenset[str]) -> bool:
    """Whether the fact's own subject is a competitor: its row or column, else the words of its
    clause before the value ("TempGuard charges $19"), unless they speak of leaving or beating
    the competitor ("customers replacing FrostWatch sensors get a $25 credit" is our offer)."""
    if not competitors:
        return False
    if fact.in_table:
        return names_competitor(f"{fact.subject} {fact.attribute}", competitors)
    clause = fact.clause or fact.evidence
    before = clause[: max(0, clause.find(fact.text))] or clause
    return names_competitor(before, competitors) and not _OURS.search(before)


def names_competitor(text: str, competitors: frozenset[str]) -> bool:
    return any(w.lower() in competitors for w in _CAPITALISED.findall(text))
