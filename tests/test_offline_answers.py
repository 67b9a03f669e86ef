"""The offline team answers the question that was asked, in whole sentences, on any company.

Each test drives the real session (``SessionRunner`` on the offline responder, as ``simulator chat
--offline`` does) and asserts on its events: the reply holds the fact, is made of whole sentences
without labels, never states a fact about the customer that the customer did not give, follows
up its own question, follows the coach's whisper, and knows what "it" refers to.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from livekit.agents import llm

from simulator.event_text import reply_label
from simulator.events import (
    Event,
    HandoffEvent,
    Passage,
    ToolCallEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.providers.offline import answer_types, plan_reply, warming
from simulator.providers.offline.reading import units
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from simulator.team.brief import TurnBrief, attach
from simulator.team.dialogue import only_points_back
from simulator.team.passages import knowledge_message

OTHER_COMPANY = Path(__file__).parent / "data" / "other_company"
ORISENT = Path(__file__).parent / "data" / "eval" / "dev" / "knowledge"

_LABELS = re.compile(
    r"\*\*|__|^#|\n#|\||prepared response|what the customer says|what's behind it|follow-up "
    r"questions|positioning|talking point|\bthe customer says\b",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_DANGLING = re.compile(r"\b(?:and|or|for|to|of|the|a|with|on)[.!?]$", re.I)


class Conversation:
    """One offline session and the events of each of its turns."""

    def __init__(self, runner: SessionRunner) -> None:
        self.runner = runner

    async def say(self, text: str) -> list[Event]:
        await self.runner.send(text)
        turn: list[Event] = []
        async for event in self.runner.events():
            turn.append(event)
            if isinstance(event, TurnCompletedEvent):
                break
        return turn

    async def reply(self, text: str) -> TranscriptEvent:
        """The team's last reply to ``text``."""
        turn = await self.say(text)
        replies = [e for e in turn if isinstance(e, TranscriptEvent) and e.speaker != "customer"]
        assert replies, f"no reply to {text!r}"
        return replies[-1]


WARMING_TIMEOUT_S = 600.0
"""The first warm-up of a folder encodes its sentences (~1-2 min on a loaded 2-core machine);
later ones in the same process find them in memory."""


async def answers_by_encoder(runner: SessionRunner) -> None:
    """Wait until the offline answers are chosen with the contextual encoder (when installed):
    its warm-up and the index's fill, so each reply is the encoder's, the same every run."""
    session = runner.agent_session
    assert session is not None
    view = session.userdata.view
    if view.contextual:
        assert await asyncio.to_thread(warming.wait, view, WARMING_TIMEOUT_S)


