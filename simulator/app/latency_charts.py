"""The two latency pictures: the first response of every reply (with p50/p95), and one reply's
waterfall.

Both are painted with QPainter. The per-reply chart never scales its axis below a quarter of a
second (a 30 ms reply is drawn small), draws one second as a reference line when the axis reaches
it, and says "every reply under 1 s" in green when that is true: at a booth, "this is fast" reads
before anyone parses a number. The waterfall draws :func:`simulator.waterfall.waterfall`: a
reply's stages on one time axis from the end of the customer's turn, every bar inside its total.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from simulator.app import theme
from simulator.conversation import LatencySummary
from simulator.events import LatencyEvent
from simulator.waterfall import Segment, waterfall

REFERENCE_MS = 1000.0
"""One second: the "1 s" line, drawn whenever the axis reaches it."""
MIN_BAR_PX = 40
"""The bars' column never gets narrower than this."""
AXIS_FLOOR_MS = 250.0
"""The axis never ends below this, so a 30 ms reply looks as small as it is."""


_KIND_COLOURS = {
    "speech": "#64748b",
    "retrieval": "#0891b2",
    "llm": "#7c3aed",
    "server": "#c026d3",
    "tts": "#ea580c",
    "handoff": "#0d9488",
    "failed": "#dc2626",
    "other": "#94a3b8",
    "total": theme.FAST,
}


