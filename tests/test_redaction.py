"""One redaction point: a key a provider echoes reaches nothing the simulator shows or writes.

The Cerebras-compatible server here stands for a careless proxy: it echoes the caller's key in an
error message (a status event), in a handoff's and a look-up's arguments (tool arguments) and in
the answer itself. Every channel is then read for the key: ``simulator chat`` as a person sees
it, ``simulator chat --jsonl``, ``simulator rehearse --report``'s HTML, the session log the host
writes (the desktop app's export is checked in tests/app/test_app_redaction.py). And a key
streamed in pieces is caught across the pieces.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from simulator.events import (
    Event,
    StatusEvent,
    ToolCallEvent,
    TranscriptDeltaEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.host.supervisor import SessionSupervisor
from simulator.redaction import REDACTED, EventRedactor, Redactor
from simulator.session_log import log_text
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.fakes.cerebras_server import CerebrasServer, Fault, Reply, ToolCall
from tests.test_supervisor import Told

REPO = Path(__file__).resolve().parent.parent
KEY = "csk-echoed-4f8e2a6b9c1d3e5f7a9b0c"
CUSTOMER_PROMPT = "You are role-playing a prospective customer"
LINES = ("Hello, I'm Dana.", "What does the Professional plan cost?")


class EchoingModel:
    """The team and the customer behind a proxy that repeats the caller's key everywhere."""

    def __call__(self, body: Mapping[str, Any]) -> Reply:
        messages = body["messages"]
        system = str(messages[0]["content"])
        if CUSTOMER_PROMPT in system:
            said = sum(1 for m in messages if m["role"] == "assistant")
            line = (
                {"say": "What does the Professional plan cost for forty freezers?", "raised": []}
                if said == 0
                else {"say": "Thanks, that is all I needed.", "end": "declined"}
            )
            return Reply(text=json.dumps({"raised": [], "revealed": [], "end": None} | line))
        if "You are the Greeter" in system:
            return Reply(
                tool_calls=[ToolCall("transfer_to_pricing", {"reason": f"price, for key {KEY}"})]
            )
        if not any(m["role"] == "tool" for m in messages):
            return Reply(tool_calls=[ToolCall("check_stock", {"product": f"gateway {KEY}"})])
        return Reply(text=f"The Professional plan is $11 per sensor per month, account {KEY}.")


def leaky_server() -> CerebrasServer:
    echo = f"upstream refused the request signed with {KEY}"
    return CerebrasServer(
        replies=[Reply(fault=Fault.status(500, message=echo, times=3))],  # a status event
        responder=EchoingModel(),
    )


def environment(server: CerebrasServer, data_dir: Path) -> dict[str, str]:
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LIVEKIT_", "CEREBRAS_", "CARTESIA_", "SIMULATOR_"))
    }
    return kept | {
        "CEREBRAS_API_KEY": KEY,
        "CEREBRAS_BASE_URL": server.base_url,
        "SIMULATOR_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO),
    }


async def simulator(env: dict[str, str], *args: str, stdin: bytes = b"") -> tuple[str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        *args,
        cwd=REPO,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), 180)
    assert process.returncode == 0, err.decode()[-2000:]
    return out.decode(), err.decode()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("redaction-data")


@pytest.mark.parametrize("jsonl", [False, True], ids=["chat", "chat --jsonl"])
async def test_the_terminal_shows_no_echoed_key(data_dir: Path, jsonl: bool) -> None:
    async with leaky_server() as server:
        out, err = await simulator(
            environment(server, data_dir),
            "chat",
            *(["--jsonl"] if jsonl else []),
            stdin="\n".join(LINES).encode() + b"\n",
        )
    assert KEY not in out and KEY not in err
    assert out.count(REDACTED) >= 3, out  # the key was echoed: status, tool arguments, the answer
    assert "500" in out


async def test_a_rehearsal_report_holds_no_echoed_key(data_dir: Path, tmp_path: Path) -> None:
    report = tmp_path / "rehearsal.html"
    async with CerebrasServer(responder=EchoingModel()) as server:
        out, err = await simulator(
            environment(server, data_dir),
            "rehearse",
            "--persona",
            "price-conscious-restaurants",
            "--turns",
            "3",
            "--report",
            str(report),
        )
    page = report.read_text(encoding="utf-8")
    assert KEY not in page and KEY not in out and KEY not in err
    assert REDACTED in page and "Scorecard" in page


async def test_the_session_log_holds_no_echoed_key(data_dir: Path) -> None:
    told = Told()
    async with leaky_server() as server:
        settings = Settings(
            knowledge_dir=BUNDLED_KNOWLEDGE,
            data_dir=data_dir,
            cerebras_api_key=KEY,
            cerebras_base_url=server.base_url,
            voice_mode="off",
        )
        supervisor = SessionSupervisor(settings, told)
        await supervisor.start()
        for n, line in enumerate(LINES, start=1):
            assert await supervisor.send(line)
            await told.until(lambda e, n=n: isinstance(e, TurnCompletedEvent) and e.turn_id == n)
        await supervisor.aclose()
    logged = log_text(told.logs[0])
    assert KEY not in logged and logged.count(REDACTED) >= 3
    kinds = {type(e) for e in told.events if REDACTED in e.model_dump_json()}
    assert {StatusEvent, ToolCallEvent, TranscriptEvent} <= kinds


def test_a_key_streamed_in_pieces_is_caught_across_them() -> None:
    redact = EventRedactor(Redactor([KEY]))
    text = f"Your key is {KEY}, keep it safe."
    pieces = [text[:15], text[15:24], text[24:40], text[40:]]  # the key is cut twice
    out: list[Event] = []
    for piece in pieces:
        out += redact(TranscriptDeltaEvent(turn_id=1, speaker="pricing", delta=piece))
    out += redact(TranscriptEvent(turn_id=1, speaker="pricing", text=text))
    streamed = "".join(e.delta for e in out if isinstance(e, TranscriptDeltaEvent))
    assert streamed == f"Your key is {REDACTED}, keep it safe."
    assert out[-1] == TranscriptEvent(
        turn_id=1,
        speaker="pricing",
        text=f"Your key is {REDACTED}, keep it safe.",
        created_at=out[-1].created_at,
    )
    assert not [e for e in out if KEY[:4] in e.model_dump_json()]
