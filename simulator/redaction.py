"""Keeps secrets out of everything the simulator shows or writes down: the one redaction point.

A provider may echo the caller's key in its answer, an error message or a tool argument, and a
customer may paste one into the chat. Every event is redacted as it is emitted
(:class:`EventRedactor`, in :class:`~simulator.session.SessionRunner`), so what consumes the
event stream (the app, the terminal, ``--jsonl``, the worker's room stream, session logs, reports)
never sees a key; the same :class:`Redactor` cleans the few texts that are not events (a start-up
failure, a terminal's error line, a file written from events of another run).

A key streamed in pieces is caught too: the tail of a streamed reply that could be the start of a
secret is held back until the next piece shows whether it is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from simulator.events import ClaimCheckEvent, Event, TranscriptDeltaEvent, to_json

if TYPE_CHECKING:
    from simulator.settings import Settings

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6
"""Shorter values would blank out ordinary words; no real key is this short."""


class Redactor:
    """Replaces every occurrence of the given secrets in a text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        unique = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted(unique, key=len, reverse=True)

    @classmethod
    def for_settings(cls, settings: Settings, *more: str | None) -> Redactor:
        """A redactor for every secret in ``settings``, and ``more``."""
        return cls([*settings.secret_values(), *more])

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"

    def found_in(self, text: str) -> bool:
        return any(secret in text for secret in self._secrets)

    def unfinished(self, text: str) -> int:
        """The length of the longest end of ``text`` that begins a secret (0: none does)."""
        longest = 0
        for secret in self._secrets:
            for length in range(min(len(secret) - 1, len(text)), longest, -1):
                if text.endswith(secret[:length]):
                    longest = length
                    break
        return longest

    def event(self, event: Event) -> Event:
        """``event`` with every text in it redacted (itself when there is nothing to redact)."""
        if not self._secrets or not self.found_in(to_json(event)):
            return event
        data = _redacted(event.model_dump(), self)
        if isinstance(event, ClaimCheckEvent):
            data["claims"] = [
                claim | _shifted(event.reply, original.start, original.end, self)
                for claim, original in zip(data["claims"], event.claims, strict=True)
            ]
        return type(event).model_validate(data)


class EventRedactor:
    """Redacts a session's events in the order they are emitted; see the module doc.

    :meth:`__call__` returns the events to pass on for one emitted event: none while a streamed
    piece is held back, the held-back text first when a piece or another event releases it.
    """

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self._held: TranscriptDeltaEvent | None = None

    def __call__(self, event: Event) -> list[Event]:
        if not self.redactor:
            return [event]
        if isinstance(event, TranscriptDeltaEvent):
            return self._delta(event)
        released = self._release()
        return [*released, self.redactor.event(event)]

    def _delta(self, event: TranscriptDeltaEvent) -> list[Event]:
        held = self._held
        out: list[Event] = []
        if held is not None and (held.turn_id, held.speaker) != (event.turn_id, event.speaker):
            out += self._release()
            held = None
        text = self.redactor((held.delta if held else "") + event.delta)
        keep = self.redactor.unfinished(text)
        ready, tail = text[: len(text) - keep], text[len(text) - keep :]
        self._held = event.model_copy(update={"delta": tail}) if tail else None
        if ready:
            out.append(event.model_copy(update={"delta": ready}))
        return out

    def _release(self) -> list[Event]:
        held, self._held = self._held, None
        return [held] if held is not None else []


def _redacted(value: Any, redact: Redactor) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {key: _redacted(item, redact) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted(item, redact) for item in value]
    if isinstance(value, BaseModel):
        return _redacted(value.model_dump(), redact)
    return value


def _shifted(reply: str, start: int, end: int, redact: Redactor) -> dict[str, int]:
    """A claim's span in the redacted reply (keys never overlap the figures a claim is about)."""
    new_start = len(redact(reply[:start]))
    return {"start": new_start, "end": new_start + len(redact(reply[start:end]))}
