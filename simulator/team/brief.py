"""The turn's brief: what an agent's ``llm_node`` gave the model this turn, as typed data.

A cloud model reads the passages and the whisper as (escaped) text in its prompt. The offline
responder must not parse that text back out (a document could forge a passage or a whisper), so
``llm_node`` also attaches the same facts, typed, to the prompt's knowledge message
(``ChatMessage.extra``, which no provider sends on the wire): :func:`attach` and :func:`brief_of`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from livekit.agents import llm

from simulator.events import AgentRole, Passage

if TYPE_CHECKING:
    from simulator.team.scope import KnowledgeView

BRIEF_KEY = "simulator_turn_brief"


@dataclass(frozen=True)
class TurnBrief:
    agent: AgentRole
    """The agent whose reply this is."""
    question: str
    """The customer's latest words."""
    passages: tuple[Passage, ...]
    """Retrieved for this agent for ``question`` (with ``subject``), best first."""
    subject: str | None = None
    """The product the conversation is about (what "it" refers to), if one was named."""
    whisper: str | None = None
    """The coach's guidance for this reply."""
    tool_results: Mapping[str, str] = field(default_factory=dict)
    """Look-up results of this turn by call id, as the tool produced them (unescaped)."""
    knowledge: KnowledgeView | None = None
    """The whole knowledge base with each passage's scope (the offline responder routes by it)."""


def attach(message: llm.ChatMessage, brief: TurnBrief) -> llm.ChatMessage:
    message.extra[BRIEF_KEY] = brief
    return message


def brief_of(chat_ctx: llm.ChatContext) -> TurnBrief | None:
    """The brief ``llm_node`` attached to this prompt (the latest one), if any."""
    for item in reversed(chat_ctx.items):
        brief = item.extra.get(BRIEF_KEY) if isinstance(item, llm.ChatMessage) else None
        if isinstance(brief, TurnBrief):
            return brief
    return None
