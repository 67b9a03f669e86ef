"""The objection-handling playbook of a knowledge folder: each objection and its prepared response.

Scoring "did the agent use the prepared response?" needs the prepared response as a whole, and
retrieval chunks split a playbook section across passages. So the playbook is read from the
Markdown/text files themselves: any section with a "Prepared response" label is an entry, with
what the customer typically says and the follow-up questions when the section lists them. This
works for any company's playbook written that way (``knowledge/objection-handling-playbook.md``,
or a user's own), and yields an empty playbook, never an error, when there is none.

Blocking (reads files): async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from simulator.knowledge import keywords
from simulator.knowledge.documents import scan_folder

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LABEL = re.compile(
    r"^\s*(?:\*\*|__)?(?P<label>[^*_:\n]{3,40}?)(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(?P<rest>.*)$"
)
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(?P<label>[^*_\n]{3,40}?)\s*:?\s*(?:\*\*|__)\s*:?\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_PREPARED = "prepared response"
_SAYS = ("what the customer says", "customer says", "what they say")
_FOLLOW = ("follow-up questions", "follow up questions", "follow-ups", "questions to ask")


@dataclass(frozen=True)
class PlaybookEntry:
    title: str
    """The section heading without an ``Objection:`` prefix, e.g. ``It's too expensive``."""
    source: str
    section: str
    """The heading as written, e.g. ``Objection: It's too expensive``."""
    prepared_response: str
    customer_says: tuple[str, ...] = ()
    follow_up_questions: tuple[str, ...] = ()

    @property
    def prepared_terms(self) -> frozenset[str]:
        return frozenset(keywords.terms(self.prepared_response))


@dataclass(frozen=True)
class Playbook:
    entries: tuple[PlaybookEntry, ...] = ()

    def find(self, title_words: str | None) -> PlaybookEntry | None:
        """The entry whose title contains ``title_words`` (case-insensitive), else the entry
        whose title shares the most content words with it."""
        if not title_words:
            return None
        wanted = title_words.strip().lower()
        for entry in self.entries:
            if wanted in entry.title.lower() or wanted in entry.section.lower():
                return entry
        wanted_terms = keywords.terms(wanted)
        scored = [
            (len(wanted_terms & keywords.terms(e.title)), n, e) for n, e in enumerate(self.entries)
        ]
        best = max(scored, default=None, key=lambda s: (s[0], -s[1]))
        return best[2] if best and best[0] * 2 >= len(wanted_terms) > 0 else None

    @classmethod
    def load(cls, knowledge_dir: Path) -> Playbook:
        entries: list[PlaybookEntry] = []
        for file in scan_folder(Path(knowledge_dir)).files:
            if file.path.suffix.lower() not in (".md", ".markdown", ".txt"):
                continue
            try:
                text = file.path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue  # the knowledge loader reports unreadable files; nothing to add here
            if _PREPARED in text.lower():
                entries.extend(parse_entries(text, file.source))
        return cls(tuple(entries))


def parse_entries(text: str, source: str) -> list[PlaybookEntry]:
    """The playbook entries of one document: its sections that have a prepared response."""
    entries = []
    for heading, body in _sections(text):
        parts = _labelled_parts(body)
        prepared = " ".join(parts.get(_PREPARED, [])).strip()
        if not prepared:
            continue
        says = next((parts[k] for k in _SAYS if k in parts), [])
        follow = next((parts[k] for k in _FOLLOW if k in parts), [])
        entries.append(
            PlaybookEntry(
                title=re.sub(r"^\s*objection\s*[:\-–—]\s*", "", heading, flags=re.I).strip(),
                source=source,
                section=heading,
                prepared_response=_unquote(prepared),
                customer_says=tuple(_unquote(s) for s in says if s),
                follow_up_questions=tuple(follow),
            )
        )
    return entries


def _sections(text: str) -> list[tuple[str, list[str]]]:
    sections: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            sections.append((heading.group(2).strip(), []))
        elif sections:
            sections[-1][1].append(line)
    return sections


def _labelled_parts(lines: list[str]) -> dict[str, list[str]]:
    """Text under each bold label (``**Prepared response:**``), bullets as separate items."""
    parts: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        label = _BOLD_LINE.match(line) or _LABEL.match(line)
        if (
            label
            and (line.lstrip().startswith(("**", "__")) or not _BULLET.match(line))
            and not line.lstrip().startswith('"')
        ):
            current = parts.setdefault(label.group("label").strip().lower(), [])
            rest = (label.groupdict().get("rest") or "").strip()
            if rest:
                current.append(rest)
            continue
        if current is None or not line.strip():
            continue
        if _BULLET.match(line):
            current.append(_BULLET.sub("", line).strip())
        elif current:
            current[-1] = (current[-1] + " " + line.strip()).strip()
        else:
            current.append(line.strip())
    return parts


def _unquote(text: str) -> str:
    return text.strip().strip('"\u201c\u201d').strip()
