"""Each panel renders what the events say, built from hand-made events through a real feed."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel

from simulator.app import transcript_view
from simulator.app.composer import Composer
from simulator.app.context_panel import ContextPanel, readable
from simulator.app.demo import IdleReset
from simulator.app.feed import EventFeed
from simulator.app.handoff_timeline import HandoffTimeline
from simulator.app.latency_panel import LatencyPanel
from simulator.app.replay import ReplayPlayer
from simulator.app.transcript_view import TranscriptView
from simulator.events import (
    ConversationResetEvent,
    EarlierRequest,
    HandoffEvent,
    LatencyEvent,
    LatencyStages,
    Passage,
    RetrievalEvent,
    ToolCallEvent,
    TranscriptDeltaEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)

PLANS = Passage(
    source="pricing/pricing-and-plans.md",
    section="Plans > Professional",
    score=0.63,
    text="## Professional\n**$11** per sensor per month.",
)
FAQ = Passage(
    source="faq.md", section="FAQ > Pilots", score=0.41, text="A 30-day pilot is available."
)


def latency(turn: int, agent: str, e2e: float, **stages: Any) -> LatencyEvent:
    return LatencyEvent(
        turn_id=turn,
        agent=agent,
        provider="cerebras",
        model="gpt-oss-120b",
        stages=LatencyStages(e2e_ms=e2e, **stages),
    )


def two_turns() -> list:
    return [
        TranscriptEvent(turn_id=1, speaker="customer", text="Hi there"),
        RetrievalEvent(turn_id=1, agent="greeter", query="Hi there", elapsed_ms=4, passages=(FAQ,)),
        TranscriptDeltaEvent(turn_id=1, speaker="greeter", delta="Welcome"),
        TranscriptDeltaEvent(turn_id=1, speaker="greeter", delta=" to Lumora!"),
        TranscriptEvent(
            turn_id=1, speaker="greeter", text="Welcome to Lumora!", provider="cerebras"
        ),
        latency(
            1,
            "greeter",
            180.0,
            retrieval_ms=4.0,
            llm_ttft_ms=120.0,
            llm_total_ms=160.0,
            tokens_per_s=1900.0,
            llm_start_ms=60.0,
            first_token_ms=180.0,
            full_reply_ms=220.0,
        ),
        TurnCompletedEvent(turn_id=1, agent="greeter"),
        TranscriptEvent(turn_id=2, speaker="customer", text="What does Professional cost?"),
        RetrievalEvent(turn_id=2, agent="greeter", query="cost", elapsed_ms=3, passages=(FAQ,)),
        HandoffEvent(
            turn_id=2,
            from_agent="greeter",
            to_agent="pricing",
            reason="asks about the Professional plan",
        ),
        RetrievalEvent(
            turn_id=2,
            agent="pricing",
            query="What does Professional cost?",
            elapsed_ms=6,
            passages=(PLANS, FAQ),
        ),
        TranscriptEvent(
            turn_id=2, speaker="pricing", text="$11 per sensor per month.", provider="offline"
        ),
        latency(
            2,
            "pricing",
            420.0,
            retrieval_ms=6.0,
            llm_ttft_ms=90.0,
            llm_total_ms=400.0,
            llm_start_ms=330.0,
            first_token_ms=420.0,
            full_reply_ms=730.0,
            earlier_requests=(
                EarlierRequest(
                    agent="greeter",
                    purpose="handoff",
                    start_ms=8.0,
                    duration_ms=260.0,
                    retrieval_ms=5.0,
                ),
            ),
        ),
        TurnCompletedEvent(turn_id=2, agent="pricing"),
    ]


def test_agent_text_streams_in_then_becomes_a_reply(qtbot: Any, feed: EventFeed) -> None:
    view = TranscriptView(feed)
    qtbot.addWidget(view)
    feed.push(TranscriptEvent(turn_id=1, speaker="customer", text="Hi <b>there</b>"))
    assert view.thinking() == "Greeter is thinking…"
    feed.push(TranscriptDeltaEvent(turn_id=1, speaker="greeter", delta="Wel"))
    assert view.messages() == [("customer", "Hi <b>there</b>"), ("greeter", "Wel")]
    assert view.thinking() is None
    feed.push(TranscriptDeltaEvent(turn_id=1, speaker="greeter", delta="come"))
    assert view.messages()[-1] == ("greeter", "Welcome")
    feed.push(TranscriptEvent(turn_id=1, speaker="greeter", text="Welcome!", provider="offline"))
    assert view.messages() == [("customer", "Hi <b>there</b>"), ("greeter", "Welcome!")]
    bubble = view.bubble_for_reply(1)
    assert bubble is not None and "offline" in bubble.tags_label.text()
    assert bubble.text_label.textFormat() == Qt.TextFormat.PlainText


def test_an_offline_reply_chosen_before_the_encoder_was_ready_says_so(
    qtbot: Any, feed: EventFeed
) -> None:
    view = TranscriptView(feed)
    qtbot.addWidget(view)
    for turn, scorer in ((1, "wordllama"), (2, "minilm")):
        feed.push(TranscriptEvent(turn_id=turn, speaker="customer", text="How much is it?"))
        feed.push(
            TranscriptEvent(
                turn_id=turn, speaker="pricing", text="$6.", provider="offline", scorer=scorer
            )
        )
    first, second = view.bubble_for_reply(1), view.bubble_for_reply(2)
    assert first is not None and second is not None
    assert first.tags_label.text().startswith("offline (encoder still loading)")
    assert second.tags_label.text().startswith("offline")
    assert "encoder" not in second.tags_label.text()


def test_handoffs_and_lookups_appear_inline_and_a_reset_clears_the_transcript(
    qtbot: Any, feed: EventFeed
) -> None:
    view = TranscriptView(feed)
    qtbot.addWidget(view)
    for event in two_turns():
        feed.push(event)
    feed.push(
        ToolCallEvent(
            turn_id=2,
            agent="pricing",
            name="check_stock",
            arguments={"product": "GW-10"},
            output="406",
        )
    )
    notes = view.notes()
    assert "Greeter hands over to Pricing Specialist: asks about the Professional plan" in notes
    assert "Pricing Specialist looked up check stock (GW-10)" in notes
    assert len(view.messages()) == 4
    feed.push(ConversationResetEvent())
    assert view.messages() == []
    assert any("Say hello to the Greeter" in n for n in view.notes())


def test_a_long_session_keeps_only_the_latest_rows_as_widgets(
    qtbot: Any, feed: EventFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory stays flat over a long session: the earliest rows are let go (and counted at the
    top), the conversation stays whole in the feed, and a late update of a reply no longer
    shown adds nothing."""
    monkeypatch.setattr(transcript_view, "MAX_ROWS", 6)
    view = TranscriptView(feed)
    qtbot.addWidget(view)
    for turn in range(1, 6):
        feed.push(TranscriptEvent(turn_id=turn, speaker="customer", text=f"question {turn}"))
        feed.push(TranscriptEvent(turn_id=turn, speaker="greeter", text=f"answer {turn}"))
        feed.push(TurnCompletedEvent(turn_id=turn, agent="greeter"))
    assert view.messages() == [
        (speaker, f"{word} {turn}")
        for turn in (3, 4, 5)
        for speaker, word in (("customer", "question"), ("greeter", "answer"))
    ]
    earlier = view.findChild(QLabel, "earlier")
    assert earlier is not None and earlier.text().startswith("4 earlier messages")
    assert view.bubble_for_reply(1) is None and view.bubble_for_reply(5) is not None
    assert len([e for e in feed.events if isinstance(e, TranscriptEvent)]) == 10
    feed.push(latency(1, "greeter", 420.0))  # the first reply's latency, arriving late
    assert len(view.messages()) == 6 and view.messages()[0] == ("customer", "question 3")
    feed.push(ConversationResetEvent())
    assert view.messages() == []
    assert all(label.isHidden() for label in view.findChildren(QLabel, "earlier"))


