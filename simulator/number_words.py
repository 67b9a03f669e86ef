"""Numbers written in words ("twenty-four", "six hundred", "ninety-nine point nine five").

The prompts ask for spoken replies, so a figure may come as words. Three readers need them: the
claim check's statements, the offline team's objection answers and the fact matcher's stop-words.
They read them here, one way, so "forty-two" means 42 to all of them.

    RUN.finditer(text)                   # each run of number words ("four hundred and ten")
    value(["ninety", "nine", "point", "nine", "five"])  # 99.95
    parse("about forty sensors")         # 40.0 (None when no number word is in it)
"""

from __future__ import annotations

import re

UNITS: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
"""Every number word below a hundred (the tens included): they add up ("twenty" "four")."""
SCALES: dict[str, int] = {
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
}
"""Words that multiply what comes before them ("six hundred", "a thousand")."""
WORDS = frozenset([*UNITS, *SCALES])
"""Every number word."""

_ALTERNATION = "|".join(sorted(WORDS, key=len, reverse=True))
RUN = re.compile(
    rf"\b(?:{_ALTERNATION})(?:(?:\s+and\s+|\s+|-)(?:{_ALTERNATION}))*"
    rf"(?:\s+point(?:\s+(?:{_ALTERNATION}))+)?\b",
    re.I,
)
"""A run of number words: "four hundred and ten", "twenty-four", "ninety-nine point nine five"."""


def value(words: list[str]) -> float:
    """The number ``words`` say (lower case, one word each, "and" allowed): whole part, then one
    digit per word after "point"."""
    if "point" not in words:
        return float(_whole(words))
    at = words.index("point")
    digits = "".join(str(UNITS.get(w, 0) % 10) for w in words[at + 1 :])
    return float(f"{_whole(words[:at]) if words[:at] else 0}.{digits or 0}")


def parse(phrase: str) -> float | None:
    """The number a phrase says in words, other words ignored; ``None`` when it has none."""
    words = [w for w in re.findall(r"[a-z]+", phrase.lower()) if w in WORDS or w == "point"]
    if not any(w in WORDS for w in words):
        return None
    return value(words)


def _whole(words: list[str]) -> int:
    total = current = 0
    for word in words:
        if word in UNITS:
            current += UNITS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in SCALES:
            total += max(current, 1) * SCALES[word]
            current = 0
    return total + current
