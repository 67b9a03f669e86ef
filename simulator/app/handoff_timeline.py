"""Which agent held the conversation when, and why each transfer happened.

One lane per agent, turns along the bottom; a coloured bar shows who held the customer through
which turns, and an arrow marks each handoff. Beside the lanes, the list of transfers with the
reason the agent gave, newest last. Drawn with QPainter: three lanes and a few arrows do not need
a chart library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from simulator.app import theme
from simulator.app.feed import EventFeed
from simulator.events import (
    AGENT_NAMES,
    AgentRole,
    ConversationResetEvent,
    Event,
    HandoffEvent,
    SessionStartedEvent,
    TranscriptEvent,
)

LANES: tuple[AgentRole, ...] = ("greeter", "technical", "pricing")
MIN_TURNS_SHOWN = 6


@dataclass
class Holding:
    """``agent`` held the conversation from ``start`` to ``end`` (in turn units, 0 = the start)."""

    agent: AgentRole
    start: float
    end: float | None = None


class TimelineModel:
    """Holdings and handoffs of the current conversation, placed by turn (1 = its first turn, as
    :meth:`~simulator.conversation.Conversation.turn_number` counts)."""

    def __init__(self) -> None:
        self.holdings: list[Holding] = [Holding("greeter", 0.0)]
        self.handoffs: list[tuple[float, HandoffEvent]] = []
        self.turns = 0

    @property
    def current(self) -> AgentRole:
        return self.holdings[-1].agent

    def customer_turn(self, turn: int) -> None:
        self.turns = max(self.turns, turn)

    def handoff(self, event: HandoffEvent, turn: int) -> float:
        self.turns = max(self.turns, turn)
        same_turn = sum(1 for x, _ in self.handoffs if turn - 1 < x <= turn)
        x = turn - 0.55 + 0.2 * same_turn
        self.holdings[-1].end = x
        self.holdings.append(Holding(event.to_agent, x))
        self.handoffs.append((x, event))
        return x


class TimelineLanes(QWidget):
    """The painted lanes; reads a :class:`TimelineModel`."""

    def __init__(self, model: TimelineModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.fit_font()

    def fit_font(self) -> None:
        """As tall as its lanes in the current type size."""
        line = QFontMetrics(self.font()).height()
        self.setFixedHeight(int(line * 1.45 * len(LANES) + line + 8))

    def sizeHint(self) -> QSize:
        return QSize(520, self.height())

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        metrics = QFontMetrics(font)
        bold_font = QFont(font)
        bold_font.setBold(True)
        label_w = (
            max(QFontMetrics(bold_font).horizontalAdvance("● " + AGENT_NAMES[a]) for a in LANES)
            + 16
        )
        axis_h = metrics.height() + 4
        lane_h = (self.height() - axis_h - 4) / len(LANES)
        plot = QRectF(label_w, 2, max(10.0, self.width() - label_w - 12), lane_h * len(LANES))
        span = max(MIN_TURNS_SHOWN, self.model.turns + 1)

        def x_of(turn: float) -> float:
            return plot.left() + plot.width() * turn / span

        def lane_mid(agent: AgentRole) -> float:
            return plot.top() + lane_h * (LANES.index(agent) + 0.5)

        current = self.model.current
        for i, agent in enumerate(LANES):
            top = plot.top() + lane_h * i
            if i % 2 == 0:
                painter.fillRect(QRectF(0, top, self.width(), lane_h), QColor("#f8fafc"))
            bold = QFont(font)
            bold.setBold(agent == current)
            painter.setFont(bold)
            painter.setPen(theme.colour(agent))
            marker = "● " if agent == current else "   "
            painter.drawText(
                QRectF(6, top, label_w - 8, lane_h),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                marker + AGENT_NAMES[agent],
            )
        painter.setFont(font)

        # Turn numbers along the axis, as many as fit without touching; "turn" once, on the left.
        painter.setPen(QColor(theme.MUTED))
        painter.drawText(
            QRectF(6, plot.bottom() + 2, label_w - 8, axis_h),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            "turn",
        )
        widest = metrics.horizontalAdvance(str(span)) + metrics.horizontalAdvance("  ")
        per_turn = plot.width() / span
        step = max(1, math.ceil(widest / per_turn))
        for turn in range(1, span + 1):
            x = x_of(turn - 0.5)
            if (turn - 1) % step == 0:
                painter.setPen(QColor(theme.MUTED))
                painter.drawText(
                    QRectF(x - per_turn * step / 2, plot.bottom() + 2, per_turn * step, axis_h),
                    Qt.AlignmentFlag.AlignCenter,
                    str(turn),
                )
            painter.setPen(QPen(QColor(theme.LINE), 1))
            painter.drawLine(QPointF(x_of(turn), plot.top()), QPointF(x_of(turn), plot.bottom()))

        bar_h = min(18.0, lane_h * 0.55)
        end_now = max(0.6, float(self.model.turns))
        for holding in self.model.holdings:
            end = holding.end if holding.end is not None else end_now
            rect = QRectF(
                x_of(holding.start),
                lane_mid(holding.agent) - bar_h / 2,
                max(6.0, x_of(end) - x_of(holding.start)),
                bar_h,
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.colour(holding.agent))
            painter.drawRoundedRect(rect, 5, 5)

        for x, event in self.model.handoffs:
            self._arrow(
                painter,
                x_of(x),
                lane_mid(event.from_agent),
                lane_mid(event.to_agent),
                theme.colour(event.to_agent),
            )
        painter.end()

    @staticmethod
    def _arrow(painter: QPainter, x: float, y_from: float, y_to: float, colour: QColor) -> None:
        painter.setPen(QPen(colour, 2.2))
        painter.drawLine(QPointF(x, y_from), QPointF(x, y_to))
        direction = 1 if y_to > y_from else -1
        head = QPolygonF(
            [
                QPointF(x, y_to),
                QPointF(x - 5, y_to - 8 * direction),
                QPointF(x + 5, y_to - 8 * direction),
            ]
        )
        painter.setBrush(colour)
        painter.drawPolygon(head)


def _short(agent: AgentRole) -> str:
    """ "Pricing" for the Pricing Specialist: the lanes beside say who is who, and the line's
    width is better spent on the reason."""
    return AGENT_NAMES[agent].split()[0]


class HandoffTimeline(QFrame):
    def __init__(self, feed: EventFeed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._feed = feed
        self.model = TimelineModel()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        outer.setSpacing(4)
        title = QLabel("WHO HELD THE CONVERSATION")
        title.setObjectName("panelTitle")
        outer.addWidget(title)
        row = QHBoxLayout()
        row.setSpacing(12)
        self.lanes = TimelineLanes(self.model)
        row.addWidget(self.lanes, 3)
        self.reasons = QListWidget()
        # one line per transfer, cut with "…" (the whole reason is its tooltip): wrapped, only
        # two long reasons fitted beside the lanes before the list scrolled
        self.reasons.setWordWrap(False)
        self.reasons.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.reasons.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.reasons.setFrameShape(QFrame.Shape.NoFrame)
        self.reasons.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.reasons.setStyleSheet("QListWidget { background: transparent; }")
        self.reasons.setFixedHeight(self.lanes.height())
        row.addWidget(self.reasons, 2)
        self.lanes.installEventFilter(self)
        outer.addLayout(row, 1)
        self._show_empty()
        feed.event_received.connect(self._on_event)
        feed.cleared.connect(self.clear)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.lanes and event.type() == QEvent.Type.FontChange:
            self.lanes.fit_font()  # demo mode's large type, switched on while running
            self.reasons.setFixedHeight(self.lanes.height())
        return False

    def handoff_texts(self) -> list[str]:
        """The transfers listed beside the lanes, oldest first."""
        return [
            self.reasons.item(i).text()
            for i in range(self.reasons.count())
            if self.reasons.item(i).data(Qt.ItemDataRole.UserRole) is not None
        ]

    def clear(self) -> None:
        self.model = TimelineModel()
        self.lanes.model = self.model
        self.reasons.clear()
        self._show_empty()
        self.lanes.update()

    def _show_empty(self) -> None:
        item = QListWidgetItem(
            "No handoff yet: the Greeter transfers you when a specialist can help."
        )
        item.setForeground(QColor(theme.MUTED))
        self.reasons.addItem(item)

    def _on_event(self, event: Event) -> None:
        turn_number = self._feed.conversation.turn_number
        if isinstance(event, TranscriptEvent) and event.speaker == "customer":
            self.model.customer_turn(turn_number(event.turn_id))
        elif isinstance(event, HandoffEvent):
            if not self.handoff_texts():
                self.reasons.clear()
            turn = turn_number(event.turn_id)
            self.model.handoff(event, turn)
            item = QListWidgetItem(
                f"Turn {turn} · {_short(event.from_agent)} → {_short(event.to_agent)}: "
                f"{event.reason}"
            )
            item.setData(Qt.ItemDataRole.UserRole, event.turn_id)
            item.setForeground(theme.colour(event.to_agent))
            item.setToolTip(item.text())
            self.reasons.addItem(item)
            self.reasons.scrollToBottom()
        elif isinstance(event, ConversationResetEvent) or (
            isinstance(event, SessionStartedEvent) and self.model.turns
        ):
            self.clear()
            return
        else:
            return
        self.lanes.update()
