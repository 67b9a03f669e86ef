"""A small dialogue state read from the conversation: what "it" refers to.

"Is the CT-200 in stock?" ... "And how much does it cost?": the second question is about the
CT-200, so retrieval and the answer must be too. The referent is the product named last (a
product code such as ``CT-200``, a product or plan name from the sales records or the customer's
words), looked for in the customer's and the agents' lines, newest first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from livekit.agents import llm

CODE = re.compile(r"\b[A-Z]{1,5}-?\d{1,5}[A-Z]?\b")
"""A product code: capital letters and digits (CT-200, GW10, BAT-2AA)."""
_NAMED_THING = re.compile(
    r"\bthe ((?:[A-Z][\w&'-]*\s){1,3})(plan|tier|package|edition|model|sensor|device|product|"
    r"gateway|add-on|app)\b"
)
_REFERS_BACK = re.compile(
    r"\b(?:it|its|it's|that one|this one|that model|this model|the same one)\b",
    re.IGNORECASE,
)


_POINTER = re.compile(
    r"\b(?:it|its|it's|that|this|those|these|them|they|one|ones|other|others|same|else|"
    r"instead|then|too|also|again|more|about|what|how|and|or|so|but|the|a|an|of|for|with|"
    r"on|in|is|are|was|does|do|did|can|could|would|will|any|there|that's|what's|how's|ok|okay|"
    r"right|hmm|well|really|compare[sd]?|differ|difference|mean|say|said|think|sure|versus|vs|"
    r"between|which|better|worse)\b",
    re.IGNORECASE,
)


def only_points_back(text: str) -> bool:
    """Whether ``text`` asks nothing of its own, only points at what was said ("and what about
    the other one?", "how does that compare?"): it stays with whoever is answering."""
    words = re.findall(r"[\w'’-]+", text)
    own = re.findall(r"[\w'’-]+", _POINTER.sub(" ", text))
    return bool(words) and not own and not named_things(text)


def refers_back(text: str) -> bool:
    """Whether ``text`` points at something named earlier and names no product itself."""
    return bool(_REFERS_BACK.search(text)) and not named_things(text)


def named_things(text: str, names: Iterable[str] = ()) -> list[str]:
    """The products ``text`` names, in order: codes, known names, "the X plan" phrases."""
    found: list[tuple[int, str]] = [(m.start(), m.group(0)) for m in CODE.finditer(text)]
    lowered = text.lower()
    for name in names:
        at = lowered.find(name.lower())
        if at >= 0 and len(name) > 3:
            found.append((at, name))
    found += [(m.start(), m.group(0)[4:].strip()) for m in _NAMED_THING.finditer(text)]
    return [name for _, name in sorted(found)]


def subject(chat_ctx: llm.ChatContext, names: Iterable[str] = ()) -> str | None:
    """The product the conversation was last about, before the customer's latest line."""
    names = list(names)
    messages = [
        m
        for m in chat_ctx.items
        if isinstance(m, llm.ChatMessage) and m.role in ("user", "assistant") and m.text_content
    ]
    latest = max((n for n, m in enumerate(messages) if m.role == "user"), default=len(messages))
    for message in reversed(messages[:latest]):
        things = named_things(message.text_content or "", names)
        if things:
            return things[-1]
    return None
