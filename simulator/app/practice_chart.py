"""The rep's progress with one persona: a small bar chart of their attempts, oldest first.

Each bar is one finished Rep-mode call (:class:`~simulator.events.PracticeAttempt`): its height
is the attempt's score (the share of objections handled, hidden facts uncovered, claims that held
and the outcome), its colour the outcome. The last ten attempts are drawn; the caption says how
many there were in all and how the last compares with the one before.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from simulator.app import theme
from simulator.events import PracticeAttempt

SHOWN = 10
_OUTCOME_COLOUR = {"agreed": theme.FAST, "declined": theme.SLOW, "undecided": theme.OK}


def progress_caption(name: str, attempts: Sequence[PracticeAttempt]) -> str:
    if not attempts:
        return f"No finished calls with {name} yet."
    last = attempts[-1]
    text = f"Your calls with {name}: {len(attempts)} · last {last.score:.0%} ({last.outcome})"
    if len(attempts) > 1:
        change = last.score - attempts[-2].score
        text += f", {change:+.0%} on the one before"
    return text


class _Bars(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.attempts: tuple[PracticeAttempt, ...] = ()
        self.setMinimumHeight(90)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        shown = self.attempts[-SHOWN:]
        first = len(self.attempts) - len(shown) + 1
        width, height = self.width(), self.height()
        label_h = 16
        plot_h = height - label_h - 4
        painter.setPen(QColor(theme.LINE))
        painter.drawLine(0, plot_h, width, plot_h)
        slot = width / SHOWN
        for n, attempt in enumerate(shown):
            bar_h = max(3.0, attempt.score * (plot_h - 4))
            x = n * slot + slot * 0.2
            rect = QRectF(x, plot_h - bar_h, slot * 0.6, bar_h)
            painter.fillRect(rect, QColor(_OUTCOME_COLOUR[attempt.outcome]))
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(
                QRectF(n * slot, plot_h + 2, slot, label_h),
                Qt.AlignmentFlag.AlignCenter,
                f"#{first + n}",
            )
        painter.end()


class PracticeChart(QWidget):
    """The caption and the bars; :meth:`show_attempts` replaces both."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(4)
        self.caption = QLabel("")
        self.caption.setObjectName("muted")
        layout.addWidget(self.caption)
        self.bars = _Bars()
        layout.addWidget(self.bars)
        self.setVisible(False)

    @property
    def attempts(self) -> tuple[PracticeAttempt, ...]:
        return self.bars.attempts

    def show_attempts(self, name: str, attempts: Sequence[PracticeAttempt]) -> None:
        self.bars.attempts = tuple(attempts)
        self.caption.setText(progress_caption(name, attempts))
        self.bars.setToolTip(
            "\n".join(
                f"#{n} {a.score:.0%} {a.outcome}: objections {a.objections_handled}/"
                f"{a.objections}, facts {a.facts_uncovered}/{a.facts}, wrong claims "
                f"{a.claims_wrong}"
                for n, a in enumerate(attempts, start=1)
            )
        )
        self.setVisible(True)
        self.bars.update()
