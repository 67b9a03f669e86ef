"""Honest latency: each reply's marks measured from the end of the customer's turn, a handoff's
own LLM request reported as its own stage, and a waterfall whose bars stay inside their total."""

from __future__ import annotations

import pytest

from simulator.events import (
    EarlierRequest,
    LatencyEvent,
    LatencyStages,
    TurnCompletedEvent,
)
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from simulator.waterfall import waterfall


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=tmp_path_factory.mktemp("data"))


async def latencies_of(runner: SessionRunner, text: str) -> list[LatencyEvent]:
    await runner.send(text)
    found: list[LatencyEvent] = []
    async for event in runner.events():
        if isinstance(event, LatencyEvent):
            found.append(event)
        if isinstance(event, TurnCompletedEvent) and event.turn_id == runner.turn_id:
            return found
    raise AssertionError("the session closed mid-turn")


async def test_a_handoff_turn_reports_the_greeters_own_request_before_the_reply(
    settings: Settings,
) -> None:
    async with SessionRunner(settings) as runner:
        await latencies_of(runner, "Hi, I'm Dana from Northbay Foods.")
        [event] = await latencies_of(
            runner, "What would the Professional plan cost us per sensor each month?"
        )
    s = event.stages
    assert event.agent == "pricing"
    [handoff] = s.earlier_requests
    assert (handoff.agent, handoff.purpose) == ("greeter", "handoff")
    assert handoff.retrieval_ms is not None and handoff.duration_ms >= 0
    assert s.llm_start_ms is not None and s.first_token_ms is not None
    assert s.full_reply_ms is not None and s.llm_ttft_ms is not None and s.llm_total_ms is not None
    # The marks sit on one time axis, in the order they happened.
    assert 0 <= handoff.start_ms <= handoff.start_ms + handoff.duration_ms <= s.llm_start_ms
    assert s.llm_start_ms <= s.first_token_ms <= s.full_reply_ms
    assert s.first_token_ms == pytest.approx(s.llm_start_ms + s.llm_ttft_ms, abs=0.05)
    assert s.full_reply_ms == pytest.approx(s.llm_start_ms + s.llm_total_ms, abs=0.05)
    assert s.e2e_ms == s.first_token_ms  # a typed turn's first output is its first token
    assert s.first_audio_ms is None  # no voice: no audio mark, rather than a made-up one

    chart = waterfall(event)
    rows = {seg.label: seg for seg in chart.segments}
    assert rows["Greeter LLM: handoff decision"].start_ms == pytest.approx(handoff.start_ms)
    assert rows["To first token"].end_ms == pytest.approx(s.first_token_ms)
    assert rows["Full reply"].end_ms == pytest.approx(s.full_reply_ms)
    assert rows["To first audio"].start_ms is None and rows["To first audio"].note == "text only"
    assert chart.total_ms == pytest.approx(s.full_reply_ms)
    for seg in chart.drawn:
        assert 0 <= seg.start_ms <= seg.end_ms <= chart.total_ms, seg


async def test_a_turn_without_a_handoff_has_no_earlier_request(settings: Settings) -> None:
    async with SessionRunner(settings) as runner:
        [event] = await latencies_of(runner, "Hello there!")
    assert event.agent == "greeter" and event.stages.earlier_requests == ()
    labels = [seg.label for seg in waterfall(event).drawn]
    assert not any("handoff" in label for label in labels)


def test_bars_never_extend_past_the_total_they_make_up() -> None:
    # A server that reports more time than the client measured for the whole request, and a
    # first token late enough that the old layout drew generation past "end to end".
    stages = LatencyStages(
        retrieval_ms=12.0,
        llm_ttft_ms=140.0,
        llm_total_ms=420.0,
        server_total_ms=610.0,
        server_queue_ms=4.0,
        first_token_ms=190.0,
        full_reply_ms=470.0,
        llm_start_ms=50.0,
        e2e_ms=190.0,
        earlier_requests=(
            EarlierRequest(
                agent="greeter", purpose="handoff", start_ms=3.0, duration_ms=20.0, retrieval_ms=2.0
            ),
        ),
    )
    event = LatencyEvent(
        turn_id=1, agent="pricing", provider="cerebras", model="gpt-oss-120b", stages=stages
    )
    chart = waterfall(event)
    rows = {seg.label: seg for seg in chart.segments}
    assert chart.total_ms == 470.0
    assert (rows["Cerebras server time"].start_ms, rows["Cerebras server time"].end_ms) == (
        50.0,
        470.0,
    )
    assert rows["Cerebras server time"].note == "610 ms (past the total)"
    assert (rows["LLM generation"].start_ms, rows["LLM generation"].end_ms) == (190.0, 470.0)
    assert (rows["Transfer and tools"].start_ms, rows["Transfer and tools"].end_ms) == (23.0, 38.0)
    assert (rows["Retrieval"].start_ms, rows["Retrieval"].end_ms) == (38.0, 50.0)
    for seg in chart.drawn:
        assert seg.end_ms <= chart.total_ms


def test_a_reply_logged_before_the_marks_is_still_drawn_inside_its_total() -> None:
    old = LatencyStages(
        retrieval_ms=10, llm_ttft_ms=100, llm_total_ms=300, server_total_ms=250, e2e_ms=150
    )
    event = LatencyEvent(turn_id=1, agent="greeter", provider="cerebras", model="m", stages=old)
    chart = waterfall(event)
    assert chart.total_ms == 150
    assert all(seg.end_ms <= 150 for seg in chart.drawn)
    assert {seg.label for seg in chart.drawn} >= {"First output", "Retrieval", "LLM first token"}


def test_marks_rounded_apart_do_not_read_as_past_the_total() -> None:
    stages = LatencyStages(
        llm_ttft_ms=0.45,
        llm_total_ms=1.37,
        llm_start_ms=39.64,
        first_token_ms=40.09,
        full_reply_ms=41.0,  # 39.64 + 1.37 = 41.01: one rounding step past
        e2e_ms=40.09,
    )
    event = LatencyEvent(turn_id=1, agent="greeter", provider="offline", model="m", stages=stages)
    rows = {seg.label: seg for seg in waterfall(event).segments}
    assert rows["LLM generation"].end_ms == 41.0
    assert "past the total" not in rows["LLM generation"].note
