"""The scorecard, readable in ten seconds: the outcome first, then what went well and what did not.

:class:`ScorecardView` renders one :class:`~simulator.events.Scorecard` (from a
``ScorecardEvent``): the persona's outcome in a coloured headline, a row of counts (objections
handled, playbook responses used, hidden facts uncovered, right specialist, unsupported claims,
talk share, latency p50/p95), then the details: each objection and who handled it, each hidden
fact, each unsupported claim with the passage that says otherwise, each question that reached the
wrong specialist. :class:`ScorecardDialog` shows it beside the window (not modal: the rehearsal
can go on), opened at the end of a rehearsal and on demand. A rep's card (Rep mode) has its
own tiles and parts (:mod:`simulator.scorecard_render`), each playbook response the rep could
have used quoted under its row, and the rep's progress with the persona charted below
(:class:`~simulator.app.practice_chart.PracticeChart`).
"""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QVBoxLayout,
    QWidget,
)

from simulator.app import theme
from simulator.app.practice_chart import PracticeChart
from simulator.app.scrolling import WrappingScrollArea
from simulator.events import PracticeProgressEvent, Scorecard
from simulator.scorecard_render import headline, parts, tiles, verdict

TILE_MIN_PX = 190
"""Narrower than this, a tile's caption would wrap into three lines: two columns instead."""
_OUTCOME = {
    "agreed": (theme.FAST, "#dcfce7", "Agreed to a next step"),
    "declined": (theme.SLOW, theme.ERROR_BG, "Declined"),
    "undecided": (theme.OK, theme.WARNING_BG, "Undecided"),
}


