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
    """Whether the fact's own subject is a competitor: its row or column, else its clause."""
    if not competitors:
        return False
    own = f"{fact.subject} {fact.attribute}" if fact.in_table else fact.clause or fact.evidence
    return names_competitor(own, competitors)


def names_competitor(text: str, competitors: frozenset[str]) -> bool:
    return any(w.lower() in competitors for w in _CAPITALISED.findall(text))
