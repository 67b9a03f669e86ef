"""Reliability: Cerebras failing on the wire, in every way the local server can fail.

A booth demo runs on a flaky network. Whatever the provider does (a 429 with ``Retry-After``, a
500, no answer, a connection reset mid-answer, a stream that stops making sense, an error event
mid-stream), each customer turn either recovers (the SDK's retries absorb it) or is answered by
the offline responder with a status event saying so; the conversation goes on; and the session
log, written as the app writes it, holds every event the session emitted.

The fault hits the Pricing Specialist's first request, just after the Greeter's handoff: the
customer's second turn. Requests are numbered on the server: 0 = the Greeter's welcome, 1 = its
transfer, 2 onwards = the specialist (retries included).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from simulator.events import (
    Event,
    HandoffEvent,
    StatusEvent,
    TranscriptDeltaEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.session import SessionRunner
from simulator.session_log import SessionLog, as_logged, load_log
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.fakes.cerebras_server import CerebrasServer, Fault, Reply, ToolCall

LINES = (
    "Hello, I'm Dana from Northbay Foods.",
    "What does the Professional plan cost?",
    "Do you offer a pilot?",
)
PRICE_ANSWER = (
    "The Professional plan is $11 per sensor per month, billed monthly on an annual agreement."
)
CUT_ANSWER = "Our Professional plan comes to eleven dollars a sensor each month."
"""Worded unlike the knowledge, so its fragments cannot be mistaken for the offline answer's."""
FAULTED_TURN = 2
FIRST_SPECIALIST_REQUEST = 2


def sales_team_model(body: Mapping[str, Any]) -> Reply:
    messages = body["messages"]
    if "You are the Greeter" in messages[0]["content"]:
        last = [m["content"] for m in messages if m["role"] == "user"][-1]
        if "cost" in last:
            return Reply(
                tool_calls=[ToolCall("transfer_to_pricing", {"reason": "asks about the price"})]
            )
        return Reply(text="Welcome to Lumora! What can I help you with?")
    return Reply(text=PRICE_ANSWER)


@dataclass(frozen=True)
class Case:
    fault: Fault
    attempts: int
    """Requests in a row (from the specialist's first) that get the fault."""
    recovers: bool
    """The SDK's own retries absorb it: the reply still comes from Cerebras."""
    cause: str
    """A regular expression the status event's message must match (what went wrong, readably)."""
    timeout_s: float = 20.0
    retries: int = 2


CASES = {
    "429 with Retry-After, absorbed by a retry": Case(
        Fault.status(429, retry_after="0.05"), attempts=2, recovers=True, cause=""
    ),
    "429 with Retry-After, persistent": Case(
        Fault.status(429, retry_after="0.01"),
        attempts=3,
        recovers=False,
        cause=r"429 \(rate limited\)",
    ),
    "500 once, absorbed by a retry": Case(Fault.status(500), attempts=1, recovers=True, cause=""),
    "500, persistent": Case(
        Fault.status(500), attempts=3, recovers=False, cause=r"500 \(server error\)"
    ),
    "no answer within the timeout": Case(
        Fault.timeout(hold_s=30),
        attempts=1,
        recovers=False,
        cause=r"did not answer within",
        timeout_s=0.5,
        retries=0,
    ),
    "connection reset mid-answer": Case(
        Fault.reset(after_chunks=4), attempts=1, recovers=False, cause=r"broke off mid-answer"
    ),
    "malformed stream": Case(
        Fault.malformed(after_chunks=3), attempts=1, recovers=False, cause=r"malformed|cannot read"
    ),
    "error event mid-stream": Case(
        Fault.stream_error(503, after_chunks=3),
        attempts=1,
        recovers=False,
        cause=r"error mid-answer",
    ),
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reliability-data")


class LoggedSession:
    """What the app's bridge does with a session: read every event and append it to a session
    log."""

    def __init__(self, runner: SessionRunner, log_path: Path) -> None:
        self.events: list[Event] = []
        self._log = SessionLog(log_path)
        self._changed = asyncio.Condition()
        self._task = asyncio.create_task(self._pump(runner))

    async def _pump(self, runner: SessionRunner) -> None:
        async for event in runner.events():
            self._log.write(event)
            async with self._changed:
                self.events.append(event)
                self._changed.notify_all()
        self._log.close()

    async def until(self, predicate: Any, timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self.events))

    async def aclose(self) -> None:
        await asyncio.wait_for(self._task, 15)


