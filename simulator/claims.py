"""The claim check: is every price, percentage, quantity, date and named fact in a reply true?

A rep rehearsing with an AI team must not learn a wrong price from it, and a model can state one
with confidence. So every agent reply is checked against the knowledge base's facts
(:mod:`simulator.facts`: each value the material states, bound to its subject and attribute),
comparing facts, not words:

1. :func:`~simulator.statements.find_statements` finds the reply's claims, figures and numbers in
   words alike ("twenty-four dollars", "five-year", "a third off").
2. Each claim is bound to its **subject** by the names the reply uses
   (:mod:`simulator.facts.subjects`): in the claim's clause, else its sentence, else the reply's
   or the conversation's last-named subject (the reply said "it"). Its **attribute** is the
   words around it ("discount", "uptime").
3. It is compared with the facts about that subject - never with a fact about a rival (another
   plan, another product): **supported** when one states the same value with a fitting attribute;
   **contradicted** when the subject's fact about the same attribute states another value (the
   verdict shows that value and its sentence); **unsupported** when nothing in the knowledge says
   it. A claim with no subject is compared with every fact, and a value is supported only when
   the fact that states it matches the claim's words at least as well as any fact that states
   something else.
4. The customer's own words, a look-up's output in the same turn, and a price times a number said
   in the conversation (``40 × $11``) support a claim too. Named facts (``HIPAA``, ``CT-500``) are
   supported when the material names them.

:class:`ClaimWatch` follows a session's events and turns each agent reply into a :class:`ClaimJob`.
Checking is quick but blocking: the session runs it with ``asyncio.to_thread``.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from simulator.events import (
    Claim,
    ClaimCheckEvent,
    ConversationResetEvent,
    Event,
    Passage,
    RetrievalEvent,
    Seller,
    ToolCallEvent,
    TranscriptEvent,
)
from simulator.facts import attributes
from simulator.facts.binding import Binding, bind, sentence_at, sentences
from simulator.facts.competitors import competitor_names, is_foreign, names_competitor
from simulator.facts.extract import clause_of
from simulator.facts.matching import (
    Known,
    Scorer,
    authored,
    comparable_to,
    conflicts,
    fits,
    holds_under,
    know,
    same_statement,
    states_value,
    wins,
)
from simulator.facts.model import Fact
from simulator.facts.offerings import Offerings
from simulator.facts.places import places_in
from simulator.facts.polarity import Polarity
from simulator.facts.status import Statuses
from simulator.facts.store import FactStore
from simulator.facts.subjects import Vocabulary
from simulator.facts.unheard import Unheard, stems
from simulator.facts.values import same_terms
from simulator.knowledge import keywords
from simulator.statements import MONTHS, Statement, find_statements, normalise


@dataclass(frozen=True)
class ClaimJob:
    """One agent reply (or rep's line) to check, with what its turn provides as evidence."""

    turn_id: int
    agent: Seller
    reply: str
    retrieved: tuple[Passage, ...] = ()
    tool_outputs: tuple[str, ...] = ()
    customer_lines: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    """The conversation's earlier lines, oldest first: where "it" finds what it stands for."""


class ClaimChecker:
    """Checks replies against a knowledge base's facts; thread-safe once built."""

    def __init__(self, store: FactStore) -> None:
        self.store = store
        self.vocabulary = Vocabulary(store.files)
        self._by_kind: dict[str, list[Known]] = defaultdict(list)
        for fact in store.facts:
            self._by_kind[fact.kind].append(know(self.vocabulary, fact))
        self._text = " ".join(f.text for f in store.files)
        self._units = {k.fact.unit for k in self._by_kind["quantity"] if k.fact.unit}
        self._competitors = competitor_names(store.files)
        self._foreign = {
            id(k.fact)
            for ks in self._by_kind.values()
            for k in ks
            if is_foreign(k.fact, self._competitors)
        }
        self._offerings = Offerings(self.vocabulary, store.files)
        self._polarity = Polarity(self.vocabulary, store.files)
        self._unheard = Unheard(store.files, self.vocabulary.names)
        self._status = Statuses(self.vocabulary, store.files)
        self._words_of: dict[frozenset[str], frozenset[str]] = {}
        named = {n for e in self.vocabulary.entities for n in e.names}
        self._places: dict[str, set[str]] = {}
        for file in store.files:
            for place, roles in file.places.items():
                if place not in named:  # "Professional" is a plan, not a place
                    self._places.setdefault(place, set()).update(roles)

    @classmethod
    def for_folder(cls, knowledge_dir: Path, *, cache_dir: Path | None = None) -> ClaimChecker:
        """Read ``knowledge_dir``'s facts (blocking), from ``cache_dir`` where unchanged."""
        return cls(FactStore.load(Path(knowledge_dir), cache_dir))

    def check(self, job: ClaimJob) -> ClaimCheckEvent:
        started = time.perf_counter()
        said_by_customer = [s for line in job.customer_lines for s in find_statements(line)]
        from_tools = [s for output in job.tool_outputs for s in find_statements(output)]
        statements = [self._rate(s, job.reply) for s in find_statements(job.reply, soft=True)]
        multipliers = {
            s.amount
            for s in [*statements, *said_by_customer]
            if s.kind == "quantity"
            and s.amount is not None
            and s.amount >= 2
            and float(s.amount).is_integer()
        }
        claims = [
            self._judge(s, job, from_tools, said_by_customer, multipliers)
            for s in statements
            if s.kind != "quantity" or s.unit  # a bare number says nothing checkable on its own
        ]
        # "two things might help" and "renew every year" are no claims; "five sales channels" and
        # "every quarter" are where the material says otherwise
        soft = {(s.start, s.end) for s in statements if s.soft}
        claims = [c for c in claims if (c.start, c.end) not in soft or c.verdict == "contradicted"]
        claims += self._unknown_names(job, statements) + self._misplaced(job, claims)
        claims += self._offered_elsewhere(job, claims)
        claims += self._backwards(job, claims)
        claims += self._unheard_things(job, claims)
        claims += self._statuses(job, claims)
        claims.sort(key=lambda c: c.start)
        return ClaimCheckEvent(
            turn_id=job.turn_id,
            agent=job.agent,
            reply=job.reply,
            claims=tuple(claims),
            elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def _rate(self, statement: Statement, reply: str) -> Statement:
        """A bare number said as a rate ("SMS alarms are capped at 200 a month") counts what its
        clause named before it, when the material counts that (200 SMS): a claim like any."""
        if (
            statement.kind != "quantity"
            or statement.unit
            or statement.amount is None
            or not statement.qualifier & _RATES
        ):
            return statement
        sentence, at = sentence_at(reply, statement.start)
        clause = clause_of(sentence, statement.start - at, statement.end - at)
        before = clause[: max(0, clause.find(statement.text))] or sentence[: statement.start - at]
        for word in reversed(re.findall(r"[A-Za-z][A-Za-z-]*", before)):
            unit = attributes.unit(keywords.stem(word.lower()))
            if unit in self._units:
                return replace(statement, unit=unit, key=f"{statement.amount:g}|{unit}")
        return statement

    # -- one claim -----------------------------------------------------------------------------

    def _judge(
        self,
        claim: Statement,
        job: ClaimJob,
        from_tools: list[Statement],
        said_by_customer: list[Statement],
        multipliers: set[float],
    ) -> Claim:
        base = {"text": claim.text, "start": claim.start, "end": claim.end, "kind": claim.kind}
        if claim.kind == "named_fact":
            return self._judge_named(claim, job, base)
        if any(same_statement(claim, s) for s in from_tools):
            return _supported(base, "tool", note="a look-up of this turn returned it")
        if any(same_statement(claim, s) for s in said_by_customer):
            return _supported(base, "customer", note="the customer said it")
        sentence, at = sentence_at(job.reply, claim.start)
        quoted = normalise(sentence)
        if len(quoted.split()) >= 6 and quoted in self._text:
            # the material's own sentence, word for word (the offline team speaks only those)
            return _supported(base, "knowledge", note="the knowledge base says it in these words")
        binding = bind(self.vocabulary, claim, job.reply, job.before)
        candidates = [k for k in self._by_kind[claim.kind] if comparable_to(claim, k)]
        theirs: list[Known] = []
        if not self._of_competitor(sentence, claim.start - at, claim.end - at):
            # a competitor's figure, quoted to compare with, is never ours
            theirs = [k for k in candidates if id(k.fact) in self._foreign]
            candidates = [k for k in candidates if id(k.fact) not in self._foreign]
            if any(set(key.split()) & self._competitors for key in binding.names):
                # "ours ..., while FrostWatch ...": the competitor named later is not its subject
                binding = replace(binding, names=frozenset(), subject="", inherited=False)
        verdict = self._compare(claim, binding, candidates, multipliers, base)
        if binding.inherited and verdict.outcome != "supported" and binding.words:
            # the subject came from an earlier clause or line: if nothing about it matches what
            # this clause speaks of ("delivery is free over..."), the clause is about something else
            alone = replace(binding, names=frozenset(), subject="", inherited=False)
            second = self._compare(claim, alone, candidates, multipliers, base)
            if not self._speaks_of(binding, claim, candidates):
                verdict = second
        quoted_from = next((k for k in theirs if states_value(claim, k)), None)
        if verdict.outcome == "unsupported" and quoted_from is not None:
            note = (
                f"{claim.text} is a competitor's figure in the knowledge base "
                f"({quoted_from.fact.evidence}), not ours"
            )
            verdict = verdict.model_copy(update={"note": note})
        return verdict

    def _compare(
        self,
        claim: Statement,
        binding: Binding,
        candidates: list[Known],
        multipliers: set[float],
        base: dict,
    ) -> Claim:
        base = {**base, "subject": binding.subject}
        pool, about = self._pool(binding, candidates)
        same = [k for k in pool if states_value(claim, k)]
        other = [k for k in pool if not states_value(claim, k) and not k.reference]
        score = Scorer(binding, claim)
        best_same = max(same, key=lambda k: (score(k), authored(k)), default=None)
        best_other = max(other, key=lambda k: (score(k), authored(k)), default=None)
        if (
            best_same is not None
            and (best_other is None or wins(score(best_same), score(best_other), claim, best_other))
            and (
                about
                or score.words(best_same) + score.topic(best_same)
                or holds_under(binding, best_same) > 0
                or not binding.words
            )
        ):
            sibling = self._siblings_value(claim, binding, best_same, candidates)
            if sibling is None:
                return _supported(base, "knowledge", supporting=_passage(best_same, score))
            return Claim(
                **base,
                supported=False,
                verdict="unsupported",
                note=f"the knowledge base gives {sibling.fact.text} to "
                f"{self._labels(sibling.own & self.vocabulary.rivals_of(binding.names))}, "
                f"not to {binding.subject}",
            )
        calculation = self._calculation(claim, multipliers, candidates, score)
        if calculation is not None:
            fact, n = calculation
            return _supported(
                base,
                "calculation",
                supporting=_passage(fact, score),
                note=f"{n:g} × {fact.fact.text}",
            )
        if best_other is not None and self._contradicts(best_other, other, score, about):
            rivals = [
                k
                for k in other
                if k.fact.key != best_other.fact.key and score(k) >= score(best_other) - 0.5
            ]
            if not (rivals and not about):  # several facts, several values: it is not clear which
                right = best_other.fact
                return Claim(
                    **base,
                    supported=False,
                    verdict="contradicted",
                    correct=right.text,
                    contradicting=_passage(best_other, score),
                    note=_contradiction_note(binding, right),
                )
        return Claim(
            **base,
            supported=False,
            verdict="unsupported",
            note=_absent_note(binding, claim),
        )

    def _of_competitor(self, sentence: str, start: int, end: int) -> bool:
        """Whether a claim is said of a competitor: its clause names one, or names nothing and
        its sentence named one before it ("FrostWatch's sensors cost $59, and their plan...")."""
        clause = clause_of(sentence, start, end)
        if names_competitor(clause, self._competitors):
            return True
        upto = sentence[: max(0, sentence.find(clause)) + len(clause)]
        return not self.vocabulary.entities_in(clause) and names_competitor(upto, self._competitors)

    def _siblings_value(
        self, claim: Statement, binding: Binding, best: Known, candidates: list[Known]
    ) -> Known | None:
        """A sibling's part said with our subject: "the P5's detector has a five-year warranty"
        when five years covers the P5's X-ray tube and the Vista 3D's detector. The fact of
        another model with the same value that names what the claim's clause names and the
        subject's own fact does not."""
        if not binding.names:
            return None
        missing = binding.words - best.words - best.topic - attributes.GENERIC - attributes.NAMED
        missing -= self._said_of(binding.names)
        if not missing:
            return None
        rivals = self.vocabulary.rivals_of(binding.names)
        for known in candidates:
            if (
                known.own & rivals
                and not known.own & binding.names
                and states_value(claim, known)
                and missing <= attributes.words(known.fact.evidence)
                and not missing <= attributes.words(best.fact.evidence)
            ):
                return known
        return None

    def _said_of(self, names: frozenset[str]) -> frozenset[str]:
        """Every word the material says in a sentence about one of ``names``."""
        if names not in self._words_of:
            self._words_of[names] = frozenset().union(
                *(
                    attributes.words(m.text)
                    for file in self.store.files
                    for m in file.mentions
                    if names & self.vocabulary.entities_in(f"{m.text} {m.subject}")
                )
            )
        return self._words_of[names]

    def _labels(self, keys: frozenset[str]) -> str:
        labels = {e.key: e.label for e in self.vocabulary.entities}
        return ", ".join(sorted(labels.get(k, k) for k in keys)) or "another model"

    def _speaks_of(self, binding: Binding, claim: Statement, candidates: list[Known]) -> bool:
        """Whether a fact about the binding's subject shares a word with the claim's clause."""
        pool, about = self._pool(binding, candidates)
        score = Scorer(binding, claim)
        return about and any(score.words(k) for k in pool)

    def _pool(self, binding: Binding, candidates: list[Known]) -> tuple[list[Known], bool]:
        """The facts a claim is compared with: those about its subject (never a rival's); when
        the material says nothing of that sort about the subject, the facts about no rival."""
        candidates = [k for k in candidates if holds_under(binding, k) >= 0]
        if not binding.names:
            return [k for k in candidates if fits(binding.words, k)], False
        rivals = self.vocabulary.rivals
        fair = [k for k in candidates if not conflicts(binding.names, k, rivals)]
        about = [k for k in fair if binding.names & k.context and fits(binding.words, k)]
        if about:
            return about, True
        return [k for k in fair if not any(rivals.get(e) for e in k.own)], False

    def _contradicts(self, best: Known, other: list[Known], score: Scorer, about: bool) -> bool:
        """Whether the best-matching fact stating another value speaks of the same thing."""
        words = score.binding.words
        if not fits(words, best):
            return False
        if about:
            values = {k.fact.key for k in other if fits(words, k)}
            own = bool(score.binding.names & best.own)
            return score.words(best) > 0 or len(values) == 1 or (own and not words)
        strong = bool(attributes.exclusive(words) & best.words)
        return (
            score.words(best) >= 2 or strong or (score.words(best) >= 1 and score.topic(best) >= 1)
        )

    def _calculation(
        self,
        claim: Statement,
        multipliers: set[float],
        candidates: list[Known],
        score: Scorer,
    ) -> tuple[Known, float] | None:
        """A price that is a number said in the conversation times a price of the material."""
        if claim.kind != "price" or claim.amount is None:
            return None
        products = [
            (known, n)
            for known in candidates
            for n in sorted(multipliers)
            if known.fact.amount
            and n != claim.amount
            and abs(known.fact.amount * n - claim.amount) < 0.005
            and same_terms(claim.qualifier, claim.period, known.fact, known.terms)
        ]
        return max(
            products,
            key=lambda p: (score(p[0]), p[0].fact.text.startswith(("$", "€", "£"))),
            default=None,
        )

    def _judge_named(self, claim: Statement, job: ClaimJob, base: dict) -> Claim:
        """A certification, code or brand: the material names it, or it does not. A rating the
        material gives another way for the claim's subject (the CT-300's IP54, not IP67) is
        contradicted."""
        family = _family(claim.key)
        binding = bind(self.vocabulary, claim, job.reply, job.before)
        products = binding.names
        if family and products and claim.unit == "certification":
            base = {**base, "subject": binding.subject}
            about = [
                k
                for k in self._by_kind["named_fact"]
                if _family(k.fact.key) == family
                and products & k.own
                and not conflicts(products, k, self.vocabulary.rivals)
            ]
            same = [k for k in about if k.fact.key == claim.key]
            if same:
                return _supported(base, "knowledge", supporting=_passage(same[0], None))
            if len({k.fact.key for k in about}) == 1:
                fact = about[0].fact
                return Claim(
                    **base,
                    supported=False,
                    verdict="contradicted",
                    correct=fact.text,
                    contradicting=_passage(about[0], None),
                    note=_contradiction_note(binding, fact),
                )
        if normalise(claim.text) in self._text:
            holders = [
                k
                for k in self._by_kind["named_fact"]
                if normalise(k.fact.text) == normalise(claim.text)
            ]
            holder = min(holders, key=lambda k: len(k.fact.evidence), default=None)
            return _supported(
                base,
                "knowledge",
                supporting=_passage(holder, None) if holder else None,
            )
        if claim.unit == "brand" and all(
            normalise(word) in self._text for word in claim.text.split()
        ):
            return _supported(base, "knowledge", note="the knowledge base names each part of it")
        return Claim(
            **base,
            supported=False,
            verdict="unsupported",
            note=f"the knowledge base never mentions {claim.text}",
        )

    def _misplaced(self, job: ClaimJob, taken: list[Claim]) -> list[Claim]:
        """Places the reply gives a role the material never gives them ("our Rotterdam
        warehouse" when Rotterdam is the office): unsupported, naming the roles it does give."""
        out = []
        for sentence, offset in sentences(job.reply):
            for found in places_in(sentence, offset, self._places):
                roles = self._places[found.place.lower()]
                if found.role in roles or any(
                    c.start < found.end and found.start < c.end for c in taken
                ):
                    continue
                out.append(
                    Claim(
                        text=job.reply[found.start : found.end],
                        start=found.start,
                        end=found.end,
                        kind="named_fact",
                        supported=False,
                        verdict="unsupported",
                        subject=found.place,
                        note=f"the knowledge base names {found.place} only as {_roles(roles)}, "
                        f"never as {_roles({found.role})}",
                    )
                )
        return out

    def _offered_elsewhere(self, job: ClaimJob, taken: list[Claim]) -> list[Claim]:
        """Features the reply puts on a plan that lacks them ("Starter includes phone support"
        when it starts on Professional): contradicted, naming the plan it starts on. The claim is
        the longest part of the clause that no other claim covers."""
        out: list[Claim] = []
        for found in self._offerings.misplaced(job.reply):
            start, end = _free_span(found.start, found.end, [*taken, *out])
            text = job.reply[start:end]
            if not text.strip():
                continue
            trimmed = len(text) - len(text.lstrip())
            start, text = start + trimmed, text.strip().rstrip(".!?,;: ")
            mention = found.evidence
            out.append(
                _said_against(
                    text,
                    start,
                    Passage(
                        source=mention.source,
                        section=mention.section,
                        score=1.0,
                        text=mention.evidence,
                    ),
                    correct=found.first,
                    subject=found.member,
                    note=f"the knowledge base gives this on {found.first}, not on {found.member}",
                )
            )
        return out

    def _backwards(self, job: ClaimJob, taken: list[Claim]) -> list[Claim]:
        """Clauses with no figure that say what the material denies ("a cellular modem inside"
        when it has none) or turn a price round ("free" when it costs $79): contradicted, with
        the material's words (see :mod:`simulator.facts.polarity`)."""
        out: list[Claim] = []
        for found in self._polarity.backwards(job.reply):
            if any(c.start < found.end and found.start < c.end and not c.supported for c in taken):
                continue  # already judged wrong
            out.append(
                _said_against(
                    job.reply[found.start : found.end],
                    found.start,
                    Passage(
                        source=found.source, section=found.section, score=1.0, text=found.evidence
                    ),
                    correct=found.correct,
                    note=f"the knowledge base says otherwise: {found.correct}",
                )
            )
        return out

    def _unheard_things(self, job: ClaimJob, taken: list[Claim]) -> list[Claim]:
        """Things the reply offers ("ships with a free spare battery pack") that no sentence of
        the material mentions: unsupported, never "says otherwise" (see
        :mod:`simulator.facts.unheard`)."""
        spans = [(c.start, c.end) for c in taken]
        said = " ".join(job.customer_lines)
        return [
            Claim(
                text=job.reply[found.start : found.end],
                start=found.start,
                end=found.end,
                kind="named_fact",
                supported=False,
                verdict="unsupported",
                note=(
                    f"the knowledge base mentions {job.reply[found.start : found.end]}, never as "
                    "free or included"
                    if found.mentioned
                    else f"the knowledge base never mentions {job.reply[found.start : found.end]}"
                ),
            )
            for found in self._unheard.things(job.reply, spans, said)
        ]

    def _statuses(self, job: ClaimJob, taken: list[Claim]) -> list[Claim]:
        """A product's status said in words ("generally available right now") that the
        material gives otherwise ("planned for early 2027"), or never gives (see
        :mod:`simulator.facts.status`)."""
        out = []
        for start, end, marker in self._status.unnamed(job.reply):
            thing = job.reply[start:end]
            if self._unheard.mentioned(stems(thing)) or any(
                c.start < end and start < c.end for c in taken
            ):
                continue
            out.append(
                Claim(
                    text=thing,
                    start=start,
                    end=end,
                    kind="named_fact",
                    supported=False,
                    verdict="unsupported",
                    note=f"the knowledge base never mentions {thing}, {marker} or otherwise",
                )
            )
        for found in self._status.claims(job.reply):
            if any(c.start < found.end and found.start < c.end for c in taken):
                continue
            text = job.reply[found.start : found.end]
            if found.known is None:
                out.append(
                    Claim(
                        text=text,
                        start=found.start,
                        end=found.end,
                        kind="named_fact",
                        supported=False,
                        verdict="unsupported",
                        subject=found.subject,
                        note=f"nothing in the knowledge base puts {found.subject} {text}",
                    )
                )
                continue
            known = found.known
            out.append(
                _said_against(
                    text,
                    found.start,
                    Passage(
                        source=known.source, section=known.section, score=1.0, text=known.evidence
                    ),
                    correct=found.correct,
                    subject=found.subject,
                    note=f"the knowledge base says otherwise: {known.evidence}",
                )
            )
        return out

    def _unknown_names(self, job: ClaimJob, taken: list[Statement]) -> list[Claim]:
        """Names the reply uses that the material never mentions ("our London office"): claims
        with nothing behind them. The customer's own words and common words are not claims."""
        said = normalise(" ".join(job.customer_lines))
        out = []
        for word, start in self.vocabulary.unknown_names_at(job.reply):
            end = start + len(word)
            if any(s.start < end and start < s.end for s in taken):
                continue
            key = normalise(word)
            if key in self._text or key in said or word.lower() in _COMMON_CAPITALS:
                continue
            out.append(
                Claim(
                    text=word,
                    start=start,
                    end=end,
                    kind="named_fact",
                    supported=False,
                    verdict="unsupported",
                    note=f"the knowledge base never mentions {word}",
                )
            )
        return out


_RATES = frozenset(["month", "year", "week", "day", "hour"])
"""The periods of a rate ("200 a month")."""

_ROLE_WORDS = {
    "office": "an office",
    "warehouse": "where goods ship from",
    "making": "where things are made",
    "hosting": "where data is hosted",
    "backup": "where backups are kept",
}


def _said_against(
    text: str, start: int, evidence: Passage, *, correct: str, note: str, subject: str = ""
) -> Claim:
    """A figureless statement the material contradicts, with the material's own words."""
    return Claim(
        text=text,
        start=start,
        end=start + len(text),
        kind="named_fact",
        supported=False,
        verdict="contradicted",
        subject=subject,
        correct=correct,
        contradicting=evidence,
        note=note,
    )


def _free_span(start: int, end: int, taken: list[Claim]) -> tuple[int, int]:
    """The longest part of ``start:end`` that none of ``taken`` covers."""
    cuts = sorted(
        (max(start, c.start), min(end, c.end)) for c in taken if c.start < end and start < c.end
    )
    best, at = (start, start), start
    for s, e in [*cuts, (end, end)]:
        if s - at > best[1] - best[0]:
            best = (at, s)
        at = max(at, e)
    return best


def _roles(roles: set[str]) -> str:
    """How a note names a place's roles: "an office or where goods ship from"."""
    return " or ".join(_ROLE_WORDS[r] for r in sorted(roles))


def _family(key: str) -> str:
    """The sort of a rating or certification: ``ip`` of ``ip67``, ``iso`` of ``iso 27001``."""
    match = re.match(r"[a-z]+", key)
    return match.group(0) if match and match.group(0) != key else ""


_COMMON_CAPITALS = frozenset(
    [
        "i",
        "i'm",
        "i'll",
        "i'd",
        "i've",
        "ok",
        "okay",
        "hi",
        "hello",
        "thanks",
        "thank",
        "yes",
        "no",
        "sure",
        "great",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        *MONTHS,
    ]
)


def _passage(known: Known, score: Scorer | None) -> Passage:
    fact = known.fact
    return Passage(
        source=fact.source,
        section=fact.section,
        score=round(score(known), 3) if score is not None else 1.0,
        text=fact.evidence,
    )


def _supported(base: dict, evidence: str, **fields: object) -> Claim:
    return Claim(**base, supported=True, verdict="supported", evidence=evidence, **fields)


def _contradiction_note(binding: Binding, fact: Fact) -> str:
    about = f" for {binding.subject}" if binding.subject else ""
    return f"the knowledge base says {fact.text}{about}"


def _absent_note(binding: Binding, claim: Statement) -> str:
    if binding.unknown:
        return f"the knowledge base never mentions {binding.unknown[0]}"
    about = f" about {binding.subject}" if binding.subject else ""
    return f"nothing in the knowledge base states {claim.text}{about}"


@dataclass
class ClaimWatch:
    """Follows a session's events; :meth:`observe` returns a job for each agent reply (for a
    :class:`ClaimChecker`, which the session builds when the first job needs it)."""

    _retrieved: dict[str, tuple[Passage, ...]] = field(default_factory=dict)
    _tool_outputs: list[str] = field(default_factory=list)
    _customer_lines: list[str] = field(default_factory=list)
    _history: list[str] = field(default_factory=list)
    _turn: int = -1

    def observe(self, event: Event) -> ClaimJob | None:
        if isinstance(event, ConversationResetEvent):
            self._customer_lines.clear()
            self._tool_outputs.clear()
            self._retrieved.clear()
            self._history.clear()
        elif isinstance(event, RetrievalEvent):
            self._new_turn(event.turn_id)
            self._retrieved[event.agent] = event.passages
        elif isinstance(event, ToolCallEvent):
            self._new_turn(event.turn_id)
            self._tool_outputs.append(event.output)
        elif isinstance(event, TranscriptEvent):
            self._new_turn(event.turn_id)
            before = tuple(self._history[-4:])
            self._history.append(event.text)
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
                    before=before,
                )
        return None

    def _new_turn(self, turn_id: int) -> None:
        if turn_id != self._turn:
            self._turn = turn_id
            self._tool_outputs.clear()
            self._retrieved.clear()
