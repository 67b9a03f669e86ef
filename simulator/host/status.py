"""The supervised session's states and the sentences a face shows: what the user reads, and why.

Kept apart from :mod:`simulator.host.supervisor` (the work) so the wording lives in one small
place: the session's state, how a re-index ended, the "ready" line (provider, model, room), the
room's connection in a few words, and a start-up failure as a sentence. Also the one thing that
must happen on the main thread before a voice is built: livekit registers its plugins there only.
"""

from __future__ import annotations

import enum
import importlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.errors import SimulatorError
from simulator.settings import Settings

if TYPE_CHECKING:
    from simulator.host.transport import SessionTransport
    from simulator.knowledge.index import IndexReport

logger = logging.getLogger(__name__)


class SessionState(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    INDEXING = "indexing"
    READY = "ready"
    BUSY = "busy"
    FAILED = "failed"
    CLOSED = "closed"

    @property
    def accepts_turns(self) -> bool:
        return self is SessionState.READY


@dataclass(frozen=True)
class IndexOutcome:
    """How a re-index ended, for the settings dialog."""

    knowledge_dir: Path
    chunks: int = 0
    files_changed: int = 0
    skipped: tuple[str, ...] = ()
    cancelled: bool = False
    error: str | None = None
    elapsed_s: float = 0.0

    @property
    def message(self) -> str:
        if self.error:
            return self.error
        if self.cancelled:
            return (
                f"Re-index cancelled; {self.chunks} passages "
                f"are searchable (finished files were kept)."
            )
        note = f" {len(self.skipped)} file(s) skipped." if self.skipped else ""
        return (
            f"Indexed {self.chunks} passages in {self.elapsed_s:.1f} s "
            f"({self.files_changed} file(s) changed).{note}"
        )

    @classmethod
    def from_report(cls, knowledge_dir: Path, report: IndexReport) -> IndexOutcome:
        return cls(
            knowledge_dir=knowledge_dir,
            chunks=report.chunks,
            files_changed=report.files_added + report.files_updated + report.files_removed,
            skipped=tuple(str(s) for s in report.skipped),
            cancelled=report.cancelled,
            elapsed_s=report.elapsed_s,
        )


def import_voice_plugins(settings: Settings) -> None:
    """Import the livekit plugins a voice may need (on the main thread, as livekit requires)."""
    names = ["livekit.plugins.silero"]
    if settings.cartesia_api_key and settings.voice_mode in ("auto", "cartesia"):
        names.append("livekit.plugins.cartesia")
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:  # the voice then explains itself when it is built
            logger.warning("could not import %s", name, exc_info=True)


def start_failure(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    if isinstance(error, SimulatorError):
        return text[0].upper() + text[1:]
    return f"The sales team could not start: {text}"


def ready_detail(transport: SessionTransport, settings: Settings) -> str:
    provider = transport.provider
    where = " · in a LiveKit room" if transport.kind == "room" else ""
    if provider == "cerebras":
        return f"Ready · Cerebras {settings.cerebras_model}{where}"
    if provider == "offline":
        return f"Ready · offline responder{where}"
    return f"Ready · {provider}{where}"


_ROOM_STATES = {
    "checking": "checking the LiveKit settings…",
    "starting_worker": "starting a local worker…",
    "connecting": "connecting…",
    "waiting_for_agent": "waiting for the sales team…",
    "connected": "connected",
    "reconnecting": "connection lost, reconnecting…",
    "closed": "disconnected",
}


def room_state(state: str, client: Any) -> str:
    room = getattr(client, "room_name", None)
    return f"LiveKit{' room ' + room if room else ''} · {_ROOM_STATES.get(state, state)}"
