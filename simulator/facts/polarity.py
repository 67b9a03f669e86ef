"""Claims with no figure that say the material backwards: a feature it denies, a price it waives.

A reply can be wrong without a number in it: "the GW-20 has a cellular modem inside" when the
material says "No cellular modem", "labels roll over" when they "do not roll over", "the returns
portal comes free" when it costs $79 a month, "hosting in London for a small extra fee" when it
is "at no additional cost". Three rules, each over the material's own sentences (its
:class:`~simulator.facts.model.Mention` records) and price facts:

- **Denied**: a clause of the material denies something ("do not stack", "never stores card
  numbers", "loss and theft are not covered"); a reply clause that affirms the same words
  (unnegated) is contradicted, unless another sentence of the material affirms them too.
- **Priced, said free**: a reply clause calls something free or included; the material prices
  it (a price fact whose label or clause holds its words) and never calls it free.
- **Free, said priced**: a reply clause says something costs extra (no figure); the material
  says it is free or at no additional cost, and never prices it.

Subjects are kept apart: when the reply names a plan or product and the material's clause names
others, they are not about the same thing. A miss is better than a false flag: a single shared
word counts only when the word is rare in the material.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from simulator.facts import attributes
from simulator.facts.binding import sentences
from simulator.facts.model import Fact, FileFacts
from simulator.facts.subjects import Vocabulary
from simulator.statements import find_statements

_CLAUSES = re.compile(r"\s*(?:[;:\u2013\u2014]|,\s+|\s-\s)\s*")
_NEGATION = re.compile(r"\b(?:no|not|never|cannot|without|none|neither|nor)\b|n['\u2019]t\b", re.I)
_INSTEAD = re.compile(r"\b(?:instead of|rather than|unlike|except)\b", re.I)
_FREE = re.compile(
    r"\b(?:free(?: of charge)?|included|includes?|including|complimentary|waived|"
    r"at no (?:extra |additional )?(?:cost|charge)|"
    r"no (?:extra |additional )?(?:cost|charge|fee))\b",
    re.I,
)
_FREE_SAID = re.compile(
    r"\b(?:free(?: of charge)?|(?:is|are|comes?|come) included|complimentary|waived|"
    r"at no (?:extra |additional )?(?:cost|charge))\b",
    re.I,
)
_COSTS_EXTRA = re.compile(
    r"\b(?:(?:extra|additional|small|separate) (?:fee|charge|cost)|costs? extra|surcharge|"
    r"paid add-on|charged separately)\b",
    re.I,
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_SKIP = frozenset(
    re.findall(
        r"\w+",
        "a an the any be been being is are was were have has had include includes come comes "
        "with currently yet ever always really actually get gets support supports offer offers "
        "allow allows need to can will should must it they them do does did",
    )
)
"""Words that may stand between a negation and what it denies ("does not currently include a")."""
_PRONOUNS = frozenset(("i", "you", "we", "they", "he", "she", "it"))
_JOINS = frozenset(re.findall(r"\w+", "and but so or then that if because when where while as"))
_PRICE_WORDS = attributes.words(
    "free charge cost costs fee fees extra additional small separate price priced pay paid "
    "include includes included including complimentary waived list lists surcharge one-time"
)
_FILLER = attributes.words(
    "include includes included come comes available offer offers get gets have has give gives "
    "also well already both every all each customers customer you your we our us can lets let "
    "allow allows plan plans tier tiers"
)
_RARE = 2
"""A word shared alone counts when at most this many of the material's sentences use it."""


@dataclass(frozen=True)
class Backwards:
    """A reply clause that says what the material denies, or prices what it waives."""

    start: int
    end: int
    correct: str
    """What the material says instead, short: "No cellular modem", "$79 per month"."""
    evidence: str
    source: str
    section: str


@dataclass(frozen=True)
class _Said:
    """One clause of the material: its content words, the entities it is about, and where."""

    words: frozenset[str]
    about: frozenset[str]
    text: str
    evidence: str
    source: str
    section: str


@dataclass(frozen=True)
class _Denial:
    said: _Said
    before: frozenset[str]
    """The content words before the negation: what is denied something ("Discounts")."""
    options: tuple[frozenset[str], ...]
    """What is denied, each alternative ("autoclaved or immersed"): the words after it."""
    scope: frozenset[str]
    """Every word of the denying clause, stemmed: a reply's negation followed only by these
    (and filler) denies the same thing."""


