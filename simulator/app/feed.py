"""The one stream of events every widget renders, live or replayed.

Widgets do not care whether an event came from the running sales team (through the bridge) or
from a session log being replayed: both push into an :class:`EventFeed`. The feed folds each
event into a plain-Python :class:`~simulator.conversation.Conversation` first, then emits it, so
a widget reacting to an event can already look up the reply it belongs to.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from simulator.conversation import Conversation
from simulator.events import Event


class EventFeed(QObject):
    event_received = Signal(object)
    """An :data:`~simulator.events.Event`, already applied to :attr:`conversation`."""
    reply_updated = Signal(object)
    """An :class:`~simulator.conversation.AgentReply` that was created or got its latency."""
    cleared = Signal()
    """Everything shown so far is gone (a log was opened, or a replay starts)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.conversation = Conversation()
        self._events: list[Event] = []

    @property
    def events(self) -> tuple[Event, ...]:
        """Every event since the last :meth:`clear`, in order (what "Save" writes)."""
        return tuple(self._events)

    def push(self, event: Event) -> None:
        self._events.append(event)
        reply = self.conversation.apply(event)
        self.event_received.emit(event)
        if reply is not None:
            self.reply_updated.emit(reply)

    def clear(self) -> None:
        self._events.clear()
        self.conversation = Conversation()
        self.cleared.emit()