@pytest.mark.parametrize("name", list(CASES))
async def test_every_turn_recovers_or_degrades_and_the_log_keeps_every_event(
    name: str, data_dir: Path, tmp_path: Path
) -> None:
    case = CASES[name]
    server: CerebrasServer

    def model(body: Mapping[str, Any]) -> Reply:
        reply = sales_team_model(body)
        number = len(server.requests) - 1
        faulted = FIRST_SPECIALIST_REQUEST <= number < FIRST_SPECIALIST_REQUEST + case.attempts
        return Reply(
            text=reply.text, tool_calls=reply.tool_calls, fault=case.fault if faulted else None
        )

    server = CerebrasServer(responder=model)
    async with server:
        settings = Settings(
            knowledge_dir=BUNDLED_KNOWLEDGE,
            data_dir=data_dir,
            cerebras_api_key="test-key",
            cerebras_base_url=server.base_url,
            cerebras_max_retries=case.retries,
            cerebras_timeout_s=case.timeout_s,
        )
        runner = SessionRunner(settings)
        async with runner:
            session = LoggedSession(runner, tmp_path / "session.jsonl")
            for line in LINES:
                turn = await runner.send(line)
                await session.until(
                    lambda events, t=turn: any(
                        isinstance(e, TurnCompletedEvent) and e.turn_id == t for e in events
                    )
                )
        await session.aclose()

    events = session.events
    assert [e.turn_id for e in events if isinstance(e, TurnCompletedEvent)] == [1, 2, 3]
    replies = {
        e.turn_id: e for e in events if isinstance(e, TranscriptEvent) and e.speaker != "customer"
    }
    assert sorted(replies) == [1, 2, 3], "every turn has an answer"
    assert [(h.turn_id, h.to_agent) for h in events if isinstance(h, HandoffEvent)] == [
        (2, "pricing")
    ]
    assert not [e for e in events if isinstance(e, StatusEvent) and e.level == "error"]
    warnings = [e for e in events if isinstance(e, StatusEvent) and e.level == "warning"]
    faulted = replies[FAULTED_TURN]
    if case.recovers:
        assert (faulted.provider, faulted.text) == ("cerebras", PRICE_ANSWER)
        assert not warnings
        assert len(server.requests) >= FIRST_SPECIALIST_REQUEST + case.attempts + 1
    else:
        assert (
            faulted.provider == "offline" and faulted.speaker == "pricing" and faulted.text.strip()
        )
        cerebras_warnings = [w for w in warnings if w.source == "cerebras"]
        assert len(cerebras_warnings) == 1, warnings
        assert re.search(case.cause, cerebras_warnings[0].message), cerebras_warnings[0].message
        assert "offline" in cerebras_warnings[0].message
        completed = next(
            i for i, e in enumerate(events) if isinstance(e, TurnCompletedEvent) and e.turn_id == 2
        )
        assert events.index(cerebras_warnings[0]) < completed, (
            "the customer learns why before the turn ends"
        )
    assert replies[3].text.strip() and replies[3].provider in ("cerebras", "offline")

    logged = load_log(tmp_path / "session.jsonl")
    assert not logged.bad_lines and not logged.truncated
    assert list(logged.events) == [as_logged(e) for e in events]


async def test_words_streamed_before_a_reset_are_dropped_not_labelled_offline(
    data_dir: Path, tmp_path: Path
) -> None:
    """A reset after a few words of an unfinished sentence: those words are a failed fragment.
    They never reach the customer, nor the transcript under the offline label: the reply is the
    offline answer alone, and what the customer watched stream is what the transcript keeps."""
    server: CerebrasServer

    def model(body: Mapping[str, Any]) -> Reply:
        reply = sales_team_model(body)
        if len(server.requests) - 1 == FIRST_SPECIALIST_REQUEST:
            return Reply(text=CUT_ANSWER, fault=Fault.reset(after_chunks=4))
        return reply

    server = CerebrasServer(responder=model)
    async with server:
        settings = Settings(
            knowledge_dir=BUNDLED_KNOWLEDGE,
            data_dir=data_dir,
            cerebras_api_key="test-key",
            cerebras_base_url=server.base_url,
        )
        runner = SessionRunner(settings)
        async with runner:
            session = LoggedSession(runner, tmp_path / "session.jsonl")
            for line in LINES[:2]:
                await runner.send(line)
        await session.aclose()

    cut_off = " ".join(CUT_ANSWER.split()[:3])  # the server's chunks: role, then one word each
    reply = next(
        e
        for e in session.events
        if isinstance(e, TranscriptEvent) and e.turn_id == 2 and e.speaker == "pricing"
    )
    deltas = "".join(
        e.delta for e in session.events if isinstance(e, TranscriptDeltaEvent) and e.turn_id == 2
    )
    assert reply.provider == "offline" and reply.text.strip()
    assert cut_off not in reply.text and cut_off not in deltas
    assert deltas == reply.text, "what the customer watched stream is what the transcript keeps"
