"""A scroll area whose content is always as tall as its wrapped text.

QScrollArea sizes its content by minimum size hints, which for word-wrapped labels assume some
other width: passages and long replies came out clipped. This one sets the content's minimum
height from its height-for-width at the real viewport width, whenever the viewport is resized and
whenever the view that owns it says its content changed (:meth:`refit_soon`: a row added, text
streamed in, cards replaced). Qt does not tell a scroll area when a label deep inside its content
grew, so the owner must.
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
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.timeout.connect(self.fit)
        content.installEventFilter(self)

    def fit(self) -> None:
        content = self.widget()
        if content is None or not content.hasHeightForWidth():
            return
        height = content.heightForWidth(self.viewport().width())
        if height > 0 and height != content.minimumHeight():
            content.setMinimumHeight(height)

    def refit_soon(self) -> None:
        """The content changed: fit it once the layouts have settled (coalesced)."""
        if not self._refit.isActive():
            self._refit.start(0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() in (
            QEvent.Type.LayoutRequest,
            QEvent.Type.ChildAdded,
            QEvent.Type.ChildRemoved,
            QEvent.Type.Show,
        ):
            self.refit_soon()
        return super().eventFilter(watched, event)
