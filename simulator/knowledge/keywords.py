"""Content terms of a text, for matching words rather than meanings.

The re-ranker's keyword bonus and the sales records' product and account look-ups both need the
same notion of "the same word": lower-cased, light English stemming (so "prices", "priced" and
"pricing" meet "price"), stopwords dropped, and product codes kept whole and joined ("CT-100"
also yields "ct100", so "ct100" and "CT 100" find it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_TOKEN = re.compile(r"[a-z0-9]+(?:[-./][a-z0-9]+)*")
_SEPARATOR = re.compile(r"[-./]")
_CODE = re.compile(r"(?=[a-z0-9]*[a-z])(?=[a-z0-9]*[0-9])[a-z0-9]+")
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "us",
        "let",
        "get",
        "got",
        "want",
        "need",
        "tell",
        "know",
        "like",
        "much",
        "many",
        "one",
    ]
)


def terms(text: str) -> set[str]:
    """The content terms of ``text``."""
    out: set[str] = set()
    for token in set(_TOKEN.findall(text.lower())):
        out.update(_token_terms(token))
    return out


@functools.lru_cache(maxsize=262_144)
def _token_terms(token: str) -> tuple[str, ...]:
    """The terms one token yields (none for a stopword; a code's joined and split forms)."""
    if token in STOPWORDS:
        return ()
    if not _SEPARATOR.search(token):
        return (stem(token),)
    parts = (stem(p) for p in _SEPARATOR.split(token) if p and p not in STOPWORDS)
    return (stem(token), _SEPARATOR.sub("", token), *parts)


def codes(term_set: Iterable[str]) -> set[str]:
    """The terms that look like product codes or model numbers: letters and digits mixed."""
    return {t for t in term_set if not (t.isalpha() or t.isdigit()) and _CODE.fullmatch(t)}


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix-stripper: plural, -ing and -ed endings and a final e are removed."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "zes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    elif word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word
