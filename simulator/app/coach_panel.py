"""The Customer / Coach switch and Coach mode's controls, always in view.

In Customer mode the user types as the customer. Coach mode (an AI customer driven by a persona,
with the user pausing, stepping and whispering to the agent) arrives with the personas work;
until it lands its controls are present, disabled, and say why, so nobody at a booth wonders
whether a button is broken.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from simulator.app import theme

COACH_UNAVAILABLE = "Coach mode arrives with personas (issue 4)"
NOTE = "(arrives with personas)"


class CoachPanel(QFrame):
    mode_changed = Signal(str)
    """``customer`` or ``coach``."""

    def __init__(self, personas: list[str], *, coach_available: bool = False,
                 unavailable_reason: str = COACH_UNAVAILABLE, compact: bool = False,
                 parent: QWidget | None = None) -> None:
        """``compact`` (demo mode's large type) leaves out the visible note; the tooltips stay."""
        super().__init__(parent)
        self.setObjectName("panel")
        self._compact = compact
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(8)
        title = QLabel("MODE")
        title.setObjectName("panelTitle")
        layout.addWidget(title)

        self.customer_button = self._toggle("Customer", "Customer mode: you type as the customer")
        self.coach_button = self._toggle("Coach", "Coach mode: an AI customer plays a persona while you coach the agent")
        self.customer_button.setChecked(True)
        self.modes = QButtonGroup(self)
        self.modes.setExclusive(True)
        self.modes.addButton(self.customer_button)
        self.modes.addButton(self.coach_button)
        self.modes.buttonToggled.connect(self._on_toggled)
        layout.addWidget(self.customer_button)
        layout.addWidget(self.coach_button)
        layout.addSpacing(12)

        self.persona = QComboBox()
        self.persona.addItems(personas or ["No personas yet"])
        self.persona.setMinimumContentsLength(14)
        self.play = QPushButton("Play")
        self.pause = QPushButton("Pause")
        self.step = QPushButton("Step")
        self.whisper = QLineEdit()
        self.whisper.setPlaceholderText("Whisper to the agent…")
        self.whisper.setMinimumWidth(120)
        self.take_over = QPushButton("Take over")
        self.hand_back = QPushButton("Hand back")
        self.coach_controls: list[QWidget] = [self.persona, self.play, self.pause, self.step, self.whisper,
                                              self.take_over, self.hand_back]
        for widget in self.coach_controls:
            layout.addWidget(widget, 2 if widget is self.whisper else 0)
        self.note = QLabel(NOTE)
        self.note.setObjectName("muted")
        self.note.setStyleSheet(f"color: {theme.MUTED}; font-style: italic;")
        layout.addWidget(self.note, 1)
        self.set_coach_available(coach_available, unavailable_reason)

    @property
    def mode(self) -> str:
        return "coach" if self.coach_button.isChecked() else "customer"

    def set_coach_available(self, available: bool, reason: str = COACH_UNAVAILABLE) -> None:
        tip = "" if available else reason
        for widget in [self.coach_button, *self.coach_controls]:
            widget.setEnabled(available)
            widget.setToolTip(tip)
        self.note.setVisible(not available and not self._compact)
        self.note.setToolTip(reason)
        if not available:
            self.customer_button.setChecked(True)

    def _toggle(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setCheckable(True)
        button.setToolTip(tip)
        button.setStyleSheet("QPushButton:checked { background: #1e293b; color: white; border-color: #1e293b; }")
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        return button

    def _on_toggled(self, button: QPushButton, checked: bool) -> None:
        if checked:
            self.mode_changed.emit("coach" if button is self.coach_button else "customer")
