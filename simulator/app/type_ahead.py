"""Type-ahead: a line typed while the team starts or answers is kept, shown, and sent when ready.

The composer promises "type ahead"; this keeps the promise. A line the bridge cannot take now is
queued (the box empties, the transcript shows "queued" under the conversation), and each time
the team becomes ready the oldest queued line is sent, in order. If the team cannot start, the
queued text goes back into the box, so nothing typed is lost.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from simulator.app.bridge import SessionBridge, SessionState
from simulator.app.composer import Composer
from simulator.app.transcript_view import TranscriptView

QUEUEABLE = (
    SessionState.STOPPED,
    SessionState.STARTING,
    SessionState.INDEXING,
    SessionState.BUSY,
)


class TypeAhead(QObject):
    def __init__(
        self,
        bridge: SessionBridge,
        composer: Composer,
        transcript: TranscriptView,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._composer = composer
        self._transcript = transcript
        self.queued: list[str] = []

    def offer(self, text: str) -> None:
        """The customer pressed Enter on ``text``: send it now, or queue it."""
        text = text.strip()
        if not text:
            return
        if not self.queued and self._bridge.send(text):
            self._composer.take_text()
            return
        if self._bridge.state in QUEUEABLE or self.queued:
            self._composer.take_text()
            self.queued.append(text)
            self._transcript.show_queued(self.queued)

    def state_changed(self, state: SessionState) -> None:
        if not self.queued:
            return
        if state is SessionState.READY:
            text = self.queued[0]
            if self._bridge.send(text):
                self.queued.pop(0)
                self._transcript.show_queued(self.queued)
        elif state is SessionState.FAILED:
            # Nothing typed is lost: it goes back into the box for after the fix.
            self._composer.input.setText(" ".join(self.queued))
            self.clear()

    def clear(self) -> None:
        self.queued = []
        self._transcript.show_queued([])
