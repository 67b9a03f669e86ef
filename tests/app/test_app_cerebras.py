"""The window on Cerebras: the real cerebras-cloud-sdk talks to a Cerebras-compatible server on
127.0.0.1. A handoff, Cerebras' own timings in the latency panel; and when the key is wrong or
the server is unreachable, a readable message while the conversation goes on offline."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulator.app.bridge import SessionState
from simulator.app.status_bar import LIGHT_COLOURS
from simulator.events import StatusEvent, TranscriptEvent
from tests.app.conftest import WindowFactory
from tests.app.gui import ServerThread, cerebras_settings, events_of, say, start
from tests.fakes.cerebras_server import LatencyModel, Reply, ToolCall

PRICE_ANSWER = "The Professional plan is $11 per sensor per month."


def sales_team_model(body: Mapping[str, Any]) -> Reply:
    """Reads its prompt like the team would: the Greeter transfers price questions."""
    messages = body["messages"]
    if "You are the Greeter" in messages[0]["content"]:
        last_user = [m["content"] for m in messages if m["role"] == "user"][-1]
        if "cost" in last_user or "price" in last_user:
            return Reply(
                tool_calls=[
                    ToolCall("transfer_to_pricing", {"reason": "wants the price of a plan"})
                ]
            )
        return Reply(text="Welcome to Lumora! What can I help you with?")
    return Reply(text=PRICE_ANSWER)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_conversation_on_cerebras_with_a_handoff(
    qtbot: Any, make_window: WindowFactory, indexed_data_dir: Path
) -> None:
    timing = LatencyModel(first_token_base_s=0.02, tokens_per_s=2000)
    with ServerThread(responder=sales_team_model, latency=timing, api_key="test") as server:
        window = start(qtbot, make_window(cerebras_settings(server, indexed_data_dir)))
        assert window.status.provider_label.text() == "Cerebras · gpt-oss-120b"
        say(qtbot, window, "Hello, I run twelve cold rooms.")
        say(qtbot, window, "What does the Professional plan cost?")

        assert window.transcript.messages()[-1] == ("pricing", PRICE_ANSWER)
        assert window.timeline.handoff_texts() == [
            "Turn 2 · Greeter → Pricing: wants the price of a plan"
        ]
        assert "pricing/pricing-and-plans.md" in window.context.shown_sources()
        bubble = window.transcript.bubble_for_reply(2)
        assert bubble is not None and "offline" not in bubble.tags_label.text()
        assert window.latency.row_count() == 2
        event = window.latency.selected_event()
        assert event is not None and event.provider == "cerebras"
        assert event.stages.server_total_ms is not None and event.stages.llm_ttft_ms is not None
        assert window.status.connection_label.text() == "Cerebras connected"
        assert all(r.has_bearer("test") for r in server.requests)


def test_a_wrong_key_is_explained_and_the_conversation_goes_on_offline(
    qtbot: Any, make_window: WindowFactory, indexed_data_dir: Path
) -> None:
    with ServerThread(responder=sales_team_model, api_key="the-right-key") as server:
        window = start(
            qtbot, make_window(cerebras_settings(server, indexed_data_dir, cerebras_max_retries=0))
        )
        say(qtbot, window, "Hello there")
        # a refused key does not fix itself: an error, naming what to change
        assert window.banner.level == "error"
        assert "offline" in window.banner.text and "API key" in window.banner.text
        assert "401" in window.banner.text
        assert window.status.connection_label.text() == "Cerebras failing: answering offline"
        # One status: the light, the headline and the banner say the same thing.
        view = window.session_status.view
        assert window.status.state_label.text() == f"● {view.headline}"
        assert "answering offline" in window.status.state_label.text()
        assert window.status.light_colour() == LIGHT_COLOURS["degraded"] != LIGHT_COLOURS["ok"]
        assert window.banner.owner == "status" and window.banner.text == view.problem
        replies = [e for e in events_of(window, TranscriptEvent) if e.speaker != "customer"]
        assert replies and replies[-1].provider == "offline"
        assert window.bridge.state is SessionState.READY
        say(qtbot, window, "Do you integrate with SAP?")  # still usable
        assert len(window.transcript.messages()) == 4
        assert len(server.requests) == 1, "no call after the key was refused"


def test_an_unreachable_provider_is_explained_and_the_app_stays_usable(
    qtbot: Any, make_window: WindowFactory, indexed_data_dir: Path
) -> None:
    from simulator.settings import BUNDLED_KNOWLEDGE, Settings

    settings = Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE,
        data_dir=indexed_data_dir,
        cerebras_api_key="test",
        cerebras_base_url=f"http://127.0.0.1:{closed_port()}",
        cerebras_max_retries=0,
        cerebras_timeout_s=3,
    )
    window = start(qtbot, make_window(settings))
    say(qtbot, window, "How much does the Professional plan cost?")
    warnings = [e for e in events_of(window, StatusEvent) if e.source == "cerebras"]
    assert warnings and window.banner.level == "warning"
    assert "offline" in window.banner.text
    assert window.transcript.messages()[-1][0] in ("greeter", "pricing")
    assert window.bridge.state is SessionState.READY


def test_a_wrong_price_from_the_model_is_flagged_in_the_transcript(
    qtbot: Any, make_window: WindowFactory, indexed_data_dir: Path
) -> None:
    def wrong_prices(body: Mapping[str, Any]) -> Reply:
        if "You are the Greeter" in body["messages"][0]["content"]:
            return Reply(
                tool_calls=[
                    ToolCall("transfer_to_pricing", {"reason": "wants the price of a plan"})
                ]
            )
        return Reply(text="The Professional plan is $9 per sensor per month.")

    with ServerThread(responder=wrong_prices, api_key="test") as server:
        window = start(qtbot, make_window(cerebras_settings(server, indexed_data_dir)))
        say(qtbot, window, "How much does the Professional plan cost?")
    bubble = window.transcript.bubble_for_reply(1)
    assert bubble is not None and bubble.speaker == "pricing"
    assert (
        bubble.claim_mark is not None and bubble.claim_mark.label.text() == "⚠ 1 unsupported claim"
    )
    assert "$11 per sensor per month" in bubble.claim_mark.label.toolTip()
    assert 'href="claim:0"' in bubble.text_label.text()
