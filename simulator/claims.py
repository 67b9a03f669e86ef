"""The claim check: is every price, percentage, quantity, date and named fact in a reply supported?

A rep rehearsing with an AI team must not learn a wrong price from it, and a model can state one
with confidence. So every agent reply is checked against the knowledge base, live:

1. :func:`~simulator.statements.find_statements` finds the reply's statements, and the same
   extractor has read every passage of the knowledge folder into a table of facts (built once).
2. A statement is **supported** when a fact says the same thing (same value, and for a price the
   same "per" terms: ``$11 per sensor`` is supported by ``$11 per sensor per month``, ``$11 per
   year`` is not), or a structured look-up of the same turn returned it, or the customer said it,
   or it is a price times a number said in the conversation (``40 × $11``).
3. Facts are ranked by how much of the claim's sentence their own line and heading share
   (rarer words weigh more), with a bonus for passages that retrieval
   (:meth:`~simulator.knowledge.index.KnowledgeIndex.search` on the claim's sentence, and the
   passages the agent was given) brings up. The best fact stating a *different* value about the
   same thing is the **contradicting** passage: "The Professional plan is $9 per sensor" is flagged
   with "Professional — $11 per sensor per month". When that contradicting fact matches the claim's
   sentence much better than any supporting one ("Enterprise is $11" while $11 is Professional's
   price), the claim is flagged too.
4. Named facts (``HIPAA``, ``CT-500``, ``ColdTrace Ultra``) are supported when the knowledge base
   names them; otherwise the closest passage naming facts of the same sort is shown.

:class:`ClaimWatch` follows a session's events and turns each agent reply into a :class:`ClaimJob`
with what the check needs from the turn (the passages the agent read, the look-ups' outputs, the
customer's words). Checking blocks (retrieval): the session runs it with ``asyncio.to_thread``.
"""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.events import (
    AgentRole,
    Claim,
    ClaimCheckEvent,
    ConversationResetEvent,
    Event,
    Passage,
    RetrievalEvent,
    ToolCallEvent,
    TranscriptEvent,
)
from simulator.knowledge import keywords
from simulator.knowledge.documents import load_folder
from simulator.statements import Statement, find_statements, normalise

if TYPE_CHECKING:
    from simulator.knowledge.index import KnowledgeIndex

SEARCH_K = 6
RETRIEVED_BONUS = 0.5
MARGIN = 1.0
"""How much better (in summed inverse document frequency) a contradicting fact must match the
claim's sentence than the best supporting one before a claim with support is flagged anyway."""
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
_NAME = re.compile(r"(?<=[a-z0-9,;)]\s)([A-Z][a-z]+[A-Za-z]*)")
_CLAUSE = re.compile(r"\s*[,;:()\u2013\u2014]\s*|\s+(?:and|but|while|whereas)\s+")


@dataclass(frozen=True)
class ClaimJob:
    """One agent reply to check, with what its turn provides as evidence."""

    turn_id: int
    agent: AgentRole
    reply: str
    retrieved: tuple[Passage, ...] = ()
    tool_outputs: tuple[str, ...] = ()
    customer_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Fact:
    statement: Statement
    passage: int
    line: frozenset[str]
    """Content words of the line that states the fact (a sentence, a bullet, a table row)."""
    heading: frozenset[str]
    """Content words of its section heading: what the line is about when the line does not say."""


