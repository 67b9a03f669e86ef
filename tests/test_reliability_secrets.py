"""Reliability: planted secrets never reach what the simulator shows or writes down.

Keys are planted where they live (settings, the environment, the preferences file) and then
provoked: the provider echoes the key back in its error messages, before and during a stream, as
a misconfigured proxy or a verbose upstream does. Nothing the simulator produces may contain a
key: the event stream (what the app, the terminal and the worker show), Python's log records,
the session log file, the exported HTML report, ``simulator chat --jsonl``'s output, and the
``repr`` of the settings objects. A customer who pastes a key into the chat is redacted in every
file written.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from simulator.events import Event, StatusEvent, TurnCompletedEvent, to_json
from simulator.preferences import Preferences, redactor_for
from simulator.report import render_report
from simulator.session import SessionRunner
from simulator.session_log import SessionLog, log_text
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.fakes.cerebras_server import CerebrasServer, Fault, Reply, ToolCall

REPO = Path(__file__).resolve().parent.parent
CEREBRAS_KEY = "csk-planted-7f3a9c2e1b5d4e6f8a0b9c8d"
CARTESIA_KEY = "sk_car_planted_91c2d3e4f5a6b7c8d9e0"
LIVEKIT_SECRET = "planted-livekit-secret-0a1b2c3d4e5f6a7b"
SECRETS = (CEREBRAS_KEY, CARTESIA_KEY, LIVEKIT_SECRET)
LINES = (
    "Hello, I'm Dana.",
    "What does the Professional plan cost?",
    "And the Starter plan?",
    "Is there a pilot program?",
)


def leaky_model(server_requests: list[Any]) -> Any:
    """The team's model behind a proxy that echoes the caller's key in every error it returns:
    the specialist's first request gets an error event mid-stream naming the key, the next three
    a 500 naming it (retries exhausted); then it recovers."""

    def model(body: Mapping[str, Any]) -> Reply:
        messages = body["messages"]
        number = len(server_requests) - 1
        if "You are the Greeter" in messages[0]["content"]:
            last = [m["content"] for m in messages if m["role"] == "user"][-1]
            if "cost" in last:
                return Reply(
                    tool_calls=[ToolCall("transfer_to_pricing", {"reason": "asks about the price"})]
                )
            return Reply(text="Welcome! What can I help you with?")
        echo = (
            f"upstream refused the request signed with key {CEREBRAS_KEY} (Bearer {CEREBRAS_KEY})"
        )
        if number == 2:
            return Reply(
                text="The Starter plan is six dollars.", fault=Fault.stream_error(502, message=echo)
            )
        if number in (3, 4, 5):
            return Reply(fault=Fault.status(500, message=echo))
        return Reply(text="The Starter plan is $6 per sensor per month.")

    return model


def _assert_clean(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a planted secret appears in {where}"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("secrets-data")


async def _converse(runner: SessionRunner, lines: tuple[str, ...]) -> list[Event]:
    events: list[Event] = []
    done = asyncio.Event()

    async def read() -> None:
        async for event in runner.events():
            events.append(event)
            if isinstance(event, TurnCompletedEvent):
                done.set()

    reader = asyncio.create_task(read())
    for line in lines:
        done.clear()
        await runner.send(line)
        await asyncio.wait_for(done.wait(), 30)
    await runner.aclose()
    await asyncio.wait_for(reader, 10)
    return events


async def test_a_provider_echoing_the_key_leaks_it_nowhere(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    env = {
        "CEREBRAS_API_KEY": CEREBRAS_KEY,
        "CARTESIA_API_KEY": CARTESIA_KEY,
        "LIVEKIT_API_SECRET": LIVEKIT_SECRET,
    }
    server = CerebrasServer()
    server.responder = leaky_model(server.requests)
    async with server:
        settings = Settings(
            knowledge_dir=BUNDLED_KNOWLEDGE,
            data_dir=data_dir,
            cerebras_api_key=CEREBRAS_KEY,
            cerebras_base_url=server.base_url,
            cartesia_api_key=CARTESIA_KEY,
            livekit_api_secret=LIVEKIT_SECRET,
            cerebras_max_retries=2,
        )
        runner = SessionRunner(settings)
        await runner.start()
        events = await _converse(runner, LINES)

    warnings = [
        e
        for e in events
        if isinstance(e, StatusEvent) and e.source == "cerebras" and e.level == "warning"
    ]
    assert len(warnings) >= 2, "both failures reached the customer as status events"
    assert any("500" in w.message for w in warnings)
    for event in events:
        _assert_clean(to_json(event), f"a {event.type} event")
    for record in caplog.records:
        _assert_clean(
            logging.Formatter("%(message)s").format(record), f"the log record {record.name}"
        )

    redactor = redactor_for(Preferences(cerebras_api_key=CEREBRAS_KEY), settings, env)
    with SessionLog(tmp_path / "session.jsonl", redactor=redactor) as log:
        for event in events:
            log.write(event)
    _assert_clean(log_text(tmp_path / "session.jsonl"), "the session log")
    _assert_clean(render_report(events), "the report (even without a redactor)")
    for thing in (
        settings,
        Preferences(
            cerebras_api_key=CEREBRAS_KEY,
            cartesia_api_key=CARTESIA_KEY,
            livekit_api_secret=LIVEKIT_SECRET,
        ),
    ):
        _assert_clean(repr(thing), f"repr({type(thing).__name__})")


async def test_a_key_pasted_by_the_customer_is_redacted_in_every_file(
    data_dir: Path, tmp_path: Path
) -> None:
    settings = Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=data_dir, offline=True)
    runner = SessionRunner(settings)
    await runner.start()
    events = await _converse(
        runner, (f"Our old vendor's key was {CEREBRAS_KEY}, is that a problem?",)
    )
    env = {"CEREBRAS_API_KEY": CEREBRAS_KEY}
    redactor = redactor_for(Preferences(), settings, env)
    with SessionLog(tmp_path / "session.jsonl", redactor=redactor) as log:
        for event in events:
            log.write(event)
    logged = log_text(tmp_path / "session.jsonl")
    _assert_clean(logged, "the session log")
    assert "[redacted]" in logged
    _assert_clean(render_report(events, redactor=redactor), "the exported report")


async def test_the_terminal_prints_no_key_when_the_provider_echoes_it(
    tmp_path: Path, data_dir: Path
) -> None:
    server = CerebrasServer()
    server.responder = leaky_model(server.requests)
    async with server:
        env = {
            **os.environ,
            "CEREBRAS_API_KEY": CEREBRAS_KEY,
            "CEREBRAS_BASE_URL": server.base_url,
            "CARTESIA_API_KEY": CARTESIA_KEY,
            "SIMULATOR_DATA_DIR": str(data_dir),
            "PYTHONPATH": str(REPO),
            "HF_HUB_OFFLINE": "1",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "simulator",
            "chat",
            "--jsonl",
            cwd=REPO,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(
            process.communicate("\n".join(LINES).encode() + b"\n"), 120
        )
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert b'"type":"status"' in stdout and b"500" in stdout
    _assert_clean(stdout.decode(), "`simulator chat --jsonl` output")
    _assert_clean(stderr.decode(), "`simulator chat` error output")
