"""A small dialogue state read from the conversation: what "it" refers to, and what a short
follow-up asks.

"Is the CT-200 in stock?" ... "And how much does it cost?": the second question is about the
CT-200, so retrieval and the answer must be too. The referent is the product named last (a
product code such as ``CT-200``, a product or plan name from the sales records or the customer's
words), looked for in the customer's and the agents' lines, newest first; "the first one" and
"the other one" pick among the things named together ("the CT-100 or the CT-200").

A line that asks nothing of its own ("and the other one?", "what about the CT-300?") continues
the customer's previous question: it is read as that question about the new referent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from livekit.agents import llm

from simulator.team.brief import BRIEF_KEY

CODE = re.compile(r"\b[A-Z]{1,5}-?\d{1,5}[A-Z]?\b")
"""A product code: capital letters and digits (CT-200, GW10, BAT-2AA)."""
_KINDS = r"plan|tier|package|edition|model|sensor|device|product|gateway|add-on|app"
_NAMED_THING = re.compile(rf"\b[Tt]he ((?:[A-Z][\w&'-]*\s){{1,3}})(?:{_KINDS})\b")
_NAMED_PAIR = re.compile(
    rf"\b[Tt]he ([A-Z][\w&'-]*) (?:or|and|vs\.?|versus) (?:the )?([A-Z][\w&'-]*) ({_KINDS})s?\b"
)
"""Two named with one kind: "the Growth or the Scale plan", "the Launch and Growth plans"."""
_REFERS_BACK = re.compile(
    r"\b(?:it|its|it's|that one|this one|that model|this model|the same one)\b",
    re.IGNORECASE,
)
_OTHER = re.compile(r"\bthe other one\b|\bthe other\b(?=\s*(?:[?.!,]|$))", re.IGNORECASE)
_ORDINAL = re.compile(r"\bthe (?:(first|second|third|last) one|(former|latter))\b", re.IGNORECASE)
_ORDINALS = {"first": 0, "former": 0, "second": 1, "third": 2, "last": -1, "latter": -1}


_POINTER = re.compile(
    r"\b(?:it|its|it's|that|this|those|these|them|they|one|ones|other|others|same|else|"
    r"instead|then|too|also|again|more|about|what|how|and|or|so|but|the|a|an|of|for|with|"
    r"on|in|is|are|was|does|do|did|can|could|would|will|any|there|that's|what's|how's|ok|okay|"
    r"right|hmm|well|really|compare[sd]?|differ|difference|mean|say|said|think|sure|versus|vs|"
    r"between|which|better|worse|first|second|third|last|latter|former)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reading:
    """The customer's latest line as the conversation so far makes it mean."""

    question: str
    """The line, or for a line that asks nothing of its own, the question it continues."""
    subject: str | None
    """What "it" (or "the other one") refers to, when the line points back at it."""


def read(chat_ctx: llm.ChatContext, names: Iterable[str] = ()) -> Reading:
    """What the customer's latest line asks and what it refers to."""
    names = list(names)
    lines = _lines(chat_ctx)
    if not lines or lines[-1][0] != "user":
        return Reading(lines[-1][1] if lines else "", None)
    text, before = lines[-1][1], lines[:-1]
    own = named_things(text, names)
    subject = None if own else _referent(text, before, names)
    if not _asks_nothing_new(text, names):
        return Reading(text, subject)
    previous = next(
        (t for role, t in reversed(before) if role == "user" and not _asks_nothing_new(t, names)),
        None,
    )
    if previous is None or not (own or subject):
        return Reading(text, subject)
    new = own[-1] if own else subject
    assert new is not None
    return Reading(_about(previous, new, names), subject)


def only_points_back(text: str) -> bool:
    """Whether ``text`` asks nothing of its own, only points at what was said ("and what about
    the other one?", "how does that compare?"): it stays with whoever is answering."""
    words = re.findall(r"[\w'’-]+", text)
    own = re.findall(r"[\w'’-]+", _POINTER.sub(" ", text))
    return bool(words) and not own and not named_things(text)


def refers_back(text: str) -> bool:
    """Whether ``text`` points at something named earlier and names no product itself."""
    pointing = _REFERS_BACK.search(text) or _OTHER.search(text) or _ORDINAL.search(text)
    return bool(pointing) and not named_things(text)


