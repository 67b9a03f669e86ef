"""One conversation with the sales team, run in-process, seen as a stream of typed events.

:class:`SessionRunner` is the only door to the team: the desktop app, the terminal and the tests
send it customer turns and commands, and read everything that happens from :meth:`events`.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from types import TracebackType

from livekit.agents import AgentSession, llm
from livekit.agents.voice import events as lk_events

from simulator.events import (
    ConversationResetEvent,
    Event,
    SessionEndedEvent,
    SessionStartedEvent,
    StatusEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.errors import SessionError
from simulator.knowledge.index import KnowledgeIndex
from simulator.knowledge.records import SalesRecords
from simulator.latency import LatencyObserver
from simulator.providers.selection import LLMChoice, build_llm
from simulator.settings import Settings
from simulator.team.agents import Greeter, SalesAgent
from simulator.team.context import TeamContext

_CLOSED = object()


class SessionRunner:
    """Drives a livekit-agents ``AgentSession`` with no room and yields what it does.

    Use as ``async with SessionRunner(settings) as runner``; read ``runner.events()`` in one task
    and call :meth:`send` / :meth:`reset` from another (or the same, between turns).
    """

    def __init__(self, settings: Settings, *, model: llm.LLM | None = None) -> None:
        """``model`` replaces the configured provider (tests script the team through it)."""
        self.settings = settings
        self.session_id = uuid.uuid4().hex[:12]
        self._model_override = model
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._latency = LatencyObserver()
        self._session: AgentSession[TeamContext] | None = None
        self._team: TeamContext | None = None
        self._choice: LLMChoice | None = None
        self._turn_id = 0
        self._turn_lock = asyncio.Lock()

    async def __aenter__(self) -> SessionRunner:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    @property
    def provider(self) -> str:
        return self._choice.provider if self._choice else "starting"

    async def start(self) -> None:
        """Index the knowledge (incrementally, off the loop), choose the LLM, seat the Greeter."""
        settings = self.settings
        index = KnowledgeIndex(settings.knowledge_dir, settings.index_dir,
                               chroma_host=settings.chroma_host, chroma_port=settings.chroma_port)
        report = await asyncio.to_thread(index.update)
        for skipped in report.skipped:
            self._emit(StatusEvent(level="warning", source="knowledge", message=f"Skipped {skipped}"))
        self._emit(StatusEvent(level="info", source="knowledge", message=(
            f"Knowledge: {report.chunks} passages from {settings.knowledge_dir}.")))
        records = await asyncio.to_thread(SalesRecords.load, settings.knowledge_dir)

        if self._model_override is not None:
            self._choice = LLMChoice(self._model_override, "scripted", self._model_override.model)
        else:
            self._choice = build_llm(settings, self._emit)
        self._team = TeamContext(index=index, records=records, emit=self._emit, latency=self._latency,
                                 provider=self._choice.provider, model=self._choice.model,
                                 retrieval_k=settings.retrieval_k)
        await self._open_session()
        self._emit(SessionStartedEvent(session_id=self.session_id, provider=self._choice.provider,
                                       model=self._choice.model, knowledge_dir=str(settings.knowledge_dir)))

    async def send(self, text: str) -> int:
        """The customer says ``text``; returns when the team has finished answering."""
        text = text.strip()
        if not text:
            raise SessionError("the customer's turn is empty")
        async with self._turn_lock:
            session, team = self._require_session()
            self._turn_id += 1
            team.turn_id = self._turn_id
            self._latency.turn_started(self._turn_id, time.perf_counter())
            try:
                await session.run(user_input=text)
            except Exception as e:  # the conversation must survive a failed turn
                self._emit(StatusEvent(level="error", source="session", message=f"The turn failed: {e}"))
            self._emit(TurnCompletedEvent(turn_id=self._turn_id, agent=self.current_agent()))
            return self._turn_id

    async def reset(self) -> None:
        """Start a new conversation with the Greeter; the previous history is dropped."""
        async with self._turn_lock:
            await self._close_session()
            await self._open_session()
            self._emit(ConversationResetEvent())

    def current_agent(self) -> str:
        session, _ = self._require_session()
        agent = session.current_agent
        return agent.role if isinstance(agent, SalesAgent) else "greeter"

    async def aclose(self) -> None:
        if self._session is not None:
            await self._close_session()
            self._emit(SessionEndedEvent())
        if self._choice is not None:
            await self._choice.llm.aclose()
        self._queue.put_nowait(_CLOSED)

    async def events(self) -> AsyncIterator[Event]:
        """Every event of this runner, in order, until it is closed."""
        while (item := await self._queue.get()) is not _CLOSED:
            yield item  # type: ignore[misc]

    def _emit(self, event: Event) -> None:
        self._latency.observe(event)
        self._queue.put_nowait(event)

    async def _open_session(self) -> None:
        assert self._choice is not None and self._team is not None
        session: AgentSession[TeamContext] = AgentSession(llm=self._choice.llm, userdata=self._team)
        session.on("conversation_item_added", self._on_item_added)
        session.on("error", self._on_error)
        await session.start(Greeter(team=self._team), record=False)
        self._session = session

    async def _close_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.off("conversation_item_added", self._on_item_added)
            session.off("error", self._on_error)
            await session.aclose()

    def _require_session(self) -> tuple[AgentSession[TeamContext], TeamContext]:
        if self._session is None or self._team is None:
            raise SessionError("the session is not running: use `async with SessionRunner(...)`")
        return self._session, self._team

    def _on_item_added(self, event: lk_events.ConversationItemAddedEvent) -> None:
        item = event.item
        if not isinstance(item, llm.ChatMessage) or not item.text_content:
            return
        if item.role == "user":
            self._latency.customer_message(item.metrics)
            self._emit(TranscriptEvent(turn_id=self._turn_id, speaker="customer", text=item.text_content))
        elif item.role == "assistant":
            agent = self.current_agent()
            latency = self._latency.reply(agent, item.metrics)
            provider = latency.provider if latency else (self._choice.provider if self._choice else None)
            self._emit(TranscriptEvent(turn_id=self._turn_id, speaker=agent, text=item.text_content,
                                       provider=provider, interrupted=item.interrupted))
            if latency is not None:
                self._emit(latency)

    def _on_error(self, event: lk_events.ErrorEvent) -> None:
        self._emit(StatusEvent(level="warning" if event.error.recoverable else "error",
                               source="session", message=str(event.error.error)))
