"""Rank passages for a query: dense similarity at two grains, plus light keyword bonuses.

wordllama's vectors are averaged static word embeddings, so (1) a ~200-word passage vector
dilutes the one sentence that answers a question, (2) common words of the collection pull as
hard as rare ones, and (3) product codes blur ("GW-10" ~ "GW-20"). Hence:

- The index over-fetches passages by their vector; each is re-scored as the mean of the passage
  similarity and that of its best *unit* (its heading, or one sentence prefixed with the heading
  it sits under, :mod:`units`), both from the token runs stored with each passage at ingest
  (:mod:`passages`): nothing is embedded per candidate at search time.
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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.knowledge import embedding
from simulator.knowledge.keywords import codes, terms
from simulator.knowledge.passages import DenseScores, StoredPassage, dense_scores
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
BEST_UNITS = 3
"""Units reported with each ranked passage (its best-matching sentences, best first)."""
SCRIPT_WEIGHT = 0.4
"""Taken, times the passage's :attr:`~simulator.knowledge.passages.StoredPassage.prompt_share`,
from every passage's score when the query is a question (:func:`script_weight`)."""


def script_weight(query: str) -> float:
    """How much a passage's share of prompts costs it for ``query``.

    A playbook is mostly the customer's lines it quotes and the questions a rep should ask, so
    it is worded like a customer: its passages drew the questions of fact ("What does the 3D
    machine set us back?") away from the pages that hold the fact. A customer who asks a question
    wants a fact; one who states a worry ("There's just nothing left in the pot this quarter.")
    is what the playbook answers, so only a question (ending with "?") pays. Hit@1 / hit@3 by
    file, minilm, every company of the tuning sets at once (each gained or held; none was tuned
    on alone):

        weight      eval sample  coldtrace    parcelwise   dev (Orisent)  orisent
        0           0.57 / 0.80  0.75 / 0.86  0.90 / 0.97  0.68 / 0.90   0.86 / 0.93
        0.2         0.60 / 0.80  0.78 / 0.86  0.93 / 0.97  0.78 / 0.90   0.86 / 0.93
        0.4         0.60 / 0.81  0.78 / 0.89  0.93 / 0.97  0.78 / 0.93   0.86 / 0.93
        0.4, every query (statements too)
                    0.56 / 0.79  0.75 / 0.86  0.93 / 0.97  0.78 / 0.93   0.86 / 0.93

    (the sample's 51 paraphrases 0.82 / 0.88 -> 0.82 / 0.90; 0.2-1.0 is a plateau). With
    wordllama alone, over every passage: eval sample 0.44 / 0.69 -> 0.47 / 0.73, dev 0.53 / 0.85
    -> 0.68 / 0.93, orisent 0.71 / 0.86 -> 0.79 / 0.93.
    """
    return SCRIPT_WEIGHT if query.strip().rstrip("\"'”’ ").endswith("?") else 0.0


@dataclass(frozen=True)
class Ranked:
    """A passage with its final score and its units' scores (in
    :func:`~simulator.knowledge.units.unit_parts` order)."""

    passage: StoredPassage
    score: float
    unit_scores: np.ndarray

    def best_units(self, n: int = BEST_UNITS) -> tuple[tuple[int, float], ...]:
        """The ``n`` best units: (position, score), best first."""
        order = np.argsort(-self.unit_scores, kind="stable")[:n]
        return tuple((int(i), float(self.unit_scores[i])) for i in order)


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

    def bonus(self, weights: dict[str, float], passage: StoredPassage) -> float:
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

    def __init__(self, stats: CollectionStatistics) -> None:
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
        self, query: str, query_vector: np.ndarray, candidates: Sequence[StoredPassage]
    ) -> list[Ranked]:
        """Candidates with their final score, best first."""
        if not candidates:
            return []
        boost = self._boost
        weights = boost.weigh(terms(query))
        script = script_weight(query)
        dense: DenseScores = dense_scores(query_vector, candidates)
        combined = (dense.passages + UNIT_WEIGHT * dense.best_units()) / (1 + UNIT_WEIGHT)
        ranked = [
            Ranked(p, float(score) + boost.bonus(weights, p) - script * p.prompt_share, units)
            for p, score, units in zip(candidates, combined, dense.units, strict=True)
        ]
        ranked.sort(key=lambda r: r.score, reverse=True)
        return ranked
