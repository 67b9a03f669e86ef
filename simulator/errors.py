"""The simulator's own small error tree; every message says what is wrong and where.

SimulatorError
├── KnowledgeError      a knowledge folder or document cannot be used
│   └── DocumentError   one file (named) is skipped
├── ProviderError       a cloud provider failed after retries (the turn degrades)
└── SessionError        a command the session cannot carry out now
"""


class SimulatorError(Exception):
    """Base of every error the simulator raises on purpose."""


class KnowledgeError(SimulatorError):
    """The knowledge folder as a whole cannot be used (missing, not a folder, empty)."""


class DocumentError(KnowledgeError):
    """One document cannot be read; it is skipped and the rest is indexed."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ProviderError(SimulatorError):
    """A provider (Cerebras, Cartesia, LiveKit) failed in a way retries did not fix."""


class SessionError(SimulatorError):
    """The session cannot carry out a command in its current state."""
