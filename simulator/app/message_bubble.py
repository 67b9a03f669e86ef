"""One utterance in the transcript: a bubble in the speaker's colour, its tags, its claim check.

Agent bubbles know the reply number they show once it is final (the context and latency panels
follow a click on one); customer bubbles carry the persona's name and what its line meant in
Coach mode. Text is set as plain text, or, once a claim check flagged part of it, as escaped rich
text with the flagged spans marked (:mod:`simulator.app.claim_marks`): nothing a model writes is
ever interpreted as markup.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCursor, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from simulator.app import theme
from simulator.app.claim_marks import ClaimDetails, ClaimMark, explain, highlighted
from simulator.conversation import AgentReply
from simulator.events import AGENT_NAMES, ClaimCheckEvent


class MessageBubble(QFrame):
    """One utterance; agent bubbles know the reply number they show once it is final."""

    clicked = Signal(object)

    def __init__(
        self,
        speaker: str,
        text: str = "",
        *,
        name: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.speaker = speaker
        self.reply_number: int | None = None
        self.turn_id: int | None = None
        self.claims: ClaimCheckEvent | None = None
        self.claim_mark: ClaimMark | None = None
        self.claim_details: ClaimDetails | None = None
        self._text = text
        self.setObjectName("bubble")
        self._selected = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 10)
        layout.setSpacing(3)
        head = QHBoxLayout()
        head.setSpacing(8)
        self.name_label = QLabel(name or AGENT_NAMES.get(speaker, speaker))
        self.name_label.setStyleSheet(f"color: {theme.colour(speaker).name()}; font-weight: bold;")
        head.addWidget(self.name_label)
        # Tags never make a bubble wider than the transcript: cut with "…", whole in the tooltip.
        self.tags_label = theme.ElidedLabel("")
        self.tags_label.setObjectName("muted")
        head.addWidget(self.tags_label, 1)
        self._head = head
        layout.addLayout(head)
        self.actions_label = theme.wrapped_label(object_name="muted")
        self.actions_label.setStyleSheet("font-style: italic;")
        self.actions_label.hide()
        layout.addWidget(self.actions_label)
        self.text_label = theme.wrapped_label(text)
        self.text_label.linkHovered.connect(self._claim_hovered)
        layout.addWidget(self.text_label)
        self._layout = layout
        self._restyle()

    @property
    def text(self) -> str:
        return self._text

    def append(self, delta: str) -> None:
        self._text += delta
        self.text_label.setText(self._text)

    def add_action(self, action: str) -> None:
        """What a persona's line meant (an objection raised, a fact revealed), under its name."""
        current = self.actions_label.text()
        self.actions_label.setText(f"{current}; {action}" if current else action)
        self.actions_label.show()

    def finish(self, reply: AgentReply) -> None:
        self.reply_number = reply.number
        self.turn_id = reply.turn_id
        self._text = reply.text
        self.text_label.setText(reply.text)
        self.set_tags(reply)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to see the passages and the latency behind this reply")

    def set_tags(self, reply: AgentReply) -> None:
        tags = []
        if reply.provider == "offline":
            # chosen by word vectors: the same question may get a better answer once it is ready
            loading = reply.scorer == "wordllama"
            tags.append("offline (encoder still loading)" if loading else "offline")
        if reply.interrupted:
            tags.append("interrupted")
        if reply.latency is not None and reply.latency.stages.e2e_ms is not None:
            tags.append(f"{reply.latency.stages.e2e_ms:,.0f} ms")
        if reply.retrieval is not None:
            count = len(reply.retrieval.passages)
            tags.append(f"{count} source{'s' if count != 1 else ''}")
        self.tags_label.setText("  ·  ".join(tags))

    def set_claims(self, event: ClaimCheckEvent) -> None:
        """Show the claim check of this reply: the mark, the flagged spans, the reasons on
        demand."""
        self.claims = event
        if self.claim_mark is not None:
            self.claim_mark.hide()
            self.claim_mark.deleteLater()
        self.claim_mark = ClaimMark(event)
        self.claim_mark.setVisible(bool(event.claims))  # nothing checkable: no mark, no empty row
        self._layout.addWidget(self.claim_mark)
        if event.unsupported and event.reply == self._text:
            self.text_label.setTextFormat(Qt.TextFormat.RichText)
            self.text_label.setText(highlighted(self._text, event.claims))
        if event.unsupported:
            self.claim_details = ClaimDetails(event)
            self.claim_details.hide()
            self._layout.addWidget(self.claim_details)
            self.claim_mark.toggled.connect(self.claim_details.setVisible)

    def _claim_hovered(self, link: str) -> None:
        if not link.startswith("claim:") or self.claims is None:
            QToolTip.hideText()
            return
        claim = self.claims.claims[int(link.split(":", 1)[1])]
        QToolTip.showText(QCursor.pos(), explain(claim), self.text_label)

    def set_selected(self, selected: bool) -> None:
        self._selected = selected
        self._restyle()

    def _restyle(self) -> None:
        border = theme.colour(self.speaker).name()
        width = 3 if self._selected else 1
        side = "left" if self.speaker != "customer" else "right"
        self.setStyleSheet(
            f"QFrame#bubble "
            f"{{ background: {theme.tint(self.speaker).name()}; border: {width}px solid "
            f"{border if self._selected else theme.LINE}; border-{side}: "
            f"5px solid {border}; border-radius: 10px; }}"
        )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.reply_number is not None:
            self.clicked.emit(self)
        super().mouseReleaseEvent(event)
