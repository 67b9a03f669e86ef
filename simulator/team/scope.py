"""The whole knowledge base as the team sees it: every passage with its scope, and its records.

Routing needs to know which specialist's material answers a question (a ``technical/`` or
``pricing/`` folder, front matter ``agents: [...]``), and answering needs to know which material
is internal (rep notes). Both are properties of a passage's source file, looked up here once per
file version.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from simulator.errors import DocumentError
from simulator.events import Passage
from simulator.knowledge import embedding
from simulator.knowledge.documents import KnowledgeFile, folder_scope, load_document

if TYPE_CHECKING:
    from simulator.knowledge.index import KnowledgeIndex
    from simulator.knowledge.records import SalesRecords

_INTERNAL_FOLDERS = frozenset({"notes", "internal", "private", "enablement"})
_INTERNAL_MARK = re.compile(
    r"\binternal(?: use)? only\b|\bfor internal use\b|\bdo not (?:forward|share|send) "
    r"(?:this )?(?:to|with) (?:customers|prospects|clients)\b",
    re.IGNORECASE,
)
_FRONT_MATTER_SUFFIXES = frozenset({".md", ".markdown", ".txt"})


@dataclass(frozen=True)
class ScopedPassage:
    passage: Passage
    agents: frozenset[str] | None
    """The agents the passage's file serves (folder or front matter); ``None``: everyone."""


@dataclass(frozen=True)
class _FileFacts:
    stamp: tuple[int, int]
    agents: frozenset[str] | None
    internal: bool


class KnowledgeView:
    """Search everything with scope; tell internal files apart; name the sales records."""

    def __init__(self, index: KnowledgeIndex, records: SalesRecords) -> None:
        self.index = index
        self.records = records
        self._files: dict[str, _FileFacts] = {}
        self._lock = threading.Lock()

    def search(self, query: str, k: int = 6) -> list[ScopedPassage]:
        """The ``k`` best passages of the whole knowledge base (every agent's), with scope."""
        return [ScopedPassage(p, self.scope(p.source)) for p in self.index.search(query, k=k)]

    @property
    def embedder(self) -> str:
        """The model :meth:`embed` uses (vectors of different models must never be compared)."""
        return self.index.embedder

    @property
    def contextual(self) -> bool:
        """Whether :meth:`embed` is the contextual encoder (not wordllama's word vectors)."""
        return self.index.embedder != embedding.MODEL_NAME

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors of what ``texts`` mean: the index's contextual encoder when it is
        installed, wordllama's word vectors otherwise."""
        return self.index.embed(texts)

    def product_names(self) -> list[str]:
        """Names and codes of the products in the stock table."""
        return [n for p in self.records.products for n in (p.name, p.sku) if n]

    def account_named(self, text: str) -> str | None:
        """The account ``text`` names (an account id or a company of the accounts table)."""
        lowered = text.lower()
        for account in self.records.accounts:
            for name in (account.account_id, account.company):
                if name and name.lower() in lowered:
                    return name
        return None

    def scope(self, source: str) -> frozenset[str] | None:
        return self._facts(source).agents

    def is_internal(self, source: str) -> bool:
        """Material for the sales team, not for customers: a notes/internal folder, or a file
        that says so at its top ("Internal only", "do not forward to customers")."""
        return self._facts(source).internal

    def _facts(self, source: str) -> _FileFacts:
        path = self.index.knowledge_dir / source
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = (0, 0)
        with self._lock:
            known = self._files.get(source)
        if known is not None and known.stamp == stamp:
            return known
        facts = _FileFacts(stamp, *_read_facts(path, source))
        with self._lock:
            self._files[source] = facts
        return facts


def _read_facts(path: Path, source: str) -> tuple[frozenset[str] | None, bool]:
    folders = {part.lower() for part in source.split("/")[:-1]}
    internal = bool(folders & _INTERNAL_FOLDERS)
    agents = folder_scope(source)
    if path.suffix.lower() not in _FRONT_MATTER_SUFFIXES:
        return agents, internal
    try:
        data = path.read_bytes()
        agents = load_document(KnowledgeFile(path, source), data).agents
    except (OSError, DocumentError):
        return agents, internal
    head = data[:600].decode("utf-8", errors="ignore")
    return agents, internal or bool(_INTERNAL_MARK.search(head))
