"""The units of a passage: the pieces that may answer a question alone.

A ~200-word passage vector dilutes the one sentence that answers a question, so the re-ranker
also scores each passage's best unit: its heading, and each sentence prefixed with the heading it
sits under (a spec line such as "Battery life: 4 years" says which product it is about only
through its heading). Both scorers (wordllama's token runs in :mod:`passages`, the contextual
encoder's texts in :mod:`contextual`) take their units from here, in the same order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulator.knowledge.chunking import SECTION_SEPARATOR, split_sentences

_MARKUP = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+|\*\*|__|`")
SUB_HEADING_WORDS = 15
"""A line of at most this many words that is part of the passage's heading path is a heading."""


@dataclass(frozen=True)
class Unit:
    """One unit: ``body`` under ``heading`` (either may be empty, not both)."""

    heading: str
    body: str

    @property
    def is_prompt(self) -> bool:
        """Whether the body is a question or opens a quotation: the material's prompts (a
        playbook's follow-up questions, the customer's words it quotes), which sound like a
        customer's question but answer nothing. A heading alone (a FAQ's question) is not one."""
        body = self.body.strip()
        return body.rstrip("\"'”’*_ ").endswith("?") or body.startswith(('"', "“"))

    @property
    def text(self) -> str:
        """The unit as one text ("heading: body"), as the contextual encoder reads it."""
        if self.heading and self.body:
            return f"{self.heading}: {self.body}"
        return self.heading or self.body


def unit_parts(section: str, text: str) -> list[Unit]:
    """The units of a passage under heading path ``section``, in reading order: its heading
    alone, then each sentence under the nearest heading (a sub-heading line inside a passage that
    spans several sections becomes a unit of its own and heads what follows it)."""
    heading = section.split(SECTION_SEPARATOR)[-1] if section else ""
    out = [Unit(heading, "")] if heading else []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line.split()) <= SUB_HEADING_WORDS and line in section and line != heading:
            heading = line
            out.append(Unit(heading, ""))
            continue
        out.extend(Unit(heading, sentence) for sentence in split_sentences(_MARKUP.sub("", line)))
    return out or [Unit("", text)]


def units(section: str, text: str) -> list[str]:
    """The units' texts (see :func:`unit_parts`)."""
    return [u.text for u in unit_parts(section, text)]


def embedding_text(section: str, text: str) -> str:
    """What the contextual encoder reads for a passage as a whole: its heading path, its text."""
    return f"{section}\n{text}"