class ScorecardView(QWidget):
    def __init__(self, card: Scorecard | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card: Scorecard | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._content = QWidget()
        self._content.setObjectName("cardsContent")
        self._layout = QVBoxLayout(self._content)
        self._layout.setContentsMargins(16, 14, 16, 14)
        self._layout.setSpacing(10)
        self._scroll = WrappingScrollArea(self._content)
        outer.addWidget(self._scroll, 1)
        self.headline = theme.wrapped_label()
        self.subtitle = theme.wrapped_label(object_name="muted")
        self._layout.addWidget(self.headline)
        self._layout.addWidget(self.subtitle)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(10)
        self._layout.addLayout(self._grid)
        self.progress = PracticeChart()
        self._layout.addWidget(self.progress)
        self.details = theme.wrapped_label()
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self._layout.addWidget(self.details)
        self._layout.addStretch(1)
        self.counts: dict[str, str] = {}
        self.progress_persona: str | None = None
        self._tiles: list[QFrame] = []
        self._placed_columns = 0
        if card is not None:
            self.show_card(card)

    def show_card(self, card: Scorecard) -> None:
        self.card = card
        if card.seat != "rep" or (self.progress.isVisible() and not _same_persona(self, card)):
            self.progress.setVisible(False)
        ink, background, _ = _OUTCOME[card.outcome]
        self.headline.setText(headline(card))
        theme.styled(
            self.headline,
            lambda: (
                f"background: {background}; color: {ink}; font-weight: bold; "
                f"font-size: {theme.pt(14)}; border-radius: 8px; padding: 10px 14px;"
            ),
        )
        self.subtitle.setText(verdict(card))
        self.counts = dict(tiles(card))
        for tile in self._tiles:
            self._grid.removeWidget(tile)
            tile.deleteLater()
        self._tiles = [
            self._tile(
                label,
                value,
                bad=label in ("Unsupported claims", "Claims right · wrong · unsupported")
                and bool(card.unsupported_claims),
            )
            for label, value in self.counts.items()
        ]
        self._place_tiles()
        self.details.setText(details_html(card))
        self._scroll.refit_soon()

    def _columns(self) -> int:
        """Four tiles a row when they fit, else two: a tile's words are never cut."""
        return 4 if self.width() >= 4 * TILE_MIN_PX else 2

    def _place_tiles(self) -> None:
        columns = self._columns()
        for n, tile in enumerate(self._tiles):
            self._grid.removeWidget(tile)
            self._grid.addWidget(tile, n // columns, n % columns)
        self._placed_columns = columns

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._tiles and self._columns() != self._placed_columns:
            self._place_tiles()

    def _tile(self, label: str, value: str, *, bad: bool = False) -> QFrame:
        tile = QFrame()
        tile.setObjectName("tile")
        tile.setStyleSheet(
            f"QFrame#tile {{ background: #f8fafc; border: 1px solid {theme.LINE}; "
            "border-radius: 8px; }"
        )
        layout = QVBoxLayout(tile)
        layout.setContentsMargins(10, 6, 10, 6)
        number = theme.wrapped_label(value)
        theme.styled(
            number,
            lambda: (
                f"font-size: {theme.pt(16)}; font-weight: bold; "
                f"color: {theme.SLOW if bad else theme.INK};"
            ),
        )
        layout.addWidget(number)
        caption = theme.wrapped_label(label, object_name="muted")
        layout.addWidget(caption)
        return tile


def details_text(card: Scorecard) -> str:
    """The scorecard's details as plain lines (the same parts the terminal and report show)."""
    lines: list[str] = []
    for part in parts(card):
        if lines:
            lines.append("")
        lines.append(part.title)
        for row in part.rows:
            lines.append(f"{row.mark} {row.text}")
            if row.quote:
                lines.append(f"{_QUOTE}“{row.quote}”")
    return "\n".join(lines) or "Nothing to score yet: the conversation has not started."


_HEADINGS = (
    "OBJECTIONS",
    "HIDDEN FACTS",
    "UNSUPPORTED CLAIMS",
    "WRONG SPECIALIST",
    "DISCOVERY QUESTIONS",
    "YOUR CLAIMS",
    "RESPONSE TIME",
)
_MARKS = {"✓": theme.FAST, "✗": theme.SLOW, "⚠": theme.SLOW, "•": theme.MUTED}
_QUOTE = "    "
"""How a quote under a row starts (the playbook response the rep could have used)."""


def details_html(card: Scorecard) -> str:
    """:func:`details_text` as escaped rich text: bold headings, green and red marks."""
    out = []
    for line in details_text(card).split("\n"):
        text = html.escape(line, quote=False)
        if line in _HEADINGS:
            out.append(f'<p style="margin-top:10px; color:{theme.MUTED}"><b>{text}</b></p>')
        elif line[:1] in _MARKS:
            out.append(
                f'<p style="margin:3px 0"><span '
                f'style="color:{_MARKS[line[:1]]}"><b>{text[:1]}</b></span>'
                f"{text[1:]}</p>"
            )
        elif line.startswith(_QUOTE):
            out.append(
                f'<p style="margin:0 0 6px 22px; color:{theme.MUTED}"><i>{text.strip()}</i></p>'
            )
        elif line:
            out.append(f"<p>{text}</p>")
    return "".join(out)


class ScorecardDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Scorecard")
        self.setModal(False)
        layout = QVBoxLayout(self)
        self.view = ScorecardView()
        layout.addWidget(self.view, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.hide)
        layout.addWidget(self.buttons)

    def show_progress(self, event: PracticeProgressEvent) -> None:
        """The rep's attempts with the persona (Rep mode), charted under the card."""
        self.view.progress.show_attempts(event.persona_name, event.attempts)
        self.view.progress_persona = event.persona

    def show_card(self, card: Scorecard) -> None:
        self.view.show_card(card)
        self.setWindowTitle("Scorecard" if card.final else "Scorecard (so far)")
        self._fit_to_window()
        self.show()
        self.raise_()

    def _fit_to_window(self) -> None:
        """760x640 where there is room; within the app's window where there is not."""
        owner = self.parentWidget()
        if owner is None:
            return
        room = owner.window().size()
        self.resize(QSize(860, 700).boundedTo(QSize(room.width() - 40, room.height() - 40)))
        self.move(owner.window().geometry().center() - self.rect().center())


def _same_persona(view: ScorecardView, card: Scorecard) -> bool:
    return view.progress_persona == card.persona
