"""The Session menu's file work: save the live session, open a saved one beside it, replay,
export a report.

Opening a session (or replaying the current one) never replaces the live conversation: it opens
a :class:`~simulator.app.session_viewer.SessionViewer` window with its own feed. Logs are read off
the GUI thread (:class:`~simulator.app.log_loader.LogLoader`); the live window's status bar says
how far the reading has got. Everything written goes through the window's redactor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from simulator.app.banner import Banner
from simulator.app.feed import EventFeed
from simulator.app.log_loader import LogLoader
from simulator.app.replay import EventList, EventSource
from simulator.app.session_viewer import SessionViewer, viewer_title
from simulator.events import Event
from simulator.redaction import Redactor
from simulator.report import write_report
from simulator.session_log import PLAIN_SUFFIX, SUFFIX, sessions_dir, write_log

LOG_PATTERN = f"Session logs (*{SUFFIX} *{PLAIN_SUFFIX});;All files (*)"


class FileChooser(Protocol):
    """Asks the user for a file; the app uses Qt's dialogs, tests answer with a path."""

    def save_path(self, caption: str, suggested: Path, pattern: str) -> Path | None: ...

    def open_path(self, caption: str, folder: Path, pattern: str) -> Path | None: ...

    def folder(self, caption: str, start: Path) -> Path | None: ...


class DialogFileChooser:
    def __init__(self, parent: QWidget) -> None:
        self._parent = parent

    def save_path(self, caption: str, suggested: Path, pattern: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self._parent, caption, str(suggested), pattern)
        return Path(path) if path else None

    def open_path(self, caption: str, folder: Path, pattern: str) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self._parent, caption, str(folder), pattern)
        return Path(path) if path else None

    def folder(self, caption: str, start: Path) -> Path | None:
        path = QFileDialog.getExistingDirectory(self._parent, caption, str(start))
        return Path(path) if path else None


class SessionFiles(QObject):
    viewer_opened = Signal(object)
    """A :class:`SessionViewer` was opened (a saved session, or the live one replayed)."""

    def __init__(
        self,
        window: QWidget,
        feed: EventFeed,
        banner: Banner,
        *,
        files: FileChooser,
        data_dir: Callable[[], Path],
        redactor: Callable[[], Redactor],
        replay_speed: Callable[[], float],
        max_log_bytes: Callable[[], int],
        say: Callable[[str], None],
    ) -> None:
        """``say`` puts a short sentence in the status bar; the callables read the live settings."""
        super().__init__(window)
        self._window = window
        self._feed = feed
        self._banner = banner
        self.files = files
        self._data_dir = data_dir
        self._redactor = redactor
        self._replay_speed = replay_speed
        self._max_log_bytes = max_log_bytes
        self._say = say
        self.viewers: list[SessionViewer] = []
        self.loader = LogLoader(self)
        self.loader.progressed.connect(self._on_progress)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)

    def save(self) -> Path | None:
        events = self._feed.events
        if not events:
            self._say("Nothing to save yet.")
            return None
        suggested = sessions_dir(self._data_dir()) / f"rehearsal{SUFFIX}"
        path = self.files.save_path("Save session", suggested, LOG_PATTERN)
        if path is None:
            return None
        try:
            count = write_log(path, events, redactor=self._redactor())
        except OSError as e:
            self._banner.show_message(
                "error", f"Could not save the session to {path}: {e.strerror or e}"
            )
            return None
        self._say(f"Saved {count} events to {path}")
        return path

    def open(self) -> Path | None:
        """Ask for a saved session and open it beside the live one (read in the background)."""
        path = self.files.open_path("Open session", sessions_dir(self._data_dir()), LOG_PATTERN)
        if path is not None:
            self._say(f"Opening {path.name}…")
            self.loader.load(path, max_bytes=self._max_log_bytes())
        return path

    def replay(self) -> SessionViewer | None:
        """The live session so far, replayed from its start in a window of its own."""
        events = self._feed.events
        if not events:
            self._say("Nothing to replay yet.")
            return None
        viewer = self._open_viewer(EventList(events), viewer_title(None, len(events)), None)
        viewer.replay()
        return viewer

    def export(
        self, events: Sequence[Event] | None = None, parent: QWidget | None = None
    ) -> Path | None:
        events = self._feed.events if events is None else tuple(events)
        if not events:
            self._say("Nothing to export yet.")
            return None
        suggested = Path.home() / "rehearsal-report.html"
        path = self.files.save_path("Export report", suggested, "HTML report (*.html)")
        if path is None:
            return None
        try:
            write_report(path, events, redactor=self._redactor())
        except OSError as e:
            self._banner.show_message(
                "error", f"Could not write the report to {path}: {e.strerror or e}"
            )
            return None
        self._say(f"Report written to {path}")
        return path

    def close_all(self) -> None:
        for viewer in list(self.viewers):
            viewer.close()
        self.loader.wait(2.0)

    # -- reactions -------------------------------------------------------------------------------

    def _on_progress(self, done: int, total: int) -> None:
        if total:
            self._say(f"Reading the session log: {done / total:.0%} of {total / 2**20:,.1f} MB")

    def _on_loaded(self, path: Path, source: EventSource, warning: str | None) -> None:
        viewer = self._open_viewer(source, viewer_title(path, len(source)), warning)
        viewer.show_all()
        self._say(f"Opened {path.name} beside the live session.")

    def _on_failed(self, _path: Path, message: str) -> None:
        self._banner.show_message("error", message)

    def _open_viewer(self, source: EventSource, title: str, warning: str | None) -> SessionViewer:
        viewer = SessionViewer(
            source,
            title=title,
            warning=warning,
            export=lambda parent: self.export(list(source.events()), parent),
            speed=self._replay_speed(),
            parent=self._window,
        )
        self.viewers.append(viewer)
        viewer.destroyed.connect(lambda: self._forget(viewer))
        viewer.show()
        self.viewer_opened.emit(viewer)
        return viewer

    def _forget(self, viewer: SessionViewer) -> None:
        if viewer in self.viewers:
            self.viewers.remove(viewer)
