"""What a turn's prompt holds besides the history: retrieved passages and a coach's whisper.

These blocks are the only thing any model sees of the knowledge base and the coaching, the
offline responder included: it reads them back with :func:`parse_passages` and
:func:`parse_whisper`, so it answers from exactly what a cloud model would have been given.
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


_WHISPER = re.compile(r"<coach>\n(?P<text>.*?)\n</coach>", re.DOTALL)


def format_whisper(frame: str, whisper: str) -> str:
    """The coach's guidance, introduced by ``frame`` (the editable ``whisper.md``)."""
    return f"{frame}\n\n<coach>\n{whisper.strip()}\n</coach>"


def parse_whisper(prompt_text: str) -> str | None:
    match = _WHISPER.search(prompt_text)
    return match["text"] if match else None
