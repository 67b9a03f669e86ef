"""How a persona reads in a list: who, the scenario and the difficulty, in the list itself.

A rep picking a customer to rehearse with should not have to hover each entry to learn what the
rehearsal is about. Each entry is two lines: the persona and their company with the difficulty
beside it, then the scenario (their role, their industry and the objections they will raise).
The Coach bar's persona list and the booth's attract screen both use it.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from simulator.app import theme
from simulator.personas.model import Persona

SCENARIO_ROLE = Qt.ItemDataRole.UserRole + 1
DIFFICULTY_ROLE = Qt.ItemDataRole.UserRole + 2
TITLE_ROLE = Qt.ItemDataRole.UserRole + 3
DIFFICULTY_COLOURS = {"easy": theme.FAST, "medium": theme.OK, "hard": theme.SLOW}


def persona_title(persona: Persona) -> str:
    return f"{persona.name} · {persona.company.name}"


def persona_label(persona: Persona) -> str:
    """Who, short enough for the closed list on a 1024 px screen (the open list shows the
    company, the difficulty and the scenario)."""
    return persona.name


def persona_scenario(persona: Persona) -> str:
    """The rehearsal in one line: who they are and what they will object to."""
    topics = dict.fromkeys(o.topic.replace("_", " ") for o in persona.agenda)  # each once
    return f"{persona.role}, {persona.company.industry.lower()}: {', '.join(topics)}"


def persona_tooltip(persona: Persona) -> str:
    return (
        f"{persona.name}, {persona.role} at {persona.company.name}\n{persona.company.situation}\n"
        f"Objections: {', '.join(o.topic.replace('_', ' ') for o in persona.agenda)}\n"
        f"Difficulty: {persona.difficulty}"
    )


class PersonaItemDelegate(QStyledItemDelegate):
    """Draws an entry as two lines: title and difficulty, then the scenario (muted)."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        scenario = index.data(SCENARIO_ROLE)
        if not scenario:
            super().paint(painter, option, index)
            return
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        rect: QRect = option.rect
        if selected:
            painter.fillRect(rect, option.palette.highlight())
        font = QFont(option.font)
        bold = QFont(font)
        bold.setBold(True)
        line = QFontMetrics(font).height()
        inner = rect.adjusted(10, 4, -10, -4)
        difficulty = str(index.data(DIFFICULTY_ROLE) or "")
        painter.setFont(bold)
        badge_w = QFontMetrics(bold).horizontalAdvance(difficulty) + 8
        painter.setPen(QColor("white" if selected else theme.INK))
        title = str(index.data(TITLE_ROLE) or index.data())
        painter.drawText(
            QRect(inner.left(), inner.top(), inner.width() - badge_w, line),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(bold).elidedText(
                title, Qt.TextElideMode.ElideRight, inner.width() - badge_w
            ),
        )
        painter.setPen(
            QColor("white" if selected else DIFFICULTY_COLOURS.get(difficulty, theme.INK))
        )
        painter.drawText(
            QRect(inner.right() - badge_w, inner.top(), badge_w, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            difficulty,
        )
        painter.setFont(font)
        painter.setPen(QColor("#e2e8f0" if selected else theme.MUTED))
        painter.drawText(
            QRect(inner.left(), inner.top() + line + 2, inner.width(), line),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(font).elidedText(
                str(scenario), Qt.TextElideMode.ElideRight, inner.width()
            ),
        )
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        if not index.data(SCENARIO_ROLE):
            return super().sizeHint(option, index)
        metrics = QFontMetrics(option.font)
        width = max(
            metrics.horizontalAdvance(str(index.data(SCENARIO_ROLE))),
            metrics.horizontalAdvance(str(index.data())) + 60,
        )
        return QSize(min(width + 24, 900), metrics.height() * 2 + 12)


def persona_data(persona: Persona) -> dict[Qt.ItemDataRole | int, object]:
    """The item data of a persona entry, by role (for a combo box or a list)."""
    return {
        Qt.ItemDataRole.DisplayRole: persona_label(persona),
        Qt.ItemDataRole.ToolTipRole: persona_tooltip(persona),
        Qt.ItemDataRole.UserRole: persona.id,
        SCENARIO_ROLE: persona_scenario(persona),
        DIFFICULTY_ROLE: persona.difficulty,
        TITLE_ROLE: persona_title(persona),
    }
