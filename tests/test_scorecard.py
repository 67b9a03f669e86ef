"""The scorecard of a known conversation, field by field, and how it is shown."""

from __future__ import annotations

import pytest

from simulator.events import (
    AgentRole,
    Claim,
    ClaimCheckEvent,
    CustomerOutcomeEvent,
    Event,
    HandoffEvent,
    LatencyEvent,
    LatencyStages,
    ModeChangedEvent,
    Passage,
    PersonaAction,
    PersonaEvent,
    ScorecardEvent,
    Speaker,
    TranscriptEvent,
    from_json,
    to_json,
)
from simulator.personas import Persona, Playbook, load_personas
from simulator.report import render_report
from simulator.scorecard import (
    ScorecardBuilder,
    render_table,
    render_text,
    score_events,
    summary_row,
)
from simulator.settings import BUNDLED_KNOWLEDGE

PERSONA_ID = "price-conscious-restaurants"
PRICE_LIST = Passage(
    source="pricing/pricing-and-plans.md",
    section="Pricing and Plans > ColdTrace Cloud plans > Professional — $11 per sensor per month",
    score=2.0,
    text="Our most popular plan, for multi-site businesses and regulated environments.",
)


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return Playbook.load(BUNDLED_KNOWLEDGE)


@pytest.fixture(scope="module")
def maria() -> Persona:
    return load_personas().find(PERSONA_ID)


def said(turn: int, speaker: Speaker, text: str) -> TranscriptEvent:
    return TranscriptEvent(
        turn_id=turn,
        speaker=speaker,
        text=text,
        provider=None if speaker == "customer" else "cerebras",
    )


def latency(turn: int, agent: AgentRole, e2e: float) -> LatencyEvent:
    return LatencyEvent(
        turn_id=turn,
        agent=agent,
        provider="cerebras",
        model="gpt-oss-120b",
        stages=LatencyStages(e2e_ms=e2e),
    )


def persona_did(turn: int, action: PersonaAction, objection: str | None = None) -> PersonaEvent:
    return PersonaEvent(turn_id=turn, persona=PERSONA_ID, action=action, objection=objection)


def known_conversation(playbook: Playbook) -> list[Event]:
    prepared = playbook.find("too expensive").prepared_response
    price_answer = (
        prepared.split(" You mentioned")[0]
        + " One lost freezer load a year and it pays for itself."
    )
    wrong = "The Professional plan is $9 per sensor."
    return [
        ModeChangedEvent(
            mode="coach", customer="persona", persona=PERSONA_ID, persona_name="Maria Alvarez"
        ),
        persona_did(1, "opened"),
        said(1, "customer", "Hi, I'm Maria from Sunbelt Kitchens, we run twelve restaurants."),
        said(1, "greeter", "Welcome! What budget do you have in mind for this?"),
        latency(1, "greeter", 100.0),
        persona_did(2, "raised_objection", "price"),
        said(
            2,
            "customer",
            "Honestly, eleven dollars a sensor every month adds up fast across twelve restaurants.",
        ),
        HandoffEvent(
            turn_id=2, from_agent="greeter", to_agent="pricing", reason="a price objection"
        ),
        said(2, "pricing", price_answer),
        latency(2, "pricing", 300.0),
        persona_did(3, "accepted_answer", "price"),
        persona_did(3, "asked_follow_up", "price"),
        said(
            3, "customer", "Okay. And what would the hardware cost us up front for one restaurant?"
        ),
        HandoffEvent(turn_id=3, from_agent="pricing", to_agent="technical", reason="hardware"),
        said(3, "technical", wrong),
        ClaimCheckEvent(
            turn_id=3,
            agent="technical",
            reply=wrong,
            elapsed_ms=4.0,
            claims=(
                Claim(
                    text="$9 per sensor",
                    start=25,
                    end=38,
                    kind="price",
                    supported=False,
                    contradicting=PRICE_LIST,
                    note="the knowledge base says $11 per sensor per month",
                ),
            ),
        ),
        latency(3, "technical", 200.0),
        ModeChangedEvent(
            mode="customer", customer="user", persona=PERSONA_ID, persona_name="Maria Alvarez"
        ),
        said(
            4,
            "customer",
            "We've already spent our equipment budget for "
            "this year, so buying hardware now is tough.",
        ),
        HandoffEvent(turn_id=4, from_agent="technical", to_agent="pricing", reason="budget"),
        said(
            4,
            "pricing",
            "I don't have that in our material, so I won't "
            "guess; I'll find out and come back to you.",
        ),
        CustomerOutcomeEvent(
            persona=PERSONA_ID, turn_id=4, outcome="undecided", reason="Ended by the coach."
        ),
    ]


