"""The one door between Qt and the session host: a supervisor on a background asyncio thread,
seen as signals.

The session host (:class:`~simulator.host.supervisor.SessionSupervisor`: the transport, the room's
fallback, the session log, re-indexing) is asyncio code, and Qt wants its widgets touched from the
GUI thread only. :class:`SessionBridge` is created in the GUI thread and owns a background thread
running an asyncio loop with the supervisor. Commands (:mod:`simulator.commands`) go in with
``run_coroutine_threadsafe``; everything the supervisor tells (events, state, notices, indexing
progress) is queued and delivered by one queued-connection wake-up on the GUI thread, in order, so
every public signal is emitted on the GUI thread and slots may touch widgets. Thread marshalling is
all this module does.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections import deque
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from simulator.commands import Command
from simulator.events import Event
from simulator.host.audio import AudioFactory
from simulator.host.status import IndexOutcome, SessionState
from simulator.host.supervisor import SessionSupervisor
from simulator.host.transport import Capabilities
from simulator.redaction import Redactor
from simulator.settings import Settings

logger = logging.getLogger(__name__)


class SessionBridge(QObject):
    """Runs one session at a time in the background; create it in the GUI thread."""

    event_received = Signal(object)
    """Every core :data:`~simulator.events.Event`, in order."""
    state_changed = Signal(object, str)
    """(:class:`SessionState`, a short readable detail)."""
    failed = Signal(str)
    """A readable message when the team cannot start or a command fails; the app stays usable."""
    notice = Signal(str, str)
    """(``info``/``warning``/``error``, a readable sentence): something to tell the user, not a
    failure
    of the session (a refused Coach command, a room that could not be joined, no microphone)."""
    capabilities_changed = Signal(object)
    """The running session's :class:`~simulator.host.transport.Capabilities` (voice, room)."""
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
        audio: AudioFactory | None = None,
        coach_max_turns: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``audio`` opens the microphone and speakers (default: this computer's, via
        sounddevice)."""
        super().__init__(parent)
        self._settings = settings
        self._pending: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._pending_lock = threading.Lock()
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)
        self._state = SessionState.STOPPED
        self._state_detail = ""
        self.capabilities: Capabilities | None = None
        self.log_path: Path | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._futures: set[concurrent.futures.Future[Any]] = set()
        self._closed = False
        self._leaving = False
        self._cancel_index = threading.Event()
        self.supervisor = SessionSupervisor(
            settings,
            _ToGuiThread(self),
            redactor=redactor,
            log_sessions=log_sessions,
            audio=audio,
            coach_max_turns=coach_max_turns,
        )
        """Touched only on the loop thread."""

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

    @property
    def running(self) -> bool:
        return self._state in (SessionState.READY, SessionState.BUSY)

    def start(self) -> None:
        """Start the session in the background; returns at once."""
        self._set_state(SessionState.STARTING, "Starting the sales team…")
        self._submit(self.supervisor.start())

    def restart(self, settings: Settings, *, redactor: Redactor | None = None) -> None:
        """Close the current session (if any) and start one with new settings."""
        self._settings = settings
        self._set_state(SessionState.STARTING, "Restarting the sales team…")
        self._submit(self.supervisor.restart(settings, redactor=redactor))

    def send(self, text: str) -> bool:
        """The customer's typed turn; ``False`` (and nothing sent) if the team cannot take it
        now."""
        text = text.strip()
        if not text or not self._state.accepts_turns:
            return False
        self._set_state(SessionState.BUSY, "The team is answering…")
        self._submit(self.supervisor.send(text))
        return True

    def command(self, command: Command) -> bool:
        """Any other command (a refusal comes back as a :attr:`notice`); ``False`` if no session
        is running to take it."""
        if not self.running:
            return False
        self._submit(self.supervisor.execute(command))
        return True

    def reindex(self, knowledge_dir: Path) -> None:
        """Bring the index of ``knowledge_dir`` up to date, reporting progress; cancellable."""
        self._cancel_index.clear()
        self._submit(self._reindex(Path(knowledge_dir)))

    def cancel_reindex(self) -> None:
        self._cancel_index.set()

    def shutdown(self, timeout: float = 15.0, *, leaving: bool = False) -> None:
        """Close the session, cancel every task, stop the loop and join the thread.

        ``leaving``: the process exits next. Work that writes nothing (a library still
        importing on a worker thread) is not waited for; a knowledge index being written is, until
        it stops after the file in hand."""
        if self._closed:
            return
        self._closed = True
        self._leaving = leaving
        self._cancel_index.set()
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            for future in list(self._futures):
                future.cancel()
            try:
                asyncio.run_coroutine_threadsafe(self.supervisor.aclose(), loop).result(timeout)
            except Exception:
                logger.warning("the session did not close cleanly", exc_info=True)
            loop.call_soon_threadsafe(loop.stop)
            if leaving:
                self.supervisor.index_idle.wait(timeout)
            thread.join(1.0 if leaving else timeout)
            if thread.is_alive() and not leaving:
                logger.warning("the session thread did not stop within %.0f s", timeout)
        with self._pending_lock:
            self._pending.clear()
        self._set_state(SessionState.CLOSED, "Closed.")

    # -- GUI-thread internals -----------------------------------------------------------------

    def _set_state(self, state: SessionState, detail: str) -> None:
        self._state, self._state_detail = state, detail
        self.state_changed.emit(state, detail)

    def _set_capabilities(self, capabilities: Capabilities) -> None:
        self.capabilities = capabilities
        self.capabilities_changed.emit(capabilities)

    def _set_log_path(self, path: Path) -> None:
        self.log_path = path

    def _submit(self, coro: Coroutine[Any, Any, object]) -> None:
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
        """From any thread: run ``function(*args)`` on the GUI thread, after everything posted
        before."""
        with self._pending_lock:
            wake = not self._pending
            self._pending.append((function, args))
        if wake:
            self._wake.emit()

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

    def _run_loop(self, loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
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
            if not self._leaving:  # leaving: the process exits; an import need not finish
                loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    async def _reindex(self, knowledge_dir: Path) -> None:
        outcome = await self.supervisor.reindex(knowledge_dir, self._cancel_index)
        self._post(self.index_finished.emit, outcome)


class _ToGuiThread:
    """The supervisor's listener: everything it tells goes to the bridge's signals, on the GUI
    thread, in order."""

    def __init__(self, bridge: SessionBridge) -> None:
        self._bridge = bridge

    def state_changed(self, state: SessionState, detail: str) -> None:
        self._bridge._post(self._bridge._set_state, state, detail)

    def event(self, event: Event) -> None:
        self._bridge._post(self._bridge.event_received.emit, event)

    def notice(self, level: str, message: str) -> None:
        self._bridge._post(self._bridge.notice.emit, level, message)

    def failed(self, message: str) -> None:
        self._bridge._post(self._bridge.failed.emit, message)

    def capabilities_changed(self, capabilities: Capabilities) -> None:
        self._bridge._post(self._bridge._set_capabilities, capabilities)

    def connection_changed(self, text: str) -> None:
        self._bridge._post(self._bridge.connection_changed.emit, text)

    def log_opened(self, path: Path) -> None:
        self._bridge._post(self._bridge._set_log_path, path)

    def index_progress(self, done: int, total: int, source: str) -> None:
        self._bridge._post(self._bridge.index_progress.emit, done, total, source)

    async def on_main_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.wrap_future(self._bridge._on_gui_thread(function, *args))


__all__ = ["IndexOutcome", "SessionBridge", "SessionState"]
