"""Rank passages for a query: dense similarity at two grains, plus light keyword bonuses.

wordllama's vectors are averaged static word embeddings, so (1) a ~200-word passage vector
dilutes the one sentence that answers a question, (2) common words of the collection pull as
hard as rare ones, and (3) product codes blur ("GW-10" ~ "GW-20"). Hence:

- The index over-fetches passages by their vector; each is re-scored as the mean of the passage
  similarity and that of its best *unit* (its heading, or one sentence prefixed with the heading
  it sits under). Unit vectors are computed here from the passage text and cached per passage
  version, so the collection keeps one record per passage.
- Query tokens are weighted by sqrt(idf) in the collection (query side only: stored vectors
  never depend on the rest of the collection); the statistics are kept by :mod:`statistics`.
- Keywords only nudge (BM25 alone was far worse than dense retrieval and equal-weight fusion
  hurt): a small bonus for the IDF-weighted share of query terms in the passage and in its
  heading path; a larger one for the query's product codes, and passages naming every code of
  the query join the candidates.

Measured (hit@1/hit@3; sample = tests/data/retrieval_questions.yaml, unseen =
other_company_questions.yaml, direct = bench/retrieval.py's exact-name questions by section):

    passage vectors only     sample 0.51/0.69  unseen 0.92/0.92  direct 0.36/0.50
    + keyword bonus          sample 0.51/0.71  unseen 0.92/0.92  direct 0.41/0.55
    + best sentence          sample 0.61/0.78  unseen 0.92/1.00  direct 0.55/0.77
    + query token idf        sample 0.57/0.80  unseen 1.00/1.00  direct 0.59/0.95
    + heading/code bonus     sample 0.59/0.80  unseen 1.00/1.00  direct 0.73/1.00
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from simulator.knowledge import embedding
from simulator.knowledge.chunking import SECTION_SEPARATOR, split_sentences
from simulator.knowledge.keywords import codes, terms
from simulator.knowledge.statistics import CollectionStatistics

UNIT_WEIGHT = 1.0
"""Weight of the best unit's similarity against the passage's own (score = weighted mean)."""
KEYWORD_WEIGHT = 0.05
SECTION_WEIGHT = 0.03
"""Bonus for the IDF-weighted share of query terms found in the passage's heading path."""
CODE_WEIGHT = 0.15
"""Bonus for containing the product codes (letters and digits, e.g. CT-100) the query names;
the same again when the code is in the passage's heading path."""
MAX_CODE_MATCHES = 50
"""A code found in more passages than this is too common to pick candidates by."""
PASSAGE_CACHE_SIZE = 5_000
"""Passages whose terms and unit vectors are kept in memory (~1 KB per sentence): enough for
every candidate of a conversation's searches, small enough for a 100k-passage folder."""


def embedding_text(section: str, text: str) -> str:
    """What a passage's own vector is computed from: its heading path, then its text."""
    return f"{section}\n{text}"


def units(section: str, text: str) -> list[str]:
    """The pieces of a passage that may answer a question alone: its heading, and each sentence
    prefixed with the heading it sits under (a spec line such as "Battery life: 4 years" says
    which product it is about only through its heading)."""
    heading = section.split(SECTION_SEPARATOR)[-1] if section else ""
    out = [heading] if heading else []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line.split()) <= 15 and line in section and line != heading:
            heading = line  # a sub-heading line inside a passage that spans several sections
            out.append(heading)
            continue
        for sentence in split_sentences(_MARKUP.sub("", line)):
            out.append(f"{heading}: {sentence}" if heading else sentence)
    return out or [text]


