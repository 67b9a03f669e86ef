"""The three roles of the sales team, one ``Agent`` subclass each.

Every reply goes through :meth:`SalesAgent.llm_node`: it retrieves the passages for the
customer's latest words (scoped to the agent), puts them in that turn's prompt, and reports the
retrieval, the streamed text and the stream's timings. Doing this in ``llm_node`` rather than
``on_user_turn_completed`` makes it work for typed turns and keeps preemptive generation.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterable, Callable
from importlib import resources
from pathlib import Path
from typing import ClassVar

from livekit.agents import NOT_GIVEN, Agent, FlushSentinel, ModelSettings, llm

from simulator.chunk_marks import FAILED_ATTEMPT_KEY, OFFLINE_MARK, TIME_INFO_KEY, request_sent
from simulator.events import (
    AGENT_NAMES,
    AgentRole,
    CoachWhisperEvent,
    RetrievalEvent,
    TranscriptDeltaEvent,
)
from simulator.latency import GenerationStats
from simulator.team import dialogue, tools
from simulator.team.brief import TurnBrief, attach
from simulator.team.context import TeamContext
from simulator.team.passages import format_whisper, knowledge_message
from simulator.team.prompts import load_instructions

OFFLINE_PASSAGES = 12
"""Passages the offline responder chooses its sentences from (the prompt holds ``retrieval_k``)."""
WHISPER_PASSAGES = 2
"""Passages searched for a whisper's own words, added to the line's."""


class SalesAgent(Agent):
    role: ClassVar[AgentRole]
    tool_set: ClassVar[tuple[llm.FunctionTool, ...]]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if "tool_set" in cls.__dict__:
            cls.colleagues = tuple(tools.TRANSFERS[t] for t in cls.tool_set if t in tools.TRANSFERS)

    colleagues: ClassVar[tuple[AgentRole, ...]] = ()
    """The roles this agent's tools can hand the customer to."""

    def __init__(
        self, *, chat_ctx: llm.ChatContext | None = None, team: TeamContext | None = None
    ) -> None:
        prompts_dir = team.prompts_dir if team else None
        voice = team.voices.get(self.role) if team else None
        super().__init__(
            instructions=load_instructions(self.role, prompts_dir),
            chat_ctx=chat_ctx,
            tools=list(self.tool_set),
            tts=voice if voice is not None else NOT_GIVEN,  # each role speaks in its own voice
            stt=None if team is not None and not team.listening else NOT_GIVEN,
        )

    @property
    def display_name(self) -> str:
        return AGENT_NAMES[self.role]

    @property
    def team(self) -> TeamContext:
        team: TeamContext = self.session.userdata
        return team

    def colleague(self, role: AgentRole) -> SalesAgent:
        """The agent of ``role`` with the whole conversation so far, so it never asks again."""
        return agent_for_role(
            role, chat_ctx=self.chat_ctx.copy(exclude_instructions=True), team=self.team
        )

    async def on_enter(self) -> None:
        # A specialist picks up a conversation in mid-flight and answers at once; the Greeter
        # waits for the customer at the start, but answers if handed the customer back.
        if any(isinstance(m, llm.ChatMessage) and m.role == "user" for m in self.chat_ctx.items):
            self.session.generate_reply()

    async def llm_node(
        self, chat_ctx: llm.ChatContext, tools: list[llm.Tool], model_settings: ModelSettings
    ) -> AsyncIterable[llm.ChatChunk | str | FlushSentinel]:
        team = self.team
        # "How much is it?" after "Is the CT-200 in stock?" is about the CT-200: search for both;
        # "and the other one?" asks the previous question about the other one.
        reading = dialogue.read(chat_ctx, team.view.product_names())
        question, referent = reading.question, reading.subject
        query = f"{question} ({referent})" if referent else question
        started = time.perf_counter()
        # The offline responder reads a few more passages than a cloud model is given: it can
        # only quote, so it needs the sentence that answers among its candidates.
        # One search per customer line: after a look-up the line's passages are reused, and the
        # colleague a handoff brings in finds its own searched ahead (see line_search); both are
        # taken at once, without a worker thread's round trip.
        k = max(team.retrieval_k, OFFLINE_PASSAGES)
        result = team.line_search.ready(team.turn_id, query, k, self.role)
        if result is None:
            result = await asyncio.to_thread(
                team.line_search.passages, team.turn_id, query, k, self.role
            )
        if self.colleagues and not result.reused:
            # while the model reads this prompt, search the line as each colleague sees it
            request_sent.set(_once(functools.partial(self._search_ahead, team.turn_id, query, k)))
        found = result.passages
        passages = found[: team.retrieval_k]
        whisper = team.whisper
        if whisper:
            # The coach's whisper steers what the agent reads too: the passages that bear on it
            # ("mention the volume discount") follow the line's own.
            steer = await asyncio.to_thread(
                team.line_search.passages, team.turn_id, whisper, WHISPER_PASSAGES, self.role
            )
            seen = {(p.source, p.section, p.text) for p in found}
            extra = [p for p in steer.passages if (p.source, p.section, p.text) not in seen]
            found, passages = [*found, *extra], [*passages, *extra]
        elapsed_ms = (time.perf_counter() - started) * 1000
        team.emit(
            RetrievalEvent(
                turn_id=team.turn_id,
                agent=self.role,
                query=query,
                passages=tuple(found if team.provider == "offline" else passages),
                elapsed_ms=round(elapsed_ms, 2),
                reused=result.reused,
                ahead=result.ahead,
            )
        )

        # The knowledge rides in a labelled user-role message, escaped: data, not instructions.
        # The same facts, typed, are attached to it for the offline responder (never parsed).
        brief = TurnBrief(
            agent=self.role,
            question=question,
            passages=tuple(found),
            subject=referent,
            whisper=whisper,
            tool_results=_tool_results(chat_ctx, team.tool_results),
            knowledge=team.view,
        )
        prompt = chat_ctx.copy()
        # Placed just before the customer's latest line, so a model reads the data, then the
        # question it answers (and the last user-role message is still the customer's).
        prompt.items.insert(
            _latest_customer_index(prompt), attach(knowledge_message(passages), brief)
        )
        # The coach's whisper rides in this prompt only, never in the history the customer shares.
        if whisper:
            prompt.add_message(
                role="system", content=format_whisper(_whisper_frame(team.prompts_dir), whisper)
            )

        stats = GenerationStats(
            agent=self.role,
            provider=team.provider,
            model=team.model,
            started_at=time.perf_counter(),
        )
        try:
            async for chunk in Agent.default.llm_node(self, prompt, tools, model_settings):
                if isinstance(chunk, llm.ChatChunk):
                    if _offline_takes_over(chunk, stats):
                        # The provider broke off mid-answer and the fallback's answer follows:
                        # mark the break, never glue it onto the words already streamed.
                        seam = llm.ChatChunk(
                            id=chunk.id, delta=llm.ChoiceDelta(role="assistant", content=" … ")
                        )
                        self._observe_chunk(seam, stats)
                        yield seam
                    self._observe_chunk(chunk, stats)
                yield chunk
                words = _offline_words(chunk)
                if team.reply_pace is not None and words:
                    await team.reply_pace(words)
        finally:
            stats.finished_at = time.perf_counter()
            team.latency.generation_finished(stats)
            # A reply that was only a handoff leaves the whisper for the colleague who answers.
            if whisper and stats.first_token_at is not None and team.whisper == whisper:
                team.whisper = None
                team.emit(
                    CoachWhisperEvent(
                        status="delivered", turn_id=team.turn_id, agent=self.role, text=whisper
                    )
                )

    def _search_ahead(self, turn_id: int, query: str, k: int) -> None:
        """Search the line for the colleagues this agent may hand it to, in a worker thread."""
        search = self.team.line_search.search_ahead(turn_id, query, k, self.colleagues)
        if search is None:
            return
        try:
            pending = asyncio.get_running_loop().run_in_executor(None, search)
        except RuntimeError:  # the session is closing (its executor shut down): nothing to gain
            return
        pending.add_done_callback(_retrieve)

    def _observe_chunk(self, chunk: llm.ChatChunk, stats: GenerationStats) -> None:
        delta = chunk.delta
        if delta is not None:
            if delta.extra:
                if delta.extra.get(OFFLINE_MARK):
                    stats.provider, stats.model = "offline", "offline responder"
                if TIME_INFO_KEY in delta.extra:
                    stats.server_time = dict(delta.extra[TIME_INFO_KEY])
                if FAILED_ATTEMPT_KEY in delta.extra:
                    stats.failed_attempt_s = delta.extra[FAILED_ATTEMPT_KEY].get("elapsed_s")
            if delta.content:
                if stats.first_token_at is None:
                    stats.first_token_at = time.perf_counter()
                self.team.emit(
                    TranscriptDeltaEvent(
                        turn_id=self.team.turn_id, speaker=self.role, delta=delta.content
                    )
                )
        if chunk.usage is not None:
            stats.prompt_tokens = chunk.usage.prompt_tokens
            stats.completion_tokens = chunk.usage.completion_tokens