class WaterfallChart(QWidget):
    """One reply's stages as horizontal bars on a shared time axis."""

    ROW = 1.75
    """Row height in lines of text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shown: LatencyEvent | None = None
        self.setMinimumHeight(self._row_h() * 4)

    def _row_h(self) -> int:
        return int(QFontMetrics(self.font()).height() * self.ROW)

    def sizeHint(self) -> QSize:
        rows = len(waterfall(self.shown).drawn) + 2 if self.shown is not None else 8
        return QSize(420, self._row_h() * rows + 4)

    def show_event(self, event: LatencyEvent | None) -> None:
        self.shown = event
        self.updateGeometry()
        self.update()

    def bars(self) -> list[tuple[Segment, QRectF]]:
        """Each drawn stage and the rectangle of its bar, as painted at the current size."""
        return [(seg, bar) for seg, _label, bar, _note in self._rows()[0]]

    def _rows(self) -> tuple[list[tuple[Segment, QRectF, QRectF, QRectF]], float, str]:
        """(stage, label box, bar, note box) per stage, the row height, and the footnote."""
        if self.shown is None:
            return [], 0.0, ""
        metrics = QFontMetrics(self.font())
        chart = waterfall(self.shown)
        segments = list(chart.drawn)
        footnote = "\n".join(chart.footnotes)
        note_w = max(metrics.horizontalAdvance(s.note) for s in segments) + 12
        # Labels give way (elided, the tooltip of the panel has the stages) before notes or bars.
        label_w = min(
            max(metrics.horizontalAdvance(s.label) for s in segments) + 12,
            max(60, self.width() - note_w - MIN_BAR_PX - 8),
        )
        bar_w = max(float(MIN_BAR_PX), self.width() - label_w - note_w - 8)
        scale_end = chart.total_ms or 1.0
        foot_h = 0.0
        if footnote:
            foot_h = (
                metrics.boundingRect(
                    0, 0, self.width(), 1000, Qt.TextFlag.TextWordWrap, footnote
                ).height()
                + 6
            )
        row_h = min(float(self._row_h()), max(8.0, self.height() - foot_h) / max(len(segments), 1))
        right = label_w + bar_w
        rows = []
        for i, seg in enumerate(segments):
            top = i * row_h
            assert seg.start_ms is not None and seg.end_ms is not None
            x0 = min(label_w + bar_w * seg.start_ms / scale_end, right - 3.0)
            x1 = min(right, max(x0 + 3.0, label_w + bar_w * seg.end_ms / scale_end))
            rows.append(
                (
                    seg,
                    QRectF(0, top, label_w, row_h),
                    QRectF(x0, top + row_h * 0.22, x1 - x0, row_h * 0.56),
                    QRectF(right + 8, top, note_w, row_h),
                )
            )
        return rows, row_h, footnote

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.shown is None:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                "Each reply's stages appear here: retrieval, first token, generation, full reply.",
            )
            painter.end()
            return
        rows, row_h, footnote = self._rows()
        for seg, label_box, bar, note_box in rows:
            font = QFont(self.font())
            font.setBold(seg.kind == "total")
            painter.setFont(font)
            painter.setPen(QColor(theme.INK))
            label = painter.fontMetrics().elidedText(
                seg.label, Qt.TextElideMode.ElideRight, int(label_box.width()) - 4
            )
            painter.drawText(label_box, Qt.AlignmentFlag.AlignVCenter, label)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(_KIND_COLOURS.get(seg.kind, "#94a3b8")))
            painter.drawRoundedRect(bar, 3, 3)
            painter.setPen(QColor(theme.INK))
            painter.drawText(note_box, Qt.AlignmentFlag.AlignVCenter, seg.note)
        if footnote:
            painter.setFont(self.font())
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(
                QRectF(0, len(rows) * row_h + 4, self.width(), self.height()),
                Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
                footnote,
            )
        painter.end()


class FirstResponseChart(QWidget):
    """Every reply's time to its first response (first token, or first audio when spoken) as
    bars, with running p50/p95 and a one-second line."""

    bar_clicked = Signal(int)
    """Index (0-based) into :attr:`events` of the bar the user clicked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.events: list[LatencyEvent] = []
        self.selected: int | None = None
        self.setMinimumHeight(110)

    def sizeHint(self) -> QSize:
        return QSize(420, 190)

    def set_events(self, events: list[LatencyEvent], selected: int | None) -> None:
        self.events = [e for e in events if e.stages.e2e_ms is not None]
        self.selected = selected
        self.update()

    def _geometry(self) -> tuple[QRectF, float]:
        metrics = QFontMetrics(self.font())
        left = metrics.horizontalAdvance("1,000 ms") + 10
        right = metrics.horizontalAdvance("p95 1,000") + 10
        top_margin = metrics.height() * 1.9
        plot = QRectF(
            left,
            top_margin,
            max(20.0, self.width() - left - right),
            max(20.0, self.height() - top_margin - metrics.height() * 1.4),
        )
        values = [e.stages.e2e_ms or 0.0 for e in self.events]
        top = max([AXIS_FLOOR_MS] + [v * 1.15 for v in values])
        return plot, top

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(self.font())
        plot, top = self._geometry()

        def y(value: float) -> float:
            return plot.bottom() - plot.height() * value / top

        painter.setPen(QPen(QColor(theme.FAINT), 1))
        painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        painter.setPen(QColor(theme.MUTED))
        painter.drawText(
            QRectF(0, plot.bottom() - metrics.height() / 2, plot.left() - 6, metrics.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            "0",
        )
        if top >= REFERENCE_MS:
            self._hline(
                painter,
                plot,
                y(REFERENCE_MS),
                "1 s",
                QColor(theme.FAINT),
                Qt.PenStyle.DotLine,
                left_label=True,
            )
        else:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(
                QRectF(0, plot.top() - metrics.height() / 2, plot.left() - 6, metrics.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{top:,.0f} ms",
            )
        if not self.events:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(
                plot,
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                "The time to each reply's first response appears here.",
            )
            painter.end()
            return
        step = plot.width() / max(len(self.events), 8)
        bar = max(3.0, min(44.0, step * 0.7))
        for i, event in enumerate(self.events):
            value = event.stages.e2e_ms or 0.0
            x = plot.left() + i * step + (step - bar) / 2
            rect = QRectF(x, y(value), bar, max(2.0, plot.bottom() - y(value)))
            colour = theme.colour(event.agent)
            if self.selected is not None and i != self.selected:
                colour.setAlpha(150)
            painter.setPen(QPen(QColor(theme.INK), 2) if i == self.selected else Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(rect, 2, 2)
        summary = LatencySummary.of([e.stages.e2e_ms or 0.0 for e in self.events])
        if summary.p50_ms is not None and summary.p95_ms is not None:
            y50, y95 = y(summary.p50_ms), y(summary.p95_ms)
            # Keep the two labels apart when the lines are close (a steady team).
            gap = metrics.height() - (y50 - y95)
            shift = max(0.0, gap / 2)
            self._hline(
                painter,
                plot,
                y95,
                f"p95 {summary.p95_ms:,.0f}",
                QColor(theme.INK),
                Qt.PenStyle.DashLine,
                label_y=y95 - shift,
            )
            self._hline(
                painter,
                plot,
                y50,
                f"p50 {summary.p50_ms:,.0f}",
                QColor(theme.FAST),
                Qt.PenStyle.SolidLine,
                label_y=y50 + shift,
            )
        if max(e.stages.e2e_ms or 0.0 for e in self.events) < REFERENCE_MS:
            bold = QFont(self.font())
            bold.setBold(True)
            painter.setFont(bold)
            painter.setPen(QColor(theme.FAST))
            painter.drawText(
                QRectF(plot.left(), 0, plot.width(), metrics.height() * 1.3),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"Every reply under 1 s ({len(self.events)} of {len(self.events)})",
            )
            painter.setFont(self.font())
        painter.setPen(QColor(theme.MUTED))
        caption = metrics.elidedText(
            "first response of each reply, ms", Qt.TextElideMode.ElideRight, int(plot.width())
        )
        painter.drawText(
            QRectF(plot.left(), plot.bottom() + 2, plot.width(), metrics.height()),
            Qt.AlignmentFlag.AlignLeft,
            caption,
        )
        painter.end()

    @staticmethod
    def _hline(
        painter: QPainter,
        plot: QRectF,
        y: float,
        label: str,
        colour: QColor,
        style: Qt.PenStyle,
        *,
        left_label: bool = False,
        label_y: float | None = None,
    ) -> None:
        painter.setPen(QPen(colour, 1.5, style))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(colour)
        metrics = QFontMetrics(painter.font())
        if left_label:
            rect = QRectF(0, y - metrics.height() / 2, plot.left() - 6, metrics.height())
            painter.drawText(
                rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label
            )
        else:
            at = y if label_y is None else label_y
            rect = QRectF(plot.right() + 4, at - metrics.height() / 2, 200, metrics.height())
            painter.drawText(
                rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label
            )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        plot, _top = self._geometry()
        if not self.events or not plot.contains(event.position()):
            return
        step = plot.width() / max(len(self.events), 8)
        index = int((event.position().x() - plot.left()) // step)
        if 0 <= index < len(self.events):
            self.bar_clicked.emit(index)
