"""The claim check compares facts, not words: a claim is bound to its subject and compared with
that subject's facts - supported, contradicted (with the right value and its sentence) or
unsupported (nothing says it) - on the sample company and on a second company it was not tuned
on."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from simulator.claims import ClaimChecker, ClaimJob
from simulator.events import Claim, ClaimCheckEvent, TranscriptEvent, TurnCompletedEvent
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from simulator.statements import find_statements
from tests.fakes.cerebras_server import CerebrasServer, Reply, ToolCall

OTHER_COMPANY = Path(__file__).parent / "data" / "other_company"
EVAL = Path(__file__).parent / "data" / "eval"


@pytest.fixture(scope="module")
def checker() -> ClaimChecker:
    return ClaimChecker.for_folder(BUNDLED_KNOWLEDGE)


@pytest.fixture(scope="module")
def parcelwise() -> ClaimChecker:
    return ClaimChecker.for_folder(OTHER_COMPANY)


def check(checker: ClaimChecker, reply: str, *before: str, **context: Any) -> dict[str, Claim]:
    event = checker.check(
        ClaimJob(turn_id=3, agent="pricing", reply=reply, before=before, **context)
    )
    for claim in event.claims:
        assert reply[claim.start : claim.end] == claim.text
    return {c.text: c for c in event.claims}


def test_numbers_in_words_are_read_like_figures() -> None:
    found = [
        (s.kind, s.key, sorted(s.qualifier))
        for s in find_statements(
            "Eleven dollars a sensor every month, or $11 per sensor per month; sixty-three percent "
            "and 63%; four hundred and ten thousand dollars; a thirty-minute call; ten business "
            "days; a third off; ninety-nine point nine five percent; a thousand dollars."
        )
    ]
    assert found == [
        ("price", "usd:11", ["month", "sensor"]),
        ("price", "usd:11", ["month", "sensor"]),
        ("percentage", "63", []),
        ("percentage", "63", []),
        ("price", "usd:410000", []),
        ("quantity", "30|minut", ["call"]),
        ("quantity", "10|business-day", []),
        ("percentage", "33.33", []),
        ("percentage", "99.95", []),
        ("price", "usd:1000", []),
    ]


def test_codes_versions_phones_and_times_are_not_numbers_of_their_own() -> None:
    found = [
        (s.kind, s.text)
        for s in find_statements(
            "The CT-100 and GW-20 use TLS 1.3 and AES-256; call +1 720 555 0148 between 02:00 and "
            "04:00; MQTT 3.1.1 works; SOC 2 Type II and ISO/IEC 27001:2022."
        )
    ]
    assert found == [
        ("named_fact", "CT-100"),
        ("named_fact", "GW-20"),
        ("named_fact", "TLS 1.3"),
        ("named_fact", "AES-256"),
        ("named_fact", "SOC 2 Type II"),
        ("named_fact", "ISO/IEC 27001:2022"),
    ]


def test_a_true_price_passes_with_its_one_sentence(checker: ClaimChecker) -> None:
    claim = check(checker, "The Professional plan is $11 per sensor per month.")[
        "$11 per sensor per month"
    ]
    assert (claim.outcome, claim.subject, claim.evidence) == (
        "supported",
        "Professional",
        "knowledge",
    )
    assert claim.supporting is not None
    assert claim.supporting.text == "Professional — $11 per sensor per month"


def test_a_real_price_bound_to_the_wrong_plan_is_contradicted(checker: ClaimChecker) -> None:
    claim = check(checker, "Enterprise is $11 per sensor per month.")["$11 per sensor per month"]
    assert (claim.outcome, claim.subject, claim.correct) == (
        "contradicted",
        "Enterprise",
        "$16 per sensor per month",
    )
    assert claim.contradicting is not None
    assert claim.contradicting.text == "Enterprise — $16 per sensor per month"
    assert claim.contradicting.source == "pricing/pricing-and-plans.md"
    assert claim.note == "the knowledge base says $16 per sensor per month for Enterprise"


@pytest.mark.parametrize(
    ("reply", "claim", "correct"),
    [
        ("The Professional plan is $9 per sensor.", "$9 per sensor", "$11 per sensor per month"),
        (
            "The Professional plan is $11 per sensor per year.",
            "$11 per sensor per year",
            "$11 per sensor per month",
        ),
        ("The GW-20 handles up to 800 sensors.", "800 sensors", "500 sensors"),
        ("The door and humidity sensor is $89 each.", "$89", "$119"),
        ("Enterprise goes up to 99.99% uptime.", "99.99%", "99.95%"),
        ("Professional keeps five years of data.", "five years", "3 years"),
        ("A two-year agreement takes 12% off your subscription.", "12%", "8%"),
        ("With around 600 sensors you'd get 10% off the monthly fee.", "10%", "15%"),
        ("Every sensor and gateway comes with a five-year warranty.", "five-year", "3-year"),
    ],
)
def test_a_wrong_value_is_contradicted_with_the_right_one(
    checker: ClaimChecker, reply: str, claim: str, correct: str
) -> None:
    found = check(checker, reply)[claim]
    assert (found.outcome, found.correct) == ("contradicted", correct)
    assert found.contradicting is not None and correct in found.contradicting.text


def test_it_is_the_subject_the_conversation_named_last(checker: ClaimChecker) -> None:
    before = "For your -80 freezers you'd use the CT-200, our ultra-low temperature sensor."
    wrong = check(checker, "It lists at $119 per unit.", before)["$119 per unit"]
    assert (wrong.outcome, wrong.subject, wrong.correct) == ("contradicted", "CT-200", "$249")
    right = check(checker, "It lists at $249 per unit.", before)["$249 per unit"]
    assert right.outcome == "supported"


def test_a_discount_is_not_a_revenue_share(checker: ClaimChecker) -> None:
    # "about 40% of our revenue" is in the company overview; no discount is 40%
    claim = check(checker, "We can give you a 40% discount today.")["40%"]
    assert claim.outcome == "unsupported" and claim.contradicting is None
    assert claim.note == "nothing in the knowledge base states 40%"


def test_a_figure_true_of_its_subject_passes_though_a_sibling_says_otherwise(
    checker: ClaimChecker,
) -> None:
    claims = check(
        checker,
        "Professional carries a 99.9% uptime SLA and Enterprise goes up to 99.95%.",
    )
    assert claims["99.9%"].outcome == claims["99.95%"].outcome == "supported"


def test_spelled_out_numbers_are_checked(checker: ClaimChecker) -> None:
    claims = check(
        checker,
        "The glycol bottle buffer is twenty-four dollars, the pilot runs sixty days, and delivery "
        "is free on anything over a thousand dollars.",
    )
    assert claims["twenty-four dollars"].outcome == "supported"
    assert claims["sixty days"].outcome == "supported"
    assert (claims["a thousand dollars"].outcome, claims["a thousand dollars"].correct) == (
        "contradicted",
        "$2,500",
    )


def test_what_the_knowledge_never_mentions_is_unsupported_not_contradicted(
    checker: ClaimChecker,
) -> None:
    claims = check(
        checker,
        "Our Platinum plan costs $30 per sensor per month, we are HIPAA certified, and our UK "
        "customers are looked after from our London office.",
    )
    assert claims["$30 per sensor per month"].note == "the knowledge base never mentions Platinum"
    assert claims["HIPAA"].note == "the knowledge base never mentions HIPAA"
    assert claims["London"].note == "the knowledge base never mentions London"
    assert all(c.outcome == "unsupported" and c.contradicting is None for c in claims.values())


def test_the_customers_words_a_look_up_and_arithmetic_are_evidence_too(
    checker: ClaimChecker,
) -> None:
    claims = check(
        checker,
        "For your 25 fridges on Professional that is "
        "$275 a month, and we have 1840 units in Denver.",
        customer_lines=("We have 25 fridges across three sites.",),
        tool_outputs=(
            "CT-100 ColdTrace CT-100 Standard Probe Sensor: 1840 in stock at Denver (US)",
        ),
    )
    assert (claims["25 fridges"].evidence, claims["25 fridges"].note) == (
        "customer",
        "the customer said it",
    )
    assert claims["$275 a month"].evidence == "calculation"
    assert claims["$275 a month"].note == "25 × $11 per sensor per month"
    assert claims["1840 units"].evidence == "tool"
    assert all(c.supported for c in claims.values())


@pytest.mark.parametrize(
    ("reply", "claim", "outcome", "correct"),
    [
        ("The Growth plan is $199 a month.", "$199 a month", "supported", None),
        ("The Growth plan is $49 a month.", "$49 a month", "contradicted", "$199"),
        (
            "Growth includes five thousand labels a month.",
            "five thousand labels",
            "supported",
            None,
        ),
        ("Scale includes 5,000 labels a month.", "5,000 labels", "contradicted", "25,000"),
        ("Non-profits get a quarter off the platform fee.", "a quarter", "supported", None),
        ("Non-profits get 40% off the platform fee.", "40%", "contradicted", "25%"),
        ("The free trial lasts fourteen days.", "fourteen days", "supported", None),
        ("The free trial lasts thirty days.", "thirty days", "contradicted", "14-day"),
        ("Our Diamond plan is $999 a month.", "$999 a month", "unsupported", None),
    ],
)
def test_on_a_company_it_was_not_tuned_on(
    parcelwise: ClaimChecker, reply: str, claim: str, outcome: str, correct: str | None
) -> None:
    found = check(parcelwise, reply)[claim]
    assert (found.outcome, found.correct) == (outcome, correct)


@pytest.mark.parametrize("folder", [BUNDLED_KNOWLEDGE, OTHER_COMPANY], ids=["sample", "other"])
def test_nothing_the_knowledge_base_says_is_flagged(folder: Path) -> None:
    checker = ClaimChecker.for_folder(folder)
    sentences = list(dict.fromkeys(f.evidence for f in checker.store.facts))
    checked = 0
    for sentence in sentences:
        # "So, ..." keeps the words but is not the material's sentence verbatim (which is
        # supported as such): each figure goes through binding and matching
        reply = f"So, {sentence}"
        event = checker.check(ClaimJob(turn_id=1, agent="technical", reply=reply))
        checked += len(event.claims)
        assert not event.unsupported, (sentence, [(c.text, c.note) for c in event.unsupported])
    assert checked > (700 if folder == BUNDLED_KNOWLEDGE else 50)


def test_the_materials_own_sentence_is_supported_as_it_stands(checker: ClaimChecker) -> None:
    sentence = "Pilot data remains available for export for 90 days."
    claim = check(checker, f"Sure. {sentence}")["90 days"]
    assert claim.note == "the knowledge base says it in these words" and claim.supported


def pricing_model(answer: str):
    def respond(body: Mapping[str, Any]) -> Reply:
        if "You are the Greeter" in body["messages"][0]["content"]:
            return Reply(tool_calls=[ToolCall("transfer_to_pricing", {"reason": "price"})])
        return Reply(text=answer)

    return respond


@pytest.mark.parametrize(
    ("answer", "flagged"),
    [
        ("Professional is $9 per sensor per month.", ["$9 per sensor per month"]),
        ("Professional is $11 per sensor per month.", []),
    ],
)
async def test_every_reply_is_checked_before_its_turn_completes(
    tmp_path: Path, answer: str, flagged: list[str]
) -> None:
    async with CerebrasServer(responder=pricing_model(answer)) as server:
        settings = Settings(
            knowledge_dir=BUNDLED_KNOWLEDGE,
            data_dir=tmp_path,
            cerebras_api_key="test-key",
            cerebras_base_url=server.base_url,
        )
        async with SessionRunner(settings) as runner:
            await runner.send("What does the Professional plan cost?")
            turn = []
            async for event in runner.events():
                turn.append(event)
                if isinstance(event, TurnCompletedEvent):
                    break
    reply = [e for e in turn if isinstance(e, TranscriptEvent)][-1]
    checks = [e for e in turn if isinstance(e, ClaimCheckEvent)]
    assert len(checks) == 1
    assert (checks[0].turn_id, checks[0].agent, checks[0].reply) == (1, "pricing", reply.text)
    assert [c.text for c in checks[0].unsupported] == flagged
    assert list((tmp_path / "facts").rglob("*.json"))  # the facts were kept for the next start


@pytest.mark.parametrize(
    ("reply", "flagged", "note"),
    [
        (
            "Orders for Europe ship from our Rotterdam warehouse.",
            "Rotterdam warehouse",
            "the knowledge base names Rotterdam only as an office, never as where goods ship from",
        ),
        ("EU customers are supported from our Rotterdam office.", None, None),
        ("European orders ship from the warehouse in Venlo.", None, None),
    ],
)
def test_a_place_in_a_role_the_material_never_gives_it(
    checker: ClaimChecker, reply: str, flagged: str | None, note: str | None
) -> None:
    event = checker.check(ClaimJob(turn_id=1, agent="technical", reply=reply))
    places = [(c.text, c.note) for c in event.claims if c.subject in ("Rotterdam", "Venlo")]
    assert places == ([(flagged, note)] if flagged else [])
    assert all(c.outcome == "unsupported" for c in event.claims if c.text == flagged)


def test_an_other_companys_place_roles(parcelwise: ClaimChecker) -> None:
    event = parcelwise.check(
        ClaimJob(
            turn_id=1, agent="technical", reply="European orders ship out of our Leeds warehouse."
        )
    )
    assert [c.text for c in event.unsupported] == ["Leeds warehouse"]


def test_a_value_given_only_to_compare_with_contradicts_nothing() -> None:
    # "for $9,990 (instead of $11,138 at list prices)": $11,138 is not the bundle's price
    knowledge = Path(__file__).parent / "data" / "eval" / "dev" / "knowledge"
    checker = ClaimChecker.for_folder(knowledge)
    reply = "The digital starter bundle is $9,990 for a Classic, a Glimpse and a year of Studio."
    assert check(checker, reply)["$9,990"].outcome == "supported"


@pytest.mark.parametrize(
    ("reply", "claim", "first"),
    [
        ("Starter includes phone support.", "Starter includes phone support", "Professional"),
        ("Enterprise includes phone support.", None, None),  # a bigger plan has it too
        ("Starter does not include phone support.", None, None),
    ],
)
def test_a_feature_on_a_plan_that_lacks_it_is_contradicted(
    checker: ClaimChecker, reply: str, claim: str | None, first: str | None
) -> None:
    found = [c for c in check(checker, reply).values() if c.subject and c.kind == "named_fact"]
    if claim is None:
        assert not [c for c in found if c.outcome != "supported"], found
        return
    [wrong] = found
    assert (wrong.text, wrong.outcome) == (claim, "contradicted")
    assert wrong.correct is not None and wrong.correct.startswith(first or "")
    assert wrong.contradicting is not None and "phone" in wrong.contradicting.text


@pytest.mark.parametrize(
    ("reply", "claim", "first"),
    [
        ("Launch already includes branded tracking pages.", "Launch already includes", "Growth"),
        ("Single sign-on with SAML 2.0 is available on Growth.", "is available on Growth", "Scale"),
        ("Scale includes branded tracking pages and the REST API.", None, None),
        ("Single sign-on with SAML 2.0 is available on Enterprise.", None, None),
    ],
)
def test_a_feature_on_the_wrong_plan_of_an_other_company(
    parcelwise: ClaimChecker, reply: str, claim: str | None, first: str | None
) -> None:
    flagged = [c for c in check(parcelwise, reply).values() if c.outcome == "contradicted"]
    if claim is None:
        assert flagged == []
        return
    [wrong] = flagged
    assert claim in wrong.text and wrong.correct == first


@pytest.mark.parametrize(
    "folder",
    [BUNDLED_KNOWLEDGE, OTHER_COMPANY, EVAL / "dev" / "knowledge"],
    ids=["sample", "other", "dev"],
)
def test_no_sentence_of_the_material_puts_a_feature_on_the_wrong_plan(folder: Path) -> None:
    checker = ClaimChecker.for_folder(folder)
    said = list(dict.fromkeys(m.text for f in checker.store.files for m in f.mentions))
    assert len(said) > 100
    for sentence in said:
        reply = f"So, {sentence}"
        event = checker.check(ClaimJob(turn_id=1, agent="technical", reply=reply))
        wrong = [c for c in event.unsupported if c.note.startswith("the knowledge base gives")]
        assert not wrong, (sentence, [(c.text, c.note) for c in wrong])


@pytest.mark.parametrize(
    ("reply", "claims"),
    [
        ("Launch lets you connect up to five sales channels.", {"five sales": "two sales"}),
        ("Launch lets you connect up to two sales channels.", {}),  # true: nothing to show
        ("Two things might help here.", {}),  # a small count of nothing the material counts
    ],
)
def test_a_small_count_in_words_is_a_claim_where_the_material_counts_it(
    parcelwise: ClaimChecker, reply: str, claims: dict[str, str]
) -> None:
    found = check(parcelwise, reply)
    assert {c.text: c.correct for c in found.values()} == claims
    assert all(c.outcome == "contradicted" for c in found.values())


def test_a_condition_opening_the_sentence_says_what_the_figure_is_about(
    checker: ClaimChecker,
) -> None:
    wrong = check(checker, "If you pay the year up front, that's another 10% off.")["10%"]
    assert (wrong.outcome, wrong.correct) == ("contradicted", "6%")
    right = check(checker, "If you pay the year up front, that's another 6% off.")["6%"]
    assert right.outcome == "supported"


@pytest.mark.parametrize(
    ("reply", "claims"),
    [
        ("We run an external penetration test every quarter.", {"every quarter": "every year"}),
        ("We run an external penetration test every year.", {}),
        ("Most customers renew every year.", {}),  # how often, of nothing the material times
    ],
)
def test_a_frequency_is_a_claim_where_the_material_says_another(
    parcelwise: ClaimChecker, reply: str, claims: dict[str, str]
) -> None:
    found = check(parcelwise, reply)
    assert {c.text: c.correct for c in found.values()} == claims


@pytest.mark.parametrize(
    ("reply", "wrong", "correct"),
    [
        (
            "The GW-20 has a cellular modem inside.",
            "has a cellular modem inside",
            "No cellular modem",
        ),
        ("The GW-20 doesn't have a cellular modem, so pair it with a GW-10.", None, None),
        ("The GW-10 has LTE-M cellular built in.", None, None),
        ("You can export your data at any time at no extra cost.", None, None),
        ("Bulk data export costs extra.", "Bulk data export costs extra", "no charge"),
        ("On Professional we'll do the on-site installation for free.", "installation", "$950"),
    ],
)
def test_a_feature_said_backwards_or_a_price_turned_round_is_contradicted(
    checker: ClaimChecker, reply: str, wrong: str | None, correct: str | None
) -> None:
    flagged = [c for c in check(checker, reply).values() if c.outcome != "supported"]
    if wrong is None:
        assert flagged == []
        return
    [claim] = flagged
    assert claim.outcome == "contradicted" and wrong in claim.text
    assert correct in f"{claim.correct} {claim.contradicting.text if claim.contradicting else ''}"


@pytest.mark.parametrize(
    ("reply", "wrong"),
    [
        ("Unused labels roll over into the next month.", "roll over"),
        ("Unused labels don't roll over.", None),
        ("The returns portal comes free with Scale.", "comes free with Scale"),
        ("UK customers can be hosted in London for a small extra fee.", "small extra fee"),
        ("UK customers can be hosted in London at no additional cost.", None),
    ],
)
def test_a_feature_said_backwards_on_an_other_company(
    parcelwise: ClaimChecker, reply: str, wrong: str | None
) -> None:
    flagged = [c for c in check(parcelwise, reply).values() if c.outcome != "supported"]
    assert [wrong in c.text for c in flagged] == ([True] if wrong else [])


@pytest.mark.parametrize(
    "folder",
    [BUNDLED_KNOWLEDGE, OTHER_COMPANY, EVAL / "dev" / "knowledge"],
    ids=["sample", "other", "dev"],
)
def test_no_sentence_of_the_material_is_said_backwards(folder: Path) -> None:
    checker = ClaimChecker.for_folder(folder)
    said = list(dict.fromkeys(m.text for f in checker.store.files for m in f.mentions))
    assert len(said) > 100
    wrong = []
    for sentence in said:
        event = checker.check(ClaimJob(turn_id=1, agent="technical", reply=f"So, {sentence}"))
        wrong += [
            (sentence, c.text)
            for c in event.claims
            if c.note.startswith("the knowledge base says otherwise")
        ]
    assert not wrong


@pytest.mark.parametrize(
    ("reply", "verdict", "correct"),
    [
        ("On Professional, SMS alarms are capped at 200 a month.", "contradicted", "Unlimited SMS"),
        ("On Starter, SMS alarms are capped at 200 a month.", "supported", None),
    ],
)
def test_a_bare_number_said_as_a_rate_counts_what_its_clause_named(
    checker: ClaimChecker, reply: str, verdict: str, correct: str | None
) -> None:
    claim = check(checker, reply)["200"]
    assert (claim.outcome, claim.correct) == (verdict, correct)


def test_a_bare_rate_of_nothing_the_material_counts_is_no_claim(checker: ClaimChecker) -> None:
    assert check(checker, "We ship about 40 a day.") == {}


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("Orders of $15,000 or more can be financed over 24 months at 0%.", "supported"),
        ("Orders of $15,000 or more can be financed over 60 months at 0%.", "contradicted"),
    ],
)
def test_a_table_row_holds_its_value_under_the_rows_other_cells(reply: str, verdict: str) -> None:
    # "over 24 months" is the term (not "more than 24"); the row says 24 months, 0% APR
    checker = ClaimChecker.for_folder(EVAL / "dev" / "knowledge")
    assert check(checker, reply)["0%"].outcome == verdict


@pytest.fixture(scope="module")
def orisent() -> ClaimChecker:
    return ClaimChecker.for_folder(EVAL / "dev" / "knowledge")


@pytest.mark.parametrize(
    ("reply", "text", "supported"),
    [
        ("Our Classic sensor lists at $7,900.", "$7,900", False),  # ClearRay R1's price
        ("Our size 2 sensor is $6,400.", "$6,400", False),  # Dentalux Pro's
        ("The ClearRay R1 lists at $7,900.", "$7,900", True),  # said of ClearRay: true
        ("Dentalux Pro lists at $6,400.", "$6,400", True),
    ],
)
def test_a_competitors_figure_is_not_ours(
    orisent: ClaimChecker, reply: str, text: str, supported: bool
) -> None:
    assert (check(orisent, reply)[text].outcome == "supported") is supported


def test_a_competitors_figure_is_not_ours_on_the_sample_company(checker: ClaimChecker) -> None:
    price = "$4 per sensor per month"
    assert check(checker, f"Our sensors run {price}.")[price].outcome != "supported"
    assert check(checker, f"FrostWatch charges {price}.")[price].outcome == "supported"


@pytest.mark.parametrize(
    ("folder", "reply", "denied"),
    [
        (OTHER_COMPANY, "We sell buyer data to advertising partners.", "never sold"),
        (BUNDLED_KNOWLEDGE, "We sell customer data to our partners.", "never sell"),
    ],
)
def test_a_denial_in_an_irregular_verb_is_said_backwards(
    folder: Path, reply: str, denied: str
) -> None:
    # "never sold" denies "we sell"; a customer's question ("Will you sell our data?") in the
    # playbook affirms nothing
    claims = list(check(ClaimChecker.for_folder(folder), reply).values())
    assert [c.outcome for c in claims] == ["contradicted"]
    assert denied in (claims[0].contradicting.text if claims[0].contradicting else "")


@pytest.mark.parametrize(
    ("folder", "reply", "flagged"),
    [
        (BUNDLED_KNOWLEDGE, "Every hardware order ships with a free spare battery pack.", True),
        (OTHER_COMPANY, "Every Scale account includes a free forklift lease.", True),
        (EVAL / "dev" / "knowledge", "Every sensor comes with a free sterilisation cabinet.", True),
        # mentioned by the material, or a figure left to the value check: no flag
        (OTHER_COMPANY, "Growth comes with the REST API and chat support.", False),
        (BUNDLED_KNOWLEDGE, "If we miss the SLA you get a tenth of the month's fee back.", False),
    ],
)
def test_a_feature_the_material_never_mentions_is_unsupported(
    folder: Path, reply: str, flagged: bool
) -> None:
    claims = check(ClaimChecker.for_folder(folder), reply).values()
    unheard = [c for c in claims if c.note.startswith("the knowledge base never mentions")]
    assert [c.outcome for c in unheard] == (["unsupported"] if flagged else [])
    assert all("says otherwise" not in c.note for c in unheard)


@pytest.mark.parametrize(
    ("reply", "outcome", "correct"),
    [
        # the material: "ColdTrace Predict will enter a beta program ... general availability
        # planned for early 2027"
        ("ColdTrace Predict is generally available right now.", "contradicted", "not yet"),
        ("The CT-200 is still in beta.", "unsupported", None),  # the material never says so
    ],
)
def test_a_status_said_in_words_is_checked(
    checker: ClaimChecker, reply: str, outcome: str, correct: str | None
) -> None:
    flagged = [c for c in check(checker, reply).values() if c.outcome != "supported"]
    assert [c.outcome for c in flagged] == [outcome]
    assert (flagged[0].correct or None) == correct or correct in (flagged[0].correct or "")
    if outcome == "contradicted":
        assert flagged[0].contradicting is not None
        assert "early 2027" in flagged[0].contradicting.text


def test_a_status_the_material_gives_passes(orisent: ClaimChecker) -> None:
    said = check(orisent, "The Vista 3D was released in 2024.")
    assert all(c.outcome == "supported" for c in said.values())
    assert check(orisent, "The Vista 3D is still in beta.")["still in beta"].outcome == (
        "contradicted"
    )


@pytest.mark.parametrize(
    ("reply", "text", "supported"),
    [
        # five years covers the P5's X-ray tube, and the Vista 3D's tube and detector
        ("The P5's detector has a five-year warranty too.", "five-year", False),
        ("The P5's X-ray tube has a five-year warranty.", "five-year", True),
        ("The Vista 3D's detector has a five-year warranty.", "five-year", True),
    ],
)
def test_a_sibling_models_figure_is_not_the_subjects(
    orisent: ClaimChecker, reply: str, text: str, supported: bool
) -> None:
    claim = check(orisent, reply)[text]
    assert (claim.outcome == "supported") is supported
    if not supported:
        assert "Vista" in claim.note and "says otherwise" not in claim.note


def test_a_figure_holds_when_one_case_of_its_sentence_holds(orisent: ClaimChecker) -> None:
    # "10–24 locations get 12% off ...; 25 locations or more get 18% off": 15 locations is the
    # first case, the second does not rule the 12% out
    said = check(orisent, "Fifteen locations would put you in the twelve percent band.")
    assert said["twelve percent"].outcome == "supported"


def test_a_lifetime_term_is_a_duration_without_end(orisent: ClaimChecker) -> None:
    claim = check(orisent, "The Classic comes with a lifetime warranty.")["lifetime warranty"]
    assert (claim.outcome, claim.correct) == ("contradicted", "2 years")
    assert check(orisent, "The Classic comes with a two-year warranty.")["two-year"].supported


def test_a_thing_the_material_never_mentions_said_in_beta_is_unsupported(
    checker: ClaimChecker,
) -> None:
    said = check(checker, "Our predictive maintenance module is in beta right now.")
    assert [c.outcome for c in said.values()] == ["unsupported"]
    assert "predictive maintenance module" in said
    # a thing the material mentions is not "never mentioned", whatever its status
    assert check(checker, "Our mobile app is in beta.") == {}


def test_a_difference_is_no_ones_price(orisent: ClaimChecker) -> None:
    # "ClearRay sensors ... cost about $1,000 more than the Classic" says nothing of a price
    claim = check(orisent, "Our Classic sensor lists at $7,900.")["$7,900"]
    assert (claim.outcome, claim.correct) == ("contradicted", "$6,900")


def test_the_terminal_names_each_flagged_claims_verdict(checker: ClaimChecker) -> None:
    from simulator.event_text import describe

    event = checker.check(
        ClaimJob(
            turn_id=1,
            agent="technical",
            reply="The pilot runs for ninety days, and it ships with a free spare battery pack.",
        )
    )
    lines = describe(event).splitlines()
    assert lines == [
        '  [contradicted quantity: "ninety days" - the knowledge base says 60-day]',
        '  [unsupported named fact: "spare battery pack" - the knowledge base never mentions '
        "spare battery pack]",
    ]


@pytest.mark.parametrize(
    ("reply", "flagged"),
    [
        # thermal printers are mentioned (PrintBridge prints to them), never as free or included
        ("Every plan includes a free thermal label printer.", True),
        ("Shipping is free over $500.", False),  # a figure, left to the value check
        ("You get a fourteen-day free trial of Growth.", False),  # the material's free trial
    ],
)
def test_a_thing_the_material_mentions_but_never_as_free_is_unsupported_said_free(
    parcelwise: ClaimChecker, reply: str, flagged: bool
) -> None:
    notes = [c.note for c in check(parcelwise, reply).values() if c.outcome != "supported"]
    never_free = [n for n in notes if n.endswith("never as free or included")]
    assert bool(never_free) is flagged
