"""Coach mode's widgets render what the events say: the panel enables what fits the rehearsal's
state, the transcript names the persona and shows whispers and claim checks, the scorecard reads
at a glance. Built from hand-made events through a real feed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from simulator.app.claim_marks import explain, highlighted
from simulator.app.coach_panel import COACH_UNAVAILABLE, CoachPanel
from simulator.app.composer import Composer
from simulator.app.feed import EventFeed
from simulator.app.persona_list import (
    DIFFICULTY_ROLE,
    SCENARIO_ROLE,
    PersonaItemDelegate,
    persona_scenario,
)
from simulator.app.scorecard_view import ScorecardView, details_text
from simulator.app.transcript_view import TranscriptView
from simulator.commands import (
    Command,
    HandBackCommand,
    PlayCommand,
    SetPersonaCommand,
    WhisperCommand,
)
from simulator.events import (
    Claim,
    ClaimCheckEvent,
    CoachStateEvent,
    CoachWhisperEvent,
    CustomerOutcomeEvent,
    FactScore,
    LatencyScore,
    ModeChangedEvent,
    ObjectionScore,
    Passage,
    PersonaEvent,
    Scorecard,
    TalkRatio,
    TranscriptEvent,
    UnsupportedClaim,
)
from simulator.personas import load_personas

PRICES = Passage(
    source="pricing/pricing-and-plans.md",
    section="Plans > Professional",
    score=0.7,
    text="Professional — $11 per sensor per month.",
)
REPLY = "The Professional plan is $9 per sensor per month, SOC 2 certified."


def wrong_price() -> ClaimCheckEvent:
    start = REPLY.index("$9 per sensor")
    soc = REPLY.index("SOC 2")
    return ClaimCheckEvent(
        turn_id=1,
        agent="pricing",
        reply=REPLY,
        elapsed_ms=3.0,
        claims=(
            Claim(
                text="$9 per sensor",
                start=start,
                end=start + len("$9 per sensor"),
                kind="price",
                supported=False,
                contradicting=PRICES,
                note="here the knowledge base says $11 per sensor per month",
            ),
            Claim(
                text="SOC 2",
                start=soc,
                end=soc + 5,
                kind="named_fact",
                supported=True,
                evidence="knowledge",
            ),
        ),
    )


def state(value: str, turns: int = 1) -> CoachStateEvent:
    return CoachStateEvent(
        state=value, persona="frostwatch-loyalist", customer_turns=turns, max_turns=16
    )


def test_the_panel_enables_what_fits_each_moment_of_a_rehearsal(qtbot: Any) -> None:
    personas = load_personas().personas
    panel = CoachPanel(personas, coach_available=True)
    qtbot.addWidget(panel)
    requested: list[Command] = []
    panel.command.connect(requested.append)

    def enabled():
        return {
            w.text()
            for w in (
                panel.play,
                panel.pause,
                panel.step,
                panel.end,
                panel.take_over,
                panel.hand_back,
            )
            if w.isEnabled()
        }

    assert enabled() == {"▶ Play", "▶❚ Step"} and not panel.whisper.isEnabled()

    panel.choose_persona("frostwatch-loyalist")
    qtbot.mouseClick(panel.play, Qt.MouseButton.LeftButton)  # nothing loaded: load, then play
    assert requested == [SetPersonaCommand(persona="frostwatch-loyalist"), PlayCommand()]

    panel.apply(
        ModeChangedEvent(
            mode="coach",
            customer="persona",
            persona="frostwatch-loyalist",
            persona_name="Derek Olsen",
        )
    )
    # Play before the offline team's encoder is loaded: getting ready, and it can be paused
    panel.apply(state("playing").model_copy(update={"getting_ready": True, "customer_turns": 0}))
    assert panel.status.text() == "Getting ready (loading the encoder)…"
    assert enabled() == {"❚❚ Pause", "■ End", "Take over"}
    panel.apply(state("playing"))
    assert panel.mode == "coach" and enabled() == {"❚❚ Pause", "■ End", "Take over"}
    assert panel.whisper.isEnabled() and "Derek Olsen is talking" in panel.status.text()
    # the session publishes a state only when it changes: the count follows the persona's lines
    assert panel.status.text().endswith("turn 1/16")
    for turn_id in (1, 2):
        panel.apply(TranscriptEvent(turn_id=turn_id, speaker="customer", text="Hello?"))
        panel.apply(TranscriptEvent(turn_id=turn_id, speaker="greeter", text="Hi."))
    assert panel.status.text() == "Derek Olsen is talking · turn 3/16"
    qtbot.keyClicks(panel.whisper, "Ask about the budget")
    qtbot.keyClick(panel.whisper, Qt.Key.Key_Return)
    assert requested[-1] == WhisperCommand(text="Ask about the budget")
    assert panel.whisper.text() == ""

    panel.apply(state("paused"))
    assert enabled() == {"▶ Play", "▶❚ Step", "■ End", "Take over"}
    panel.apply(
        ModeChangedEvent(
            mode="customer",
            customer="user",
            persona="frostwatch-loyalist",
            persona_name="Derek Olsen",
        )
    )
    panel.apply(state("taken_over"))
    assert panel.mode == "customer" and enabled() == {"■ End", "Hand back"}

    # the switch asks (taken over, Coach hands back); only the session's event moves it
    qtbot.mouseClick(panel.coach_button, Qt.MouseButton.LeftButton)
    assert requested[-1] == HandBackCommand() and panel.mode == "customer"

    panel.apply(state("ended", 5))
    assert (
        not panel.whisper.isEnabled()
        and panel.play.isEnabled()
        and "Rehearsal over" in panel.status.text()
    )


def test_without_personas_or_in_a_room_the_controls_say_why(qtbot: Any) -> None:
    panel = CoachPanel([])
    qtbot.addWidget(panel)
    assert panel.mode == "customer" and panel.customer_button.isEnabled()
    for widget in [panel.coach_button, *panel.coach_controls]:
        assert not widget.isEnabled() and widget.toolTip() == COACH_UNAVAILABLE
    room = CoachPanel(load_personas().personas)
    qtbot.addWidget(room)
    room.set_coach_available(False, "Coach mode does not run in a LiveKit room yet")
    assert (
        not room.play.isEnabled()
        and room.play.toolTip() == "Coach mode does not run in a LiveKit room yet"
    )
    room.set_coach_available(True)
    assert room.play.isEnabled() and room.play.toolTip().startswith("Let the persona")


def test_the_transcript_names_the_persona_and_keeps_whispers_to_the_user(
    qtbot: Any, feed: EventFeed
) -> None:
    view = TranscriptView(feed)
    qtbot.addWidget(view)
    feed.push(
        ModeChangedEvent(
            mode="coach",
            customer="persona",
            persona="frostwatch-loyalist",
            persona_name="Derek Olsen",
            reason="Derek Olsen plays the customer.",
        )
    )
    feed.push(
        CoachWhisperEvent(status="queued", turn_id=0, agent="greeter", text="Ask about batteries")
    )
    feed.push(
        PersonaEvent(
            turn_id=1,
            persona="frostwatch-loyalist",
            action="raised_objection",
            objection="competitor",
        )
    )
    feed.push(TranscriptEvent(turn_id=1, speaker="customer", text="We use FrostWatch."))
    feed.push(
        CoachWhisperEvent(
            status="delivered", turn_id=1, agent="greeter", text="Ask about batteries"
        )
    )
    feed.push(
        TranscriptEvent(
            turn_id=1,
            speaker="greeter",
            text="How often do you change batteries?",
            provider="offline",
        )
    )
    assert view.customer_names() == ["Derek Olsen · AI customer"]
    assert view.customer_bubbles()[0].actions_label.text() == "raises an objection: competitor"
    assert view.coach_notes() == [
        "✎ Coach whisper to the Greeter: “Ask about batteries” (delivered to the Greeter "
        "with its reply in turn 1; only you and the agent see this)"
    ]
    assert [text for _, text in view.messages()] == [
        "We use FrostWatch.",
        "How often do you change batteries?",
    ]
    assert view.notes()[0] == "Derek Olsen plays the customer."

    feed.push(
        ModeChangedEvent(
            mode="customer",
            customer="user",
            persona="frostwatch-loyalist",
            persona_name="Derek Olsen",
            reason="You took over the customer.",
        )
    )
    feed.push(TranscriptEvent(turn_id=2, speaker="customer", text="And the price?"))
    feed.push(
        CustomerOutcomeEvent(
            persona="frostwatch-loyalist",
            turn_id=2,
            outcome="declined",
            reason="Too expensive for now.",
        )
    )
    assert view.customer_names()[-1] == "Customer (you)"
    assert view.notes()[-2:] == [
        "You took over the customer.",
        "■ Derek Olsen declined. Too expensive for now.",
    ]


def test_an_unsupported_claim_is_marked_with_the_passage_that_says_otherwise(
    qtbot: Any, feed: EventFeed
) -> None:
    view = TranscriptView(feed)
    qtbot.addWidget(view)
    view.resize(700, 600)
    view.show()
    feed.push(TranscriptEvent(turn_id=1, speaker="customer", text="Price?"))
    feed.push(TranscriptEvent(turn_id=1, speaker="pricing", text=REPLY, provider="cerebras"))
    feed.push(wrong_price())
    bubble = view.bubble_for_reply(1)
    assert bubble is not None and bubble.claim_mark is not None
    assert bubble.claim_mark.label.text() == "⚠ 1 unsupported claim"
    assert "Professional — $11 per sensor per month." in bubble.claim_mark.label.toolTip()
    assert bubble.text_label.textFormat() == Qt.TextFormat.RichText
    assert 'href="claim:0"' in bubble.text_label.text() and bubble.text == REPLY
    assert bubble.claim_details is not None and bubble.claim_details.isHidden()
    qtbot.waitUntil(bubble.claim_mark.why.isVisible, timeout=2000)
    view.ensureWidgetVisible(bubble.claim_mark.why)
    qtbot.mouseClick(bubble.claim_mark.why, Qt.MouseButton.LeftButton)
    assert bubble.claim_mark.why.isChecked(), bubble.claim_mark.why.geometry()
    qtbot.waitUntil(bubble.claim_details.isVisible, timeout=2000)
    assert "pricing/pricing-and-plans.md › Plans > Professional" in bubble.claim_details.text()
    assert "Here the knowledge base says $11 per sensor per month." in bubble.claim_details.text()

    feed.push(
        TranscriptEvent(turn_id=2, speaker="pricing", text="It has SOC 2.", provider="cerebras")
    )
    feed.push(
        ClaimCheckEvent(
            turn_id=2,
            agent="pricing",
            reply="It has SOC 2.",
            elapsed_ms=1.0,
            claims=(Claim(text="SOC 2", start=7, end=12, kind="named_fact", supported=True),),
        )
    )
    ok = view.bubble_for_reply(2)
    assert ok.claim_mark.label.text() == "✓ 1 claim checked" and not ok.claim_mark.why.isVisibleTo(
        ok
    )
    assert ok.text_label.textFormat() == Qt.TextFormat.PlainText


def test_model_text_is_escaped_before_claims_are_highlighted() -> None:
    text = "<b>$9</b> & more"
    claim = Claim(text="$9", start=3, end=5, kind="price", supported=False)
    html = highlighted(text, (claim,))
    assert "&lt;b&gt;" in html and "<b>" not in html and "&amp; more" in html
    assert html.count('href="claim:0"') == 1
    assert explain(claim).endswith("nothing in the company's material states it.")


def scorecard(**changes: Any) -> Scorecard:
    card = Scorecard(
        persona="frostwatch-loyalist",
        persona_name="Derek Olsen",
        difficulty="medium",
        outcome="agreed",
        outcome_reason="Agreed to a pilot.",
        next_step="a pilot at three stores",
        final=True,
        customer_turns=6,
        agent_replies=7,
        objections=(
            ObjectionScore(
                objection="price",
                label="Too expensive",
                raised_turn=3,
                raised_by="persona",
                handled=True,
                handled_turn=3,
                handled_by="pricing",
                prepared_response_used=True,
                prepared_response_overlap=0.6,
            ),
            ObjectionScore(
                objection="competitor",
                label="We use FrostWatch",
                raised_turn=2,
                raised_by="user",
                handled=False,
            ),
        ),
        facts=(
            FactScore(
                fact="budget",
                kind="budget",
                label="Budget of $3,500 a month",
                uncovered=True,
                asked_turn=4,
            ),
        ),
        claims_checked=9,
        unsupported_claims=(
            UnsupportedClaim(
                turn_id=3, agent="pricing", text="$9 per sensor", kind="price", contradicting=PRICES
            ),
        ),
        talk=TalkRatio(customer_words=100, agent_words=300),
        latency=LatencyScore(replies=7, p50_ms=40, p95_ms=120),
    )
    return card.model_copy(update=changes)


def test_the_scorecard_reads_at_a_glance(qtbot: Any) -> None:
    view = ScorecardView(scorecard())
    qtbot.addWidget(view)
    assert view.headline.text() == "Agreed to a next step — Derek Olsen (medium)"
    assert view.subtitle.text() == "Agreed to a pilot. Next step: a pilot at three stores."
    assert view.counts == {
        "Objections handled": "1/2",
        "Playbook response used": "1/2",
        "Hidden facts uncovered": "1/1",
        "Right specialist": "–",
        "Unsupported claims": "1 of 9",
        "Team talk share": "75%",
        "End to end p50": "40 ms",
        "End to end p95": "120 ms",
    }
    details = details_text(scorecard())
    assert (
        "✓ Too expensive — raised by the persona in turn 3; handled in turn 3 by the Pricing "
        "Specialist; playbook response used" in details
    )
    assert "✗ We use FrostWatch — raised by you in turn 2; not settled" in details
    assert (
        "⚠ Turn 3, Pricing Specialist: “$9 per sensor” (price) — the knowledge says otherwise in "
        "pricing/pricing-and-plans.md › Plans > Professional" in details
    )
    view.show_card(scorecard(final=False, outcome="undecided", persona=None, persona_name=None))
    assert view.headline.text() == "Undecided — Customer mode  ·  so far"


def test_push_to_talk_reports_press_and_release_once(qtbot: Any) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    talked: list[bool] = []
    composer.talk.connect(talked.append)
    composer.set_voice(True, "Voice: Cartesia.")
    qtbot.mousePress(composer.talk_button, Qt.MouseButton.LeftButton)
    assert composer.talking and composer.talk_button.text() == "● Listening… release to send"
    qtbot.mouseRelease(composer.talk_button, Qt.MouseButton.LeftButton)
    assert talked == [True, False] and composer.talk_button.text() == "● Hold to talk"
    opened: list[bool] = []
    composer.open_mic.connect(opened.append)
    qtbot.mouseClick(composer.open_mic_button, Qt.MouseButton.LeftButton)
    assert opened == [True] and composer.open_mic_button.text() == "Mic is open"
    composer.set_voice(False, "No microphone found: type your lines instead.")
    assert opened == [True, False] and not composer.talk_button.isEnabled()
    assert composer.talk_button.toolTip() == "No microphone found: type your lines instead."


def test_the_persona_list_shows_each_scenario_and_difficulty_in_the_list(qtbot: Any) -> None:
    personas = load_personas().personas
    panel = CoachPanel(personas)
    qtbot.addWidget(panel)
    panel.show()
    combo = panel.persona
    combo.showPopup()
    view = combo.view()
    one_line = view.fontMetrics().height()
    for row, persona in enumerate(personas):
        index = combo.model().index(row, 0)
        assert index.data(SCENARIO_ROLE) == persona_scenario(persona)
        assert index.data(DIFFICULTY_ROLE) == persona.difficulty
        assert view.visualRect(index).height() >= 2 * one_line  # two lines, in the list itself
        objections = [o.topic.replace("_", " ") for o in persona.agenda]
        assert all(o in index.data(SCENARIO_ROLE) for o in objections)
    assert isinstance(combo.itemDelegate(), PersonaItemDelegate)
    view.grab()  # paints the entries
    combo.hidePopup()
