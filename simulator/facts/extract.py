"""Read one knowledge file into fact records: every value, bound to its subject and attribute.

Markdown is read with ``markdown-it-py`` (a well-kept CommonMark parser, tables enabled), so
headings, list items, bold labels and table cells are known for what they are:

- a table gives one fact per value in a cell, bound to its row (the first column) and its column
  header; when the first header cell is empty, the columns name the subjects and the rows the
  attributes (a comparison table);
- a list item ``**Battery life:** up to 5 years`` is about the heading above it, attribute
  "Battery life"; ``**Professional:** credits of 10%`` is about Professional (a label that names
  something, see :func:`_names_something`); nested items carry their parent's label;
- a sentence is about what it names, else the section heading above it (``Starter — $6 per sensor
  per month`` names Starter); a heading with a value is a fact of its own.

Plain text, PDF pages and CSV rows come through :mod:`simulator.knowledge.documents` (the same
parsing the index uses); a CSV row's cells are bound to the row's first column and their header.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from simulator.facts.model import Condition, Fact, FileFacts, Mention, Siblings
from simulator.facts.places import roles_of
from simulator.knowledge import keywords
from simulator.knowledge.documents import Document
from simulator.statements import Statement, find_statements, normalise

ALIAS_SEPARATOR = " | "
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[$€£])")
_CLAUSE = re.compile(
    r"\s*(?:[;:()\u2013\u2014]|,(?!\d{3})|\s-\s)\s*|\s+(?:and|but|while|whereas)\s+"
)
_HEADING_NAME = re.compile(r"\s+[\u2014\u2013-]\s+|:\s+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_CODE = re.compile(r"\b[A-Z]{2,5}-?\d[A-Z0-9]*\b")
_NAME_WORD = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z'\u2019]*(?:-[A-Za-z]+)*(?![\w-])")
_PHRASE = re.compile(
    r"(?<![\w-])(?:[A-Z][a-z]+[A-Za-z]*|[A-Z]{2,})(?:\s+(?:[A-Z][a-z]+[A-Za-z]*|[A-Z]{2,}))+(?![\w-])"
)
_LABEL = re.compile(r"^([A-Z][^:.!?]{0,48}?):\s+(?=\S)")


@dataclass(frozen=True)
class _Unit:
    """A piece of text that states values: a sentence, a heading, a table cell."""

    text: str
    evidence: str
    scope: tuple[str, ...]
    subject: str
    attribute: str = ""
    label_header: str = ""
    """For a table cell: the first column's header, the unit of a bare number in the row label."""
    in_table: bool = False
    lead: str = ""
    """The sentences before it in its paragraph or list item."""


def extract_markdown(source: str, content_hash: str, text: str) -> FileFacts:
    """The facts of a Markdown file."""
    text = _FRONT_MATTER.sub("", text, count=1)
    walker = _MarkdownWalker()
    units = list(walker.walk(text))
    return _file_facts(source, content_hash, units, walker.siblings, walker.plain, walker.prose)


