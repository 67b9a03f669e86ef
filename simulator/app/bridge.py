"""The one door between Qt and the core: a session on a background asyncio thread, seen as signals.

The sales team is asyncio code (livekit-agents, the Cerebras SDK, chromadb off the loop) and Qt
wants its widgets touched from the GUI thread only. :class:`SessionBridge` is created in the GUI
thread and owns a background thread running an asyncio loop with the
:class:`~simulator.session.SessionRunner`. Commands go in with ``run_coroutine_threadsafe``;
everything that comes back (events, state, failures, indexing progress) is queued and delivered
by one queued-connection wake-up on the GUI thread, in order, so every public signal is emitted
on the GUI thread and slots may touch widgets.

Start-up is slow (``import livekit.agents`` alone costs about two seconds, then the knowledge is
indexed), so it all happens on the background thread while the window shows a "starting" state.
Every session is logged to the data dir as it happens (:mod:`simulator.session_log`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import enum
import importlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from simulator.errors import SimulatorError
from simulator.events import SessionStartedEvent, StatusEvent, TurnCompletedEvent
from simulator.redaction import Redactor
from simulator.session_log import SessionLog, new_log_path
from simulator.settings import Settings

if TYPE_CHECKING:
    from simulator.knowledge.index import IndexReport
    from simulator.session import SessionRunner

logger = logging.getLogger(__name__)


class SessionState(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    INDEXING = "indexing"
    READY = "ready"
    BUSY = "busy"
    FAILED = "failed"
    CLOSED = "closed"

    @property
    def accepts_turns(self) -> bool:
        return self is SessionState.READY


@dataclass(frozen=True)
class IndexOutcome:
    """How a re-index ended, for the settings dialog."""

    knowledge_dir: Path
    chunks: int = 0
    files_changed: int = 0
    skipped: tuple[str, ...] = ()
    cancelled: bool = False
    error: str | None = None
    elapsed_s: float = 0.0

    @property
    def message(self) -> str:
        if self.error:
            return self.error
        if self.cancelled:
            return f"Re-index cancelled; {self.chunks} passages are searchable (finished files were kept)."
        note = f" {len(self.skipped)} file(s) skipped." if self.skipped else ""
        return (f"Indexed {self.chunks} passages in {self.elapsed_s:.1f} s "
                f"({self.files_changed} file(s) changed).{note}")

    @classmethod
    def from_report(cls, knowledge_dir: Path, report: IndexReport) -> IndexOutcome:
        return cls(
            knowledge_dir=knowledge_dir,
            chunks=report.chunks,
            files_changed=report.files_added + report.files_updated + report.files_removed,
            skipped=tuple(str(s) for s in report.skipped),
            cancelled=report.cancelled,
            elapsed_s=report.elapsed_s,
        )


class SessionBridge(QObject):
    """Runs one session at a time in the background; create it in the GUI thread."""

    event_received = Signal(object)
    """Every core :data:`~simulator.events.Event`, in order (status messages redacted)."""
    state_changed = Signal(object, str)
    """(:class:`SessionState`, a short readable detail)."""
    failed = Signal(str)
    """A readable message when the team cannot start or a command fails; the app stays usable."""
    index_progress = Signal(int, int, str)
    """(files done, files in all, current file) while indexing."""
    index_finished = Signal(object)
    """An :class:`IndexOutcome` after :meth:`reindex`."""
    _wake = Signal()

    def __init__(self, settings: Settings, *, redactor: Redactor | None = None,
                 log_sessions: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._redact = redactor or Redactor([settings.cerebras_api_key])
        self._log_sessions = log_sessions
        self._pending: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._pending_lock = threading.Lock()
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)
        self._state = SessionState.STOPPED
        self._state_detail = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._futures: set[concurrent.futures.Future[Any]] = set()
        self._closed = False
        self.log_path: Path | None = None
        # Touched only on the loop thread:
        self._runner: SessionRunner | None = None
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
        if self._state not in (SessionState.READY, SessionState.BUSY):
            return False
        self._submit(self._reset())
        return True

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
            except Exception:  # noqa: BLE001 - closing must go on whatever the session did
                logger.warning("the session did not close cleanly", exc_info=True)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
            if thread.is_alive():
                logger.warning("the session thread did not stop within %.0f s", timeout)
        with self._pending_lock:
            self._pending.clear()
        self._set_state(SessionState.CLOSED, "Closed.")

    # -- GUI-thread internals -----------------------------------------------------------------

    def _set_state(self, state: SessionState, detail: str) -> None:
        self._state, self._state_detail = state, detail
        self.state_changed.emit(state, detail)

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
            thread = threading.Thread(target=self._run_loop, args=(loop, ready),
                                      name="simulator-session", daemon=True)
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
        runner: SessionRunner | None = None
        try:
            self._post(self._set_state, SessionState.INDEXING, "Reading the company's knowledge…")
            # The two slow parts of starting overlap: livekit-agents imports while the index updates.
            # (A failed index does not wait for the import: the error shows at once.)
            if self._session_import is None:
                self._session_import = asyncio.ensure_future(
                    asyncio.to_thread(importlib.import_module, "simulator.session"))
            await asyncio.to_thread(self._update_index, settings.knowledge_dir, settings, self._startup_progress)
            session_module = await self._session_import
            self._post(self._set_state, SessionState.STARTING, "Seating the sales team…")
            runner = session_module.SessionRunner(settings)
            self._runner = runner
            if self._log_sessions:
                self._log = SessionLog(new_log_path(settings.data_dir, runner.session_id), redactor=self._redact)
                self._post(setattr, self, "log_path", self._log.path)
            self._pump = asyncio.create_task(self._pump_events(runner), name="simulator-events")
            await runner.start()
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - anything at start-up becomes a message, never a crash
            if not isinstance(e, SimulatorError):
                logger.warning("the sales team could not start", exc_info=True)
            await self._close_session()
            self._post(self._fail, self._redact(_start_failure(e)))

    def _startup_progress(self, done: int, total: int, source: str) -> None:
        self._post(self._set_state, SessionState.INDEXING, f"Indexing the knowledge: {done}/{total} files ({source})")

    async def _pump_events(self, runner: SessionRunner) -> None:
        """Log and forward every event; the team takes turns again once its events are out."""
        async for event in runner.events():
            if isinstance(event, StatusEvent) and self._redact:
                event = event.model_copy(update={"message": self._redact(event.message)})
            if self._log is not None:
                try:
                    self._log.write(event)
                except OSError as e:
                    log, self._log = self._log, None
                    log.close()
                    self._post(self.failed.emit, f"Stopped logging this session to {log.path}: {e.strerror or e}")
            self._post(self.event_received.emit, event)
            if isinstance(event, (SessionStartedEvent, TurnCompletedEvent)):
                self._post(self._set_state, SessionState.READY, _ready_detail(runner.provider, runner.settings))

    async def _close_session(self) -> None:
        runner, self._runner = self._runner, None
        pump, self._pump = self._pump, None
        if runner is not None:
            try:
                await asyncio.wait_for(runner.aclose(), timeout=10)
            except Exception:  # noqa: BLE001
                logger.warning("the session runner did not close cleanly", exc_info=True)
        if pump is not None:
            try:
                await asyncio.wait_for(pump, timeout=5)
            except Exception:  # noqa: BLE001 - a pump that outlived its runner is simply stopped
                pump.cancel()
        log, self._log = self._log, None
        if log is not None:
            log.close()

    async def _send(self, text: str) -> None:
        async with self._lock():
            runner = self._runner
            if runner is None:
                self._post(self._fail, "The sales team is not running: open Settings to fix it, then Retry.")
                return
            try:
                await runner.send(text)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - the runner reports its own turn failures; this is the rest
                self._post(self.failed.emit, self._redact(f"That turn failed: {e}"))
                self._post(self._set_state, SessionState.READY, _ready_detail(runner.provider, runner.settings))

    async def _reset(self) -> None:
        async with self._lock():
            if self._runner is not None:
                try:
                    await self._runner.reset()
                except Exception as e:  # noqa: BLE001
                    self._post(self.failed.emit, self._redact(f"Could not start a new conversation: {e}"))

    async def _reindex(self, knowledge_dir: Path, settings: Settings) -> None:
        def progress(done: int, total: int, source: str) -> None:
            self._post(self.index_progress.emit, done, total, source)

        try:
            report = await asyncio.to_thread(self._update_index, knowledge_dir, settings, progress, self._cancel_index)
            outcome = IndexOutcome.from_report(knowledge_dir, report)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001
            outcome = IndexOutcome(knowledge_dir=knowledge_dir, error=_start_failure(e))
        self._post(self.index_finished.emit, outcome)

    @staticmethod
    def _update_index(knowledge_dir: Path, settings: Settings, progress: Callable[[int, int, str], None],
                      cancel: threading.Event | None = None) -> IndexReport:
        """Blocking (a worker thread): open the index of ``knowledge_dir`` and update it."""
        from simulator.knowledge.index import KnowledgeIndex

        with KnowledgeIndex(knowledge_dir, settings.index_dir, chroma_host=settings.chroma_host,
                            chroma_port=settings.chroma_port) as index:
            return index.update(progress=progress, cancel=cancel)


def _start_failure(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    if isinstance(error, SimulatorError):
        return text[0].upper() + text[1:]
    return f"The sales team could not start: {text}"


def _ready_detail(provider: str, settings: Settings) -> str:
    if provider == "cerebras":
        return f"Ready · Cerebras {settings.cerebras_model}"
    if provider == "offline":
        return "Ready · offline responder"
    return f"Ready · {provider}"
