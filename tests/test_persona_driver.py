"""The offline persona driver, conversation by conversation: the test plays the sales team.

The driver is deterministic bookkeeping over the transcript, so these conversations are written
out line by line; the same persona against the real offline team is in test_coach_offline.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.events import AgentRole
from simulator.personas import (
    CustomerTurn,
    CustomerView,
    Line,
    Persona,
    Playbook,
    load_persona,
    load_personas,
)
from simulator.personas.driver import OfflinePersonaDriver
from simulator.personas.judging import judge_objection, judge_question
from simulator.settings import BUNDLED_KNOWLEDGE

PERSONA = """\
name: Dana Reyes
role: Operations Manager
company: {name: Northbay Foods, industry: Food distribution, size: 2 warehouses,
  situation: Paper logs.}
goals: [Fewer losses]
personality: Direct.
tone: Short sentences.
difficulty: medium
opening: Hi, Dana from Northbay Foods.
objections:
  - id: locked-in
    topic: contract
    playbook: locked into a long contract
    when: late
    push: gentle
    says: We signed a three-year deal with TempGuard last year.
    addressed_by: [Contract Bridge]
  - id: price
    topic: price
    playbook: too expensive
    when: early
    push: firm
    says: Eleven dollars a sensor every month adds up fast.
    pushback: [That's still a lot of money.]
    addressed_by: [pays for itself, ColdTrace Complete]
    follow_ups:
      - says: What does the hardware cost?
        addressed_by: ["$89"]
hidden_facts:
  - id: budget
    kind: budget
    fact: About $2,000 a month.
    asked_with: [budget]
    reveal: We have about two thousand a month.
next_step:
  agrees_to: a pilot
  requires: [price]
  requires_facts: [budget]
  accept: Let's do the pilot.
  decline: Not now, thanks.
patience: 2
fed_up: We're done here.
"""

GOOD_PRICE_ANSWER = (
    "Fair point. One lost freezer load a year and it pays for itself several times over."
)
NON_ANSWER = (
    "I don't have that in our material, so I won't guess; I'll find out and come back to you."
)


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return Playbook.load(BUNDLED_KNOWLEDGE)


@pytest.fixture
def persona(tmp_path: Path) -> Persona:
    path = tmp_path / "dana.yaml"
    path.write_text(PERSONA, encoding="utf-8")
    return load_persona(path)


class Call:
    """The driver as the customer; the test speaks for the team with :meth:`team`."""

    def __init__(self, persona: Persona, playbook: Playbook, *, max_turns: int = 16) -> None:
        self.driver = OfflinePersonaDriver(persona, playbook)
        self.lines: list[Line] = []
        self.turns = 0
        self.max_turns = max_turns

    def customer(self) -> CustomerTurn:
        turn = self.driver.decide(CustomerView(tuple(self.lines), self.turns, self.max_turns))
        self.turns += 1
        self.lines.append(Line(self.turns, "customer", turn.text))
        return turn

    def user(self, text: str) -> None:
        """The user, having taken over, says ``text`` as the customer."""
        self.turns += 1
        self.lines.append(Line(self.turns, "customer", text, by_user=True))

    def team(
        self, text: str, speaker: AgentRole = "pricing", flagged: tuple[str, ...] = ()
    ) -> None:
        self.lines.append(Line(self.turns, speaker, text, flagged=flagged))


def actions(turn: CustomerTurn) -> list[tuple[str, str | None]]:
    return [(a.action, a.objection or a.fact) for a in turn.actions]


def test_a_whole_conversation_that_ends_with_a_next_step(
    persona: Persona, playbook: Playbook
) -> None:
    call = Call(persona, playbook)
    opening = call.customer()
    assert opening.text == "Hi, Dana from Northbay Foods."
    assert actions(opening) == [("opened", None)]

    call.team("Welcome! What would you like to know?", "greeter")
    price = call.customer()
    assert (
        price.text == "Eleven dollars a sensor every month adds up fast."
    )  # 'early' comes before 'late'
    assert actions(price) == [("raised_objection", "price")]

    call.team(GOOD_PRICE_ANSWER + " What budget do you have for this?")
    follow_up = call.customer()
    assert follow_up.text == (
        "We have about two thousand a month. Okay, that makes sense. What does the hardware cost?"
    )
    assert actions(follow_up) == [
        ("revealed_fact", "budget"),
        ("accepted_answer", "price"),
        ("asked_follow_up", "price"),
    ]

    call.team("The CT-100 is $89.")
    locked_in = call.customer()
    assert (
        locked_in.text
        == "Fair enough, that helps. We signed a three-year deal with TempGuard last year."
    )

    call.team("Our Contract Bridge waives the subscription until your contract ends.")
    last = call.customer()
    assert last.ending is not None and last.ending.outcome == "agreed"
    assert last.text.endswith("Let's do the pilot.")
    assert actions(last)[-2:] == [("accepted_answer", "locked-in"), ("concluded", None)]
    assert call.driver.handled == {"price", "locked-in"} and call.driver.revealed == {"budget"}
    with pytest.raises(RuntimeError, match="already ended the call"):
        call.customer()


def test_a_missed_objection_gets_pushed_then_dropped_and_patience_runs_out(
    persona: Persona, playbook: Playbook
) -> None:
    call = Call(persona, playbook)
    call.customer()
    call.team("Welcome!", "greeter")
    call.customer()  # the price objection
    call.team(NON_ANSWER)
    assert call.customer().text == "That's still a lot of money."  # firm: one push-back
    call.team("Our sensors are very accurate.")
    narrowed = call.customer()  # then the plain question behind the objection
    assert narrowed.text == (
        "That doesn't answer it. Let me ask it more simply: Why is it worth that much to us?"
    )
    assert actions(narrowed) == [("pushed_back", "price")]
    call.team("Our sensors are very accurate.")
    moved_on = call.customer()  # only then gives up on it
    assert (
        moved_on.text
        == "Let's park that for now. We signed a three-year deal with TempGuard last year."
    )
    assert actions(moved_on) == [
        ("gave_up_on_objection", "price"),
        ("raised_objection", "locked-in"),
    ]
    call.team(NON_ANSWER)
    again = call.customer()  # gentle: no push-back line, but it narrows once
    assert again.text == (
        "That doesn't answer it. Let me ask it more simply: "
        "What happens with the contract we already have?"
    )
    call.team(NON_ANSWER)
    fed_up = call.customer()  # two misses exhaust patience 2
    assert fed_up.text == "We're done here."
    assert fed_up.ending is not None and fed_up.ending.outcome == "declined"
    assert "2 objection(s) or question(s) went unanswered" in fed_up.ending.reason


def test_a_hidden_fact_is_revealed_only_after_a_question_about_it(
    persona: Persona, playbook: Playbook
) -> None:
    call = Call(persona, playbook)
    call.customer()
    call.team("Many customers tell us their budget is tight.", "greeter")  # not a question
    assert not any(a.action == "revealed_fact" for a in call.customer().actions)
    call.team(GOOD_PRICE_ANSWER)
    follow_up = call.customer()
    assert "two thousand" not in follow_up.text
    call.team("The CT-100 is $89. And what budget have you set aside?")
    assert call.customer().text.startswith("We have about two thousand a month.")
    call.team("Our Contract Bridge covers that. Is the budget monthly or yearly?")
    assert "two thousand" not in call.customer().text  # told once


def test_without_the_required_fact_the_customer_declines(
    persona: Persona, playbook: Playbook
) -> None:
    call = Call(persona, playbook)
    for answer in (
        "Welcome!",
        GOOD_PRICE_ANSWER,
        "The CT-100 is $89.",
        "The Contract Bridge covers it.",
    ):
        call.customer()
        call.team(answer)
    last = call.customer()
    assert last.ending is not None and last.ending.outcome == "declined"
    assert last.text.endswith("Not now, thanks.")
    assert last.ending.reason == "Declined the next step; never asked about: budget."


def test_the_playbook_prepared_response_settles_its_objection(
    persona: Persona, playbook: Playbook
) -> None:
    prepared = playbook.find("too expensive").prepared_response
    call = Call(persona, playbook)
    call.customer()
    call.team("Welcome!")
    call.customer()
    call.team(
        " ".join(prepared.split(". ")[:3])
    )  # the first sentences, as the offline team says them
    accepted = [a for a in call.customer().actions if a.action == "accepted_answer"]
    assert accepted[0].detail == "the playbook's prepared response"


def test_the_last_allowed_turn_ends_the_call_undecided(
    persona: Persona, playbook: Playbook
) -> None:
    call = Call(persona, playbook, max_turns=3)
    call.customer()
    call.team("Welcome!")
    call.customer()
    call.team(GOOD_PRICE_ANSWER)
    last = call.customer()
    assert last.ending is not None and last.ending.outcome == "undecided"
    assert last.text.endswith(persona.out_of_time)


def test_the_same_answers_give_the_same_conversation(persona: Persona, playbook: Playbook) -> None:
    def run() -> list[str]:
        call = Call(persona, playbook)
        said = []
        for answer in (
            "Welcome!",
            NON_ANSWER,
            GOOD_PRICE_ANSWER,
            "No idea.",
            "The Contract Bridge.",
        ):
            said.append(call.customer().text)
            call.team(answer)
        return said

    assert run() == run()


def test_an_objection_the_user_raised_while_taken_over_is_not_raised_again(
    persona: Persona, playbook: Playbook
) -> None:
    call = Call(persona, playbook)
    call.customer()
    call.team("Welcome!")
    call.user("Honestly, eleven dollars a sensor every month adds up fast for us.")
    call.team(GOOD_PRICE_ANSWER)
    handed_back = call.customer()
    assert ("accepted_answer", "price") in actions(
        handed_back
    )  # the team's answer to the user is judged
    assert handed_back.text.endswith("What does the hardware cost?")


def test_a_question_answered_with_something_else_is_asked_again_then_dropped(
    persona: Persona, playbook: Playbook
) -> None:
    call = Call(persona, playbook)
    call.customer()
    call.team("Welcome!", "greeter")
    call.customer()
    call.team(GOOD_PRICE_ANSWER)
    assert call.customer().text.endswith("What does the hardware cost?")
    call.team("Kitchen managers fill in paper logs twice a day; ColdTrace replaces them.")
    again = call.customer()  # not "Fair enough": the question asked for a price
    assert again.text == "Sorry, I asked for a price. What does the hardware cost?"
    assert actions(again) == [("pushed_back", "price")]
    assert again.actions[0].detail == "missing a price"
    call.team("ColdTrace is hardware and software together.")
    narrowed = call.customer()
    assert narrowed.text == (
        "That doesn't answer it. Let me ask it more simply: What does the hardware cost?"
    )
    call.team("Our hardware is designed in-house.")
    dropped = call.customer()
    assert dropped.text.startswith("Let's park that for now.")
    assert actions(dropped)[0] == ("gave_up_on_objection", "price")
    # the objection itself was answered, but a question about it was given up on: not settled
    assert call.driver.misses == 1 and call.driver.handled == set()
    assert call.driver.given_up == {"price"}
    assert "hardware" not in dropped.text  # its other follow-ups are parked with it


def test_a_follow_up_given_up_on_keeps_the_customer_from_agreeing(
    persona: Persona, playbook: Playbook
) -> None:
    call = Call(persona, playbook)
    call.customer()
    call.team("Welcome! What budget do you have for this?", "greeter")
    call.customer()  # the price objection (and the budget)
    call.team(GOOD_PRICE_ANSWER)
    call.customer()  # "What does the hardware cost?"
    call.team("Kitchen managers fill in paper logs twice a day.")
    call.customer()  # asked again
    call.team("ColdTrace is hardware and software together.")
    call.customer()  # narrowed
    call.team("Our hardware is designed in-house.")
    call.customer()  # parks it; the contract objection
    call.team("Our Contract Bridge waives the subscription until your contract ends.")
    last = call.customer()
    assert ("accepted_answer", "locked-in") in actions(last)
    assert last.ending is not None and last.ending.outcome == "declined"
    assert last.text.endswith("Not now, thanks.")


def test_an_objection_given_up_on_keeps_the_customer_from_agreeing_even_if_not_required(
    persona: Persona, playbook: Playbook
) -> None:
    call = Call(persona, playbook)
    for answer in (
        "Welcome! What budget do you have for this?",
        GOOD_PRICE_ANSWER,
        "The CT-100 is $89.",
        NON_ANSWER,  # to the contract objection, which the next step does not require
        NON_ANSWER,  # to its narrowed question
    ):
        call.customer()
        call.team(answer)
    last = call.customer()
    assert call.driver.handled == {"price"} and call.driver.given_up == {"locked-in"}
    assert last.ending is not None and last.ending.outcome == "declined"


def test_a_figure_the_claim_check_flagged_is_no_cue_for_an_objection(playbook: Playbook) -> None:
    sap = load_personas().find("technical-deep-dive").objection("sap")  # two cues needed
    answer = "It runs through SAP BTP: about 10 business days, and 16 hours of your team's time."
    assert judge_objection(sap, answer, None).cues == ("BTP", "10 business days", "16 hours")
    flagged = judge_objection(sap, answer, None, ("10 business days", "16 hours"))
    assert not flagged.addressed and flagged.cues == ("BTP",)


def test_a_figure_the_claim_check_flagged_does_not_answer_the_question(
    persona: Persona, playbook: Playbook
) -> None:
    call = Call(persona, playbook)
    call.customer()
    call.team("Welcome!", "greeter")
    call.customer()
    call.team(GOOD_PRICE_ANSWER)
    call.customer()
    call.team("The CT-100 is $79.", flagged=("$79",))
    assert actions(call.customer()) == [("pushed_back", "price")]
    call.team("The CT-100 is $89.")
    assert ("accepted_answer", "price") in actions(call.customer())


def test_non_answers_end_the_call_however_many_turns_are_left(
    persona: Persona, playbook: Playbook
) -> None:
    call = Call(persona, playbook, max_turns=40)
    call.customer()
    texts = []
    while True:
        call.team("Thanks for asking! We're passionate about cold chain.")
        turn = call.customer()
        texts.append(turn.text)
        if turn.ending is not None:
            break
    assert turn.ending.outcome == "declined" and turn.text == "We're done here."
    assert len(texts) < 8 and call.driver.handled == set()


def test_a_two_part_question_needs_both_parts_and_narrows_to_the_one_left() -> None:
    priya = load_personas().find("technical-deep-dive")
    coverage = priya.objection("coverage")
    call = Call(priya, Playbook())
    call.customer()
    call.team("Welcome! What would you like to know?", "greeter")
    call.customer()  # the coverage objection
    call.team(
        "ColdTrace runs on LoRaWAN; put the gateway outside the steel room and sensors buffer "
        "and backfill their readings.",
        "technical",
    )
    assert call.customer().text.endswith(coverage.follow_ups[0].says)
    call.team("The GW-20 reaches about 300 m inside racked warehouses.", "technical")
    again = call.customer()  # the range came, the number of sensors did not
    assert actions(again) == [("pushed_back", "coverage")]
    assert again.actions[0].detail == "missing a number"
    call.team("The GW-20 reaches about 300 m inside racked warehouses.", "technical")
    narrowed = call.customer()
    assert narrowed.text == (
        "That doesn't answer it. Let me ask it more simply: How many sensors can one GW-20 handle?"
    )
    call.team("One GW-20 handles up to 500 sensors.", "technical")
    assert ("accepted_answer", "coverage") in actions(call.customer())


def test_a_yes_or_no_question_about_paying_is_not_answered_by_a_price_list() -> None:
    angela = load_personas().find("tempguard-locked-in")
    export = angela.objection("locked-in").follow_ups[0]
    price_list = (
        "ColdTrace has $6-$16 per sensor per month, FrostWatch $4 and TempGuard $19 per sensor "
        "per month; our system is simpler."
    )
    assert not judge_question(export.says, price_list, export.addressed_by).answered
    answer = "Yes: CSV and PDF export is included on every plan at no extra cost."
    assert judge_question(export.says, answer, export.addressed_by).answered


def test_an_answer_to_the_narrowed_question_settles_the_objection(
    persona: Persona, playbook: Playbook
) -> None:
    priya = load_personas().find("technical-deep-dive")
    call = Call(priya, playbook)
    call.customer()
    call.team("Welcome! What would you like to know?", "greeter")
    call.customer()  # coverage: relentless, three cues needed
    for _ in range(3):  # two push-backs, then the narrowed question
        call.team("Our sensors are accurate to 0.3 degrees.", "technical")
        asked = call.customer()
    assert asked.text == (
        "That doesn't answer it. Let me ask it more simply: "
        "So what happens to the readings while a sensor can't reach a gateway?"
    )
    call.team("Sensors buffer their readings and send them when the gateway is back.", "technical")
    settled = call.customer()  # one cue, but it answers what was asked last
    assert actions(settled)[0] == ("accepted_answer", "coverage")
    assert settled.actions[0].detail == "buffer"


def test_the_same_reply_again_is_no_answer_to_a_re_ask(playbook: Playbook) -> None:
    henrik = load_personas().find("pharma-security-lead")
    call = Call(henrik, playbook)
    call.customer()  # opens with the network objection: relentless, two cues needed
    verdicts = []
    for _ in range(4):
        call.team("Gateways only open outbound connections.", "technical")  # one cue
        verdicts.append(actions(call.customer())[0])
    assert verdicts == [("pushed_back", "network")] * 3 + [("gave_up_on_objection", "network")]


def test_a_half_answered_two_part_objection_is_re_asked_for_the_half_left(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ops.yaml"
    path.write_text(
        PERSONA.replace(
            """    says: We signed a three-year deal with TempGuard last year.
    addressed_by: [Contract Bridge]""",
            "    says: What are the API's rate limits, and can we stream readings into our "
            """historian?
    push: firm
    addressed_by: ["600 requests", MQTT, webhooks]
    min_cues: 2""",
        ).replace("    push: gentle\n", ""),
        encoding="utf-8",
    )
    call = Call(load_persona(path), Playbook())
    call.customer()
    call.team("Welcome! What budget do you have for this?", "greeter")
    call.customer()  # the price objection
    call.team(GOOD_PRICE_ANSWER)
    call.customer()  # its follow-up
    call.team("The CT-100 is $89.")
    assert call.customer().text.endswith("can we stream readings into our historian?")
    rate_only = "The rate limit is 600 requests per minute; queries return 10,000 readings a page."
    call.team(rate_only, "technical")
    again = call.customer()
    assert again.text == (
        "That doesn't really answer my question. Can we stream readings into our historian?"
    )
    call.team("Yes: readings stream over MQTT, and webhooks push each alarm.", "technical")
    assert ("accepted_answer", "locked-in") in actions(call.customer())
