"""The sales team on Cerebras: the real cerebras-cloud-sdk against a compatible server on 127.0.0.1.

The fake model behaves like a team member reading its own prompt: the Greeter transfers price
questions; a specialist answers. Assertions look at what reached the wire and at the events.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from simulator.events import (
    Event,
    HandoffEvent,
    LatencyEvent,
    StatusEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from simulator.team.passages import HEADER
from tests.fakes.cerebras_server import CerebrasServer, Fault, LatencyModel, Reply, ToolCall

PRICE_ANSWER = "The Professional plan is $11 per sensor per month."


def sales_team_model(body: Mapping[str, Any]) -> Reply:
    messages = body["messages"]
    system = messages[0]["content"]
    if "You are the Greeter" in system:
        last_user = [m["content"] for m in messages if m["role"] == "user"][-1]
        if "cost" in last_user or "price" in last_user:
            return Reply(
                tool_calls=[ToolCall("transfer_to_pricing", {"reason": "asks about the price"})]
            )
        return Reply(text="Welcome to Lumora! What can I help you with?")
    return Reply(text=PRICE_ANSWER)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("data")


def cerebras_settings(server: CerebrasServer, data_dir, **overrides: Any) -> Settings:
    return Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE,
        data_dir=data_dir,
        cerebras_api_key="test-key",
        cerebras_base_url=server.base_url,
        **overrides,
    )


async def converse(runner: SessionRunner, *lines: str) -> list[Event]:
    events: list[Event] = []
    for line in lines:
        await runner.send(line)
        async for event in runner.events():
            events.append(event)
            if isinstance(event, TurnCompletedEvent):
                break
    return events


async def test_the_specialist_receives_the_whole_conversation_and_the_retrieved_passages(
    data_dir,
) -> None:
    async with CerebrasServer(responder=sales_team_model) as server:
        async with SessionRunner(cerebras_settings(server, data_dir)) as runner:
            events = await converse(
                runner,
                "Hi, I'm Dana from Northbay Foods, we run forty freezers.",
                "What would the Professional plan cost us?",
            )
        requests = list(server.requests)

    handoff = [e for e in events if isinstance(e, HandoffEvent)]
    assert [(h.from_agent, h.to_agent, h.reason) for h in handoff] == [
        ("greeter", "pricing", "asks about the price")
    ]
    pricing_request = requests[-1]
    assert "You are the Pricing Specialist" in pricing_request.messages[0]["content"]
    said_before = [
        m["content"]
        for m in pricing_request.messages
        if m["role"] == "user" and not m["content"].startswith(HEADER)
    ]
    assert said_before == [
        "Hi, I'm Dana from Northbay Foods, we run forty freezers.",
        "What would the Professional plan cost us?",
    ]
    # The passages are data: a labelled user-role message after the history, never a system one.
    assert not [
        m for m in pricing_request.messages if m["role"] == "system" and HEADER in m["content"]
    ]
    context = [m["content"] for m in pricing_request.messages if m["content"].startswith(HEADER)]
    assert len(context) == 1 and 'source="pricing/pricing-and-plans.md"' in context[0]
    assert pricing_request.messages[-2]["content"] == context[0]  # then the customer's question
    assert (
        "transfer_to_technical" in pricing_request.tool_names
        and "check_stock" in pricing_request.tool_names
    )
    reply = [e for e in events if isinstance(e, TranscriptEvent)][-1]
    assert (reply.speaker, reply.text, reply.provider) == ("pricing", PRICE_ANSWER, "cerebras")


async def test_cerebras_timings_reach_the_latency_event(data_dir) -> None:
    model = LatencyModel(first_token_base_s=0.05, prefill_tokens_per_s=100_000, tokens_per_s=1_000)
    async with CerebrasServer(responder=sales_team_model, latency=model) as server:
        async with SessionRunner(cerebras_settings(server, data_dir)) as runner:
            events = await converse(runner, "Hello there")
    latency = next(e for e in events if isinstance(e, LatencyEvent))
    stages = latency.stages
    assert (latency.provider, latency.model) == ("cerebras", "gpt-oss-120b")
    assert stages.server_total_ms is not None and stages.server_total_ms >= 50
    assert stages.llm_ttft_ms is not None and stages.llm_ttft_ms >= 50
    assert stages.prompt_tokens and stages.completion_tokens and stages.tokens_per_s
    assert stages.retrieval_ms is not None and stages.e2e_ms >= stages.llm_ttft_ms


async def test_a_failing_cerebras_degrades_the_turn_to_offline_and_the_conversation_goes_on(
    data_dir,
) -> None:
    failing = Reply(text="never served", fault=Fault.status(503, retry_after="0.01", times=None))
    async with CerebrasServer(replies=[failing]) as server:
        settings = cerebras_settings(server, data_dir, cerebras_max_retries=1)
        async with SessionRunner(settings) as runner:
            events = await converse(
                runner, "Do you integrate with SAP?", "What does the Starter plan cost?"
            )
        attempts = len(server.requests)

    assert attempts >= 2  # the SDK retried before giving up
    warnings = [e for e in events if isinstance(e, StatusEvent) and e.source == "cerebras"]
    assert warnings and "503" in warnings[0].message and "offline" in warnings[0].message
    replies = [e for e in events if isinstance(e, TranscriptEvent) and e.speaker != "customer"]
    assert len(replies) == 2 and all(r.provider == "offline" for r in replies)
    assert [e.turn_id for e in events if isinstance(e, TurnCompletedEvent)] == [1, 2]


async def test_retries_absorb_a_brief_rate_limit(data_dir) -> None:
    flaky = Reply(
        text="Welcome! How can I help?", fault=Fault.status(429, retry_after="0.01", times=1)
    )
    async with CerebrasServer(replies=[flaky]) as server:
        async with SessionRunner(cerebras_settings(server, data_dir)) as runner:
            events = await converse(runner, "Hello")
    reply = [e for e in events if isinstance(e, TranscriptEvent)][-1]
    assert (reply.text, reply.provider) == ("Welcome! How can I help?", "cerebras")
    assert not [e for e in events if isinstance(e, StatusEvent) and e.level != "info"]