def test_clicking_an_earlier_reply_shows_its_passages(qtbot: Any, feed: EventFeed) -> None:
    view = TranscriptView(feed)
    context = ContextPanel(feed)
    view.reply_selected.connect(context.show_reply)
    qtbot.addWidget(view)
    qtbot.addWidget(context)
    view.resize(600, 800)
    view.show()
    for event in two_turns():
        feed.push(event)
    assert context.shown_sources() == ["pricing/pricing-and-plans.md", "faq.md"]  # the live turn
    assert "Pricing Specialist" in context.heading.text()
    greeter_reply = view.bubble_for_reply(1)
    assert greeter_reply is not None
    with qtbot.waitSignal(view.reply_selected) as selected:
        qtbot.mouseClick(greeter_reply, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert selected.args == [1]
    assert context.shown_reply == 1
    assert context.shown_sources() == ["faq.md"]
    assert "Greeter's reply in turn 1" in context.heading.text()


def test_passage_text_is_shown_without_markdown_markers() -> None:
    assert readable(PLANS.text) == "Professional\n$11 per sensor per month."


def test_the_timeline_shows_who_held_the_conversation_and_why_it_moved(
    qtbot: Any, feed: EventFeed
) -> None:
    timeline = HandoffTimeline(feed)
    qtbot.addWidget(timeline)
    assert timeline.handoff_texts() == []
    for event in two_turns():
        feed.push(event)
    assert timeline.handoff_texts() == [
        "Turn 2 · Greeter → Pricing: asks about the Professional plan"
    ]
    assert [(h.agent, h.start, h.end) for h in timeline.model.holdings] == [
        ("greeter", 0.0, 1.45),
        ("pricing", 1.45, None),
    ]
    assert timeline.model.current == "pricing"
    timeline.lanes.grab()  # paints without error
    feed.push(ConversationResetEvent())
    assert timeline.handoff_texts() == [] and timeline.model.current == "greeter"


def test_four_long_handoff_reasons_fit_beside_the_lanes_without_scrolling(
    qtbot: Any, feed: EventFeed
) -> None:
    timeline = HandoffTimeline(feed)
    qtbot.addWidget(timeline)
    timeline.resize(900, timeline.sizeHint().height())
    timeline.show()
    hops = [("greeter", "pricing"), ("pricing", "technical"), ("technical", "pricing")] * 2
    for turn, (source, target) in enumerate(hops[:4], start=2):
        feed.push(TranscriptEvent(turn_id=turn, speaker="customer", text="A question"))
        reason = "Pricing question: Services and one-time fees (Pricing and Plans, the long page)"
        feed.push(HandoffEvent(turn_id=turn, from_agent=source, to_agent=target, reason=reason))
    qtbot.waitUntil(lambda: len(timeline.handoff_texts()) == 4)
    reasons = timeline.reasons
    assert reasons.verticalScrollBar().maximum() == 0, "the fourth transfer is scrolled away"
    last = reasons.item(reasons.count() - 1)
    assert reasons.visualItemRect(last).bottom() <= reasons.viewport().height()
    assert last.toolTip() == last.text()  # the whole reason, where the line is cut


def test_latency_rows_fill_in_with_running_p50_and_p95(qtbot: Any, feed: EventFeed) -> None:
    panel = LatencyPanel(feed)
    qtbot.addWidget(panel)
    assert panel.row_count() == 0 and panel.last_value.text() == "—"
    for event in two_turns():
        feed.push(event)
    assert panel.row_count() == 2
    assert panel.row_texts(0) == ["1", "Greeter", "180 ms", "—", "220 ms"]
    assert panel.row_texts(1) == ["2", "Pricing", "420 ms", "—", "730 ms"]
    assert panel.last_value.text() == "420 ms"
    assert panel.last_caption.text() == "last reply: to its first token"
    assert panel.full_value == "730 ms"
    assert (panel.p50_value, panel.p95_value) == ("300 ms", "408 ms")
    assert (
        panel.selected_event() is not None and panel.selected_event().turn_id == 2
    )  # follows live
    panel.select_row(0)
    assert panel.selected_event().turn_id == 1
    assert "Turn 1 · Greeter" in panel.waterfall_title.text()
    panel.grab()


def test_a_new_conversation_starts_the_numbers_over(qtbot: Any, feed: EventFeed) -> None:
    panel = LatencyPanel(feed)
    timeline = HandoffTimeline(feed)
    qtbot.addWidget(panel)
    qtbot.addWidget(timeline)
    for event in two_turns():
        feed.push(event)
    feed.push(ConversationResetEvent())
    assert panel.row_count() == 0 and panel.events == [] and panel.chart.events == []
    assert panel.summary().count == 0 and panel.last_value.text() == "—"
    assert panel.p50_value == "—" and panel.full_value == "—"
    # The session keeps counting turns; the next visitor's first question is their turn 1.
    feed.push(TranscriptEvent(turn_id=12, speaker="customer", text="Hello"))
    feed.push(TranscriptEvent(turn_id=12, speaker="greeter", text="Hi!", provider="offline"))
    feed.push(latency(12, "greeter", 90.0, llm_start_ms=10.0, first_token_ms=90.0))
    assert panel.row_texts(0)[0] == "1"
    assert panel.waterfall_title.text().startswith("Turn 1 ·")
    assert panel.summary().count == 1 and panel.p50_value == "90 ms"
    feed.push(HandoffEvent(turn_id=13, from_agent="greeter", to_agent="pricing", reason="pricing"))
    assert timeline.handoff_texts() == ["Turn 2 · Greeter → Pricing: pricing"]


def test_the_waterfall_draws_a_handoffs_own_request_and_stays_inside_the_total(
    qtbot: Any, feed: EventFeed
) -> None:
    panel = LatencyPanel(feed)
    qtbot.addWidget(panel)
    panel.resize(520, 900)
    panel.show()
    for event in two_turns():
        feed.push(event)
    bars = {seg.label: rect for seg, rect in panel.waterfall.bars()}
    assert "Greeter LLM: handoff decision" in bars
    assert {"To first token", "Full reply", "Retrieval", "LLM generation"} <= set(bars)
    total = bars["Full reply"]
    for label, rect in bars.items():
        assert rect.right() <= total.right() + 0.01, label
    assert bars["Greeter LLM: handoff decision"].right() < bars["Retrieval"].left()


def test_the_composer_sends_only_when_the_team_can_take_a_turn(qtbot: Any) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    sent: list[str] = []
    composer.submitted.connect(sent.append)
    qtbot.keyClicks(composer.input, "hello")
    qtbot.keyClick(composer.input, Qt.Key.Key_Return)
    assert sent == []  # still starting: the text stays for later
    composer.set_ready(True, "Type…")
    qtbot.keyClick(composer.input, Qt.Key.Key_Return)
    assert sent == ["hello"]
    assert not composer.talk_button.isEnabled() and "type for now" in composer.talk_button.toolTip()
    assert not composer.open_mic_button.isVisibleTo(composer)


def test_a_replay_shows_the_events_again_and_finishes(qtbot: Any, feed: EventFeed) -> None:
    view = TranscriptView(feed)
    qtbot.addWidget(view)
    feed.push(TranscriptEvent(turn_id=9, speaker="customer", text="something else on screen"))
    player = ReplayPlayer(feed, feed)
    session = two_turns()
    with qtbot.waitSignal(player.finished, timeout=5000):
        player.play(session, speed=50.0, max_gap_s=0.05)
    assert feed.events == tuple(session)
    assert [s for s, _ in view.messages()] == ["customer", "greeter", "customer", "pricing"]


def test_idle_reset_fires_after_quiet_and_activity_rearms_it(qtbot: Any, feed: EventFeed) -> None:
    idle = IdleReset(0.2, feed)
    assert idle.armed
    with qtbot.waitSignal(idle.idle, timeout=3000):
        pass
    idle.set_idle_seconds(0)
    assert not idle.armed
    idle.stop()


def test_idle_reset_counts_down_out_loud_and_a_touch_calls_it_off(
    qtbot: Any, feed: EventFeed
) -> None:
    idle = IdleReset(2.0, feed, countdown_s=1)
    with qtbot.waitSignal(idle.countdown, timeout=3000) as counted:
        pass
    assert counted.args == [1] and idle.counting_down
    with qtbot.waitSignal(idle.stayed, timeout=1000):
        idle.activity()  # what a key press or a click does
    assert idle.armed and not idle.counting_down
    with qtbot.waitSignal(idle.idle, timeout=5000):
        pass
    idle.stop()


@pytest.mark.parametrize("scale", [1.0, 1.45])
def test_the_theme_scales_type_for_a_booth(qapp: QApplication, scale: float) -> None:
    from simulator.app import theme

    before = qapp.font()
    try:
        theme.apply_theme(qapp, scale=scale)
        assert qapp.font().pointSizeF() == pytest.approx(theme.BASE_POINT_SIZE * scale)
        assert theme.pt(10) == f"{10 * scale:.1f}pt"
    finally:
        theme.apply_theme(qapp)
        qapp.setFont(before)
