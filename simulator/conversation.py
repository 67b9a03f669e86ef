"""A session folded from its events: who said what, which passages and look-ups were behind each
reply, who held the conversation when, and how fast each reply came.

The event stream is flat (a retrieval, some deltas, a transcript, a latency...); readers such as
the HTML report, the app's context panel and later the scorecard want it joined up: "the reply
the Pricing Specialist gave in turn 3, with its passages and its latency". :class:`Conversation`
does that join once, in plain Python, so no reader re-implements it. It never imports Qt.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from simulator.events import (
    AgentRole,
    ConversationResetEvent,
    Event,
    HandoffEvent,
    LatencyEvent,
    Provider,
    RetrievalEvent,
    Scorer,
    Seller,
    SessionEndedEvent,
    SessionStartedEvent,
    StatusEvent,
    ToolCallEvent,
    TranscriptEvent,
)


@dataclass
class CustomerLine:
    turn_id: int
    text: str
    created_at: float


@dataclass
class AgentReply:
    """One finished agent reply and everything behind it (in Rep mode, the rep's line)."""

    number: int
    """1-based position among the session's agent replies: a stable key for views."""
    turn_id: int
    speaker: Seller
    text: str
    provider: Provider | None
    interrupted: bool
    created_at: float
    retrieval: RetrievalEvent | None = None
    tool_calls: list[ToolCallEvent] = field(default_factory=list)
    latency: LatencyEvent | None = None
    scorer: Scorer | None = None
    """What chose an offline reply (``wordllama``: before the contextual encoder was ready)."""


Entry = CustomerLine | AgentReply | HandoffEvent | ConversationResetEvent
"""What a transcript shows, in order."""


@dataclass(frozen=True)
class LatencySummary:
    """End-to-end latency over the replies that have one, in milliseconds."""

    count: int
    last_ms: float | None
    p50_ms: float | None
    p95_ms: float | None
    best_ms: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> LatencySummary:
        if not values:
            return cls(0, None, None, None, None)
        return cls(
            len(values), values[-1], percentile(values, 50), percentile(values, 95), min(values)
        )


class Conversation:
    """Apply every event of a session in order; read the joined-up result at any time."""

    def __init__(self, events: Iterable[Event] = ()) -> None:
        self.session: SessionStartedEvent | None = None
        self.entries: list[Entry] = []
        self.handoffs: list[HandoffEvent] = []
        self.latencies: list[LatencyEvent] = []
        self.statuses: list[StatusEvent] = []
        self.active_agent: AgentRole = "greeter"
        self.ended: SessionEndedEvent | None = None
        self._first_turn: int | None = None
        self._pending_retrieval: dict[Seller, RetrievalEvent] = {}
        self._pending_tools: dict[Seller, list[ToolCallEvent]] = {}
        self._replies: list[AgentReply] = []
        for event in events:
            self.apply(event)

    @property
    def replies(self) -> list[AgentReply]:
        return list(self._replies)

    def reply(self, number: int) -> AgentReply | None:
        """The reply with this :attr:`AgentReply.number`, if there is one."""
        if 1 <= number <= len(self._replies):
            return self._replies[number - 1]
        return None

    def apply(self, event: Event) -> AgentReply | None:
        """Fold one event in; returns the reply it created or completed, if any."""
        if isinstance(event, SessionStartedEvent):
            self.session = event
            self.active_agent = event.agent
            self._first_turn = None
        elif isinstance(event, ConversationResetEvent):
            self.entries.append(event)
            self.active_agent = event.agent
            self._first_turn = None
            self._pending_retrieval.clear()
            self._pending_tools.clear()
        elif isinstance(event, RetrievalEvent):
            self._pending_retrieval[event.agent] = event
        elif isinstance(event, ToolCallEvent):
            self._pending_tools.setdefault(event.agent, []).append(event)
        elif isinstance(event, HandoffEvent):
            self.entries.append(event)
            self.handoffs.append(event)
            self.active_agent = event.to_agent
        elif isinstance(event, TranscriptEvent):
            return self._transcript(event)
        elif isinstance(event, LatencyEvent):
            self.latencies.append(event)
            for reply in reversed(self._replies):
                if (
                    reply.turn_id == event.turn_id
                    and reply.speaker == event.agent
                    and reply.latency is None
                ):
                    reply.latency = event
                    return reply
        elif isinstance(event, StatusEvent):
            self.statuses.append(event)
        elif isinstance(event, SessionEndedEvent):
            self.ended = event
        return None

    def turn_number(self, turn_id: int) -> int:
        """The turn as the customer counts it: 1 for the first line of this conversation (the
        session's turn ids keep counting across new conversations)."""
        return max(1, turn_id - (self._first_turn or turn_id) + 1)

    def e2e_summary(self) -> LatencySummary:
        return LatencySummary.of(
            [e.stages.e2e_ms for e in self.latencies if e.stages.e2e_ms is not None]
        )

    def _transcript(self, event: TranscriptEvent) -> AgentReply | None:
        if self._first_turn is None:
            self._first_turn = event.turn_id
        if event.speaker == "customer":
            self.entries.append(CustomerLine(event.turn_id, event.text, event.created_at))
            return None
        speaker: Seller = event.speaker
        reply = AgentReply(
            number=len(self._replies) + 1,
            turn_id=event.turn_id,
            speaker=speaker,
            text=event.text,
            provider=event.provider,
            interrupted=event.interrupted,
            created_at=event.created_at,
            retrieval=self._pending_retrieval.pop(speaker, None),
            tool_calls=self._pending_tools.pop(speaker, []),
            scorer=event.scorer,
        )
        self._replies.append(reply)
        self.entries.append(reply)
        if speaker != "rep":
            self.active_agent = speaker
        return reply


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation between ranks, like numpy's
    default."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be between 0 and 100, got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
