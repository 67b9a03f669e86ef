"""A product's status said in words: available, in beta, or not yet.

"ColdTrace Predict is generally available right now" has no figure to compare, yet the material
says its general availability is "planned for early 2027". The material's sentences that give a
named thing a status (released, launched, generally available; beta, preview, early access;
will, planned, expected, roadmap, not yet) are kept as records: the name run the sentence is
about, the status, the sentence. A reply clause that gives the same thing another status is
contradicted; one that says a thing is in beta or still to come when the material never says so
is unsupported. Saying a thing the material sells "is available" is no claim worth a flag.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from simulator.facts.binding import sentences
from simulator.facts.model import FileFacts
from simulator.facts.subjects import Vocabulary

Status = Literal["available", "beta", "planned"]

_MARKER = re.compile(
    r"\b(?:(?:still |now )?in (?:public |private |open |closed )?beta|beta|preview|early access|"
    r"(?:generally |now |already )?available(?: (?:now|today|right now))?|"
    r"general availability|released|launched|shipping|on (?:the|our) roadmap|in development)\b",
    re.I,
)
_FUTURE = re.compile(
    r"\b(?:will|planned|plan to|expected|roadmap|coming|not (?:yet )?(?:available|released|"
    r"launched|shipping)|not yet|upcoming|in development|later this year|next year)\b",
    re.I,
)
_BETA = re.compile(r"\b(?:beta|preview|early access)\b", re.I)
_NAME_RUN = re.compile(r"[A-Z][\w-]*(?:\s+(?:[A-Z0-9][\w-]*))*")
_THING = re.compile(r"[A-Za-z][\w-]*")
_NOT_THING = frozenset(
    re.findall(
        r"\w+",
        "our the a an your this that it its is are was were be been still currently now right "
        "just already also and we you they has have will not no so yet but",
    )
)
_WORDS = {
    "available": "generally available",
    "beta": "in beta",
    "planned": "not yet available",
}


@dataclass(frozen=True)
class _Said:
    names: frozenset[str]
    status: Status
    evidence: str
    source: str
    section: str


@dataclass(frozen=True)
class StatusClaim:
    """A reply clause that gives a named thing a status the material does not."""

    start: int
    end: int
    subject: str
    said: Status
    known: _Said | None
    """The material's sentence with the thing's status, or ``None``: it never gives one."""

    @property
    def correct(self) -> str:
        return _WORDS[self.known.status] if self.known else ""


def status_of(text: str) -> tuple[Status, re.Match[str]] | None:
    """The status a sentence gives its thing: still to come when it speaks of the future ("will
    enter a beta ... general availability planned"), else in beta, else available."""
    found = _MARKER.search(text)
    if found is None:
        return None
    if _FUTURE.search(text):
        return "planned", found
    if _BETA.search(text):
        return "beta", found
    return "available", found


class Statuses:
    """The material's status sentences, by the names they are about."""

    def __init__(self, vocabulary: Vocabulary, files: Iterable[FileFacts]) -> None:
        self._vocabulary = vocabulary
        self._said: list[_Said] = []
        counts: Counter[str] = Counter()
        total = 0
        for file in files:
            for mention in file.mentions:
                total += 1
                counts.update(vocabulary.names_in(mention.text))
                if mention.text.rstrip().endswith("?"):
                    continue
                found = status_of(mention.text)
                names = self._subject(mention.text, found[1].start() if found else 0)
                if found and names:
                    self._said.append(
                        _Said(names, found[0], mention.evidence, file.source, mention.section)
                    )
        # a brand named everywhere ("ColdTrace") does not tell one product from another
        self._common = frozenset(n for n, c in counts.items() if c > max(5, total // 20))

    def _subject(self, sentence: str, before: int) -> frozenset[str]:
        return self._run(sentence, before)[0]

    def _run(self, sentence: str, before: int) -> tuple[frozenset[str], str]:
        """The names of the last run of capitalised words before ``before`` (the status), and
        the run as written."""
        runs = [
            (self._vocabulary.names_in(m.group(0)), m.group(0))
            for m in _NAME_RUN.finditer(sentence[:before] or sentence)
        ]
        runs = [r for r in runs if r[0]]
        if not runs:
            return frozenset(), ""
        names, run = runs[-1]
        return names, " ".join(w for w in run.split() if self._vocabulary.names_in(w)) or run

    def _known(self, names: frozenset[str]) -> _Said | None:
        key = names - self._common
        if not key:
            return None
        matching = [s for s in self._said if key & (s.names - self._common)]
        return matching[0] if matching else None

    def unnamed(self, reply: str) -> Iterator[tuple[int, int, str]]:
        """Things a reply says are in beta or still to come with no name ("our predictive
        maintenance module is in beta"): the thing's words (span in ``reply``), for the caller
        to look up in the material."""
        for sentence, offset in sentences(reply):
            found = status_of(sentence)
            if found is None or found[0] == "available" or "?" in sentence:
                continue
            marker = found[1]
            if self._subject(sentence, marker.start()):
                continue
            words = list(_THING.finditer(sentence[: marker.start()]))
            words = [w for w in words if w.group(0).lower() not in _NOT_THING]
            if words:
                yield offset + words[0].start(), offset + words[-1].end(), marker.group(0)

    def claims(self, reply: str) -> Iterator[StatusClaim]:
        for sentence, offset in sentences(reply):
            if "?" in sentence:
                continue
            found = status_of(sentence)
            if found is None:
                continue
            status, marker = found
            names, label = self._run(sentence, marker.start())
            if not names:
                continue
            known = self._known(names)
            if known is None and status == "available":
                continue  # a thing the material sells is available: no claim worth a flag
            if known is not None and known.status == status:
                continue
            if known is None and not (names - self._common):
                continue  # "ColdTrace is in beta": the brand alone says nothing checkable
            start = offset + marker.start()
            end = offset + marker.end()
            yield StatusClaim(start, end, label, status, known)
