"""The bench's workshop peer behaves as the workshop notebook's code does (issue 14, point 4).

The notebook's agents run on the real cerebras-cloud-sdk against the bench's fake model on
127.0.0.1; the assertions read what reached the wire, in order.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.script import sales_team_model
from bench.workshop import GREETING_REQUEST, load_context, seat_workshop_team
from simulator.events import Event, HandoffEvent, TranscriptEvent, TurnCompletedEvent
from simulator.session import SessionRunner
from simulator.settings import Settings
from tests.fakes.cerebras_server import CerebrasServer, RecordedRequest

QUESTION = "Do your sensors work inside a minus eighty degree freezer?"


@pytest.fixture
def context_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "context"
    (folder / "pricing").mkdir(parents=True)
    (folder / "overview.md").write_text("# Lumora\n\nWe make cold-chain sensors.\n")
    (folder / "pricing" / "plans.md").write_text("# Plans\n\nProfessional: $11 per sensor.\n")
    (folder / "brochure.pdf").write_bytes(b"%PDF-1.4\n\xe2\xe3\xcf\xd3\n")
    return folder


def test_the_notebook_reads_the_top_level_as_text_only(context_folder: Path) -> None:
    context = load_context(context_folder)
    assert context == "=== overview.md ===\n# Lumora\n\nWe make cold-chain sensors."


async def test_a_transfer_confirms_first_and_the_specialist_only_greets(
    context_folder: Path, tmp_path: Path
) -> None:
    async with CerebrasServer(responder=sales_team_model) as server:
        settings = Settings(
            knowledge_dir=context_folder,
            data_dir=tmp_path / "data",
            cerebras_api_key="test-key",
            cerebras_base_url=server.base_url,
        )
        async with SessionRunner(settings, check_claims=False) as runner:
            seen: list[Event] = []
            greeted = asyncio.Event()

            def observe(event: Event) -> None:
                seen.append(event)
                if isinstance(event, TranscriptEvent) and event.speaker == "greeter":
                    greeted.set()

            remove = runner.add_observer(observe)
            await seat_workshop_team(runner, context_folder)
            await asyncio.wait_for(greeted.wait(), 30)
            greeting = list(server.requests)
            await runner.send(QUESTION)
            transfer = list(server.requests)[len(greeting) :]
            turn_events = [e for e in seen if getattr(e, "turn_id", 0) == runner.turn_id]
            await runner.send(QUESTION)  # the customer asks again
            again = list(server.requests)[len(greeting) + len(transfer) :]
            remove()

    def last_user(request: RecordedRequest) -> str:
        return [m["content"] for m in request.body["messages"] if m["role"] == "user"][-1]

    # one stuffed greeting request before the customer speaks
    assert [last_user(r) for r in greeting] == [GREETING_REQUEST]
    assert "We make cold-chain sensors." in greeting[0].body["messages"][0]["content"]
    # the Greeter calls the tool, the tool awaits a confirmation request, then the handoff
    assert [last_user(r) for r in transfer] == [
        QUESTION,
        "Confirm you are transferring to technical support",
    ]
    assert all(
        r.body["messages"][0]["content"].startswith("You are a sales agent") for r in transfer
    )
    said = [e for e in turn_events if isinstance(e, TranscriptEvent) and e.speaker != "customer"]
    assert said[0].speaker == "greeter" and "transferring you" in said[0].text
    assert said[-1].speaker == "technical" and said[-1].text.startswith("Hi, I'm the technical")
    assert [type(e) for e in turn_events if isinstance(e, HandoffEvent | TurnCompletedEvent)] == [
        HandoffEvent,
        TurnCompletedEvent,
    ]
    # the specialist never saw the question until it was asked again, and knows nothing before it
    assert len(again) == 1
    messages = again[0].body["messages"]
    assert messages[0]["content"].startswith("You are a technical specialist")
    assert [m["role"] for m in messages[1:]] == ["assistant", "user"]
    assert messages[-1]["content"] == QUESTION
