"""Retrieval quality on paraphrased questions: the sample company and an unseen one.

A hit is the expected file among the sources of the top-k passages. The questions are written to
avoid the documents' own words ("jabs" for vaccines, "hubs" for gateways), which is hard for
static word embeddings and what the contextual encoder is for: the figures are printed
(``pytest -s``) for both scorers, and the floors are what each measurably reaches, minus a small
margin.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from simulator.knowledge.index import KnowledgeIndex

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Quality:
    questions: int
    hit_at_1: float
    hit_at_3: float
    misses: tuple[str, ...]


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeIndex]:
    """The sample company searched with wordllama alone."""
    with KnowledgeIndex(
        REPO / "knowledge", tmp_path_factory.mktemp("index"), contextual=False
    ) as index:
        index.update()
        yield index


@pytest.fixture(scope="module")
def contextual_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeIndex]:
    """The sample company once the contextual encoder has filled it (tens of seconds)."""
    with KnowledgeIndex(REPO / "knowledge", tmp_path_factory.mktemp("contextual")) as index:
        index.update()
        assert index.wait_contextual(timeout=600), index.contextual
        yield index


def measure(index: KnowledgeIndex, questions_file: Path) -> Quality:
    questions = yaml.safe_load(questions_file.read_text(encoding="utf-8"))
    hits_1 = hits_3 = 0
    misses = []
    for item in questions:
        sources = [p.source for p in index.search(item["question"], k=3)]
        hits_1 += sources[:1] == [item["source"]]
        hits_3 += item["source"] in sources
        if item["source"] not in sources:
            misses.append(f"{item['question']!r}: expected {item['source']}, got {sources}")
    n = len(questions)
    return Quality(n, hits_1 / n, hits_3 / n, tuple(misses))


def report(name: str, quality: Quality) -> None:
    print(
        f"\n{name}: {quality.questions} questions, hit@1 "
        f"{quality.hit_at_1:.2f}, hit@3 {quality.hit_at_3:.2f}"
    )
    for miss in quality.misses:
        print(f"  miss {miss}")


def test_sample_company_questions_find_their_file(sample_index: KnowledgeIndex) -> None:
    quality = measure(sample_index, DATA / "retrieval_questions.yaml")
    report("sample company", quality)

    assert quality.questions >= 20
    assert quality.hit_at_3 >= 0.76  # measured 0.80 with wordllama 256-d (the target was 0.9)
    assert quality.hit_at_1 >= 0.53  # measured 0.59


def test_the_contextual_encoder_bridges_paraphrases(contextual_index: KnowledgeIndex) -> None:
    quality = measure(contextual_index, DATA / "retrieval_questions.yaml")
    report("sample company, contextual", quality)

    assert {p.scorer for p in contextual_index.search("jabs", k=3)} == {"minilm"}
    assert quality.hit_at_1 >= 0.74  # measured 0.80 (wordllama alone: 0.59)
    assert quality.hit_at_3 >= 0.84  # measured 0.88 (wordllama alone: 0.80)


@pytest.mark.parametrize("contextual", [False, True], ids=["wordllama", "contextual"])
def test_unseen_company_questions_find_their_file(tmp_path: Path, contextual: bool) -> None:
    with KnowledgeIndex(DATA / "other_company", tmp_path / "index", contextual=contextual) as index:
        index.update()
        assert not contextual or index.wait_contextual(timeout=600), index.contextual
        quality = measure(index, DATA / "other_company_questions.yaml")
    report(f"unseen company ({index.scorer})", quality)

    assert quality.questions >= 10
    assert quality.hit_at_3 >= 0.8  # measured 1.00 with either scorer


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("battery life of the CT-200", "CT-200 Ultra-Low Temperature Sensor"),
        ("Does the GW-20 work outdoors?", "GW-20 LoRaWAN Gateway"),
        ("How many sensors can a GW-10 handle?", "GW-10 Gateway"),
        ("CT-300 humidity accuracy", "CT-300 Door & Humidity Sensor"),
    ],
)
@pytest.mark.parametrize("scorer", ["wordllama", "contextual"])
def test_a_product_code_brings_its_own_section(
    request: pytest.FixtureRequest, scorer: str, question: str, section: str
) -> None:
    """Vectors cannot tell GW-10 from GW-20; the code match must, whichever scorer serves."""
    index = request.getfixturevalue("sample_index" if scorer == "wordllama" else "contextual_index")
    assert any(section in p.section for p in index.search(question, k=3, agent="technical"))


SCRIPTED = {
    "pricing.md": (
        "# Pricing\n\n## Sensors\n\nThe Petite sensor is $5,900 and the Classic sensor is $6,900, "
        "each with a two-year warranty.\n"
    ),
    "playbook.md": (
        "# Objection Handling Playbook\n\n## Objection: A sensor is too expensive\n\n"
        '- "Seven thousand dollars for one sensor is a lot."\n'
        '- "Another vendor quoted us less for a sensor."\n'
        "- How much do you pay for your sensors today?\n"
        "- How many sensors would you need?\n\n"
        "Prepared response: a sensor pays for itself within a year.\n"
    ),
}


@pytest.mark.parametrize("contextual", [False, True], ids=["wordllama", "minilm"])
def test_a_question_goes_to_the_facts_a_worry_to_the_playbook(
    tmp_path: Path, contextual: bool
) -> None:
    """A playbook quotes customers and lists questions for the rep, so it is worded like a
    customer's question; a question of fact must still reach the page that holds the fact."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for name, text in SCRIPTED.items():
        (folder / name).write_text(text, encoding="utf-8")
    with KnowledgeIndex(folder, tmp_path / "index", contextual=contextual) as index:
        index.update()
        if contextual:
            assert index.wait_contextual(timeout=600), index.contextual
        question = index.search("How much would we pay for one sensor?", k=2)
        worry = index.search("Seven thousand dollars for a sensor is a lot.", k=2)
    assert question[0].source == "pricing.md", question
    assert worry[0].source == "playbook.md", worry