class Polarity:
    """The material's denials, waivers and prices, for judging replies that have no figure."""

    def __init__(self, vocabulary: Vocabulary, files: Iterable[FileFacts]) -> None:
        self._vocabulary = vocabulary
        self._names = frozenset(attributes.words(n) for e in vocabulary.entities for n in e.names)
        self._name_words = frozenset().union(*self._names) if self._names else frozenset()
        self._denials: list[_Denial] = []
        self._affirmed: list[_Said] = []
        self._free: list[_Said] = []
        self._prices: list[tuple[_Said, Fact]] = []
        counts: Counter[str] = Counter()
        for file in files:
            for mention in file.mentions:
                subject = vocabulary.entities_in(mention.subject)
                sentence = vocabulary.entities_in(mention.text)
                quoted = mention.text.lstrip().startswith(('"', "\u201c"))  # a customer's words
                asked = mention.text.rstrip(" \"'\u201d").endswith("?")
                counts.update(attributes.words(mention.text))
                # what a clause is about may be its list label or heading ("Data migration: ...,
                # free on Group"): those words belong to each of its clauses
                label = f"{mention.attribute} {mention.section.split(' > ')[-1]}"
                for clause in _CLAUSES.split(mention.text):
                    said = self._said(
                        clause, subject or sentence, mention.evidence, file.source, mention.section
                    )
                    if said is None:
                        continue
                    labelled = replace(said, words=said.words | attributes.words(label))
                    if asked:
                        continue  # a question affirms nothing, denies nothing
                    waived = _FREE.sub(_blank, clause)
                    if _FREE.search(clause) and not _NEGATION.search(waived):
                        self._free.append(labelled)
                    if not _NEGATION.search(waived):
                        self._affirmed.append(said)
                    elif not quoted:
                        self._add_denials(said, waived)
            for fact in file.facts:
                if fact.kind == "price" and fact.amount:
                    heading = fact.scope[-1] if fact.scope else ""
                    clause = f"{fact.subject} {_clause(fact)}"
                    said = self._said(clause, frozenset(), fact.evidence, fact.source, fact.section)
                    if said is not None:
                        named = attributes.words(f"{fact.attribute} {heading}")
                        self._prices.append((replace(said, words=said.words | named), fact))
        self._rare = frozenset(w for w, n in counts.items() if n <= _RARE)

    def _said(
        self, clause: str, subject: frozenset[str], evidence: str, source: str, section: str
    ) -> _Said | None:
        words = attributes.words(clause)
        if not words:
            return None
        about = self._vocabulary.entities_in(clause) or subject
        return _Said(words, about, clause.strip(), evidence, source, section)

    def _add_denials(self, said: _Said, clause: str) -> None:
        """One denial per negation: "no interface box and no separate power supply" denies
        each; what stands before the first negation is what is denied them."""
        negations = list(_NEGATION.finditer(clause))
        before = attributes.words(clause[: negations[0].start()]) - self._name_words
        ends = [n.start() for n in negations[1:]] + [len(clause)]
        for negation, end in zip(negations, ends, strict=True):
            options = tuple(
                w
                for part in re.split(r"\bor\b|\band\b|,", clause[negation.end() : end])
                if (w := attributes.words(part) - _FILLER - self._name_words)
            )
            if options and len(negations) > 1:
                options = (frozenset().union(*options),) if len(options) > 1 else options
            if options:
                scope = frozenset(_stem(t) for t in _TOKEN.findall(clause))
                self._denials.append(_Denial(said, before, options, scope))

    def _same_subject(self, reply: frozenset[str], material: frozenset[str]) -> bool:
        """Whether a reply clause about ``reply`` may be about what the material's clause is
        about: not when the reply names only rivals of it (another plan, another product)."""
        if not reply or not material or reply & material:
            return True
        return not reply & self._vocabulary.rivals_of(material)

    # -- replies -------------------------------------------------------------------------------

    def backwards(self, reply: str) -> Iterator[Backwards]:
        """Each clause of ``reply`` that affirms a denial or turns a price round."""
        for sentence, offset in sentences(reply):
            if "?" in sentence:
                continue
            at = 0
            for clause in _CLAUSES.split(sentence):
                start = sentence.find(clause, at)
                at = start + len(clause)
                if not clause.strip() or _INSTEAD.search(clause):
                    continue
                # what the clause and the words before it name ("On Group, Insight is included")
                about = self._vocabulary.entities_in(clause) | self._vocabulary.entities_in(
                    sentence[:start]
                )
                found = self._judge(clause, about)
                if found is not None:
                    correct, said = found
                    left = len(clause) - len(clause.lstrip())
                    text = clause.strip().rstrip(".!,;")
                    yield Backwards(
                        offset + start + left,
                        offset + start + left + len(text),
                        correct,
                        said.evidence,
                        said.source,
                        said.section,
                    )

    def _judge(self, clause: str, about: frozenset[str]) -> tuple[str, _Said] | None:
        words = attributes.words(clause)
        if _figures(clause):
            return None  # the value check judges figures
        if _COSTS_EXTRA.search(clause) and not _NEGATION.search(clause):
            return self._said_priced(words - _PRICE_WORDS - _FILLER, about)
        if _FREE_SAID.search(clause) and not _NEGATION.search(clause):
            return self._said_free(words - _PRICE_WORDS - _FILLER, about)
        return self._affirms_denial(clause, words, about)

    def _affirms_denial(
        self, clause: str, words: frozenset[str], about: frozenset[str]
    ) -> tuple[str, _Said] | None:
        for denial in self._denials:
            said = denial.said
            if not self._same_subject(about, said.about):
                continue
            for option in denial.options:
                if not option <= words:
                    continue
                shared = option | (denial.before & words)
                if len(shared) < 2 and not shared & self._rare:
                    continue
                if _negated(clause, option, denial.scope) or self._also_affirmed(shared, about):
                    continue
                return said.text, said
        return None

    def _also_affirmed(self, shared: frozenset[str], about: frozenset[str]) -> bool:
        return any(shared <= s.words and self._same_subject(about, s.about) for s in self._affirmed)

    def _said_free(self, thing: frozenset[str], about: frozenset[str]) -> tuple[str, _Said] | None:
        priced, most = self._matching([p for p, _ in self._prices], thing, about)
        if priced is None or self._matching(self._free, thing, about)[1] >= most:
            return None  # the material says at least as much about it being free
        fact = next(f for p, f in self._prices if p is priced)
        return fact.text, priced

    def _said_priced(
        self, thing: frozenset[str], about: frozenset[str]
    ) -> tuple[str, _Said] | None:
        free, most = self._matching(self._free, thing, about)
        if free is None or self._matching([p for p, _ in self._prices], thing, about)[1] >= most:
            return None
        return free.text, free

    def _matching(
        self, pool: list[_Said], thing: frozenset[str], about: frozenset[str]
    ) -> tuple[_Said | None, int]:
        """The clause of ``pool`` most about ``thing`` and how many of its words it shares: all
        of them, or at least two, or a rare one."""
        best, most = None, 0
        for said in pool:
            if not self._same_subject(about, said.about):
                continue
            shared = thing & said.words
            enough = shared == thing or len(shared) >= 2 or bool(shared & self._rare)
            if shared and enough and len(shared) > most:
                best, most = said, len(shared)
        return best, most


