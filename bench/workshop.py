"""The workshop notebook's agents, rebuilt on our provider stack for a side-by-side measurement.

The sample app the simulator is modelled on (a conference workshop's voice sales agent) is three
livekit ``Agent`` classes; this module reproduces their mechanics as its code runs them:

1. **Context stuffing**: each agent, when it is created, reads every file at the top level of its
   context folder as UTF-8 text (sub-folders are not entered; a file that does not read as text,
   such as a PDF, is skipped) and pastes it into its system prompt (``=== name ===`` then the
   text). There is no retrieval.
2. **A greeting request before the customer speaks**: the sales agent's ``on_enter`` asks the model
   for a greeting (``generate_reply(user_input="Give a short … greeting …")``), with the whole
   stuffed prompt.
3. **A confirmation request inside every transfer**: a ``switch_to_*`` tool first awaits
   ``generate_reply(user_input="Confirm you are transferring to …")``, another fully stuffed
   request, and only when it has been spoken returns the new agent.
4. **Specialists start empty and greet**: the new agent gets no chat history; its ``on_enter``
   says a fixed sentence (``session.say``) and waits. It never answers the question that caused
   the transfer: the customer must ask again.

The agents subclass ours only to stream into the same event stream (``llm_node`` without
retrieval), with the notebook's prompts (``bench/workshop_prompts/``) and tools. What differs from
the notebook and does not change what is measured: they run on our LLM (the same Cerebras
adapter, server and latency model as our team) instead of one OpenAI client per agent, and no
per-agent STT/TTS/VAD is built (the side-by-side is typed). A benchmark seats a
:class:`WorkshopGreeter` in a normal :class:`~simulator.session.SessionRunner` with
:func:`seat_workshop_team`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable
from pathlib import Path
from typing import ClassVar, cast

from livekit.agents import Agent, ModelSettings, RunContext, function_tool, llm

from simulator.events import AgentRole, HandoffEvent
from simulator.latency import GenerationStats
from simulator.session import SessionRunner
from simulator.team.agents import Greeter, PricingSpecialist, SalesAgent, TechnicalSpecialist
from simulator.team.context import TeamContext

PROMPTS = Path(__file__).resolve().parent / "workshop_prompts"
GREETING_REQUEST = (
    "Give a short and formal one-sentence greeting starting with 'Hello!'. "
    "Offer to answer any questions."
)
"""What the sales agent asks the model for when the session starts, before the customer speaks."""
CONFIRMATIONS: dict[AgentRole, str] = {
    "technical": "Confirm you are transferring to technical support",
    "pricing": "Confirm you are transferring to a pricing specialist",
    "greeter": "Confirm you are transferring to the sales team",
}
"""What a ``switch_to_*`` tool asks the model to say before it returns the next agent."""


def load_context(folder: Path) -> str:
    """The folder as the notebook reads it: the files at its top level, as UTF-8 text, each
    after ``=== name ===``; sub-folders are not entered, a file that is not text is skipped.
    (The notebook's ``glob`` order is the file system's; sorted here so runs compare.)"""
    content = ""
    for path in sorted(folder.glob("*")):
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):  # the notebook's bare `except: pass`
                continue
            content += f"\n=== {path.name} ===\n{text}\n"
    return content.strip() or "No files found"


def load_context_flattened(folder: Path) -> str:
    """Every file of the folder and its sub-folders read as :func:`load_context` reads the top
    level: what the notebook stuffs once a user copies all their material into its context
    folder."""
    content = ""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        content += f"\n=== {path.name} ===\n{text}\n"
    return content.strip() or "No files found"


def context_files(folder: Path) -> tuple[list[str], list[str]]:
    """(the files :func:`load_context` pastes, the files of the folder it leaves out)."""
    read, left = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = str(path.relative_to(folder))
        try:
            if path.parent != folder:
                raise UnicodeDecodeError("utf-8", b"", 0, 1, "in a sub-folder")
            path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            left.append(name)
        else:
            read.append(name)
    return read, left


def workshop_instructions(role: str, context: str) -> str:
    return (PROMPTS / f"{role}.md").read_text(encoding="utf-8").replace("{context}", context)


class WorkshopAgent(SalesAgent):
    """One of the notebook's agents: its prompt and tools, no retrieval, no inherited history."""

    tool_set: ClassVar[tuple[llm.FunctionTool, ...]]
    greeting: ClassVar[str] = ""
    """The fixed sentence a specialist says on entering (``session.say``)."""

    def __init__(self, *, folder: Path, context: str | None = None) -> None:
        """``context``: the stuffed text to use instead of reading ``folder`` again (the
        notebook reads it in every agent's constructor; a benchmark of huge folders passes it)."""
        self.folder, self.preloaded = folder, context
        Agent.__init__(
            self,
            instructions=workshop_instructions(
                self.role, context if context is not None else load_context(folder)
            ),
            tools=list(self.tool_set),
        )

    async def on_enter(self) -> None:
        if self.role == "greeter":
            self.session.generate_reply(user_input=GREETING_REQUEST)
        else:
            await self.session.say(self.greeting)

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


