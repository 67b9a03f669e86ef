"""Finds text the user cannot read whole: a label, button or field narrower or shorter than the
text it shows, measured from the widget's own font (offscreen, no pixels compared).

A label whose text is deliberately elided (an :class:`~simulator.app.theme.ElidedLabel`: the
shown text ends in "…" and the tooltip has it all) fits by construction; anything else cut is a
defect. Word-wrapped labels must be as tall as their text at their width.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTabBar,
    QWidget,
)

from simulator.app.theme import ElidedLabel

SLACK_PX = 1


@dataclass(frozen=True)
class Clipped:
    widget: str
    text: str
    need: tuple[int, int]
    have: tuple[int, int]

    def __str__(self) -> str:
        return (
            f"{self.widget} {self.text!r}: needs {self.need[0]}x{self.need[1]}, "
            f"has {self.have[0]}x{self.have[1]}"
        )


def _label(label: QLabel) -> Clipped | None:
    text = label.text()
    if not text or not label.isVisible() or isinstance(label, ElidedLabel):
        return None  # an elided label shows "…" and has the rest in its tooltip
    rect = label.contentsRect()
    margin = 2 * label.margin() + max(label.indent(), 0)
    have = (rect.width() - margin, rect.height() - 2 * label.margin())
    if label.wordWrap():
        need_h = label.heightForWidth(label.width())
        if need_h > label.height() + SLACK_PX:
            return Clipped(_name(label), text, (label.width(), need_h), have)
        return None
    metrics = QFontMetrics(label.font())
    if label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text)
    ):
        document = QTextDocument()
        document.setDefaultFont(label.font())
        document.setHtml(text)
        document.setDocumentMargin(0)
        need = (int(document.idealWidth()), int(document.size().height()))
    else:
        lines = text.split("\n")
        need = (
            max(metrics.horizontalAdvance(line) for line in lines),
            metrics.height() * len(lines),
        )
    if need[0] > have[0] + SLACK_PX or need[1] > have[1] + SLACK_PX:
        return Clipped(_name(label), text, need, have)
    return None


def _sized(widget: QWidget, text: str) -> Clipped | None:
    """Buttons, check boxes, fields, spin boxes: at least their own size hint."""
    if not widget.isVisible():
        return None
    hint = widget.sizeHint() if isinstance(widget, QAbstractButton) else widget.minimumSizeHint()
    if isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), QComboBox):
        # An editable combo box's editor (no frame, no padding): the line of text must fit.
        need_h = QFontMetrics(widget.font()).height()
        have_h = widget.contentsRect().height()
        if have_h + SLACK_PX < need_h:
            return Clipped(_name(widget), text, (0, need_h), (widget.width(), have_h))
        return None
    if isinstance(widget, (QLineEdit, QSpinBox, QComboBox)):
        # A field may be narrower than its hint (it scrolls); never shorter than its text.
        hint_h = widget.sizeHint().height()
        if widget.height() + SLACK_PX < hint_h:
            return Clipped(_name(widget), text, (0, hint_h), (widget.width(), widget.height()))
        return None
    if hint.width() > widget.width() + SLACK_PX or hint.height() > widget.height() + SLACK_PX:
        return Clipped(
            _name(widget), text, (hint.width(), hint.height()), (widget.width(), widget.height())
        )
    return None


def _tabs(bar: QTabBar) -> list[Clipped]:
    found = []
    if not bar.isVisible():
        return found
    for index in range(bar.count()):
        rect = bar.tabRect(index)
        need = bar.tabSizeHint(index)
        if need.width() > rect.width() + SLACK_PX and bar.elideMode() == Qt.TextElideMode.ElideNone:
            found.append(
                Clipped(
                    _name(bar),
                    bar.tabText(index),
                    (need.width(), need.height()),
                    (rect.width(), rect.height()),
                )
            )
    return found


def _name(widget: QWidget) -> str:
    return f"{type(widget).__name__}#{widget.objectName() or '-'}"


def clipped(root: QWidget) -> list[Clipped]:
    """Every visible piece of text under ``root`` that is cut."""
    found: list[Clipped] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.objectName().startswith("qt_"):
            continue  # Qt's own inner parts (a spin box's field) are checked as their owner
        problem: Clipped | None = None
        if isinstance(widget, QLabel):
            problem = _label(widget)
        elif isinstance(widget, (QAbstractButton, QCheckBox)):
            problem = _sized(widget, widget.text())
        elif isinstance(widget, (QLineEdit,)):
            problem = _sized(widget, widget.text() or widget.placeholderText())
        elif isinstance(widget, (QSpinBox, QComboBox)):
            problem = _sized(widget, widget.currentText() if isinstance(widget, QComboBox) else "")
        elif isinstance(widget, QTabBar):
            found += _tabs(widget)
        if problem is not None:
            found.append(problem)
    return found
