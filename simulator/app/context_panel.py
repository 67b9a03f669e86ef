"""The passages an agent was given for a reply: source file, section, score and text.

This is where a sales rep sees *why* the agent said what it said. Live, it shows what the
current turn retrieved as soon as the retrieval lands; after a click on an earlier reply in the
transcript it shows that reply's passages and look-ups, until the next turn starts. In Rep mode
it is the co-pilot (:mod:`simulator.app.copilot_cards`): the help for each customer line, and the
answer to the rep's private question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QProgressBar, QVBoxLayout, QWidget

from simulator.app import copilot_cards, theme
from simulator.app.feed import EventFeed
from simulator.app.scrolling import WrappingScrollArea
from simulator.conversation import AgentReply
from simulator.events import (
    AGENT_NAMES,
    ConversationResetEvent,
    CopilotAnswerEvent,
    CopilotContextEvent,
    Event,
    Passage,
    RetrievalEvent,
    SessionStartedEvent,
    ToolCallEvent,
)

TITLE = "RETRIEVED CONTEXT"
EMPTY = "The passages each answer is built from appear here, with their source file and score."


class PassageCard(QFrame):
    def __init__(self, rank: int, passage: Passage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.passage = passage
        self.setObjectName("passage")
        self.setStyleSheet(
            f"QFrame#passage {{ background: #f8fafc; border: 1px solid {theme.LINE}; "
            "border-radius: 6px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(3)
        self.source_label = theme.wrapped_label(f"{rank}. {passage.source}")
        self.source_label.setStyleSheet(
            "font-weight: bold; font-family: 'DejaVu Sans Mono', monospace;"
        )
        layout.addWidget(self.source_label)
        section = theme.wrapped_label(passage.section, object_name="muted")
        layout.addWidget(section)
        score = QProgressBar()
        score.setRange(0, 100)
        score.setValue(round(passage.score * 100))
        score.setFormat(f"relevance {passage.score:.2f}")
        score.setTextVisible(True)
        score.setFixedHeight(16)
        theme.styled(
            score,
            lambda: (
                f"QProgressBar {{ border: none; background: {theme.LINE}; border-radius: 4px; "
                f"font-size: {theme.pt(8)}; color: {theme.INK}; "
                f"}} QProgressBar::chunk {{ background: #93c5fd; "
                "border-radius: 4px; }"
            ),
        )
        layout.addWidget(score)
        text = theme.wrapped_label(readable(passage.text))
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(text)


class ContextPanel(QFrame):
    def __init__(self, feed: EventFeed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._feed = feed
        self.shown_reply: int | None = None
        """The reply whose passages are shown, or ``None`` for the live turn."""
        self._retrieval: RetrievalEvent | None = None
        self._live_tools: list[ToolCallEvent] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        outer.setSpacing(6)
        self.title = QLabel(TITLE)
        self.title.setObjectName("panelTitle")
        outer.addWidget(self.title)
        self.heading = theme.wrapped_label()
        self.heading.setStyleSheet("font-weight: bold;")
        outer.addWidget(self.heading)
        self.query = theme.wrapped_label(object_name="muted")
        outer.addWidget(self.query)
        self._cards = QWidget()
        self._cards.setObjectName("cardsContent")
        self._cards_layout = QVBoxLayout(self._cards)
        self._cards_layout.setContentsMargins(0, 0, 4, 0)
        self._cards_layout.setSpacing(8)
        self._cards_layout.addStretch(1)
        self.passages_view = WrappingScrollArea(self._cards)
        outer.addWidget(self.passages_view, 1)
        self.clear()
        feed.event_received.connect(self._on_event)
        feed.reply_updated.connect(self._on_reply)
        feed.cleared.connect(self.clear)

    def shown_sources(self) -> list[str]:
        """Source files of the passages on screen, best first."""
        return [w.passage.source for w in self._card_widgets() if isinstance(w, PassageCard)]

    def shown_passages(self) -> list[Passage]:
        """The passages on screen, best first, as their cards show them."""
        return [w.passage for w in self._card_widgets() if isinstance(w, PassageCard)]

    def shown_copilot(self) -> dict[str, list[str]]:
        """The co-pilot's cards on screen by kind (:data:`copilot_cards.KINDS`), in order."""
        out: dict[str, list[str]] = {}
        for widget in self._card_widgets():
            if isinstance(widget, QLabel) and widget.objectName() in copilot_cards.KINDS:
                out.setdefault(widget.objectName(), []).append(widget.text())
        return out

    def clear(self) -> None:
        self.shown_reply = None
        self._retrieval = None
        self._live_tools = []
        self._set_cards([], [])
        self.title.setText(TITLE)
        self.heading.setText("Nothing retrieved yet")
        self.query.setText(EMPTY)

    def show_reply(self, number: int) -> None:
        """Show the passages and look-ups behind an earlier reply."""
        reply = self._feed.conversation.reply(number)
        if reply is None:
            return
        self.shown_reply = number
        self._show(reply.retrieval, reply.tool_calls, self._reply_heading(reply))

    def _on_event(self, event: Event) -> None:
        if isinstance(event, RetrievalEvent):
            previous = self._retrieval
            if previous is None or (previous.turn_id, previous.agent) != (
                event.turn_id,
                event.agent,
            ):
                self._live_tools = []
            self.shown_reply = None
            self.title.setText(TITLE)
            self._retrieval = event
            self._show(
                event,
                self._live_tools,
                f"{AGENT_NAMES[event.agent]} is reading, turn "
                f"{self._feed.conversation.turn_number(event.turn_id)}",
            )
        elif isinstance(event, ToolCallEvent):
            self._live_tools.append(event)
            if self.shown_reply is None:
                self._show(
                    self._retrieval,
                    self._live_tools,
                    f"{AGENT_NAMES[event.agent]} looked something up",
                )
        elif isinstance(event, CopilotContextEvent):
            self.shown_reply = None
            self.title.setText(copilot_cards.TITLE)
            self.heading.setText(
                copilot_cards.context_heading(
                    event, self._feed.conversation.turn_number(event.turn_id)
                )
            )
            self.query.setText(copilot_cards.context_summary(event))
            self._set_cards(list(event.passages), [], copilot_cards.context_cards(event))
        elif isinstance(event, CopilotAnswerEvent):
            self.shown_reply = None
            self.title.setText(copilot_cards.TITLE)
            self.heading.setText(copilot_cards.answer_heading(event))
            self.query.setText("")
            self._set_cards(list(event.passages), [], copilot_cards.answer_cards(event))
        elif isinstance(event, ConversationResetEvent) or (
            isinstance(event, SessionStartedEvent) and self._retrieval is not None
        ):
            self.clear()

    def _reply_heading(self, reply: AgentReply) -> str:
        turn = self._feed.conversation.turn_number(reply.turn_id)
        return f"Behind the {AGENT_NAMES[reply.speaker]}'s reply in turn {turn}"

    def _on_reply(self, reply: AgentReply) -> None:
        if (
            self.shown_reply is None
            and reply.retrieval is not None
            and reply.retrieval is self._retrieval
        ):
            self.heading.setText(self._reply_heading(reply))

    def _show(
        self, retrieval: RetrievalEvent | None, tools: list[ToolCallEvent], heading: str
    ) -> None:
        self.heading.setText(heading)
        if retrieval is None:
            self.query.setText("No passages were retrieved for this reply.")
            self._set_cards([], tools)
            return
        self.query.setText(
            f"Searched for “{retrieval.query}” in {retrieval.elapsed_ms:.0f} ms "
            f"· {len(retrieval.passages)} passage{'s' if len(retrieval.passages) != 1 else ''}"
        )
        self._set_cards(list(retrieval.passages), tools)

    def _card_widgets(self) -> list[QWidget]:
        items = (self._cards_layout.itemAt(i) for i in range(self._cards_layout.count()))
        return [
            widget for item in items if item is not None and (widget := item.widget()) is not None
        ]

    def _set_cards(
        self,
        passages: list[Passage],
        tools: list[ToolCallEvent],
        first: Sequence[QWidget] = (),
    ) -> None:
        """``first``: cards shown above the look-ups and passages (Rep mode's co-pilot)."""
        self.passages_view.refit_soon()
        for widget in self._card_widgets():
            self._cards_layout.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        for card in first:
            self._cards_layout.insertWidget(self._cards_layout.count() - 1, card)
        for call in tools:
            args = ", ".join(f"{k}={v}" for k, v in call.arguments.items())
            label = theme.wrapped_label(f"Looked up {call.name}({args}):\n{call.output}")
            label.setStyleSheet(
                f"background: #fffbeb; border: 1px solid #fde68a; border-radius: 6px; padding: 8px;"
                f"color: {theme.INK};"
            )
            self._cards_layout.insertWidget(self._cards_layout.count() - 1, label)
        for rank, passage in enumerate(passages, start=1):
            self._cards_layout.insertWidget(
                self._cards_layout.count() - 1, PassageCard(rank, passage)
            )


_HEADING = re.compile(r"^#{1,6}\s*", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def readable(markdown: str) -> str:
    """Passage text without Markdown's heading and bold markers (shown as plain text, never
    markup)."""
    return _EMPHASIS.sub(r"\2", _HEADING.sub("", markdown.strip()))
