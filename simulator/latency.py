"""Where each reply's time went, measured from outside the agents.

Like pipecat's latency observer, this watches the session rather than living inside each agent:
it is told when a customer turn ends, sees the retrieval events and each generation's stream
statistics, and when the reply lands in the conversation it joins them with livekit-agents' own
per-message metrics (TTS first byte, end-of-turn delay) into one :class:`LatencyEvent`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.events import AgentRole, Event, LatencyEvent, LatencyStages, Provider, RetrievalEvent


@dataclass
class GenerationStats:
    """What the LLM stream of one reply did, in ``time.perf_counter()`` seconds."""

    agent: AgentRole
    provider: Provider
    model: str
    started_at: float
    first_token_at: float | None = None
    finished_at: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    server_time: Mapping[str, float] = field(default_factory=dict)
    """Cerebras ``time_info``: queue_time, prompt_time, completion_time, total_time (seconds)."""


class LatencyObserver:
    def __init__(self) -> None:
        self._turn_id = 0
        self._turn_ended_at: float | None = None
        self._customer_metrics: Mapping[str, Any] = {}
        self._retrieval_ms: dict[AgentRole, float] = {}
        self._generation: GenerationStats | None = None

    def turn_started(self, turn_id: int, ended_at: float) -> None:
        """The customer finished turn ``turn_id`` at ``ended_at`` (perf_counter)."""
        self._turn_id = turn_id
        self._turn_ended_at = ended_at
        self._customer_metrics = {}
        self._retrieval_ms.clear()
        self._generation = None

    def customer_message(self, metrics: Mapping[str, Any]) -> None:
        """livekit's metrics of the customer's message (end-of-turn and STT delays, for voice)."""
        self._customer_metrics = metrics

    def observe(self, event: Event) -> None:
        if isinstance(event, RetrievalEvent):
            self._retrieval_ms[event.agent] = event.elapsed_ms

    def generation_finished(self, stats: GenerationStats) -> None:
        self._generation = stats

    def reply(self, agent: AgentRole, metrics: Mapping[str, Any]) -> LatencyEvent | None:
        """An agent's reply entered the conversation: its latency, if it was generated here."""
        gen = self._generation
        if gen is None or gen.agent != agent:
            return None
        self._generation = None
        return LatencyEvent(
            turn_id=self._turn_id,
            agent=agent,
            provider=gen.provider,
            model=gen.model,
            stages=self._stages(gen, metrics),
        )

    def _stages(self, gen: GenerationStats, metrics: Mapping[str, Any]) -> LatencyStages:
        ttft = _ms(gen.first_token_at, gen.started_at)
        total = _ms(gen.finished_at, gen.started_at)
        tokens_per_s = None
        if gen.completion_tokens and gen.first_token_at and gen.finished_at:
            window = gen.finished_at - gen.first_token_at
            if window > 0:
                tokens_per_s = round(gen.completion_tokens / window, 1)
        e2e = _seconds_to_ms(metrics.get("e2e_latency"))
        if e2e is None:
            e2e = _ms(gen.first_token_at, self._turn_ended_at)
        server = gen.server_time
        return LatencyStages(
            end_of_utterance_ms=_seconds_to_ms(self._customer_metrics.get("end_of_turn_delay")),
            stt_ms=_seconds_to_ms(self._customer_metrics.get("transcription_delay")),
            retrieval_ms=self._retrieval_ms.get(gen.agent),
            llm_ttft_ms=ttft,
            llm_total_ms=total,
            tokens_per_s=tokens_per_s,
            prompt_tokens=gen.prompt_tokens,
            completion_tokens=gen.completion_tokens,
            server_queue_ms=_seconds_to_ms(server.get("queue_time")),
            server_prompt_ms=_seconds_to_ms(server.get("prompt_time")),
            server_completion_ms=_seconds_to_ms(server.get("completion_time")),
            server_total_ms=_seconds_to_ms(server.get("total_time")),
            tts_ttfb_ms=_seconds_to_ms(metrics.get("tts_node_ttfb")),
            e2e_ms=e2e,
        )


def _ms(end: float | None, start: float | None) -> float | None:
    if end is None or start is None:
        return None
    return round((end - start) * 1000, 2)


def _seconds_to_ms(value: Any) -> float | None:
    return round(float(value) * 1000, 2) if isinstance(value, (int, float)) else None
