"""A scroll area whose content is always as tall as its wrapped text.

QScrollArea sizes its content by minimum size hints, which for word-wrapped labels assume some
other width: passages and long replies came out clipped. This one sets the content's minimum
height from its height-for-width at the real viewport width, whenever either changes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QScrollArea, QWidget


class WrappingScrollArea(QScrollArea):
    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(content)
        content.installEventFilter(self)

    def fit(self) -> None:
        content = self.widget()
        if content is None or not content.hasHeightForWidth():
            return
        height = content.heightForWidth(self.viewport().width())
        if height > 0 and height != content.minimumHeight():
            content.setMinimumHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            # After the layout has handled the request: only then is its height-for-width current.
            QTimer.singleShot(0, self, self.fit)
        return super().eventFilter(watched, event)
