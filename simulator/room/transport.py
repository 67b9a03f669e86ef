"""Events over the room: each event is the same JSON line as locally, on one text-stream topic.
(Commands go the other way as RPC calls of :data:`RPC_METHOD`.)

The worker numbers every event (:class:`EventLog`) and sends it to the app participant alone as a
text stream on :data:`EVENTS_TOPIC`, its number in the stream's ``seq`` attribute
(:class:`EventPublisher`). Streams are read concurrently on the app's side, and a dropped
connection loses what was sent meanwhile, so :class:`EventSequencer` puts lines back in order,
drops duplicates, and knows the last number it delivered: after a reconnect the app sends
``ResumeCommand(after_seq=...)`` and the worker replays the rest of its log. The transcript the
app shows is never lost and never doubled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from simulator.events import Event, from_json, to_json

if TYPE_CHECKING:
    from livekit import rtc

EVENTS_TOPIC = "simulator.events"
RPC_METHOD = "simulator.command"
"""The one RPC method the app calls with a :data:`~simulator.commands.Command` as its payload."""
SEQ_ATTRIBUTE = "seq"

logger = logging.getLogger(__name__)


class EventLog:
    """Every event of a room session, numbered from 1, as the lines that were sent."""

    def __init__(self) -> None:
        self._lines: list[str] = []

    def append(self, event: Event) -> tuple[int, str]:
        line = to_json(event)
        self._lines.append(line)
        return len(self._lines), line

    def after(self, seq: int) -> list[tuple[int, str]]:
        return [
            (n, line) for n, line in enumerate(self._lines[max(seq, 0) :], start=max(seq, 0) + 1)
        ]

    @property
    def last_seq(self) -> int:
        return len(self._lines)


class EventPublisher:
    """Sends the session's events to the app participant, in order (worker side).

    Call :meth:`publish` from one task (the pump over ``SessionRunner.events()``); a failed send
    is logged, not raised: the app catches up with a resume after it reconnects.
    """

    def __init__(
        self, participant: rtc.LocalParticipant, recipient: str, log: EventLog | None = None
    ) -> None:
        self._participant = participant
        self.recipient = recipient
        self.log = log or EventLog()

    async def publish(self, event: Event) -> int:
        seq, line = self.log.append(event)
        await self._send(seq, line)
        return seq

    async def replay(self, after_seq: int) -> int:
        """Send again everything after ``after_seq``; returns how many events were sent."""
        missed = self.log.after(after_seq)
        for seq, line in missed:
            await self._send(seq, line)
        return len(missed)

    async def _send(self, seq: int, line: str) -> None:
        try:
            await self._participant.send_text(
                line,
                topic=EVENTS_TOPIC,
                destination_identities=[self.recipient],
                attributes={SEQ_ATTRIBUTE: str(seq)},
            )
        except Exception as e:  # the app is away; it resumes from its last seq when back
            logger.warning("event %d not delivered to %s: %s", seq, self.recipient, e)


class EventSequencer:
    """Numbered lines in, events out: in order, each once (app side)."""

    def __init__(self) -> None:
        self.last_seq = 0
        self._held: dict[int, str] = {}

    def accept(self, seq: int, line: str) -> list[Event]:
        """Take line ``seq``; return the events now deliverable in order (maybe none)."""
        if seq <= self.last_seq or seq in self._held:
            return []
        self._held[seq] = line
        ready: list[Event] = []
        while self.last_seq + 1 in self._held:
            self.last_seq += 1
            ready.append(from_json(self._held.pop(self.last_seq)))
        return ready

    @property
    def waiting(self) -> int:
        """Lines held back because an earlier one is missing."""
        return len(self._held)


def parse_seq(attributes: dict[str, str] | None) -> int | None:
    try:
        return int((attributes or {})[SEQ_ATTRIBUTE])
    except (KeyError, ValueError):
        return None


EventCallback = Callable[[Event], None]
