"""Demo mode's lock: what a booth visitor must not reach needs the operator's PIN.

Settings, opening and saving sessions, the report, replay, leaving full screen and quitting all
go through :meth:`KioskLock.allows`. Unlocked (normal mode) it says yes; locked it asks for the
PIN in a :class:`PinDialog` and runs the action again once the right PIN was typed, so a refused
action simply never happens. Wrong PINs are counted across dialogs: after
:data:`MAX_TRIES` the PIN field rests for :data:`REST_S` seconds, so guessing takes hours.
The PIN is checked against its scrypt hash (:mod:`simulator.operator_pin`); it is never stored.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from simulator.operator_pin import PinError, check_new_pin, hash_pin, pin_matches

MAX_TRIES = 5
REST_S = 30


class PinDialog(QDialog):
    """Asks the operator's PIN for one purpose ("open Settings"); stays open on a wrong PIN."""

    def __init__(
        self, purpose: str, check: Callable[[str], bool], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Operator PIN")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._check = check
        column = QVBoxLayout(self)
        self.prompt = QLabel(f"For the booth's operator: type the PIN to {purpose}.")
        self.prompt.setWordWrap(True)
        column.addWidget(self.prompt)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("PIN")
        column.addWidget(self.pin)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b91c1c;")
        self.error.setVisible(False)
        column.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
        self.setMinimumWidth(420)

    def accept(self) -> None:
        if self._check(self.pin.text()):
            super().accept()
            return
        self.pin.clear()
        self.error.setVisible(True)

    def say(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))


class PinSetupDialog(QDialog):
    """The operator chooses a PIN (twice); :attr:`pin_hash` is set once accepted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose the operator PIN")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.pin_hash: str | None = None
        column = QVBoxLayout(self)
        note = QLabel(
            "Demo mode locks Settings, sessions and quitting behind a PIN. Choose it now "
            "(at least 4 characters); only its hash is saved."
        )
        note.setWordWrap(True)
        column.addWidget(note)
        self.pin = QLineEdit()
        self.again = QLineEdit()
        for edit, text in ((self.pin, "PIN"), (self.again, "The same PIN again")):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText(text)
            column.addWidget(edit)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b91c1c;")
        column.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
        self.setMinimumWidth(460)

    def accept(self) -> None:
        try:
            pin = check_new_pin(self.pin.text())
        except PinError as e:
            self.error.setText(str(e).capitalize() + ".")
            return
        if self.again.text().strip() != pin:
            self.error.setText("The two PINs differ: type the same PIN twice.")
            return
        self.pin_hash = hash_pin(pin)
        super().accept()


class KioskLock(QObject):
    """Guards the operator's actions while :attr:`locked` (demo mode)."""

    def __init__(self, window: QWidget, pin_hash: Callable[[], str | None]) -> None:
        super().__init__(window)
        self._window = window
        self._pin_hash = pin_hash
        self.locked = False
        self.dialog: PinDialog | None = None
        """The PIN dialog on screen, if any (tests type into it)."""
        self._granted = False
        self._failures = 0
        self._rest = QTimer(self)
        self._rest.setSingleShot(True)
        self._rest.timeout.connect(self._rested)

    def allows(self, purpose: str, retry: Callable[[], object]) -> bool:
        """``True`` to go ahead now; otherwise the PIN is asked and ``retry`` runs once it was
        right (and never if the dialog is cancelled)."""
        if not self.locked or self._granted:
            return True
        self.ask(purpose, retry)
        return False

    def ask(self, purpose: str, then: Callable[[], object]) -> PinDialog:
        """Ask the PIN for ``purpose``; run ``then`` with the lock open once it is right."""
        self.dismiss()
        dialog = PinDialog(purpose, self._check, self._window)
        dialog.accepted.connect(lambda: self.run_granted(then))
        dialog.finished.connect(lambda _result: self._forget(dialog))
        self.dialog = dialog
        if self._rest.isActive():
            self._resting(dialog)
        dialog.open()
        dialog.pin.setFocus()
        return dialog

    def dismiss(self) -> None:
        """Close a PIN dialog left open (the idle reset, the visitor walked away)."""
        if self.dialog is not None:
            self.dialog.reject()

    def _check(self, pin: str) -> bool:
        if self._rest.isActive():
            return False
        if pin_matches(pin, self._pin_hash()):
            self._failures = 0
            return True
        self._failures += 1
        if self.dialog is not None:
            self.dialog.say("Wrong PIN.")
            if self._failures >= MAX_TRIES:
                self._rest.start(REST_S * 1000)
                self._resting(self.dialog)
        return False

    def _resting(self, dialog: PinDialog) -> None:
        dialog.pin.setEnabled(False)
        dialog.say(f"Too many wrong PINs: try again in {REST_S} s.")

    def _rested(self) -> None:
        self._failures = 0
        if self.dialog is not None:
            self.dialog.pin.setEnabled(True)
            self.dialog.say("")

    def run_granted(self, then: Callable[[], object]) -> None:
        """Run ``then`` as if the PIN had just been typed for it."""
        self._granted = True
        try:
            then()
        finally:
            self._granted = False

    def _forget(self, dialog: PinDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
