"""The claim check: a wrong price is caught with the passage that says otherwise, a right one
passes, and nothing the knowledge base itself says is ever flagged."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from simulator.claims import ClaimChecker, ClaimJob
from simulator.events import Claim, ClaimCheckEvent, TranscriptEvent, TurnCompletedEvent
from simulator.knowledge.documents import load_folder
from simulator.knowledge.index import KnowledgeIndex
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from simulator.statements import find_statements
from tests.fakes.cerebras_server import CerebrasServer, Reply, ToolCall

OTHER_COMPANY = Path(__file__).parent / "data" / "other_company"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data") / "index"


@pytest.fixture(scope="module")
def checker(index_dir: Path) -> Iterator[ClaimChecker]:
    with KnowledgeIndex(BUNDLED_KNOWLEDGE, index_dir) as index:
        index.update()
        yield ClaimChecker.for_folder(BUNDLED_KNOWLEDGE, index)


def check(checker: ClaimChecker, reply: str, **context: Any) -> list[Claim]:
    event = checker.check(ClaimJob(turn_id=3, agent="pricing", reply=reply, **context))
    for claim in event.claims:
        assert reply[claim.start : claim.end] == claim.text
    return list(event.claims)


def test_statements_are_read_the_same_way_in_words_and_in_figures() -> None:
    found = [
        (s.kind, s.key, sorted(s.qualifier))
        for s in find_statements(
            "Eleven dollars a sensor every month, or $11 per "
            "sensor per month; sixty-three percent and 63%; "
            "four hundred and ten thousand dollars; a thirty-minute call; ten business days."
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
    ]


def test_codes_versions_phones_and_times_are_not_numbers_of_their_own() -> None:
    found = [
        (s.kind, s.text)
        for s in find_statements(
            "The CT-100 and GW-20 use TLS 1.3 and AES-256; "
            "call +1 720 555 0148 between 02:00 and 04:00, "
            "24/7; MQTT 3.1.1 works; SOC 2 Type II and ISO/IEC 27001:2022."
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


def test_a_wrong_price_is_flagged_with_the_passage_that_states_the_right_one(
    checker: ClaimChecker,
) -> None:
    [claim] = check(checker, "The Professional plan is $9 per sensor.")
    assert (claim.kind, claim.text, claim.supported) == ("price", "$9 per sensor", False)
    assert claim.contradicting is not None and claim.supporting is None
    assert claim.contradicting.source == "pricing/pricing-and-plans.md"
    assert claim.contradicting.section.endswith("Professional — $11 per sensor per month")
    assert claim.note == "the knowledge base says $11 per sensor per month"


def test_the_right_price_passes_with_its_source(checker: ClaimChecker) -> None:
    [claim] = check(checker, "The Professional plan is $11 per sensor per month.")
    assert (claim.supported, claim.evidence) == (True, "knowledge")
    assert (
        claim.supporting is not None and claim.supporting.source == "pricing/pricing-and-plans.md"
    )
    assert "Professional — $11 per sensor per month" in claim.supporting.section


@pytest.mark.parametrize(
    ("reply", "flagged", "says"),
    [
        (
            "Enterprise is $11 per sensor per month.",
            "$11 per sensor per month",
            "$16 per sensor per month",
        ),
        (
            "The Professional plan is $11 per sensor per year.",
            "$11 per sensor per year",
            "$11 per sensor per month",
        ),
        ("The GW-20 handles up to 800 sensors.", "800 sensors", "500 sensors"),
        (
            "Our SOC 2 report covers the twelve months ending 30 June 2025.",
            "30 June 2025",
            "30 September 2025",
        ),
    ],
)
def test_a_number_true_elsewhere_but_wrong_here_is_flagged(
    checker: ClaimChecker, reply: str, flagged: str, says: str
) -> None:
    claims = {c.text: c for c in check(checker, reply)}
    assert not claims[flagged].supported
    assert claims[flagged].note.endswith(f"the knowledge base says {says}")
    assert claims[flagged].contradicting is not None and says in (
        claims[flagged].contradicting.text + claims[flagged].contradicting.section
    )


def test_certifications_and_products_the_knowledge_never_names_are_flagged(
    checker: ClaimChecker,
) -> None:
    claims = {
        c.text: c
        for c in check(
            checker,
            "ColdTrace is SOC 2 Type II audited and HIPAA compliant, and the new CT-500 and "
            "ColdTrace Ultra ship next month alongside ColdTrace Complete.",
        )
    }
    assert claims["SOC 2 Type II"].supported and claims["ColdTrace Complete"].supported
    for invented in ("HIPAA", "CT-500", "ColdTrace Ultra"):
        assert not claims[invented].supported
        assert claims[invented].note == f"the knowledge base never mentions {invented}"
    assert claims["HIPAA"].contradicting is not None
    assert claims["HIPAA"].contradicting.source in (
        "security-and-compliance.md",
        "company-overview.md",
        "objection-handling-playbook.md",
    )


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
    by_text = {c.text: c for c in claims}
    assert (by_text["25 fridges"].evidence, by_text["25 fridges"].note) == (
        "customer",
        "the customer said it",
    )
    assert by_text["$275 a month"].evidence == "calculation"
    assert by_text["$275 a month"].note == "25 × $11 per sensor per month"
    assert by_text["1840 units"].evidence == "tool"
    assert all(c.supported for c in claims)


@pytest.mark.parametrize(
    "folder", [BUNDLED_KNOWLEDGE, OTHER_COMPANY], ids=["sample", "other-company"]
)
def test_nothing_the_knowledge_base_says_is_flagged(folder: Path, tmp_path: Path) -> None:
    checker = ClaimChecker.for_folder(folder)
    lines = [
        line
        for chunk in load_folder(folder).chunks
        for line in chunk.text.splitlines()
        if line.strip()
    ]
    checked = flagged = 0
    for line in lines:
        event = checker.check(ClaimJob(turn_id=1, agent="technical", reply=line))
        checked += len(event.claims)
        flagged += len(event.unsupported)
        assert not event.unsupported, (line, [(c.text, c.note) for c in event.unsupported])
    assert checked > (500 if folder == BUNDLED_KNOWLEDGE else 40)


def pricing_model(answer: str):
    def respond(body: Mapping[str, Any]) -> Reply:
        if "You are the Greeter" in body["messages"][0]["content"]:
            return Reply(tool_calls=[ToolCall("transfer_to_pricing", {"reason": "price"})])
        return Reply(text=answer)

    return respond


@pytest.mark.parametrize(
    ("answer", "unsupported"),
    [
        ("Professional is $9 per sensor per month.", ["$9 per sensor per month"]),
        ("Professional is $11 per sensor per month.", []),
    ],
)
async def test_every_reply_is_checked_before_its_turn_completes(
    index_dir: Path, answer: str, unsupported: list[str]
) -> None:
    async with CerebrasServer(responder=pricing_model(answer)) as server:
        settings = Settings(
            knowledge_dir=BUNDLED_KNOWLEDGE,
            data_dir=index_dir.parent,
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
    check_event = [e for e in turn if isinstance(e, ClaimCheckEvent)]
    assert len(check_event) == 1
    assert (check_event[0].turn_id, check_event[0].agent, check_event[0].reply) == (
        1,
        "pricing",
        reply.text,
    )
    assert [c.text for c in check_event[0].unsupported] == unsupported
    assert check_event[0].elapsed_ms >= 0
