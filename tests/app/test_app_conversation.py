"""A whole conversation through the window on the embedded default: type, press Enter or click
Send, and watch the handoff, the sources and the latency appear; then start over."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt

from simulator.app.bridge import SessionState
from simulator.events import (
    LatencyEvent,
    SessionStartedEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.session_log import as_logged, load_log
from simulator.settings import Settings
from tests.app.conftest import WindowFactory
from tests.app.gui import events_of, say, start


def test_the_window_shows_first_and_the_team_starts_behind_it(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = make_window(offline_settings)
    assert window.isVisible()
    assert "starting" in window.agent_pill.text()
    window.start_session()
    assert window.bridge.state is not SessionState.READY  # start-up runs in the background
    assert "type ahead" in window.composer.input.placeholderText()
    qtbot.waitUntil(lambda: window.bridge.state is SessionState.READY, timeout=60_000)
    assert window.composer.send_button.isEnabled()
    assert window.agent_pill.text() == "Greeter"
    assert "Offline responder" in window.status.provider_label.text()
    assert "offline responder" in window.status.state_label.text()


def test_a_line_typed_during_start_up_is_queued_and_sent_when_the_team_is_ready(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = make_window(offline_settings)
    window.start_session()
    assert window.bridge.state is not SessionState.READY
    qtbot.keyClicks(window.composer.input, "Hello, is anyone there?")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    assert window.composer.input.text() == ""  # taken, not dropped
    assert window.transcript.queued() == ["Hello, is anyone there?"]
    qtbot.keyClicks(window.composer.input, "What does the Starter plan cost?")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    assert window.type_ahead.queued == [
        "Hello, is anyone there?",
        "What does the Starter plan cost?",
    ]

    def both_answered() -> bool:
        said = [e.text for e in events_of(window, TranscriptEvent) if e.speaker == "customer"]
        completed = events_of(window, TurnCompletedEvent)
        return len(said) == 2 and len(completed) == 2

    qtbot.waitUntil(both_answered, timeout=90_000)
    customer = [text for speaker, text in window.transcript.messages() if speaker == "customer"]
    assert customer == ["Hello, is anyone there?", "What does the Starter plan cost?"]
    assert window.transcript.queued() == [] and window.type_ahead.queued == []


def test_a_price_question_is_handed_to_pricing_with_the_price_list_as_context(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = start(qtbot, make_window(offline_settings))
    say(qtbot, window, "Hi, we run cold storage for a grocery chain.")
    assert window.transcript.messages()[0] == (
        "customer",
        "Hi, we run cold storage for a grocery chain.",
    )
    assert window.transcript.messages()[1][0] == "greeter"
    assert window.timeline.handoff_texts() == []

    say(qtbot, window, "How much does the Professional plan cost per sensor?", click=True)

    handoffs = window.timeline.handoff_texts()
    assert len(handoffs) == 1 and handoffs[0].startswith("Turn 2 · Greeter → Pricing: ")
    assert window.timeline.model.current == "pricing"
    assert window.agent_pill.text() == "Pricing Specialist"
    speaker, text = window.transcript.messages()[-1]
    assert speaker == "pricing" and "$" in text
    assert window.context.shown_sources()[0] == "pricing/pricing-and-plans.md"
    assert "Pricing Specialist" in window.context.heading.text()
    replies = [e for e in events_of(window, TranscriptEvent) if e.speaker != "customer"]
    assert window.latency.row_count() == len(events_of(window, LatencyEvent)) == len(replies) == 2
    assert window.latency.row_texts(1)[:2] == ["2", "Pricing"]
    assert window.latency.last_value.text().endswith(" ms")
    assert window.latency.p50_value.endswith(" ms") and window.latency.p95_value.endswith(" ms")
    bubble = window.transcript.bubble_for_reply(2)
    assert bubble is not None and "offline" in bubble.tags_label.text()


def test_clicking_an_earlier_reply_shows_the_passages_behind_it(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = start(qtbot, make_window(offline_settings))
    say(qtbot, window, "Is our data encrypted, and are you SOC 2 certified?")
    say(qtbot, window, "How much does the Professional plan cost per sensor?")
    first = window.feed.conversation.reply(1)
    assert first is not None and first.retrieval is not None
    assert (
        window.context.shown_sources()[0] == "pricing/pricing-and-plans.md"
    )  # the live turn first
    bubble = window.transcript.bubble_for_reply(1)
    window.transcript.ensureWidgetVisible(bubble)
    qtbot.mouseClick(bubble, Qt.MouseButton.LeftButton, pos=QPoint(12, 12))
    assert window.context.shown_reply == 1
    assert window.context.shown_sources() == [p.source for p in first.retrieval.passages]
    assert "security-and-compliance.md" in window.context.shown_sources()
    selected = window.latency.selected_event()
    assert selected is not None and selected.turn_id == first.turn_id


def test_new_conversation_clears_the_screen_and_starts_with_the_greeter(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = start(qtbot, make_window(offline_settings))
    say(qtbot, window, "What would the Enterprise plan cost us?")
    assert window.timeline.handoff_texts() and window.transcript.messages()

    qtbot.mouseClick(window.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.transcript.messages() == [], timeout=10_000)
    assert window.timeline.handoff_texts() == []
    assert window.context.shown_sources() == []
    assert window.agent_pill.text() == "Greeter"

    say(qtbot, window, "Hello again")
    assert window.transcript.messages()[0] == ("customer", "Hello again")
    assert window.transcript.messages()[1][0] == "greeter"


def test_every_event_is_logged_to_disk_as_it_happens(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = start(qtbot, make_window(offline_settings))
    say(qtbot, window, "Do you have the gateway in stock?")
    assert window.bridge.log_path is not None
    assert window.bridge.log_path.parent == offline_settings.data_dir / "sessions"
    logged = load_log(window.bridge.log_path)
    assert not logged.truncated
    # written before the window saw them (a passage's ranker units are not kept)
    assert logged.events == tuple(as_logged(e) for e in window.feed.events)
    assert any(isinstance(e, SessionStartedEvent) for e in logged.events)
