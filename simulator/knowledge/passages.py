"""Passages as the index keeps them beside chromadb, with what ranking needs worked out at ingest.

chromadb holds each passage's id and vector and one number for filtering by scope; the text,
heading path, scope and ranking material are a row of the manifest's own SQLite table (written
with the passage's file in one transaction). Giving chromadb documents and metadata made it build
a full-text index and a metadata row per key that nothing read, most of an ingest's cost; and
working out the ranking material when a search first met a passage made cold searches slow.

Ranking material: the passage's content terms (for the keyword bonus) and its units
(:mod:`units`) as runs ("segments") of wordllama token ids, with the length of each unit's sum of
token vectors. wordllama's vector of a text is the mean of its token vectors, so the cosine of a
query vector ``q`` and a unit is the sum of ``q``'s dot products with the unit's tokens divided by
that length: a search scores every sentence of its candidates with one small matrix product, no
embedding and nothing per sentence held in memory. The segments are exactly the texts wordllama
embedded before this store existed (the passage's heading path and text as one text, the vector
chromadb indexes; each unit's "heading: sentence"), so the scores are the same as embedding them:
building a unit from its heading's and its sentence's tokens apart, markup left out, moved hit@1
up on one question set and down on another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from simulator.knowledge import embedding
from simulator.knowledge.documents import AGENTS, Chunk
from simulator.knowledge.keywords import terms
from simulator.knowledge.units import Unit, embedding_text, unit_parts

ALL_AGENTS = (1 << len(AGENTS)) - 1
"""The scope mask of an unscoped passage: every agent's bit."""


@dataclass(frozen=True)
class StoredPassage:
    """One passage and its ranking material, as stored."""

    key: str
    source: str
    section: str
    text: str
    scope: frozenset[str] | None
    """The agents that may see it; ``None`` means every agent."""
    terms: frozenset[str]
    """Content terms of its file name, heading path and text (the keyword bonus)."""
    section_terms: frozenset[str]
    tokens: np.ndarray
    """Token ids of every segment, one after the other (int32)."""
    bounds: np.ndarray
    """Segment ``i`` is ``tokens[bounds[i]:bounds[i + 1]]`` (int32, one more than segments)."""
    whole: np.ndarray
    """Per segment: part of the passage's own vector (bool)."""
    pairs: np.ndarray
    """Per unit, in :func:`~simulator.knowledge.units.unit_parts` order: the segments summed for
    its vector (int32, shape (units, 2); -1 for none: a unit is one segment, its text)."""
    norms: np.ndarray
    """Per unit: the length of the sum of its token vectors (float32; 0 for no tokens)."""
    norm: float
    """The length of the sum of the passage's own token vectors."""
    prompt_share: float = 0.0
    """The share of its units that are the material's prompts (questions, quotations:
    :attr:`~simulator.knowledge.units.Unit.is_prompt`): high for a playbook's script, which
    sounds like a customer but answers no question (:mod:`ranking`)."""

    def units(self) -> list[Unit]:
        return unit_parts(self.section, self.text)

    @property
    def scope_mask(self) -> int:
        return scope_mask(self.scope)

    def row(self) -> tuple[object, ...]:
        """The passage as a row of the manifest's ``passages`` table."""
        return (
            self.key,
            self.source,
            self.section,
            self.text,
            None if self.scope is None else scope_mask(self.scope),
            " ".join(sorted(self.terms)),
            " ".join(sorted(self.section_terms)),
            self.tokens.astype(np.uint16).tobytes(),
            self.bounds.astype(np.int32).tobytes(),
            self.whole.astype(np.uint8).tobytes(),
            self.pairs.astype(np.int32).tobytes(),
            self.norms.astype(np.float32).tobytes(),
            self.norm,
            self.prompt_share,
        )

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> StoredPassage:
        (key, source, section, text, scope, terms_, section_terms, tokens, bounds, whole, pairs,
         norms, norm, prompt_share) = row  # fmt: skip
        return cls(
            key=str(key),
            source=str(source),
            section=str(section),
            text=str(text),
            scope=None if scope is None else agents_of(int(scope)),
            terms=frozenset(str(terms_).split()),
            section_terms=frozenset(str(section_terms).split()),
            tokens=np.frombuffer(tokens, dtype=np.uint16).astype(np.int32),
            bounds=np.frombuffer(bounds, dtype=np.int32),
            whole=np.frombuffer(whole, dtype=np.uint8).astype(bool),
            pairs=np.frombuffer(pairs, dtype=np.int32).reshape(-1, 2),
            norms=np.frombuffer(norms, dtype=np.float32),
            norm=float(norm),
            prompt_share=float(prompt_share),
        )

    def token_set(self) -> np.ndarray:
        """The distinct token ids of the passage's own vector (the statistics count them)."""
        return whole_tokens(self.tokens, self.bounds, self.whole)


