"""Supervision of one session at a time: where it runs, what it writes down, what a face is told.

:class:`SessionSupervisor` is what a face (the desktop app through its Qt bridge, the terminal)
drives. Starting it indexes the knowledge (with progress) while livekit-agents imports, then
chooses the transport (:func:`~simulator.host.transport.choose_transport`): a LiveKit room when
one is configured, falling back to this computer with a notice when the room cannot be joined.
Every event is logged to the data dir as it happens (:mod:`simulator.session_log`) and passed on;
every :mod:`command <simulator.commands>` goes to the transport, and a refusal comes back as a
notice, never an exception. The knowledge can be re-indexed (cancellably) while nothing runs.

What happens is told to a :class:`SupervisorListener`, on the supervisor's loop; the Qt bridge
marshals it to the GUI thread, the terminal prints it. Plain asyncio: no Qt, no threads of its own.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from simulator.commands import (
    Command,
    NewConversationCommand,
    OpenMicCommand,
    PushToTalkCommand,
    SayCommand,
    ScorecardCommand,
    SetPersonaCommand,
)
from simulator.errors import SimulatorError
from simulator.events import (
    Event,
    PracticeStateEvent,
    SessionStartedEvent,
    TurnCompletedEvent,
)
from simulator.host.audio import AudioFactory
from simulator.host.idle_memory import IdleMemory
from simulator.host.status import (
    IndexOutcome,
    SessionState,
    import_voice_plugins,
    ready_detail,
    room_state,
    start_failure,
)
from simulator.host.transport import Capabilities, SessionTransport, choose_transport
from simulator.redaction import Redactor
from simulator.session_log import SessionLog, new_log_path
from simulator.settings import Settings

if TYPE_CHECKING:
    from simulator.knowledge.index import IndexReport

logger = logging.getLogger(__name__)

NOT_RUNNING = "The sales team is not running: open Settings to fix it, then Retry."
_AT_ONCE = (PushToTalkCommand, OpenMicCommand, ScorecardCommand)
"""Commands that never wait behind a turn in flight (a voice, a look at the scorecard)."""


class SupervisorListener(Protocol):
    """What a face is told; called on the supervisor's loop, in order. Calls must be quick."""

    def state_changed(self, state: SessionState, detail: str) -> None: ...

    def event(self, event: Event) -> None:
        """Every event of the session, in order (after it was logged)."""

    def notice(self, level: str, message: str) -> None:
        """Something to tell the user that is not a failure of the session (a refused command)."""

    def failed(self, message: str) -> None:
        """The team cannot run (it did not start, or its log cannot be written)."""

    def capabilities_changed(self, capabilities: Capabilities) -> None: ...

    def connection_changed(self, text: str) -> None:
        """Where the session runs, in a few words ("" on this computer)."""

    def log_opened(self, path: Path) -> None: ...

    def index_progress(self, done: int, total: int, source: str) -> None: ...

    async def on_main_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run ``function(*args)`` on the process's main thread (livekit registers plugins
        there)."""


class SessionSupervisor:
    """Runs one session at a time; see the module doc. Every method runs on one asyncio loop."""

    def __init__(
        self,
        settings: Settings,
        listener: SupervisorListener,
        *,
        redactor: Redactor | None = None,
        log_sessions: bool = True,
        audio: AudioFactory | None = None,
        coach_max_turns: int | None = None,
    ) -> None:
        """``audio`` opens the microphone and speakers (default: this computer's, via
        sounddevice)."""
        self.settings = settings
        self.listener = listener
        self.redactor = redactor or Redactor.for_settings(settings)
        self.log_sessions = log_sessions
        self.audio = audio
        self.coach_max_turns = coach_max_turns
        self.transport: SessionTransport | None = None
        self.log: SessionLog | None = None
        self._pump: asyncio.Task[None] | None = None
        self._idle_memory = IdleMemory()
        self._trimmer: asyncio.Task[None] | None = None
        """Hands freed memory back to the system while the session is idle."""
        self._lock = asyncio.Lock()
        self._session_import: asyncio.Future[Any] | None = None
        self._closing = threading.Event()
        """Set by :meth:`aclose`: the start-up index stops after the file in hand."""
        self.index_idle = threading.Event()
        """Clear while a worker thread writes the index (a face about to leave waits for it)."""
        self.index_idle.set()

    # -- the session's life ------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the session (a failure is told to the listener, never raised)."""
        self._closing.clear()
        async with self._lock:
            await self._open_session()

    async def restart(self, settings: Settings, *, redactor: Redactor | None = None) -> None:
        """Close the session, if any, and open one with ``settings``."""
        self._closing.clear()
        async with self._lock:
            self.settings = settings
            self.redactor = redactor or Redactor.for_settings(settings)
            await self._close_session()
            await self._open_session()

    async def aclose(self) -> None:
        self._closing.set()
        await self._close_session()

    # -- commands ----------------------------------------------------------------------------------

    async def send(self, text: str) -> bool:
        """The customer's typed line (a take-over while a persona plays)."""
        return await self.execute(SayCommand(text=text))

    async def execute(self, command: Command) -> bool:
        """Carry out ``command`` on the running session; ``False`` if it was refused (the
        listener is told why). Commands that change the conversation wait for the one before (a
        turn, a start); a voice never waits."""
        if isinstance(command, _AT_ONCE):
            return await self._carry_out(command)
        async with self._lock:
            return await self._carry_out(command)

    async def _carry_out(self, command: Command) -> bool:
        transport = self.transport
        if transport is None:
            if isinstance(command, SayCommand):
                self.listener.state_changed(SessionState.FAILED, NOT_RUNNING)
                self.listener.failed(NOT_RUNNING)
            return False
        try:
            await transport.execute(command)
            return True
        except asyncio.CancelledError:
            raise
        except SimulatorError as e:
            self.listener.notice("warning", self.redactor(_refusal(command, str(e))))
        except Exception as e:
            logger.warning("a command failed", exc_info=True)
            level = "warning" if isinstance(command, SayCommand) else "error"
            self.listener.notice(level, self.redactor(_failure(command, e)))
        if isinstance(command, SayCommand):  # the team takes turns again
            self.listener.state_changed(SessionState.READY, ready_detail(transport, self.settings))
        return False

    # -- the knowledge -----------------------------------------------------------------------------

    async def reindex(
        self, knowledge_dir: Path, cancel: threading.Event | None = None
    ) -> IndexOutcome:
        """Bring the index of ``knowledge_dir`` up to date (progress to the listener)."""
        try:
            report = await asyncio.to_thread(
                self._update_index,
                knowledge_dir,
                self.settings,
                self._progress,
                cancel,
                self.index_idle,
            )
        except asyncio.CancelledError:
            raise
        except Exception as e:
            return IndexOutcome(knowledge_dir=knowledge_dir, error=start_failure(e))
        return IndexOutcome.from_report(knowledge_dir, report)

    # -- internals ---------------------------------------------------------------------------------

    async def _open_session(self) -> None:
        settings = self.settings
        listener = self.listener
        try:
            listener.state_changed(SessionState.INDEXING, "Reading the company's knowledge…")
            # The two slow parts of starting overlap: livekit-agents imports while the index
            # updates. (A failed index does not wait for the import: the error shows at once.)
            if self._session_import is None:
                self._session_import = asyncio.ensure_future(
                    asyncio.to_thread(importlib.import_module, "simulator.session")
                )
            await asyncio.to_thread(
                self._update_index,
                settings.knowledge_dir,
                settings,
                self._startup_progress,
                self._closing,
                self.index_idle,
            )
            await self._session_import
            if settings.voice_mode != "off":
                # livekit registers plugins on the main thread only: import them there, now that
                # livekit-agents itself is loaded (off the main thread), which makes it quick.
                await listener.on_main_thread(import_voice_plugins, settings)
            if self.log_sessions and self.log is None:
                self.log = SessionLog(
                    new_log_path(settings.data_dir, uuid.uuid4().hex[:12]), redactor=self.redactor
                )
                listener.log_opened(self.log.path)
            listener.connection_changed("")
            if choose_transport(settings).kind == "room" and await self._run_in_room(settings):
                return
            listener.state_changed(SessionState.STARTING, "Seating the sales team…")
            from simulator.host.local import LocalTransport

            await self._run(
                LocalTransport(
                    settings,
                    audio=self.audio,
                    max_turns=self.coach_max_turns,
                    redactor=self.redactor,
                )
            )
        except asyncio.CancelledError:
            raise
        except Exception as e:
            if not isinstance(e, SimulatorError):
                logger.warning("the sales team could not start", exc_info=True)
            await self._close_session()
            message = self.redactor(start_failure(e))
            listener.state_changed(SessionState.FAILED, message)
            listener.failed(message)

    async def _run(self, transport: SessionTransport) -> None:
        """Start ``transport`` with its events flowing (raises what its start raised)."""
        self.transport = transport
        self._pump = asyncio.create_task(self._pump_events(transport), name="simulator-events")
        if self._trimmer is None:
            self._trimmer = asyncio.create_task(self._idle_memory.run(), name="simulator-trim")
        await transport.start()
        self.listener.capabilities_changed(transport.capabilities)

    async def _run_in_room(self, settings: Settings) -> bool:
        """Join the LiveKit room; on failure close it, say why, and return ``False`` (run here)."""
        from simulator.host.room import RoomTransport

        def on_state(state: str) -> None:
            self.listener.connection_changed(room_state(state, room.client))

        self.listener.state_changed(SessionState.STARTING, "Joining the LiveKit room…")
        room = RoomTransport(settings, audio=self.audio, on_state=on_state)
        try:
            await self._run(room)
            return True
        except asyncio.CancelledError:
            raise
        except Exception as e:
            if not isinstance(e, SimulatorError):
                logger.warning("the LiveKit room could not be joined", exc_info=True)
            await self._close_session(keep_log=True)
            reason = self.redactor(str(e) or type(e).__name__)
            self.listener.notice(
                "warning",
                f"Could not use the LiveKit room: {reason}. "
                "The sales team runs on this computer instead.",
            )
            self.listener.connection_changed("LiveKit unreachable · running locally")
            return False

    async def _pump_events(self, transport: SessionTransport) -> None:
        """Log and pass on every event; the team takes turns again once its events are out."""
        async for event in transport.events():
            self._idle_memory.touch()
            if self.log is not None:
                try:
                    self.log.write(event)
                except OSError as e:
                    log, self.log = self.log, None
                    log.close()
                    self.listener.failed(
                        f"Stopped logging this session to {log.path}: {e.strerror or e}"
                    )
            self.listener.event(event)
            if isinstance(event, (SessionStartedEvent, TurnCompletedEvent)) or (
                isinstance(event, PracticeStateEvent) and event.state != "customer"
            ):  # Rep mode: the rep's turn (or the call's end) is the team's turn done
                self.listener.state_changed(
                    SessionState.READY, ready_detail(transport, self.settings)
                )

    async def _close_session(self, *, keep_log: bool = False) -> None:
        """Close the transport and its pump; the log too, unless the session goes on elsewhere."""
        transport, self.transport = self.transport, None
        pump, self._pump = self._pump, None
        trimmer, self._trimmer = self._trimmer, None
        if trimmer is not None:
            trimmer.cancel()
        if transport is not None:
            try:
                await asyncio.wait_for(transport.aclose(), timeout=10)
            except Exception:
                logger.warning("the session did not close cleanly", exc_info=True)
        if pump is not None:
            try:
                await asyncio.wait_for(pump, timeout=5)
            except Exception:
                pump.cancel()
        if not keep_log:
            log, self.log = self.log, None
            if log is not None:
                log.close()

    def _startup_progress(self, done: int, total: int, source: str) -> None:
        self.listener.state_changed(
            SessionState.INDEXING, f"Indexing the knowledge: {done}/{total} files ({source})"
        )

    def _progress(self, done: int, total: int, source: str) -> None:
        self.listener.index_progress(done, total, source)

    @staticmethod
    def _update_index(
        knowledge_dir: Path,
        settings: Settings,
        progress: Callable[[int, int, str], None],
        cancel: threading.Event | None = None,
        idle: threading.Event | None = None,
    ) -> IndexReport:
        """Blocking (a worker thread): open the index of ``knowledge_dir`` and update it
        (``idle`` is cleared meanwhile)."""
        from simulator.knowledge.documents import Limits
        from simulator.knowledge.index import KnowledgeIndex

        if idle is not None:
            idle.clear()
        try:
            with KnowledgeIndex(
                knowledge_dir,
                settings.index_dir,
                chroma_host=settings.chroma_host,
                chroma_port=settings.chroma_port,
                contextual=False,  # the session's own index fills the encoder in the background
                limits=Limits(settings.max_file_mb, settings.max_csv_rows),
            ) as index:
                return index.update(progress=progress, cancel=cancel)
        finally:
            if idle is not None:
                idle.set()


def _what_failed(command: Command) -> str | None:
    match command:
        case NewConversationCommand():
            return "Could not start a new conversation"
        case SetPersonaCommand(persona=persona):
            return f"Could not load {persona}"
    return None


def _refusal(command: Command, reason: str) -> str:
    what = _what_failed(command)
    return f"{what}: {reason}" if what else reason


def _failure(command: Command, error: Exception) -> str:
    if isinstance(command, SayCommand):
        return f"That turn failed: {error}"
    return f"{_what_failed(command) or 'That did not work'}: {error}"
