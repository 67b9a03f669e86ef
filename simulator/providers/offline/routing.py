"""Which agent should answer a question, decided from what it means, for any company.

Three signals, added up per role:

- **the roles' descriptions**: the handoff tools' docstrings (what a cloud model reads to decide
  the same thing), compared with the question by embedding;
- **the passages that answer it**: the best passages of the whole knowledge base vote for the
  agents their file is scoped to (a ``technical/`` or ``pricing/`` folder, front matter
  ``agents``); an unscoped file votes by what its title and heading mean, compared with the
  descriptions the same way;
- **generic cues**: money words lean to pricing, questions about the company itself to the
  Greeter (:mod:`.intents`).

The Greeter keeps only greetings and questions about the company; everything else goes to the
specialist with the higher score.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from simulator.events import AgentRole
from simulator.knowledge import embedding
from simulator.knowledge.keywords import terms
from simulator.providers.offline import intents
from simulator.team.scope import KnowledgeView, ScopedPassage

ROLES: tuple[AgentRole, ...] = ("greeter", "technical", "pricing")
SEARCH_K = 5
DESCRIPTION_WEIGHT = 2.0
MONEY_CUE = 0.6
COMPANY_CUE = 0.6
SWITCH_MARGIN = 0.6
"""How much more a question must belong to the other specialist for a specialist to hand over."""
SHARPNESS = 20.0
"""Softmax temperature turning a label's similarity to each role into a vote."""


@functools.cache
def _descriptions() -> np.ndarray:
    """One unit vector per role, from the handoff tools' docstrings (their first paragraph)."""
    from simulator.team import tools

    texts = {
        "greeter": tools.transfer_to_greeter.info.description,
        "technical": tools.transfer_to_technical.info.description,
        "pricing": tools.transfer_to_pricing.info.description,
    }
    cleaned = [
        re.sub(r"^Hand the customer (?:back )?to the [\w ]+?, who ", "", texts[r] or "")
        for r in ROLES
    ]
    return embedding.embed([" ".join(t.split("\n\n")[0].split()) for t in cleaned])


@functools.cache
def _description_terms() -> tuple[frozenset[str], ...]:
    from simulator.team import tools

    return tuple(
        frozenset(terms(getattr(tools, f"transfer_to_{r}").info.description)) for r in ROLES
    )


def role_scores(question: str, knowledge: KnowledgeView | None) -> dict[AgentRole, float]:
    """How strongly the question belongs to each role (higher is more)."""
    descriptions = _descriptions()
    meaning = descriptions @ embedding.embed([question])[0]
    scores = DESCRIPTION_WEIGHT * _softmax(meaning)
    if knowledge is not None:
        scores = scores + _passage_votes(knowledge.search(question, k=SEARCH_K))
    if intents.MONEY.search(question) or intents.wants_stock(question):
        scores[ROLES.index("pricing")] += MONEY_CUE
    if intents.wants_history(question):
        scores[ROLES.index("pricing")] += 2 * MONEY_CUE  # only the Pricing Specialist looks it up
    if intents.COMPANY.search(question):
        scores[ROLES.index("greeter")] += COMPANY_CUE
    return {role: float(s) for role, s in zip(ROLES, scores, strict=True)}


def choose(question: str, knowledge: KnowledgeView | None, current: AgentRole) -> AgentRole:
    """The agent who should answer ``question`` (``current`` for a greeting)."""
    if intents.is_greeting(question):
        return current
    scores = role_scores(question, knowledge)
    best = max(scores, key=lambda r: scores[r])
    if current == "greeter" or best == current:
        return best
    if best == "greeter" or scores[best] - scores[current] < SWITCH_MARGIN:
        return current  # a specialist answers a question about the company, or a borderline one
    return best


def _passage_votes(found: list[ScopedPassage]) -> np.ndarray:
    votes = np.zeros(len(ROLES))
    if not found:
        return votes
    labels = embedding.embed([_label(f) for f in found]) @ _descriptions().T
    for rank, item in enumerate(found):
        weight = max(item.passage.score, 0.0) * 0.7**rank
        if item.agents:
            for role in item.agents:
                if role in ROLES:
                    votes[ROLES.index(role)] += weight / len(item.agents)
        else:
            overlap = np.array([len(terms(_label(item)) & t) for t in _description_terms()])
            votes += weight * _softmax(SHARPNESS * labels[rank] + overlap, temperature=1.0)
    return votes


def _label(item: ScopedPassage) -> str:
    """What a passage is about, by its file's name and its headings."""
    stem = item.passage.source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return f"{re.sub(r'[-_]+', ' ', stem)}: {item.passage.section.replace(' > ', ', ')}"


def _softmax(values: np.ndarray, temperature: float = 0.05) -> np.ndarray:
    scaled = (values - np.max(values)) / temperature
    exp = np.exp(scaled)
    shares: np.ndarray = exp / exp.sum()
    return shares
