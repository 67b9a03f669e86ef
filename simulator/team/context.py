"""What the whole sales team shares during one conversation (the AgentSession's userdata)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from simulator.events import AgentRole, Event, Provider
from simulator.latency import LatencyObserver

if TYPE_CHECKING:
    from livekit.agents import Agent, tts

    from simulator.knowledge.index import KnowledgeIndex
    from simulator.knowledge.records import SalesRecords
    from simulator.team.line_search import LineSearch
    from simulator.team.scope import KnowledgeView


class TeamMember(Protocol):
    """The agent a tool runs for, as the tools see it
    (:class:`~simulator.team.agents.SalesAgent`)."""

    role: AgentRole

    def colleague(self, role: AgentRole) -> Agent:
        """The agent of ``role``, to hand the customer to, with the conversation so far."""
        ...


@dataclass
class TeamContext:
    index: KnowledgeIndex
    records: SalesRecords
    emit: Callable[[Event], None]
    latency: LatencyObserver
    provider: Provider
    model: str
    retrieval_k: int = 4
    prompts_dir: Path | None = None
    turn_id: int = 0
    voices: Mapping[AgentRole, tts.TTS] = field(default_factory=dict)
    """Each agent role's own TTS when the session speaks (a handoff is heard as another voice)."""
    listening: bool = True
    """False once speech-to-text failed for good (a refused key): agents that take over from
    then on run no recogniser, whose failures would add up until livekit closes the session."""
    whisper: str | None = None
    """The coach's pending guidance: placed in the prompt of the next reply with text, then
    cleared."""
    tool_results: dict[str, str] = field(default_factory=dict)
    reply_pace: Callable[[str], Awaitable[None]] | None = None
    """Coach mode's reading pace: awaited after each piece of an offline reply is shown, so the
    reply streams as fast as a person reads it (an offline reply is otherwise there at once)."""
    """Each look-up's result by call id, as the tool produced it (the model reads it escaped)."""
    _view: KnowledgeView | None = field(default=None, init=False, repr=False)
    _line_search: LineSearch | None = field(default=None, init=False, repr=False)

    @property
    def line_search(self) -> LineSearch:
        """The current customer line's search, shared by the agents that answer it."""
        if self._line_search is None:
            from simulator.team.line_search import LineSearch

            self._line_search = LineSearch(self.index)
        return self._line_search

    @property
    def view(self) -> KnowledgeView:
        """The whole knowledge base with scopes, for routing and answering offline."""
        if self._view is None:
            from simulator.team.scope import KnowledgeView

            self._view = KnowledgeView(self.index, self.records)
        return self._view