class ClaimChecker:
    """Checks replies against a fixed set of passages (a knowledge folder's); thread-safe once
    built."""

    def __init__(
        self,
        passages: Sequence[Passage],
        *,
        search: Callable[[str], Sequence[Passage]] | None = None,
    ) -> None:
        """``search`` finds the passages for a sentence (the knowledge index); without it only
        the passages the agent was given count as retrieved."""
        self._passages = list(passages)
        self._search = search
        self._ids = {_passage_key(p): n for n, p in enumerate(self._passages)}
        self._facts: dict[str, list[_Fact]] = defaultdict(list)
        self._normalised = [normalise(f"{p.section}\n{p.text}") for p in self._passages]
        self._heading_words = {w.strip(".,:;()") for p in self._passages for w in p.section.split()}
        self._names = {
            keywords.stem(m.group(1).lower())
            for p in self._passages
            for m in _NAME.finditer(p.text)
        }
        """Words the knowledge base capitalises mid-sentence: plan, product and company names."""
        document_frequency: dict[str, int] = defaultdict(int)
        for n, passage in enumerate(self._passages):
            for term in _words(f"{passage.section} {passage.text}"):
                document_frequency[term] += 1
            heading = passage.section.split(" > ")[-1]
            heading_words = _words(heading)
            for line in [heading, *passage.text.splitlines()]:
                for statement in find_statements(line):
                    self._facts[statement.kind].append(
                        _Fact(statement, n, _words(line), heading_words)
                    )
        sizes = [len(f.line) for facts in self._facts.values() for f in facts]
        self._average_context = sum(sizes) / len(sizes) if sizes else 1.0
        total = len(self._passages) + 1
        self._idf = {t: math.log(total / (df + 0.5)) for t, df in document_frequency.items()}
        self._default_idf = math.log(total / 0.5)

    @classmethod
    def for_folder(cls, knowledge_dir: Path, index: KnowledgeIndex | None = None) -> ClaimChecker:
        """Read ``knowledge_dir`` (blocking) and search it through ``index`` when given."""
        load = load_folder(Path(knowledge_dir))
        passages = [
            Passage(source=c.source, section=c.section, score=0.0, text=c.text) for c in load.chunks
        ]
        search = (lambda query: index.search(query, k=SEARCH_K)) if index is not None else None
        return cls(passages, search=search)

    def check(self, job: ClaimJob) -> ClaimCheckEvent:
        started = time.perf_counter()
        said_by_customer = [s for line in job.customer_lines for s in find_statements(line)]
        from_tools = [s for output in job.tool_outputs for s in find_statements(output)]
        statements = find_statements(job.reply)
        multipliers = {
            s.amount
            for s in [*statements, *said_by_customer]
            if s.amount is not None
            and s.amount >= 2
            and float(s.amount).is_integer()
            and s.kind == "quantity"
        }
        given = {self._ids[k] for k in map(_passage_key, job.retrieved) if k in self._ids}
        retrieved: dict[str, set[int]] = {}
        claims = []
        for statement in statements:
            sentence = _sentence_of(job.reply, statement.start)
            if sentence not in retrieved:
                retrieved[sentence] = given | self._retrieve(sentence)
            claims.append(
                self._judge(
                    statement,
                    sentence,
                    retrieved[sentence],
                    from_tools,
                    said_by_customer,
                    multipliers,
                )
            )
        return ClaimCheckEvent(
            turn_id=job.turn_id,
            agent=job.agent,
            reply=job.reply,
            claims=tuple(claims),
            elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    # -- judging one statement ---------------------------------------------------------------

    def _judge(
        self,
        claim: Statement,
        sentence: str,
        retrieved: set[int],
        from_tools: list[Statement],
        said_by_customer: list[Statement],
        multipliers: set[float],
    ) -> Claim:
        base = {"text": claim.text, "start": claim.start, "end": claim.end, "kind": claim.kind}
        if claim.kind == "named_fact":
            return self._judge_named(claim, sentence, retrieved, base)
        if any(_same_value(claim, s) for s in from_tools):
            return Claim(
                **base, supported=True, evidence="tool", note="a look-up of this turn returned it"
            )
        if any(_same_value(claim, s) for s in said_by_customer):
            return Claim(**base, supported=True, evidence="customer", note="the customer said it")
        context = _context(sentence, claim)
        score = _Scorer(self._idf, self._default_idf, self._average_context, context, retrieved)
        facts = self._facts[claim.kind]
        supporters = [f for f in facts if _supports(claim, f.statement)]
        contradictors = [f for f in facts if _contradicts(claim, f.statement)]
        best_s = max(supporters, key=score, default=None)
        best_c = max(contradictors, key=score, default=None)
        if best_s is not None:
            if (
                best_c is not None
                and score(best_c) >= max(score(best_s) + MARGIN, MARGIN)
                and score.strength(best_c) >= max(2, score.strength(best_s) + 2)
                and (score.strength(best_c) >= 4 or score.names(best_c, self._names))
            ):
                return Claim(
                    **base,
                    supported=False,
                    contradicting=self._passage(best_c, score(best_c)),
                    note=f"here the knowledge base says {best_c.statement.text}",
                )
            return Claim(
                **base,
                supported=True,
                evidence="knowledge",
                supporting=self._passage(best_s, score(best_s)),
            )
        if claim.kind == "price":
            products = [
                (fact, n)
                for fact in facts
                for n in multipliers
                if fact.statement.amount
                and claim.unit == fact.statement.unit
                and claim.qualifier <= fact.statement.qualifier
                and n != claim.amount
                and abs(fact.statement.amount * n - (claim.amount or 0)) < 0.005
            ]
            if products:
                fact, n = max(
                    products,
                    key=lambda p: (score(p[0]), p[0].statement.text.startswith(("$", "€", "£"))),
                )
                return Claim(
                    **base,
                    supported=True,
                    evidence="calculation",
                    supporting=self._passage(fact, score(fact)),
                    note=f"{n:g} × {fact.statement.text}",
                )
        contradicting = (
            self._passage(best_c, score(best_c))
            if best_c is not None and score(best_c) > 0
            else None
        )
        note = (
            f"the knowledge base says {best_c.statement.text}"
            if contradicting and best_c
            else "nothing in the knowledge base states it"
        )
        return Claim(**base, supported=False, contradicting=contradicting, note=note)

    def _judge_named(
        self, claim: Statement, sentence: str, retrieved: set[int], base: dict
    ) -> Claim:
        needle = normalise(claim.text)
        holders = [n for n, text in enumerate(self._normalised) if needle in text]
        sentence_terms = keywords.terms(sentence)
        if holders:
            best = max(
                holders,
                key=lambda n: (
                    n in retrieved,
                    len(sentence_terms & keywords.terms(self._passages[n].text)),
                ),
            )
            return Claim(
                **base, supported=True, evidence="knowledge", supporting=self._at(best, 1.0)
            )
        if claim.unit == "brand" and all(w in self._heading_words for w in claim.text.split()[1:]):
            # "ColdTrace Professional": the brand and a plan or product named in a heading
            return Claim(
                **base,
                supported=True,
                evidence="knowledge",
                note="the knowledge base names each part of it",
            )
        ranked = sorted(
            retrieved,
            key=lambda n: -len(keywords.terms(sentence) & keywords.terms(self._passages[n].text)),
        )
        same_sort = next(
            (
                n
                for n in ranked
                if any(
                    f.passage == n and f.statement.unit == claim.unit
                    for f in self._facts["named_fact"]
                )
            ),
            None,
        )
        return Claim(
            **base,
            supported=False,
            contradicting=self._at(same_sort, 0.0) if same_sort is not None else None,
            note=f"the knowledge base never mentions {claim.text}",
        )

    # -- helpers -------------------------------------------------------------------------------

    def _retrieve(self, sentence: str) -> set[int]:
        if self._search is None:
            return set()
        return {self._ids[k] for k in map(_passage_key, self._search(sentence)) if k in self._ids}

    def _passage(self, fact: _Fact, score: float) -> Passage:
        return self._at(fact.passage, score)

    def _at(self, n: int, score: float) -> Passage:
        return self._passages[n].model_copy(update={"score": round(score, 3)})


class _Scorer:
    """How well a fact's line and heading match the words around the claim."""

    def __init__(
        self,
        idf: dict[str, float],
        default: float,
        average: float,
        context: frozenset[str],
        retrieved: set[int],
    ) -> None:
        self._idf, self._default, self._average = idf, default, average
        self._context, self._retrieved = context, retrieved
        self._cache: dict[int, float] = {}

    def __call__(self, fact: _Fact) -> float:
        key = id(fact)
        if key not in self._cache:
            on_line = self._context & fact.line
            on_heading = (self._context & fact.heading) - on_line
            # A word shared with a long paragraph says less than one shared with a short line (as in
            # BM25).
            value = 2 * self._weight(on_line) / (0.5 + 0.5 * len(fact.line) / self._average)
            value += self._weight(on_heading)
            value += RETRIEVED_BONUS if fact.passage in self._retrieved else 0.0
            value += 0.01 * len(on_line) / (len(fact.line) + 1)  # the tighter line wins a tie
            self._cache[key] = value
        return self._cache[key]

    def strength(self, fact: _Fact) -> int:
        """Words shared with the claim's clause: twice for the fact's own line, once for its
        heading."""
        on_line = self._context & fact.line
        return 2 * len(on_line) + len((self._context & fact.heading) - on_line)

    def names(self, fact: _Fact, names: set[str]) -> bool:
        """Whether the fact shares a name (``Enterprise``, ``GW-20``) with the claim's clause."""
        return any(t in names or "-" in t for t in self._context & (fact.line | fact.heading))

    def _weight(self, terms: frozenset[str]) -> float:
        return sum(self._idf.get(t, self._default) for t in terms)


def _same_value(a: Statement, b: Statement) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "date":
        return _date_fits(a.key, b.key)
    if a.amount is not None and b.amount is not None:
        return abs(a.amount - b.amount) < 0.005 and (a.kind != "price" or a.unit == b.unit)
    return a.key == b.key


def _supports(claim: Statement, fact: Statement) -> bool:
    if not _same_value(claim, fact):
        return False
    if claim.kind == "price":
        return claim.qualifier <= fact.qualifier
    if claim.kind == "quantity" and claim.unit:
        return (
            claim.unit == fact.unit
            or claim.unit in fact.qualifier
            or bool(fact.unit and fact.unit in claim.qualifier)
        )
    return True


def _contradicts(claim: Statement, fact: Statement) -> bool:
    """``fact`` speaks about the same sort of thing as ``claim`` and says something else."""
    if claim.kind != fact.kind or _supports(claim, fact):
        return False
    if claim.kind == "price":
        return claim.unit == fact.unit and (
            not claim.qualifier or bool(claim.qualifier & fact.qualifier)
        )
    if claim.kind == "quantity":
        return bool(claim.unit) and claim.unit == fact.unit
    if claim.kind == "date":
        return _date_parts(claim.key).keys() <= _date_parts(fact.key).keys()
    return True


def _date_fits(claim_key: str, fact_key: str) -> bool:
    claim, fact = _date_parts(claim_key), _date_parts(fact_key)
    return bool(claim) and all(fact.get(part) == value for part, value in claim.items())


def _date_parts(key: str) -> dict[str, str]:
    if key.startswith("q"):
        quarter, _, year = key[1:].partition("-")
        return {"quarter": quarter, **({"year": year} if year else {})}
    parts = dict(zip(("year", "month", "day"), key.split("-"), strict=False))
    return {k: v for k, v in parts.items() if v and v != "----"}


def _context(sentence: str, claim: Statement) -> frozenset[str]:
    """The content words around a claim: its clause (between commas, semicolons, dashes or
    "and"), or its whole sentence when the clause has no other words."""
    position = sentence.find(claim.text)
    clause = sentence
    if position >= 0:
        pieces = [(m.start(), m.end()) for m in _CLAUSE.finditer(sentence)]
        start = max((e for s, e in pieces if e <= position), default=0)
        end = min((s for s, e in pieces if s >= position + len(claim.text)), default=len(sentence))
        clause = sentence[start:end]
    own = _words(claim.text)
    return (_words(clause) - own) or (_words(sentence) - own)


def _words(text: str) -> frozenset[str]:
    """Content words, stemmed; unlike search terms, "3-year" is the word "year" once."""
    return frozenset(
        keywords.stem(w)
        for w in re.findall(r"[a-z]+(?:-\d[a-z0-9]*)?", text.lower())
        if len(w) > 1 and w not in keywords.STOPWORDS
    )


def _sentence_of(text: str, position: int) -> str:
    for m in _SENTENCE.finditer(text):
        if m.start() <= position < m.end():
            return m.group(0).strip()
    return text


def _passage_key(passage: Passage) -> tuple[str, str]:
    return passage.source, " ".join(passage.text.split())


@dataclass
class ClaimWatch:
    """Follows a session's events; :meth:`observe` returns a job for each agent reply."""

    checker: ClaimChecker
    _retrieved: dict[str, tuple[Passage, ...]] = field(default_factory=dict)
    _tool_outputs: list[str] = field(default_factory=list)
    _customer_lines: list[str] = field(default_factory=list)
    _turn: int = -1

    def observe(self, event: Event) -> ClaimJob | None:
        if isinstance(event, ConversationResetEvent):
            self._customer_lines.clear()
            self._tool_outputs.clear()
            self._retrieved.clear()
        elif isinstance(event, RetrievalEvent):
            self._new_turn(event.turn_id)
            self._retrieved[event.agent] = event.passages
        elif isinstance(event, ToolCallEvent):
            self._new_turn(event.turn_id)
            self._tool_outputs.append(event.output)
        elif isinstance(event, TranscriptEvent):
            self._new_turn(event.turn_id)
            if event.speaker == "customer":
                self._customer_lines.append(event.text)
            else:
                return ClaimJob(
                    turn_id=event.turn_id,
                    agent=event.speaker,
                    reply=event.text,
                    retrieved=self._retrieved.get(event.speaker, ()),
                    tool_outputs=tuple(self._tool_outputs),
                    customer_lines=tuple(self._customer_lines),
                )
        return None

    def _new_turn(self, turn_id: int) -> None:
        if turn_id != self._turn:
            self._turn = turn_id
            self._tool_outputs.clear()
            self._retrieved.clear()
