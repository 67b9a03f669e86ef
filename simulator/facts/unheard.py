"""Features a reply says are included that the material never mentions.

"Every order ships with a free spare battery pack" has no figure and names nothing unknown, yet
nothing in the knowledge says it: a model made it up. A reply clause that offers something
("ships with", "comes with", "includes", "we throw in", "free") names a thing; the thing is
*mentioned* when one sentence of the material holds all of its words (stemmed), and *unheard*
otherwise. An unheard thing is an unsupported claim. Figures are left to the value check, names
to the name check, and the customer's own words are no claim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from simulator import number_words
from simulator.facts import attributes
from simulator.facts.binding import sentences
from simulator.facts.model import FileFacts

_OFFERS = re.compile(
    r"\b(?:ships?|shipped|comes?|came|bundled|delivered|supplied) with|"
    r"\b(?:includes?|included|including|throws? in|throw in|adds?|gives? you|get|gets|"
    r"provides?|offers?)\b(?=\s)|\bfree\b(?=\s)",
    re.I,
)
_FREE_BEFORE = re.compile(r"\bfree\s+(?:\w+\s+)?$|\bfree$", re.I)
"""The reply calls the thing free ("a free thermal label printer")."""
_FREE_STEMS = frozenset(
    attributes.stem(w) for w in ("free", "included", "includes", "complimentary", "waived")
)
_STOP = re.compile(
    r"[,;:.!?()]|\s(?:and|or|but|so|which|that|if|when|at|for|on|in|to|from|of|by|as|per|"
    r"every|each|with|without|plus|than|because|while|since|until|after|before|across|over|"
    r"under|above|below|within|about|up|into|through|during|off|once|"
    r"is|are|was|were|will|can|included|at no)\b",
    re.I,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_FILLER = (
    frozenset(
        re.findall(
            r"\w+",
            "a an the your our their its my his her this that these those some any all every each "
            "free complimentary extra additional also even just still both one two three own new "
            "full whole standard basic optional built lifetime you we they it us them i me "
            "there here what whatever whichever way lot lots plenty more most much many few "
            "access option options feature features plan plans tier tiers day days order orders "
            "customer customers account accounts service services "
            "half halves quarter quarters third thirds fourth fifth sixth seventh eighth ninth "
            "tenth fifths sixths tenths twelfth twentieth hundredth",
        )
    )
    | number_words.WORDS
)


@dataclass(frozen=True)
class UnheardThing:
    """A thing a reply offers that no sentence of the material mentions."""

    start: int
    end: int
    words: frozenset[str]
    mentioned: bool = False
    """The material mentions the thing, never as free or included (the reply says "free")."""


class Unheard:
    """The material's sentences as sets of stems, to tell a mentioned thing from a made-up one."""

    def __init__(self, files: Iterable[FileFacts], names: Iterable[str]) -> None:
        self._sentences: list[frozenset[str]] = []
        seen: set[str] = set()
        for file in files:
            for mention in file.mentions:
                text = f"{mention.text} {mention.subject} {mention.attribute}"
                if text not in seen:
                    seen.add(text)
                    self._sentences.append(stems(text))
        self._known = frozenset().union(*self._sentences) if self._sentences else frozenset()
        self._names = frozenset(n.lower() for n in names)

    def _is_name(self, word: str) -> bool:
        """A name as the reply writes it ("Compliance Pack"), not the word ("a battery pack")."""
        return word[:1].isupper() and word.lower() in self._names

    def mentioned(self, words: frozenset[str]) -> bool:
        return any(words <= sentence for sentence in self._sentences)

    def mentioned_free(self, words: frozenset[str]) -> bool:
        """Whether a sentence of the material gives the thing free or included."""
        return any(words <= sentence and sentence & _FREE_STEMS for sentence in self._sentences)

    def things(
        self, reply: str, taken: list[tuple[int, int]], said: str = ""
    ) -> Iterator[UnheardThing]:
        """The things ``reply`` offers that the material never mentions (``taken``: spans of
        other claims, left to them; ``said``: the customer's words)."""
        heard = stems(said)
        found: list[tuple[int, int]] = []
        for sentence, offset in sentences(reply):
            if "?" in sentence:
                continue
            for offer in _OFFERS.finditer(sentence):
                rest = sentence[offer.end() :]
                stop = _STOP.search(rest)
                phrase = rest[: stop.start()] if stop else rest
                words = [
                    w
                    for w in _WORD.finditer(phrase)
                    if w.group(0).lower() not in _FILLER and not self._is_name(w.group(0))
                ]
                if not words:
                    continue
                start = offset + offer.end() + words[0].start()
                end = offset + offer.end() + words[-1].end()
                if any(s < end and start < e for s, e in [*taken, *found]):
                    continue
                said_stems = frozenset(attributes.stem(w.group(0).lower()) for w in words)
                if said_stems <= heard:
                    continue
                free = _FREE_BEFORE.search(sentence[: offer.end() + words[0].start()])
                if self.mentioned(said_stems):
                    if not free or self.mentioned_free(said_stems):
                        continue
                    # "a free thermal label printer": printers are mentioned, never as free
                    found.append((start, end))
                    yield UnheardThing(start, end, said_stems, mentioned=True)
                    continue
                if offer.group(0).lower() == "free":
                    start = offset + offer.start()  # "a free spare battery pack"
                found.append((start, end))
                yield UnheardThing(start, end, said_stems)


def stems(text: str) -> frozenset[str]:
    return frozenset(attributes.stem(w.lower()) for w in _WORD.findall(text))