@pytest.fixture(scope="module")
def sample_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder for the module's sample sessions: the encoder's vectors of the index are
    stored by the first and found by the others (each would otherwise encode them again)."""
    return tmp_path_factory.mktemp("sample-data")


@pytest.fixture(scope="module")
def parcelwise_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("parcelwise-data")


@pytest.fixture
async def sample(sample_data: Path) -> Conversation:
    runner = SessionRunner(Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=sample_data))
    await runner.start()
    await answers_by_encoder(runner)
    yield Conversation(runner)  # type: ignore[misc]
    await runner.aclose()


@pytest.fixture(scope="module")
def orisent_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("orisent-data")


@pytest.fixture
async def orisent(orisent_data: Path) -> Conversation:
    """The dev company: its products are named in its documents only (no stock table)."""
    runner = SessionRunner(Settings(knowledge_dir=ORISENT, data_dir=orisent_data))
    await runner.start()
    await answers_by_encoder(runner)
    yield Conversation(runner)  # type: ignore[misc]
    await runner.aclose()


@pytest.fixture
async def parcelwise(parcelwise_data: Path) -> Conversation:
    runner = SessionRunner(Settings(knowledge_dir=OTHER_COMPANY, data_dir=parcelwise_data))
    await runner.start()
    await answers_by_encoder(runner)
    yield Conversation(runner)  # type: ignore[misc]
    await runner.aclose()


def assert_whole_sentences(text: str) -> None:
    """Sentences that start with a capital and end with a stop, none cut mid-phrase, no
    Markdown or playbook labels."""
    assert not _LABELS.search(text), text
    for sentence in _SENTENCE.split(text.strip()):
        assert sentence[0].isupper() or sentence[0].isdigit() or sentence[0] in "\"'(", text
        assert sentence[-1] in ".!?\"')", text
        assert not _DANGLING.search(sentence), text


async def test_the_answer_is_the_sentence_that_answers_the_question(
    sample: Conversation,
) -> None:
    cases = {
        "What would the CT-100 set me back?": "$89",
        "Can we kick the tyres for free before we sign anything?": "60-day pilot",
        "Is it any cheaper if we pay for the whole year upfront?": "6%",
        "What wireless technology do the sensors use?": "LoRaWAN",
    }
    for question, fact in cases.items():
        await sample.runner.reset()
        reply = await sample.reply(question)
        assert fact in reply.text, (question, reply.text)
        assert_whole_sentences(reply.text)


async def test_a_free_trial_question_hears_the_no_and_what_there_is_instead(
    sample: Conversation,
) -> None:
    reply = await sample.reply("Is there a free trial?")
    assert reply.text.startswith("We do not offer a free trial")
    assert "Instead we run a 60-day pilot program" in reply.text
    assert_whole_sentences(reply.text)


async def test_a_table_row_is_spoken_as_a_sentence_with_its_columns(
    parcelwise: Conversation,
) -> None:
    reply = await parcelwise.reply("What does the cheapest package cost each month?")
    assert reply.speaker == "pricing"
    assert "$49" in reply.text and "Launch" in reply.text
    assert_whole_sentences(reply.text)


async def test_another_company_gets_its_own_answers_from_its_own_specialists(
    parcelwise: Conversation,
) -> None:
    cases = {
        "How many requests a minute can our developers make to your API?": ("technical", "120"),
        "We're a non-profit - do we get a better price?": ("pricing", "25%"),
        "Who founded Parcelwise?": ("greeter", "Renée Castillo"),
    }
    for question, (agent, fact) in cases.items():
        await parcelwise.runner.reset()
        reply = await parcelwise.reply(question)
        assert (reply.speaker, fact in reply.text) == (agent, True), (question, reply.text)
        assert_whole_sentences(reply.text)


async def test_an_objection_gets_the_prepared_response_without_invented_customer_facts(
    sample: Conversation,
) -> None:
    reply = await sample.reply("Eleven dollars a sensor every month adds up fast for us.")
    assert "Northgate Fresh Foods" in reply.text  # the playbook's prepared response
    assert "forty" not in reply.text and "You mentioned" not in reply.text  # its worked example
    assert_whole_sentences(reply.text)


async def test_a_factual_question_sharing_a_word_with_an_objection_gets_its_fact(
    sample: Conversation,
) -> None:
    reply = await sample.reply(
        "Suppose finance pays the whole year in one go. Does that knock anything off?"
    )
    assert "6%" in reply.text
    assert "decision like this" not in reply.text  # not the "check with my boss" response


async def test_the_customer_answering_our_question_runs_the_look_up(
    sample: Conversation,
) -> None:
    asked = await sample.reply("What did we order from you last time?")
    assert asked.text == "Which company's account should I look up?"
    turn = await sample.say("Casa Verde Restaurant Group")
    calls = [e for e in turn if isinstance(e, ToolCallEvent)]
    assert [(c.name, c.arguments) for c in calls] == [
        ("purchase_history", {"account": "Casa Verde Restaurant Group"})
    ]
    reply = [e for e in turn if isinstance(e, TranscriptEvent) and e.speaker != "customer"][-1]
    assert "ACC-1004" in reply.text


async def test_it_is_the_product_named_last(sample: Conversation) -> None:
    first = await sample.reply("Is the CT-200 in stock at the moment?")
    assert "CT-200" in first.text
    reply = await sample.reply("And how much does it cost?")
    assert "$249" in reply.text, reply.text


async def test_a_whisper_changes_the_reply(sample: Conversation) -> None:
    objection = "Eleven dollars a sensor every month adds up fast for us."
    plain = await sample.reply(objection)
    await sample.runner.reset()
    sample.runner.whisper("Ask how many staff hours go into manual checks")
    coached = await sample.reply(objection)
    assert coached.text != plain.text
    assert coached.text.endswith(
        "How many staff hours a week go into manual temperature checks today?"
    )


# Dialogue state, whispers and routing by meaning (see also test_offline_dialogue.py).


def _team_reply(turn: list[Event]) -> TranscriptEvent:
    return [e for e in turn if isinstance(e, TranscriptEvent) and e.speaker != "customer"][-1]


async def test_a_misspelt_company_answering_our_question_runs_the_look_up(
    sample: Conversation,
) -> None:
    asked = await sample.reply("What did we order from you last time?")
    assert asked.text == "Which company's account should I look up?"
    turn = await sample.say("Casa Verde Restorant Group")
    calls = [(e.name, e.arguments) for e in turn if isinstance(e, ToolCallEvent)]
    assert calls == [("purchase_history", {"account": "Casa Verde Restaurant Group"})]
    assert "ACC-1004" in _team_reply(turn).text


async def test_it_and_the_other_one_are_the_products_the_customer_weighed(
    sample: Conversation,
) -> None:
    await sample.reply("Is the CT-100 or the CT-200 better for a -80 freezer?")
    price = await sample.reply("how much is it?")
    assert "$249" in price.text and price.speaker == "pricing", price.text
    turn = await sample.say("and the other one?")
    other = _team_reply(turn)
    assert [e for e in turn if isinstance(e, HandoffEvent)] == []
    assert "$89" in other.text and "CT-100" in other.text, other.text


async def test_the_first_one_is_the_first_of_the_products_named_together(
    sample: Conversation,
) -> None:
    await sample.reply("Tell me about the CT-100 and the CT-200")
    reply = await sample.reply("How much is the first one?")
    assert "$89" in reply.text, reply.text


async def test_a_short_follow_up_asks_the_previous_question_of_another_plan(
    parcelwise: Conversation,
) -> None:
    first = await parcelwise.reply("How much is the Launch plan each month?")
    assert "$49" in first.text, first.text
    growth = await parcelwise.reply("And the Growth plan?")
    assert "$199" in growth.text, growth.text
    back = await parcelwise.reply("and the other one?")
    assert "$49" in back.text, back.text


async def test_a_whisper_brings_in_what_it_points_at(sample: Conversation) -> None:
    question = "What would the CT-100 set me back?"
    plain = await sample.reply(question)
    assert "$89" in plain.text and "7%" not in plain.text, plain.text
    sample.runner.whisper("Mention the hardware volume discount")
    coached = await sample.reply(question)
    assert "$89" in coached.text and "7% off hardware" in coached.text, coached.text
    sample.runner.whisper("Ask about their budget")
    asking = await sample.reply(question)
    assert asking.text.startswith(plain.text) and asking.text.endswith("?"), asking.text


async def test_an_introduction_before_the_question_is_not_the_handoffs_topic(
    sample: Conversation,
) -> None:
    turn = await sample.say(
        "Hi, I'm from a university lab with -80 freezers. How cold can your sensors go?"
    )
    handoffs = [e for e in turn if isinstance(e, HandoffEvent)]
    assert [(h.from_agent, h.to_agent) for h in handoffs] == [("greeter", "technical")]
    # the topic of the answer, not the customer-facing page that matched "university lab"
    assert "Who buys" not in handoffs[0].reason and "Case study" not in handoffs[0].reason
    assert "-80" in _team_reply(turn).text


async def test_a_question_naming_the_company_is_the_greeters(parcelwise: Conversation) -> None:
    turn = await parcelwise.say("Who started Parcelwise, and in what year?")
    assert [e for e in turn if isinstance(e, HandoffEvent)] == []
    assert "2019" in _team_reply(turn).text


def _handoffs(turn: list[Event]) -> list[tuple[str, str]]:
    return [(e.from_agent, e.to_agent) for e in turn if isinstance(e, HandoffEvent)]


async def test_each_line_goes_to_the_specialist_of_its_own_topic(sample: Conversation) -> None:
    price = await sample.reply("What would the CT-100 set me back?")
    assert price.speaker == "pricing"
    turn = await sample.say("What wireless technology do the sensors use?")
    assert _handoffs(turn) == [("pricing", "technical")]
    reply = [e for e in turn if isinstance(e, TranscriptEvent) and e.speaker != "customer"][-1]
    assert (reply.speaker, "LoRaWAN" in reply.text) == ("technical", True), reply.text
    back = await sample.reply("And how much is the Professional plan per sensor each month?")
    assert (back.speaker, "$11" in back.text) == ("pricing", True), back.text


async def test_a_line_that_only_points_back_stays_with_the_specialist(
    sample: Conversation,
) -> None:
    first = await sample.reply("What would the CT-100 set me back?")
    assert first.speaker == "pricing"
    turn = await sample.say("And what about the other one?")
    assert _handoffs(turn) == []


async def test_another_companys_follow_up_goes_to_its_own_specialist(
    parcelwise: Conversation,
) -> None:
    price = await parcelwise.reply("What does the cheapest package cost each month?")
    assert price.speaker == "pricing"
    reply = await parcelwise.reply(
        "How many requests a minute can our developers make to your API?"
    )
    assert (reply.speaker, "120" in reply.text) == ("technical", True), reply.text


def test_a_line_pointing_back_asks_nothing_of_its_own() -> None:
    assert only_points_back("And what about the other one?")
    assert only_points_back("How does that compare?")
    assert not only_points_back("And the price?")
    assert not only_points_back("What about the battery?")
    assert not only_points_back("Is the CT-200 any good?")


def test_a_profiles_fields_are_spoken_with_whose_they_are_never_as_labels() -> None:
    text = (
        "## Case study: Halden Apotek Group\n\n"
        "- **Industry:** Retail pharmacy chain\n"
        "- **Size:** 48 pharmacies across southern Norway\n"
    )
    passage = Passage(
        source="cases.md", section="Cases > Case study: Halden Apotek Group", text=text, score=1
    )
    spoken = [u.text for u in units(passage, 0)]
    assert spoken == [
        "For Halden Apotek Group, the industry is Retail pharmacy chain.",
        "For Halden Apotek Group, the size is 48 pharmacies across southern Norway.",
    ]


def test_sentences_about_the_document_itself_are_never_spoken() -> None:
    text = (
        "Lumora builds ColdTrace, a cold-chain monitoring solution.\n\n"
        "This page is the starting point for anyone new. It explains who we are and what we "
        "sell. That story is still the first slide of our company pitch."
    )
    passage = Passage(source="overview.md", section="Overview", text=text, score=1)
    assert [u.text for u in units(passage, 0)] == [
        "Lumora builds ColdTrace, a cold-chain monitoring solution."
    ]


async def test_the_answer_is_about_the_plan_or_product_the_question_means(
    sample: Conversation,
) -> None:
    cases = {
        # "the mid plan" is the Professional plan: its onboarding row, not the Starter's
        "Is there a setup fee if we want help getting started on the mid plan?": "$750",
        # described, not named: the door and humidity sensor is the CT-300
        "And the little box that watches the door and the humidity, what's that one go for?": (
            "$119"
        ),
    }
    for question, fact in cases.items():
        await sample.runner.reset()
        reply = await sample.reply(question)
        assert (reply.speaker, fact in reply.text) == ("pricing", True), (question, reply.text)
        assert_whole_sentences(reply.text)


async def test_a_saving_asked_for_hears_the_discount_however_it_is_given(
    parcelwise: Conversation,
) -> None:
    reply = await parcelwise.reply("Is there any saving if we pay for the whole year in one go?")
    assert (reply.speaker, "two months free" in reply.text) == ("pricing", True), reply.text


async def test_a_specialist_answers_a_question_about_the_company_without_handing_back(
    sample: Conversation,
) -> None:
    first = await sample.reply("What would the CT-100 set me back?")
    assert first.speaker == "pricing"
    turn = await sample.say("Who founded Lumora, and when?")
    assert _handoffs(turn) == []  # the Greeter hands over what it cannot answer: no round trip


def test_a_saving_asked_for_is_a_discount_as_a_share_or_a_sum() -> None:
    asked = answer_types.wanted("Do we save anything if we pay for the software a year up front?")
    assert answer_types.gives("Paying a year in advance saves 10%.", asked)
    assert answer_types.gives("Annual billing gives two months free.", asked)


async def test_each_reply_says_what_chose_it_and_the_encoders_is_the_same_every_time(
    sample: Conversation,
) -> None:
    question = "What would the CT-100 set me back?"
    first = await sample.reply(question)
    await sample.runner.reset()
    second = await sample.reply(question)
    assert first.scorer == second.scorer == "minilm"
    assert first.text == second.text
    assert reply_label(first) == " (offline)"


async def test_a_turn_searched_by_word_vectors_is_answered_and_labelled_by_word_vectors(
    sample: Conversation,
) -> None:
    """Never half and half: passages the index ranked before its encoder was ready are read with
    word vectors too, and the reply says so (it may differ from the encoder's)."""
    view = sample.runner.knowledge
    question = "What would the CT-100 set me back?"
    found = await asyncio.to_thread(view.index.search, question, k=4, agent="pricing")
    plans = {}
    for scorer in ("minilm", "wordllama"):
        ctx = llm.ChatContext()
        ctx.add_message(role="user", content=question)
        passages = tuple(p.model_copy(update={"scorer": scorer}) for p in found)
        brief = TurnBrief(agent="pricing", question=question, passages=passages, knowledge=view)
        ctx.items.insert(0, attach(knowledge_message(list(passages)), brief))
        plans[scorer] = await asyncio.to_thread(plan_reply, ctx, {"transfer_to_technical"})
    assert plans["minilm"].scorer == "minilm"
    assert plans["wordllama"].scorer == "wordllama"
    early = TranscriptEvent(
        turn_id=1, speaker="pricing", text="-", provider="offline", scorer="wordllama"
    )
    assert "encoder still loading" in reply_label(early)


def test_a_price_lists_rows_are_said_as_one_would_say_them() -> None:
    """The thing by its name (the code kept when the name lacks it), its price with the unit
    its column gives, counts as "N <column>", the rest as "the <column> is ..."; a table with
    no price column is read column by column."""
    text = (
        "## Hardware\n\n| SKU | Product | Unit price (USD) |\n|---|---|---|\n"
        "| CT-100 | ColdTrace CT-100 Standard Probe Sensor | $89 |\n"
        "| MNT-01 | Mounting kit | $12 |\n\n"
        "## Plans\n\n| Plan | Monthly price | Users included | Support |\n|---|---|---|---|\n"
        "| Launch | $49 | 2 | Email |\n| Enterprise | Custom quote | Unlimited | Phone |\n\n"
        "## Volume\n\n| Sensors under agreement | Discount off list price |\n|---|---|\n"
        "| 100–499 | 10% |\n"
    )
    passage = Passage(source="pricing/prices.md", section="Prices", text=text, score=1)
    spoken = [u.text for u in units(passage, 0)]
    assert spoken == [
        "The ColdTrace CT-100 Standard Probe Sensor is $89 per unit.",
        "The Mounting kit (MNT-01) is $12 per unit.",
        "The Launch plan is $49 a month, with 2 users included; the support is Email.",
        "The Enterprise plan is custom quote, with unlimited users included; the support is Phone.",
        "For 100–499 sensors under agreement, the discount off list price is 10%.",
    ]


async def test_a_handoff_names_the_topic_of_the_answer_not_a_heading_sharing_a_word(
    sample: Conversation,
) -> None:
    turn = await sample.say("How much is the CT-100?")
    handoffs = [e for e in turn if isinstance(e, HandoffEvent)]
    assert [h.to_agent for h in handoffs] == ["pricing"]
    assert "Hardware list prices" in handoffs[0].reason, handoffs[0].reason
    replies = [e for e in turn if isinstance(e, TranscriptEvent) and e.speaker == "pricing"]
    assert replies[-1].text == "The ColdTrace CT-100 Standard Probe Sensor is $89 per unit."


async def test_a_yes_no_question_about_a_feature_never_mentioned_hears_so(
    sample: Conversation,
) -> None:
    """No unrelated sentence for a feature the material never states: it says so, and offers
    what it does say about the product; a feature it states is answered."""
    reply = await sample.reply("Is the CT-200 probe waterproof?")
    assert reply.text.startswith("Our material says nothing about waterproof"), reply.text
    assert "CT-200" in reply.text.split("What I can tell you is this:")[1], reply.text
    await sample.runner.reset()
    stated = await sample.reply("Is the CT-100 waterproof?")
    assert "IP67" in stated.text, stated.text


async def test_a_telling_kind_of_answer_decides_however_far_its_words_are(
    sample: Conversation,
) -> None:
    """Few sentences say when a company was founded: that one answers "how long have you been
    in business?", though its words share nothing with the question."""
    reply = await sample.reply("How long have you lot been in business?")
    assert "2017" in reply.text, reply.text


async def test_the_companys_own_people_and_money_are_the_greeters_topic(
    sample: Conversation,
) -> None:
    reply = await sample.reply("Do you have people on our side of the Atlantic?")
    assert reply.speaker == "greeter", reply.text


def test_money_the_company_raised_is_not_a_price() -> None:
    from simulator.providers.offline import intents
    from simulator.providers.offline.routing import cues

    raised = "I saw you got new investors this year. How much did you bring in?"
    assert intents.COMPANY_MONEY.search(raised)
    assert cues(raised, None)[2] == 0.0  # no pricing cue
    assert cues("How much is the CT-100?", None)[2] > 0.0
    assert not intents.COMPANY_MONEY.search("What does the plan most of your customers pay?")


def test_a_price_lists_plan_rows_are_its_tiers_cheapest_first() -> None:
    from simulator.providers.offline.entities import by_rank, tiers

    text = (
        "| Plan | Monthly price | Users included |\n|---|---|---|\n| Growth | $199 | 10 |\n"
        "| Launch | $49 | 2 |\n| Scale | $599 | Unlimited |\n"
    )
    plans = tiers(units(Passage(source="p.md", section="Plans", text=text, score=1), 0))
    assert plans == [("Launch", 49.0), ("Growth", 199.0), ("Scale", 599.0)]
    assert by_rank("What's on the mid-tier plan?", plans) == "Growth"


async def test_a_product_described_by_its_use_is_the_one_answered_about(
    sample: Conversation,
) -> None:
    """ "The regular fridge probe" is the CT-100 (its sentences speak of refrigerators): its
    battery life answers, not a worked example's minutes."""
    question = "How often will I be swapping batteries on the regular fridge probe?"
    reply = await sample.reply(question)
    assert "5 years" in reply.text and "CT-100" in reply.text, reply.text


def test_how_many_of_a_product_you_have_somewhere_is_a_stock_look_up() -> None:
    from simulator.providers.offline import intents

    assert intents.wants_stock("How many CT-100s do you have in Denver?")
    assert intents.wants_stock("How many GW-20s have you got left?")
    assert not intents.wants_stock("How many offices do you have in Europe?")
    assert not intents.wants_stock("How many sensors can one gateway handle?")


async def test_a_feature_of_a_product_named_only_in_the_documents(orisent: Conversation) -> None:
    """What holds for every sensor ("They must never be autoclaved") answers for the Petite; a
    feature nothing states is said to be unstated, not answered with an unrelated sentence."""
    reply = await orisent.reply("Can the Petite sensor be autoclaved?")
    assert "never be autoclaved" in reply.text, reply.text
    await orisent.runner.reset()
    reply = await orisent.reply("Is the Petite sensor waterproof?")
    assert reply.text.startswith("Our material says nothing about waterproof"), reply.text


async def test_a_plan_the_company_does_not_have_is_said_so_with_the_plans_it_has(
    sample: Conversation,
) -> None:
    """No Growth plan here ("Growth" appears in the material, never as a plan): no other plan's
    price stands in for it."""
    reply = await sample.reply("How much is the Growth plan?")
    assert reply.speaker == "pricing"
    assert reply.text.startswith("We don't have a Growth plan."), reply.text
    assert "Starter, Professional and Enterprise" in reply.text
    assert "$" not in reply.text
    assert_whole_sentences(reply.text)


async def test_a_plan_the_company_has_is_priced_not_denied(parcelwise: Conversation) -> None:
    reply = await parcelwise.reply("How much is the Growth plan?")
    assert "$199" in reply.text and "don't have" not in reply.text, reply.text
    assert_whole_sentences(reply.text)


async def test_how_many_is_answered_with_a_count_of_the_things_asked_about(
    sample: Conversation,
) -> None:
    """ "How many devices" is answered by "up to 10 sensors", not "One pilot per customer"."""
    reply = await sample.reply("How many devices can we test with during the pilot?")
    assert "up to 10 sensors" in reply.text, reply.text
    assert "One pilot per" not in reply.text
    assert_whole_sentences(reply.text)


async def test_two_asks_in_one_line_each_get_their_sentence(sample: Conversation) -> None:
    reply = await sample.reply(
        "What does the trial run cost us, and is that money gone if we go ahead?"
    )
    assert "$490" in reply.text, reply.text
    assert "credited back if the customer goes ahead" in reply.text, reply.text
    # "Instead we run..." comes with the sentence it leans on
    assert "We do not offer a free trial" in reply.text
    assert_whole_sentences(reply.text)


async def test_a_bullets_label_is_folded_into_a_sentence_never_made_its_subject(
    sample: Conversation, parcelwise: Conversation
) -> None:
    reply = await sample.reply("How do you encrypt our data at rest?")
    assert "Encryption at rest is AES-256 encryption" in reply.text, reply.text
    assert "The at rest" not in reply.text
    assert_whole_sentences(reply.text)
    reply = await parcelwise.reply("How much is one extra user on Launch?")
    assert "The extra users on Launch and Growth are $15 per user per month." in reply.text
    assert_whole_sentences(reply.text)


def test_labels_that_open_a_clause_or_a_condition_read_as_sentences() -> None:
    text = (
        "- **Sensor to cloud:** LoRaWAN payloads are encrypted with AES-128.\n"
        "- **Gateway to cloud:** TLS 1.3 with mutual certificate authentication.\n"
        "- **Network posture:** gateways only open outbound connections.\n"
        "- **Three or more sensors on one order:** 8% off the sensors.\n"
        "- **Founded:** 2012 in Madison, by Dr. Priya Nandakumar and Tomas Lindqvist.\n"
    )
    passage = Passage(source="s.md", section="Security > Encryption", text=text, score=1)
    assert [u.text for u in units(passage, 0)] == [
        "LoRaWAN payloads are encrypted with AES-128.",
        "From gateway to cloud, TLS 1.3 with mutual certificate authentication.",
        "Gateways only open outbound connections.",
        "For three or more sensors on one order, 8% off the sensors.",
        "Founded 2012 in Madison, by Dr. Priya Nandakumar and Tomas Lindqvist.",
    ]


async def test_who_founded_and_when_and_where_hear_the_founding(orisent: Conversation) -> None:
    """A title's stop ("Dr.") ends no sentence, and a firm that led a round ("led by Harbourline
    Capital") is no founder."""
    reply = await orisent.reply("Who founded Orisent?")
    assert "Dr. Priya Nandakumar" in reply.text and "Tomas Lindqvist" in reply.text, reply.text
    assert "Series C" not in reply.text
    assert_whole_sentences(reply.text)
    await orisent.runner.reset()
    reply = await orisent.reply("When did you folks get started, and where?")
    assert "2012" in reply.text and "Madison" in reply.text, reply.text
    assert_whole_sentences(reply.text)


async def test_a_number_the_customer_gives_finds_the_row_or_term_it_falls_in(
    sample: Conversation, orisent: Conversation
) -> None:
    """ "Three years" is the 3-year agreement's discount, not the prepayment's; "three sensors at
    once" is the three-or-more bundle's, not the trade-in credit's."""
    reply = await sample.reply("Is it any cheaper if we tie ourselves in for three years?")
    assert "12%" in reply.text and "3-year" in reply.text, reply.text
    assert_whole_sentences(reply.text)
    reply = await orisent.reply("We'd like to buy three sensors at once. Is there a deal on that?")
    assert "For three or more sensors on one order, 8% off the sensors." in reply.text, reply.text
    assert_whole_sentences(reply.text)


def test_a_fee_given_as_a_share_of_a_sum_is_a_price() -> None:
    fee = "No cancelling without an early termination fee of 50% of the remaining subscription."
    assert answer_types.gives(fee, answer_types.wanted("What does that cost?"))
    assert not answer_types.gives("Uptime is 99.9%.", answer_types.wanted("What does that cost?"))


def test_a_label_that_is_a_name_keeps_its_capitals() -> None:
    text = "- **LoRaWAN:** 8-channel concentrator.\n- **Battery life:** up to 4 years\n"
    passage = Passage(source="s.md", section="Specs > GW-10 Gateway", text=text, score=1)
    assert [u.text for u in units(passage, 0)] == [
        "The LoRaWAN of the GW-10 Gateway is 8-channel concentrator.",
        "The battery life of the GW-10 Gateway is up to 4 years.",
    ]


async def test_a_product_described_in_a_phrase_of_its_own_is_the_one_priced(
    sample: Conversation,
) -> None:
    """The description alone ("the heavy-duty warehouse base station") is compared with each
    product's sentences, not drowned by what the line asks of it ("price check on...")."""
    cases = {
        "Price check on the heavy-duty warehouse base station, please.": ("GW-20", "$899"),
        "How much is one of the minus-eighty freezer probes to buy outright?": ("CT-200", "$249"),
    }
    for question, (product, price) in cases.items():
        await sample.runner.reset()
        reply = await sample.reply(question)
        assert product in reply.text and price in reply.text, (question, reply.text)
        assert_whole_sentences(reply.text)