def _offline_words(chunk: object) -> str:
    """The words of the offline responder's reply a chunk carries, else "" (a model streams at
    its own pace; the offline responder has the whole reply at once)."""
    if not isinstance(chunk, llm.ChatChunk) or chunk.delta is None or not chunk.delta.content:
        return ""
    offline = bool(chunk.delta.extra and chunk.delta.extra.get(OFFLINE_MARK))
    return chunk.delta.content if offline else ""


def _once(callback: Callable[[], None]) -> Callable[[], None]:
    """``callback``, run on the first call only (a retried request is sent again)."""
    called = False

    def first() -> None:
        nonlocal called
        if not called:
            called = True
            callback()

    return first


def _retrieve(done: asyncio.Future[None]) -> None:
    """Collect a finished prefetch's outcome (its errors are met again by the search itself)."""
    if not done.cancelled():
        done.exception()


class Greeter(SalesAgent):
    role = "greeter"
    tool_set = (tools.transfer_to_technical, tools.transfer_to_pricing)


class TechnicalSpecialist(SalesAgent):
    role = "technical"
    tool_set = (tools.transfer_to_pricing, tools.transfer_to_greeter, tools.check_stock)


class PricingSpecialist(SalesAgent):
    role = "pricing"
    tool_set = (
        tools.transfer_to_technical,
        tools.transfer_to_greeter,
        tools.check_stock,
        tools.purchase_history,
        tools.recommend_products,
    )


