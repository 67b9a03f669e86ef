"""A checkable fact of the knowledge base, as a record: who it is about, what, which value, where.

The claim check compares facts, not words: "Growth is $24 per vehicle" must be compared with what
the material says about *Growth's* price, not with whichever passage happens to contain "$24".
So at index time every value the material states becomes a :class:`Fact` bound to its subject
(the plan, product, SKU, tier or service it belongs to: a table row, a list item's label, the
section heading) and its attribute (a column header, a label, the words around the value), with
the one sentence or table row that states it, as plain text, for the "Why?" of a verdict.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from simulator.events import ClaimKind

EXTRACTOR_VERSION = "6"
"""Bump when extraction changes: every file's facts are then extracted again."""


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="constants")


class Condition(_Record):
    """A value a fact depends on: "3-year agreement: 12% off" holds for 3 years, "500–1,999 |
    15%" for 500 to 1,999 sensors. A claim with another value there is about another case."""

    kind: ClaimKind
    low: float
    high: float
    unit: str = ""
    near: bool = True
    """In the fact's own label, row or clause; ``False``: elsewhere in its sentence, which can
    rule a case out ("larger pilots (more than 10 sensors)") but never vouch for one."""


class Fact(_Record):
    """One value stated by the knowledge base."""

    kind: ClaimKind
    key: str
    """The canonical value (see :class:`simulator.statements.Statement`): ``usd:11``, ``99.95``."""
    amount: float | None = None
    unit: str = ""
    qualifier: tuple[str, ...] = ()
    """A price's ``per`` terms, a quantity's following words."""
    period: str = ""
    """For a price: ``month``, ``year``, ``day``, ``one-time`` when the material says so."""
    upper: float | None = None
    """The top of the range this value opens ("500–1,999"), ``inf`` for "or more"."""
    bound: str = ""
    """``above`` ("orders above $2,500") or ``below`` ("up to 50 sensors")."""
    conditions: tuple[Condition, ...] = ()
    text: str
    """The value as written: ``$11 per sensor per month``."""
    subject: str = ""
    """What it is about, as the material names it: a table row, a label, the section heading."""
    attribute: str = ""
    """What about it: a table column, a list item's label (``Battery life``), or empty."""
    scope: tuple[str, ...] = ()
    """The headings (outermost first) and labels above it: where it sits in the document."""
    clause: str = ""
    """The words around the value (its clause), plain text."""
    evidence: str
    """The one sentence or table row that states it, plain text, never Markdown."""
    source: str
    """Path relative to the knowledge folder."""
    in_table: bool = False
    """A table cell or a CSV field: it is about its row, whatever else the row mentions."""
    section: str = ""
    """The heading path, joined with `` > ``."""
    lead: str = ""
    """The sentences before it in its paragraph or list item: what it is about when its own
    sentence names nothing ("Orisent Petite has rounded corners... Rated IP67.")."""


class Mention(_Record):
    """One sentence, list item or table cell, value or not, with what it is about: where the
    claim check learns which plan or product offers a feature ("single sign-on" on Enterprise)."""

    text: str
    subject: str = ""
    """What it is about, as for a :class:`Fact`: its table row, its label, its heading."""
    attribute: str = ""
    """A table cell's column header, a list item's label."""
    evidence: str
    """The one sentence or table row, plain text."""
    source: str
    section: str = ""


class Siblings(_Record):
    """Labels the material sets side by side: the things it tells apart, such as plans or
    products. A member may carry aliases after its label (a table row's text cells), joined
    with `` | ``."""

    kind: Literal["headings", "rows", "columns", "labels"]
    members: tuple[str, ...]


class FileFacts(_Record):
    """Everything extracted from one file, stored under its content hash."""

    source: str
    content_hash: str
    version: str = EXTRACTOR_VERSION
    facts: tuple[Fact, ...] = ()
    mentions: tuple[Mention, ...] = ()
    """Every sentence, list item and table cell with its subject (see :class:`Mention`)."""
    siblings: tuple[Siblings, ...] = ()
    """A table's rows, its columns, the headings under one parent, the labels of one list."""
    capitalised: dict[str, int] = {}
    """How often each word is written with a capital inside a sentence (lower-cased)."""
    lowercase: dict[str, int] = {}
    """How often each word is written in lower case: a name is a word mostly capitalised."""
    phrases: dict[str, int] = {}
    """Runs of capitalised words inside sentences (``Compliance Pack``, ``Contract Bridge``):
    names of things the material does not list side by side."""
    places: dict[str, list[str]] = {}
    """The roles the material gives each capitalised word (lower-cased), such as ``rotterdam``:
    ``["office"]`` (see :mod:`simulator.facts.places`)."""
    text: str = ""
    """The file's plain text, normalised (see :func:`simulator.statements.normalise`), for
    finding named facts (a certification, a code) the material mentions anywhere."""
