"""``simulator worker``: settings checked before start, a health server on 127.0.0.1 only, and
commands accepted from the app participant alone, carried out on the real session."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from livekit import rtc

from simulator import cli
from simulator.commands import (
    NewConversationCommand,
    SayCommand,
    TakeOverCommand,
    WhisperCommand,
    to_json,
)
from simulator.events import (
    CoachWhisperEvent,
    ConversationResetEvent,
    Event,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.host.command_server import BAD_COMMAND, FORBIDDEN, CommandServer
from simulator.host.controller import SessionController
from simulator.room.config import LiveKitConfigError, check_credentials, livekit_config
from simulator.room.metadata import SessionMetadata
from simulator.room.transport import EventPublisher
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings, secret
from simulator.worker import build_server, settings_for
from tests.fakes.participant import stand_in

APP = "app-5f3a"
GOOD = {
    "livekit_url": "ws://127.0.0.1:7880",
    "livekit_api_key": "devkey",
    "livekit_api_secret": "a-secret-long-enough-for-hs256-signing!",
}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"livekit_url": None}, "LIVEKIT_URL is not set"),
        (
            {"livekit_url": "127.0.0.1:7880"},
            "LIVEKIT_URL must be a ws://, wss://, http:// or https://",
        ),
        ({"livekit_url": "ftp://livekit.example"}, "LIVEKIT_URL must be"),
        ({"livekit_url": "wss://"}, "LIVEKIT_URL must be"),
        ({"livekit_api_key": ""}, "LIVEKIT_API_KEY is not set"),
        ({"livekit_api_secret": "  "}, "LIVEKIT_API_SECRET is not set"),
    ],
)
def test_missing_or_malformed_livekit_settings_are_named(overrides, message) -> None:
    with pytest.raises(LiveKitConfigError, match=message):
        livekit_config(Settings(**(GOOD | overrides)))


def test_the_worker_command_says_what_is_wrong_and_exits_2(monkeypatch, capsys) -> None:
    for name in ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LIVEKIT_URL", "http://127.0.0.1:7880")
    monkeypatch.setenv("LIVEKIT_API_KEY", "devkey")
    assert cli.main(["worker"]) == 2
    assert "LIVEKIT_API_SECRET is not set" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_an_unreachable_server_is_reported_before_the_worker_starts() -> None:
    url = f"ws://127.0.0.1:{free_port()}"
    config = livekit_config(Settings(**(GOOD | {"livekit_url": url})))
    with pytest.raises(LiveKitConfigError) as refused:
        await check_credentials(config, timeout_s=5)
    assert str(refused.value) == f"Cannot reach LiveKit at LIVEKIT_URL={url}: connection refused"


async def test_an_unknown_host_is_reported_in_plain_words() -> None:
    config = livekit_config(Settings(**(GOOD | {"livekit_url": "wss://no-such-project.invalid"})))
    with pytest.raises(LiveKitConfigError) as unknown:
        await check_credentials(config, timeout_s=5)
    assert (
        str(unknown.value)
        == "Cannot reach LiveKit at LIVEKIT_URL=wss://no-such-project.invalid: name not resolved"
    )


async def test_a_server_that_never_answers_is_reported_as_timed_out() -> None:
    held: list[asyncio.StreamWriter] = []
    silent = await asyncio.start_server(
        lambda _r, w: held.append(w), "127.0.0.1", 0
    )  # accepts, never answers
    try:
        url = f"ws://127.0.0.1:{silent.sockets[0].getsockname()[1]}"
        config = livekit_config(Settings(**(GOOD | {"livekit_url": url})))
        with pytest.raises(LiveKitConfigError) as silence:
            await check_credentials(config, timeout_s=0.5)
        assert str(silence.value) == f"Cannot reach LiveKit at LIVEKIT_URL={url}: timed out"
    finally:
        for writer in held:
            writer.close()
        silent.close()
        await silent.wait_closed()


async def test_a_rejected_key_is_reported_before_the_worker_starts() -> None:
    # LiveKit's server API (twirp) refusing a token signed with the wrong secret
    async def list_rooms(request: web.Request) -> web.Response:
        assert request.headers["Authorization"].startswith("Bearer ")
        return web.json_response({"code": "unauthenticated", "msg": "invalid token"}, status=401)

    app = web.Application()
    app.router.add_post("/twirp/livekit.RoomService/ListRooms", list_rooms)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        port = runner.addresses[0][1]
        config = livekit_config(Settings(**(GOOD | {"livekit_url": f"ws://127.0.0.1:{port}"})))
        with pytest.raises(LiveKitConfigError, match="rejected LIVEKIT_API_KEY/LIVEKIT_API_SECRET"):
            await check_credentials(config, timeout_s=5)
    finally:
        await runner.cleanup()


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (Linux /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


async def test_the_health_server_binds_127_0_0_1_only() -> None:
    server = build_server(Settings(**GOOD, worker_port=0))
    started = asyncio.Event()
    server.on("worker_started", lambda *_: started.set())
    running = asyncio.create_task(server.run(devmode=True, unregistered=True))
    try:
        await asyncio.wait_for(started.wait(), 30)
        port = server.worker_info.http_port
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/worker") as response:
                info = await response.json()
        assert info["agent_name"] == "sales-team"
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
    finally:
        await server.aclose()
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


def test_a_knowledge_set_is_a_folder_name_under_the_workers_data_dir(tmp_path: Path) -> None:
    settings = Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=tmp_path)
    (tmp_path / "knowledge-sets" / "acme").mkdir(parents=True)

    def pick(name: str | None) -> Settings:
        return settings_for(settings, SessionMetadata(app_identity=APP, knowledge=name))

    assert pick(None).knowledge_dir == BUNDLED_KNOWLEDGE
    assert pick("acme").knowledge_dir == tmp_path / "knowledge-sets" / "acme"
    for bad in ("../etc", "/etc", "missing"):
        with pytest.raises(Exception, match="knowledge set"):
            pick(bad)


class SilentParticipant:
    """The worker's local participant as far as sending events goes (no LiveKit server here)."""

    async def send_text(self, *args: object, **kwargs: object) -> None:
        return None


