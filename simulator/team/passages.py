"""How retrieved passages are written into a turn's prompt, and read back.

The prompt block is the only thing any model sees of the knowledge base, the offline responder
included: it reads the same block back with :func:`parse_passages`, so it answers from exactly
what a cloud model would have been given.
"""

from __future__ import annotations

import re

from simulator.events import Passage

HEADER = "Company knowledge retrieved for this turn (answer only from it):"
_PASSAGE = re.compile(
    r'<passage n="(?P<n>\d+)" source="(?P<source>[^"]*)" section="(?P<section>[^"]*)" '
    r'score="(?P<score>[-0-9.]+)">\n(?P<text>.*?)\n</passage>',
    re.DOTALL,
)


def format_passages(passages: list[Passage] | tuple[Passage, ...]) -> str:
    if not passages:
        return HEADER + "\n(nothing relevant was found: say so, and do not guess)"
    blocks = [
        f'<passage n="{n}" source="{_attr(p.source)}" section="{_attr(p.section)}" '
        f'score="{p.score:.3f}">\n{p.text.strip()}\n</passage>'
        for n, p in enumerate(passages, start=1)
    ]
    return HEADER + "\n" + "\n".join(blocks)


def parse_passages(prompt_text: str) -> list[Passage]:
    """The passages of a block written by :func:`format_passages` (empty if it is not one)."""
    if not prompt_text.startswith(HEADER):
        return []
    return [
        Passage(source=m["source"], section=m["section"], score=float(m["score"]), text=m["text"])
        for m in _PASSAGE.finditer(prompt_text)
    ]


def _attr(value: str) -> str:
    return value.replace('"', "'").replace("\n", " ")
