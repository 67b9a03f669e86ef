"""Reliability: 20 local sessions at once, 20 turns each, on one Cerebras-compatible server.

An event stand runs several sessions on one machine (a queue of visitors, a few screens). Twenty
sessions in one process hold twenty conversations concurrently, each with handoffs and a stock
look-up: every turn is answered by Cerebras (nothing degrades under load), every session reports
its 20 turns in order, no error reaches any event stream, and the process's memory grows by a
bounded amount (measured as RSS after a warm-up session, so model loading is not counted).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psutil
import pytest

from simulator.events import Event, StatusEvent, TranscriptEvent, TurnCompletedEvent
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.fakes.cerebras_server import CerebrasServer, Reply, ToolCall

SESSIONS = 20
TURNS = 20
RSS_GROWTH_BOUND_MB = 600
"""Generous: twenty live sessions' histories, indexes' caches and connections (measured ~150 MB)."""
LINES = (
    "Hello, I'm from Northbay Foods, we run forty freezers.",
    "Do your sensors work in a minus eighty freezer?",
    "How long does the battery last?",
    "What does the Professional plan cost?",
    "Do you have the CT-200 in stock?",
)

pytestmark = pytest.mark.slow


def team_model(body: Mapping[str, Any]) -> Reply:
    messages = body["messages"]
    system = messages[0]["content"]
    conversation = [m for m in messages if m["role"] != "system"]
    if conversation and conversation[-1]["role"] == "tool":
        return Reply(text="We have it in stock in Denver.")
    last = [m["content"] for m in messages if m["role"] == "user"][-1].lower()
    tools = {t["function"]["name"] for t in body.get("tools") or []}
    wanted = (
        "pricing"
        if ("cost" in last or "stock" in last)
        else "technical"
        if (("freezer" in last and "minus" in last) or "battery" in last)
        else None
    )
    role = (
        "pricing"
        if "Pricing Specialist" in system
        else "technical"
        if "Technical Specialist" in system
        else "greeter"
    )
    if wanted and wanted != role and f"transfer_to_{wanted}" in tools:
        return Reply(
            tool_calls=[ToolCall(f"transfer_to_{wanted}", {"reason": "the customer asked"})]
        )
    if "stock" in last and "check_stock" in tools:
        return Reply(tool_calls=[ToolCall("check_stock", {"product": "CT-200"})])
    return Reply(text=f"Happy to help with that, from the {role}.")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("load-data")


async def one_session(settings: Settings, number: int) -> list[Event]:
    events: list[Event] = []
    completed = asyncio.Condition()

    async def read(runner: SessionRunner) -> None:
        async for event in runner.events():
            async with completed:
                events.append(event)
                completed.notify_all()

    runner = SessionRunner(settings)
    async with runner:
        reader = asyncio.create_task(read(runner))
        for turn in range(TURNS):
            if turn and turn % len(LINES) == 0:
                await runner.reset()
            turn_id = await runner.send(f"{LINES[turn % len(LINES)]} (visitor {number})")
            async with asyncio.timeout(60), completed:
                await completed.wait_for(
                    lambda t=turn_id: any(
                        isinstance(e, TurnCompletedEvent) and e.turn_id == t for e in events
                    )
                )
    await asyncio.wait_for(reader, 10)
    return events


async def test_twenty_sessions_of_twenty_turns_at_once(data_dir: Path) -> None:
    async with CerebrasServer(responder=team_model) as server:
        settings = Settings(
            knowledge_dir=BUNDLED_KNOWLEDGE,
            data_dir=data_dir,
            cerebras_api_key="test-key",
            cerebras_base_url=server.base_url,
        )
        await one_session(settings, 0)  # warm-up: the index, the embedding model, the imports
        gc.collect()
        process = psutil.Process()
        before = process.memory_info().rss
        results = await asyncio.gather(*(one_session(settings, n) for n in range(1, SESSIONS + 1)))
        peak = process.memory_info().rss
        requests = len(server.requests)

    for number, events in enumerate(results, start=1):
        assert [e.turn_id for e in events if isinstance(e, TurnCompletedEvent)] == list(
            range(1, TURNS + 1)
        ), number
        problems = [e for e in events if isinstance(e, StatusEvent) and e.level != "info"]
        assert not problems, (number, problems)
        replies = [e for e in events if isinstance(e, TranscriptEvent) and e.speaker != "customer"]
        assert len(replies) == TURNS and all(r.provider == "cerebras" for r in replies), number
        said = [
            e.text for e in events if isinstance(e, TranscriptEvent) and e.speaker == "customer"
        ]
        assert all(text.endswith(f"(visitor {number})") for text in said), (
            "no session saw another's customer"
        )
    assert requests >= SESSIONS * TURNS
    growth_mb = (peak - before) / 1024**2
    print(f"RSS growth with {SESSIONS} sessions x {TURNS} turns: {growth_mb:.0f} MB")
    assert growth_mb < RSS_GROWTH_BOUND_MB
