"""The conversation model joins the flat event stream: each reply with its passages, look-ups
and latency, and the running p50/p95."""

from __future__ import annotations

import pytest

from simulator.conversation import (
    AgentReply,
    Conversation,
    CustomerLine,
    LatencySummary,
    percentile,
)
from simulator.events import (
    ConversationResetEvent,
    HandoffEvent,
    LatencyEvent,
    LatencyStages,
    Passage,
    RetrievalEvent,
    ToolCallEvent,
    TranscriptEvent,
)


def retrieval(turn: int, agent: str, source: str) -> RetrievalEvent:
    return RetrievalEvent(
        turn_id=turn,
        agent=agent,
        query="q",
        elapsed_ms=3.0,
        passages=(Passage(source=source, section="S", score=0.5, text="t"),),
    )


def latency(turn: int, agent: str, e2e: float) -> LatencyEvent:
    return LatencyEvent(
        turn_id=turn, agent=agent, provider="offline", model="m", stages=LatencyStages(e2e_ms=e2e)
    )


def test_a_reply_carries_the_retrieval_and_lookups_of_its_own_agent() -> None:
    convo = Conversation(
        [
            TranscriptEvent(
                turn_id=1, speaker="customer", text="Price of the gateway, and is it in stock?"
            ),
            retrieval(1, "greeter", "faq.md"),
            HandoffEvent(
                turn_id=1, from_agent="greeter", to_agent="pricing", reason="wants a price"
            ),
            retrieval(1, "pricing", "pricing/plans.md"),
            ToolCallEvent(
                turn_id=1,
                agent="pricing",
                name="check_stock",
                arguments={"product": "GW-10"},
                output="406",
            ),
            retrieval(1, "pricing", "pricing/plans.md"),
            TranscriptEvent(
                turn_id=1, speaker="pricing", text="$449, 406 in stock.", provider="offline"
            ),
            latency(1, "pricing", 42.0),
        ]
    )
    [customer, handoff, reply] = convo.entries
    assert isinstance(customer, CustomerLine) and isinstance(handoff, HandoffEvent)
    assert isinstance(reply, AgentReply)
    assert reply.number == 1 and reply.speaker == "pricing"
    assert reply.retrieval is not None and reply.retrieval.passages[0].source == "pricing/plans.md"
    assert [c.name for c in reply.tool_calls] == ["check_stock"]
    assert reply.latency is not None and reply.latency.stages.e2e_ms == 42.0
    assert convo.active_agent == "pricing"
    assert convo.reply(1) is reply and convo.reply(2) is None


def test_a_reset_starts_over_with_the_greeter_and_keeps_the_record() -> None:
    convo = Conversation(
        [
            HandoffEvent(turn_id=1, from_agent="greeter", to_agent="technical", reason="specs"),
            ConversationResetEvent(),
        ]
    )
    assert convo.active_agent == "greeter"
    assert isinstance(convo.entries[-1], ConversationResetEvent)


def test_latency_summary_over_replies() -> None:
    convo = Conversation(
        [latency(t, "greeter", v) for t, v in enumerate([100.0, 200.0, 300.0, 400.0], 1)]
    )
    summary = convo.e2e_summary()
    assert summary == LatencySummary(
        count=4, last_ms=400.0, p50_ms=250.0, p95_ms=pytest.approx(385.0), best_ms=100.0
    )
    assert Conversation().e2e_summary().p50_ms is None


def test_percentile_interpolates_like_numpy() -> None:
    assert percentile([5.0], 95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([10.0, 20.0], 95) == pytest.approx(19.5)
    with pytest.raises(ValueError):
        percentile([], 50)
