"""The whole knowledge base as the team sees it: every passage with its scope, and its records.

Routing needs to know which specialist's material answers a question (a ``technical/`` or
``pricing/`` folder, front matter ``agents: [...]``), and answering needs to know which material
is internal (rep notes). Both are properties of a passage's source file, looked up here once per
file version.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections import Counter
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
_TOKEN = re.compile(r"[\w'’-]+|[^\w\s]")
_NAME = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z]+)*")
HOUSE_SHARE = 0.6
"""Share of the documents a word must appear in to be one of the company's own names."""
HOUSE_MIN_FILES = 3
HOUSE_LEAD = 1.5
"""How much more often the company's name is said than any other name most documents use."""


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
        self._house: tuple[int, frozenset[str]] | None = None
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
        """Names and codes of the products in the stock table, and each name as a customer says
        it: without its parenthesis and without the words every product's name has ("Orisent
        Petite Sensor (size 0)" is also "Orisent Petite Sensor" and "Orisent Petite")."""
        products = [p for p in self.records.products if p.name]
        shared = _words_shared([p.name for p in products])
        out: list[str] = []
        for product in self.records.products:
            out += [n for n in (product.name, product.sku) if n]
            if not product.name:
                continue
            plain = re.sub(r"\s*\([^)]*\)", "", product.name).strip()
            words = plain.split()
            while len(words) > 2 and words[-1].lower() in shared:
                words.pop()
            out += [n for n in dict.fromkeys((plain, " ".join(words))) if n != product.name]
        return list(dict.fromkeys(out))

    def house_names(self) -> frozenset[str]:
        """The company's own name ("Parcelwise", "ColdTrace"): of the names inside sentences that
        most of its documents use, the most said. Every file says it, so it tells no topic from
        another: a question naming it asks about "you"."""
        count = self.index.chunk_count()
        with self._lock:
            known = self._house
        if known is not None and known[0] == count:
            return known[1]
        files: dict[str, Counter[str]] = {}
        for passage in self.index.passages():
            if not passage.source.lower().endswith(".csv"):
                files.setdefault(passage.source, Counter()).update(_inner_names(passage.text))
        found: frozenset[str] = frozenset()
        if len(files) >= HOUSE_MIN_FILES:
            used = Counter(w for names in files.values() for w in names)
            said = sum(files.values(), Counter())
            common = sorted(
                (w for w, n in used.items() if n >= HOUSE_SHARE * len(files)),
                key=lambda w: (-said[w], w),
            )
            # the most said of them, and clearly: a plan's name ("Enterprise") is said in many
            # files too, but far less often than the company's; when unclear, none is taken
            if common and (len(common) == 1 or said[common[0]] >= HOUSE_LEAD * said[common[1]]):
                found = frozenset({common[0]})
        with self._lock:
            self._house = (count, found)
        return found

    def account_named(self, text: str) -> str | None:
        """The account ``text`` names (an account id or a company of the accounts table), also
        with a slip of spelling in the company's words ("Casa Verde Restorant Group"): the
        whole name, word for word, never a company sharing only some of its words."""
        lowered = text.lower()
        for account in self.records.accounts:
            for name in (account.account_id, account.company):
                if name and name.lower() in lowered:
                    return name
        words = re.findall(r"[\w&'-]+", lowered)
        for account in self.records.accounts:
            wanted = re.findall(r"[\w&'-]+", account.company.lower())
            if len(wanted) < 2:
                continue  # one word misspelt is too often another word
            for at in range(len(words) - len(wanted) + 1):
                said = words[at : at + len(wanted)]
                if all(_slip_of(w, n) for w, n in zip(said, wanted, strict=True)):
                    return account.company
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


def _words_shared(names: list[str]) -> set[str]:
    """Words in the names of more than one product ("sensor", the brand)."""
    seen = Counter(w for name in names for w in {w.lower() for w in name.split()})
    return {w for w, n in seen.items() if n > 1}


def _inner_names(text: str) -> list[str]:
    """Capitalised words inside sentences, each name's first word (not a sentence's first word
    such as "The", nor the second word of a name: "Orisent Studio" is Orisent's)."""
    tokens = _TOKEN.findall(text)
    return [
        word
        for before, word in zip(tokens, tokens[1:], strict=False)
        if _NAME.fullmatch(word) and not before[0].isupper() and before not in ".!?"
    ]


def _slip_of(said: str, word: str) -> bool:
    """``said`` is ``word``, or ``word`` with one or two letters slipped in a long word."""
    if said == word:
        return True
    if len(word) < 5 or said[0] != word[0]:
        return False
    return difflib.SequenceMatcher(None, said, word).ratio() >= 0.8


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
