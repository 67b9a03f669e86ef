"""The session host's supervisor, without Qt: it indexes and starts the session here (or falls back
from a LiveKit room that cannot be joined, saying why), logs every event as it passes it on,
turns a refused command into a notice, explains a start that failed, and re-indexes with progress.
What a face would be told is recorded by a plain listener."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulator.commands import (
    NewConversationCommand,
    SetPersonaCommand,
    StepCommand,
    TakeOverCommand,
)
from simulator.events import (
    CoachStateEvent,
    ConversationResetEvent,
    Event,
    SessionStartedEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.host.status import SessionState
from simulator.host.supervisor import NOT_RUNNING, SessionSupervisor
from simulator.host.transport import Capabilities
from simulator.session_log import as_logged, load_log, log_text
from simulator.settings import BUNDLED_KNOWLEDGE, Settings

KEY = "csk-supervised-0123456789abcdef"


class Told:
    """Everything the supervisor tells a face, in order (a face's listener, without the face)."""

    def __init__(self) -> None:
        self.states: list[tuple[SessionState, str]] = []
        self.events: list[Event] = []
        self.notices: list[tuple[str, str]] = []
        self.failures: list[str] = []
        self.capabilities: list[Capabilities] = []
        self.connections: list[str] = []
        self.logs: list[Path] = []
        self.progress: list[tuple[int, int, str]] = []
        self.on_main: list[str] = []
        self._changed = asyncio.Condition()

    def state_changed(self, state: SessionState, detail: str) -> None:
        self.states.append((state, detail))

    def event(self, event: Event) -> None:
        self.events.append(event)
        asyncio.get_running_loop().create_task(self._notify())

    def notice(self, level: str, message: str) -> None:
        self.notices.append((level, message))

    def failed(self, message: str) -> None:
        self.failures.append(message)

    def capabilities_changed(self, capabilities: Capabilities) -> None:
        self.capabilities.append(capabilities)

    def connection_changed(self, text: str) -> None:
        self.connections.append(text)

    def log_opened(self, path: Path) -> None:
        self.logs.append(path)

    def index_progress(self, done: int, total: int, source: str) -> None:
        self.progress.append((done, total, source))

    async def on_main_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        self.on_main.append(function.__name__)
        return function(*args)

    async def until(self, predicate: Callable[[Event], bool], timeout: float = 30) -> Event:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: any(predicate(e) for e in self.events))
            return next(e for e in self.events if predicate(e))

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("supervised")


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE,
        data_dir=data_dir,
        offline=True,
        voice_mode="off",
        cerebras_api_key=KEY,
    )


async def test_the_session_starts_here_logs_what_it_passes_on_and_refuses_in_words(
    settings: Settings,
) -> None:
    told = Told()
    supervisor = SessionSupervisor(settings, told)
    await supervisor.start()
    await told.until(lambda e: isinstance(e, SessionStartedEvent))
    assert told.states[0] == (SessionState.INDEXING, "Reading the company's knowledge…")
    assert (SessionState.STARTING, "Seating the sales team…") in told.states
    assert told.states[-1] == (SessionState.READY, "Ready · offline responder")
    assert told.connections == [""] and told.capabilities[0].transport == "local"
    assert told.failures == [] and len(told.logs) == 1

    line = f"Our old vendor's key was {KEY}. What does the Starter plan cost?"
    assert await supervisor.send(line)
    await told.until(lambda e: isinstance(e, TurnCompletedEvent) and e.turn_id == 1)
    said = [e for e in told.events if isinstance(e, TranscriptEvent) and e.speaker == "customer"]
    assert said[0].text == line.replace(KEY, "[redacted]")  # redacted as it was emitted

    assert not await supervisor.execute(TakeOverCommand())
    assert told.notices == [("warning", "No rehearsal is running: pick a persona and press Play.")]
    assert not await supervisor.execute(SetPersonaCommand(persona="nobody-at-all"))
    level, message = told.notices[-1]
    assert level == "warning" and message.startswith("Could not load nobody-at-all: ")

    assert await supervisor.execute(SetPersonaCommand(persona="frostwatch-loyalist"))
    assert await supervisor.execute(StepCommand())
    await told.until(lambda e: isinstance(e, CoachStateEvent) and e.state == "paused")
    assert await supervisor.execute(NewConversationCommand())
    await told.until(
        lambda e: isinstance(e, ConversationResetEvent) and e.created_at > said[0].created_at
    )
    await supervisor.aclose()

    logged = load_log(told.logs[0]).events
    # written before it was passed on, nothing lost (but the passages' ranker units)
    assert logged == tuple(as_logged(e) for e in told.events)
    assert KEY not in log_text(told.logs[0])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_room_that_cannot_be_reached_is_explained_and_the_team_runs_here(
    settings: Settings,
) -> None:
    url = f"ws://127.0.0.1:{closed_port()}"
    told = Told()
    room = settings.replace(livekit_url=url, livekit_api_key="devkey", livekit_api_secret="s3cr3t!")
    supervisor = SessionSupervisor(room, told)
    await supervisor.start()
    try:
        assert (SessionState.STARTING, "Joining the LiveKit room…") in told.states
        assert told.notices == [
            (
                "warning",
                f"Could not use the LiveKit room: Cannot reach LiveKit at LIVEKIT_URL={url}: "
                "connection refused. The sales team runs on this computer instead.",
            )
        ]
        assert told.connections[-1] == "LiveKit unreachable · running locally"
        await told.until(lambda e: isinstance(e, SessionStartedEvent))
        assert told.states[-1][0] is SessionState.READY
        assert told.capabilities[-1].transport == "local"
        assert await supervisor.send("Do you have the gateway in stock?")
    finally:
        await supervisor.aclose()


async def test_a_start_that_fails_is_one_sentence_and_commands_find_no_team(
    settings: Settings, tmp_path: Path
) -> None:
    told = Told()
    missing = tmp_path / "our-sales-material"
    supervisor = SessionSupervisor(settings.replace(knowledge_dir=missing), told)
    await supervisor.start()
    state, detail = told.states[-1]
    assert state is SessionState.FAILED and str(missing) in detail
    assert told.failures == [detail] and detail[0].isupper()
    assert not await supervisor.send("Hello?")
    assert told.failures[-1] == NOT_RUNNING
    await supervisor.aclose()


async def test_reindex_reports_progress_and_how_it_ended(
    settings: Settings, small_company: Path, tmp_path: Path
) -> None:
    told = Told()
    supervisor = SessionSupervisor(settings.replace(data_dir=tmp_path / "data"), told)
    outcome = await supervisor.reindex(small_company)
    assert outcome.error is None and not outcome.cancelled and outcome.chunks > 0
    assert outcome.files_changed == 7 and outcome.message.startswith("Indexed ")
    done, total, _ = told.progress[-1]
    assert done == total == 7
    missing = await supervisor.reindex(tmp_path / "nowhere")
    assert missing.error is not None and "nowhere" in missing.error
