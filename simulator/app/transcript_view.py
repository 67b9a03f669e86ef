"""The conversation as the user reads it: who said what, agent text streaming in as it is written.

Each message is a bubble in the speaker's colour (customer on the right, agents on the left);
handoffs and look-ups appear inline as quiet notes, so the transcript reads on its own. Clicking
an agent's reply selects it (``reply_selected``), which the context and latency panels follow.
In Coach mode the customer's bubbles carry the persona's name (and what each line meant: an
objection raised, a fact revealed), the coach's whispers appear as notes only the user sees, and
every agent reply carries its claim-check mark (:mod:`simulator.app.claim_marks`). In Rep mode
the user's lines are the rep's bubbles ("You, the rep"), checked and marked like an agent's, and
nobody on the team "is thinking": it is the rep's turn.
Text is always set as plain text (or escaped): nothing a model writes is interpreted as markup.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from simulator.app import theme
from simulator.app.feed import EventFeed
from simulator.app.message_bubble import MessageBubble
from simulator.app.scrolling import WrappingScrollArea
from simulator.conversation import AgentReply
from simulator.events import (
    AGENT_NAMES,
    ClaimCheckEvent,
    CoachWhisperEvent,
    ConversationResetEvent,
    CustomerOutcomeEvent,
    Event,
    HandoffEvent,
    ModeChangedEvent,
    PersonaEvent,
    SessionStartedEvent,
    ToolCallEvent,
    TranscriptDeltaEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)

_ACTIONS = {
    "raised_objection": "raises an objection",
    "pushed_back": "pushes back",
    "accepted_answer": "accepts the answer",
    "gave_up_on_objection": "gives up on",
    "asked_follow_up": "follow-up question",
    "revealed_fact": "reveals",
    "concluded": "wraps up",
}

REP_NAME = "You · the rep"
MAX_ROWS = 300
"""Messages and notes the transcript keeps as widgets (about a hundred turns). A long session's
earliest rows are let go, since each costs Qt a few hundred KB (a 1,000-turn session held ~400
MB of them); the conversation itself stays whole as data in the feed and the session log."""
WELCOME = "Say hello to the Greeter: ask about the product, security, pricing or stock."


class TranscriptView(WrappingScrollArea):
    reply_selected = Signal(int)
    """The number of the agent reply the user clicked."""

    def __init__(
        self, feed: EventFeed, parent: QWidget | None = None, *, welcome: str = WELCOME
    ) -> None:
        self._welcome = welcome
        self._queued: QLabel | None = None
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
        self._earlier: QLabel | None = None
        """The note at the top saying how many earlier rows were let go (see MAX_ROWS)."""
        self._let_go = 0
        self._last_reply_let_go = 0
        self._whispers: list[tuple[CoachWhisperEvent, QLabel]] = []
        self._persona_name: str | None = None
        """The persona playing the customer now, ``None`` when the user is the customer."""
        self._persona_loaded: str | None = None
        self._pending_actions: list[PersonaEvent] = []
        self._selling = False
        """Rep mode: the user answers the persona as the rep."""
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
        """The inline notes (handoffs, look-ups, welcome, who plays the customer, the outcome), in
        order."""
        return [
            w.text()
            for w in self._widgets()
            if isinstance(w, QLabel) and w.objectName() in ("note", "modeNote", "outcome")
        ]

    def customer_names(self) -> list[str]:
        """The name on each customer bubble, in order (a persona's, or "Customer")."""
        return [b.name_label.text() for b in self._bubbles if b.speaker == "customer"]

    def coach_notes(self) -> list[str]:
        """The coach's whispers as shown (only the user sees them), in order."""
        return [label.text() for _, label in self._whispers]

    def customer_bubbles(self) -> list[MessageBubble]:
        return [b for b in self._bubbles if b.speaker == "customer"]

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
        self._queued = None
        self._earlier = None
        self._let_go = 0
        self._last_reply_let_go = 0
        self._whispers.clear()
        self._pending_actions.clear()
        self._selling = False
        self._follow = True
        self._show_welcome()

    # -- events --------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        self.refit_soon()  # whatever it was, the text may have grown
        if isinstance(event, TranscriptDeltaEvent):
            self._drop_thinking()
            bubble = self._streaming.get(event.speaker)
            if bubble is None:
                bubble = self._add_bubble(event.speaker, "")
                self._streaming[event.speaker] = bubble
            bubble.append(event.delta)
        elif isinstance(event, TranscriptEvent) and event.speaker == "customer":
            self._drop_welcome()
            bubble = self._add_bubble("customer", event.text, name=self._customer_name())
            for action in self._pending_actions:
                bubble.add_action(_action_text(action))
            self._pending_actions.clear()
            if not self._selling:
                self._show_thinking(self._feed.conversation.active_agent)
        elif isinstance(event, ModeChangedEvent):
            self._on_mode(event)
        elif isinstance(event, PersonaEvent):
            if event.action != "opened":
                self._pending_actions.append(event)
        elif isinstance(event, CoachWhisperEvent):
            self._on_whisper(event)
        elif isinstance(event, ClaimCheckEvent):
            bubble = self._reply_bubble(event.turn_id, event.agent)
            if bubble is not None:
                bubble.set_claims(event)
                if bubble.claim_mark is not None:
                    bubble.claim_mark.toggled.connect(self.refit_soon)
        elif isinstance(event, CustomerOutcomeEvent):
            who = self._persona_loaded or "The customer"
            outcome = {
                "agreed": "agreed to a next step",
                "declined": "declined",
                "undecided": "left it undecided",
            }[event.outcome]
            step = f" Next step: {event.next_step}" if event.next_step else ""
            self._add_note(f"■ {who} {outcome}. {event.reason}{step}", "customer", name="outcome")
        elif isinstance(event, HandoffEvent):
            self._drop_thinking()
            self._add_note(
                f"{AGENT_NAMES[event.from_agent]} hands over to {AGENT_NAMES[event.to_agent]}: "
                f"{event.reason}",
                event.to_agent,
            )
            self._show_thinking(event.to_agent)
        elif isinstance(event, ToolCallEvent):
            args = ", ".join(str(v) for v in event.arguments.values())
            self._add_note(
                f"{AGENT_NAMES[event.agent]} looked up {event.name.replace('_', ' ')}"
                f"{f' ({args})' if args else ''}",
                event.agent,
            )
        elif isinstance(event, TurnCompletedEvent):
            self._drop_thinking()
        elif isinstance(event, (ConversationResetEvent, SessionStartedEvent)):
            if isinstance(event, SessionStartedEvent) and not self.messages():
                return
            self.clear()

    def _on_mode(self, event: ModeChangedEvent) -> None:
        self._selling = event.mode == "rep"
        if event.customer == "persona":
            self._persona_name = event.persona_name or event.persona or "AI customer"
            self._persona_loaded = self._persona_name
        else:
            self._persona_name = None
            if event.persona is None:
                self._persona_loaded = None
        if event.reason:
            self._drop_welcome()
            self._add_note(event.reason, "customer", name="modeNote").setStyleSheet(
                f"color: {theme.MUTED}; padding: 2px 18px;"
            )

    def _customer_name(self) -> str:
        if self._persona_name:
            return f"{self._persona_name} · AI customer"
        return "Customer (you)" if self._persona_loaded else AGENT_NAMES["customer"]

    def _on_whisper(self, event: CoachWhisperEvent) -> None:
        agent = AGENT_NAMES[event.agent]
        if event.status == "queued":
            label = self._add_note(
                f"✎ Coach whisper to the {agent}: “{event.text}” (waiting for its next reply; "
                "only you and the agent see this)",
                event.agent,
                name="whisper",
            )
            label.setStyleSheet(
                f"color: {theme.WARNING_INK}; background: {theme.WARNING_BG}; "
                "border: 1px dashed #d97706; border-radius: 6px; padding: 6px 12px; margin: 0 30px;"
            )
            self._whispers.append((event, label))
            return
        for queued, label in self._whispers:
            if queued.text in event.text and "delivered" not in label.text():
                label.setText(
                    f"✎ Coach whisper to the {AGENT_NAMES[queued.agent]}: “{queued.text}” "
                    f"(delivered to the {agent} with its reply in turn "
                    f"{self._feed.conversation.turn_number(event.turn_id)}; "
                    "only you and the agent see this)"
                )

    def _reply_bubble(self, turn_id: int, agent: str) -> MessageBubble | None:
        for number in sorted(self._replies, reverse=True):
            bubble = self._replies[number]
            if bubble.turn_id == turn_id and bubble.speaker == agent:
                return bubble
        return None

    def _on_reply(self, reply: AgentReply) -> None:
        self.refit_soon()
        if reply.number <= self._last_reply_let_go:  # an update of a reply no longer shown
            return
        bubble = self._replies.get(reply.number)
        if bubble is not None:  # the latency arrived after the text
            bubble.set_tags(reply)
            return
        self._drop_thinking()
        bubble = self._streaming.pop(reply.speaker, None) or self._add_bubble(
            reply.speaker, "", name=REP_NAME if reply.speaker == "rep" else None
        )
        bubble.finish(reply)
        bubble.clicked.connect(lambda b: self.select_reply(b.reply_number))
        self._replies[reply.number] = bubble

    # -- layout helpers ------------------------------------------------------------------------

    def _widgets(self) -> list[QWidget]:
        items = (self._layout.itemAt(i) for i in range(self._layout.count()))
        return [
            widget for item in items if item is not None and (widget := item.widget()) is not None
        ]

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
            self._layout.insertWidget(self._next_index(), row)
        else:
            self._layout.insertWidget(self._next_index(), widget)
        self._let_go_of_earliest()
        self._follow_soon()

    def _let_go_of_earliest(self) -> None:
        """Keep at most :data:`MAX_ROWS` rows: the earliest are deleted, and counted at the top."""
        kept = (self._earlier, self._queued, self._thinking)
        rows = [w for w in self._widgets() if all(w is not k for k in kept)]
        excess = len(rows) - MAX_ROWS
        if excess <= 0:
            return
        for row in rows[:excess]:
            gone = [row] if isinstance(row, MessageBubble) else row.findChildren(MessageBubble)
            for bubble in gone:
                self._last_reply_let_go = max(self._last_reply_let_go, bubble.reply_number or 0)
            self._bubbles = [b for b in self._bubbles if b not in gone]
            self._replies = {n: b for n, b in self._replies.items() if b not in gone}
            self._streaming = {s: b for s, b in self._streaming.items() if b not in gone}
            self._whispers = [(e, label) for e, label in self._whispers if label is not row]
            if self._selected in gone:
                self._selected = None
            self._layout.removeWidget(row)
            row.hide()
            row.deleteLater()
        self._let_go += excess
        if self._earlier is None:
            self._earlier = theme.wrapped_label(object_name="earlier")
            self._earlier.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._earlier.setStyleSheet(f"color: {theme.MUTED}; padding: 6px;")
            self._layout.insertWidget(0, self._earlier)
        self._earlier.setText(
            f"{self._let_go:,} earlier messages and notes are not shown here; the whole "
            "conversation is in the session log."
        )

    def _next_index(self) -> int:
        """Where the next row goes: above the queued lines (always last) and the stretch."""
        if self._queued is not None:
            return self._layout.indexOf(self._queued)
        return self._layout.count() - 1

    def _add_bubble(self, speaker: str, text: str, *, name: str | None = None) -> MessageBubble:
        bubble = MessageBubble(speaker, text, name=name)
        self._bubbles.append(bubble)
        self._insert(bubble, customer=speaker == "customer", agent=speaker != "customer")
        return bubble

    def _add_note(self, text: str, speaker: str, *, name: str = "note") -> QLabel:
        note = theme.wrapped_label(text, object_name=name)
        note.setStyleSheet(
            f"color: {theme.colour(speaker).name()}; font-style: italic; padding: 2px 18px;"
        )
        self._insert(note)
        return note

    def set_welcome(self, text: str) -> None:
        """What the empty transcript says (the team not running says so here too)."""
        if text == self._welcome:
            return
        self._welcome = text
        if any(w.property("welcome") for w in self._widgets()):
            self._drop_welcome()
            self._show_welcome()

    def welcome_text(self) -> str | None:
        """What the empty transcript says now (``None`` once something was said)."""
        for widget in self._widgets():
            if widget.property("welcome"):
                return self._welcome
        return None

    def queued(self) -> list[str]:
        """The lines waiting to be sent, as shown."""
        return [] if self._queued is None else self._queued.text().split("\n")[1:]

    def show_queued(self, lines: list[str]) -> None:
        """Lines typed ahead, shown under the conversation until they are sent."""
        if self._queued is not None:
            self._layout.removeWidget(self._queued)
            self._queued.hide()
            self._queued.deleteLater()
            self._queued = None
        if lines:
            self._drop_welcome()
            self._queued = self._add_note(
                "Queued, sent when the team is ready:\n" + "\n".join(lines),
                "customer",
                name="queued",
            )
            self._queued.setAlignment(Qt.AlignmentFlag.AlignRight)

    def _show_welcome(self) -> None:
        if not self._welcome:
            return
        note = self._add_note(self._welcome, "customer", name="note")
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
        self._thinking = self._add_note(
            f"{AGENT_NAMES[agent]} is thinking…", agent, name="thinking"
        )

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


def _action_text(event: PersonaEvent) -> str:
    what = event.objection or event.fact or ""
    text = _ACTIONS.get(event.action, event.action.replace("_", " "))
    return f"{text}: {what.replace('_', ' ')}" if what else text
