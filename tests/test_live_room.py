"""The worker and the app client in a real LiveKit room.

Runs only when ``LIVEKIT_URL``, ``LIVEKIT_API_KEY`` and ``LIVEKIT_API_SECRET`` are set, e.g.
against a local ``livekit-server --dev`` (``ws://127.0.0.1:7880``, ``devkey``, ``secret``); see
the README. The worker is started as a child process (``simulator worker``) on the offline
responder and without voice, so no other key is needed.
"""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest

from simulator.commands import NewConversationCommand, SayCommand, to_json
from simulator.events import ConversationResetEvent, Event, TranscriptEvent, TurnCompletedEvent
from simulator.host.command_server import FORBIDDEN
from simulator.room.access import TokenMinter, new_app_identity
from simulator.room.client import RoomClient
from simulator.room.local_worker import LocalWorker
from simulator.room.metadata import SessionMetadata
from simulator.room.transport import RPC_METHOD
from simulator.settings import BUNDLED_KNOWLEDGE, Settings, secret

REQUIRED = ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET")
pytestmark = pytest.mark.skipif(
    not all(os.environ.get(name) for name in REQUIRED),
    reason="live-room tests need LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET "
    "(e.g. `livekit-server --dev`: ws://127.0.0.1:7880, devkey, secret)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def worker(tmp_path: Path):
    settings = Settings.load(  # the LiveKit server from the environment; the rest is the test's
        flags={
            "knowledge_dir": BUNDLED_KNOWLEDGE,
            "data_dir": tmp_path,
            "livekit_agent_name": f"sales-team-test-{os.getpid()}",
            "worker_port": free_port(),
            "offline": True,
            "voice_mode": "off",
        }
    )
    async with LocalWorker(settings, start_timeout_s=90) as local:  # the worker gets these
        assert local.started_here
        yield settings


def client_for(settings: Settings) -> RoomClient:
    tokens = TokenMinter(
        url=settings.livekit_url,
        api_key=secret(settings.livekit_api_key),
        api_secret=secret(settings.livekit_api_secret),
        agent_name=settings.livekit_agent_name,
    )
    return RoomClient(tokens, SessionMetadata(app_identity=new_app_identity()), agent_timeout_s=60)


async def until(client: RoomClient, predicate, timeout: float = 60.0) -> None:
    changed = asyncio.Event()
    client.on_event = lambda _event: changed.set()
    async with asyncio.timeout(timeout):
        while True:
            changed.clear()
            if predicate(client.transcript):
                return
            await changed.wait()


def turn_done(n: int):
    return lambda events: any(isinstance(e, TurnCompletedEvent) and e.turn_id == n for e in events)


async def test_the_app_talks_to_the_team_in_a_room_and_keeps_its_transcript_across_a_reconnect(
    worker,
) -> None:
    async with client_for(worker) as client:
        assert client.agent_identity
        assert (await client.send(SayCommand(text="How much is the Professional plan?"))).ok
        await until(client, turn_done(1))
        said = [(e.speaker, e.turn_id) for e in client.transcript if isinstance(e, TranscriptEvent)]
        assert said[0] == ("customer", 1) and said[-1][1] == 1 and said[-1][0] != "customer"

        await client.reconnect()
        assert (await client.send(SayCommand(text="Is it in stock?"))).ok
        await until(client, turn_done(2))
        kinds: list[Event] = client.transcript
        assert [e.turn_id for e in kinds if isinstance(e, TurnCompletedEvent)] == [
            1,
            2,
        ]  # nothing doubled
        assert (await client.send(NewConversationCommand())).ok
        await until(
            client, lambda events: any(isinstance(e, ConversationResetEvent) for e in events)
        )


async def test_another_participant_in_the_room_cannot_command_the_session(worker) -> None:
    from livekit import rtc

    async with client_for(worker) as app:
        intruder_tokens = TokenMinter(
            url=worker.livekit_url,
            api_key=secret(worker.livekit_api_key),
            api_secret=secret(worker.livekit_api_secret),
            agent_name="nobody",
        )
        access = intruder_tokens.mint(SessionMetadata(app_identity="visitor"), room=app.room_name)
        intruder = rtc.Room()
        await intruder.connect(access.url, access.token)
        try:
            with pytest.raises(rtc.RpcError) as refused:
                await intruder.local_participant.perform_rpc(
                    destination_identity=app.agent_identity,
                    method=RPC_METHOD,
                    payload=to_json(SayCommand(text="free stuff please")),
                    response_timeout=10,
                )
            assert refused.value.code == FORBIDDEN
        finally:
            await intruder.disconnect()
