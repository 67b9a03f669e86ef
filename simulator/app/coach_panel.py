"""The Customer / Coach / Rep switch and Coach mode's controls, always in view.

In Customer mode the user types as the customer. In Coach mode an AI customer (a persona from
``personas/``) talks to the sales team by itself while the user plays, pauses, steps, whispers
to the agent, takes over the customer's role and hands it back. The switch shows who plays the
customer right now: clicking Customer during a rehearsal is a take-over, clicking Coach hands
back (or, with no rehearsal loaded, loads the chosen persona in a fresh conversation). Rep
turns it around: the chosen persona calls and the user sells to it; the whisper box becomes a
private question to the co-pilot, End hangs up, and Try again calls with the same persona afresh.

The panel only asks, with typed :mod:`commands <simulator.commands>`; what it shows comes from the
session's events (``ModeChangedEvent``, ``CoachStateEvent``), so a refused command never leaves a
control lying. When Coach mode cannot run (no personas, a saved session on screen) the controls
are disabled and say why.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from simulator.app import theme
from simulator.app.persona_list import PersonaItemDelegate, persona_data, persona_label
from simulator.commands import (
    AskCopilotCommand,
    Command,
    EndRehearsalCommand,
    HandBackCommand,
    PauseCommand,
    PlayCommand,
    PracticeCommand,
    SetModeCommand,
    SetPersonaCommand,
    SetSpeedCommand,
    StepCommand,
    TakeOverCommand,
    WhisperCommand,
)
from simulator.events import (
    COACH_SPEEDS,
    CoachState,
    CoachStateEvent,
    ConversationResetEvent,
    CustomerTypingEvent,
    Event,
    ModeChangedEvent,
    PracticeState,
    PracticeStateEvent,
    TranscriptEvent,
)
from simulator.personas.model import Persona

COACH_UNAVAILABLE = "Coach mode needs persona files in personas/ (none could be loaded)"
STARTING = "Coach mode is ready once the sales team has started"
_LOADED: tuple[CoachState, ...] = ("ready", "playing", "paused", "taken_over")
WHISPER_HINT = "Guidance for the agent's next reply; the customer never sees it. Enter sends."
ASK_HINT = (
    "Ask the co-pilot privately (prices, specs, stock); the customer never sees it. Enter asks."
)


class CoachPanel(QFrame):
    command = Signal(object)
    """A :data:`~simulator.commands.Command` the user asked for: load a persona, play, pause,
    step, whisper, take over, hand back, end."""
    scorecard_requested = Signal()
    speed_chosen = Signal(str)
    """The user chose Coach mode's pace (the window remembers it)."""

    def __init__(
        self,
        personas: Sequence[Persona] = (),
        *,
        coach_available: bool = True,
        unavailable_reason: str = STARTING,
        compact: bool = False,
        speed: str = "1x",
        parent: QWidget | None = None,
    ) -> None:
        """``compact`` (demo mode's large type) leaves out the visible notes; the tooltips stay."""
        super().__init__(parent)
        self.setObjectName("panel")
        self._compact = compact
        self._tips: dict[QWidget, str] = {}
        """Each control's tooltip while Coach mode is available (else it says why not)."""
        self._personas = list(personas)
        self._available = False
        self._reason = unavailable_reason
        self._labels: dict[QPushButton, tuple[str, str]] = {}
        """Buttons with a short form: (full text, symbol)."""
        self.state: CoachState | None = None
        """The rehearsal's play state, ``None`` before one was loaded."""
        self._last_state: CoachStateEvent | None = None
        self._lines_since_state = 0
        """Customer lines since :attr:`_last_state` (the session publishes a state only when
        it changes, so the turn count in the status would stand still while playing)."""
        self.practice_state: PracticeState | None = None
        """Rep mode's turn, ``None`` when no call was started."""
        self.current_mode = "customer"
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 6, 12, 6)
        column.setSpacing(6)
        top = QHBoxLayout()
        top.setSpacing(6)
        column.addLayout(top)
        self._column = column
        self._top_row = top
        title = QLabel("MODE")
        title.setObjectName("panelTitle")
        top.addWidget(title)

        self.customer_button = self._toggle(
            "Customer",
            "Customer mode: you are the customer (typing during a "
            "rehearsal takes over from the persona)",
        )
        self.coach_button = self._toggle(
            "Coach", "Coach mode: an AI customer plays a persona while you coach the agent"
        )
        self.rep_button = self._toggle(
            "Rep",
            "Rep mode: the AI customer calls and you sell to it; the team is your co-pilot",
        )
        self.customer_button.setChecked(True)
        self.modes = QButtonGroup(self)
        self.modes.setExclusive(True)
        self.modes.addButton(self.customer_button)
        self.modes.addButton(self.coach_button)
        self.modes.addButton(self.rep_button)
        self.modes.buttonClicked.connect(self._on_mode_clicked)
        top.addWidget(self.customer_button)
        top.addWidget(self.coach_button)
        top.addWidget(self.rep_button)
        top.addSpacing(10)

        self.persona = QComboBox()
        self.persona.setItemDelegate(PersonaItemDelegate(self.persona))
        for p in self._personas:
            self.persona.addItem(persona_label(p), p.id)
            for role, value in persona_data(p).items():
                self.persona.setItemData(self.persona.count() - 1, value, role)
        if not self._personas:
            self.persona.addItem("No personas")
        self.persona.setMinimumContentsLength(12)
        self.persona.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.persona.view().setMinimumWidth(self.persona.view().sizeHintForColumn(0))
        self.persona.activated.connect(self._on_persona_chosen)
        self._tips[self.persona] = (
            "The AI customer to rehearse with: the list says who, the scenario and how hard"
        )
        top.addWidget(self.persona)
        self.play = self._button(
            "▶ Play", "Let the persona and the team talk by themselves", PlayCommand()
        )
        self.pause = self._button("❚❚ Pause", "Stop after the exchange in flight", PauseCommand())
        self.step = self._button(
            "▶❚ Step",
            "One exchange (the persona's line and the team's answer), then pause",
            StepCommand(),
        )
        self.end = self._button(
            "■ End", "End the rehearsal now and show its scorecard", EndRehearsalCommand()
        )
        self.again = QPushButton("↻ Try again")
        self._short_form(self.again)
        self._tips[self.again] = "Rep mode: the same persona calls again, from the start"
        self.again.clicked.connect(self._try_again)
        for button in (self.play, self.pause, self.step, self.end, self.again):
            top.addWidget(button)
        self.speed = QComboBox()
        for name in COACH_SPEEDS:
            self.speed.addItem(f"Pace {name}", name)
        self.speed.setCurrentIndex(max(0, self.speed.findData(speed)))
        self.speed.activated.connect(self._on_speed_chosen)
        self.speed._tip = (  # type: ignore[attr-defined]
            "How fast the persona reads and types: 1x is a person's pace, instant does not wait"
        )
        top.addWidget(self.speed)
        top.addStretch(1)
        self.scorecard_button = QPushButton("Scorecard")
        self.scorecard_button.setToolTip(
            "How this conversation is going: objections, facts, claims, routing, latency"
        )
        self.scorecard_button.clicked.connect(self.scorecard_requested)
        top.addWidget(self.scorecard_button)

        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        column.addLayout(bottom)
        self.whisper_title = QLabel("WHISPER")
        self.whisper_title.setObjectName("panelTitle")
        bottom.addWidget(self.whisper_title)
        self.whisper = QLineEdit()
        self.whisper.setPlaceholderText(WHISPER_HINT)
        self.whisper.returnPressed.connect(self._send_whisper)
        self._tips[self.whisper] = "Only the agent reads it, in its next reply's prompt"
        bottom.addWidget(self.whisper, 3)
        # who is typing, getting ready, paused: the live indicator, on the row with room for it
        # (squeezed between the top row's buttons it showed 'Der…' at 1280 and nothing at 1024)
        self.status = theme.ElidedLabel("")
        self.status.setObjectName("muted")
        self.status.setMinimumWidth(self.status.fontMetrics().averageCharWidth() * 22)
        bottom.addWidget(self.status, 2)
        self.take_over = self._button(
            "Take over",
            "Play the customer yourself from here, with the same history",
            TakeOverCommand(),
        )
        self.hand_back = self._button(
            "Hand back", "Let the persona continue the conversation from here", HandBackCommand()
        )
        bottom.addWidget(self.take_over)
        bottom.addWidget(self.hand_back)
        self.note = theme.ElidedLabel("")
        self.note.setObjectName("muted")
        self.note.setStyleSheet(f"color: {theme.MUTED}; font-style: italic;")
        bottom.addWidget(self.note, 1)
        self.coach_controls: list[QWidget] = [
            self.persona,
            self.speed,
            self.play,
            self.pause,
            self.step,
            self.end,
            self.again,
            self.whisper,
            self.take_over,
            self.hand_back,
        ]
        self.set_coach_available(
            coach_available and bool(self._personas),
            unavailable_reason if self._personas else COACH_UNAVAILABLE,
        )

    # -- what the window and tests read ------------------------------------------------------------

    @property
    def mode(self) -> str:
        if self.rep_button.isChecked():
            return "rep"
        return "coach" if self.coach_button.isChecked() else "customer"

    @property
    def persona_id(self) -> str | None:
        chosen = self.persona.currentData()
        return chosen if isinstance(chosen, str) else None

    @property
    def rehearsal_loaded(self) -> bool:
        return self.state in _LOADED

    def choose_persona(self, persona_id: str) -> None:
        index = self.persona.findData(persona_id)
        if index >= 0:
            self.persona.setCurrentIndex(index)

    # -- state ---------------------------------------------------------------------------------

    def _counted_state(self) -> CoachStateEvent:
        """The last state, with the customer lines said since it."""
        assert self._last_state is not None
        turns = self._last_state.customer_turns + self._lines_since_state
        return self._last_state.model_copy(update={"customer_turns": turns})

    def set_compact(self, compact: bool) -> None:
        """Demo mode's large type: the visible notes go (their tooltips stay)."""
        self._compact = compact
        self.set_coach_available(self._available, self._reason)

    def set_coach_available(self, available: bool, reason: str = COACH_UNAVAILABLE) -> None:
        self._available = available and bool(self._personas)
        self._reason = reason if self._personas else COACH_UNAVAILABLE
        self.note.setText("" if self._available or self._compact else f"({self._reason})")
        self.note.setToolTip(self._reason)
        self.note.setVisible(bool(self.note.text()))
        self._refresh()

    def apply(self, event: Event) -> None:
        """Follow the session: who plays the customer, and the rehearsal's play state."""
        if isinstance(event, ModeChangedEvent):
            self.current_mode = event.mode
            self._show_mode(event.mode)
            if event.mode != "rep":
                self.practice_state = None
        elif isinstance(event, PracticeStateEvent):
            self.practice_state = event.state
            self.choose_persona(event.persona)
            self.status.setText(_practice_text(event, self._name()))
            self.status.setToolTip(event.detail)
        elif isinstance(event, CoachStateEvent):
            self.state = event.state
            self._last_state = event
            self._lines_since_state = 0
            self.choose_persona(event.persona)
            if event.speed is not None:
                self.speed.setCurrentIndex(max(0, self.speed.findData(event.speed)))
            self.status.setText(_status_text(event, self._name()))
            self.status.setToolTip(event.detail)
        elif (
            isinstance(event, CustomerTypingEvent)
            and event.typing
            and self.current_mode == "rep"
            and self.practice_state == "customer"
        ):
            self.status.setText(f"{self._name()} is typing…")
        elif isinstance(event, CustomerTypingEvent) and self.state == "playing":
            if event.typing:
                self.status.setText(f"{self._name()} is typing…")
            elif self._last_state is not None:
                self.status.setText(_status_text(self._counted_state(), self._name()))
        elif (
            isinstance(event, TranscriptEvent)
            and event.speaker == "customer"
            and self.state in ("playing", "taken_over")
            and self._last_state is not None
        ):
            self._lines_since_state += 1
            self.status.setText(_status_text(self._counted_state(), self._name()))
        elif isinstance(event, ConversationResetEvent) and self.state != "ready":
            self.state = None
            self.practice_state = None
            self.status.setText("")
            self.current_mode = "customer"
            self._show_mode("customer")
        self._refresh()

    def reset(self) -> None:
        """A new session (or a saved one on screen): nothing loaded."""
        self.state = None
        self.practice_state = None
        self.current_mode = "customer"
        self.status.setText("")
        self._show_mode("customer")
        self._refresh()

    def _refresh(self) -> None:
        available, state = self._available, self.state
        loaded = state in _LOADED
        enabled = {
            self.coach_button: available,
            self.persona: available and state != "playing",
            self.speed: available,
            self.play: available and state in (None, "ready", "paused", "ended"),
            self.step: available and state in (None, "ready", "paused", "ended"),
            self.pause: available and state == "playing",
            self.end: available and loaded,
            self.whisper: available and loaded,
            self.take_over: available and state in ("ready", "playing", "paused"),
            self.hand_back: available and state == "taken_over",
            self.again: False,
        }
        rep = self.current_mode == "rep"
        if rep:  # the persona calls; the team only prepares the rep
            calling = self.practice_state in ("customer", "rep")
            for control in (self.play, self.step, self.pause, self.take_over, self.hand_back):
                enabled[control] = False
            enabled[self.end] = available and calling
            enabled[self.whisper] = available and calling
            enabled[self.again] = available and self.practice_state is not None
        self.whisper_title.setText("ASK CO-PILOT" if rep else "WHISPER")
        self.whisper.setPlaceholderText(ASK_HINT if rep else WHISPER_HINT)
        self._tips[self.whisper] = (
            "Only you see the question and the answer, from the company's material"
            if rep
            else "Only the agent reads it, in its next reply's prompt"
        )
        enabled[self.rep_button] = available
        for widget, on in enabled.items():
            widget.setEnabled(on)
            widget.setToolTip(self._tips.get(widget, "") if available else self._reason)
        self.customer_button.setEnabled(True)

    # -- user gestures -------------------------------------------------------------------------

    def _toggle(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setCheckable(True)
        button.setToolTip(tip)
        self._tips[button] = tip
        button.setStyleSheet(
            "QPushButton:checked { background: #1e293b; color: white; border-color: #1e293b; }"
        )
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        return button

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_labels()

    def _fit_labels(self) -> None:
        """Symbols alone on the play controls when the bar is too narrow for their words (the
        tooltips say the rest); the row's own size hint, with the words, decides."""
        margins = self._column.contentsMargins()
        room = self.width() - margins.left() - margins.right()
        wanted = self._top_row.sizeHint().width() + sum(
            button.fontMetrics().horizontalAdvance(full) - button.fontMetrics().horizontalAdvance(b)
            for button, (full, _short) in self._labels.items()
            if (b := button.text()) != full
        )
        compact = room < wanted
        for button, (full, short) in self._labels.items():
            button.setText(short if compact else full)

    def _short_form(self, button: QPushButton) -> None:
        """A button whose text starts with a symbol ("▶ Play") can shrink to the symbol; the symbol
        sets its minimum width, so the window can be narrower than the full words want."""
        text = button.text()
        symbol = text.split(" ")[0]
        if symbol == text or symbol[0].isalnum():
            return
        self._labels[button] = (text, symbol)
        button.setText(symbol)
        button.ensurePolished()
        button.setMinimumWidth(button.sizeHint().width())
        button.setText(text)

    def _button(self, text: str, tip: str, command: Command) -> QPushButton:
        button = QPushButton(text)
        self._short_form(button)
        button.setToolTip(tip)
        self._tips[button] = tip
        if isinstance(command, (PlayCommand, StepCommand)):
            button.clicked.connect(lambda: self._play(command))
        else:
            button.clicked.connect(lambda: self.command.emit(command))
        return button

    def _play(self, command: Command) -> None:
        if not self.rehearsal_loaded and self.persona_id:
            # Nothing loaded (or the last rehearsal ended): load the chosen persona first.
            self.command.emit(SetPersonaCommand(persona=self.persona_id))
        self.command.emit(command)

    def _on_mode_clicked(self, button: QPushButton) -> None:
        """The switch means "who plays the customer": Customer during a rehearsal is a take-over;
        Coach hands back, or loads the chosen persona in a fresh conversation."""
        wanted = (
            "rep"
            if button is self.rep_button
            else "coach"
            if button is self.coach_button
            else "customer"
        )
        self._show_mode(self.current_mode)  # the session's event moves the switch, not the click
        if wanted == self.current_mode:
            return
        if wanted == "rep":
            if self.persona_id:
                self.command.emit(PracticeCommand(persona=self.persona_id))
        elif self.current_mode == "rep":
            self.command.emit(SetModeCommand(mode="coach" if wanted == "coach" else "customer"))
        elif wanted == "customer":
            if self.rehearsal_loaded:
                self.command.emit(TakeOverCommand())
        elif self.state == "taken_over":
            self.command.emit(HandBackCommand())
        elif not self.rehearsal_loaded and self.persona_id:
            self.command.emit(SetPersonaCommand(persona=self.persona_id))

    def _on_persona_chosen(self, _index: int) -> None:
        if self.persona_id and self.current_mode == "rep":
            self.command.emit(PracticeCommand(persona=self.persona_id))
        elif self.persona_id and (self.rehearsal_loaded or self.coach_button.isChecked()):
            self.command.emit(SetPersonaCommand(persona=self.persona_id))

    def _on_speed_chosen(self, _index: int) -> None:
        speed = self.speed.currentData()
        self.command.emit(SetSpeedCommand(speed=speed))
        self.speed_chosen.emit(speed)

    def _name(self) -> str:
        """The chosen persona's name ("Maria Alvarez"), not the list's label."""
        names = {p.id: p.name for p in self._personas}
        return names.get(self.persona_id or "", self.persona.currentText())

    def _send_whisper(self) -> None:
        text = self.whisper.text().strip()
        if text and self.whisper.isEnabled():
            if self.current_mode == "rep":
                self.command.emit(AskCopilotCommand(text=text))
            else:
                self.command.emit(WhisperCommand(text=text))
            self.whisper.clear()

    def _try_again(self) -> None:
        if self.persona_id:
            self.command.emit(PracticeCommand(persona=self.persona_id))

    def _show_mode(self, mode: str) -> None:
        button = {"coach": self.coach_button, "rep": self.rep_button}.get(
            mode, self.customer_button
        )
        blocked = self.modes.blockSignals(True)
        button.setChecked(True)
        self.modes.blockSignals(blocked)


def _status_text(event: CoachStateEvent, name: str) -> str:
    turns = f"turn {event.customer_turns}/{event.max_turns}"
    return {
        "ready": f"{name} is ready: press Play or Step",
        "playing": (
            "Getting ready (loading the encoder)…"
            if event.getting_ready
            else f"{name} is talking · {turns}"
        ),
        "paused": f"Paused · {turns}",
        "taken_over": f"You are the customer · {turns}",
        "ended": f"Rehearsal over · {turns}",
    }[event.state]


def _practice_text(event: PracticeStateEvent, name: str) -> str:
    turns = f"turn {event.customer_turns}/{event.max_turns}"
    return {
        "customer": f"{name} is on the call · {turns}",
        "rep": f"Your turn: answer {name} · {turns}",
        "ended": f"Call over · {turns}",
    }[event.state]
