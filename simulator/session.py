"""One conversation with the sales team, run in-process, seen as a stream of typed events.

:class:`SessionRunner` is the only door to the team: the desktop app, the terminal and the tests
send it customer turns and commands, and read everything that happens from :meth:`events`.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from livekit.agents import AgentSession, llm
from livekit.agents.voice import events as lk_events

from simulator.chunk_marks import OFFLINE_SCORER_KEY
from simulator.claims import ClaimChecker, ClaimJob, ClaimWatch
from simulator.errors import SessionError
from simulator.events import (
    AgentRole,
    CoachWhisperEvent,
    ConversationResetEvent,
    Event,
    Scorer,
    SessionEndedEvent,
    SessionStartedEvent,
    StatusEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.knowledge.documents import Limits
from simulator.knowledge.index import KnowledgeIndex
from simulator.knowledge.records import SalesRecords
from simulator.latency import LatencyObserver
from simulator.providers.selection import LLMChoice, build_llm
from simulator.redaction import EventRedactor, Redactor
from simulator.resource import AsyncResource
from simulator.settings import Settings
from simulator.team.agents import Greeter, SalesAgent
from simulator.team.context import TeamContext

if TYPE_CHECKING:
    from livekit import rtc

    from simulator.team.scope import KnowledgeView
    from simulator.voice.kit import VoiceKit


class SessionRunner(AsyncResource):
    """Drives a livekit-agents ``AgentSession`` with no room and yields what it does.

    Use as ``async with SessionRunner(settings) as runner``; read ``runner.events()`` in one task
    and call :meth:`send` / :meth:`reset` from another (or the same, between turns).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        model: llm.LLM | None = None,
        voice: VoiceKit | None = None,
        room: rtc.Room | None = None,
        room_options: Any = None,
        check_claims: bool = True,
        redactor: Redactor | None = None,
    ) -> None:
        """``model`` replaces the configured provider (tests script the team through it).

        ``check_claims`` runs the claim check (:mod:`simulator.claims`) on every agent reply.

        ``voice`` makes the session listen and speak (:mod:`simulator.voice`); ``room`` runs it in
        a LiveKit room (the worker), with livekit's ``room_io.RoomOptions`` as ``room_options``.

        Every event is redacted as it is emitted (``redactor``, by default the settings' secrets),
        so nothing downstream ever holds a key a provider echoed.
        """
        self.settings = settings
        self._voice = voice
        self._room = room
        self._room_options = room_options
        self._completed_turn = 0
        self._typed_line: str | None = None
        self._replied_turn = 0
        self.session_id = uuid.uuid4().hex[:12]
        self._observers: list[Callable[[Event], None]] = []
        self._redact = EventRedactor(redactor or Redactor.for_settings(settings))
        self._check_claims = check_claims
        self._claims: ClaimWatch | None = None
        self._checker: ClaimChecker | None = None
        self._checker_lock = asyncio.Lock()
        self._checks: set[asyncio.Task[None]] = set()
        self._model_override = model
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue()
        """The events to read, then ``None`` once closed."""
        self._latency = LatencyObserver()
        self._session: AgentSession[TeamContext] | None = None
        self._team: TeamContext | None = None
        self._reply_pace: Callable[[str], Awaitable[None]] | None = None
        self._choice: LLMChoice | None = None
        self._turn_id = 0
        self._turn_lock = asyncio.Lock()

    @property
    def provider(self) -> str:
        return self._choice.provider if self._choice else "starting"

    async def start(self) -> None:
        """Index the knowledge (incrementally, off the loop), choose the LLM, seat the Greeter."""
        settings = self.settings
        limits = Limits(settings.max_file_mb, settings.max_csv_rows)
        index = KnowledgeIndex(
            settings.knowledge_dir,
            settings.index_dir,
            chroma_host=settings.chroma_host,
            chroma_port=settings.chroma_port,
            limits=limits,
        )
        report = await asyncio.to_thread(index.update)
        for skipped in report.skipped:
            self._emit(
                StatusEvent(level="warning", source="knowledge", message=f"Skipped {skipped}")
            )
        for warning in report.warnings:
            self._emit(StatusEvent(level="warning", source="knowledge", message=warning))
        self._emit(
            StatusEvent(
                level="info",
                source="knowledge",
                message=(f"Knowledge: {report.chunks} passages from {settings.knowledge_dir}."),
            )
        )
        records = await asyncio.to_thread(SalesRecords.load, settings.knowledge_dir, limits)
        skipped_files = {e.path for e in report.skipped}
        for problem in records.problems:  # bad rows; a skipped file was reported above
            if problem.path not in skipped_files:
                self._emit(StatusEvent(level="warning", source="knowledge", message=str(problem)))

        if self._model_override is not None:
            self._choice = LLMChoice(self._model_override, "scripted", self._model_override.model)
        else:
            self._choice = build_llm(settings, self._emit)
        self._team = TeamContext(
            index=index,
            records=records,
            emit=self._emit,
            latency=self._latency,
            provider=self._choice.provider,
            model=self._choice.model,
            retrieval_k=settings.retrieval_k,
            voices=dict(self._voice.voices) if self._voice else {},
            reply_pace=self._reply_pace,
        )
        if self._check_claims:  # the checker itself is built by the first reply's check
            self._claims = ClaimWatch()
        if self._voice is not None:
            self._emit(
                StatusEvent(level="info", source="voice", message=f"Voice: {self._voice.name}.")
            )
            for notice in self._voice.notices:
                self._emit(StatusEvent(level="warning", source="voice", message=notice))
        await self._open_session()
        self._emit(
            SessionStartedEvent(
                session_id=self.session_id,
                provider=self._choice.provider,
                model=self._choice.model,
                knowledge_dir=str(settings.knowledge_dir),
            )
        )

    async def send(self, text: str) -> int:
        """The customer says ``text``; returns when the team has finished answering."""
        text = text.strip()
        if not text:
            raise SessionError("the customer's turn is empty")
        async with self._turn_lock:
            session, _ = self._require_session()
            self._begin_turn()
            # A typed line is shown at once, before any retrieval or reply of its turn; livekit
            # adds it to the conversation a little later, which is not repeated (see below).
            self._typed_line = text
            self._emit(TranscriptEvent(turn_id=self._turn_id, speaker="customer", text=text))
            try:
                await session.run(user_input=text)
            except Exception as e:  # the conversation must survive a failed turn
                self._emit(
                    StatusEvent(level="error", source="session", message=f"The turn failed: {e}")
                )
            await self._settle_claim_checks()
            self._complete_turn()
            return self._turn_id

    async def record(
        self, speaker: Literal["customer", "rep"], text: str, *, closing: bool = False
    ) -> int:
        """A line of a conversation the team does not answer (Rep mode: the persona is the
        customer, the user its rep). The customer's line opens a turn, the rep's answers it, and a
        rep's line returns once its claim check is out (the customer reads it before answering).
        ``closing``: the customer's last line of a call (Coach mode's persona hangs up); its turn
        completes with no answer. Returns the line's turn id."""
        text = text.strip()
        if not text:
            raise SessionError(f"the {speaker}'s line is empty")
        async with self._turn_lock:
            self._require_session()
            if speaker == "customer":
                self._begin_turn()
            self._emit(TranscriptEvent(turn_id=self._turn_id, speaker=speaker, text=text))
            await self._settle_claim_checks()
            if closing:
                self._complete_turn()
            return self._turn_id

    @property
    def knowledge(self) -> KnowledgeView:
        """The whole knowledge base with scopes and the sales records (Rep mode's co-pilot reads
        it as the team would)."""
        _, team = self._require_session()
        return team.view

    def _begin_turn(self) -> None:
        """The customer starts a new turn (typed, or heard starting to speak)."""
        _, team = self._require_session()
        self._turn_id += 1
        team.turn_id = self._turn_id
        self._latency.turn_started(self._turn_id, time.perf_counter())

    def _complete_turn(self) -> None:
        if self._completed_turn != self._turn_id:
            self._completed_turn = self._turn_id
            self._emit(TurnCompletedEvent(turn_id=self._turn_id, agent=self.current_agent()))

    async def reset(self) -> None:
        """Start a new conversation with the Greeter; the previous history is dropped."""
        async with self._turn_lock:
            await self._close_session()
            await self._open_session()
            self._emit(ConversationResetEvent())

    @property
    def agent_session(self) -> AgentSession[TeamContext] | None:
        """The livekit session underneath, while running (the worker's push-to-talk drives its
        input)."""
        return self._session

    def current_agent(self) -> AgentRole:
        session, _ = self._require_session()
        agent = session.current_agent
        return agent.role if isinstance(agent, SalesAgent) else "greeter"

    async def aclose(self) -> None:
        for task in list(self._checks):
            task.cancel()
        if self._checks:
            await asyncio.gather(*list(self._checks), return_exceptions=True)
        if self._session is not None:
            await self._close_session()
            self._emit(SessionEndedEvent())
        if self._choice is not None:
            await self._choice.llm.aclose()
        if self._team is not None:  # stops the contextual encoder's background fill
            await asyncio.to_thread(self._team.index.close)
        self._queue.put_nowait(None)

    async def events(self) -> AsyncIterator[Event]:
        """Every event of this runner, in order, until it is closed."""
        while (item := await self._queue.get()) is not None:
            yield item

    def pace_replies(self, pace: Callable[[str], Awaitable[None]] | None) -> None:
        """Hold each piece of an offline reply until ``pace(piece)`` returns (Coach mode streams
        replies at reading speed); ``None`` shows them at once again."""
        self._reply_pace = pace
        if self._team is not None:
            self._team.reply_pace = pace

    def whisper(self, text: str) -> None:
        """Coach the team: ``text`` goes into the prompt of the active agent's next reply as a
        system message (never into the history, never to the customer), then is cleared."""
        text = text.strip()
        if not text:
            raise SessionError("the whisper is empty")
        _, team = self._require_session()
        team.whisper = f"{team.whisper}\n{text}" if team.whisper else text
        self._emit(
            CoachWhisperEvent(
                status="queued", turn_id=self._turn_id, agent=self.current_agent(), text=text
            )
        )

    def publish(self, event: Event) -> None:
        """Put an event of a layer above the session (Coach mode, personas, scorecard) in its
        stream."""
        self._emit(event)

    def add_observer(self, observer: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``observer`` with every event as it is emitted (before :meth:`events` yields it);
        returns the function that removes it. Observers must be quick and must not raise."""
        self._observers.append(observer)
        return lambda: self._observers.remove(observer) if observer in self._observers else None

    @property
    def turn_id(self) -> int:
        """The latest customer turn's id (0 before the first)."""
        return self._turn_id

    def _emit(self, emitted: Event) -> None:
        for event in self._redact(emitted):
            self._pass_on(event)

    def _pass_on(self, event: Event) -> None:
        self._latency.observe(event)
        self._queue.put_nowait(event)
        for observer in list(self._observers):
            observer(event)
        job = self._claims.observe(event) if self._claims is not None else None
        if job is not None:
            task = asyncio.get_running_loop().create_task(
                self._check_reply(job), name="simulator-claim-check"
            )
            self._checks.add(task)
            task.add_done_callback(self._checks.discard)

    @property
    def claim_checker_built(self) -> bool:
        """Whether the claim checker exists yet (it is built for the first reply to check)."""
        return self._checker is not None

    async def _claim_checker(self) -> ClaimChecker:
        """The claim checker, built on first use: reading the knowledge's facts takes 1-4 s of
        CPU, which a start that waited for it spent before the customer could type; the first
        reply's text is out before its check runs, so nobody waits for the build there."""
        async with self._checker_lock:
            if self._checker is None:
                self._checker = await asyncio.to_thread(
                    ClaimChecker.for_folder,
                    self.settings.knowledge_dir,
                    cache_dir=self.settings.data_dir / "facts",
                )
            return self._checker

    async def _check_reply(self, job: ClaimJob) -> None:
        try:
            checker = await self._claim_checker()
            event = await asyncio.to_thread(checker.check, job)
        except Exception as e:
            self._emit(
                StatusEvent(
                    level="warning",
                    source="claims",
                    message=f"The claim check of a reply failed: {e}",
                )
            )
            return
        self._emit(event)

    async def _settle_claim_checks(self) -> None:
        """Wait for the running claim checks, so a turn's checks come before its completion."""
        while self._checks:
            await asyncio.gather(*list(self._checks), return_exceptions=True)

    async def _open_session(self) -> None:
        assert self._choice is not None and self._team is not None
        # Typed turns only: no end-of-turn model (livekit's default loads one, ~250 MB and a
        # second of start-up, for audio this session never hears).
        voice_options = (
            self._voice.session_options()
            if self._voice
            else {"turn_handling": {"turn_detection": None}}
        )
        session: AgentSession[TeamContext] = AgentSession(
            llm=self._choice.llm, userdata=self._team, **voice_options
        )
        session.on("conversation_item_added", self._on_item_added)
        session.on("error", self._on_error)
        if self._voice is not None:
            self._voice.attach(session)
            session.on("user_state_changed", self._on_user_state)
            session.on("agent_state_changed", self._on_agent_state)
        room_args: dict[str, Any] = {}
        if self._room is not None:
            room_args = (
                {"room": self._room, "room_options": self._room_options}
                if self._room_options
                else {"room": self._room}
            )
        await session.start(Greeter(team=self._team), record=False, **room_args)
        self._session = session

    async def _close_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.off("conversation_item_added", self._on_item_added)
            session.off("error", self._on_error)
            if self._voice is not None:
                session.off("user_state_changed", self._on_user_state)
                session.off("agent_state_changed", self._on_agent_state)
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
            if item.text_content == self._typed_line:
                self._typed_line = None
            else:  # heard, not typed
                self._emit(
                    TranscriptEvent(
                        turn_id=self._turn_id, speaker="customer", text=item.text_content
                    )
                )
        elif item.role == "assistant":
            agent = self.current_agent()
            latency = self._latency.reply(agent, item.metrics)
            provider = (
                latency.provider if latency else (self._choice.provider if self._choice else None)
            )
            self._emit(
                TranscriptEvent(
                    turn_id=self._turn_id,
                    speaker=agent,
                    text=item.text_content,
                    provider=provider,
                    interrupted=item.interrupted,
                    scorer=_offline_scorer(item.extra),
                )
            )
            if latency is not None:
                self._emit(latency)
            self._replied_turn = self._turn_id

    def _on_user_state(self, event: lk_events.UserStateChangedEvent) -> None:
        # A spoken turn begins when the customer is heard after the team's last reply, so the
        # retrieval and reply that follow (preemptive generation included) carry its id; a pause
        # mid-sentence does not start another.
        if (
            event.new_state == "speaking"
            and self._session is not None
            and self._replied_turn == self._turn_id
        ):
            self._begin_turn()

    def _on_agent_state(self, event: lk_events.AgentStateChangedEvent) -> None:
        # A spoken turn is complete when the team has replied and gone back to listening
        # (after a handoff the specialist's reply comes first).
        if event.new_state == "listening" and self._replied_turn == self._turn_id and self._session:
            # Its claim checks first, as for a typed turn; the task is kept so close cancels it.
            task = asyncio.create_task(self._complete_spoken_turn(self._turn_id))
            self._checks.add(task)
            task.add_done_callback(self._checks.discard)

    async def _complete_spoken_turn(self, turn_id: int) -> None:
        while pending := [t for t in self._checks if t is not asyncio.current_task()]:
            await asyncio.gather(*pending, return_exceptions=True)
        if turn_id == self._turn_id:
            self._complete_turn()

    def _on_error(self, event: lk_events.ErrorEvent) -> None:
        self._emit(
            StatusEvent(
                level="warning" if event.error.recoverable else "error",
                source="session",
                message=str(event.error.error),
            )
        )
        if self._voice is not None and not event.error.recoverable:
            self._voice_failed(getattr(event.error, "type", ""))

    def _voice_failed(self, kind: str) -> None:
        """Speech failed for good (a refused key, no network): carry on in text, never fall
        silent."""
        session = self._session
        if session is None or kind not in ("tts_error", "stt_error"):
            return
        if kind == "tts_error":
            session.output.set_audio_enabled(False)
            message = "The agents' voice failed: their replies continue as text."
        else:
            session.input.set_audio_enabled(False)
            if self._team is not None:
                self._team.listening = False
            message = "Listening failed: type your lines instead."
        self._emit(StatusEvent(level="warning", source="voice", message=message))


def _offline_scorer(extra: Mapping[str, Any]) -> Scorer | None:
    """What chose an offline reply (livekit copies its chunks' ``extra`` onto the message)."""
    found = extra.get(OFFLINE_SCORER_KEY)
    return found if found in ("minilm", "wordllama") else None
