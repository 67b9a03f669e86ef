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
from PySide6.QtGui import QFontMetrics, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from simulator.app import theme
from simulator.operator_pin import PinError, check_new_pin, hash_pin, pin_matches

MAX_TRIES = 5
REST_S = 30


BOOTH_TARGET_LINES = 2.8
"""In the booth's large type a button or PIN field is this many lines of text tall (~60 px): a
target for a finger, not a mouse."""


class _OperatorDialog(QDialog):
    """What the PIN dialogs share: a note, password fields, a red error line and OK/Cancel,
    with big targets and a wide field when the app is in the booth's large type."""

    def __init__(self, title: str, note: str, fields: list[str], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        column = QVBoxLayout(self)
        self.prompt = QLabel(note)
        self.prompt.setWordWrap(True)
        column.addWidget(self.prompt)
        self.fields: list[QLineEdit] = []
        for placeholder in fields:
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText(placeholder)
            column.addWidget(edit)
            self.fields.append(edit)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.SLOW};")
        self.error.setVisible(False)
        column.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        column.addWidget(self.buttons)
        self._fit(column)

    def say(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _fit(self, column: QVBoxLayout) -> None:
        """At a desk, an ordinary dialog; in the booth (large type), big targets."""
        app = QApplication.instance()
        booth = isinstance(app, QApplication) and theme.scale_of(app) > 1.01
        line = QFontMetrics(self.font()).height()
        self.setMinimumWidth(line * (34 if booth else 22))
        if not booth:
            return
        self.setObjectName("boothDialog")
        column.setContentsMargins(line, line, line, line)
        column.setSpacing(line // 2)
        target = round(line * BOOTH_TARGET_LINES)
        for edit in self.fields:
            edit.setMinimumHeight(target)
            edit.setStyleSheet(f"font-size: {theme.pt(18)}; letter-spacing: 4px;")
        for button in self.buttons.buttons():
            button.setIcon(QIcon())  # the platform's tick and cross crowd the words
            button.setMinimumSize(round(target * 2.6), target)


class PinDialog(_OperatorDialog):
    """Asks the operator's PIN for one purpose ("open Settings"); stays open on a wrong PIN."""

    def __init__(
        self, purpose: str, check: Callable[[str], bool], parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "Operator PIN",
            f"For the booth's operator: type the PIN to {purpose}.",
            ["PIN"],
            parent,
        )
        self._check = check
        self.pin = self.fields[0]

    def accept(self) -> None:
        if self._check(self.pin.text()):
            super().accept()
            return
        self.pin.clear()
        self.error.setVisible(True)


class PinSetupDialog(_OperatorDialog):
    """The operator chooses a PIN (twice); :attr:`pin_hash` is set once accepted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Choose the operator PIN",
            "Demo mode locks Settings, sessions and quitting behind a PIN. Choose it now "
            "(at least 4 characters); only its hash is saved.",
            ["PIN", "The same PIN again"],
            parent,
        )
        self.pin_hash: str | None = None
        self.pin, self.again = self.fields

    def accept(self) -> None:
        try:
            pin = check_new_pin(self.pin.text())
        except PinError as e:
            self.say(str(e).capitalize() + ".")
            return
        if self.again.text().strip() != pin:
            self.say("The two PINs differ: type the same PIN twice.")
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