COLUMNS = (
    "key, source, section, text, scope, terms, section_terms, tokens, bounds, whole, pairs, "
    "norms, norm, prompt_share"
)
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS passages (key TEXT PRIMARY KEY, source TEXT NOT NULL,"
    " section TEXT NOT NULL, text TEXT NOT NULL, scope INTEGER, terms TEXT NOT NULL,"
    " section_terms TEXT NOT NULL, tokens BLOB NOT NULL, bounds BLOB NOT NULL,"
    " whole BLOB NOT NULL, pairs BLOB NOT NULL, norms BLOB NOT NULL, norm REAL NOT NULL,"
    " prompt_share REAL NOT NULL)"
)


def scope_mask(scope: frozenset[str] | None) -> int:
    """The agents as bits (unscoped: every bit), the one number chromadb filters by."""
    if scope is None:
        return ALL_AGENTS
    return sum(1 << i for i, agent in enumerate(AGENTS) if agent in scope)


def agents_of(mask: int) -> frozenset[str]:
    return frozenset(agent for i, agent in enumerate(AGENTS) if mask & (1 << i))


def visible_masks(agent: str) -> list[int]:
    """The scope masks ``agent`` sees (every mask with its bit)."""
    bit = 1 << AGENTS.index(agent)
    return [mask for mask in range(ALL_AGENTS + 1) if mask & bit]


