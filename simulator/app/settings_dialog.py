"""Settings: keys, model, knowledge folder (with a cancellable re-index), demo options.

Edits a :class:`~simulator.preferences.Preferences` value and hands the new one back; the main
window saves it (owner-only file) and restarts the session. Secrets are shown masked, and a field
whose environment variable is set says so, because the environment wins over this file. In demo
mode (opened with the operator's PIN, at a booth where visitors look on) the key fields are not
built at all: no key is ever on screen, and the saved keys stay as they are.
Re-indexing is a command to the bridge, which reports progress; the dialog never touches the index.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from simulator.app.bridge import IndexOutcome, SessionBridge
from simulator.operator_pin import MIN_LENGTH, PinError, check_new_pin, hash_pin
from simulator.preferences import Preferences, with_changes
from simulator.settings import BUNDLED_KNOWLEDGE, DEFAULT_CEREBRAS_MODEL

MODELS = (DEFAULT_CEREBRAS_MODEL, "llama3.1-8b", "qwen-3-32b")


class SettingsDialog(QDialog):
    def __init__(
        self,
        preferences: Preferences,
        bridge: SessionBridge,
        *,
        saved_to: Path,
        environment: dict[str, str],
        flags: dict[str, str] | None = None,
        demo: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """``environment``: settings whose environment variable is set (it wins over this
        file); ``flags``: settings a command-line flag gives for this run (a value set here
        replaces the flag's at once, see :meth:`replaced_flags`)."""
        super().__init__(parent)
        self._flags = dict(flags or {})
        self._demo = demo
        self.setWindowTitle("Settings")
        self.setMinimumWidth(min(620, _available_width(parent)))
        self._preferences = preferences
        self._bridge = bridge
        self._environment = environment
        self.reindexed = False
        self._pin_hash: str | None = None
        self._secrets: list[QLineEdit] = []
        outer = QVBoxLayout(self)
        # The fields scroll on a small screen rather than being squeezed (descenders cut).
        content = QWidget()
        layout = QVBoxLayout(content)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer.addWidget(scroll, 1)
        self._content = content

        cerebras = QGroupBox("Cerebras (the agents' LLM)")
        form = QFormLayout(cerebras)
        self.cerebras_key = self._secret(
            preferences.cerebras_api_key, "csk-…  (empty: the offline responder answers)"
        )
        form.addRow("API key", self._key_field(self.cerebras_key, "cerebras_api_key"))
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.addItems(MODELS)
        self.model.setCurrentText(preferences.cerebras_model or DEFAULT_CEREBRAS_MODEL)
        form.addRow("Model", self._with_env(self.model, "cerebras_model"))
        self.base_url = QLineEdit(preferences.cerebras_base_url or "")
        self.base_url.setPlaceholderText(
            "default: Cerebras cloud (another compatible endpoint, without /v1)"
        )
        form.addRow("Endpoint", self._with_env(self.base_url, "cerebras_base_url"))
        self.offline = QCheckBox("Always use the offline responder (no network)")
        self.offline.setChecked(preferences.offline or "offline" in self._flags)
        self._offline_shown = self.offline.isChecked()
        form.addRow("", self._with_env(self.offline, "offline"))
        layout.addWidget(cerebras)

        voice = QGroupBox("Voice and rooms (used once voice and LiveKit rooms are enabled)")
        form = QFormLayout(voice)
        self.cartesia_key = self._secret(preferences.cartesia_api_key, "Cartesia API key")
        form.addRow("Cartesia key", self._key_field(self.cartesia_key, "cartesia_api_key"))
        self.livekit_url = QLineEdit(preferences.livekit_url or "")
        self.livekit_url.setPlaceholderText("wss://your-project.livekit.cloud")
        form.addRow("LiveKit URL", self._with_env(self.livekit_url, "livekit_url"))
        self.livekit_key = self._secret(preferences.livekit_api_key, "LiveKit API key")
        form.addRow("LiveKit key", self._key_field(self.livekit_key, "livekit_api_key"))
        self.livekit_secret = self._secret(preferences.livekit_api_secret, "LiveKit API secret")
        form.addRow("LiveKit secret", self._key_field(self.livekit_secret, "livekit_api_secret"))
        layout.addWidget(voice)

        layout.addWidget(self._knowledge_group(preferences))

        demo_group = QGroupBox("Demo mode (a kiosk for a booth)")
        form = QFormLayout(demo_group)
        self.demo_mode = QCheckBox("Demo mode, now and at every start")
        self.demo_mode.setChecked(demo or preferences.demo_mode)
        self.demo_mode.setToolTip(
            "Attract screen, large type, idle reset; Settings, sessions and quitting need the PIN"
        )
        form.addRow("", self.demo_mode)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText(
            "set: type a new one to change it"
            if preferences.demo_pin_hash
            else f"not set yet: at least {MIN_LENGTH} characters"
        )
        form.addRow("Operator PIN", self.pin)
        self.idle_reset = QSpinBox()
        self.idle_reset.setRange(0, 3600)
        self.idle_reset.setSuffix(" s")
        self.idle_reset.setSpecialValueText("never")
        self.idle_reset.setValue(preferences.demo_idle_reset_s)
        form.addRow("New conversation after idle", self.idle_reset)
        demo_note = QLabel(
            "Only the PIN's hash is saved. Large type, full screen and the lock apply at once."
        )
        demo_note.setObjectName("muted")
        demo_note.setWordWrap(True)
        form.addRow("", demo_note)
        layout.addWidget(demo_group)

        self.show_keys = QCheckBox("Show keys")
        self.show_keys.toggled.connect(self._show_secrets)
        self.show_keys.setVisible(not demo)
        layout.addWidget(self.show_keys)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b91c1c;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        note = QLabel(
            f"Saved to {saved_to}, readable only by you. Keys never appear in logs, "
            "session files or reports."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

        bridge.index_progress.connect(self._on_progress)
        bridge.index_finished.connect(self._on_index_finished)

    def showEvent(self, event: QShowEvent) -> None:
        """As big as its fields want, never bigger than the screen."""
        super().showEvent(event)
        screen = self.screen()
        if screen is None:
            return
        available = screen.availableGeometry()
        room = available.size()
        owner = self.parentWidget()
        if owner is not None:  # never taller than the window it belongs to (a booth's screen)
            room = room.boundedTo(owner.window().size())
        wanted = self._content.sizeHint() + QSize(40, self.buttons.sizeHint().height() + 40)
        self.resize(wanted.expandedTo(QSize(self.minimumWidth(), 0)).boundedTo(room))
        center = owner.window().geometry().center() if owner is not None else available.center()
        self.move(center - self.rect().center())

    def accept(self) -> None:
        """Refuse a PIN that cannot be used, or demo mode without any PIN, saying why."""
        problem = ""
        if self.pin.text().strip():
            try:
                check_new_pin(self.pin.text())
            except PinError as e:
                problem = str(e).capitalize() + "."
        elif self.demo_mode.isChecked() and not self._preferences.demo_pin_hash:
            problem = "Demo mode needs an operator PIN: type one under Demo mode."
        if problem:
            self.error.setText(problem)
            self.error.show()
            self.pin.setFocus()
            return
        self._pin_hash = hash_pin(self.pin.text()) if self.pin.text().strip() else None
        super().accept()

    def replaced_flags(self) -> set[str]:
        """The settings a flag gave that the user has set here (they win from now on)."""
        replaced = set()
        if "knowledge_dir" in self._flags and self.knowledge.text() != self._knowledge_shown:
            replaced.add("knowledge_dir")
        if "offline" in self._flags and self.offline.isChecked() != self._offline_shown:
            replaced.add("offline")
        return replaced

    def preferences(self) -> Preferences:
        """The preferences as edited (unchanged fields keep their values; in demo mode the keys
        were never on screen, so they keep theirs)."""
        model = self.model.currentText().strip()
        keys = {
            name: edit.text().strip()
            for name, edit in (
                ("cerebras_api_key", self.cerebras_key),
                ("cartesia_api_key", self.cartesia_key),
                ("livekit_api_key", self.livekit_key),
                ("livekit_api_secret", self.livekit_secret),
            )
            if not self._demo
        }
        return with_changes(
            self._preferences,
            **keys,
            cerebras_model="" if model == DEFAULT_CEREBRAS_MODEL else model,
            cerebras_base_url=self.base_url.text().strip(),
            offline=(
                self.offline.isChecked()
                if "offline" not in self._flags or "offline" in self.replaced_flags()
                else self._preferences.offline  # the flag's value is not the file's
            ),
            livekit_url=self.livekit_url.text().strip(),
            knowledge_dir=self.knowledge.text().strip(),
            demo_idle_reset_s=self.idle_reset.value(),
            demo_mode=self.demo_mode.isChecked(),
            demo_pin_hash=self._pin_hash or self._preferences.demo_pin_hash,
        )

    # -- knowledge and re-index ------------------------------------------------------------------

    def _knowledge_group(self, preferences: Preferences) -> QGroupBox:
        group = QGroupBox("Knowledge (your company's sales material)")
        column = QVBoxLayout(group)
        row = QHBoxLayout()
        self.knowledge = QLineEdit(preferences.knowledge_dir or "")
        current = self._bridge.settings.knowledge_dir
        self.knowledge.setPlaceholderText(
            "default: the bundled sample company"
            if current == BUNDLED_KNOWLEDGE
            else f"now: {current}"
        )
        self._knowledge_shown = self.knowledge.text()
        row.addWidget(self._with_env(self.knowledge, "knowledge_dir"), 1)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(browse)
        column.addLayout(row)
        row = QHBoxLayout()
        self.reindex_button = QPushButton("Re-index now")
        self.reindex_button.clicked.connect(self.start_reindex)
        row.addWidget(self.reindex_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        row.addWidget(self.progress, 1)
        self.cancel_button = QPushButton("Cancel re-index")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_reindex)
        row.addWidget(self.cancel_button)
        column.addLayout(row)
        self.index_status = QLabel("Only changed files are re-embedded.")
        self.index_status.setObjectName("muted")
        self.index_status.setWordWrap(True)
        self.index_status.setTextFormat(Qt.TextFormat.PlainText)
        column.addWidget(self.index_status)
        return group

    def knowledge_dir(self) -> Path:
        text = self.knowledge.text().strip()
        return Path(text).expanduser() if text else self._bridge.settings.knowledge_dir

    def start_reindex(self) -> None:
        folder = self.knowledge_dir()
        self.reindex_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.index_status.setText(f"Indexing {folder}…")
        self._bridge.reindex(folder)

    def cancel_reindex(self) -> None:
        self.cancel_button.setEnabled(False)
        self.index_status.setText("Cancelling after the current file…")
        self._bridge.cancel_reindex()

    def _on_progress(self, done: int, total: int, source: str) -> None:
        self.progress.setFormat("%v / %m files")
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.index_status.setText(f"Indexing {source}")

    def _on_index_finished(self, outcome: IndexOutcome) -> None:
        self.reindex_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        self.index_status.setText(outcome.message)
        self.reindexed = outcome.error is None

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Knowledge folder", str(self.knowledge_dir())
        )
        if folder:
            self.knowledge.setText(folder)

    # -- field helpers -------------------------------------------------------------------------

    def _secret(self, value: str | None, placeholder: str) -> QLineEdit:
        edit = QLineEdit("" if self._demo else value or "")
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setPlaceholderText(placeholder)
        self._secrets.append(edit)
        return edit

    def _show_secrets(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        for edit in self._secrets:
            edit.setEchoMode(mode)

    def _key_field(self, edit: QLineEdit, name: str) -> QWidget:
        """The key's field, or in demo mode a note in its place (the key is never shown)."""
        if not self._demo:
            return self._with_env(edit, name)
        note = QLabel("hidden in demo mode (leave demo mode to change it)")
        note.setObjectName("muted")
        return note

    def _with_env(self, field: QWidget, name: str) -> QWidget:
        """``field``, with a note under it when the environment or a flag sets its value."""
        variable = self._environment.get(name)
        flag = self._flags.get(name)
        if flag is not None:
            text = f"{flag} sets this for this run; a value changed here replaces it now."
        elif variable is not None:
            text = f"{variable} is set in the environment and wins over this value."
        else:
            return field
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(field)
        note = QLabel(text)
        note.setObjectName("muted")
        note.setWordWrap(True)
        column.addWidget(note)
        return box


def _available_width(parent: QWidget | None) -> int:
    screen = parent.screen() if parent is not None else None
    return screen.availableGeometry().width() if screen is not None else 620
