"""How a session's panels share the window, from 1024×640 up to 4K, at any scale factor.

The transcript is the main thing: it always gets at least half the width, in a fixed ratio that
no panel's content can push (their horizontal size hints are ignored, so a long number never
makes a column jump). Beside it, the retrieved context and the latency panel stand side by side
when there is room, and collapse into tabs when there is not; the "who held the conversation"
timeline runs across the top when the window is tall enough, and becomes one more tab when it is
not. The arrangement is chosen from the size in logical pixels, so a 4K screen at 200 % lays out
like 1920×1080.
"""

from __future__ import annotations

import enum

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QTabWidget, QVBoxLayout, QWidget

TRANSCRIPT_SHARE = 0.55
"""The transcript's share of the width (the side panels get the rest)."""
WIDE_PX = 1500
"""From this width (and :data:`TALL_PX` high) the context and latency panels stand side by side."""
TALL_PX = 820
"""From this height the timeline runs across the top (below it, it is a tab)."""


class Arrangement(enum.Enum):
    COLUMNS = "columns"
    """Context and latency side by side, beside the transcript."""
    TABS = "tabs"
    """Context and latency as tabs beside the transcript."""


class SessionLayout(QWidget):
    """Lays out ``main`` (the transcript column), ``timeline``, and the ``side`` panels
    (``(tab title, widget)`` pairs, in order)."""

    def __init__(
        self,
        main: QWidget,
        timeline: QWidget,
        side: list[tuple[str, QWidget]],
        parent: QWidget | None = None,
        *,
        weights: tuple[int, ...] = (),
    ) -> None:
        """``weights``: the side panels' shares of their width when they stand side by side."""
        super().__init__(parent)
        self.main = main
        self.weights = weights or (1,) * len(side)
        self.timeline = timeline
        self.side = side
        self.arrangement: Arrangement | None = None
        self.timeline_on_top: bool | None = None
        self.columns_from_px = WIDE_PX
        for _title, widget in [("", timeline), *side]:
            _ignore_width(widget)
        _ignore_width(main)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self._top = QVBoxLayout()
        self._top.setContentsMargins(0, 0, 0, 0)
        column.addLayout(self._top)
        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(8)
        column.addLayout(self._row, 1)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        _ignore_width(self.tabs)
        self._columns = QWidget()
        _ignore_width(self._columns)
        self._columns_layout = QHBoxLayout(self._columns)
        self._columns_layout.setContentsMargins(0, 0, 0, 0)
        self._columns_layout.setSpacing(8)
        self._row.addWidget(main, round(TRANSCRIPT_SHARE * 100))
        self._row.addWidget(self.tabs, round((1 - TRANSCRIPT_SHARE) * 100))
        self._row.addWidget(self._columns, round((1 - TRANSCRIPT_SHARE) * 100))
        self._arrange(1280, 900)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        window = self.window()
        height = window.height() if window is not None else event.size().height()
        self._arrange(event.size().width(), height)

    def set_transcript_share(self, share: float | None, *, columns_from_px: int = WIDE_PX) -> None:
        """The transcript's share of the width (``None``: :data:`TRANSCRIPT_SHARE`), and the
        width from which the side panels stand side by side (a booth's large type needs more)."""
        main = round((share or TRANSCRIPT_SHARE) * 100)
        for index, stretch in enumerate((main, 100 - main, 100 - main)):
            self._row.setStretch(index, stretch)
        self.columns_from_px = columns_from_px
        self.arrangement = None  # arrange again at the current size
        window = self.window()
        self._arrange(self.width(), window.height() if window is not None else self.height())

    def side_widgets(self) -> list[QWidget]:
        """The panels beside the transcript, and the timeline."""
        return [self.timeline, *(widget for _title, widget in self.side)]

    def show_panel(self, widget: QWidget) -> None:
        """Bring ``widget`` into view (its tab, when the panels are tabs)."""
        index = self.tabs.indexOf(widget)
        if index >= 0:
            self.tabs.setCurrentIndex(index)

    def _arrange(self, width: int, window_height: int) -> None:
        on_top = window_height >= TALL_PX
        # A wide but short window still needs the timeline's height for the transcript.
        wide = width >= self.columns_from_px
        arrangement = Arrangement.COLUMNS if on_top and wide else Arrangement.TABS
        if arrangement is self.arrangement and on_top == self.timeline_on_top:
            return
        current = self.tabs.currentWidget()
        self.arrangement, self.timeline_on_top = arrangement, on_top
        self.tabs.clear()
        for _title, widget in self.side:
            self._columns_layout.removeWidget(widget)
        self._top.removeWidget(self.timeline)
        if on_top:
            self._top.addWidget(self.timeline)
        if arrangement is Arrangement.COLUMNS:
            for (_title, widget), weight in zip(self.side, self.weights, strict=True):
                self._columns_layout.addWidget(widget, weight)
        else:
            for title, widget in self.side:
                self.tabs.addTab(widget, title)
            if not on_top:
                self.tabs.addTab(self.timeline, "Who held it")
        for widget in [self.timeline, *(w for _t, w in self.side)]:
            widget.setVisible(True)
        self.tabs.setVisible(arrangement is Arrangement.TABS)
        self._columns.setVisible(arrangement is Arrangement.COLUMNS)
        if current is not None and self.tabs.indexOf(current) >= 0:
            self.tabs.setCurrentWidget(current)


def _ignore_width(widget: QWidget) -> None:
    """The layout's ratios decide the width, never the content's size hint."""
    policy = widget.sizePolicy()
    policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
    widget.setSizePolicy(policy)
