"""The two latency pictures: end to end per reply (with p50/p95), and one reply's waterfall.

Both are painted with QPainter. The per-reply chart never scales its axis below a quarter of a
second (a 30 ms reply is drawn small), draws one second as a reference line when the axis reaches
it, and says "every reply under 1 s" in green when that is true: at a booth, "this is fast" reads
before anyone parses a number. The waterfall lays a reply's stages on one time axis starting when the
customer finished their turn; time the stages do not explain (routing to a specialist, framework
overhead) is shown as its own bar instead of being hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from simulator.app import theme
from simulator.conversation import LatencySummary
from simulator.events import LatencyEvent, LatencyStages

REFERENCE_MS = 1000.0
"""One second: the "1 s" line, drawn whenever the axis reaches it."""
AXIS_FLOOR_MS = 250.0
"""The axis never ends below this, so a 30 ms reply looks as small as it is."""


@dataclass(frozen=True)
class Segment:
    label: str
    start_ms: float | None
    end_ms: float | None
    note: str
    kind: str
    """``speech``, ``retrieval``, ``llm``, ``server``, ``tts``, ``other`` or ``total``."""


def waterfall_segments(stages: LatencyStages) -> list[Segment]:
    """A reply's stages on one time axis (0 = the customer's turn ended); ``None`` = not used."""
    s = stages
    base = s.end_of_utterance_ms or 0.0
    retrieval = s.retrieval_ms or 0.0
    ttft = s.llm_ttft_ms
    explained = base + retrieval + (ttft or 0.0) + (s.tts_ttfb_ms or 0.0)
    other = (s.e2e_ms - explained) if s.e2e_ms is not None else 0.0
    other = other if other > 0.5 else 0.0
    start = base + other
    segments = [
        _maybe("End of utterance", 0.0, s.end_of_utterance_ms, "speech", "typed turn"),
        _maybe("Speech to text", 0.0, s.stt_ms, "speech", "typed turn"),
    ]
    if other:
        segments.append(
            Segment("Routing, handoff, overhead", base, base + other, f"{other:,.0f} ms", "other")
        )
    segments.append(_maybe("Retrieval", start, s.retrieval_ms, "retrieval", "none"))
    llm_start = start + retrieval
    segments.append(_maybe("LLM first token", llm_start, ttft, "llm", "—"))
    if s.llm_total_ms is not None and ttft is not None:
        rate = (
            f"{s.tokens_per_s:,.0f} tok/s" if s.tokens_per_s else f"{s.llm_total_ms - ttft:,.0f} ms"
        )
        segments.append(
            Segment("LLM generation", llm_start + ttft, llm_start + s.llm_total_ms, rate, "llm")
        )
    else:
        segments.append(Segment("LLM generation", None, None, "—", "llm"))
    if s.server_total_ms is not None:
        segments.append(
            Segment(
                "Cerebras server time",
                llm_start,
                llm_start + s.server_total_ms,
                f"{s.server_total_ms:,.0f} ms",
                "server",
            )
        )
    else:
        segments.append(Segment("Cerebras server time", None, None, "not reported", "server"))
    tts_start = llm_start + (ttft or 0.0)
    segments.append(_maybe("TTS first byte", tts_start, s.tts_ttfb_ms, "tts", "text only"))
    segments.append(_maybe("End to end", 0.0, s.e2e_ms, "total", "—"))
    return segments


def server_breakdown(stages: LatencyStages) -> str:
    """Cerebras' own account of its time (``time_info``), or ``""`` when it sent none."""
    parts = [
        f"{name} {v:,.0f} ms"
        for name, v in (
            ("queue", stages.server_queue_ms),
            ("prompt", stages.server_prompt_ms),
            ("completion", stages.server_completion_ms),
        )
        if v is not None
    ]
    return "Cerebras server: " + " · ".join(parts) if parts else ""


