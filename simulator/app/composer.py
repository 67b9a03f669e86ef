"""Where the customer types (always) and, when the session has a voice, holds to talk.

It only emits what the user asked for (``submitted``, ``talk``, ``open_mic``); the main window
decides whether the team can take a turn now and clears the box when it did. While the team is
starting or answering, the box stays editable (type ahead) and Send waits. Push-to-talk is the
default (the microphone is heard only while the button is held, so a booth's noise never becomes
a turn); "Open mic" leaves it on and lets voice activity end each turn. Without a microphone
both are disabled and their tooltip says why: the customer types.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QPushButton, QWidget

VOICE_UNAVAILABLE = "Voice starts with the sales team; type for now."


class Composer(QFrame):
    submitted = Signal(str)
    talk = Signal(bool)
    """Push-to-talk: ``True`` when the button is pressed, ``False`` when it is released."""
    open_mic = Signal(bool)

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
        self.talk_button = QPushButton("● Hold to talk")
        self.talk_button.pressed.connect(lambda: self._talk(True))
        self.talk_button.released.connect(lambda: self._talk(False))
        layout.addWidget(self.talk_button)
        self.open_mic_button = QPushButton("Open mic")
        self.open_mic_button.setCheckable(True)
        self.open_mic_button.toggled.connect(self._toggle_open_mic)
        self.open_mic_button.setStyleSheet(
            "QPushButton:checked { background: #b91c1c; color: white; border: none; }"
        )
        layout.addWidget(self.open_mic_button)
        self.talking = False
        self.set_voice(voice_available, VOICE_UNAVAILABLE)
        self.set_ready(False, "The sales team is starting…")

    def set_ready(self, ready: bool, placeholder: str) -> None:
        """Whether a turn can be sent now, and what the empty box says."""
        self.send_button.setEnabled(ready)
        self.input.setPlaceholderText(placeholder)

    def set_voice(self, can_talk: bool, notice: str) -> None:
        """Enable push-to-talk when a microphone is heard; ``notice`` says what the voice is (or why
        not)."""
        if not can_talk and self.open_mic_button.isChecked():
            self.open_mic_button.setChecked(False)
        for button in (self.talk_button, self.open_mic_button):
            button.setEnabled(can_talk)
        self.open_mic_button.setVisible(can_talk)  # one disabled voice button is enough to explain
        self.talk_button.setToolTip(
            notice if not can_talk else f"{notice}\nHold the button while you speak."
        )
        self.open_mic_button.setToolTip(
            notice if not can_talk else "Keep the microphone on; a pause ends your turn."
        )

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

    def _talk(self, pressed: bool) -> None:
        if pressed == self.talking or not self.talk_button.isEnabled():
            return
        self.talking = pressed
        self.talk_button.setText("● Listening… release to send" if pressed else "● Hold to talk")
        self.talk.emit(pressed)

    def _toggle_open_mic(self, on: bool) -> None:
        self.open_mic_button.setText("Mic is open" if on else "Open mic")
        self.open_mic.emit(on)
