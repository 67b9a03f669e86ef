"""Where each reply's time went, measured from outside the agents.

Like pipecat's latency observer, this watches the session rather than living inside each agent:
it is told when a customer turn ends, sees the retrieval events and every LLM request's stream
statistics, and when the reply lands in the conversation it joins them with livekit-agents' own
per-message metrics (TTS first byte, end-of-turn delay, end of speech) into one
:class:`LatencyEvent`.

Every mark is measured from one moment: the end of the customer's turn (the Enter key for a
typed line; the end of speech for a spoken one, taken from livekit's ``stopped_speaking_at``).
A turn can hold more than one LLM request: the Greeter deciding to hand over, an agent deciding
on a look-up, then the request that writes the reply. The earlier ones are reported as
:class:`~simulator.events.EarlierRequest`, so no request hides in "overhead".
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.events import (
    AgentRole,
    EarlierRequest,
    Event,
    LatencyEvent,
    LatencyStages,
    Provider,
    RetrievalEvent,
)


@dataclass
class GenerationStats:
    """What the LLM stream of one request did, in ``time.perf_counter()`` seconds."""

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
    retrieval_ms: float | None = None
    """Set by the observer: the retrieval that ran just before this request."""
    failed_attempt_s: float | None = None
    """Seconds spent on a provider that failed before this reply's provider answered."""


class LatencyObserver:
    def __init__(self) -> None:
        self._turn_id = 0
        self._turn_ended_at: float | None = None
        self._customer_metrics: Mapping[str, Any] = {}
        self._retrieval_ms: dict[AgentRole, float] = {}
        self._requests: list[GenerationStats] = []

    def turn_started(self, turn_id: int, ended_at: float) -> None:
        """The customer finished turn ``turn_id`` at ``ended_at`` (perf_counter)."""
        self._turn_id = turn_id
        self._turn_ended_at = ended_at
        self._customer_metrics = {}
        self._retrieval_ms.clear()
        self._requests = []

    def customer_message(self, metrics: Mapping[str, Any]) -> None:
        """livekit's metrics of the customer's message (end-of-turn and STT delays, for voice).

        A spoken turn's clock starts when the customer stopped speaking (livekit stamps it on the
        wall clock; it is carried over to ``perf_counter`` here)."""
        self._customer_metrics = metrics
        stopped = metrics.get("stopped_speaking_at")
        if isinstance(stopped, (int, float)) and stopped > 0:
            self._turn_ended_at = time.perf_counter() - max(0.0, time.time() - stopped)

    def observe(self, event: Event) -> None:
        if isinstance(event, RetrievalEvent):
            self._retrieval_ms[event.agent] = event.elapsed_ms

    def generation_finished(self, stats: GenerationStats) -> None:
        stats.retrieval_ms = self._retrieval_ms.get(stats.agent)
        self._requests.append(stats)

    def reply(self, agent: AgentRole, metrics: Mapping[str, Any]) -> LatencyEvent | None:
        """An agent's reply entered the conversation: its latency, if it was generated here."""
        own = next(
            (n for n in range(len(self._requests) - 1, -1, -1) if self._requests[n].agent == agent),
            None,
        )
        if own is None:
            return None
        gen = self._requests[own]
        earlier, self._requests = self._requests[:own], self._requests[own + 1 :]
        return LatencyEvent(
            turn_id=self._turn_id,
            agent=agent,
            provider=gen.provider,
            model=gen.model,
            stages=self._stages(gen, earlier, metrics),
        )

    def _stages(
        self, gen: GenerationStats, earlier: list[GenerationStats], metrics: Mapping[str, Any]
    ) -> LatencyStages:
        start = self._turn_ended_at
        ttft = _ms(gen.first_token_at, gen.started_at)
        total = _ms(gen.finished_at, gen.started_at)
        tokens_per_s = None
        if gen.completion_tokens and gen.first_token_at and gen.finished_at:
            window = gen.finished_at - gen.first_token_at
            if window > 0:
                tokens_per_s = round(gen.completion_tokens / window, 1)
        first_token = _ms(gen.first_token_at, start)
        spoken = metrics.get("tts_node_ttfb") is not None
        first_audio = _seconds_to_ms(metrics.get("e2e_latency")) if spoken else None
        e2e = first_audio if first_audio is not None else first_token
        if e2e is None:
            e2e = _seconds_to_ms(metrics.get("e2e_latency"))
        server = gen.server_time
        return LatencyStages(
            end_of_utterance_ms=_seconds_to_ms(self._customer_metrics.get("end_of_turn_delay")),
            stt_ms=_seconds_to_ms(self._customer_metrics.get("transcription_delay")),
            retrieval_ms=gen.retrieval_ms,
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
            failed_attempt_ms=_seconds_to_ms(gen.failed_attempt_s),
            e2e_ms=e2e,
            first_token_ms=first_token,
            first_audio_ms=first_audio,
            full_reply_ms=_ms(gen.finished_at, start),
            llm_start_ms=_ms(gen.started_at, start),
            earlier_requests=tuple(self._earlier(r, gen.agent) for r in earlier if start),
        )

    def _earlier(self, request: GenerationStats, answering: AgentRole) -> EarlierRequest:
        assert self._turn_ended_at is not None
        purpose = "handoff" if request.agent != answering else "look-up"
        return EarlierRequest(
            agent=request.agent,
            purpose=purpose,
            start_ms=_ms(request.started_at, self._turn_ended_at) or 0.0,
            duration_ms=_ms(request.finished_at, request.started_at) or 0.0,
            retrieval_ms=request.retrieval_ms,
        )


def _ms(end: float | None, start: float | None) -> float | None:
    if end is None or start is None:
        return None
    return round((end - start) * 1000, 2)


def _seconds_to_ms(value: Any) -> float | None:
    return round(float(value) * 1000, 2) if isinstance(value, (int, float)) else None