def test_the_scorecard_of_a_known_conversation(maria: Persona, playbook: Playbook) -> None:
    card = score_events(known_conversation(playbook), maria, playbook)

    assert (card.persona, card.persona_name, card.difficulty) == (
        PERSONA_ID,
        "Maria Alvarez",
        "easy",
    )
    assert (card.outcome, card.outcome_reason, card.final) == (
        "undecided",
        "Ended by the coach.",
        True,
    )
    assert (card.customer_turns, card.agent_replies) == (4, 4)

    price, timing = card.objections
    assert (price.objection, price.raised_turn, price.raised_by) == ("price", 2, "persona")
    assert (price.handled, price.handled_turn, price.handled_by) == (True, 2, "pricing")
    assert price.prepared_response_used and price.prepared_response_overlap > 0.5
    assert price.playbook_section == "Objection: It's too expensive"
    assert (timing.objection, timing.raised_turn, timing.raised_by) == ("budget-timing", 4, "user")
    assert (timing.handled, timing.prepared_response_used) == (False, False)
    assert card.objections_handled == 1 and card.prepared_responses_used == 1

    assert [(f.fact, f.uncovered, f.asked_turn) for f in card.facts] == [
        ("budget", True, 1),
        ("deadline", False, None),
        ("current-process", False, None),
    ]

    assert [(r.turn_id, r.expected, r.answered_by, r.correct) for r in card.routing] == [
        (2, ("pricing",), "pricing", True),
        (3, ("pricing",), "technical", False),  # the follow-up names its specialist
        (4, ("pricing",), "pricing", True),  # the user's own objection, recognised by its words
    ]

    assert card.claims_checked == 1
    [claim] = card.unsupported_claims
    assert (claim.turn_id, claim.agent, claim.text, claim.kind) == (
        3,
        "technical",
        "$9 per sensor",
        "price",
    )
    assert claim.contradicting == PRICE_LIST

    customer_words = sum(
        len(e.text.split())
        for e in known_conversation(playbook)
        if isinstance(e, TranscriptEvent) and e.speaker == "customer"
    )
    agent_words = sum(
        len(e.text.split())
        for e in known_conversation(playbook)
        if isinstance(e, TranscriptEvent) and e.speaker != "customer"
    )
    assert (card.talk.customer_words, card.talk.agent_words) == (customer_words, agent_words)
    assert card.talk.agent_share == pytest.approx(agent_words / (agent_words + customer_words))

    assert (card.latency.replies, card.latency.p50_ms, card.latency.p95_ms) == (3, 200.0, 290.0)


def test_on_demand_the_scorecard_says_the_conversation_is_going_on(
    maria: Persona, playbook: Playbook
) -> None:
    builder = ScorecardBuilder(maria, playbook)
    for event in known_conversation(playbook)[:10]:
        builder.observe(event)
    card = builder.build(final=False)
    assert (card.final, card.outcome, card.outcome_reason) == (
        False,
        "undecided",
        "The conversation is still going.",
    )
    assert [o.objection for o in card.objections] == ["price"]


def test_in_customer_mode_objections_are_recognised_from_the_playbook(playbook: Playbook) -> None:
    prepared = playbook.find("locked into a long contract").prepared_response
    events = [
        said(
            1,
            "customer",
            "We signed a three-year deal with TempGuard "
            "last year, so we'd be paying for two systems.",
        ),
        said(1, "pricing", prepared.split(" In the meantime")[0]),
        said(2, "customer", "Does it integrate with SAP?"),
        said(2, "greeter", "Welcome to Lumora."),
    ]
    card = score_events(events, None, playbook)
    assert card.persona is None and card.facts == ()
    [objection] = card.objections
    assert objection.objection == "We're locked into a long contract with another vendor"
    assert (objection.raised_by, objection.handled, objection.prepared_response_used) == (
        "user",
        True,
        True,
    )
    assert [(r.turn_id, r.expected, r.correct) for r in card.routing] == [
        (1, ("pricing",), True),
        (2, ("technical",), False),
    ]


def test_a_scorecard_is_shown_as_text_html_and_a_table_row(
    maria: Persona, playbook: Playbook
) -> None:
    card = score_events(known_conversation(playbook), maria, playbook)
    text = render_text(card)
    assert text.splitlines()[:2] == [
        "Scorecard - Maria Alvarez (price-conscious-restaurants, easy)",
        "  Outcome: UNDECIDED - Ended by the coach.",
    ]
    assert "Objections handled: 1/2, Playbook response used: 1/2" in text
    assert (
        "    ✓ price — raised by the persona in turn 2: “Honestly, eleven dollars a sensor every "
        "month adds up fast across twelve restaurants.”; handled in turn 2 by the Pricing "
        "Specialist: “That's a fair point" in text
    )
    assert "    ✗ budget-timing — raised by you in turn 4: “We've already spent" in text
    assert "    ✗ Turn 3: Technical Specialist answered “Okay. And what would the hardware" in text
    assert "    ⚠ Turn 3, Technical Specialist: “$9 per sensor” (price)" in text
    assert summary_row(card) == (
        PERSONA_ID,
        "easy",
        "undecided",
        "4",
        "1/2",
        "1/2",
        "1/3",
        "2/3",
        "1",
        f"{card.talk.agent_share:.0%}",
        "200",
        "290",
    )
    table = render_table([summary_row(card)]).splitlines()
    assert table[0].split() == [
        "persona",
        "level",
        "outcome",
        "turns",
        "objections",
        "playbook",
        "facts",
        "routing",
        "unsupported",
        "team",
        "talk",
        "p50",
        "ms",
        "p95",
        "ms",
    ]
    assert len(table) == 3
    page = render_report(
        [
            ScorecardEvent(
                scorecard=card.model_copy(update={"outcome_reason": "<script>alert(1)</script>"})
            )
        ]
    )
    assert "<script>" not in page and "&lt;script&gt;" in page and "<h2>Scorecard</h2>" in page


def test_a_scorecard_event_survives_its_json_line(maria: Persona, playbook: Playbook) -> None:
    event = ScorecardEvent(scorecard=score_events(known_conversation(playbook), maria, playbook))
    assert from_json(to_json(event)) == event
