"""Passages as stored beside chromadb: tokens, vectors and units worked out once at ingest.

Ranking scores each candidate and each of its units from token runs stored at ingest instead of
embedding them at search time, and tokenises through a cache per word instead of wordllama's own
tokenizer. Both shortcuts must give what the slow way gives: the same token ids, and search-time
cosines equal to those of the vectors chromadb was given.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from simulator.knowledge import embedding
from simulator.knowledge.documents import load_folder
from simulator.knowledge.index import KnowledgeIndex
from simulator.knowledge.passages import StoredPassage, analyse, dense_scores
from simulator.knowledge.units import unit_parts

REPO = Path(__file__).resolve().parent.parent
FOLDERS = (REPO / "knowledge", REPO / "tests" / "data" / "other_company")


def tokenizer_ids(texts: list[str]) -> list[list[int]]:
    """wordllama's tokenizer itself, padding dropped (the slow way the cache replaces)."""
    embedding.embed(["load the model"])
    tokenizer = embedding._load_model().tokenizer
    encoded = tokenizer.encode_batch(texts, is_pretokenized=False, add_special_tokens=False)
    return [[i for i, real in zip(e.ids, e.attention_mask, strict=True) if real] for e in encoded]


def test_cached_tokenisation_equals_the_tokenizer_on_both_companies() -> None:
    texts: list[str] = ["", " ", "two  spaces", "line\nbreak", "GW-10's range: 1.2 km."]
    for folder in FOLDERS:
        for chunk in load_folder(folder).chunks:
            texts += [
                chunk.section,
                chunk.text,
                *(u.text for u in unit_parts(chunk.section, chunk.text)),
            ]
    assert embedding.token_ids(texts) == tokenizer_ids(texts)


def test_search_time_cosines_equal_the_stored_vectors_cosines() -> None:
    chunks = load_folder(REPO / "knowledge").chunks
    analysed = analyse([f"k{i}" for i in range(len(chunks))], chunks)
    query = embedding.embed(["How long does the sensor battery last?"])[0]
    scores = dense_scores(query, analysed.passages)
    np.testing.assert_allclose(scores.passages, analysed.vectors @ query, atol=1e-4)
    for passage, units in zip(analysed.passages, scores.units, strict=True):
        assert len(units) == len(passage.units())
        assert np.all(units <= 1.0 + 1e-4) and np.all(units >= -1.0 - 1e-4)


def test_a_stored_row_reads_back_as_the_same_passage() -> None:
    chunks = load_folder(REPO / "knowledge").chunks[:5]
    for passage in analyse([f"k{i}" for i in range(len(chunks))], chunks).passages:
        back = StoredPassage.from_row(passage.row())
        assert (back.key, back.source, back.section, back.text, back.scope) == (
            passage.key,
            passage.source,
            passage.section,
            passage.text,
            passage.scope,
        )
        assert back.terms == passage.terms and back.norm == passage.norm
        assert back.prompt_share == passage.prompt_share
        for name in ("tokens", "bounds", "whole", "pairs", "norms"):
            np.testing.assert_array_equal(getattr(back, name), getattr(passage, name))


def test_a_search_names_each_passages_best_units_best_first(
    small_company: Path, tmp_path: Path
) -> None:
    with KnowledgeIndex(small_company, tmp_path / "index", contextual=False) as index:
        index.update()
        found = index.search("How much does Total care cost per machine?", k=3)
    assert found and all(p.units for p in found)
    for passage in found:
        scores = [u.score for u in passage.units]
        assert scores == sorted(scores, reverse=True) and len(scores) <= 3
        texts = {u.text for u in unit_parts(passage.section, passage.text)}
        assert all(u.text in texts for u in passage.units)
    assert "Total care" in found[0].units[0].text


def test_the_materials_questions_and_quotations_are_prompts_not_answers() -> None:
    section = "Objection: We're locked into a contract > Follow-up questions"
    text = (
        '- "We signed a three-year deal with TempGuard last year."\n'
        "- When does the current contract end?\n"
        "- Contracts renew for 12-month periods unless notice is given 60 days ahead.\n"
    )
    parts = unit_parts(section, text)
    assert [(u.body, u.is_prompt) for u in parts] == [
        ("", False),
        ('"We signed a three-year deal with TempGuard last year."', True),
        ("When does the current contract end?", True),
        ("Contracts renew for 12-month periods unless notice is given 60 days ahead.", False),
    ]
    faq = unit_parts("FAQ > Is there a free trial?", "Yes: a 60-day pilot for $490.")
    assert [u.is_prompt for u in faq] == [False, False]


def test_hard_wrapped_lines_make_whole_sentences_and_labels_stay_apart() -> None:
    section = "Intraoral Sensors > What all three have in common"
    text = (
        "All three use the same CMOS detector technology with a caesium iodide scintillator, and\n"
        "open directly in Orisent Studio. The sizes follow the usual film sizes.\n"
        "- **Connection:** USB 2.0 directly to the workstation; no interface box and no separate\n"
        "  power supply.\n"
        "- **Warranty:** two years on every sensor.\n"
        "**What's behind it**\n"
        "Switching risk and the effort already invested.\n"
        "| Model | List price |\n"
        "|---|---|\n"
        "| Petite | $5,900 |\n"
    )
    assert [u.body for u in unit_parts(section, text)] == [
        "",
        "All three use the same CMOS detector technology with a caesium iodide scintillator, and "
        "open directly in Orisent Studio.",
        "The sizes follow the usual film sizes.",
        "Connection: USB 2.0 directly to the workstation; no interface box and no separate "
        "power supply.",
        "Warranty: two years on every sensor.",
        "What's behind it",
        "Switching risk and the effort already invested.",
        "| Model | List price |",
        "| Petite | $5,900 |",
    ]


def test_records_and_short_lines_are_never_joined() -> None:
    rows = (
        "account_id: ACC-1001; company: Northgate Fresh Foods; industry: Food; plan: Pro\n"
        "account_id: ACC-1002; company: Halden Apotek Group; industry: Pharmacy; plan: Professional"
    )
    assert len(unit_parts("accounts.csv", rows)) == 3
    short = "Prepared response\nThat is a fair point."
    assert [u.body for u in unit_parts("Objection", short)] == [
        "",
        "Prepared response",
        "That is a fair point.",
    ]
