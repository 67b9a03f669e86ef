"""The exported report reads like the conversation, shows the sources and the latency with
p50/p95, opens with no network, escapes everything and never contains a secret."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from simulator.events import (
    HandoffEvent,
    LatencyEvent,
    LatencyStages,
    Passage,
    RetrievalEvent,
    SessionStartedEvent,
    StatusEvent,
    ToolCallEvent,
    TranscriptEvent,
)
from simulator.redaction import Redactor
from simulator.report import render_report, write_report

KEY = "csk-secret-key-0123456789"


def session() -> list:
    events = [
        SessionStartedEvent(
            session_id="s1", provider="cerebras", model="gpt-oss-120b", knowledge_dir="/company"
        ),
        TranscriptEvent(turn_id=1, speaker="customer", text="Hello <script>alert(1)</script>"),
        TranscriptEvent(
            turn_id=1, speaker="greeter", text="Welcome! How can I help?", provider="cerebras"
        ),
        TranscriptEvent(
            turn_id=2, speaker="customer", text="What does the Professional plan cost?"
        ),
        RetrievalEvent(turn_id=2, agent="greeter", query="cost", elapsed_ms=5.0, passages=()),
        HandoffEvent(
            turn_id=2,
            from_agent="greeter",
            to_agent="pricing",
            reason="asks about the Professional plan",
        ),
        RetrievalEvent(
            turn_id=2,
            agent="pricing",
            query="cost",
            elapsed_ms=6.0,
            passages=(
                Passage(
                    source="pricing/pricing-and-plans.md",
                    section="Plans > Professional",
                    score=0.63,
                    text="Professional — $11 per sensor per month.",
                ),
            ),
        ),
        ToolCallEvent(
            turn_id=2,
            agent="pricing",
            name="check_stock",
            arguments={"product": "CT-100"},
            output="1840 in stock",
        ),
        TranscriptEvent(
            turn_id=2,
            speaker="pricing",
            text="It is $11 per sensor per month.",
            provider="cerebras",
        ),
        StatusEvent(level="warning", source="cerebras", message=f"HTTP 429 for key {KEY}"),
    ]
    for turn, e2e in zip((1, 2), (120.0, 380.0), strict=False):
        agent = "greeter" if turn == 1 else "pricing"
        events.insert(
            3 if turn == 1 else len(events) - 1,
            LatencyEvent(
                turn_id=turn,
                agent=agent,
                provider="cerebras",
                model="gpt-oss-120b",
                stages=LatencyStages(
                    retrieval_ms=5.0,
                    llm_ttft_ms=90.0,
                    tokens_per_s=2100.0,
                    server_total_ms=70.0,
                    e2e_ms=e2e,
                ),
            ),
        )
    return events


def text_of(html: str) -> str:
    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def test_the_report_reads_as_the_conversation_in_order() -> None:
    text = text_of(render_report(session(), title="Rehearsal with Acme"))
    order = [
        "Rehearsal with Acme",
        "Customer Hello <script>alert(1)</script>",
        "Greeter",
        "Welcome! How can I help?",
        "What does the Professional plan cost?",
        "Greeter handed over to Pricing Specialist",
        "It is $11 per sensor per month.",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert "gpt-oss-120b" in text


def test_each_reply_lists_the_passages_and_lookups_behind_it() -> None:
    text = text_of(render_report(session()))
    assert "Sources (1): pricing/pricing-and-plans.md" in text
    assert "Plans > Professional (score 0.63)" in text
    assert "Professional — $11 per sensor per month." in text
    assert "Looked up check_stock(product=CT-100)" in text and "1840 in stock" in text


def test_handoffs_and_latency_with_p50_p95() -> None:
    text = text_of(render_report(session()))
    assert "asks about the Professional plan" in text
    # e2e 120 and 380 ms: p50 250, p95 367 (linear interpolation)
    assert "End to end over 2 replies: p50 250 ms p95 367 ms" in text
    assert "2,100" in text  # tokens per second
    assert "HTTP 429" in text  # warnings are part of the record


def test_markup_in_the_conversation_is_escaped_and_nothing_is_fetched() -> None:
    html = render_report(session())
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)
    assert "<style>" in html and "<svg" in html  # self-contained: inline style and chart


def test_secrets_are_redacted(tmp_path: Path) -> None:
    path = write_report(tmp_path / "report.html", session(), redactor=Redactor([KEY]))
    html = path.read_text(encoding="utf-8")
    assert KEY not in html
    assert "[redacted]" in html


def test_an_empty_session_still_makes_a_readable_report() -> None:
    text = text_of(render_report([]))
    assert "Nothing was said." in text
    assert "No reply was timed." in text


def rehearsal() -> list:
    """A Coach-mode session: a persona, a whisper, a wrong price flagged, the final scorecard."""
    from simulator.events import (
        Claim,
        ClaimCheckEvent,
        CoachWhisperEvent,
        CustomerOutcomeEvent,
        LatencyScore,
        ModeChangedEvent,
        ObjectionScore,
        Scorecard,
        ScorecardEvent,
        TalkRatio,
        UnsupportedClaim,
    )

    plans = Passage(
        source="pricing/pricing-and-plans.md",
        section="Plans > Professional",
        score=0.7,
        text="Professional — $11 per sensor per month.",
    )
    reply = "Professional is $9 per sensor per month."
    start = reply.index("$9 per sensor")
    card = Scorecard(
        persona="price-conscious-restaurants",
        persona_name="Maria Alvarez",
        difficulty="easy",
        outcome="declined",
        outcome_reason="Too expensive.",
        final=True,
        customer_turns=2,
        agent_replies=2,
        objections=(
            ObjectionScore(
                objection="price",
                label="Too expensive",
                raised_turn=1,
                raised_by="persona",
                handled=False,
            ),
        ),
        claims_checked=1,
        unsupported_claims=(
            UnsupportedClaim(
                turn_id=1, agent="pricing", text="$9 per sensor", kind="price", contradicting=plans
            ),
        ),
        talk=TalkRatio(customer_words=10, agent_words=20),
        latency=LatencyScore(replies=2),
    )
    return [
        SessionStartedEvent(
            session_id="s2", provider="offline", model="offline", knowledge_dir="/company"
        ),
        ModeChangedEvent(
            mode="coach",
            customer="persona",
            persona="price-conscious-restaurants",
            persona_name="Maria Alvarez",
            reason="Maria Alvarez plays the customer.",
        ),
        CoachWhisperEvent(status="queued", turn_id=0, agent="greeter", text="Ask for <her> budget"),
        TranscriptEvent(turn_id=1, speaker="customer", text="What does Professional cost?"),
        TranscriptEvent(turn_id=1, speaker="pricing", text=reply, provider="offline"),
        ClaimCheckEvent(
            turn_id=1,
            agent="pricing",
            reply=reply,
            elapsed_ms=2.0,
            claims=(
                Claim(
                    text="$9 per sensor",
                    start=start,
                    end=start + 13,
                    kind="price",
                    supported=False,
                    contradicting=plans,
                    note="here the knowledge base says $11 per sensor per month",
                ),
            ),
        ),
        ModeChangedEvent(
            mode="customer",
            customer="user",
            persona="price-conscious-restaurants",
            persona_name="Maria Alvarez",
            reason="You took over the customer.",
        ),
        TranscriptEvent(turn_id=2, speaker="customer", text="That seems low."),
        CustomerOutcomeEvent(
            persona="price-conscious-restaurants",
            turn_id=2,
            outcome="declined",
            reason="Too expensive.",
        ),
        ScorecardEvent(scorecard=card.model_copy(update={"final": False, "outcome": "undecided"})),
        ScorecardEvent(scorecard=card),
    ]


def test_a_rehearsal_report_has_the_final_scorecard_first_and_marks_the_claims() -> None:
    page = render_report(rehearsal(), title="Rehearsal with Maria Alvarez")
    text = text_of(page)
    assert (
        page.count("<h2>Scorecard") == 1 and "<h2>Scorecard</h2>" in page
    )  # the final one, not "so far"
    assert page.index("<h2>Scorecard</h2>") < page.index("<h2>Conversation</h2>")
    assert "Declined — Maria Alvarez (easy)" in text and "0/1 objections handled" in text
    assert (
        "Turn 1, Pricing Specialist: “$9 per sensor” (price) — the knowledge says otherwise in"
        in text
    )
    # the persona's lines carry its name; the user's after the take-over do not
    assert "Maria Alvarez (AI customer) What does Professional cost?" in text
    assert "Customer That seems low." in text
    # the whisper is a coach note, escaped; the flagged figure is marked in the reply
    assert "Coach whisper to the Greeter: “Ask for <her> budget”" in text and "&lt;her&gt;" in page
    assert (
        '<mark class="claim" title="not supported by the knowledge base">$9 per sensor</mark>'
        in page
    )
    assert "⚠ 1 unsupported claim(s)" in text and "Professional — $11 per sensor per month." in text
    assert "The customer declined: Too expensive." in text


def test_rehearse_writes_the_report_through_the_same_path(tmp_path: Path) -> None:
    from simulator.personas import load_personas
    from simulator.rehearse import _write_report

    events = rehearsal()
    path = tmp_path / "out" / "maria.html"
    _write_report(path, events, load_personas().find("price-conscious-restaurants"))
    assert path.read_text(encoding="utf-8") == render_report(
        events, title="Rehearsal with Maria Alvarez (easy)"
    )