def whole_tokens(tokens: np.ndarray, bounds: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """The distinct tokens of the segments flagged ``whole``."""
    pieces = [tokens[bounds[i] : bounds[i + 1]] for i in np.flatnonzero(whole)]
    return np.unique(np.concatenate(pieces)) if pieces else np.zeros(0, dtype=np.int32)


@dataclass(frozen=True)
class Analysed:
    """A batch of chunks ready to write: their rows, their vectors for chromadb, and the token
    ids each contributes to the statistics."""

    passages: list[StoredPassage]
    vectors: np.ndarray


def analyse(keys: Sequence[str], chunks: Sequence[Chunk]) -> Analysed:
    """Work out every chunk's ranking material and vector, the batch at once."""
    texts: list[str] = []
    whole: list[bool] = []
    pairs: list[tuple[int, int]] = []
    firsts: list[int] = []  # per chunk: its first segment
    unit_firsts: list[int] = []  # per chunk: its first unit
    prompt_shares: list[float] = []
    for chunk in chunks:
        firsts.append(len(texts))
        unit_firsts.append(len(pairs))
        texts.append(embedding_text(chunk.section, chunk.text))  # the passage's own vector
        whole.append(True)
        parts = unit_parts(chunk.section, chunk.text)
        for unit in parts:
            pairs.append((len(texts), -1))
            texts.append(unit.text)
            whole.append(False)
        prompt_shares.append(sum(u.is_prompt for u in parts) / len(parts))
    firsts.append(len(texts))
    unit_firsts.append(len(pairs))
    tokens = embedding.token_ids(texts)
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    starts = np.concatenate(([0], np.cumsum(lengths)))
    flat = np.fromiter(chain.from_iterable(tokens), dtype=np.int32, count=int(starts[-1]))
    sums = np.concatenate(
        (embedding.run_sums(flat, lengths), np.zeros((1, embedding.DIMENSIONS), dtype=np.float32))
    )
    pair_array = np.array(pairs, dtype=np.int32).reshape(-1, 2)
    unit_norms = np.linalg.norm(sums[pair_array[:, 0]] + sums[pair_array[:, 1]], axis=1)
    whole_array = np.array(whole, dtype=bool)
    own_sums = np.add.reduceat(sums[:-1] * whole_array[:, None], firsts[:-1], axis=0)
    own_norms = np.linalg.norm(own_sums, axis=1)
    vectors = np.divide(
        own_sums, own_norms[:, None], out=np.zeros_like(own_sums), where=own_norms[:, None] > 0
    ).astype(np.float32)
    out: list[StoredPassage] = []
    for i, (key, chunk) in enumerate(zip(keys, chunks, strict=True)):
        first, end = firsts[i], firsts[i + 1]
        units_at, units_end = unit_firsts[i], unit_firsts[i + 1]
        out.append(
            StoredPassage(
                key=key,
                source=chunk.source,
                section=chunk.section,
                text=chunk.text,
                scope=chunk.agents,
                terms=frozenset(
                    terms(f"{chunk.source.replace('/', ' ')} {chunk.section} {chunk.text}")
                ),
                section_terms=frozenset(terms(chunk.section)),
                tokens=flat[starts[first] : starts[end]],
                bounds=(starts[first : end + 1] - starts[first]).astype(np.int32),
                whole=whole_array[first:end],
                pairs=np.where(
                    pair_array[units_at:units_end] >= 0, pair_array[units_at:units_end] - first, -1
                ),
                norms=unit_norms[units_at:units_end].astype(np.float32),
                norm=float(own_norms[i]),
                prompt_share=prompt_shares[i],
            )
        )
    return Analysed(out, vectors)


@dataclass(frozen=True)
class DenseScores:
    """Cosines of one query vector with candidates: each passage's own, and each of its units'."""

    passages: np.ndarray
    units: list[np.ndarray]

    def best_units(self) -> np.ndarray:
        """Per passage, its best unit's cosine."""
        return np.array([u.max() if len(u) else -1.0 for u in self.units], dtype=np.float32)


def dense_scores(query: np.ndarray, passages: Sequence[StoredPassage]) -> DenseScores:
    """Cosines of the wordllama ``query`` vector (unit length) with each passage and its units,
    from one product of the query with the distinct tokens of all of them."""
    if not passages:
        return DenseScores(np.zeros(0, dtype=np.float32), [])
    matrix = embedding.token_vectors()
    tokens = np.concatenate([p.tokens for p in passages])
    np.minimum(tokens, matrix.shape[0] - 1, out=tokens)
    present = np.zeros(matrix.shape[0], dtype=bool)
    present[tokens] = True
    distinct = np.flatnonzero(present)  # no sort: a mark per vocabulary entry
    vocabulary = np.zeros(matrix.shape[0], dtype=np.float64)
    vocabulary[distinct] = matrix[distinct] @ query
    dots = vocabulary[tokens]
    running = np.concatenate(([0.0], np.cumsum(dots)))
    own = np.zeros(len(passages), dtype=np.float32)
    units: list[np.ndarray] = []
    offset = 0
    for i, p in enumerate(passages):
        edges = running[offset + p.bounds]
        segment = np.append(edges[1:] - edges[:-1], 0.0)  # index -1: no segment
        offset += len(p.tokens)
        if p.norm > 0:
            own[i] = segment[:-1][p.whole].sum() / p.norm
        unit_dots = segment[p.pairs[:, 0]] + segment[p.pairs[:, 1]]
        units.append(
            np.divide(unit_dots, p.norms, out=np.zeros(len(p.norms)), where=p.norms > 0).astype(
                np.float32
            )
        )
    return DenseScores(own, units)


def unit_vectors(passages: Sequence[StoredPassage]) -> tuple[np.ndarray, np.ndarray]:
    """Every passage's own vector and every unit's (unit length, wordllama), for the contextual
    snapshot that scores a whole folder at once."""
    own = np.zeros((len(passages), embedding.DIMENSIONS), dtype=np.float32)
    rows: list[np.ndarray] = []
    for start in range(0, len(passages), 256):
        batch = passages[start : start + 256]
        segments = [p.tokens[p.bounds[i] : p.bounds[i + 1]].tolist() for p in batch
                    for i in range(len(p.whole))]  # fmt: skip
        sums = embedding.token_sums(segments)
        at = 0
        for i, p in enumerate(batch, start=start):
            count = len(p.whole)
            seg = np.concatenate((sums[at : at + count], np.zeros((1, sums.shape[1]), np.float32)))
            at += count
            passage_sum = seg[:count][p.whole].sum(axis=0)
            if p.norm > 0:
                own[i] = passage_sum / p.norm
            unit_sums = seg[p.pairs[:, 0]] + seg[p.pairs[:, 1]]
            norms = np.linalg.norm(unit_sums, axis=1, keepdims=True)
            rows.append(np.divide(unit_sums, norms, out=np.zeros_like(unit_sums), where=norms > 0))
    units = np.concatenate(rows) if rows else np.zeros((0, embedding.DIMENSIONS), np.float32)
    return own, units
