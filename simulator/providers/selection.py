"""Which LLM the team runs on: Cerebras when a key is set, the offline responder otherwise.

With Cerebras, :class:`~simulator.providers.fallback.FallbackLLM` puts the offline responder
behind it: a turn Cerebras cannot answer (after the SDK's retries, or within the first-answer
budget) is answered offline and the conversation goes on, with a status line saying why.
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

    from simulator.providers.fallback import FallbackLLM, FallbackPolicy

    policy = FallbackPolicy(
        first_answer_s=settings.cerebras_first_answer_s, cooldown_s=settings.cerebras_cooldown_s
    )
    fallback = FallbackLLM(cerebras_llm(settings), offline, emit=emit, policy=policy)
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