def _negated(clause: str, option: frozenset[str], scope: frozenset[str]) -> bool:
    """Whether a negation in ``clause`` reaches a word of ``option``: only filler and words of
    the denying clause stand between them ("does not currently include a cellular modem", but
    not "labels you don't use roll over")."""
    tokens = [t.lower() for t in _TOKEN.findall(clause)]
    hits = [i for i, t in enumerate(tokens) if attributes.words(t) & option]
    for n, token in enumerate(tokens):
        if not (_NEGATION.fullmatch(token) or token.endswith(("n't", "n\u2019t"))):
            continue
        for later in tokens[n + 1 :]:
            if attributes.words(later) & option:
                return True
            if later not in _SKIP and _stem(later) not in scope:
                break
        if hits and n < hits[-1] and not _relative(tokens, n):
            return True  # "may not know what the decision maker..." denies the rest too
    return False


def _relative(tokens: list[str], n: int) -> bool:
    """Whether the negation at ``n`` sits in a relative clause ("labels you don't use"): a
    pronoun right after a noun stands before it."""
    return (
        n >= 2
        and tokens[n - 1] in _PRONOUNS
        and tokens[n - 2] not in _SKIP
        and tokens[n - 2] not in _JOINS
    )


def _stem(token: str) -> str:
    return attributes.stem(token.lower().replace("\u2019", "'").removesuffix("'s"))


def _clause(fact: Fact) -> str:
    """The clause of a price fact's sentence that states it ("overnight delivery is $65 per
    order", not the free ground shipping before the semicolon)."""
    for piece in _CLAUSES.split(fact.evidence):
        if fact.text in piece or (fact.clause and fact.clause in piece):
            return piece
    return fact.clause


def _blank(match: re.Match[str]) -> str:
    """Keeps a sentence's length while taking out a waiver ("at no additional cost")."""
    return " " * len(match.group(0))


def _figures(text: str) -> bool:
    return any(s.kind != "named_fact" for s in find_statements(text))