def named_things(text: str, names: Iterable[str] = ()) -> list[str]:
    """The products ``text`` names, in order: codes, known names, "the X plan" phrases (a code
    inside a name it is part of is the same thing, named once)."""
    found = [(m.start(), m.end(), m.group(0)) for m in CODE.finditer(text)]
    lowered = text.lower()
    for name in names:
        at = lowered.find(name.lower())
        if at >= 0 and len(name) > 3:
            found.append((at, at + len(name), name))
    found += [(m.start(1), m.end(), m.group(0)[4:].strip()) for m in _NAMED_THING.finditer(text)]
    for m in _NAMED_PAIR.finditer(text):
        found += [(m.start(n), m.end(n), f"{m.group(n)} {m.group(3)}") for n in (1, 2)]
    kept: list[str] = []
    end = -1
    for start, stop, name in sorted(found, key=lambda f: (f[0], -f[1])):
        if start >= end:
            kept.append(name)
            end = stop
    return _distinct(kept)


def same(one: str, other: str) -> bool:
    """Whether two namings are of the same thing ("CT-200", "ColdTrace CT-200 Ultra-Low...")."""
    return _key(one) == _key(other)


def subject(chat_ctx: llm.ChatContext, names: Iterable[str] = ()) -> str | None:
    """The product the conversation was last about, before the customer's latest line."""
    lines = _lines(chat_ctx)
    if lines and lines[-1][0] == "user":
        lines = lines[:-1]
    return _latest(lines, list(names))


def _referent(text: str, before: list[tuple[str, str]], names: list[str]) -> str | None:
    """What ``text`` points back at: "the other one" is the one not talked about last, "the
    first one" counts among the things named together, "it" is the latest."""
    if not refers_back(text):
        return None
    together = next(
        (things for _, t in reversed(before) if len(things := named_things(t, names)) > 1), []
    )
    ordinal = _ORDINAL.search(text)
    if ordinal and together:
        at = _ORDINALS[(ordinal.group(1) or ordinal.group(2)).lower()]
        return together[at] if at < len(together) else None
    latest = _latest(before, names)
    if _OTHER.search(text) and latest is not None:
        # the customer's own alternatives first ("the CT-100 or the CT-200"), then anyone's
        customers = [t for role, t in before if role == "user"]
        for pool in (customers, [t for _, t in before]):
            for line in reversed(pool):
                others = [n for n in named_things(line, names) if not same(n, latest)]
                if others:
                    return others[-1]
        return None
    return latest


def _latest(lines: list[tuple[str, str]], names: list[str]) -> str | None:
    """The thing named last: in an agent's line naming several, the one the customer asked
    about most recently, else its first (what the reply is about); in the customer's, the last."""
    asked = [n for role, t in lines if role == "user" for n in named_things(t, names)]
    for role, line in reversed(lines):
        things = named_things(line, names)
        if not things:
            continue
        if role == "user" or len(things) == 1:
            return things[-1]
        return next((t for n in reversed(asked) for t in things if same(n, t)), things[0])
    return None


def _asks_nothing_new(text: str, names: list[str]) -> bool:
    """A line that only points back or only names another thing ("and the CT-300?")."""
    bare = text
    for name in named_things(text, names):
        bare = re.sub(re.escape(name), " ", bare, flags=re.IGNORECASE)
    bare = re.sub(r"\b(?:the|a|an)\s+(?=\W*$)", " ", bare)
    return only_points_back(bare) if bare.strip(" ?.!,") else bool(named_things(text, names))


def _about(question: str, thing: str, names: list[str]) -> str:
    """``question`` asked about ``thing`` instead of what it named."""
    named = named_things(question, names)
    if not named:
        return f"{question.rstrip()} ({thing})"
    return re.sub(re.escape(named[-1]), thing, question, flags=re.IGNORECASE)


def _lines(chat_ctx: llm.ChatContext) -> list[tuple[str, str]]:
    """The customer's and the agents' lines, in order (the brief's knowledge message is data,
    never a line)."""
    return [
        (m.role, m.text_content)
        for m in chat_ctx.items
        if isinstance(m, llm.ChatMessage)
        and m.role in ("user", "assistant")
        and m.text_content
        and BRIEF_KEY not in m.extra
    ]


def _distinct(things: Iterable[str]) -> list[str]:
    out: list[str] = []
    for thing in things:
        if not any(same(thing, o) for o in out):
            out.append(thing)
    return out


def _key(thing: str) -> str:
    code = CODE.search(thing)
    return code.group(0).replace("-", "").upper() if code else thing.lower()
