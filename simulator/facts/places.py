"""Places and what the material says happens there: a right place in the wrong role is caught.

"Orders ship from our Rotterdam warehouse" is wrong when the material has Rotterdam only as the
European office, and "images are hosted in Dublin" when Dublin only holds the backups: the place
exists, its role does not. At extraction each capitalised word gets the roles the material gives
it (:func:`roles_of`): a role noun right after it ("Rotterdam office"), else the role word nearest
before it in its sentence ("backups in North Europe (Dublin)"), else its table column or its
heading. A reply that names a known place with a role (:func:`places_in`) is checked against them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_FAMILIES = {
    "office": "office offices headquarters headquartered hq based support supported founded",
    "warehouse": "warehouse warehouses ship ships shipped shipping stock stocked dispatch "
    "dispatched logistics fulfilment fulfillment",
    "making": "factory factories plant manufactured manufacturing made built build builds "
    "assembled production software engineering developed development",
    "hosting": "hosted hosting host hosts stored storage data region datacenter datacentre lives",
    "backup": "backup backups replicated replica recovery",
}
ROLES = {word: family for family, words in _FAMILIES.items() for word in words.split()}
"""A role word and the role it gives a place."""
_NOUNS = frozenset(
    [
        "office",
        "offices",
        "headquarters",
        "hq",
        "warehouse",
        "warehouses",
        "factory",
        "factories",
        "plant",
        "data",
        "datacenter",
        "datacentre",
    ]
)
"""Role words that follow a place's name ("our Leeds warehouse")."""
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_BEFORE = 8
"""How many words before a place a role word may stand."""
_INTRO = re.compile(r"(?:\b(?:in|from|at|by)|\bout of)\s+(?:(?:our|the)\s+)?$", re.I)
"""What a place follows in a reply when a role word comes before it ("hosted in Dublin")."""


def _tokens(text: str) -> list[re.Match[str]]:
    return list(_WORD.finditer(text))


def _role_around(words: list[re.Match[str]], n: int) -> tuple[str, int] | None:
    """The role a place at word ``n`` is given, and the index of the word that gives it."""
    after = words[n + 1] if n + 1 < len(words) else None
    if after is not None and after.group(0).lower() in _NOUNS:
        return ROLES[after.group(0).lower()], n + 1
    for k in range(n - 1, max(-1, n - 1 - _BEFORE), -1):
        family = ROLES.get(words[k].group(0).lower())
        if family:
            return family, k
    return None


def roles_of(text: str, context: Iterable[str]) -> dict[str, set[str]]:
    """The roles each capitalised word of ``text`` is given; ``context`` (a column header, the
    headings, innermost first) gives one to a word its sentence leaves without."""
    fallback = next(
        (ROLES[w.lower()] for c in context for w in _WORD.findall(c) if w.lower() in ROLES),
        None,
    )
    found: dict[str, set[str]] = {}
    words = _tokens(text)
    for n, word in enumerate(words):
        if not word.group(0)[:1].isupper() or word.group(0).isupper():
            continue
        role = _role_around(words, n)
        family = role[0] if role else fallback
        if family:
            found.setdefault(word.group(0).lower(), set()).add(family)
    return found


@dataclass(frozen=True)
class PlaceClaim:
    """A place a reply gives a role: ``Rotterdam`` as a ``warehouse``."""

    place: str
    role: str
    start: int
    end: int


def places_in(sentence: str, offset: int, known: Iterable[str]) -> Iterator[PlaceClaim]:
    """The known places ``sentence`` gives a role: followed by a role noun, or after "in",
    "from", "at", "by" or "out of" with a role word before it."""
    known = set(known)
    words = _tokens(sentence)
    for n, word in enumerate(words):
        text = word.group(0)
        if n == 0 or not text[:1].isupper() or text.lower() not in known:
            continue
        role = _role_around(words, n)
        if role is None:
            continue
        family, k = role
        if k < n and not _INTRO.search(sentence[: word.start()]):
            continue
        start, end = min(word.start(), words[k].start()), max(word.end(), words[k].end())
        yield PlaceClaim(text, family, offset + start, offset + end)
