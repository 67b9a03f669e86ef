"""The simulator's own small error tree; every message says what is wrong and where.

Messages are built from user data (file contents, a server's answer, a field's value), so each is
cut to a readable length (:func:`shorten`): a message is a sentence to read, not a dump.

SimulatorError
├── KnowledgeError      a knowledge folder or document cannot be used
│   └── DocumentError   one file (named) is skipped
├── ProviderError       a cloud provider failed after retries (the turn degrades)
└── SessionError        a command the session cannot carry out now
"""

MESSAGE_LIMIT = 400
"""Characters of one message shown to a person; past it the text is cut (with a note)."""


def shorten(text: object, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` cut to at most ``limit`` characters (at least 40), saying how much was left out.

    Shortening a shortened text changes nothing."""
    text = text if isinstance(text, str) else str(text)
    limit = max(limit, 40)
    if len(text) <= limit:
        return text
    kept = limit - len(f"… ({len(text):,} more characters)")
    return f"{text[:kept]}… ({len(text) - kept:,} more characters)"


class SimulatorError(Exception):
    """Base of every error the simulator raises on purpose."""

    def __str__(self) -> str:
        # a backstop: messages carry user data, and a message is read, not scrolled through
        return shorten(super().__str__(), 10_000)


class KnowledgeError(SimulatorError):
    """The knowledge folder as a whole cannot be used (missing, not a folder, empty)."""


class DocumentError(KnowledgeError):
    """One document cannot be read; it is skipped and the rest is indexed."""

    def __init__(self, path: str, reason: str) -> None:
        reason = shorten(reason)
        super().__init__(f"{shorten(path, 200)}: {reason}")
        self.path = path
        self.reason = reason


class ProviderError(SimulatorError):
    """A provider (Cerebras, Cartesia, LiveKit) failed in a way retries did not fix."""


class SessionError(SimulatorError):
    """The session cannot carry out a command in its current state."""
