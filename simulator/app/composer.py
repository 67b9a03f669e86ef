"""Where the customer types (always) and, once voice lands, holds to talk.

It only emits what the user asked for (``submitted``); the main window decides whether the team
can take a turn now and clears the box when it did. While the team is starting or answering,
the box stays editable (type ahead) and Send waits.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QPushButton, QWidget

VOICE_UNAVAILABLE = ("Push-to-talk arrives with voice (issue 5): Cartesia or the offline voice. "
                     "Type for now.")


class Composer(QFrame):
    submitted = Signal(str)

    def __init__(self, *, voice_available: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.input = QLineEdit()
        self.input.setObjectName("composer")
        self.input.setClearButtonEnabled(True)
        self.input.returnPressed.connect(self._submit)
        layout.addWidget(self.input, 1)
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("primary")
        self.send_button.clicked.connect(self._submit)
        layout.addWidget(self.send_button)
        self.talk_button = QPushButton("Hold to talk")
        self.talk_button.setEnabled(voice_available)
        self.talk_button.setToolTip("" if voice_available else VOICE_UNAVAILABLE)
        layout.addWidget(self.talk_button)
        self.set_ready(False, "The sales team is starting…")

    def set_ready(self, ready: bool, placeholder: str) -> None:
        """Whether a turn can be sent now, and what the empty box says."""
        self.send_button.setEnabled(ready)
        self.input.setPlaceholderText(placeholder)

    def set_locked(self, locked: bool, placeholder: str = "") -> None:
        """Viewing a saved session: nothing can be typed."""
        self.input.setReadOnly(locked)
        if locked:
            self.send_button.setEnabled(False)
            self.input.setPlaceholderText(placeholder)

    def take_text(self) -> str:
        text = self.input.text()
        self.input.clear()
        return text

    def _submit(self) -> None:
        text = self.input.text().strip()
        if text and self.send_button.isEnabled() and not self.input.isReadOnly():
            self.submitted.emit(text)
