"""A message across the top of the window for what the user must notice now.

The status bar is easy to miss on a big screen; a failed start, a provider that stopped
answering or a damaged session log gets a coloured banner in plain words, with the action that
fixes it (Retry, Settings…) right there. Dismissing it never stops the app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QWidget

from simulator.app import theme

_LEVELS = {
    "info": (theme.INFO_BG, theme.INFO_INK),
    "warning": (theme.WARNING_BG, theme.WARNING_INK),
    "error": (theme.ERROR_BG, theme.ERROR_INK),
}


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.level = "info"
        self.owner = ""
        """Who put the message up (``status``: the session status model), so it can take it down."""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 10, 8)
        layout.setSpacing(8)
        self.label = theme.wrapped_label()
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self._actions = QHBoxLayout()
        layout.addLayout(self._actions)
        close = QPushButton("Dismiss")
        close.clicked.connect(lambda: self.dismiss())
        layout.addWidget(close)
        self.hide()

    @property
    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()

    def show_message(
        self,
        level: str,
        message: str,
        actions: Sequence[tuple[str, Callable[[], object]]] = (),
        *,
        owner: str = "",
    ) -> None:
        background, ink = _LEVELS.get(level, _LEVELS["info"])
        self.level = level
        self.owner = owner
        self.setStyleSheet(
            f"QFrame#banner {{ background: {background}; border-bottom: 1px solid {ink}; }}"
            f" QFrame#banner QLabel {{ color: {ink}; font-weight: bold; }}"
        )
        self.label.setText(message)
        while self._actions.count():
            item = self._actions.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        for text, callback in actions:
            button = QPushButton(text)
            button.clicked.connect(callback)
            self._actions.addWidget(button)
        self.show()

    def dismiss(self, owner: str | None = None) -> None:
        """Take the message down (only if ``owner`` put it up, when given)."""
        if owner is None or owner == self.owner:
            self.hide()
