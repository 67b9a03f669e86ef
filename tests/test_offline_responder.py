"""The offline responder answers like a careful model, from the prompt alone, and never invents."""

from __future__ import annotations

from livekit.agents import llm

from simulator.events import Passage
from simulator.providers.offline import UNKNOWN, TextPlan, ToolCallPlan, compose_answer, plan_reply
from simulator.team.passages import format_passages, format_whisper, parse_passages

PASSAGES = [
    Passage(
        source="pricing/plans.md",
        section="Plans > Professional",
        score=0.8,
        text="The Professional plan costs $9 per sensor per month. It includes SMS alerts and API access.",
    ),
    Passage(
        source="faq.md",
        section="FAQ > Trials",
        score=0.5,
        text="## Can we try it first?\nYes. A 30-day pilot is available for up to 20 sensors.",
    ),
]
GREETER_TOOLS = {"transfer_to_technical", "transfer_to_pricing"}
PRICING_TOOLS = {
    "transfer_to_technical",
    "transfer_to_greeter",
    "check_stock",
    "purchase_history",
    "recommend_products",
}


def conversation(*user_lines: str, passages: list[Passage] = PASSAGES) -> llm.ChatContext:
    ctx = llm.ChatContext()
    ctx.add_message(role="system", content="You are the team.")
    for line in user_lines:
        ctx.add_message(role="user", content=line)
    ctx.add_message(role="system", content=format_passages(passages))
    return ctx


def test_passages_survive_the_prompt_round_trip() -> None:
    assert parse_passages(format_passages(PASSAGES)) == [
        p.model_copy(update={"score": round(p.score, 3)}) for p in PASSAGES
    ]
    assert parse_passages("some other system message") == []


def test_greeter_routes_a_price_question_to_pricing_with_a_reason() -> None:
    plan = plan_reply(conversation("How much would this cost us per month?"), GREETER_TOOLS)
    assert isinstance(plan, ToolCallPlan)
    assert plan.name == "transfer_to_pricing"
    assert "cost us per month" in plan.arguments["reason"]


def test_greeter_routes_a_security_question_to_technical() -> None:
    plan = plan_reply(
        conversation("Is our data encrypted, and are you SOC 2 certified?"), GREETER_TOOLS
    )
    assert plan == ToolCallPlan("transfer_to_technical", {"reason": plan.arguments["reason"]})  # type: ignore[union-attr]


def test_specialist_answers_its_own_topic_with_retrieved_sentences_only() -> None:
    plan = plan_reply(
        conversation("What does the Professional plan cost per sensor?"), PRICING_TOOLS
    )
    assert isinstance(plan, TextPlan)
    assert "The Professional plan costs $9 per sensor per month." in plan.text
    corpus = " ".join(p.text for p in PASSAGES)
    for sentence in plan.text.split(". "):
        assert sentence.rstrip(".") in corpus


def test_after_a_handoff_the_specialist_answers_instead_of_transferring_again() -> None:
    ctx = conversation("Can we do a pilot before paying?")
    ctx.insert(
        llm.FunctionCall(call_id="c1", name="transfer_to_pricing", arguments='{"reason": "pilot"}')
    )
    ctx.insert(
        llm.FunctionCallOutput(
            call_id="c1", name="transfer_to_pricing", output="Transferred", is_error=False
        )
    )
    plan = plan_reply(ctx, {"transfer_to_technical", "transfer_to_greeter"})
    assert isinstance(plan, TextPlan)
    assert "30-day pilot" in plan.text


def test_a_tool_result_is_reported_verbatim() -> None:
    ctx = conversation("Is the CT-100 in stock?")
    ctx.insert(
        llm.FunctionCall(call_id="c2", name="check_stock", arguments='{"product": "CT-100"}')
    )
    ctx.insert(
        llm.FunctionCallOutput(
            call_id="c2",
            name="check_stock",
            output="CT-100: 240 units in stock in Rotterdam.",
            is_error=False,
        )
    )
    assert plan_reply(ctx, PRICING_TOOLS) == TextPlan("CT-100: 240 units in stock in Rotterdam.")


def test_stock_question_becomes_a_look_up_of_the_named_product() -> None:
    plan = plan_reply(conversation("Do you have the CT-200 in stock right now?"), PRICING_TOOLS)
    assert plan == ToolCallPlan("check_stock", {"product": "CT-200"})


def test_purchase_history_uses_the_company_the_customer_named_earlier() -> None:
    ctx = conversation("Hi, I'm Dana from Northbay Foods.", "What is our purchase history?")
    assert plan_reply(ctx, PRICING_TOOLS) == ToolCallPlan(
        "purchase_history", {"account": "Northbay Foods"}
    )


def test_unknown_answers_admit_it_rather_than_guess() -> None:
    plan = plan_reply(conversation("Do you sponsor football teams?"), PRICING_TOOLS)
    assert plan == TextPlan(UNKNOWN)


def test_compose_answer_never_goes_beyond_the_passages() -> None:
    assert compose_answer("anything about quantum?", PASSAGES) is None
    assert compose_answer("pilot sensors", []) is None


PLAYBOOK = Passage(
    source="playbook.md",
    section="Playbook > Objection: It's too expensive",
    score=0.7,
    text=(
        "**Prepared response:**\n\"That's a fair point, so let's weigh it against what one lost freezer costs.\"\n"
        "**Follow-up questions**\n- What did your last temperature incident cost you?\n"
        "- How many staff hours a week go into manual checks?\n"
        "**What's behind it**\nThe customer is comparing the price to a thermometer."
    ),
)


def test_an_objection_gets_the_prepared_response_and_its_first_follow_up_question() -> None:
    plan = plan_reply(
        conversation("Honestly this is too expensive.", passages=[PLAYBOOK]), PRICING_TOOLS
    )
    assert plan == TextPlan(
        "That's a fair point, so let's weigh it against what one lost freezer costs. "
        "What did your last temperature incident cost you?"
    )


def test_a_whisper_steers_the_next_question_and_never_quotes_internal_notes() -> None:
    ctx = conversation("Honestly this is too expensive.", passages=[PLAYBOOK])
    ctx.add_message(
        role="system",
        content=format_whisper(
            "Coaching for this reply.", "Ask about staff hours on manual checks"
        ),
    )
    plan = plan_reply(ctx, PRICING_TOOLS)
    assert isinstance(plan, TextPlan)
    assert plan.text.endswith("How many staff hours a week go into manual checks?")
    assert "The customer is comparing" not in plan.text