def invocation(caller: str, payload: str) -> rtc.RpcInvocationData:
    return rtc.RpcInvocationData(
        request_id="r1",
        caller_identity=caller,
        payload=payload,
        response_timeout=10.0,
        method="simulator.command",
    )


async def next_event(runner: SessionRunner, cls: type) -> Event:
    async with asyncio.timeout(30):
        async for event in runner.events():
            if isinstance(event, cls):
                return event
    raise AssertionError("runner closed")


async def test_only_the_app_participant_may_command_the_session(tmp_path: Path) -> None:
    settings = Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=tmp_path)
    async with SessionRunner(settings) as runner, SessionController(runner) as controller:
        server = CommandServer(
            controller,
            EventPublisher(stand_in(SilentParticipant()), APP),
            allowed_identity=APP,
        )
        for intruder in ("visitor-1", "agent-AJ_x", "", APP.upper()):
            with pytest.raises(rtc.RpcError) as refused:
                await server.handle(
                    invocation(intruder, to_json(SayCommand(text="Give me a discount")))
                )
            assert refused.value.code == FORBIDDEN

        with pytest.raises(rtc.RpcError) as bad:
            await server.handle(invocation(APP, '{"type": "say"}'))
        assert bad.value.code == BAD_COMMAND

        reply = await server.handle(
            invocation(APP, to_json(SayCommand(text="How much is the Starter plan?")))
        )
        assert reply == '{"ok":true,"message":"heard"}'
        heard = await next_event(runner, TranscriptEvent)
        assert (heard.turn_id, heard.speaker, heard.text) == (
            1,
            "customer",
            "How much is the Starter plan?",
        )
        await next_event(runner, TurnCompletedEvent)

        reply = await server.handle(invocation(APP, to_json(TakeOverCommand())))
        assert (
            reply
            == '{"ok":false,"message":"No rehearsal is running: pick a persona and press Play."}'
        )
        reply = await server.handle(
            invocation(APP, to_json(WhisperCommand(text="Offer the pilot")))
        )
        assert '"ok":true' in reply
        whisper = await next_event(runner, CoachWhisperEvent)
        assert (whisper.status, whisper.text) == ("queued", "Offer the pilot")

        reply = await server.handle(invocation(APP, to_json(NewConversationCommand())))
        assert '"ok":true' in reply
        await next_event(runner, ConversationResetEvent)


async def test_a_local_worker_that_cannot_start_says_why(tmp_path: Path) -> None:
    from simulator.room.local_worker import LocalWorker, worker_running

    settings = Settings(
        **(GOOD | {"livekit_url": f"ws://127.0.0.1:{free_port()}"}),
        data_dir=tmp_path,
        worker_port=free_port(),
    )
    assert not await worker_running(settings)
    env = {
        k: v
        for k, v in __import__("os").environ.items()
        if not k.startswith(("LIVEKIT_", "CEREBRAS_", "CARTESIA_"))
    }
    env |= {
        "LIVEKIT_URL": settings.livekit_url,
        "LIVEKIT_API_KEY": "devkey",
        "LIVEKIT_API_SECRET": secret(settings.livekit_api_secret),
        "SIMULATOR_DATA_DIR": str(tmp_path),
    }
    worker = LocalWorker(settings, start_timeout_s=60, env=env)
    with pytest.raises(Exception, match="local worker exited: .*Cannot reach LiveKit"):
        await worker.start()
    assert not worker.started_here
