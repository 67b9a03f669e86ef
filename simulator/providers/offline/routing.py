"""Which agent should answer a question, decided from what it means, for any company.

Three signals, added up per role:

- **what the roles cover**: the handoff tools' docstrings (what a cloud model reads to decide the
  same thing) list each role's topics ("plans and tiers, prices, fees and charges, ..."); the
  question is compared with each topic by the encoder, and a role counts by its closest topic;
- **where the answer lives**: the sentences of the whole knowledge base that best answer the
  question (scored as the answer itself is chosen, :mod:`.choosing`) vote for the agents their
  file is scoped to (a ``technical/`` or ``pricing/`` folder, front matter ``agents``); a
  sentence of an unscoped file votes by what its file and heading are about, compared with the
  roles' topics the same way;
- **generic cues**: money words lean to pricing, questions about the company itself to the
  Greeter, stock and order-history look-ups to pricing (:mod:`.intents`).

The Greeter keeps only greetings and questions about the company; everything else goes to the
specialist with the higher score.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from simulator.events import AgentRole
from simulator.providers.offline import answer_types, choosing, intents
from simulator.providers.offline.composing import the_question
from simulator.providers.offline.meaning import Meaning
from simulator.providers.offline.reading import units
from simulator.team import dialogue
from simulator.team.scope import KnowledgeView, ScopedPassage

ROLES: tuple[AgentRole, ...] = ("greeter", "technical", "pricing")
SEARCH_K = 8
"""Passages of the whole knowledge base whose sentences may vote."""
VOTERS = 3
"""The best-answering sentences that vote, with weights halving down the list."""
TOPIC_WEIGHT = 0.25
"""The question compared with the roles' topics alone is a weak signal (short phrases, any
company): it decides only where the material does not."""
ANSWER_WEIGHT = 1.0
SURE_RELEVANCE = 0.5
"""How well the best sentence must answer the question for where it lives to count in full: a
question the material hardly answers ("there's nothing left in the pot") is decided by the roles'
topics and the cues, not by whichever sentences came closest."""
MONEY_CUE = 0.75
"""A price, fee or discount asked for (the answer is an amount of money or a percentage)."""
MONEY_WORD_CUE = 0.5
"""Money words without an amount asked for ("do you pay outside testers", "on the middle tier")."""
COMPANY_CUE = 0.9
SWITCH_MARGIN = 0.2
"""How much more a line must belong to the other specialist for a specialist to hand over: each
line is routed by its own meaning, a specialist keeps only the borderline ones (and questions
about the company)."""
SHARPNESS = 0.05
"""Softmax temperature turning similarities to the roles' topics into shares of a vote."""


@functools.cache
def topics() -> tuple[tuple[str, ...], ...]:
    """Each role's topics, from its handoff tool's docstring: "who answers questions about A:
    X, Y and Z" -> ("A", "A: X", "A: Y", "A: Z"); each topic keeps its area, so "people" reads
    as the company's people and "data" as the product's."""
    from simulator.team import tools

    out = []
    for role in ROLES:
        doc = getattr(tools, f"transfer_to_{role}").info.description.split("\n\n")[0]
        about = " ".join(doc.split()).split("questions about", 1)[-1]
        about = re.split(r"\bwhen they\b", about)[0].strip(" .")
        area, _, listed = about.partition(":") if ":" in about else about.partition("(")
        area = area.strip(" .(")
        parts = [p.strip(" .()") for p in re.split(r"[,;()]|\band\b", listed)]
        found = [area, *(f"{area}: {p}" for p in parts if p)]
        if role == "greeter":
            found.append("welcome, greetings and introductions")
        out.append(tuple(found))
    return tuple(out)


