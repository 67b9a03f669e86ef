"""Reads a session log off the GUI thread, with progress, so a big one never freezes the window.

The reading itself is :func:`simulator.session_log.open_log`'s: one pass in bounded memory that
checks every line and keeps only where each event starts, so a viewer can read any window of a
200 MB log later. This only runs it on a worker thread and brings progress and the outcome back
as signals, which Qt delivers on the GUI thread because the loader lives there.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from simulator.errors import SimulatorError
from simulator.session_log import MAX_LOG_BYTES, LogProgress, open_log


class LogLoader(QObject):
    progressed = Signal(int, int)
    """(bytes read, bytes in all)."""
    loaded = Signal(object, object, object)
    """(the path, a :class:`~simulator.session_log.SessionLogFile` (an
    :class:`~simulator.app.replay.EventSource`), a warning or ``None``)."""
    failed = Signal(object, str)
    """(the path, a readable message)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threads: list[threading.Thread] = []

    @property
    def busy(self) -> bool:
        self._threads = [t for t in self._threads if t.is_alive()]
        return bool(self._threads)

    def load(self, path: Path, *, max_bytes: int | None = None) -> None:
        """Start reading ``path``; the outcome comes as :attr:`loaded` or :attr:`failed`."""
        thread = threading.Thread(
            target=self._read, args=(Path(path), max_bytes), name="session-log-reader", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Until every read has finished (tests; a window closing)."""
        for thread in list(self._threads):
            thread.join(timeout)

    def _read(self, path: Path, max_bytes: int | None) -> None:
        def progress(step: LogProgress) -> None:
            self.progressed.emit(step.bytes_read, step.total_bytes)

        try:
            log = open_log(path, max_bytes=max_bytes or MAX_LOG_BYTES, progress=progress)
        except SimulatorError as e:
            self.failed.emit(path, str(e))
        except OSError as e:
            self.failed.emit(path, f"cannot open the session log {path}: {e.strerror or e}")
        else:
            self.loaded.emit(path, log, log.warning)
