"""The one door between Qt and the core: a session on a background asyncio thread, seen as signals.

The sales team is asyncio code (livekit-agents, the Cerebras SDK, chromadb off the loop) and Qt
wants its widgets touched from the GUI thread only. :class:`SessionBridge` is created in the GUI
thread and owns a background thread running an asyncio loop with the session's
:class:`~simulator.app.transport.SessionTransport`: in this process
(:class:`~simulator.app.local_session.LocalSession`, with Coach mode and the voice) or in a
LiveKit room (:class:`~simulator.app.room_session.RoomSession`) when one is configured, falling
back to this process, with a notice, when the room cannot be joined. Commands go in with
``run_coroutine_threadsafe``; everything that comes back (events, state, notices, indexing
progress) is queued and delivered by one queued-connection wake-up on the GUI thread, in order,
so every public signal is emitted on the GUI thread and slots may touch widgets.

Start-up is slow (``import livekit.agents`` alone costs about two seconds, then the knowledge is
indexed), so it all happens on the background thread while the window shows a "starting" state.
Every session is logged to the data dir as it happens (:mod:`simulator.session_log`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from simulator.app.audio import AudioFactory
from simulator.app.session_state import (
    IndexOutcome,
    SessionState,
    import_voice_plugins,
    ready_detail,
    room_state,
    start_failure,
)
from simulator.app.transport import Capabilities, SessionTransport, choose_transport
from simulator.errors import SimulatorError
from simulator.events import SessionStartedEvent, StatusEvent, TurnCompletedEvent
from simulator.personas.model import Persona
from simulator.redaction import Redactor
from simulator.session_log import SessionLog, new_log_path
from simulator.settings import Settings

if TYPE_CHECKING:
    from simulator.knowledge.index import IndexReport

logger = logging.getLogger(__name__)


class SessionBridge(QObject):
    """Runs one session at a time in the background; create it in the GUI thread."""

    event_received = Signal(object)
    """Every core :data:`~simulator.events.Event`, in order (status messages redacted)."""
    state_changed = Signal(object, str)
    """(:class:`SessionState`, a short readable detail)."""
    failed = Signal(str)
    """A readable message when the team cannot start or a command fails; the app stays usable."""
    notice = Signal(str, str)
    """(``info``/``warning``/``error``, a readable sentence): something to tell the user, not a failure
    of the session (a refused Coach command, a room that could not be joined, no microphone)."""
    capabilities_changed = Signal(object)
    """The running session's :class:`~simulator.app.transport.Capabilities` (coach, voice, room)."""
    connection_changed = Signal(str)
    """Where the session runs, in a few words, for the status bar ("LiveKit room … · connected")."""
    index_progress = Signal(int, int, str)
    """(files done, files in all, current file) while indexing."""
    index_finished = Signal(object)
    """An :class:`IndexOutcome` after :meth:`reindex`."""
    _wake = Signal()

    def __init__(
        self,
        settings: Settings,
        *,
        redactor: Redactor | None = None,
        log_sessions: bool = True,
        personas: Mapping[str, Persona] | None = None,
        audio: AudioFactory | None = None,
        coach_max_turns: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``audio`` opens the microphone and speakers (default: this computer's, via sounddevice);
        ``personas`` are the AI customers Coach mode can load, by id."""
        super().__init__(parent)
        self._settings = settings
        self._redact = redactor or Redactor([settings.cerebras_api_key])
        self._log_sessions = log_sessions
        self.personas: dict[str, Persona] = dict(personas or {})
        self._audio = audio
        self._coach_max_turns = coach_max_turns
        self._pending: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._pending_lock = threading.Lock()
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)
        self._state = SessionState.STOPPED
        self._state_detail = ""
        self.capabilities: Capabilities | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._futures: set[concurrent.futures.Future[Any]] = set()
        self._closed = False
        self.log_path: Path | None = None
        # Touched only on the loop thread:
        self._transport: SessionTransport | None = None
        self._pump: asyncio.Task[None] | None = None
        self._log: SessionLog | None = None
        self._command_lock: asyncio.Lock | None = None
        self._session_import: asyncio.Future[Any] | None = None
        self._cancel_index = threading.Event()

    # -- GUI-thread API ------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def state_detail(self) -> str:
        return self._state_detail

    def start(self) -> None:
        """Start the session in the background; returns at once."""
        self._set_state(SessionState.STARTING, "Starting the sales team…")
        self._submit(self._start(self._settings))

    def restart(self, settings: Settings, *, redactor: Redactor | None = None) -> None:
        """Close the current session (if any) and start one with new settings."""
        self._settings = settings
        if redactor is not None:
            self._redact = redactor
        self._set_state(SessionState.STARTING, "Restarting the sales team…")
        self._submit(self._restart(settings))

    def send(self, text: str) -> bool:
        """The customer's typed turn; ``False`` (and nothing sent) if the team cannot take it now."""
        text = text.strip()
        if not text or not self._state.accepts_turns:
            return False
        self._set_state(SessionState.BUSY, "The team is answering…")
        self._submit(self._send(text))
        return True

    def new_conversation(self) -> bool:
        """Back to the Greeter with no history; ``False`` if no session is running."""
        if not self._running():
            return False
        self._submit(self._locked(lambda t: t.reset(), "Could not start a new conversation"))
        return True

    def load_persona(self, persona_id: str) -> bool:
        """Coach mode: a new conversation in which this persona plays the customer (press play)."""
        persona = self.personas.get(persona_id)
        if persona is None:
            self.notice.emit("warning", f"There is no persona {persona_id!r} to load.")
            return False
        if not self._running():
            self.notice.emit(
                "info", "The sales team is still starting; pick the persona again in a moment."
            )
            return False
        self._submit(
            self._locked(lambda t: t.load_persona(persona), f"Could not load {persona.name}")
        )
        return True

    def coach(self, command: str, text: str = "") -> bool:
        """A Coach-mode command (``play``, ``pause``, ``step``, ``whisper``, ``take_over``,
        ``hand_back``, ``end``); a refusal comes back as a :attr:`notice`."""
        if not self._running():
            return False
        # In order with a persona being loaded just before (the lock is first come, first served).
        self._submit(self._locked(lambda t: t.coach_command(command, text)))
        return True

    def request_scorecard(self) -> bool:
        """Publish the scorecard as it stands (it arrives as a ``ScorecardEvent``)."""
        if not self._running():
            return False
        self._submit(self._command(lambda t: t.scorecard()))
        return True

    def talk(self, pressed: bool) -> None:
        """Push-to-talk: the microphone is heard while the button is held."""
        if self._running():
            self._submit(self._command(lambda t: t.talk(pressed)))

    def set_open_mic(self, on: bool) -> None:
        if self._running():
            self._submit(self._command(lambda t: t.open_mic(on)))

    def reindex(self, knowledge_dir: Path) -> None:
        """Bring the index of ``knowledge_dir`` up to date, reporting progress; cancellable."""
        self._cancel_index.clear()
        self._submit(self._reindex(Path(knowledge_dir), self._settings))

    def cancel_reindex(self) -> None:
        self._cancel_index.set()

    def shutdown(self, timeout: float = 15.0) -> None:
        """Close the session, cancel every task, stop the loop and join the thread."""
        if self._closed:
            return
        self._closed = True
        self._cancel_index.set()
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            for future in list(self._futures):
                future.cancel()
            try:
                asyncio.run_coroutine_threadsafe(self._close_session(), loop).result(timeout)
            except Exception:
                logger.warning("the session did not close cleanly", exc_info=True)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
            if thread.is_alive():
                logger.warning("the session thread did not stop within %.0f s", timeout)
        with self._pending_lock:
            self._pending.clear()
        self._set_state(SessionState.CLOSED, "Closed.")

    # -- GUI-thread internals -----------------------------------------------------------------

    def _running(self) -> bool:
        return self._state in (SessionState.READY, SessionState.BUSY)

    def _set_state(self, state: SessionState, detail: str) -> None:
        self._state, self._state_detail = state, detail
        self.state_changed.emit(state, detail)

    def _set_capabilities(self, capabilities: Capabilities) -> None:
        self.capabilities = capabilities
        self.capabilities_changed.emit(capabilities)

    def _fail(self, message: str) -> None:
        self._set_state(SessionState.FAILED, message)
        self.failed.emit(message)

    def _submit(self, coro: Coroutine[Any, Any, None]) -> None:
        if self._closed:
            coro.close()
            return
        loop = self._ensure_loop()
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            ready = threading.Event()
            thread = threading.Thread(
                target=self._run_loop, args=(loop, ready), name="simulator-session", daemon=True
            )
            thread.start()
            ready.wait()
            self._loop, self._thread = loop, thread
        return self._loop

    @Slot()
    def _drain(self) -> None:
        with self._pending_lock:
            batch = list(self._pending)
            self._pending.clear()
        if self._closed:
            return
        for function, args in batch:
            function(*args)

    # -- loop thread ---------------------------------------------------------------------------

    def _post(self, function: Callable[..., Any], *args: Any) -> None:
        """From any thread: run ``function(*args)`` on the GUI thread, after everything posted before."""
        with self._pending_lock:
            wake = not self._pending
            self._pending.append((function, args))
        if wake:
            self._wake.emit()

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    def _lock(self) -> asyncio.Lock:
        if self._command_lock is None:
            self._command_lock = asyncio.Lock()
        return self._command_lock

    async def _start(self, settings: Settings) -> None:
        async with self._lock():
            await self._open_session(settings)

    async def _restart(self, settings: Settings) -> None:
        async with self._lock():
            await self._close_session()
            await self._open_session(settings)

    async def _open_session(self, settings: Settings) -> None:
        try:
            self._post(self._set_state, SessionState.INDEXING, "Reading the company's knowledge…")
            # The two slow parts of starting overlap: livekit-agents imports while the index updates.
            # (A failed index does not wait for the import: the error shows at once.)
            if self._session_import is None:
                self._session_import = asyncio.ensure_future(
                    asyncio.to_thread(importlib.import_module, "simulator.session")
                )
            await asyncio.to_thread(
                self._update_index, settings.knowledge_dir, settings, self._startup_progress
            )
            await self._session_import
            if settings.voice_mode != "off":
                # livekit registers plugins on the main thread only: import them there, now that
                # livekit-agents itself is loaded (off the GUI thread), which makes it quick.
                await asyncio.wrap_future(self._on_gui_thread(import_voice_plugins, settings))
            if self._log_sessions and self._log is None:
                self._log = SessionLog(
                    new_log_path(settings.data_dir, uuid.uuid4().hex[:12]), redactor=self._redact
                )
                self._post(setattr, self, "log_path", self._log.path)
            self._post(self.connection_changed.emit, "")
            if choose_transport(settings).kind == "room" and await self._run_in_room(settings):
                return
            self._post(self._set_state, SessionState.STARTING, "Seating the sales team…")
            from simulator.app.local_session import LocalSession

            await self._run(
                LocalSession(settings, audio=self._audio, max_turns=self._coach_max_turns)
            )
        except asyncio.CancelledError:
            raise
        except Exception as e:
            if not isinstance(e, SimulatorError):
                logger.warning("the sales team could not start", exc_info=True)
            await self._close_session()
            self._post(self._fail, self._redact(start_failure(e)))

    async def _run(self, transport: SessionTransport) -> None:
        """Start ``transport`` with its events flowing (raises what its start raised)."""
        self._transport = transport
        self._pump = asyncio.create_task(self._pump_events(transport), name="simulator-events")
        await transport.start()
        self._post(self._set_capabilities, transport.capabilities)

    async def _run_in_room(self, settings: Settings) -> bool:
        """Join the LiveKit room; on failure close it, say why, and return ``False`` (run locally)."""
        from simulator.app.room_session import RoomSession

        def on_state(state: str) -> None:
            self._post(self.connection_changed.emit, room_state(state, room.client))

        self._post(self._set_state, SessionState.STARTING, "Joining the LiveKit room…")
        room = RoomSession(settings, audio=self._audio, on_state=on_state)
        try:
            await self._run(room)
            return True
        except asyncio.CancelledError:
            raise
        except Exception as e:
            if not isinstance(e, SimulatorError):
                logger.warning("the LiveKit room could not be joined", exc_info=True)
            await self._close_session(keep_log=True)
            reason = self._redact(str(e) or type(e).__name__)
            self._post(
                self.notice.emit,
                "warning",
                f"Could not use the LiveKit room: {reason}. The sales team runs on this computer instead.",
            )
            self._post(self.connection_changed.emit, "LiveKit unreachable · running locally")
            return False

    def _on_gui_thread(
        self, function: Callable[..., Any], *args: Any
    ) -> concurrent.futures.Future[Any]:
        """Run ``function(*args)`` on the GUI thread; the future has its result."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def call() -> None:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(function(*args))
                except Exception as e:
                    future.set_exception(e)

        self._post(call)
        return future

    def _startup_progress(self, done: int, total: int, source: str) -> None:
        self._post(
            self._set_state,
            SessionState.INDEXING,
            f"Indexing the knowledge: {done}/{total} files ({source})",
        )

    async def _pump_events(self, transport: SessionTransport) -> None:
        """Log and forward every event; the team takes turns again once its events are out."""
        async for event in transport.events():
            if isinstance(event, StatusEvent) and self._redact:
                event = event.model_copy(update={"message": self._redact(event.message)})
            if self._log is not None:
                try:
                    self._log.write(event)
                except OSError as e:
                    log, self._log = self._log, None
                    log.close()
                    self._post(
                        self.failed.emit,
                        f"Stopped logging this session to {log.path}: {e.strerror or e}",
                    )
            self._post(self.event_received.emit, event)
            if isinstance(event, (SessionStartedEvent, TurnCompletedEvent)):
                self._post(
                    self._set_state, SessionState.READY, ready_detail(transport, self._settings)
                )

    async def _close_session(self, *, keep_log: bool = False) -> None:
        """Close the transport and its pump; the log too, unless the session goes on elsewhere."""
        transport, self._transport = self._transport, None
        pump, self._pump = self._pump, None
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
            log, self._log = self._log, None
            if log is not None:
                log.close()

    async def _send(self, text: str) -> None:
        async with self._lock():
            transport = self._transport
            if transport is None:
                self._post(
                    self._fail,
                    "The sales team is not running: open Settings to fix it, then Retry.",
                )
                return
            try:
                await transport.send(text)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                message = str(e) if isinstance(e, SimulatorError) else f"That turn failed: {e}"
                self._post(self.notice.emit, "warning", self._redact(message))
                self._post(
                    self._set_state, SessionState.READY, ready_detail(transport, self._settings)
                )

    async def _locked(
        self, action: Callable[[SessionTransport], Coroutine[Any, Any, None]], failure: str = ""
    ) -> None:
        """A command that changes the conversation as a whole (one at a time, never mid-turn)."""
        async with self._lock():
            await self._command(action, failure)

    async def _command(
        self, action: Callable[[SessionTransport], Coroutine[Any, Any, None]], failure: str = ""
    ) -> None:
        """A command that may run beside a turn (Coach controls, push-to-talk): a refusal is a notice."""
        transport = self._transport
        if transport is None:
            return
        try:
            await action(transport)
        except asyncio.CancelledError:
            raise
        except SimulatorError as e:
            self._post(
                self.notice.emit, "warning", self._redact(f"{failure}: {e}" if failure else str(e))
            )
        except Exception as e:
            logger.warning("a command failed", exc_info=True)
            self._post(
                self.notice.emit, "error", self._redact(f"{failure or 'That did not work'}: {e}")
            )

    async def _reindex(self, knowledge_dir: Path, settings: Settings) -> None:
        def progress(done: int, total: int, source: str) -> None:
            self._post(self.index_progress.emit, done, total, source)

        try:
            report = await asyncio.to_thread(
                self._update_index, knowledge_dir, settings, progress, self._cancel_index
            )
            outcome = IndexOutcome.from_report(knowledge_dir, report)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            outcome = IndexOutcome(knowledge_dir=knowledge_dir, error=start_failure(e))
        self._post(self.index_finished.emit, outcome)

    @staticmethod
    def _update_index(
        knowledge_dir: Path,
        settings: Settings,
        progress: Callable[[int, int, str], None],
        cancel: threading.Event | None = None,
    ) -> IndexReport:
        """Blocking (a worker thread): open the index of ``knowledge_dir`` and update it."""
        from simulator.knowledge.index import KnowledgeIndex

        with KnowledgeIndex(
            knowledge_dir,
            settings.index_dir,
            chroma_host=settings.chroma_host,
            chroma_port=settings.chroma_port,
        ) as index:
            return index.update(progress=progress, cancel=cancel)


__all__ = ["IndexOutcome", "SessionBridge", "SessionState"]
