"""The units of a passage: the pieces that may answer a question alone.

A ~200-word passage vector dilutes the one sentence that answers a question, so the re-ranker
also scores each passage's best unit: its heading, and each sentence prefixed with the heading it
sits under (a spec line such as "Battery life: 4 years" says which product it is about only
through its heading). Both scorers (wordllama's token runs in :mod:`passages`, the contextual
encoder's texts in :mod:`contextual`) take their units from here, in the same order.

Sentences are cut from the passage's *logical* lines (:func:`logical_lines`): material hard-wrapped
at ~100 columns (as one test company's is) otherwise gave half-sentences as units, each scored
alone. Joining the wraps moved the Orisent sets (dev 0.65/0.88 -> 0.68/0.90, orisent 0.86/0.86 ->
0.86/0.93, hit@1/hit@3 by file) and left the unwrapped sample and Parcelwise unchanged. A table's
rule line (``|---|---|``) is no unit; its rows stay as written (rows as "Header: value; ..." lost
a question on the sample and gained none elsewhere).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulator.knowledge.chunking import SECTION_SEPARATOR, split_sentences

_MARKUP = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+|\*\*|__|`")
_BLOCK_START = re.compile(r"^(?:[-*+]|\d+[.)])\s+|^[|#>]|^\*\*|^__")
"""A line that opens a block of its own (a list item, a table row, a heading, a quotation, a
bold label)."""
_TABLE_RULE = re.compile(r"^\|[\s|:-]*\|$")
WRAP_WIDTH = 40
"""A line this long (characters) that stops mid-sentence was wrapped; a shorter one is a label."""
_RECORD = re.compile(r"^[^:;]+: [^;]*(?:; [^:;]+: [^;]*)+$")
"""A record line ("key: value; key: value", a CSV row as a passage holds it): never wrapped."""
_SENTENCE_DONE = (".", "!", "?", ":", '"', "”")
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
    for line in logical_lines(section, text):
        if _is_sub_heading(line, section) and line != heading:
            heading = line
            out.append(Unit(heading, ""))
            continue
        if _TABLE_RULE.match(line):
            continue  # a table's |---|---| line: no words
        out.extend(Unit(heading, sentence) for sentence in split_sentences(_MARKUP.sub("", line)))
    return out or [Unit("", text)]


def logical_lines(section: str, text: str) -> list[str]:
    """The passage's lines with hard wraps undone: a line continues the one before it when it is
    indented under it (a list item's wrapped tail) or when the one before stops mid-sentence and
    neither opens a block, heads a sub-section or is a record. Material wrapped at ~100 columns
    otherwise yields half-sentences as units ("... connect by USB to any Windows or Mac
    workstation, and open directly" / "in Orisent Studio.")."""
    out: list[str] = []
    joinable = False  # whether the last line may take a continuation
    last = ""  # the last line as written
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            joinable = False
            continue
        opens = _BLOCK_START.match(line) is not None or _is_sub_heading(line, section)
        indented = raw[:1].isspace()
        if out and joinable and not opens and not _RECORD.match(line):
            wrapped = len(last) >= WRAP_WIDTH and not last.rstrip("*_`").endswith(_SENTENCE_DONE)
            if indented or wrapped:
                out[-1] = f"{out[-1]} {line}"
                last = line
                continue
        out.append(line)
        last = line
        joinable = not out[-1].startswith("|") and not _is_sub_heading(line, section)
        joinable = joinable and not _RECORD.match(line)
    return out


def _is_sub_heading(line: str, section: str) -> bool:
    return len(line.split()) <= SUB_HEADING_WORDS and line in section


def units(section: str, text: str) -> list[str]:
    """The units' texts (see :func:`unit_parts`)."""
    return [u.text for u in unit_parts(section, text)]


def embedding_text(section: str, text: str) -> str:
    """What the contextual encoder reads for a passage as a whole: its heading path, its text."""
    return f"{section}\n{text}"
