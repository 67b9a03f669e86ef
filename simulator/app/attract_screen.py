"""Demo mode's attract screen: what a passer-by sees from a few metres away, and two ways in.

Shown at start and after every idle reset. "Talk to our sales team" opens the conversation with
the Greeter; "Watch a rehearsal" lists the AI customers (who, the scenario, how hard) and one
touch starts that rehearsal. Large type, no menus, nothing that leads out of the app.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from simulator.app import theme
from simulator.app.persona_list import DIFFICULTY_COLOURS, persona_scenario, persona_title
from simulator.personas.model import Persona

TALK = "Talk to our sales team"
REHEARSE = "Watch a rehearsal: pick a customer"
_CARD = """
QPushButton#attractChoice {{ background: {bg}; border: none; border-radius: 18px; }}
QPushButton#attractChoice:disabled {{ background: #334155; }}
"""


class AttractScreen(QFrame):
    talk = Signal()
    rehearse = Signal(str)
    """A persona id: the visitor wants to watch that customer's rehearsal."""
    operator = Signal()
    """The operator's discreet button (the PIN is asked next)."""

    def __init__(self, personas: Sequence[Persona], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attract")
        self.setStyleSheet(
            f"QFrame#attract {{ background: {theme.HEADER}; }}"
            "QFrame#attract QLabel { color: #f8fafc; background: transparent; }"
        )
        # Never the reason the window cannot shrink (it shares the window with the session).
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._personas = list(personas)
        self._pages = QStackedLayout()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(80, 60, 80, 60)
        outer.addLayout(self._pages)
        self._pages.addWidget(self._welcome_page())
        self._pages.addWidget(self._personas_page())
        self.set_ready(False)

    # -- what the window and tests use ---------------------------------------------------------

    def show_welcome(self) -> None:
        self._pages.setCurrentIndex(0)

    def choosing_customer(self) -> bool:
        return self._pages.currentIndex() == 1

    def set_ready(self, ready: bool) -> None:
        """The choices wait for the sales team; meanwhile the screen says it is starting."""
        for button in [self.talk_button, self.rehearse_button, *self.persona_buttons.values()]:
            button.setEnabled(ready)
        self.rehearse_button.setEnabled(ready and bool(self._personas))
        self.starting.setText("" if ready else "The sales team is getting ready…")

    # -- pages ---------------------------------------------------------------------------------

    def _welcome_page(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setSpacing(24)
        column.addStretch(2)
        kicker = QLabel("SALES SIMULATOR")
        theme.styled(
            kicker, lambda: f"color: #94a3b8; font-size: {theme.pt(14)}; letter-spacing: 4px;"
        )
        column.addWidget(kicker, 0, Qt.AlignmentFlag.AlignHCenter)
        headline = QLabel("Meet an AI sales team that answers from our own material")
        headline.setWordWrap(True)
        headline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        theme.styled(headline, lambda: f"font-size: {theme.pt(30)}; font-weight: bold;")
        column.addWidget(headline)
        sub = QLabel(
            "A Greeter hands you to a Technical or a Pricing Specialist. Every figure is checked "
            "against the sales material, and every reply is timed."
        )
        sub.setWordWrap(True)
        sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        theme.styled(sub, lambda: f"color: #cbd5e1; font-size: {theme.pt(15)};")
        column.addWidget(sub)
        column.addSpacing(30)
        row = QHBoxLayout()
        row.setSpacing(40)
        self.talk_button = self._choice(
            TALK, "Type a question as a customer would", theme.colour("greeter").name()
        )
        self.talk_button.clicked.connect(self.talk)
        self.rehearse_button = self._choice(
            REHEARSE,
            "An AI customer talks to the team while you watch",
            theme.colour("pricing").name(),
        )
        self.rehearse_button.clicked.connect(lambda: self._pages.setCurrentIndex(1))
        row.addWidget(self.talk_button, 1)
        row.addWidget(self.rehearse_button, 1)
        column.addLayout(row)
        self.starting = QLabel("")
        self.starting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        theme.styled(self.starting, lambda: f"color: #94a3b8; font-size: {theme.pt(13)};")
        column.addWidget(self.starting)
        column.addStretch(3)
        self.operator_button = QPushButton("Operator")
        self.operator_button.setToolTip("For the booth's operator: needs the PIN")
        self.operator_button.setStyleSheet(
            "QPushButton { background: transparent; color: #475569; border: none; }"
        )
        self.operator_button.clicked.connect(self.operator)
        column.addWidget(self.operator_button, 0, Qt.AlignmentFlag.AlignRight)
        return page

    def _personas_page(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setSpacing(20)
        top = QHBoxLayout()
        back = QPushButton("‹  Back")
        theme.styled(
            back,
            lambda: (
                "QPushButton { background: transparent; color: #e2e8f0; "
                f"font-size: {theme.pt(14)}; border: 1px solid #475569; padding: 10px 22px; }}"
            ),
        )
        back.clicked.connect(self.show_welcome)
        top.addWidget(back)
        title = QLabel("Pick a customer: the team will answer them while you watch")
        title.setWordWrap(True)
        theme.styled(title, lambda: f"font-size: {theme.pt(22)}; font-weight: bold;")
        top.addWidget(title, 1)
        column.addLayout(top)
        grid = QGridLayout()
        grid.setSpacing(20)
        self.persona_buttons: dict[str, PersonaCard] = {}
        columns = 2 if len(self._personas) <= 4 else 3
        for i, persona in enumerate(self._personas):
            button = self._persona_card(persona)
            grid.addWidget(button, i // columns, i % columns)
            self.persona_buttons[persona.id] = button
        for index in range(columns):
            grid.setColumnStretch(index, 1)  # equal columns, whatever the names' lengths
        column.addLayout(grid)
        column.addStretch(1)
        return page

    def _choice(self, title: str, line: str, background: str) -> QPushButton:
        """A big touch target: the choice in bold, what happens next under it."""
        button = QPushButton()
        button.setObjectName("attractChoice")
        button.setAccessibleName(title)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setStyleSheet(_CARD.format(bg=background))
        inside = QVBoxLayout(button)
        inside.setContentsMargins(36, 28, 36, 28)
        inside.setSpacing(12)
        for text, size, weight in ((title, 22, "bold"), (line, 15, "normal")):
            label = QLabel(text)
            label.setWordWrap(True)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            inside.addWidget(label)
            theme.styled(
                label,
                functools.partial(_font_style, size, weight),
                # as tall as its text, in whatever type size the app has now
                then=lambda: button.setMinimumHeight(inside.sizeHint().height() + 20),
            )
        return button

    def _persona_card(self, persona: Persona) -> PersonaCard:
        card = PersonaCard(persona)
        card.clicked.connect(lambda: self.rehearse.emit(persona.id))
        return card


class PersonaCard(QFrame):
    """A persona as a big touch target (who, how hard, the scenario), as tall as its text."""

    clicked = Signal()

    def __init__(self, persona: Persona, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("personaCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(
            "QFrame#personaCard { background: #1e293b; border: 1px solid #334155; "
            "border-radius: 14px; }"
            "QFrame#personaCard:hover { background: #273449; }"
        )
        inside = QVBoxLayout(self)
        inside.setContentsMargins(22, 16, 22, 18)
        inside.setSpacing(8)
        name = QLabel(persona_title(persona))
        name.setWordWrap(True)
        theme.styled(name, lambda: f"font-size: {theme.pt(15)}; font-weight: bold;")
        difficulty = QLabel(persona.difficulty)
        badge = DIFFICULTY_COLOURS.get(persona.difficulty, theme.MUTED)
        theme.styled(
            difficulty,
            lambda: (
                f"color: white; background: {badge}; border-radius: 8px; padding: 2px 10px; "
                f"font-size: {theme.pt(11)};"
            ),
        )
        head = QHBoxLayout()
        head.addWidget(name, 1)
        head.addWidget(difficulty, 0, Qt.AlignmentFlag.AlignTop)
        inside.addLayout(head)
        scenario = QLabel(persona_scenario(persona))
        scenario.setWordWrap(True)
        theme.styled(scenario, lambda: f"color: #cbd5e1; font-size: {theme.pt(12)};")
        inside.addWidget(scenario)
        inside.addStretch(1)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.isEnabled() and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()


def _font_style(size: float, weight: str) -> str:
    return f"font-size: {theme.pt(size)}; font-weight: {weight};"