_ROLES: dict[str, type[SalesAgent]] = {
    cls.role: cls for cls in (Greeter, TechnicalSpecialist, PricingSpecialist)
}


def agent_for_role(
    role: str, *, chat_ctx: llm.ChatContext | None = None, team: TeamContext | None = None
) -> SalesAgent:
    return _ROLES[role](chat_ctx=chat_ctx, team=team)


def _whisper_frame(prompts_dir: Path | None) -> str:
    """How a whisper is introduced to the agent (``whisper.md``, a user's own prompts first)."""
    if prompts_dir is not None and (prompts_dir / "whisper.md").is_file():
        return (prompts_dir / "whisper.md").read_text(encoding="utf-8").strip()
    return (
        (resources.files("simulator.team") / "prompts" / "whisper.md")
        .read_text(encoding="utf-8")
        .strip()
    )


def _tool_results(chat_ctx: llm.ChatContext, results: dict[str, str]) -> dict[str, str]:
    """The raw results of the look-ups this prompt holds, by call id."""
    return {
        item.call_id: results[item.call_id]
        for item in chat_ctx.items
        if isinstance(item, llm.FunctionCallOutput) and item.call_id in results
    }


def _latest_customer_index(chat_ctx: llm.ChatContext) -> int:
    for n in range(len(chat_ctx.items) - 1, -1, -1):
        item = chat_ctx.items[n]
        if isinstance(item, llm.ChatMessage) and item.role == "user":
            return n
    return len(chat_ctx.items)


def latest_customer_text(chat_ctx: llm.ChatContext) -> str:
    for item in reversed(chat_ctx.items):
        if isinstance(item, llm.ChatMessage) and item.role == "user" and item.text_content:
            return item.text_content
    return ""


def _offline_takes_over(chunk: llm.ChatChunk, stats: GenerationStats) -> bool:
    """Whether ``chunk`` is the offline responder's first text after another provider's text."""
    delta = chunk.delta
    return (
        delta is not None
        and bool(delta.content)
        and bool(delta.extra and delta.extra.get(OFFLINE_MARK))
        and stats.provider != "offline"
        and stats.first_token_at is not None
    )
