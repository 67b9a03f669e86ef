"""The workshop design, rebuilt as a small variant of our team for a side-by-side measurement.

The sample app the simulator is modelled on (a conference workshop's voice sales agent) differs
from our team in three ways, and this module reproduces exactly those, nothing else:

1. **Knowledge stuffing**: every file of the knowledge folder is pasted into every agent's system
   prompt (``=== file ===`` then its text); there is no retrieval.
2. **Specialists start empty**: a transfer creates the next agent with no chat history, so it
   introduces itself and cannot know what the customer told the Greeter.
3. **A spoken confirmation before every transfer**: the prompt tells the agent to announce the
   transfer out loud, then call the tool.

The agents subclass ours (same tools for look-ups, same provider stack, same event stream), with
their own prompts (``bench/workshop_prompts/``) and their own transfer tools. The product is not
changed: a benchmark puts a :class:`WorkshopGreeter` in a normal
:class:`~simulator.session.SessionRunner` with :func:`seat_workshop_team`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable
from pathlib import Path
from typing import ClassVar, cast

from livekit.agents import Agent, ModelSettings, RunContext, function_tool, llm

from simulator.events import HandoffEvent
from simulator.knowledge.documents import load_folder
from simulator.latency import GenerationStats
from simulator.session import SessionRunner
from simulator.team import tools as team_tools
from simulator.team.agents import Greeter, PricingSpecialist, SalesAgent, TechnicalSpecialist
from simulator.team.context import TeamContext

PROMPTS = Path(__file__).resolve().parent / "workshop_prompts"


def knowledge_text(folder: Path) -> str:
    """The whole knowledge folder as the workshop pastes it: ``=== file ===`` then its text.
    Text files verbatim; PDFs and tables as the simulator's own loader reads them."""
    loaded = load_folder(folder)
    parts = []
    for document in loaded.documents:
        path = folder / document.source
        if path.suffix.lower() in (".md", ".txt", ".markdown", ".csv"):
            text = path.read_text(encoding="utf-8", errors="replace")
        else:
            text = "\n\n".join(chunk.text for chunk in document.chunks)
        parts.append(f"=== {document.source} ===\n{text.strip()}\n")
    return "\n".join(parts)


def workshop_instructions(role: str, knowledge: str) -> str:
    shared = (PROMPTS / "shared.md").read_text(encoding="utf-8").strip()
    own = (PROMPTS / f"{role}.md").read_text(encoding="utf-8").strip()
    return f"{shared}\n\n{own}\n\n# Company information\n\n{knowledge}"


class WorkshopAgent(SalesAgent):
    """One of our agents with the workshop's prompt, no retrieval and history-less transfers."""

    tool_set: ClassVar[tuple[llm.FunctionTool, ...]]

    def __init__(self, *, knowledge: str, chat_ctx: llm.ChatContext | None = None) -> None:
        Agent.__init__(
            self,
            instructions=workshop_instructions(self.role, knowledge),
            chat_ctx=chat_ctx,
            tools=list(self.tool_set),
        )
        self.knowledge = knowledge

    async def on_enter(self) -> None:
        if self.role != "greeter":
            self.session.generate_reply()  # a specialist joins and introduces itself
        else:
            await super().on_enter()

    async def llm_node(
        self, chat_ctx: llm.ChatContext, tools: list[llm.Tool], model_settings: ModelSettings
    ) -> AsyncIterable[llm.ChatChunk]:
        team = self.team
        stats = GenerationStats(
            agent=self.role,
            provider=team.provider,
            model=team.model,
            started_at=time.perf_counter(),
        )
        try:
            async for chunk in Agent.default.llm_node(self, chat_ctx, tools, model_settings):
                if isinstance(chunk, llm.ChatChunk):
                    self._observe_chunk(chunk, stats)
                yield chunk
        finally:
            stats.finished_at = time.perf_counter()
            team.latency.generation_finished(stats)


def _handoff(context: RunContext[TeamContext], to_role: str, reason: str) -> Agent:
    current = cast(WorkshopAgent, context.session.current_agent)  # every agent here is one
    team = context.userdata
    team.emit(
        HandoffEvent(turn_id=team.turn_id, from_agent=current.role, to_agent=to_role, reason=reason)
    )
    return _ROLES[to_role](knowledge=current.knowledge)  # no chat_ctx: the colleague starts empty


@function_tool
async def transfer_to_technical(context: RunContext[TeamContext], reason: str) -> Agent:
    """Transfer the customer to the Technical Specialist (specifications, installation,
    integrations, security).

    Args:
        reason: Why the customer is being transferred.
    """
    return _handoff(context, "technical", reason)


@function_tool
async def transfer_to_pricing(context: RunContext[TeamContext], reason: str) -> Agent:
    """Transfer the customer to the Pricing Specialist (plans, prices, discounts, terms).

    Args:
        reason: Why the customer is being transferred.
    """
    return _handoff(context, "pricing", reason)


@function_tool
async def transfer_to_greeter(context: RunContext[TeamContext], reason: str) -> Agent:
    """Transfer the customer back to the Greeter.

    Args:
        reason: Why the customer is being transferred.
    """
    return _handoff(context, "greeter", reason)


class WorkshopGreeter(WorkshopAgent, Greeter):
    tool_set = (transfer_to_technical, transfer_to_pricing)


class WorkshopTechnical(WorkshopAgent, TechnicalSpecialist):
    tool_set = (transfer_to_pricing, transfer_to_greeter, team_tools.check_stock)


class WorkshopPricing(WorkshopAgent, PricingSpecialist):
    tool_set = (
        transfer_to_technical,
        transfer_to_greeter,
        team_tools.check_stock,
        team_tools.purchase_history,
        team_tools.recommend_products,
    )


_ROLES: dict[str, type[WorkshopAgent]] = {
    "greeter": WorkshopGreeter,
    "technical": WorkshopTechnical,
    "pricing": WorkshopPricing,
}


async def seat_workshop_team(runner: SessionRunner, knowledge: str) -> None:
    """Replace the runner's Greeter with the workshop's, before the conversation starts."""
    session = runner.agent_session
    if session is None:
        raise RuntimeError("the runner is not started")
    greeter = WorkshopGreeter(knowledge=knowledge)
    session.update_agent(greeter)
    from livekit.agents.voice.agent_activity import ActivityClosedError

    while True:
        try:
            if (await session.wait_for_idle()).agent is greeter:
                return
        except (
            ActivityClosedError
        ):  # the Greeter's activity is closing: the transition is under way
            pass
        await asyncio.sleep(0)  # let the transition task run