def _topic_shares(texts: list[str], meaning: Meaning) -> np.ndarray:
    """Per text, a share of 1 over the roles, by its closest topic of each role."""
    listed = topics()
    flat = [t for role in listed for t in role]
    vectors = meaning.vectors([*texts, *flat])
    likeness = vectors[: len(texts)] @ vectors[len(texts) :].T
    per_role = []
    start = 0
    for role in listed:
        per_role.append(likeness[:, start : start + len(role)].max(axis=1))
        start += len(role)
    scores = np.stack(per_role, axis=1)
    return _softmax(scores, SHARPNESS)


def role_scores(
    question: str, knowledge: KnowledgeView | None, meaning: Meaning
) -> dict[AgentRole, float]:
    """How strongly the question belongs to each role (higher is more)."""
    if knowledge is not None:
        question = as_you(question, knowledge.house_names())
    scores = TOPIC_WEIGHT * _topic_shares([question], meaning)[0]
    if knowledge is not None:
        scores = scores + ANSWER_WEIGHT * _answer_votes(
            question, knowledge.search(question, k=SEARCH_K), meaning
        )
    scores = scores + cues(question, knowledge)
    return {role: float(s) for role, s in zip(ROLES, scores, strict=True)}


def as_you(question: str, house: frozenset[str]) -> str:
    """The question with the company's own name said as "you": "Who started Parcelwise?" asks
    about the company, not about every page that says "Parcelwise" (a name followed by
    another, "ColdTrace CT-100", is a product's and stays)."""
    for name in house:
        question = re.sub(rf"\b{re.escape(name)}['’]s\b(?!\s+[A-Z0-9])", "your", question)
        question = re.sub(rf"\b{re.escape(name)}\b(?!['’]?\s*[A-Z0-9])", "you", question)
    return question


def cues(question: str, knowledge: KnowledgeView | None) -> np.ndarray:
    """Generic cues: a price or a discount asked for, money words, a stock or order look-up (only
    the Pricing Specialist has them all), an account of the sales records named; a question
    about the company itself."""
    out = np.zeros(len(ROLES))
    pricing, greeter = ROLES.index("pricing"), ROLES.index("greeter")
    if intents.COMPANY_MONEY.search(question):
        pass  # "how much did you bring in from investors?": the company's money, not a price
    elif answer_types.wanted(question) & {"money", "percent"}:
        out[pricing] += MONEY_CUE
    elif intents.MONEY.search(question):
        out[pricing] += MONEY_WORD_CUE
    if intents.wants_stock(question):
        out[pricing] += 2 * MONEY_CUE
    if intents.wants_history(question) or (knowledge and knowledge.account_named(question)):
        out[pricing] += 2 * MONEY_CUE  # only the Pricing Specialist looks it up
    if intents.COMPANY.search(question) or intents.COMPANY_MONEY.search(question):
        out[greeter] += COMPANY_CUE
    return out


def choose(
    question: str, knowledge: KnowledgeView | None, current: AgentRole, meaning: Meaning
) -> AgentRole:
    """The agent who should answer ``question`` (``current`` for a greeting, and for a line that
    only points back at what was said: "and what about the other one?")."""
    if intents.is_greeting(question) or (
        current != "greeter" and dialogue.only_points_back(question)
    ):
        return current
    scores = role_scores(question, knowledge, meaning)
    best = max(scores, key=lambda r: scores[r])
    if current == "greeter" or best == current:
        return best
    if best == "greeter" or scores[best] - scores[current] < SWITCH_MARGIN:
        # A specialist answers a question about the company itself (the Greeter hands over what
        # it cannot answer, so handing back could go round), and keeps a borderline line.
        return current
    return best


def best_specialist(question: str, knowledge: KnowledgeView | None, meaning: Meaning) -> AgentRole:
    """The specialist ``question`` belongs to more (for a question the Greeter kept but cannot
    answer: the Greeter answers only greetings and questions about the company)."""
    scores = role_scores(question, knowledge, meaning)
    return "pricing" if scores["pricing"] >= scores["technical"] else "technical"


