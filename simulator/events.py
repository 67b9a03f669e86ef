"""Every event the simulator emits, in one place.

The session runner yields these; the desktop app, the terminal, the session log and the tests all
read the same stream. Each event is a frozen pydantic model with a ``type`` literal and a
``created_at`` timestamp, joined in the discriminated union :data:`Event`; :func:`to_json` and
:func:`from_json` are the only (de)serialisers, one JSON object per line.
"""

from __future__ import annotations

import time
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

AgentRole = Literal["greeter", "technical", "pricing"]
Speaker = Literal["customer", "greeter", "technical", "pricing"]
Provider = Literal["cerebras", "offline", "scripted"]

AGENT_NAMES: dict[str, str] = {
    "greeter": "Greeter",
    "technical": "Technical Specialist",
    "pricing": "Pricing Specialist",
    "customer": "Customer",
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Event(_Model):
    created_at: float = Field(default_factory=time.time)


class Passage(_Model):
    """One retrieved chunk of the knowledge base."""

    source: str
    """Path relative to the knowledge folder, with forward slashes."""
    section: str
    score: float
    text: str


class SessionStartedEvent(_Event):
    type: Literal["session_started"] = "session_started"
    session_id: str
    provider: Provider
    model: str
    knowledge_dir: str
    agent: AgentRole = "greeter"


class ConversationResetEvent(_Event):
    """A new conversation began with the Greeter; the history is gone."""

    type: Literal["conversation_reset"] = "conversation_reset"
    agent: AgentRole = "greeter"


class TranscriptDeltaEvent(_Event):
    """A piece of an agent's reply as the model streams it."""

    type: Literal["transcript_delta"] = "transcript_delta"
    turn_id: int
    speaker: AgentRole
    delta: str


class TranscriptEvent(_Event):
    """One finished utterance, the customer's or an agent's."""

    type: Literal["transcript"] = "transcript"
    turn_id: int
    speaker: Speaker
    text: str
    provider: Provider | None = None
    """Which model wrote an agent's reply; ``offline`` is shown as such to the user."""
    interrupted: bool = False


class RetrievalEvent(_Event):
    """The passages placed in the prompt of one agent reply."""

    type: Literal["retrieval"] = "retrieval"
    turn_id: int
    agent: AgentRole
    query: str
    passages: tuple[Passage, ...]
    elapsed_ms: float


class HandoffEvent(_Event):
    type: Literal["handoff"] = "handoff"
    turn_id: int
    from_agent: AgentRole
    to_agent: AgentRole
    reason: str


class ToolCallEvent(_Event):
    """A structured look-up (stock, purchase history, recommendation) and what it returned."""

    type: Literal["tool_call"] = "tool_call"
    turn_id: int
    agent: AgentRole
    name: str
    arguments: dict[str, str | int | float | bool | None]
    output: str


class LatencyStages(_Model):
    """Where one reply's time went; ``None`` means the stage did not happen (e.g. no TTS)."""

    end_of_utterance_ms: float | None = None
    stt_ms: float | None = None
    retrieval_ms: float | None = None
    llm_ttft_ms: float | None = None
    llm_total_ms: float | None = None
    tokens_per_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    server_queue_ms: float | None = None
    server_prompt_ms: float | None = None
    server_completion_ms: float | None = None
    server_total_ms: float | None = None
    tts_ttfb_ms: float | None = None
    e2e_ms: float | None = None
    """From the end of the customer's turn to the reply's first output (audio if spoken, else text)."""


class LatencyEvent(_Event):
    type: Literal["latency"] = "latency"
    turn_id: int
    agent: AgentRole
    provider: Provider
    model: str
    stages: LatencyStages


class StatusEvent(_Event):
    """Something the user should know: provider in use, a degraded turn, a skipped file."""

    type: Literal["status"] = "status"
    level: Literal["info", "warning", "error"]
    source: str
    """What it concerns: ``cerebras``, ``knowledge``, ``session``..."""
    message: str


class TurnCompletedEvent(_Event):
    """The team has finished answering the customer's turn; the customer may speak again."""

    type: Literal["turn_completed"] = "turn_completed"
    turn_id: int
    agent: AgentRole


class SessionEndedEvent(_Event):
    type: Literal["session_ended"] = "session_ended"
    reason: str = "closed"


Event = Annotated[
    Union[
        SessionStartedEvent,
        ConversationResetEvent,
        TranscriptDeltaEvent,
        TranscriptEvent,
        RetrievalEvent,
        HandoffEvent,
        ToolCallEvent,
        LatencyEvent,
        StatusEvent,
        TurnCompletedEvent,
        SessionEndedEvent,
    ],
    Field(discriminator="type"),
]

_adapter: TypeAdapter[Event] = TypeAdapter(Event)


def to_json(event: Event) -> str:
    """One event as one line of JSON (no newline inside)."""
    return event.model_dump_json()


def from_json(line: str | bytes) -> Event:
    """Parse one line written by :func:`to_json`; raises ``pydantic.ValidationError`` if malformed."""
    return _adapter.validate_json(line)
