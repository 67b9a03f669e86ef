"""Where each turn's time went, and how fast the team is for this visitor, readable from across a
room.

A big number (the last reply's time to its first response: the first token, or the first audio
when spoken, each labelled as what it is, green when it is conversational), the full reply's time
and the running p50/p95 beside it; a chart of every reply; the waterfall of the selected reply;
and a table with one row per reply. Everything counts from the start of this conversation: a
new conversation (the booth's next visitor) starts from zero. The latest reply is followed live
until the user picks another (in the table, the chart or the transcript).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from simulator.app import theme
from simulator.app.feed import EventFeed
from simulator.app.latency_charts import FirstResponseChart, WaterfallChart
from simulator.conversation import LatencySummary
from simulator.events import AGENT_NAMES, ConversationResetEvent, Event, LatencyEvent

COLUMNS = ("Turn", "Agent", "First token", "First audio", "Full reply")
SHORT_NAMES = {"greeter": "Greeter", "technical": "Technical", "pricing": "Pricing"}
WIDEST_VALUE = "88,888 ms"
"""The value labels keep this width, so the panel never jumps as the numbers change."""


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


def first_response_caption(event: LatencyEvent | None) -> str:
    """What the big number measures, in words."""
    if event is not None and event.stages.first_audio_ms is not None:
        return "last reply: to its first audio"
    return "last reply: to its first token"


class LatencyPanel(QFrame):
    def __init__(self, feed: EventFeed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._feed = feed
        self.full_value = self.p50_value = self.p95_value = "—"
        """The full reply's time and the p50/p95, as shown."""
        self._events: list[LatencyEvent] = []
        self._follow_live = True
        frame = QVBoxLayout(self)
        frame.setContentsMargins(0, 0, 0, 0)
        content = QWidget()
        content.setObjectName("cardsContent")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        frame.addWidget(scroll)
        # A short window scrolls the panel rather than cutting its charts.
        outer = QVBoxLayout(content)
        outer.setContentsMargins(12, 8, 12, 8)
        outer.setSpacing(6)
        title = QLabel("LATENCY")
        title.setObjectName("panelTitle")
        outer.addWidget(title)
        outer.addLayout(self._build_hero())
        self.chart = FirstResponseChart()
        self.chart.bar_clicked.connect(self.select_row)
        outer.addWidget(self.chart, 2)
        self.tabs = QTabWidget()
        waterfall_page = QWidget()
        page = QVBoxLayout(waterfall_page)
        page.setContentsMargins(6, 6, 6, 2)
        self.waterfall_title = theme.wrapped_label()
        self.waterfall_title.setStyleSheet("font-weight: bold;")
        page.addWidget(self.waterfall_title)
        self.waterfall = WaterfallChart()
        page.addWidget(self.waterfall, 1)
        self.tabs.addTab(waterfall_page, "This reply")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_table_selection)
        self.tabs.addTab(self.table, "Every reply")
        outer.addWidget(self.tabs, 3)
        self.clear()
        feed.event_received.connect(self._on_event)
        feed.cleared.connect(self.clear)

    def _build_hero(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(0)
        row = QHBoxLayout()
        row.setSpacing(12)
        self.last_value = QLabel("—")
        row.addWidget(self.last_value, 0, Qt.AlignmentFlag.AlignBottom)
        self.last_caption = theme.wrapped_label(first_response_caption(None), object_name="muted")
        row.addWidget(self.last_caption, 1, Qt.AlignmentFlag.AlignBottom)
        column.addLayout(row)
        # full reply, p50, p95: one line that wraps when narrow (values in bold)
        self.stats = theme.wrapped_label()
        self.stats.setTextFormat(Qt.TextFormat.RichText)
        column.addWidget(self.stats)
        self.model_label = theme.wrapped_label(object_name="muted")
        column.addWidget(self.model_label)
        self._style_last(theme.MUTED)
        return column

    def _style_last(self, colour: str) -> None:
        def widest() -> None:
            self.last_value.ensurePolished()
            self.last_value.setMinimumWidth(
                QFontMetrics(self.last_value.font()).horizontalAdvance(WIDEST_VALUE)
            )
            self._show_stats()

        theme.styled(
            self.last_value,
            lambda: f"font-size: {theme.pt(26)}; font-weight: bold; color: {colour};",
            then=widest,
        )

    def _show_stats(self) -> None:
        parts = (("full reply", self.full_value), ("p50", self.p50_value), ("p95", self.p95_value))
        self.stats.setText(
            " &nbsp;·&nbsp; ".join(
                f'{name}&nbsp;<b style="font-size: {theme.pt(13)}">'
                f"{value.replace(' ', '&nbsp;')}</b>"
                for name, value in parts
            )
        )

    # -- what tests and the main window read -----------------------------------------------------

    @property
    def events(self) -> list[LatencyEvent]:
        """This conversation's latency events, oldest first."""
        return list(self._events)

    def row_count(self) -> int:
        return self.table.rowCount()

    def row_texts(self, row: int) -> list[str]:
        items = (self.table.item(row, c) for c in range(self.table.columnCount()))
        return [item.text() if item is not None else "" for item in items]

    def summary(self) -> LatencySummary:
        """First response (first token, or first audio when spoken) over this conversation."""
        return LatencySummary.of(
            [e.stages.e2e_ms for e in self._events if e.stages.e2e_ms is not None]
        )

    def selected_event(self) -> LatencyEvent | None:
        return self.waterfall.shown

    def select_row(self, row: int) -> None:
        if 0 <= row < len(self._events):
            self.table.selectRow(row)

    def select_reply(self, number: int) -> None:
        """Show the waterfall of a reply the user clicked in the transcript."""
        reply = self._feed.conversation.reply(number)
        if reply is not None and reply.latency is not None and reply.latency in self._events:
            self.select_row(self._events.index(reply.latency))

    def clear(self) -> None:
        self._events = []
        self._follow_live = True
        self.table.setRowCount(0)
        self.waterfall.show_event(None)
        self.waterfall_title.setText("Where the time of a reply goes")
        self._refresh_summary()

    # -- events ----------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if isinstance(event, ConversationResetEvent):
            self.clear()  # the next visitor's numbers are their own
            return
        if not isinstance(event, LatencyEvent):
            return
        self._events.append(event)
        row = self.table.rowCount()
        self.table.insertRow(row)
        s = event.stages
        first_token = s.first_token_ms if s.llm_start_ms is not None else s.llm_ttft_ms
        cells = (
            str(self._feed.conversation.turn_number(event.turn_id)),
            SHORT_NAMES[event.agent],
            _ms(first_token),
            _ms(s.first_audio_ms),
            _ms(s.full_reply_ms),
        )
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column != 1:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            else:
                item.setForeground(theme.colour(event.agent))
                item.setToolTip(AGENT_NAMES[event.agent])
            self.table.setItem(row, column, item)
        if self._follow_live:
            self.table.selectRow(row)
            self.table.scrollToBottom()
        self._refresh_summary()

    def _on_table_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        row = rows[0].row()
        self._follow_live = row == len(self._events) - 1
        event = self._events[row]
        self.waterfall.show_event(event)
        provider = (
            "offline responder"
            if event.provider == "offline"
            else f"{event.provider} {event.model}"
        )
        turn = self._feed.conversation.turn_number(event.turn_id)
        self.waterfall_title.setText(f"Turn {turn} · {AGENT_NAMES[event.agent]} · {provider}")
        self.chart.set_events(self._events, row)

    def _refresh_summary(self) -> None:
        summary = self.summary()
        self.chart.set_events(self._events, self.table.currentRow() if self._events else None)
        last = self._events[-1] if self._events else None
        self.last_caption.setText(first_response_caption(last))
        if summary.last_ms is None or last is None:
            self.last_value.setText("—")
            self._style_last(theme.MUTED)
            self.full_value = self.p50_value = self.p95_value = "—"
            self._show_stats()
            self.model_label.setText("Waiting for the first reply")
            return
        self.last_value.setText(f"{summary.last_ms:,.0f} ms")
        self._style_last(theme.latency_colour(summary.last_ms))
        self.full_value = _ms(last.stages.full_reply_ms)
        self.p50_value = _ms(summary.p50_ms)
        self.p95_value = _ms(summary.p95_ms)
        self._show_stats()
        model = "Offline responder" if last.provider == "offline" else f"Cerebras · {last.model}"
        count = summary.count
        self.model_label.setText(
            f"{model} · p50/p95 over this conversation's {count} repl{'y' if count == 1 else 'ies'}"
        )