def topic(
    question: str, knowledge: KnowledgeView, target: AgentRole, meaning: Meaning
) -> str | None:
    """What the question is about, for a handoff's reason: the heading of the sentence that best
    answers it among the material ``target`` may read ("Hardware list prices", not an FAQ
    heading that merely shares a word), with its document's title when that differs."""
    question = the_question(question)  # not "Hi, I'm Dana from a restaurant group"
    found = [
        f
        for f in knowledge.search(question, k=SEARCH_K)
        if (f.agents is None or target in f.agents)
        and not f.passage.source.lower().endswith(".csv")  # records, not a topic
    ]
    passages = [f.passage for f in found]
    # The target's own material: its folder's, or what an unscoped file's heading says is its
    # topic (not a case study that shares the customer's words).
    labels = [label(p.source, p.section.split(" > ")[-1]) for p in passages]
    shares = _topic_shares(labels, meaning) if labels else np.zeros((0, len(ROLES)))
    own = [
        rank
        for rank, f in enumerate(found)
        if f.agents is not None or int(np.argmax(shares[rank])) == ROLES.index(target)
    ]
    ranks = own or list(range(len(passages)))
    candidates = [u for rank in ranks for u in units(passages[rank], rank)]
    scored = choosing.score(question, candidates, passages, meaning)
    if not scored:
        return None
    best = max(scored, key=lambda s: s.score)
    heading = best.unit.heading.split(" — ")[0].strip()  # not the fact a heading states
    title = passages[best.unit.passage].section.split(" > ")[0].strip()
    if not heading:
        return title or None
    return heading if not title or title in heading else f"{heading} ({title})"


def _answer_votes(question: str, found: list[ScopedPassage], meaning: Meaning) -> np.ndarray:
    """The roles of the files holding the sentences that best answer ``question``."""
    votes = np.zeros(len(ROLES))
    passages = [f.passage for f in found]
    candidates = [u for rank, p in enumerate(passages) for u in units(p, rank)]
    # By relevance, not by the answer-type bonus: any number answers "how many", but the
    # sentences that are about the question say whose topic it is. A price asked for is the
    # exception: "what's the door sensor go for?" is answered by a price, not a specification.
    asks_money = bool(answer_types.wanted(question) & {"money", "percent"})
    scored = sorted(
        choosing.score(question, candidates, passages, meaning),
        key=lambda s: -(s.score if asks_money else s.relevance),
    )[:VOTERS]
    if not scored:
        return votes
    # An unscoped sentence votes by what it is about: its file, its heading and its own words
    # ("care plans: Support hours" reads as plans; "Phone and chat: Monday to Friday" as support).
    files = [label(found[s.unit.passage].passage.source, "") for s in scored]
    labels = [label(found[s.unit.passage].passage.source, s.unit.heading) for s in scored]
    said = [f"{s.unit.heading}: {s.unit.text}" if s.unit.heading else s.unit.text for s in scored]
    shares = np.mean([_topic_shares(texts, meaning) for texts in (files, labels, said)], axis=0)
    for n, item in enumerate(scored):
        weight = 0.5**n
        scope = found[item.unit.passage].agents
        if scope:
            for role in scope:
                if role in ROLES:
                    votes[ROLES.index(role)] += weight / len(scope)
        else:
            votes += weight * shares[n]
    sureness = min(1.0, max(0.0, max(s.relevance for s in scored)) / SURE_RELEVANCE)
    return sureness * votes / sum(0.5**n for n in range(len(scored)))


def label(source: str, heading: str) -> str:
    """What a sentence is about, by its file's name and its heading."""
    stem = re.sub(r"[-_]+", " ", source.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    return f"{stem}: {heading}" if heading else stem


def _softmax(values: np.ndarray, temperature: float) -> np.ndarray:
    scaled = (values - values.max(axis=-1, keepdims=True)) / temperature
    exp = np.exp(scaled)
    return exp / exp.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]
