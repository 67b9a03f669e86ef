"""The offline team's small dialogue state, read from the conversation, and what it knows of the
company's own names and accounts.

The conversations a new user has with it (a misspelt company answering our question, "it", "the
first one" and "the other one", "and the Growth plan?", a whisper, an introduction before the
question, a question naming the company) run the real session in ``test_offline_answers.py``,
beside its other conversations (one warm-up of each company's encoder for all of them).
"""

from __future__ import annotations

from pathlib import Path

from livekit.agents import llm

from simulator.knowledge.index import KnowledgeIndex
from simulator.knowledge.records import SalesRecords
from simulator.settings import BUNDLED_KNOWLEDGE
from simulator.team import dialogue
from simulator.team.scope import KnowledgeView

OTHER_COMPANY = Path(__file__).parent / "data" / "other_company"
ORISENT = Path(__file__).parent / "data" / "eval" / "dev" / "knowledge"


def _context(*lines: tuple[str, str]) -> llm.ChatContext:
    chat = llm.ChatContext()
    for role, text in lines:
        chat.add_message(role=role, content=text)  # type: ignore[arg-type]
    return chat


def test_a_line_is_read_with_what_the_conversation_named() -> None:
    names = ["CT-100", "CT-200", "CT-300", "ColdTrace CT-200 Ultra-Low Temperature Sensor"]
    weighed = [
        ("user", "Is the CT-100 or the CT-200 better for a freezer?"),
        ("assistant", "Use the CT-100 for fridges, the CT-200 for -80 and the CT-300 for doors."),
    ]
    assert dialogue.read(_context(*weighed, ("user", "how much is it?")), names) == (
        dialogue.Reading("how much is it?", "CT-200")
    )
    priced = [
        *weighed,
        ("user", "how much is it?"),
        ("assistant", "The ColdTrace CT-200 Ultra-Low Temperature Sensor is $249 per unit."),
    ]
    assert dialogue.read(_context(*priced, ("user", "and the other one?")), names) == (
        dialogue.Reading("how much is it? (CT-100)", "CT-100")
    )
    assert dialogue.read(_context(*priced, ("user", "What about the CT-300?")), names) == (
        dialogue.Reading("how much is it? (CT-300)", None)
    )
    plans = [("user", "How much is the Starter plan?"), ("assistant", "It is $6.")]
    assert dialogue.read(_context(*plans, ("user", "And the Professional plan?"))) == (
        dialogue.Reading("How much is the Professional plan?", None)
    )
    # a line with a question of its own is itself, and names no referent it does not point at
    assert dialogue.read(_context(*plans, ("user", "Do you have any other integrations?"))) == (
        dialogue.Reading("Do you have any other integrations?", None)
    )


def test_an_account_is_named_with_a_slip_of_spelling_never_by_some_of_its_words(
    tmp_path: Path,
) -> None:
    index = KnowledgeIndex(BUNDLED_KNOWLEDGE, tmp_path / "index")
    view = KnowledgeView(index, SalesRecords.load(BUNDLED_KNOWLEDGE))
    try:
        assert view.account_named("Casa Verde Restorant Group") == "Casa Verde Restaurant Group"
        assert view.account_named("from Pinecrest Grocer, please") == "Pinecrest Grocers"
        assert view.account_named("Northbay Foods") is None  # not Northgate Fresh Foods
        assert view.account_named("the Casa Verde case study") is None
    finally:
        index.close()


def test_the_companys_own_name_is_the_name_every_document_says(tmp_path: Path) -> None:
    for knowledge, name in (
        (BUNDLED_KNOWLEDGE, "ColdTrace"),
        (OTHER_COMPANY, "Parcelwise"),
        (ORISENT, "Orisent"),
    ):
        index = KnowledgeIndex(knowledge, tmp_path / name)
        try:
            index.update()
            view = KnowledgeView(index, SalesRecords.load(knowledge))
            assert view.house_names() == {name}
        finally:
            index.close()


def test_a_product_is_named_as_a_customer_says_it(tmp_path: Path) -> None:
    index = KnowledgeIndex(ORISENT, tmp_path / "index")
    view = KnowledgeView(index, SalesRecords.load(ORISENT))
    try:
        names = view.product_names()
        assert {"Orisent Petite Sensor (size 0)", "OS-P0", "Orisent Petite"} <= set(names)
        weighed = _context(
            ("user", "Is the Orisent Petite or the Orisent Classic better for kids?"),
            ("assistant", "The Petite has a thinner housing."),
            ("user", "how much is it?"),
        )
        assert dialogue.read(weighed, names).subject == "Orisent Classic"
    finally:
        index.close()