def extract_document(document: Document, content_hash: str) -> FileFacts:
    """The facts of a text, PDF or CSV file, from the passages the loader made of it."""
    units: list[_Unit] = []
    siblings: list[Siblings] = []
    plain: list[str] = []
    is_csv = document.source.lower().endswith(".csv")
    for chunk in document.chunks:
        scope = tuple(s.strip() for s in chunk.section.split(" > ") if s.strip())
        subject = _heading_name(scope[-1]) if scope else ""
        rows: list[str] = []
        for line in chunk.text.splitlines():
            line = line.strip()
            if not line:
                continue
            plain.append(line)
            if is_csv:
                cells = [c.partition(": ") for c in line.split("; ")]
                row = cells[0][2] if cells else ""
                rows.append(row)
                for header, _, value in cells[1:]:
                    units.append(
                        _Unit(
                            _csv_value(header, value),
                            line,
                            scope,
                            row,
                            header.replace("_", " "),
                            in_table=True,
                        )
                    )
                continue
            sentences = split_sentences(line)
            for n, sentence in enumerate(sentences):
                units.append(
                    _Unit(sentence, sentence, scope, subject, lead=" ".join(sentences[:n]))
                )
        if len(rows) > 1:
            siblings.append(Siblings(kind="rows", members=tuple(rows)))
    return _file_facts(
        document.source, content_hash, units, siblings, plain, [] if is_csv else plain
    )


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph, whitespace-normalised."""
    text = " ".join(text.split())
    return [s for s in _SENTENCE_END.split(text) if s]


def clause_of(text: str, start: int, end: int) -> str:
    """The clause of ``text`` around ``text[start:end]``: between commas, semicolons, brackets,
    dashes and conjunctions; widened by a neighbouring clause at a time while it has no other
    words ("6 CT-100 sensors ($534)": the price's clause is "$534", widened to the sensors)."""
    pieces = [(m.start(), m.end()) for m in _CLAUSE.finditer(text)]
    lefts = [0, *sorted(e for s, e in pieces if e <= start)]
    rights = [*sorted(s for s, e in pieces if s >= end), len(text)]
    left, right = lefts.pop(), rights.pop(0)
    while True:
        rest = text[left:start] + text[end:right]
        if _WORD.search(rest) or (not lefts and not rights):
            return text[left:right].strip()
        if lefts:
            left = lefts.pop()
        else:
            right = rights.pop(0)


# -- Markdown ------------------------------------------------------------------------------------


class _MarkdownWalker:
    """Walks markdown-it's token stream, keeping the heading path and the list labels."""

    def __init__(self) -> None:
        self.siblings: list[Siblings] = []
        self.plain: list[str] = []
        self.prose: list[str] = []
        """Running text only (no headings, no table cells): where capitals mean names."""
        self._headings: list[tuple[int, str]] = []
        self._children: dict[tuple[str, ...], list[str]] = {}

    def walk(self, text: str) -> Iterator[_Unit]:
        tokens = MarkdownIt("commonmark").enable("table").parse(text)
        labels: list[str | None] = []  # one per open list item
        item_start = False
        list_labels: list[list[str]] = []
        n = 0
        while n < len(tokens):
            token = tokens[n]
            if token.type == "heading_open":
                yield from self._heading(int(token.tag[1]), tokens[n + 1])
                n += 3
                continue
            if token.type in ("bullet_list_open", "ordered_list_open"):
                list_labels.append([])
            elif token.type in ("bullet_list_close", "ordered_list_close"):
                done = list_labels.pop()
                if len(done) > 1:
                    self.siblings.append(Siblings(kind="labels", members=tuple(done)))
            elif token.type == "list_item_open":
                labels.append(None)
                item_start = True
            elif token.type == "list_item_close":
                labels.pop()
            elif token.type == "table_open":
                close = next(m for m in range(n, len(tokens)) if tokens[m].type == "table_close")
                yield from self._table(tokens[n:close])
                n = close + 1
                continue
            elif token.type == "inline":
                plain, label = _plain(token)
                self.plain.append(plain)
                self.prose.append(plain)
                if item_start and labels:
                    labels[-1] = label
                    if label and list_labels:
                        list_labels[-1].append(label)
                item_start = False
                yield from self._sentences(plain, label, [lb for lb in labels[:-1] if lb])
            n += 1

    @property
    def _scope(self) -> tuple[str, ...]:
        return tuple(text for _, text in self._headings)

    def _heading(self, level: int, inline: Token) -> Iterator[_Unit]:
        text, _ = _plain(inline)
        self.plain.append(text)
        while self._headings and self._headings[-1][0] >= level:
            self._headings.pop()
        parent = self._scope
        self._children.setdefault(parent, []).append(_heading_name(text))
        siblings = self._children[parent]
        if len(siblings) > 1:
            # replace this parent's group with the longer one (the list grows heading by heading)
            shorter = Siblings(kind="headings", members=tuple(siblings[:-1]))
            self.siblings = [s for s in self.siblings if s != shorter]
            self.siblings.append(Siblings(kind="headings", members=tuple(siblings)))
        self._headings.append((level, text))
        yield _Unit(text, text, parent, _heading_name(text))

    def _sentences(self, text: str, label: str | None, parents: list[str]) -> Iterator[_Unit]:
        scope = (*self._scope, *parents)
        heading = _heading_name(self._scope[-1]) if self._scope else ""
        owner = parents[-1] if parents else heading
        if label and _names_something(label):
            subject, attribute = label, ""
        else:
            subject, attribute = owner, label or ""
        sentences = split_sentences(text)
        for n, sentence in enumerate(sentences):
            lead = " ".join(sentences[:n])
            yield _Unit(sentence, sentence, scope, subject, attribute, lead=lead)

    def _table(self, tokens: list[Token]) -> Iterator[_Unit]:
        rows: list[list[str]] = []
        for token in tokens:
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline" and rows:
                rows[-1].append(_plain(token)[0])
        if len(rows) < 2:
            return
        header, body = rows[0], rows[1:]
        self.plain.extend(" ".join(r) for r in rows)
        by_columns = not header[0].strip()
        if by_columns:
            self.siblings.append(
                Siblings(kind="columns", members=tuple(h for h in header[1:] if h))
            )
        else:
            members = tuple(_aliases(r) for r in body if r and r[0])
            self.siblings.append(Siblings(kind="rows", members=members))
        scope = self._scope
        for row in body:
            label = row[0] if row else ""
            for column, cell in enumerate(row):
                title = header[column] if column < len(header) else ""
                if not cell.strip():
                    continue
                evidence = _row_text(header, row, column if by_columns else None)
                if column and not by_columns:
                    cell = _unlimited(cell, title)
                if column == 0:
                    yield _Unit(cell, evidence, scope, label, title, header[0], True)
                elif by_columns:
                    yield _Unit(cell, evidence, scope, title, label, "", True)
                else:
                    yield _Unit(cell, evidence, scope, label, title, header[0], True)


def _unlimited(cell: str, header: str) -> str:
    """A cell that says "Unlimited" under "Users included" states unlimited users."""
    words = re.findall(r"[A-Za-z]+", header)
    if cell.strip().lower() == "unlimited" and words:
        return f"{cell.strip()} {words[0]}"
    return cell


def _aliases(row: list[str]) -> str:
    """A row's names: its label, then its cells of words alone (``ColdTrace CT-300 Door &
    Humidity Sensor`` beside ``CT-300``), for finding the row from a description."""
    cells = [
        c
        for c in row[1:]
        if len(re.findall(r"[A-Za-z]{2,}", c)) >= 2
        and len(c.split()) <= 10
        and not re.search(r"[$€£]", c)
    ]
    return ALIAS_SEPARATOR.join([row[0], *cells])


def _row_text(header: list[str], row: list[str], column: int | None) -> str:
    """A table row as a plain sentence: ``Growth — Monthly price: $199; Users included: 10``;
    for a comparison table only the subject's own cell (``Battery life — FrostWatch: About 12
    months``)."""
    label = row[0] if row else ""
    if column is not None:
        title = header[column] if column < len(header) else ""
        return f"{label} — {title}: {row[column]}"
    cells = [
        f"{header[i]}: {cell}" if i < len(header) and header[i] else cell
        for i, cell in enumerate(row)
        if i and cell.strip()
    ]
    return f"{label} — " + "; ".join(cells) if label else "; ".join(cells)


def _plain(inline: Token) -> tuple[str, str | None]:
    """An inline token as plain text, and its leading label (``**Fee:** $490`` gives ``Fee``)."""
    parts: list[str] = []
    label: str | None = None
    children = inline.children or []
    strong_depth = 0
    strong_text: list[str] = []
    first_strong_done = False
    for n, child in enumerate(children):
        if child.type == "strong_open":
            strong_depth += 1
            continue
        if child.type == "strong_close":
            strong_depth -= 1
            if not first_strong_done and not "".join(parts[: -len(strong_text) or None]).strip():
                first_strong_done = True
                candidate = "".join(strong_text).strip()
                following = children[n + 1].content if n + 1 < len(children) else ""
                if candidate.endswith(":") or re.match(r"^\s*(?::|[\u2014\u2013]|-\s)", following):
                    label = candidate.rstrip(":").strip()
            continue
        if child.type in ("softbreak", "hardbreak"):
            piece = " "
        elif child.type in ("text", "code_inline"):
            piece = child.content
        else:
            piece = ""
        parts.append(piece)
        if strong_depth and not first_strong_done:
            strong_text.append(piece)
    text = " ".join("".join(parts).split())
    if label is None:
        match = _LABEL.match(text)
        if match and len(match.group(1).split()) <= 5:
            label = match.group(1).strip()
    return text, label


def _heading_name(heading: str) -> str:
    """What a heading names: ``Starter — $6 per sensor per month`` names ``Starter``."""
    parts = _HEADING_NAME.split(heading, maxsplit=1)
    return parts[0].strip() if len(parts) > 1 and parts[0].strip() else heading.strip()


def _names_something(label: str) -> bool:
    """A label that names a thing (``Professional``, ``CT-100``, ``EU region``) rather than an
    attribute (``Battery life``): it has a code, or a capitalised word after its first."""
    if _CODE.search(label):
        return True
    words = _WORD.findall(label)
    return bool(words) and (
        any(w[:1].isupper() for w in words[1:]) or (len(words) == 1 and _is_camel(words[0]))
    )


def _is_camel(word: str) -> bool:
    return any(c.isupper() for c in word[1:])


def _csv_value(header: str, value: str) -> str:
    """A CSV cell as a statement: a bare number under a price column is a price in dollars."""
    lowered = header.lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", value.strip()) and ("price" in lowered or "usd" in lowered):
        return f"${value.strip()}"
    return value


# -- facts -----------------------------------------------------------------------------------------


def _file_facts(
    source: str,
    content_hash: str,
    units: list[_Unit],
    siblings: list[Siblings],
    plain: list[str],
    prose: list[str],
) -> FileFacts:
    facts: list[Fact] = []
    places: dict[str, set[str]] = {}
    for unit in units:
        for statement in find_statements(unit.text, soft=True):
            facts.append(_fact(source, unit, statement))
        for place, roles in roles_of(unit.text, [unit.attribute, *reversed(unit.scope)]).items():
            places.setdefault(place, set()).update(roles)
    capitalised: Counter[str] = Counter()
    lowercase: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    for line in prose:
        for sentence in split_sentences(line):
            words = _NAME_WORD.findall(sentence)
            for word in words[1:]:
                (capitalised if word[:1].isupper() else lowercase)[word.lower()] += 1
            for m in _PHRASE.finditer(sentence):
                if m.start() > 0:
                    phrases[m.group(0)] += 1
    mentions = tuple(
        Mention(
            text=unit.text,
            subject=unit.subject,
            attribute=unit.attribute,
            evidence=unit.evidence,
            source=source,
            section=" > ".join(unit.scope),
        )
        for unit in units
    )
    return FileFacts(
        source=source,
        content_hash=content_hash,
        facts=tuple(facts),
        mentions=mentions,
        siblings=tuple(s for s in dict.fromkeys(siblings) if len(s.members) > 1),
        capitalised=dict(capitalised),
        lowercase=dict(lowercase),
        phrases=dict(phrases),
        places={place: sorted(roles) for place, roles in places.items()},
        text=normalise(" ".join(plain)),
    )


def _fact(source: str, unit: _Unit, statement: Statement) -> Fact:
    clause = clause_of(unit.text, statement.start, statement.end)
    own_unit = statement.unit
    if statement.kind == "quantity" and not own_unit and unit.label_header:
        # a bare number in a table counts what its column says: "500–1,999" under "Sensors
        # under agreement", "5,000" under "Labels included per month"
        header = unit.label_header if unit.text == unit.subject else unit.attribute
        own_unit = _header_unit(header)
    period = statement.period
    if statement.kind == "price" and not period:
        period = _header_period(f"{unit.attribute} {unit.subject}")
    return Fact(
        kind=statement.kind,
        key=statement.key if own_unit == statement.unit else f"{statement.key}{own_unit}",
        amount=statement.amount,
        unit=own_unit,
        qualifier=tuple(sorted(statement.qualifier)),
        period=period,
        upper=statement.upper,
        bound=statement.bound,
        conditions=_conditions(unit, statement, clause),
        text=statement.text,
        subject=unit.subject,
        attribute=unit.attribute,
        scope=unit.scope,
        clause=clause,
        evidence=unit.evidence,
        source=source,
        in_table=unit.in_table,
        section=" > ".join(unit.scope),
        lead=unit.lead,
    )


def _conditions(unit: _Unit, statement: Statement, clause: str) -> tuple[Condition, ...]:
    """The other values a fact is stated under: in its row label or list label, and in its
    clause ("a 3-year agreement gets 12% off")."""
    found: list[Condition] = []
    sources = [(unit.subject, _header_unit(unit.label_header), True), (unit.attribute, "", True)]
    if unit.text != unit.subject:
        sources.append((unit.text, "", False))
    if unit.in_table and unit.evidence != unit.text:
        # the row's other cells: "$15,000 or more | 24 months | 0%" is 0% over 24 months
        sources.append((unit.evidence, "", True))
    for text, default_unit, near in sources:
        if not text:
            continue
        tops: set[float] = set()
        for other in find_statements(text):
            if other.amount is None or other.kind not in ("quantity", "percentage"):
                continue
            if other.amount in tops or other.amount in (float("inf"), statement.upper):
                continue  # the top of a range already taken ("1,999" of "500–1,999")
            if other.upper is not None and other.upper == statement.amount:
                continue  # the start of the fact's own range
            if other.kind == statement.kind and other.unit == statement.unit and other.unit:
                continue  # a value of the same sort is a neighbour, not a condition
            if other.upper is not None:
                tops.add(other.upper)
            if text == unit.text and other.start == statement.start:
                continue
            if other.text == statement.text and other.amount == statement.amount:
                continue
            low, high = other.amount, other.upper if other.upper is not None else other.amount
            if other.bound == "above":
                low, high = other.amount + 1e-3, float("inf")
            elif other.bound == "below":
                low, high = 0.0, other.amount
            near_here = near or other.text in clause
            if any((c.kind, c.low, c.high) == (other.kind, low, high) for c in found):
                continue  # the row label's value again, in the row
            found.append(
                Condition(
                    kind=other.kind,
                    low=low,
                    high=high,
                    unit=other.unit or default_unit,
                    near=near_here,
                )
            )
    return tuple(dict.fromkeys(found))


def _header_period(label: str) -> str:
    """How often a price under a column or label is paid: "Monthly price" is per month."""
    lowered = label.lower()
    if re.search(r"\bmonthly\b|\bper month\b", lowered):
        return "month"
    if re.search(r"\bannual(?:ly)?\b|\byearly\b|\bper year\b", lowered):
        return "year"
    if re.search(r"\bone[- ]time\b|\bone[- ]off\b", lowered):
        return "one-time"
    return ""


def _header_unit(header: str) -> str:
    """The unit a column header gives its bare numbers: "Sensors under agreement" -> sensor."""
    words = re.findall(r"[A-Za-z]+", header)
    return keywords.stem(words[0].lower()) if words else ""
