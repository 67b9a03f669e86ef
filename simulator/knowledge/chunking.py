"""Cut a document's text into passages an agent can quote: one topic, ~80-220 words each.

Retrieval quality depends more on the passages than on the model: a passage should sit under one
heading path (so it can be labelled "Pricing and Plans > Professional"), be long enough to carry
its context and short enough to fit several in a prompt. Markdown is split along ``#``..``###``
headings, then paragraphs, then sentences; a section too long for one passage is cut into nearly
equal parts; a section too short to stand alone (often just a heading over its sub-sections) is
merged with its neighbour, keeping its heading as a line of the passage text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

MIN_WORDS = 80
MAX_WORDS = 220
SECTION_SEPARATOR = " > "

_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
# A sentence ends with . ! or ? (optionally closed by a quote or bracket) followed by a space and
# a capital, digit, quote or bracket; abbreviations such as "e.g." are not followed by a capital.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[*])")


@dataclass(frozen=True)
class TextChunk:
    """A passage before it is attached to its document: heading path and text."""

    section: str
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class _Piece:
    path: tuple[str, ...]
    blocks: list[str]

    @property
    def words(self) -> int:
        return sum(len(b.split()) for b in self.blocks)


def chunk_markdown(text: str, *, title: str) -> list[TextChunk]:
    """Passages of a Markdown document; ``title`` heads the paths when it has no ``#`` title."""
    has_title = re.search(r"^#\s", text, re.M) is not None
    pieces: list[_Piece] = []
    for path, blocks in _sections(text):
        full_path = path if has_title and path else (title, *path)
        pieces.extend(_split_long(_Piece(full_path, blocks)))
    return [_render(group) for group in _merge_short(pieces)]


def chunk_plain(text: str, *, section: str) -> list[TextChunk]:
    """Passages of text with no headings (a .txt note, one PDF page), all under ``section``."""
    blocks = _paragraphs(text.splitlines())
    if not blocks:
        return []
    pieces = _split_long(_Piece((section,), blocks))
    return [_render(group) for group in _merge_short(pieces)]


def chunk_lines(
    lines: list[str], *, section: str, max_lines: int = 5, max_words: int = MAX_WORDS
) -> list[TextChunk]:
    """Group self-contained lines (CSV rows) into passages of a few lines each."""
    chunks: list[TextChunk] = []
    current: list[str] = []
    count = 0
    for line in lines:
        n = len(line.split())
        if current and (count + n > max_words or len(current) >= max_lines):
            chunks.append(TextChunk(section, "\n".join(current)))
            current, count = [], 0
        current.append(line)
        count += n
    if current:
        chunks.append(TextChunk(section, "\n".join(current)))
    return chunks


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph, whitespace-normalised; never cuts inside one if it can help it."""
    text = " ".join(text.split())
    return [s for s in _SENTENCE_END.split(text) if s]


def _sections(text: str) -> Iterable[tuple[tuple[str, ...], list[str]]]:
    """(heading path, paragraphs) for each heading, in order; code fences are not headings."""
    path: list[str] = []
    lines: list[str] = []
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match is None:
            lines.append(line)
            continue
        blocks = _paragraphs(lines)
        if blocks:
            yield tuple(p for p in path if p), blocks
        lines = []
        level = len(match.group(1))
        del path[level - 1 :]
        path.extend([""] * (level - 1 - len(path)))
        path.append(_clean_heading(match.group(2)))
    blocks = _paragraphs(lines)
    if blocks:
        yield tuple(p for p in path if p), blocks


def _clean_heading(heading: str) -> str:
    return re.sub(r"[*_`]", "", heading).strip()


def _paragraphs(lines: list[str]) -> list[str]:
    """Blank-line separated paragraphs; each list item of a long list is its own paragraph."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    blocks: list[str] = []
    for paragraph in paragraphs:
        if len(paragraph.split()) <= MAX_WORDS:
            blocks.append(paragraph)
        elif _is_table(paragraph):
            blocks.extend(_table_rows(paragraph))
        elif _is_list(paragraph):
            blocks.extend(_list_items(paragraph))
        else:
            blocks.append(paragraph)
    return blocks


