"""Keeps secrets out of everything the simulator writes down.

Session logs and exported reports are shared (mailed to a manager, attached to a ticket), so any
API key or token that found its way into an event's text - a provider echoing a key in an error
message, say - is replaced before a byte reaches the file.
"""

from __future__ import annotations

from collections.abc import Iterable

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6
"""Shorter values would blank out ordinary words; no real key is this short."""


class Redactor:
    """Replaces every occurrence of the given secrets in a text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        unique = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted(unique, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"