def _unused_note(event: LatencyEvent) -> str:
    """The stages a reply did not go through, in a few words."""
    s = event.stages
    parts = []
    if s.end_of_utterance_ms is None and s.stt_ms is None:
        parts.append("speech (typed turn)")
    if s.server_total_ms is None:
        parts.append("server time (offline)" if event.provider == "offline" else "server time")
    if s.tts_ttfb_ms is None:
        parts.append("TTS (text only)")
    return "Not in this turn: " + ", ".join(parts) if parts else ""


def _maybe(label: str, start: float, duration: float | None, kind: str, missing: str) -> Segment:
    if duration is None:
        return Segment(label, None, None, missing, kind)
    return Segment(label, start, start + duration, f"{duration:,.0f} ms", kind)


_KIND_COLOURS = {
    "speech": "#64748b",
    "retrieval": "#0891b2",
    "llm": "#7c3aed",
    "server": "#c026d3",
    "tts": "#ea580c",
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
        return QSize(420, self._row_h() * 8 + 4)

    def show_event(self, event: LatencyEvent | None) -> None:
        self.shown = event
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(self.font())
        if self.shown is None:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                "Each reply's stages appear here: retrieval, first token, generation, end to end.",
            )
            painter.end()
            return
        all_segments = waterfall_segments(self.shown.stages)
        segments = [s for s in all_segments if s.start_ms is not None]
        footnote = "\n".join(
            n for n in (server_breakdown(self.shown.stages), _unused_note(self.shown)) if n
        )
        label_w = max(metrics.horizontalAdvance(s.label) for s in segments) + 12
        note_w = max(metrics.horizontalAdvance(s.note) for s in segments) + 12
        bar_w = max(40.0, self.width() - label_w - note_w - 8)
        scale_end = max((s.end_ms for s in segments if s.end_ms is not None), default=1.0) or 1.0
        foot_h = 0.0
        if footnote:
            foot_h = (
                metrics.boundingRect(
                    0, 0, self.width(), 1000, Qt.TextFlag.TextWordWrap, footnote
                ).height()
                + 6
            )
        row_h = min(float(self._row_h()), max(8.0, self.height() - foot_h) / max(len(segments), 1))
        for i, seg in enumerate(segments):
            top = i * row_h
            total = seg.kind == "total"
            painter.setPen(QColor(theme.INK if seg.start_ms is not None else theme.FAINT))
            font = QFont(self.font())
            font.setBold(total)
            painter.setFont(font)
            painter.drawText(
                QRectF(0, top, label_w, row_h), Qt.AlignmentFlag.AlignVCenter, seg.label
            )
            if seg.start_ms is not None and seg.end_ms is not None:
                x0 = label_w + bar_w * seg.start_ms / scale_end
                width = max(3.0, bar_w * (seg.end_ms - seg.start_ms) / scale_end)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(_KIND_COLOURS[seg.kind]))
                painter.drawRoundedRect(QRectF(x0, top + row_h * 0.22, width, row_h * 0.56), 3, 3)
            else:
                painter.setPen(QPen(QColor(theme.LINE), 1, Qt.PenStyle.DashLine))
                painter.drawLine(
                    QPointF(label_w, top + row_h / 2), QPointF(label_w + bar_w, top + row_h / 2)
                )
            painter.setPen(QColor(theme.INK if seg.start_ms is not None else theme.FAINT))
            painter.drawText(
                QRectF(label_w + bar_w + 8, top, note_w, row_h),
                Qt.AlignmentFlag.AlignVCenter,
                seg.note,
            )
        if footnote:
            painter.setFont(self.font())
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(
                QRectF(0, len(segments) * row_h + 4, self.width(), foot_h),
                Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
                footnote,
            )
        painter.end()


class EndToEndChart(QWidget):
    """End-to-end latency of every reply as bars, with running p50/p95 and a one-second line."""

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
                "The end-to-end time of every reply appears here.",
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
        painter.drawText(
            QRectF(plot.left(), plot.bottom() + 2, plot.width(), metrics.height()),
            Qt.AlignmentFlag.AlignLeft,
            "end to end per reply, ms",
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
