"""Coach mode on Cerebras' wire: the team and the AI customer both run through the real
cerebras-cloud-sdk against a Cerebras-compatible server on 127.0.0.1, and the assertions look at
what each request carried - the whisper in the agent's next request only, nothing of the team's
knowledge or the coach's words in the customer's."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from simulator.coach import CoachSession
from simulator.events import (
    CoachStateEvent,
    CoachWhisperEvent,
    CustomerOutcomeEvent,
    PersonaEvent,
    ScorecardEvent,
    StatusEvent,
)
from simulator.personas import Persona, Playbook, load_personas
from simulator.personas.cerebras_customer import CerebrasCustomer
from simulator.providers.cerebras import CerebrasLLM
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from simulator.team.passages import HEADER
from tests.fakes.cerebras_server import CerebrasServer, RecordedRequest, Reply, ToolCall
from tests.test_coach import Recorder, step

CUSTOMER_PROMPT = "You are role-playing a prospective customer"
PRICE_ANSWER = (
    "One lost freezer load a year and it pays for itself; ColdTrace Complete spreads the hardware."
)
WHISPER = "Ask her which budget she has set aside."


class FakeCall:
    """The model behind the server: a scripted customer, and a team that reads its prompts."""

    def __init__(self, customer_lines: list[str]) -> None:
        self.customer_lines = list(customer_lines)

    def __call__(self, body: Mapping[str, Any]) -> Reply:
        messages = body["messages"]
        system = messages[0]["content"]
        if CUSTOMER_PROMPT in system:
            return Reply(text=self.customer_lines.pop(0), reasoning="Stay in character.")
        last_user = [m["content"] for m in messages if m["role"] == "user"][-1].lower()
        if "You are the Greeter" in system:
            if "dollars" in last_user or "cost" in last_user:
                return Reply(
                    tool_calls=[ToolCall("transfer_to_pricing", {"reason": "a price objection"})]
                )
            return Reply(text="Welcome to Lumora! What can I help you with?")
        return Reply(text=PRICE_ANSWER)


def customer_json(say: str, **tags: Any) -> str:
    return json.dumps({"say": say, "raised": [], "revealed": [], "end": None} | tags)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def maria() -> Persona:
    return load_personas().find("price-conscious-restaurants")


def settings_for(server: CerebrasServer, data_dir: Path) -> Settings:
    return Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE,
        data_dir=data_dir,
        cerebras_api_key="test-key",
        cerebras_base_url=server.base_url,
    )


def coach_on(
    server: CerebrasServer, runner: SessionRunner, persona: Persona, **options: Any
) -> CoachSession:
    customer = CerebrasCustomer(
        persona, CerebrasLLM(api_key="test-key", base_url=server.base_url), owns_model=True
    )
    return CoachSession(
        runner,
        persona,
        customer,
        playbook=Playbook.load(BUNDLED_KNOWLEDGE),
        **{"speed": "instant", **options},
    )


def is_customer(request: RecordedRequest) -> bool:
    return CUSTOMER_PROMPT in request.messages[0]["content"]


def contents(request: RecordedRequest) -> str:
    return "\n".join(str(m.get("content")) for m in request.messages)


async def test_a_whisper_reaches_the_agents_next_request_and_never_the_customers(
    data_dir: Path, maria: Persona
) -> None:
    lines = [
        customer_json("Hi, I'm Maria from Sunbelt Kitchens."),
        customer_json("Eleven dollars a sensor every month adds up fast.", raised=["price"]),
        customer_json("Okay. And the hardware?"),
    ]
    async with CerebrasServer(responder=FakeCall(lines)) as server:
        async with SessionRunner(settings_for(server, data_dir)) as runner:
            recorder = Recorder(runner)
            async with coach_on(server, runner, maria) as coach:
                await step(coach, recorder)
                before = len(server.requests)
                await coach.whisper(WHISPER)
                await step(coach, recorder)
                during = len(server.requests)
                await step(coach, recorder)
        requests = list(server.requests)
    await recorder.finish()

    customer_requests = [r for r in requests if is_customer(r)]
    team_requests = [r for r in requests if not is_customer(r)]
    assert len(customer_requests) == 3
    for request in customer_requests:
        assert WHISPER not in contents(request)
        assert HEADER not in contents(request)  # nor the passages the team retrieved
        assert next(m["role"] for m in request.messages) == "system"

    # the whisper rode in the next reply's requests: the Greeter's (which handed over, so it kept
    # the whisper for its colleague) and the Pricing Specialist's, as a system message at the end
    whispered = [r for r in requests[before:during] if not is_customer(r)]
    assert [r.messages[0]["content"].split(".")[0] for r in whispered] == [
        "You are part of a company's sales team, talking with a prospective customer"
    ] * 2
    assert "You are the Pricing Specialist" in whispered[-1].messages[0]["content"]
    for request in whispered:
        last = request.messages[-1]
        assert last["role"] == "system" and WHISPER in last["content"]
        assert "The customer cannot see or hear it" in last["content"]
        # the passages ride as data just before the customer's line (not in a system message)
        assert any(m["role"] == "user" and HEADER in m["content"] for m in request.messages)
    # then it was cleared: no other team request carries it
    assert [r for r in team_requests if WHISPER in contents(r)] == whispered
    statuses = [(e.status, e.agent) for e in recorder.of(CoachWhisperEvent)]
    assert statuses == [("queued", "greeter"), ("delivered", "pricing")]


async def test_take_over_and_hand_back_keep_the_history_on_both_sides(
    data_dir: Path, maria: Persona
) -> None:
    user_line = "We run forty fridges and TempGuard is our corporate standard."
    lines = [
        customer_json("Hi, I'm Maria from Sunbelt Kitchens."),
        "Fine, but what does it cost per month?",
    ]  # not JSON: still used as the line
    async with CerebrasServer(responder=FakeCall(lines)) as server:
        async with SessionRunner(settings_for(server, data_dir)) as runner:
            recorder = Recorder(runner)
            async with coach_on(server, runner, maria) as coach:
                await step(coach, recorder)
                await coach.take_over()
                await coach.customer_says(user_line)
                await coach.hand_back(play=False)
                await step(coach, recorder)
        requests = list(server.requests)
    await recorder.finish()

    customer_requests = [r for r in requests if is_customer(r)]
    handed_back = customer_requests[-1].messages
    said_as_customer = [
        json.loads(m["content"])["say"] for m in handed_back if m["role"] == "assistant"
    ]
    assert said_as_customer == ["Hi, I'm Maria from Sunbelt Kitchens.", user_line]
    heard = [m["content"] for m in handed_back if m["role"] == "user"]
    assert heard[0] == "(The sales team has picked up the call. You speak first.)"
    assert heard[1:] == [
        "Greeter: Welcome to Lumora! What can I help you with?",
        "Greeter: Welcome to Lumora! What can I help you with?",
    ]
    team_last = [r for r in requests if not is_customer(r)][-1]
    said = [m["content"] for m in team_last.messages if m["role"] == "user"]
    assert [m for m in said if not m.startswith(HEADER)] == [
        "Hi, I'm Maria from Sunbelt Kitchens.",
        user_line,
        "Fine, but what does it cost per month?",
    ]
    assert "You are the Pricing Specialist" in team_last.messages[0]["content"]


async def test_the_llm_customer_says_what_it_raised_and_ends_the_call(
    data_dir: Path, maria: Persona
) -> None:
    lines = [
        customer_json("Hi, I'm Maria from Sunbelt Kitchens."),
        customer_json(
            "Eleven dollars a sensor every month adds up fast.", raised=["price", "made-up"]
        ),
        customer_json(
            "That helps. We have about six hundred a month.",
            verdict="answered",
            about="price",
            revealed=["budget"],
        ),
        customer_json("Okay, let's set up the pilot in two restaurants.", end="agreed"),
    ]
    async with CerebrasServer(responder=FakeCall(lines)) as server:
        async with SessionRunner(settings_for(server, data_dir)) as runner:
            recorder = Recorder(runner)
            async with coach_on(server, runner, maria) as coach:
                await coach.play()
                card = await coach.wait_ended()
    await recorder.finish()

    assert [(e.action, e.objection or e.fact) for e in recorder.of(PersonaEvent)] == [
        ("raised_objection", "price"),
        ("accepted_answer", "price"),
        ("revealed_fact", "budget"),
        ("concluded", None),
    ]
    outcome = recorder.of(CustomerOutcomeEvent)[0]
    assert (outcome.outcome, outcome.next_step) == ("agreed", "a 60-day pilot in two restaurants")
    assert recorder.of(ScorecardEvent)[-1].scorecard == card
    price = card.objections[0]
    assert (price.objection, price.handled, price.handled_by) == ("price", True, "pricing")
    assert not [e for e in recorder.of(StatusEvent) if e.level == "error"]


async def test_the_llm_customer_judges_each_reply_and_gives_up_on_non_answers(
    data_dir: Path, maria: Persona
) -> None:
    lines = [
        customer_json("Hi, I'm Maria from Sunbelt Kitchens."),
        customer_json("Eleven dollars a sensor every month adds up fast.", raised=["price"]),
        customer_json(
            "That doesn't answer it. What does it cost for twelve restaurants?",
            verdict="not_answered",
            about="price",
            missing="a price",
        ),
        customer_json(
            "Let's park that. I'll stick with paper logs, thanks.",
            verdict="not_answered",
            about="price",
            gave_up=["price"],
            end="declined",
        ),
    ]
    async with CerebrasServer(responder=FakeCall(lines)) as server:
        async with SessionRunner(settings_for(server, data_dir)) as runner:
            recorder = Recorder(runner)
            async with coach_on(server, runner, maria) as coach:
                await coach.play()
                card = await coach.wait_ended()
        prompt = next(r for r in server.requests if is_customer(r)).messages[0]["content"]
    await recorder.finish()

    assert [(e.action, e.objection, e.detail) for e in recorder.of(PersonaEvent)][:3] == [
        ("raised_objection", "price", ""),
        ("pushed_back", "price", "missing a price"),
        ("gave_up_on_objection", "price", ""),
    ]
    [price] = [o for o in card.objections if o.objection == "price"]
    assert (price.state, price.handled) == ("given_up", False)
    assert card.outcome == "declined" and [o.objection for o in card.not_settled] == ["price"]
    # the customer's prompt carries the same rules as the offline driver's
    assert "Judge every reply against what you last asked" in prompt
    flat = " ".join(prompt.split())  # the template wraps its lines
    assert "then narrow the question to its core" in flat and "only after that give up" in flat
    assert "The same reply said again is still no answer" in flat
    assert "firm: push back once, then ask the plain question" in flat
    assert '"verdict": "answered" or "not_answered"' in prompt


async def test_a_failing_customer_pauses_coach_mode_with_a_readable_message(
    data_dir: Path, maria: Persona
) -> None:
    from tests.fakes.cerebras_server import Fault

    async with CerebrasServer(
        responder=lambda body: Reply(fault=Fault.status(401, message="Wrong API Key"))
    ) as server:
        settings = Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=data_dir, offline=True)
        async with SessionRunner(settings) as runner:
            recorder = Recorder(runner)
            async with coach_on(server, runner, maria) as coach:
                await coach.play()
                paused = await recorder.wait_for(lambda e: getattr(e, "state", None) == "paused")
                assert coach.customer_turns == 0
    await recorder.finish()
    error = next(e for e in recorder.of(StatusEvent) if e.source == "coach")
    assert error.level == "error"
    assert error.message.startswith(
        "The customer could not answer: Cerebras could not play Maria Alvarez: "
        "Cerebras returned 401 (invalid API key)"
    )
    assert isinstance(paused, CoachStateEvent) and "retry" in paused.detail
