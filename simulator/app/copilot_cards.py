"""Rep mode's co-pilot in the context panel: what the rep wants at hand, for their eyes only.

For each customer line (:class:`~simulator.events.CopilotContextEvent`) the panel shows the
objection it raises with the playbook's prepared response and the questions to ask, the look-ups
it called for, then the passages ranked for it; for a private question
(:class:`~simulator.events.CopilotAnswerEvent`) the answer and the passages it cites. These
functions build those cards; :class:`~simulator.app.context_panel.ContextPanel` places them.
Text is set as plain text: nothing in a document is read as markup.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from simulator.app import theme
from simulator.events import CopilotAnswerEvent, CopilotContextEvent

PRIVATE = "only you see this"
TITLE = "CO-PILOT"


def context_heading(event: CopilotContextEvent, turn: int) -> str:
    return f"Co-pilot for the customer's line in turn {turn} ({PRIVATE})"


def context_summary(event: CopilotContextEvent) -> str:
    found = len(event.passages)
    return (
        f"Ranked for “{event.line}” in {event.elapsed_ms:.0f} ms · "
        f"{found} passage{'s' if found != 1 else ''}"
    )


def context_cards(event: CopilotContextEvent) -> list[QWidget]:
    """The objection and its prepared response, the questions to ask, then the look-ups (the
    passages follow as the panel's usual cards)."""
    cards: list[QWidget] = []
    if event.objection:
        body = f"Objection: {event.objection}"
        if event.prepared_response:
            body += f"\n\nPrepared response:\n“{event.prepared_response}”"
        if event.playbook_section:
            body += f"\n\n— objection-handling playbook › {event.playbook_section}"
        cards.append(_card(body, "playbook", "#f5edfc", "#d8b4fe"))
    if event.questions_to_ask:
        cards.append(
            _card(
                "You could ask:\n" + "\n".join(f"• {q}" for q in event.questions_to_ask),
                "questions",
                "#f0fdf4",
                "#bbf7d0",
            )
        )
    for lookup in event.lookups:
        cards.append(
            _card(
                f"Looked up {lookup.name}({lookup.argument}):\n{lookup.output}",
                "lookup",
                "#fffbeb",
                "#fde68a",
            )
        )
    return cards


def answer_heading(event: CopilotAnswerEvent) -> str:
    return f"The co-pilot's answer ({PRIVATE}; the customer never sees it)"


def answer_cards(event: CopilotAnswerEvent) -> list[QWidget]:
    sources = "; ".join(f"{p.source} › {p.section}" for p in event.passages)
    cited = ("Closest: " if not event.answered else "From: ") + sources if sources else ""
    body = f"You asked: {event.question}\n\n{event.answer}" + (f"\n\n{cited}" if cited else "")
    return [_card(body, "copilotAnswer", "#eef2ff", "#c7d2fe")]


def _card(text: str, name: str, background: str, border: str) -> QLabel:
    label = theme.wrapped_label(text, object_name=name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setStyleSheet(
        f"QLabel#{name} {{ background: {background}; border: 1px solid {border}; "
        f"border-radius: 6px; padding: 8px; color: {theme.INK}; }}"
    )
    return label


KINDS = ("playbook", "questions", "lookup", "copilotAnswer")
"""The object names of the co-pilot's cards."""
