"""The claim check, shown on the reply it checked: what was flagged, and the passage that says
otherwise.

A rep rehearsing must see at a glance that "$9 per sensor" was not in the company's material,
and why. Each agent bubble gets a mark ("✓ 3 claims checked" or "⚠ 1 unsupported claim"); an
unsupported claim is highlighted in the reply's text (hover it for the reason and the
contradicting passage) and "Why?" opens a panel listing each one with that passage in full.

The reply is model output: it is escaped before any highlighting markup is added, so nothing a
model writes is ever interpreted as markup.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from simulator.app import theme
from simulator.events import Claim, ClaimCheckEvent

FLAG_BG = "#fee2e2"
FLAG_INK = "#b91c1c"


def mark_text(event: ClaimCheckEvent) -> str:
    unsupported = len(event.unsupported)
    if unsupported:
        return f"⚠ {unsupported} unsupported claim{'s' if unsupported != 1 else ''}"
    if event.claims:
        return f"✓ {len(event.claims)} claim{'s' if len(event.claims) != 1 else ''} checked"
    return ""


def highlighted(text: str, claims: tuple[Claim, ...]) -> str:
    """``text`` as escaped rich text, each unsupported claim's span a link ``claim:<n>`` in red."""
    flagged = sorted(
        (
            (c.start, c.end, n)
            for n, c in enumerate(claims)
            if not c.supported
            and 0 <= c.start < c.end <= len(text)
            and text[c.start : c.end] == c.text
        )
    )
    out, position = [], 0
    for start, end, n in flagged:
        if start < position:
            continue  # overlapping spans: the first one wins
        out.append(_escape(text[position:start]))
        out.append(
            f'<a href="claim:{n}" style="color:{FLAG_INK}; background-color:{FLAG_BG}; '
            f'text-decoration: underline; font-weight: bold;">{_escape(text[start:end])}</a>'
        )
        position = end
    out.append(_escape(text[position:]))
    return "".join(out)


def explain(claim: Claim) -> str:
    """One claim in plain words: what it says, the verdict, and for a contradicted claim the
    right value with the one sentence or table row that states it."""
    kind = claim.kind.replace("_", " ")
    about = f" about {claim.subject}" if claim.subject else ""
    passage = claim.contradicting
    if claim.outcome == "contradicted" and passage is not None:
        lines = [f"“{claim.text}” ({kind}{about}): the company's material says otherwise."]
        if claim.correct:
            lines.append(f"It says {claim.correct}, in {passage.source} › {passage.section}:")
        else:
            if claim.note:
                lines.append(claim.note[0].upper() + claim.note[1:].rstrip(".") + ".")
            lines.append(f"In {passage.source} › {passage.section}:")
        lines.append(_short(passage.text))
    else:
        lines = [f"“{claim.text}” ({kind}{about}): nothing in the company's material states it."]
        if claim.note:
            lines.append(
                claim.note[0].upper() + claim.note[1:] + ("" if claim.note.endswith(".") else ".")
            )
    return "\n".join(lines)


class ClaimDetails(QFrame):
    """The unsupported claims of one reply, each with its contradicting passage."""

    def __init__(self, event: ClaimCheckEvent, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("claimDetails")
        self.setStyleSheet(
            "QFrame#claimDetails { background: #fff7f7; border: 1px solid #fecaca; "
            "border-radius: 6px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.setSpacing(4)
        self.labels: list[QLabel] = []
        for claim in event.unsupported:
            label = theme.wrapped_label(explain(claim))
            label.setStyleSheet(f"color: {theme.INK};")
            layout.addWidget(label)
            self.labels.append(label)

    def text(self) -> str:
        return "\n\n".join(label.text() for label in self.labels)


class ClaimMark(QWidget):
    """The mark beside a reply's name, with a "Why?" toggle when something was flagged."""

    toggled = Signal(bool)

    def __init__(self, event: ClaimCheckEvent, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = event
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.label = QLabel(mark_text(event))
        flagged = bool(event.unsupported)
        self.label.setStyleSheet(
            f"color: {FLAG_INK if flagged else theme.FAST}; font-weight: bold;"
        )
        self.label.setToolTip(
            "\n\n".join(explain(c) for c in event.unsupported)
            if flagged
            else "Every price, percentage, quantity, date and named fact in this reply is in the "
            "company's material."
        )
        layout.addWidget(self.label)
        self.why = QPushButton("Why?")
        self.why.setCheckable(True)
        self.why.setStyleSheet("QPushButton { padding: 1px 8px; }")
        self.why.setVisible(flagged)
        self.why.toggled.connect(self._on_why)
        layout.addWidget(self.why)
        layout.addStretch(1)

    def _on_why(self, on: bool) -> None:
        self.toggled.emit(on)


def _escape(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def _short(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