_MARKUP = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+|\*\*|__|`")


@dataclass(frozen=True)
class Candidate:
    """A dense-retrieval hit before re-ranking."""

    key: str
    """The passage's id in the collection."""
    version: str
    """Changes whenever the passage text may have changed (e.g. its file's content hash)."""
    similarity: float
    """Cosine similarity of query and passage vectors."""
    source: str
    section: str
    text: str
    scope: frozenset[str] | None = None
    """The agents that may see it; ``None`` means every agent."""


@dataclass(frozen=True)
class Analysis:
    terms: frozenset[str]
    """Terms of the passage text, its section and its file name."""
    section_terms: frozenset[str]
    units: np.ndarray = field(default_factory=lambda: np.zeros((0, embedding.DIMENSIONS)))
    """One unit-length wordllama row per unit (heading, sentences)."""


class PassageCache:
    """Each passage's terms and unit vectors, computed once per passage text (bounded, LRU)."""

    def __init__(self, capacity: int = PASSAGE_CACHE_SIZE) -> None:
        self._capacity = capacity
        self._cache: OrderedDict[tuple[str, str], Analysis] = OrderedDict()
        self._lock = threading.Lock()

    def analyse(self, candidates: list[Candidate]) -> list[Analysis]:
        with self._lock:
            found = {_id(c): self._cache[_id(c)] for c in candidates if _id(c) in self._cache}
            for key in found:
                self._cache.move_to_end(key)
        missing = list({_id(c): c for c in candidates if _id(c) not in found}.values())
        if missing:
            pieces = [units(c.section, c.text) for c in missing]
            vectors = embedding.embed([u for p in pieces for u in p])
            start = 0
            for candidate, p in zip(missing, pieces, strict=False):
                passage_terms = terms(
                    f"{candidate.source.replace('/', ' ')} {candidate.section} {candidate.text}"
                )
                found[_id(candidate)] = Analysis(
                    frozenset(passage_terms),
                    frozenset(terms(candidate.section)),
                    vectors[start : start + len(p)],
                )
                start += len(p)
            with self._lock:
                for candidate in missing:
                    self._cache[_id(candidate)] = found[_id(candidate)]
                while len(self._cache) > self._capacity:
                    self._cache.popitem(last=False)
        return [found[_id(c)] for c in candidates]


def _id(candidate: Candidate) -> tuple[str, str]:
    return candidate.key, candidate.version


class KeywordBoost:
    """Gives each candidate its keyword bonus, from the collection's term statistics."""

    def __init__(self, stats: CollectionStatistics, *, weight: float | None = None) -> None:
        self.weight = KEYWORD_WEIGHT if weight is None else weight
        self._stats = stats

    def idf(self, term: str) -> float:
        return self._stats.idf(term)

    def weigh(self, query_terms: set[str]) -> dict[str, float]:
        """IDF weights of the query's terms that occur in some passage (the others would only
        shrink every bonus alike)."""
        df = self._stats.term_df
        return {t: self._stats.idf(t) for t in query_terms if df.get(t)}

    def bonus(self, weights: dict[str, float], passage: Analysis) -> float:
        """Keyword bonus: the IDF-weighted share of the query's terms found in the passage, and
        the share of the query's product codes found in the passage and in its heading path."""
        if not weights:
            return 0.0
        total = sum(weights.values())
        bonus = self.weight * sum(w for t, w in weights.items() if t in passage.terms) / total
        bonus += (
            SECTION_WEIGHT
            * sum(w for t, w in weights.items() if t in passage.section_terms)
            / total
        )
        query_codes = codes(weights)
        if query_codes:
            bonus += CODE_WEIGHT * len(query_codes & passage.terms) / len(query_codes)
            bonus += CODE_WEIGHT * len(query_codes & passage.section_terms) / len(query_codes)
        return bonus

    def code_matches(self, query_terms: set[str]) -> set[str]:
        """Keys of the passages that contain every product code of the query (if few enough)."""
        query_codes = codes(query_terms)
        if not query_codes:
            return set()
        by_code = self._stats.by_code
        keys = frozenset.intersection(*(by_code.get(c, frozenset()) for c in query_codes))
        return set(keys) if len(keys) <= MAX_CODE_MATCHES else set()


class Reranker:
    """Embeds queries and scores candidates: mean of passage and best-unit similarity, plus the
    keyword bonus. Reads the collection's statistics as they are updated (never rebuilds them)."""

    def __init__(self, stats: CollectionStatistics, cache: PassageCache | None = None) -> None:
        self._cache = cache or PassageCache()
        self.use(stats)

    def use(self, stats: CollectionStatistics) -> None:
        """Read ``stats`` from now on (another process updated the collection)."""
        self._stats = stats
        self._boost = KeywordBoost(stats)

    def embed_query(self, query: str) -> np.ndarray:
        """The query vector, its tokens weighted by how rare they are in the collection."""
        return embedding.embed_weighted(query, self._stats.token_weight)

    @property
    def boost(self) -> KeywordBoost:
        """The keyword bonus (shared with the contextual scorer)."""
        return self._boost

    def code_matches(self, query: str) -> set[str]:
        """Keys of passages that name every product code in ``query``: extra candidates."""
        return self._boost.code_matches(terms(query))

    def rank(
        self, query: str, query_vector: np.ndarray, candidates: list[Candidate]
    ) -> list[tuple[Candidate, float]]:
        """Candidates with their final score, best first."""
        if not candidates:
            return []
        boost = self._boost
        weights = boost.weigh(terms(query))
        scored = []
        for candidate, analysis in zip(candidates, self._cache.analyse(candidates), strict=False):
            best_unit = float(np.max(analysis.units @ query_vector))
            dense = (candidate.similarity + UNIT_WEIGHT * best_unit) / (1 + UNIT_WEIGHT)
            scored.append((candidate, dense + boost.bonus(weights, analysis)))
        scored.sort(key=lambda pair: pair[1], reverse=True)
        return scored
