"""The collection's term statistics, kept up to date one file at a time.

The re-ranker weighs query words by how rare they are in the collection (document frequencies of
terms and of wordllama's tokens) and finds passages by the product codes they name. Rebuilding
those numbers from every passage after each change made re-indexing one file take 78 s at 100k
passages, with searches waiting. Here a file's passages are added or removed (their counts
subtracted) on their own, so an update costs what the changed files cost; the result is exactly
what a full rebuild would give (a test holds it to that).

Searches read while an update writes, without a lock: counters are read key by key, and a
code's set of passages is replaced, never changed in place, so a reader sees it before or after.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from simulator.knowledge.keywords import codes

if TYPE_CHECKING:
    from simulator.knowledge.passages import StoredPassage

QUERY_IDF_POWER = 0.5
"""Query tokens are weighted by idf ** this power (rare words count more; 0 = plain mean)."""


class CollectionStatistics:
    """Document frequencies of terms and tokens, and which passages name which product code."""

    def __init__(self) -> None:
        self.passages = 0
        self.term_df: Counter[str] = Counter()
        self.token_df: Counter[int] = Counter()
        self.by_code: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()
        self._changed_terms: set[str] = set()
        self._changed_tokens: set[int] = set()
        self._changed_codes: set[tuple[str, str]] = set()

    def add(self, passages: Sequence[StoredPassage]) -> None:
        """Count ``passages`` in: their terms, their tokens, the product codes they name."""
        self._apply(passages, +1)

    def remove(self, passages: Sequence[StoredPassage]) -> None:
        self._apply(passages, -1)

    def _apply(self, passages: Sequence[StoredPassage], sign: int) -> None:
        if not passages:
            return
        analysed = [(p.key, p.terms) for p in passages]
        tokens = [p.token_set().tolist() for p in passages]
        # Counted in C (Counter over chained iterables), then applied once per distinct key.
        term_counts = Counter(chain.from_iterable(found for _, found in analysed))
        token_counts = Counter(chain.from_iterable(tokens))
        code_changes: dict[str, set[str]] = {}
        for key, passage_terms in analysed:
            for code in codes(passage_terms):
                code_changes.setdefault(code, set()).add(key)
        with self._lock:  # against another writer; readers never wait for it
            self.passages += sign * len(passages)
            _apply_counts(self.term_df, term_counts, sign)
            _apply_counts(self.token_df, token_counts, sign)
            self._changed_terms.update(term_counts)
            self._changed_tokens.update(token_counts)
            for code, keys in code_changes.items():
                current = self.by_code.get(code, frozenset())
                updated = current | keys if sign > 0 else current - keys
                if updated:
                    self.by_code[code] = frozenset(updated)
                else:
                    self.by_code.pop(code, None)
                self._changed_codes.update((code, key) for key in keys)

    def changes(self) -> list[tuple[str, str, int]]:
        """The counts changed since the last call, as rows (value 0: the row is gone)."""
        with self._lock:
            rows = [("passages", "", self.passages)]
            rows += [("term", t, self.term_df.get(t, 0)) for t in self._changed_terms]
            rows += [("token", str(t), self.token_df.get(t, 0)) for t in self._changed_tokens]
            rows += [
                ("code", f"{code}\t{key}", int(key in self.by_code.get(code, ())))
                for code, key in self._changed_codes
            ]
            self._changed_terms, self._changed_tokens, self._changed_codes = set(), set(), set()
            return rows

    def idf(self, term: str) -> float:
        return math.log(1 + (self.passages + 1) / (self.term_df.get(term, 0) + 0.5))

    def token_weight(self, token: int) -> float:
        """How much a query token counts: idf ** QUERY_IDF_POWER in the collection."""
        df = self.token_df.get(token, 0)
        return float(math.log((self.passages + 1) / (df + 0.5)) ** QUERY_IDF_POWER)

    def rows(self) -> Iterator[tuple[str, str, int]]:
        """Every count as (kind, key, value), for storing and for comparing two statistics."""
        yield "passages", "", self.passages
        for term, n in self.term_df.items():
            yield "term", term, n
        for token, n in self.token_df.items():
            yield "token", str(token), n
        for code, keys in self.by_code.items():
            for key in keys:
                yield "code", f"{code}\t{key}", 1

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, int]]) -> CollectionStatistics:
        stats = cls()
        by_code: dict[str, set[str]] = {}
        for kind, key, value in rows:
            if kind == "passages":
                stats.passages = value
            elif kind == "term":
                stats.term_df[key] = value
            elif kind == "token":
                stats.token_df[int(key)] = value
            elif kind == "code":
                code, passage = key.split("\t", 1)
                by_code.setdefault(code, set()).add(passage)
        stats.by_code = {code: frozenset(keys) for code, keys in by_code.items()}
        return stats

    def same_as(self, other: CollectionStatistics) -> bool:
        return sorted(self.rows()) == sorted(other.rows())


def _apply_counts(counter: Counter[Any], counts: Counter[Any], sign: int) -> None:
    for key, n in counts.items():
        value = counter.get(key, 0) + sign * n
        if value > 0:
            counter[key] = value
        else:
            counter.pop(key, None)
