"""The sales team on the embedded default: no keys, no network, answers grounded in the
documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator.events import (
    Event,
    HandoffEvent,
    LatencyEvent,
    RetrievalEvent,
    StatusEvent,
    ToolCallEvent,
    TranscriptDeltaEvent,
    TranscriptEvent,
    TurnCompletedEvent,
    from_json,
    to_json,
)
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=tmp_path_factory.mktemp("data"))


class Conversation:
    """A runner plus every event it emitted, turn by turn."""

    def __init__(self, runner: SessionRunner) -> None:
        self.runner = runner
        self.events: list[Event] = []

    async def say(self, text: str) -> list[Event]:
        await self.runner.send(text)
        turn: list[Event] = []
        async for event in self.runner.events():
            turn.append(event)
            if isinstance(event, TurnCompletedEvent):
                break
        self.events.extend(turn)
        return turn


async def start(settings: Settings) -> tuple[SessionRunner, list[Event]]:
    runner = SessionRunner(settings)
    await runner.start()
    startup: list[Event] = []
    async for event in runner.events():
        startup.append(event)
        if event.type == "session_started":
            break
    return runner, startup


def of_type(events: list[Event], cls: type) -> list:
    return [e for e in events if isinstance(e, cls)]


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


async def test_the_embedded_default_says_once_that_it_is_offline(settings: Settings) -> None:
    runner, startup = await start(settings)
    await runner.aclose()
    notices = [e for e in of_type(startup, StatusEvent) if e.source == "llm"]
    assert len(notices) == 1
    assert "no CEREBRAS_API_KEY" in notices[0].message
    assert startup[-1].provider == "offline"


async def test_a_price_question_goes_to_pricing_who_answers_from_the_price_list(
    settings: Settings,
) -> None:
    runner, _ = await start(settings)
    convo = Conversation(runner)
    try:
        await convo.say("Hi, I'm Dana from Northbay Foods.")
        turn = await convo.say("What would the Professional plan cost us per sensor each month?")
    finally:
        await runner.aclose()

    assert [type(e).__name__ for e in turn if not isinstance(e, TranscriptDeltaEvent)] == [
        "TranscriptEvent",
        "RetrievalEvent",
        "HandoffEvent",
        "RetrievalEvent",
        "TranscriptEvent",
        "LatencyEvent",
        "ClaimCheckEvent",
        "TurnCompletedEvent",
    ]
    handoff = of_type(turn, HandoffEvent)[0]
    assert (handoff.from_agent, handoff.to_agent) == ("greeter", "pricing")
    # The reason says why (the topic in the knowledge), not the customer's question again.
    assert handoff.reason == "Pricing question: Professional (Pricing and Plans)"
    retrieval = of_type(turn, RetrievalEvent)[-1]
    assert retrieval.agent == "pricing"
    assert retrieval.passages[0].source == "pricing/pricing-and-plans.md"
    reply = of_type(turn, TranscriptEvent)[-1]
    assert (reply.speaker, reply.provider) == ("pricing", "offline")
    assert "$11" in reply.text
    streamed = "".join(
        e.delta for e in of_type(turn, TranscriptDeltaEvent) if e.speaker == "pricing"
    )
    assert streamed == reply.text
    latency = of_type(turn, LatencyEvent)[0]
    assert latency.agent == "pricing" and latency.provider == "offline"
    assert latency.stages.retrieval_ms is not None and latency.stages.e2e_ms is not None
    assert of_type(turn, TurnCompletedEvent)[0].agent == "pricing"


async def test_structured_look_ups_answer_from_the_csv_records(settings: Settings) -> None:
    runner, _ = await start(settings)
    convo = Conversation(runner)
    try:
        await convo.say(
            "I'm Sam from Northbay Foods, we want to talk about pricing for more sensors."
        )
        turn = await convo.say("Is the CT-200 in stock at the moment?")
    finally:
        await runner.aclose()
    call = of_type(turn, ToolCallEvent)[0]
    assert call.name == "check_stock" and call.arguments == {"product": "CT-200"}
    reply = of_type(turn, TranscriptEvent)[-1]
    assert reply.text == call.output
    assert "CT-200" in reply.text


async def test_offline_answers_never_state_a_number_the_knowledge_base_lacks(
    settings: Settings,
) -> None:
    corpus = " ".join(
        p.read_text(encoding="utf-8", errors="ignore")
        for p in Path(settings.knowledge_dir).rglob("*")
        if p.suffix in {".md", ".txt", ".csv"}
    )
    known = numbers(corpus) | {"2026", "38", "57", "74", "60", "3"}  # the PDF's figures
    questions = [
        "Hello there!",
        "How long do the batteries last in the standard sensors?",
        "Honestly this sounds too expensive for a company our size.",
        "What discount would we get for 600 sensors on a three year deal?",
        "Are you compliant with FDA rules for pharma records?",
        "We already use FrostWatch, why switch?",
        "Can I try it before committing?",
        "What happens to our data if we cancel?",
        "Do you integrate with SAP?",
        "How fast do you respond when something breaks?",
    ]
    runner, _ = await start(settings)
    convo = Conversation(runner)
    try:
        for question in questions:
            await convo.say(question)
    finally:
        await runner.aclose()
    replies = [e for e in of_type(convo.events, TranscriptEvent) if e.speaker != "customer"]
    assert len(replies) >= len(questions)
    for reply in replies:
        assert reply.provider == "offline"
        assert numbers(reply.text) <= known, reply.text


async def test_reset_starts_over_with_the_greeter(settings: Settings) -> None:
    runner, _ = await start(settings)
    convo = Conversation(runner)
    try:
        await convo.say("How much does the Enterprise plan cost?")
        assert runner.current_agent() == "pricing"
        await runner.reset()
        assert runner.current_agent() == "greeter"
        turn = await convo.say("Hello!")
    finally:
        await runner.aclose()
    assert of_type(turn, TurnCompletedEvent)[0].agent == "greeter"


async def test_every_event_survives_its_json_line(settings: Settings) -> None:
    runner, startup = await start(settings)
    convo = Conversation(runner)
    try:
        await convo.say("Do you integrate with SAP?")
    finally:
        await runner.aclose()
    for event in startup + convo.events:
        line = to_json(event)
        assert "\n" not in line
        assert from_json(line) == event


async def test_a_typed_session_loads_no_end_of_turn_model_and_still_answers(
    settings: Settings,
) -> None:
    """livekit's default turn detector loads a ~250 MB model for audio a typed session never
    hears; without a voice the team runs with none, and typed turns are answered as before."""
    runner, _ = await start(settings)
    try:
        session = runner.agent_session
        assert session is not None
        assert session.turn_detection is None
        turn = await Conversation(runner).say("What does the Professional plan cost?")
        replies = [e for e in of_type(turn, TranscriptEvent) if e.speaker != "customer"]
        assert replies and replies[-1].text.strip()
    finally:
        await runner.aclose()
