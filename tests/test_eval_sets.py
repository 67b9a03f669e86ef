"""The evaluation sets are well-formed and say only what their company's knowledge says.

Every quality figure is measured on these sets, so a fact that the knowledge does not state (or
states under another heading) would make a correct agent look wrong. Each expected fact must be
written in the section its question names; each supported or contradicted value must be written
somewhere in the company's files. Comparison ignores case, spacing and line wraps, Markdown
emphasis, table pipes and thousands separators; "twenty-four dollars" counts as "$24".
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from pypdf import PdfReader

from bench.eval_sets import (
    HELD_OUT,
    ClaimCase,
    ClaimSet,
    EvalSet,
    EvalSetError,
    Question,
    claim_sets,
    eval_sets,
    fact_in,
    load_claims,
    load_questions,
    split_alternatives,
)
from simulator.knowledge.documents import load_folder
from simulator.knowledge.records import SalesRecords
from simulator.personas.playbook import Playbook

SETS = {s.name: s for s in eval_sets()}
CLAIM_SETS = {s.name: s for s in claim_sets()}
MIN_QUESTIONS = {"sample": 50, "holdout": 40, "holdout2": 40}
MIN_CLAIM_REPLIES = {"sample": 45, "holdout": 40, "holdout2": 40, "parcelwise": 45, "dev": 45}
ALL_KINDS = {"right", "wrong-subject", "wrong-value", "absent", "words", "paraphrase"}


@pytest.fixture(params=sorted(SETS), ids=sorted(SETS))
def eval_set(request: pytest.FixtureRequest) -> EvalSet:
    return SETS[request.param]


@pytest.fixture(params=sorted(CLAIM_SETS), ids=sorted(CLAIM_SETS))
def claim_set(request: pytest.FixtureRequest) -> ClaimSet:
    return CLAIM_SETS[request.param]


def test_the_claim_check_is_tuned_on_three_companies_and_scored_on_the_holdouts() -> None:
    tuning = [s.name for s in claim_sets() if s.tuning]
    assert tuning == ["sample", "parcelwise", "dev"]
    assert all(s.name in HELD_OUT for s in claim_sets() if not s.tuning)


def test_the_sample_set_is_there_and_each_holdout_once_it_has_landed() -> None:
    assert "sample" in SETS
    for name in HELD_OUT:
        holdout = Path(SETS["sample"].questions).parent.parent / name
        assert (name in SETS) == (holdout / "knowledge").is_dir()
        assert (name in CLAIM_SETS) == (holdout / "knowledge").is_dir()
    assert "holdout2" in SETS, "the second held-out company is in the repository"


def test_the_answers_bench_withholds_the_details_of_every_holdout() -> None:
    """Per-question outcomes of a held-out company are never printed (it is not tuned on)."""
    from bench import answers

    assert set(HELD_OUT) <= set(answers.HELD_OUT)
    assert {"holdout", "holdout2"} <= set(answers.HELD_OUT)


def test_the_knowledge_loads_by_the_project_conventions(eval_set: EvalSet) -> None:
    """Every file loads, the playbook parses, the CSVs are read as stock and accounts tables."""
    load = load_folder(eval_set.knowledge)
    assert load.skipped == ()
    assert {d.source.rsplit(".", 1)[-1] for d in load.documents} >= {"md", "pdf", "csv", "txt"}
    playbook = Playbook.load(eval_set.knowledge)
    assert len(playbook.entries) >= 5
    assert all(e.customer_says and e.follow_up_questions for e in playbook.entries)
    records = SalesRecords.load(eval_set.knowledge)
    assert records.products and records.accounts and records.problems == ()


# --- questions ------------------------------------------------------------------------------------


def test_questions_cover_every_route_and_are_distinct(eval_set: EvalSet) -> None:
    questions = load_questions(eval_set.questions)
    assert len(questions) >= MIN_QUESTIONS[eval_set.name]
    routes = Counter(q.route for q in questions)
    assert set(routes) == {"greeter", "technical", "pricing"}, routes
    assert all(n >= 5 for n in routes.values()), routes
    assert sum(q.unambiguous for q in questions) >= len(questions) // 2
    texts = [q.question.lower() for q in questions]
    assert len(set(texts)) == len(texts), "a question is listed twice"


def test_questions_follow_the_data_and_the_playbook(eval_set: EvalSet) -> None:
    questions = load_questions(eval_set.questions)
    sources = Counter(Path(q.source).suffix for q in questions)
    assert sources[".csv"] >= 4, "ask about stock and purchase histories"
    playbook = [q for q in questions if q.section.lower().startswith("objection")]
    assert len(playbook) >= 5, "ask the playbook's objections"


def test_every_question_names_a_file_and_section_that_exist(eval_set: EvalSet) -> None:
    for q in load_questions(eval_set.questions):
        path = eval_set.knowledge / q.source
        assert path.is_file(), f"{eval_set.questions}: {q.question!r}: no file {q.source}"
        sections = _sections(path)
        assert q.section in sections, (
            f"{eval_set.questions}: {q.question!r}: {q.source} has no section {q.section!r}; "
            f"it has {sorted(sections)}"
        )


def test_every_expected_fact_is_written_in_its_section(eval_set: EvalSet) -> None:
    missing = []
    for q in load_questions(eval_set.questions):
        path = eval_set.knowledge / q.source
        text = _sections(path).get(q.section, "") if path.is_file() else ""
        missing += [
            f"{q.question!r}: {fact!r} not in {q.source} > {q.section}"
            for fact in q.facts
            if not _written_in(fact, text)
        ]
    assert not missing, "\n".join(missing)


# --- claims ---------------------------------------------------------------------------------------


def test_claims_cover_every_kind_and_balance_true_and_false(claim_set: ClaimSet) -> None:
    cases = load_claims(claim_set.claims)
    claims = [c for case in cases for c in case.claims]
    assert len(cases) >= MIN_CLAIM_REPLIES[claim_set.name]
    kinds = Counter(c.kind for c in claims)
    assert set(kinds) == ALL_KINDS, kinds
    assert all(n >= 3 for n in kinds.values()), kinds
    supported = sum(c.verdict == "supported" for c in claims) / len(claims)
    assert 0.4 <= supported <= 0.6, f"{supported:.0%} of the claims are true"
    assert {c.verdict for c in claims if c.kind == "words"} >= {"supported", "contradicted"}
    assert sum(c.context_trap for c in claims) >= 3
    assert sum(case.before is not None for case in cases) >= 3, "resolve pronouns with 'before'"
    mixed = [case for case in cases if len({c.verdict for c in case.claims}) > 1]
    assert len(mixed) >= 5, "mix true and false claims in one reply"


def test_supported_and_contradicted_values_are_written_in_the_knowledge(
    claim_set: ClaimSet,
) -> None:
    text = _knowledge_text(claim_set.knowledge)
    missing = []
    for case in load_claims(claim_set.claims):
        for claim in case.claims:
            if claim.verdict == "supported":
                value = claim.evidence or claim.text
            elif claim.verdict == "contradicted":
                value = claim.correct or ""
            else:
                continue
            if not _written_in(value, text):
                missing.append(f"{case.reply!r}: {claim.verdict} value {value!r}")
    assert not missing, "\n".join(missing)


def test_context_traps_use_a_figure_the_knowledge_has_and_absent_claims_one_it_lacks(
    claim_set: ClaimSet,
) -> None:
    text = _knowledge_text(claim_set.knowledge)
    for case in load_claims(claim_set.claims):
        for claim in case.claims:
            if claim.context_trap:
                figure = re.search(r"\$?\d[\d,.]*(?:%| ?hours| ?days)?", claim.text)
                assert figure and _written_in(figure.group(), text), (
                    f"{case.reply!r}: the trap's figure {claim.text!r} is not in the knowledge"
                )
            elif claim.kind == "absent":
                assert not _written_in(claim.text, text), (
                    f"{case.reply!r}: {claim.text!r} is labelled absent but the knowledge has it"
                )


# --- the loader -----------------------------------------------------------------------------------


def test_a_malformed_item_is_reported_with_its_file_position_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "questions.yaml"
    bad.write_text(
        '- {question: "Price?", source: a.md, section: A, route: pricing, unambiguous: true,'
        ' facts: ["$6"]}\n'
        '- {question: "Who?", source: a.md, section: A, route: sales, unambiguous: true,'
        ' facts: ["x"]}\n',
        encoding="utf-8",
    )
    with pytest.raises(EvalSetError, match=r"questions\.yaml: item 2: route"):
        load_questions(bad)


def test_a_contradicted_claim_without_the_correct_value_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "claims.yaml"
    bad.write_text(
        '- reply: "Growth is $24."\n'
        '  claims: [{text: "$24", verdict: contradicted, kind: wrong-subject}]\n',
        encoding="utf-8",
    )
    with pytest.raises(EvalSetError, match=r"item 1: claims\.0.*correct"):
        load_claims(bad)


def test_a_claim_must_be_written_in_its_reply() -> None:
    with pytest.raises(ValueError, match="not written in the reply"):
        ClaimCase.model_validate(
            {
                "reply": "It is $41.",
                "claims": [{"text": "$24", "verdict": "supported", "kind": "right"}],
            }
        )


def test_a_reply_holds_a_fact_when_any_of_its_wordings_appears() -> None:
    q = Question(
        question="What does Starter cost?",
        source="pricing.md",
        section="Plans",
        route="pricing",
        unambiguous=True,
        facts=("$24 | 24 dollars", "per vehicle"),
    )
    assert q.missing_facts("It's 24   Dollars per vehicle a month.") == []
    assert q.missing_facts("It's $41 per vehicle.") == ["$24 | 24 dollars"]
    assert split_alternatives("$24 | 24 dollars") == ("$24", "24 dollars")
    assert fact_in("Net 30", "payable net\n30")


# --- reading the knowledge as written -------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_SCALES], key=len, reverse=True))
_NUMBER_WORDS = re.compile(rf"\b(?:a |an )?(?:(?:{_NUMBER_WORD})(?:[- ](?:and[- ])?)?)+\b")


@cache
def _sections(path: Path) -> dict[str, str]:
    """Each section a question may name, with its text: Markdown headings (down to the next
    heading of the same or a higher level), a CSV's file name, a PDF's title (and its pages),
    a note's first line."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8")))
        return {path.name: "\n".join(" | ".join(row) for row in rows)}
    if suffix == ".pdf":
        reader = PdfReader(path)
        pages = [p.extract_text() or "" for p in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or path.stem
        sections = {title.strip(): "\n".join(pages)}
        sections.update({f"{title.strip()} > page {n}": p for n, p in enumerate(pages, 1)})
        return sections
    lines = path.read_text(encoding="utf-8").splitlines()
    if suffix == ".txt":
        return {lines[0].strip(): "\n".join(lines)}
    headings = [(i, m) for i, line in enumerate(lines) if (m := _HEADING.match(line))]
    sections = {}
    for n, (start, match) in enumerate(headings):
        level = len(match.group(1))
        end = next((i for i, m in headings[n + 1 :] if len(m.group(1)) <= level), len(lines))
        sections[re.sub(r"[*_`]", "", match.group(2)).strip()] = "\n".join(lines[start:end])
    return sections


@cache
def _knowledge_text(folder: Path) -> str:
    return "\n".join(
        "\n".join(_sections(path).values())
        for path in sorted(folder.rglob("*"))
        if path.suffix.lower() in {".md", ".txt", ".csv", ".pdf"}
    )


def _written_in(fact: str, text: str) -> bool:
    """Whether any wording of ``fact`` (or its digit form) is written in ``text``."""
    haystack = _normalise(text)
    for wording in split_alternatives(fact):
        for form in {_normalise(wording), _normalise(_digits(wording))}:
            if form and re.search(_bounded(form), haystack):
                return True
    return False


def _bounded(form: str) -> str:
    """``form`` as a pattern that does not match inside a longer word or number ("5%" in "15%")."""
    before = r"(?<![0-9a-z.])" if form[0].isalnum() else ""
    after = r"(?![0-9a-z])" if form[-1].isalnum() or form[-1] == "%" else ""
    return before + re.escape(form) + after


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2212", "-").replace("\u00a0", " ")
    text = re.sub(r"[*_`|]", " ", text)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _digits(text: str) -> str:
    """Spelled-out numbers as digits: "twenty-four dollars" -> "$24", "five-year" -> "5-year"."""
    text = _NUMBER_WORDS.sub(lambda m: _spelled(m.group()), text.lower())
    text = re.sub(r"\b(\d[\d.]*)[- ]dollars?\b", r"$\1", text)
    return re.sub(r"\b(\d[\d.]*) percent\b", r"\1%", text)


def _spelled(words: str) -> str:
    total = current = 0
    parts = [w for w in re.split(r"[- ]+", words.strip()) if w not in ("and", "")]
    if parts and parts[0] in ("a", "an"):
        parts[0] = "one"
    for word in parts:
        if word in _UNITS:
            current += _UNITS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        else:
            total += max(current, 1) * _SCALES[word]
            current = 0
    number = str(total + current)
    return number + (" " if words.endswith(" ") else "-" if words.endswith("-") else "")
