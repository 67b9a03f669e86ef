"""Which LLM the team runs on: Cerebras when a key is set, the offline responder otherwise.

With Cerebras, livekit-agents' own ``FallbackAdapter`` puts the offline responder behind it: when
Cerebras still fails after the SDK's retries, that turn is answered offline and the conversation
goes on; the adapter probes Cerebras in the background and switches back when it recovers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from livekit.agents import llm

from simulator.events import Event, Provider, StatusEvent
from simulator.providers.offline import OfflineResponder
from simulator.settings import Settings, secret

if TYPE_CHECKING:
    from simulator.providers.cerebras import CerebrasLLM


@dataclass
class LLMChoice:
    llm: llm.LLM
    provider: Provider
    model: str


def build_llm(settings: Settings, emit: Callable[[Event], None]) -> LLMChoice:
    offline = OfflineResponder()
    if not settings.use_cerebras:
        reason = "--offline was given" if settings.offline else "no CEREBRAS_API_KEY is set"
        emit(
            StatusEvent(
                level="info",
                source="llm",
                message=(
                    f"Offline responder in use ({reason}): "
                    f"answers are sentences from your documents."
                ),
            )
        )
        return LLMChoice(offline, "offline", offline.model)

    cerebras = cerebras_llm(settings)

    def failed(error: llm.LLMError) -> None:
        # livekit's APIError prints its fields; its message alone is what a person reads.
        reason = getattr(error.error, "message", None) or str(error.error)
        emit(
            StatusEvent(
                level="warning",
                source="cerebras",
                message=f"{reason} - this turn is answered offline from your documents.",
            )
        )

    cerebras.on("error", failed)
    fallback = llm.FallbackAdapter(
        [cerebras, offline],
        # The SDK retries with backoff inside one attempt; give it room for all its tries.
        attempt_timeout=settings.cerebras_timeout_s * (settings.cerebras_max_retries + 1) + 5,
        max_retry_per_llm=0,
        retry_on_chunk_sent=True,
    )

    def availability_changed(event: llm.AvailabilityChangedEvent) -> None:
        if event.llm is cerebras and event.available:
            emit(
                StatusEvent(level="info", source="cerebras", message="Cerebras is answering again.")
            )

    fallback.on("llm_availability_changed", availability_changed)
    return LLMChoice(fallback, "cerebras", settings.cerebras_model)


def cerebras_llm(settings: Settings) -> CerebrasLLM:
    """The Cerebras model the settings name, with their key, endpoint, timeout and retries."""
    from simulator.providers.cerebras import CerebrasLLM

    return CerebrasLLM(
        model=settings.cerebras_model,
        api_key=secret(settings.cerebras_api_key),
        base_url=settings.cerebras_base_url,
        timeout_s=settings.cerebras_timeout_s,
        max_retries=settings.cerebras_max_retries,
    )
