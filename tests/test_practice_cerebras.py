"""Rep mode with the Cerebras-played customer, on Cerebras' wire (the real cerebras-cloud-sdk
against a Cerebras-compatible server on 127.0.0.1): the customer hears the rep's lines, and
nothing of the co-pilot's help or the rep's private questions; the team sends no request at all."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulator.copilot import Copilot
from simulator.events import (
    CopilotContextEvent,
    CustomerOutcomeEvent,
    Event,
    PracticeStateEvent,
    ScorecardEvent,
)
from simulator.personas import Playbook, load_personas
from simulator.personas.cerebras_customer import CerebrasCustomer
from simulator.practice import PracticeSession
from simulator.providers.cerebras import CerebrasLLM
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.fakes.cerebras_server import CerebrasServer, Reply

CUSTOMER_PROMPT = "You are role-playing a prospective customer"
QUESTION = "What does the Professional plan cost per sensor?"
DODGE = "It is a great product, trust me."
REP_LINE = "Thanks Maria. How many fridges and freezers do you run across your restaurants?"


def customer_json(say: str, **tags: Any) -> str:
    return json.dumps({"say": say, "raised": [], "revealed": [], "end": None} | tags)


class Customer:
    """The model behind the server: a scripted customer; any other request is the team's."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)
        self.team_requests = 0

    def __call__(self, body: Mapping[str, Any]) -> Reply:
        if CUSTOMER_PROMPT in body["messages"][0]["content"]:
            return Reply(text=self.lines.pop(0))
        self.team_requests += 1
        return Reply(text="(the team should not have been asked)")


async def test_the_llm_customer_hears_the_rep_and_never_the_co_pilot(tmp_path: Path) -> None:
    maria = load_personas().find("price-conscious-restaurants")
    model = Customer(
        [
            customer_json("Hi, I'm Maria from Sunbelt Kitchens."),
            customer_json(
                "About forty across twelve restaurants. Eleven dollars a sensor adds up.",
                raised=["price"],
            ),
            customer_json("That does not change the monthly bill. We'll pass.", end="declined"),
        ]
    )
    async with CerebrasServer(responder=model) as server:
        settings = Settings(
            knowledge_dir=BUNDLED_KNOWLEDGE,
            data_dir=tmp_path / "data",
            cerebras_api_key="test-key",
            cerebras_base_url=server.base_url,
        )
        async with SessionRunner(settings) as runner:
            events: list[Event] = []
            turn = asyncio.Event()

            def see(event: Event) -> None:
                events.append(event)
                if isinstance(event, PracticeStateEvent) and event.state != "customer":
                    turn.set()

            runner.add_observer(see)
            playbook = Playbook.load(BUNDLED_KNOWLEDGE)
            customer = CerebrasCustomer(
                maria, CerebrasLLM(api_key="test-key", base_url=server.base_url), owns_model=True
            )
            practice = PracticeSession(
                runner,
                maria,
                customer,
                playbook=playbook,
                copilot=Copilot(runner.knowledge, playbook, maria),
                speed="instant",
            )
            async with practice:
                await asyncio.wait_for(turn.wait(), 30)
                answer = await practice.ask(QUESTION)
                turn.clear()
                await practice.rep_says(REP_LINE)
                await asyncio.wait_for(turn.wait(), 30)
                await practice.rep_says(DODGE)
                card = await practice.wait_ended()
        requests = list(server.requests)

    assert model.team_requests == 0
    assert len(requests) == 3
    heard = [m["content"] for m in requests[-1].messages if m["role"] == "user"]
    assert heard[-2:] == [f"Rep: {REP_LINE}", f"Rep: {DODGE}"]
    sent = "\n".join(str(m.get("content")) for r in requests for m in r.messages)
    assert QUESTION not in sent and answer.answer not in sent
    assert "$11" in answer.answer
    # the co-pilot's help for the price line (the playbook's response) stayed with the rep
    (price,) = [e for e in events if isinstance(e, CopilotContextEvent) and e.objection]
    assert "too expensive" in price.objection.lower()
    assert price.prepared_response and price.prepared_response[:40] not in sent

    outcome = next(e for e in events if isinstance(e, CustomerOutcomeEvent))
    assert outcome.outcome == "declined"
    assert card.seat == "rep" and card.outcome == "declined"
    assert [o.objection for o in card.objections if o.raised_turn is not None] == ["price"]
    assert any(isinstance(e, ScorecardEvent) and e.scorecard.final for e in events)
