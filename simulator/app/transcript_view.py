"""The conversation as the user reads it: who said what, agent text streaming in as it is written.

Each message is a bubble in the speaker's colour (customer on the right, agents on the left);
handoffs and look-ups appear inline as quiet notes, so the transcript reads on its own. Clicking
an agent's reply selects it (``reply_selected``), which the context and latency panels follow.
Text is always set as plain text: nothing a model writes is ever interpreted as markup.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from simulator.app import theme
from simulator.app.feed import EventFeed
from simulator.app.scrolling import WrappingScrollArea
from simulator.conversation import AgentReply
from simulator.events import (
    AGENT_NAMES,
    ConversationResetEvent,
    Event,
    HandoffEvent,
    SessionStartedEvent,
    ToolCallEvent,
    TranscriptDeltaEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)

WELCOME = "Say hello to the Greeter: ask about the product, security, pricing or stock."


class MessageBubble(QFrame):
    """One utterance; agent bubbles know the reply number they show once it is final."""

    clicked = Signal(object)

    def __init__(self, speaker: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.speaker = speaker
        self.reply_number: int | None = None
        self.setObjectName("bubble")
        self._selected = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 10)
        layout.setSpacing(3)
        head = QHBoxLayout()
        head.setSpacing(8)
        self.name_label = QLabel(AGENT_NAMES.get(speaker, speaker))
        self.name_label.setStyleSheet(f"color: {theme.colour(speaker).name()}; font-weight: bold;")
        head.addWidget(self.name_label)
        self.tags_label = QLabel("")
        self.tags_label.setObjectName("muted")
        head.addWidget(self.tags_label)
        head.addStretch(1)
        layout.addLayout(head)
        self.text_label = theme.wrapped_label(text)
        layout.addWidget(self.text_label)
        self._restyle()

    @property
    def text(self) -> str:
        return self.text_label.text()

    def append(self, delta: str) -> None:
        self.text_label.setText(self.text_label.text() + delta)

    def finish(self, reply: AgentReply) -> None:
        self.reply_number = reply.number
        self.text_label.setText(reply.text)
        self.set_tags(reply)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to see the passages and the latency behind this reply")

    def set_tags(self, reply: AgentReply) -> None:
        tags = []
        if reply.provider == "offline":
            tags.append("offline")
        if reply.interrupted:
            tags.append("interrupted")
        if reply.latency is not None and reply.latency.stages.e2e_ms is not None:
            tags.append(f"{reply.latency.stages.e2e_ms:,.0f} ms")
        if reply.retrieval is not None:
            count = len(reply.retrieval.passages)
            tags.append(f"{count} source{'s' if count != 1 else ''}")
        self.tags_label.setText("  ·  ".join(tags))

    def set_selected(self, selected: bool) -> None:
        self._selected = selected
        self._restyle()

    def _restyle(self) -> None:
        border = theme.colour(self.speaker).name()
        width = 3 if self._selected else 1
        side = "left" if self.speaker != "customer" else "right"
        self.setStyleSheet(
            f"QFrame#bubble {{ background: {theme.tint(self.speaker).name()}; border: {width}px solid "
            f"{border if self._selected else theme.LINE}; border-{side}: 5px solid {border}; border-radius: 10px; }}"
        )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton and self.reply_number is not None:
            self.clicked.emit(self)
        super().mouseReleaseEvent(event)


class TranscriptView(WrappingScrollArea):
    reply_selected = Signal(int)
    """The number of the agent reply the user clicked."""

    def __init__(self, feed: EventFeed, parent: QWidget | None = None) -> None:
        self._content = QWidget()
        self._content.setObjectName("transcriptContent")
        self._layout = QVBoxLayout(self._content)
        self._layout.setContentsMargins(14, 14, 14, 14)
        self._layout.setSpacing(10)
        self._layout.addStretch(1)
        super().__init__(self._content, parent)
        self._feed = feed
        self._streaming: dict[str, MessageBubble] = {}
        self._bubbles: list[MessageBubble] = []
        self._replies: dict[int, MessageBubble] = {}
        self._selected: MessageBubble | None = None
        self._thinking: QLabel | None = None
        self._follow = True
        self.verticalScrollBar().rangeChanged.connect(self._scroll_if_following)
        self.verticalScrollBar().valueChanged.connect(self._remember_position)
        self._show_welcome()
        feed.event_received.connect(self._on_event)
        feed.reply_updated.connect(self._on_reply)
        feed.cleared.connect(self.clear)

    # -- what tests and the main window read -----------------------------------------------------

    def messages(self) -> list[tuple[str, str]]:
        """(speaker, text) of every bubble, in order."""
        return [(b.speaker, b.text) for b in self._bubbles]

    def notes(self) -> list[str]:
        """The inline notes (handoffs, look-ups, welcome), in order."""
        return [w.text() for w in self._widgets() if isinstance(w, QLabel) and w.objectName() == "note"]

    def thinking(self) -> str | None:
        """The "… is thinking" line, while the team has not started answering."""
        return self._thinking.text() if self._thinking is not None else None

    def bubble_for_reply(self, number: int) -> MessageBubble | None:
        return self._replies.get(number)

    def select_reply(self, number: int) -> None:
        bubble = self._replies.get(number)
        if bubble is None:
            return
        if self._selected is not None:
            self._selected.set_selected(False)
        bubble.set_selected(True)
        self._selected = bubble
        self.reply_selected.emit(number)

    def clear(self) -> None:
        for widget in self._widgets():
            self._layout.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self._streaming.clear()
        self._bubbles.clear()
        self._replies.clear()
        self._selected = None
        self._thinking = None
        self._follow = True
        self._show_welcome()

    # -- events --------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if isinstance(event, TranscriptDeltaEvent):
            self._drop_thinking()
            bubble = self._streaming.get(event.speaker)
            if bubble is None:
                bubble = self._add_bubble(event.speaker, "")
                self._streaming[event.speaker] = bubble
            bubble.append(event.delta)
        elif isinstance(event, TranscriptEvent) and event.speaker == "customer":
            self._drop_welcome()
            self._add_bubble("customer", event.text)
            self._show_thinking(self._feed.conversation.active_agent)
        elif isinstance(event, HandoffEvent):
            self._drop_thinking()
            self._add_note(f"{AGENT_NAMES[event.from_agent]} hands over to {AGENT_NAMES[event.to_agent]}: "
                           f"{event.reason}", event.to_agent)
            self._show_thinking(event.to_agent)
        elif isinstance(event, ToolCallEvent):
            args = ", ".join(str(v) for v in event.arguments.values())
            self._add_note(f"{AGENT_NAMES[event.agent]} looked up {event.name.replace('_', ' ')}"
                           f"{f' ({args})' if args else ''}", event.agent)
        elif isinstance(event, TurnCompletedEvent):
            self._drop_thinking()
        elif isinstance(event, (ConversationResetEvent, SessionStartedEvent)):
            if isinstance(event, SessionStartedEvent) and not self.messages():
                return
            self.clear()

    def _on_reply(self, reply: AgentReply) -> None:
        bubble = self._replies.get(reply.number)
        if bubble is not None:  # the latency arrived after the text
            bubble.set_tags(reply)
            return
        self._drop_thinking()
        bubble = self._streaming.pop(reply.speaker, None) or self._add_bubble(reply.speaker, "")
        bubble.finish(reply)
        bubble.clicked.connect(lambda b: self.select_reply(b.reply_number))
        self._replies[reply.number] = bubble

    # -- layout helpers ------------------------------------------------------------------------

    def _widgets(self) -> list[QWidget]:
        items = (self._layout.itemAt(i) for i in range(self._layout.count()))
        return [widget for item in items if item is not None and (widget := item.widget()) is not None]

    def _insert(self, widget: QWidget, *, customer: bool = False, agent: bool = False) -> None:
        """Add a row above the trailing stretch; messages leave a margin on the other side."""
        if customer or agent:
            row = QWidget()
            row.setObjectName("row")
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            if customer:
                layout.addStretch(1)
            layout.addWidget(widget, 5)
            if agent:
                layout.addStretch(1)
            self._layout.insertWidget(self._layout.count() - 1, row)
        else:
            self._layout.insertWidget(self._layout.count() - 1, widget)
        self._follow_soon()

    def _add_bubble(self, speaker: str, text: str) -> MessageBubble:
        bubble = MessageBubble(speaker, text)
        self._bubbles.append(bubble)
        self._insert(bubble, customer=speaker == "customer", agent=speaker != "customer")
        return bubble

    def _add_note(self, text: str, speaker: str, *, name: str = "note") -> QLabel:
        note = theme.wrapped_label(text, object_name=name)
        note.setStyleSheet(f"color: {theme.colour(speaker).name()}; font-style: italic; padding: 2px 18px;")
        self._insert(note)
        return note

    def _show_welcome(self) -> None:
        note = self._add_note(WELCOME, "customer", name="note")
        note.setProperty("welcome", True)
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note.setStyleSheet(f"color: {theme.MUTED}; padding: 24px;")

    def _drop_welcome(self) -> None:
        for widget in self._widgets():
            if widget.property("welcome"):
                self._layout.removeWidget(widget)
                widget.hide()
                widget.deleteLater()

    def _show_thinking(self, agent: str) -> None:
        self._drop_thinking()
        self._thinking = self._add_note(f"{AGENT_NAMES[agent]} is thinking…", agent, name="thinking")

    def _drop_thinking(self) -> None:
        if self._thinking is not None:
            self._layout.removeWidget(self._thinking)
            self._thinking.hide()
            self._thinking.deleteLater()
            self._thinking = None

    # -- scrolling: follow the conversation unless the user scrolled up to read --------------------

    def _remember_position(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._follow = value >= bar.maximum() - 40

    def _scroll_if_following(self, _minimum: int, maximum: int) -> None:
        if self._follow:
            self.verticalScrollBar().setValue(maximum)

    def _follow_soon(self) -> None:
        if self._follow:
            QTimer.singleShot(0, self, self._scroll_to_end)

    def _scroll_to_end(self) -> None:
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())