def _is_table(paragraph: str) -> bool:
    lines = paragraph.splitlines()
    return len(lines) > 2 and all(line.lstrip().startswith("|") for line in lines)


def _table_rows(paragraph: str) -> list[str]:
    """A long Markdown table as row groups that each repeat the header, so each stands alone."""
    lines = paragraph.splitlines()
    header = lines[:2] if re.match(r"\s*\|[\s:|-]+\|?\s*$", lines[1]) else lines[:1]
    budget = MAX_WORDS // 2
    groups: list[str] = []
    current: list[str] = []
    for row in lines[len(header) :]:
        if current and len(" ".join(header + current + [row]).split()) > budget:
            groups.append("\n".join(header + current))
            current = []
        current.append(row)
    if current:
        groups.append("\n".join(header + current))
    return groups


def _is_list(paragraph: str) -> bool:
    return bool(re.match(r"\s*([-*+]|\d+[.)])\s", paragraph))


def _list_items(paragraph: str) -> list[str]:
    items: list[str] = []
    for line in paragraph.splitlines():
        if re.match(r"([-*+]|\d+[.)])\s", line) or not items:
            items.append(line)
        else:
            items[-1] += "\n" + line
    return items


def _split_long(piece: _Piece) -> list[_Piece]:
    """Cut a section longer than MAX_WORDS into nearly equal parts along paragraphs/sentences."""
    if piece.words <= MAX_WORDS:
        return [piece]
    units: list[str] = []
    for block in piece.blocks:
        if len(block.split()) <= MAX_WORDS:
            units.append(block)
        else:
            units.extend(_sentence_groups(block))
    total = sum(len(u.split()) for u in units)
    target = total / math.ceil(total / MAX_WORDS)
    parts: list[_Piece] = []
    current: list[str] = []
    count = 0
    for unit in units:
        n = len(unit.split())
        # Close the part when adding this unit overshoots the target by more than it undershoots.
        if current and (count + n > MAX_WORDS or count + n / 2 > target):
            parts.append(_Piece(piece.path, current))
            current, count = [], 0
        current.append(unit)
        count += n
    if current:
        parts.append(_Piece(piece.path, current))
    return parts


def _sentence_groups(block: str) -> list[str]:
    """A paragraph too long for one passage, as runs of whole sentences (words only if a
    single sentence is itself longer than a passage)."""
    groups: list[str] = []
    for sentence in split_sentences(block):
        words = sentence.split()
        for start in range(0, len(words), MAX_WORDS):
            groups.append(" ".join(words[start : start + MAX_WORDS]))
    return groups


def _merge_short(pieces: list[_Piece]) -> list[list[_Piece]]:
    """Group consecutive pieces so that no passage is below MIN_WORDS when a neighbour has room."""
    groups: list[list[_Piece]] = []
    for piece in pieces:
        if groups:
            words = sum(p.words for p in groups[-1])
            # Joined under another heading, the piece's heading becomes a line of the passage.
            added = piece.words + len(piece.path[-1].split())
            fits = words + added <= MAX_WORDS
            if fits and (words < MIN_WORDS or piece.words < MIN_WORDS):
                groups[-1].append(piece)
                continue
        groups.append([piece])
    return groups


def _render(group: list[_Piece]) -> TextChunk:
    """One passage: section = shared heading path (+ the differing sub-headings), text = blocks,
    with a sub-heading line wherever the group moves under another heading."""
    paths = [p.path for p in group]
    common = _common_prefix(paths)
    tails: list[str] = []
    for path in paths:
        if len(path) > len(common) and path[len(common)] not in tails:
            tails.append(path[len(common)])
    section = SECTION_SEPARATOR.join(common)
    if tails:
        section = (section + SECTION_SEPARATOR if section else "") + ", ".join(tails)
    lines: list[str] = []
    for i, piece in enumerate(group):
        moved = piece.path != group[i - 1].path if i else len(tails) > 1
        if moved and len(piece.path) > len(common):
            lines.append(piece.path[-1])
        lines.extend(piece.blocks)
    return TextChunk(section, "\n".join(lines))


def _common_prefix(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    prefix = paths[0]
    for path in paths[1:]:
        n = 0
        while n < min(len(prefix), len(path)) and prefix[n] == path[n]:
            n += 1
        prefix = prefix[:n]
    return prefix
