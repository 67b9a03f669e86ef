"""The evaluation sets every quality figure is measured on: customer questions and labelled replies.

Each company has a knowledge folder and two YAML lists written by someone who does not tune the
code (``tests/data/eval/<name>/``): ``questions.yaml`` (retrieval, routing, answers) and
``claims.yaml`` (the claim check). Benchmarks read them here, as typed cases, so they all read
them the same way; a malformed item is reported with its file, position and field.

    from bench.eval_sets import eval_sets, load_claims, load_questions
    for s in eval_sets():
        questions = load_questions(s.questions)   # s.knowledge is the company's folder
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

REPO = Path(__file__).resolve().parent.parent
EVAL_DIR = REPO / "tests" / "data" / "eval"
ALTERNATIVES = " | "

HELD_OUT = ("holdout", "holdout2")
"""Held-out companies, written for tests only and never tuned on: their figures are reported, their
per-question outcomes never shown. ``holdout2`` (a kitchen-equipment lessor) was added once the
first one had been measured too often to count as unseen."""

Route = Literal["greeter", "technical", "pricing"]
Verdict = Literal["supported", "contradicted", "unsupported"]
Kind = Literal["right", "wrong-subject", "wrong-value", "absent", "words", "paraphrase"]
_Case = TypeVar("_Case", bound=BaseModel)


class EvalSetError(ValueError):
    """An eval file that cannot be read or an item that breaks the format (names file and item)."""


class Question(BaseModel):
    """One customer question, asked in a fresh conversation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str = Field(min_length=1)
    source: str = Field(min_length=1)
    """The file that answers it, relative to the knowledge folder."""
    section: str = Field(min_length=1)
    """The heading of the section (or table) that answers it; a CSV's file name."""
    route: Route
    """The agent who should answer it."""
    unambiguous: bool
    """Clearly one specialist's topic: the routing aim counts only these."""
    facts: tuple[str, ...] = Field(min_length=1)
    """Each must appear in a correct reply (case-insensitive); " | " separates alternatives."""

    def alternatives(self) -> list[tuple[str, ...]]:
        """Each fact as its accepted wordings."""
        return [split_alternatives(f) for f in self.facts]

    def missing_facts(self, reply: str) -> list[str]:
        """The facts of which no wording appears in ``reply`` (empty: the reply holds them all)."""
        return [f for f in self.facts if not fact_in(f, reply)]


class Claim(BaseModel):
    """One checkable statement inside an agent reply, with the verdict a careful trainer gives."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1)
    """The claim as written in the reply."""
    verdict: Verdict
    kind: Kind
    correct: str | None = None
    """For a contradicted claim: the knowledge's value, as the knowledge writes it."""
    evidence: str | None = None
    """For a supported claim worded unlike the knowledge ("two months"): the knowledge's wording
    ("60 days"), so the set can be checked against the files."""
    context_trap: bool = False
    """The claimed figure exists in the knowledge, but as another attribute (a revenue share
    presented as a discount)."""

    @model_validator(mode="after")
    def _consistent(self) -> Claim:
        if self.verdict == "contradicted" and not self.correct:
            raise ValueError("a contradicted claim needs 'correct' (the knowledge's value)")
        if self.verdict != "contradicted" and self.correct:
            raise ValueError(f"'correct' is only for contradicted claims, not {self.verdict}")
        if self.evidence and self.verdict != "supported":
            raise ValueError("'evidence' is only for supported claims")
        if self.kind in ("right", "paraphrase") and self.verdict != "supported":
            raise ValueError(f"a {self.kind!r} claim is supported by definition")
        if self.kind in ("wrong-subject", "wrong-value") and self.verdict != "contradicted":
            raise ValueError(f"a {self.kind!r} claim is contradicted by definition")
        if self.kind == "absent" and self.verdict != "unsupported":
            raise ValueError("an 'absent' claim is unsupported by definition")
        return self


class ClaimCase(BaseModel):
    """One agent reply (optionally after the agent's previous line) and its labelled claims."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reply: str = Field(min_length=1)
    before: str | None = None
    """The conversation's previous agent line, for pronouns ("It costs ...")."""
    claims: tuple[Claim, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _claims_in_reply(self) -> ClaimCase:
        for claim in self.claims:
            if claim.text.lower() not in self.reply.lower():
                raise ValueError(f"claim {claim.text!r} is not written in the reply")
        return self


@dataclass(frozen=True)
class EvalSet:
    """One company: its knowledge folder and its two lists."""

    name: str
    knowledge: Path
    questions: Path
    claims: Path


def eval_sets(root: Path = EVAL_DIR) -> tuple[EvalSet, ...]:
    """The sample company (``knowledge/``), then each held-out company that is there."""
    sets = [
        EvalSet(
            "sample",
            REPO / "knowledge",
            root / "sample" / "questions.yaml",
            root / "sample" / "claims.yaml",
        )
    ]
    for name in HELD_OUT:
        held_out = root / name
        if (held_out / "knowledge").is_dir():
            sets.append(
                EvalSet(
                    name,
                    held_out / "knowledge",
                    held_out / "questions.yaml",
                    held_out / "claims.yaml",
                )
            )
    return tuple(sets)


@dataclass(frozen=True)
class ClaimSet:
    """One company's labelled replies for the claim check, and its knowledge folder."""

    name: str
    knowledge: Path
    claims: Path
    tuning: bool
    """Written to tune on (its misses may be listed); ``False`` for the held-out company."""


TUNING_CLAIM_SETS = {
    "parcelwise": REPO / "tests" / "data" / "other_company",
    "dev": EVAL_DIR / "dev" / "knowledge",
}
"""Companies with labelled claims only (no question set), to tune the claim check on more than
the sample company's wording: Parcelwise and a development company (a dental-imaging maker)."""


def claim_sets(root: Path = EVAL_DIR) -> tuple[ClaimSet, ...]:
    """The sample company, the tuning companies, then the held-out companies that are there."""
    sets = [
        ClaimSet(s.name, s.knowledge, s.claims, s.name not in HELD_OUT) for s in eval_sets(root)
    ]
    tuning = [
        ClaimSet(name, knowledge, root / name / "claims.yaml", True)
        for name, knowledge in TUNING_CLAIM_SETS.items()
        if (root / name / "claims.yaml").is_file()
    ]
    return (*[s for s in sets if s.tuning], *tuning, *[s for s in sets if not s.tuning])


def load_questions(path: Path) -> list[Question]:
    return [_parse(Question, item, path, n) for n, item in enumerate(_read_list(path), start=1)]


def load_claims(path: Path) -> list[ClaimCase]:
    return [_parse(ClaimCase, item, path, n) for n, item in enumerate(_read_list(path), start=1)]


def split_alternatives(fact: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in fact.split(ALTERNATIVES) if a.strip())


def fact_in(fact: str, reply: str) -> bool:
    """Whether any wording of ``fact`` appears in ``reply`` (case and spacing ignored)."""
    text = _spaces(reply)
    return any(_spaces(a) in text for a in split_alternatives(fact))


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _read_list(path: Path) -> list[object]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise EvalSetError(f"{path}: cannot read the file: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise EvalSetError(f"{path}: not valid YAML ({getattr(e, 'problem', e)})") from None
    if not isinstance(data, list) or not data:
        raise EvalSetError(f"{path}: expected a non-empty YAML list of items")
    return data


def _parse(model: type[_Case], item: object, path: Path, number: int) -> _Case:
    try:
        return model.model_validate(item)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'item'}: {err['msg']}" for err in e.errors()
        )
        raise EvalSetError(f"{path}: item {number}: {problems}") from None
