"""A saved session in its own window, beside the live one: read it, replay it, export it.

Opening a session never touches the live conversation: the viewer has its own feed and its own
transcript, context, latency and timeline panels (the same views the live window uses, over
another model), and a replay bar (play, pause, speed, scrub, progress). The log is read off the
GUI thread; a log too big to render at once is shown a page at a time around the scrub position.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QFrame, QLabel, QMainWindow, QVBoxLayout, QWidget

from simulator.app.banner import Banner
from simulator.app.context_panel import ContextPanel
from simulator.app.feed import EventFeed
from simulator.app.handoff_timeline import HandoffTimeline
from simulator.app.latency_panel import LatencyPanel
from simulator.app.replay import EventSource, ReplayPlayer
from simulator.app.replay_bar import ReplayBar
from simulator.app.session_layout import SessionLayout
from simulator.app.transcript_view import TranscriptView


class SessionViewer(QMainWindow):
    """One saved session (or a snapshot of the live one), shown and replayed in its own window."""

    def __init__(
        self,
        source: EventSource,
        *,
        title: str,
        warning: str | None = None,
        export: Callable[[QWidget], object] | None = None,
        speed: float = 2.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"{title} · Sales Simulator")
        self.source = source
        self.feed = EventFeed(self)
        self.player = ReplayPlayer(self.feed, self)
        self.player.set_speed(speed)
        self.player.load(source)

        self.banner = Banner()
        self.transcript = TranscriptView(self.feed, welcome="")
        self.context = ContextPanel(self.feed)
        self.latency = LatencyPanel(self.feed)
        self.timeline = HandoffTimeline(self.feed)
        self.replay_bar = ReplayBar(self.player)
        self.transcript.reply_selected.connect(self.context.show_reply)
        self.transcript.reply_selected.connect(self.latency.select_reply)

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(10, 10, 10, 6)
        column.setSpacing(8)
        heading = QLabel(title)
        heading.setObjectName("viewerTitle")
        heading.setStyleSheet("font-weight: bold;")
        column.addWidget(heading)
        column.addWidget(self.banner)
        column.addWidget(self.replay_bar)
        left = QFrame()
        left.setObjectName("panel")
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(2, 2, 2, 2)
        left_column.addWidget(self.transcript)
        self.body = SessionLayout(
            left,
            self.timeline,
            [("Context", self.context), ("Latency", self.latency)],
            weights=(2, 3),
        )
        column.addWidget(self.body, 1)
        self.setCentralWidget(central)

        close = QAction("Close", self)
        close.setShortcut(QKeySequence(QKeySequence.StandardKey.Close))
        close.triggered.connect(self.close)
        self.addAction(close)
        if export is not None:
            export_action = QAction("Export report…", self)
            export_action.setShortcut(QKeySequence("Ctrl+E"))
            export_action.triggered.connect(lambda: export(self))
            self.addAction(export_action)
        if warning:
            self.banner.show_message("warning", warning)

        first = source.events(0, 1)
        last = source.events(len(source) - 1, len(source))
        start_at = next(first).created_at if len(source) else 0.0
        end_at = next(last).created_at if len(source) else 0.0
        self.replay_bar.set_times(start_at, end_at)
        self.resize(1280, 800)

    def show_all(self) -> None:
        """The whole session as it ended (its last page, for a long one)."""
        self.player.seek(self.player.total)

    def replay(self) -> None:
        """Play the session from its start."""
        self.player.seek(0)
        self.player.play()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.player.stop()
        super().closeEvent(event)


def viewer_title(path: Path | None, events: int) -> str:
    what = f"Saved session {path.name}" if path is not None else "This session, replayed"
    return f"{what} · {events:,} events"