async def _switch(context: RunContext[TeamContext], to_role: AgentRole) -> Agent:
    """The notebook's transfer: a spoken confirmation (a whole stuffed request, awaited), then a
    new agent with no history."""
    current = cast(WorkshopAgent, context.session.current_agent)  # every agent here is one
    await context.session.generate_reply(user_input=CONFIRMATIONS[to_role])
    team = context.userdata
    team.emit(
        HandoffEvent(
            turn_id=team.turn_id,
            from_agent=current.role,
            to_agent=to_role,
            reason=CONFIRMATIONS[to_role],
        )
    )
    return _ROLES[to_role](folder=current.folder, context=current.preloaded)


@function_tool
async def switch_to_tech_support(context: RunContext[TeamContext]) -> Agent:
    """Switch to a technical support rep"""
    return await _switch(context, "technical")


@function_tool
async def switch_to_technical(context: RunContext[TeamContext]) -> Agent:
    """Switch to technical specialist"""
    return await _switch(context, "technical")


@function_tool
async def switch_to_pricing(context: RunContext[TeamContext]) -> Agent:
    """Switch to pricing specialist"""
    return await _switch(context, "pricing")


@function_tool
async def switch_to_sales(context: RunContext[TeamContext]) -> Agent:
    """Switch to a sales representative"""
    return await _switch(context, "greeter")


class WorkshopGreeter(WorkshopAgent, Greeter):
    tool_set = (switch_to_tech_support, switch_to_pricing)


class WorkshopTechnical(WorkshopAgent, TechnicalSpecialist):
    tool_set = (switch_to_sales, switch_to_pricing)
    greeting = (
        "Hi, I'm the technical specialist. I can help you with detailed technical questions "
        "about our products."
    )


class WorkshopPricing(WorkshopAgent, PricingSpecialist):
    tool_set = (switch_to_sales, switch_to_technical)
    greeting = (
        "Hello, I'm the pricing specialist. I can help you understand our pricing options and "
        "find the best value for your needs."
    )


_ROLES: dict[str, type[WorkshopAgent]] = {
    "greeter": WorkshopGreeter,
    "technical": WorkshopTechnical,
    "pricing": WorkshopPricing,
}


async def seat_workshop_team(
    runner: SessionRunner, folder: Path, context: str | None = None
) -> None:
    """Replace the runner's Greeter with the notebook's sales agent, whose ``on_enter`` then sends
    the greeting request (the caller waits for the greeting before the customer speaks)."""
    session = runner.agent_session
    if session is None:
        raise RuntimeError("the runner is not started")
    greeter = WorkshopGreeter(folder=folder, context=context)
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
