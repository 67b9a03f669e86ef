"""The subjects the material tells apart (plans, products, tiers, services), found in any text.

A claim is bound to its subject by how the reply refers to it: by name ("the Growth plan",
"the CT-200", "EU region") or by description ("the door and humidity sensor", "a spare battery
pack"). The material says which things stand side by side: the rows of a table, the headings under
one parent, the labels of one list. Each such member is an :class:`Entity`, known by

- its *names*: product codes, and words the material writes with a capital inside its sentences
  more often than without (``Professional``, ``FrostWatch``; not ``Pilot``, which only starts a
  heading), and
- its *words*: the other words of its label and aliases (a table row's text cells) that its
  siblings do not share (``door``, ``humidity`` for the CT-300).

Members of one group are *rivals*: a value stated about one is not a value of another. That is
what catches "Enterprise is $11 per sensor" when $11 is Professional's price.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from simulator.facts import attributes
from simulator.facts.extract import ALIAS_SEPARATOR
from simulator.facts.model import FileFacts, Siblings

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*(?:['\u2019]s)?")
_CODE = re.compile(r"^[a-z]{2,6}-?\d[a-z0-9]*(?:-[a-z0-9]+)*$")
_NOT_NAMES = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "in",
        "on",
        "for",
        "to",
        "with",
        "our",
        "your",
        "their",
        "we",
        "you",
        "they",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "me",
        "my",
        "he",
        "she",
        "his",
        "her",
        "us",
        "at",
        "by",
        "from",
        "as",
        "is",
        "are",
        "be",
        "was",
        "were",
        "will",
        "can",
        "may",
        "not",
        "no",
        "yes",
    ]
)


@functools.lru_cache(maxsize=65536)
def token(word: str) -> str:
    """A word as a name token: lower-case, no possessive, codes without hyphens (``ct100``)."""
    lowered = re.sub(r"['\u2019]s$", "", word.lower())
    return lowered.replace("-", "") if _CODE.match(lowered) else lowered


@functools.lru_cache(maxsize=65536)
def is_code(name: str) -> bool:
    """``ct100``, ``gw20``, ``bat2aa``: letters then a digit (not ``5year``, not ``q3``)."""
    return bool(re.match(r"^[a-z]{2,6}\d[a-z0-9]*$", name))


@dataclass(frozen=True)
class Entity:
    """A thing the material names: one of several set side by side, or a capitalised phrase."""

    key: str
    label: str
    names: frozenset[str]
    """Codes, and the name its label starts with (``Starter`` of "Starter onboarding")."""
    words: frozenset[str]
    """Describing words its siblings do not share."""
    phrase: str = ""
    """For a capitalised phrase (``compliance pack``): found by the phrase itself."""


class Vocabulary:
    """The names and entities of a knowledge base."""

    def __init__(self, files: Iterable[FileFacts]) -> None:
        files = list(files)
        self._names_cache: dict[str, frozenset[str]] = {}
        self._entities_cache: dict[str, frozenset[str]] = {}
        capitalised: Counter[str] = Counter()
        lowercase: Counter[str] = Counter()
        for file in files:
            capitalised.update(file.capitalised)
            lowercase.update(file.lowercase)
        self.names = frozenset(
            token(w)
            for w, n in capitalised.items()
            if n >= lowercase.get(w, 0) and len(w) > 1 and w not in _NOT_NAMES
        )
        self._capitalised = frozenset(
            token(w) for w in capitalised if len(w) > 1 and w not in _NOT_NAMES
        )
        self.cased: frozenset[str] = frozenset()
        """Common words the material also uses as names, capitalised ("the Practice plan",
        "the Wide"): names only where a text writes them with a capital."""
        self.codes = frozenset(
            token(m.group(0))
            for file in files
            for fact in file.facts
            for m in _TOKEN.finditer(f"{fact.evidence} {fact.subject}")
            if is_code(token(m.group(0)))
        )
        self.entities: list[Entity] = []
        self.rivals: dict[str, frozenset[str]] = {}
        self.groups: list[tuple[str, ...]] = []
        """The entity keys of each group set side by side, in the material's order (plans
        from the smallest up, as the material lists them)."""
        phrases: Counter[str] = Counter()
        for file in files:
            phrases.update(file.phrases)
        self._build([group for file in files for group in file.siblings], phrases)

    def is_name(self, name: str) -> bool:
        return name in self.names or is_code(name)

    def _named(self, word: str) -> bool:
        """Whether a word as written in a text is a name: a name, or a cased name capitalised."""
        name = token(word)
        if name in self.cased:
            return word[:1].isupper()
        return self.is_name(name)

    def names_in(self, text: str) -> frozenset[str]:
        found = self._names_cache.get(text)
        if found is None:
            found = frozenset(
                token(m.group(0)) for m in _TOKEN.finditer(text) if self._named(m.group(0))
            )
            self._names_cache[text] = found
        return found

    def entities_in(self, text: str) -> frozenset[str]:
        """The keys of the entities ``text`` refers to, by name or by enough of their words."""
        found = self._entities_cache.get(text)
        if found is None:
            found = frozenset(
                e.key for e in self._found(self.names_in(text), attributes.words(text), text)
            )
            self._entities_cache[text] = found
        return found

    def first_mentioned(self, text: str) -> frozenset[str]:
        """The keys of the first entity ``text`` refers to: what a paragraph is about."""
        found = self.mentions(text) if text else []
        return found[0][2] if found else frozenset()

    def mentions(self, text: str) -> list[tuple[int, int, frozenset[str]]]:
        """Where ``text`` refers to entities: (start, end, keys), in order. A mention is a run of
        an entity's names and describing words with at most two other words between them;
        mentions side by side ("Professional SLA") are one."""
        tokens = [
            (
                m.start(),
                m.end(),
                token(m.group(0)) if self._named(m.group(0)) else "",
                attributes.words(m.group(0)),
            )
            for m in _TOKEN.finditer(text)
        ]
        names = frozenset(t[2] for t in tokens if t[2])
        words = frozenset().union(*(t[3] for t in tokens)) if tokens else frozenset()
        spans: list[tuple[int, int, frozenset[str]]] = []
        for entity in self._found(names, words, text):
            phrase = set(entity.phrase.split())
            run: list[int] = []
            for n, (_, _, name, said) in enumerate([*tokens, (0, 0, "", frozenset())]):
                hit = n < len(tokens) and (
                    (bool(name) and name in entity.names)
                    or bool(said & entity.words)
                    or token(text[tokens[n][0] : tokens[n][1]]) in phrase
                )
                if hit and (not run or n - run[-1] <= 3):
                    run.append(n)
                    continue
                if run and (any(tokens[i][2] in entity.names for i in run) or len(run) >= 2):
                    spans.append((tokens[run[0]][0], tokens[run[-1]][1], frozenset([entity.key])))
                run = [n] if hit else []
        merged: list[tuple[int, int, frozenset[str]]] = []
        for start, end, keys in sorted(spans):
            if merged and start <= merged[-1][1] + 1:
                previous = merged.pop()
                merged.append((previous[0], max(end, previous[1]), previous[2] | keys))
            else:
                merged.append((start, end, keys))
        return merged

    def _found(self, names: frozenset[str], words: frozenset[str], text: str = "") -> list[Entity]:
        found = []
        lowered = f" {' '.join(re.findall(r'[a-z0-9]+', text.lower()))} "
        for entity in self.entities:
            if entity.phrase:
                if f" {entity.phrase} " in lowered:
                    found.append(entity)
            elif entity.names & names or _described(entity.words, words):
                found.append(entity)
        return found

    def unknown_names(self, text: str) -> list[str]:
        """Capitalised words inside a sentence and codes that the material never uses (a plan or
        product it does not have, such as "the Platinum plan" or "the CT-500")."""
        return [word for word, _ in self.unknown_names_at(text)]

    def unknown_names_at(self, text: str) -> list[tuple[str, int]]:
        """:meth:`unknown_names` with where each one starts."""
        unknown = []
        for m in _TOKEN.finditer(text):
            word = m.group(0)
            name = token(word)
            before = text[: m.start()].rstrip()
            inside = bool(before) and before[-1] not in ".!?:\n\"'“"
            if (is_code(name) and name not in self.codes) or (
                inside
                and word[:1].isupper()
                and name not in self.names
                and name not in self._capitalised
                and name not in _NOT_NAMES
                and len(name) > 2
                and not word.isupper()
            ):
                unknown.append((word, m.start()))
        return unknown

    def rivals_of(self, keys: Iterable[str]) -> frozenset[str]:
        return frozenset(r for k in keys for r in self.rivals.get(k, ()))

    def _build(self, groups: list[Siblings], phrases: Counter[str]) -> None:
        cased: set[str] = set()
        models: frozenset[str] = frozenset()
        merged: dict[str, dict] = {}
        members_of: list[list[str]] = []
        for group in groups:
            described = []
            firsts = [
                m.split(ALIAS_SEPARATOR)[0] for m in group.members if not m.rstrip().endswith("?")
            ]
            shared = _shared_tokens(firsts)
            for member in group.members:
                aliases = [a for a in member.split(ALIAS_SEPARATOR) if not a.rstrip().endswith("?")]
                if not aliases:
                    continue  # a question (an FAQ heading) names nothing
                head, written = self._head(aliases[0], shared)
                if head and not is_code(head) and (not self.is_name(head) or written.isupper()):
                    cased.add(head)  # "Practice" the plan, "REST" the API: not "practice", "rest"
                found = _models(aliases[0])
                models |= found
                names = (
                    frozenset([head] if head else [])
                    | found
                    | frozenset(n for a in aliases for n in self.names_in(a) if is_code(n))
                )
                if group.kind == "headings" and not names:
                    continue  # a topic ("Service credits"), not a thing among things
                short = [a for a in aliases if len(a.split()) <= 10]
                words = (
                    frozenset().union(*(attributes.words(a) for a in short))
                    if short
                    else frozenset()
                )
                words -= attributes.words(" ".join(self.names_in(" ".join(aliases))))
                words -= names
                described.append((aliases[0], names, words))
            if group.kind != "columns" and sum(bool(n) for _, n, _ in described) * 2 < len(
                described
            ):
                continue  # mostly unnamed: a list of topics, not of things
            # words most siblings share say nothing about which one is meant
            counts = Counter(w for _, _, words in described for w in words)
            common = {w for w, n in counts.items() if n * 2 > len(described) > 2}
            common |= {w for w, n in counts.items() if n == len(described)}
            name_counts = Counter(n for _, names, _ in described for n in names)
            keys = []
            for label, names, words in described:
                own_names = frozenset(n for n in names if name_counts[n] < len(described))
                words = words - common
                if not own_names and len(words) < 2:
                    continue
                key = _key(label, own_names)
                entry = merged.setdefault(key, {"label": label, "names": set(), "words": set()})
                entry["names"] |= own_names
                entry["words"] |= words
                keys.append(key)
            members_of.append(keys)
        self.cased = frozenset(cased)
        self.names |= models
        entities = {
            key: Entity(key, e["label"], frozenset(e["names"]), frozenset(e["words"]))
            for key, e in merged.items()
        }
        named = (
            frozenset().union(*(e.names for e in entities.values())) if entities else frozenset()
        )
        for phrase in phrases:
            key = " ".join(re.findall(r"[a-z0-9]+", phrase.lower()))
            if key in entities or len(key.split()) < 2:
                continue
            if any(token(w) in named for w in key.split()):
                continue  # "Orisent Petite": a name already known, not another thing
            entities[key] = Entity(key, phrase, frozenset(), frozenset(), phrase=key)
        self.entities = list(entities.values())
        rivals: dict[str, set[str]] = defaultdict(set)
        for keys in members_of:
            for key in set(keys):
                rivals[key] |= set(keys) - {key}
        self.rivals = {k: frozenset(v) for k, v in rivals.items() if v}
        self.groups = [tuple(dict.fromkeys(keys)) for keys in members_of if len(set(keys)) > 1]

    def _head(self, label: str, shared: frozenset[str]) -> tuple[str, str]:
        """The name a label starts with, after what its siblings share (the maker's brand):
        ``Starter`` of "Starter onboarding", ``Petite`` of "Orisent Petite" beside "Orisent
        Classic"; none of "On-site installation by a Lumora technician" (the company's name is
        not what tells it apart). A common word counts when the material also writes it with a
        capital inside a sentence ("the Practice plan")."""
        words = [m.group(0) for m in _TOKEN.finditer(_outside_brackets(label))]
        rest = [w for w in words if token(w) not in shared]
        if rest and len(rest) < len(words):
            words = rest
        elif len(words) > 1 and token(words[0]) in shared:
            words = words[1:]
        if not words:
            return "", ""
        name = token(words[0])
        if self.is_name(name):
            return name, words[0]
        alone = all(w[:1].isupper() or is_code(token(w)) for w in words[1:])
        if (
            words[0][:1].isupper()
            and name in self._capitalised
            and name not in _NOT_NAMES
            and alone
        ):
            return name, words[0]  # "Practice", not "Practice management systems"
        return "", ""


def _models(label: str) -> frozenset[str]:
    """Model numbers of one capital and digits in a label ("P5" of "Orisent Panorama P5"): names
    of the thing, though too short to count as codes everywhere."""
    return frozenset(
        token(m.group(0))
        for m in re.finditer(r"(?<![\w-])[A-Z]\d{1,3}(?![\w-])", _outside_brackets(label))
    )


def _outside_brackets(label: str) -> str:
    """A label without what it says in brackets: "Orisent Petite" of "Orisent Petite (size 0)"."""
    bare = re.sub(r"\([^)]*\)", " ", label).strip()
    return bare or label


def _shared_tokens(labels: list[str]) -> frozenset[str]:
    """The words every label of a group starts with or carries ("Orisent" of "Orisent Petite",
    "Orisent Classic"): they say which maker, not which thing."""
    if len(labels) < 2:
        return frozenset()
    sets = [frozenset(token(m.group(0)) for m in _TOKEN.finditer(label)) for label in labels]
    return frozenset.intersection(*sets)


def _described(own: frozenset[str], said: frozenset[str]) -> bool:
    """Enough of an entity's own words to name it: two, and at least half of them."""
    shared = len(own & said)
    return shared >= 2 and shared * 2 >= len(own)


def _key(label: str, names: frozenset[str]) -> str:
    """One key per thing, however many groups list it: its code, else its names, else its label."""
    codes = sorted(n for n in names if is_code(n))
    if codes:
        return codes[0]
    if names:
        return " ".join(sorted(names))
    return " ".join(sorted(attributes.words(label))) or label.lower()
