"""Persona files: an AI customer described in YAML, validated on load.

A persona is data a sales trainer edits (``personas/*.yaml``): who the customer is, how they talk,
the objections they bring (when, how hard they push, what answer settles each), the facts they
hide until asked (budget, current vendor, deadline) and what would make them agree to a next step.
A typo must not surface as a strange conversation twenty turns later, so every file is checked on
load and every problem is reported with the file and the field, e.g.
``personas/dana.yaml: objections[1].push: must be one of 'gentle', 'firm', 'relentless' (got
'hard')``.
One broken file never stops the others from loading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from simulator.errors import SimulatorError, shorten
from simulator.events import AgentRole, Difficulty
from simulator.personas.loading import DEFAULT_MAX_BYTES, PersonaFileProblem, read_persona_yaml
from simulator.settings import BUNDLED_PERSONAS

SUFFIXES = (".yaml", ".yml")

Topic = Literal[
    "price",
    "competitor",
    "contract",
    "security",
    "authority",
    "status_quo",
    "technical",
    "integration",
    "budget",
    "reliability",
    "data",
    "support",
]
When = Literal["opening", "early", "middle", "late"]
Push = Literal["gentle", "firm", "relentless"]
FactKind = Literal[
    "budget", "current_vendor", "deadline", "decision_maker", "volume", "pain", "other"
]

PUSH_ATTEMPTS: dict[str, int] = {"gentle": 2, "firm": 3, "relentless": 4}
"""How many answers an objection gets before the customer gives up on it: the first, one per
push-back (none for a gentle customer, one firm, two relentless), and the narrowed question."""
FOLLOW_UP_ATTEMPTS = 3
"""A follow-up question is asked, asked again saying what was missing, then narrowed."""
WHEN_ORDER: dict[str, int] = {"opening": 0, "early": 1, "middle": 2, "late": 3}
TOPIC_SPECIALISTS: dict[str, tuple[AgentRole, ...]] = {
    "price": ("pricing",),
    "contract": ("pricing",),
    "budget": ("pricing",),
    "competitor": ("pricing", "technical"),
    "security": ("technical",),
    "technical": ("technical",),
    "integration": ("technical",),
    "reliability": ("technical",),
    "data": ("technical",),
    "support": ("technical",),
    "authority": (),
    "status_quo": (),
}
"""Who should answer a topic (any of them), unless an objection names its own; empty means
anyone."""

TOPIC_QUESTIONS: dict[str, str] = {
    "price": "Why is it worth that much to us?",
    "competitor": "What do you do better than what we have?",
    "contract": "What happens with the contract we already have?",
    "security": "How exactly do you meet our security requirements?",
    "technical": "How exactly would it work in our case?",
    "integration": "How much work would the integration be for us?",
    "budget": "How would we pay for it without the budget?",
    "reliability": "What happens when it fails?",
    "data": "What happens to our data?",
    "support": "Who helps us when something goes wrong?",
    "authority": "What can I take to the person who decides?",
    "status_quo": "Why should we change what works today?",
}
"""The plain question behind an objection said as a statement, when its file gives none
(``narrowed``): what the customer narrows down to before giving up."""

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_PROBLEMS = 20
"""Problems listed per file; a file with more gets a count of the rest."""


class PersonaError(SimulatorError):
    """A persona file that cannot be used; ``problems`` lists each one as ``field: message``."""

    def __init__(self, path: Path | str, problems: Iterable[str]) -> None:
        self.path = shorten(str(path), 200)
        problems = list(problems)
        shown = [shorten(p, 300) for p in problems[:MAX_PROBLEMS]]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"… and {len(problems) - MAX_PROBLEMS} more problems")
        self.problems = tuple(shown)
        super().__init__("\n".join(f"{self.path}: {p}" for p in self.problems))


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Company(_Spec):
    name: str = Field(min_length=1)
    industry: str = Field(min_length=1)
    size: str = Field(min_length=1)
    situation: str = Field(min_length=1)


class FollowUp(_Spec):
    """A question the customer asks once an objection is settled."""

    says: str = Field(min_length=1)
    addressed_by: tuple[str, ...] = ()
    """Words or phrases an answer must contain; empty means any real answer will do."""
    narrowed: str | None = None
    """The simpler question the customer asks last, before giving up on it; by default the part
    of the question still open."""
    specialist: AgentRole | None = None


class Objection(_Spec):
    id: str
    topic: Topic
    playbook: str | None = None
    """Words of the title of the playbook section with the prepared response (e.g. ``too
    expensive``)."""
    says: str = Field(min_length=1)
    when: When = "early"
    push: Push = "firm"
    pushback: tuple[str, ...] = ()
    """What the customer says when an answer missed the point, in order."""
    addressed_by: tuple[str, ...] = Field(min_length=1)
    """Words or phrases (any one is enough, all words of a phrase must appear) that show an
    answer dealt with this objection; the prepared response from the playbook also counts."""
    narrowed: str | None = None
    """The plain question the customer narrows the objection down to before giving up; by
    default its last question (``says`` or a push-back), else the topic's (TOPIC_QUESTIONS)."""
    min_cues: int = Field(default=1, ge=1)
    """How many different ``addressed_by`` entries an answer needs (a hard customer wants more)."""
    follow_ups: tuple[FollowUp, ...] = ()
    specialist: AgentRole | None = None
    """Who should answer it; by default the topic's specialist."""

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        return _check_id(value)

    @property
    def expected_specialists(self) -> tuple[AgentRole, ...]:
        return (self.specialist,) if self.specialist else TOPIC_SPECIALISTS[self.topic]

    @property
    def attempts(self) -> int:
        return PUSH_ATTEMPTS[self.push]


class HiddenFact(_Spec):
    id: str
    kind: FactKind
    fact: str = Field(min_length=1)
    """The truth, for the AI customer's prompt and the scorecard."""
    asked_with: tuple[str, ...] = Field(min_length=1)
    """Words or phrases in an agent's question that count as asking about this fact."""
    reveal: str = Field(min_length=1)
    """What the customer says once asked."""

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        return _check_id(value)


class NextStep(_Spec):
    agrees_to: str = Field(min_length=1)
    requires: tuple[str, ...] | None = None
    """Objection ids that must have been raised and handled; ``None`` means all of them. Any
    objection the customer gave up on keeps it from agreeing too, required or not."""
    requires_facts: tuple[str, ...] = ()
    """Hidden facts the agent must have uncovered first."""
    accept: str = Field(min_length=1)
    decline: str = Field(min_length=1)


class Persona(_Spec):
    id: str
    """The file name without its suffix; set by the loader."""
    name: str = Field(min_length=1)
    role: str = Field(min_length=1)
    company: Company
    goals: tuple[str, ...] = Field(min_length=1)
    personality: str = Field(min_length=1)
    tone: str = Field(min_length=1)
    difficulty: Difficulty
    opening: str = Field(min_length=1)
    objections: tuple[Objection, ...] = Field(min_length=1)
    hidden_facts: tuple[HiddenFact, ...] = ()
    next_step: NextStep
    patience: int = Field(default=2, ge=1)
    """Objections or questions left unanswered before the customer gives up on the call."""
    fed_up: str = Field(min_length=1)
    """What the customer says when patience runs out."""
    out_of_time: str = (
        "I have to jump to another meeting. Send me something in writing and I'll look at it."
    )
    acknowledgements: tuple[str, ...] = (
        "Okay, that makes sense.",
        "Fair enough, that helps.",
        "Good, that answers it.",
        "All right.",
    )
    """Said (in turn) when an answer settles an objection."""
    moving_on: str = "Let's park that for now."
    """Said when the customer gives up on an objection and moves on."""
    not_answered: str = "That doesn't really answer my question."
    """Said when a reply missed the point (the Cerebras customer's prompt quotes it)."""
    reasking: str = "Sorry, I asked for {missing}. {question}"
    """The re-ask of a follow-up question a reply missed: ``{missing}`` is what it lacked (``a
    price``, ``a number``, ``the point``), ``{question}`` the question."""
    narrowing: str = "That doesn't answer it. Let me ask it more simply: {question}"
    """The last re-ask before giving up: ``{question}`` is the question narrowed to the part still
    open (its last question sentence, or of a two-part question the part not answered)."""

    @field_validator("narrowing", "reasking")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            value.format(question="?", missing="?")
        except (KeyError, IndexError, ValueError):
            raise ValueError(
                "write {question} where the question goes ({missing} for what was missing), "
                "and no other braces"
            ) from None
        return value

    @model_validator(mode="after")
    def _references(self) -> Persona:
        objection_ids = [o.id for o in self.objections]
        fact_ids = [f.id for f in self.hidden_facts]
        for field, ids in (("objections", objection_ids), ("hidden_facts", fact_ids)):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"{field}: ids must be unique, repeated: {', '.join(duplicates)}")
        for field, wanted, known in (
            ("next_step.requires", self.next_step.requires or (), objection_ids),
            ("next_step.requires_facts", self.next_step.requires_facts, fact_ids),
        ):
            unknown = [i for i in wanted if i not in known]
            if unknown:
                raise ValueError(
                    f"{field}: unknown id(s) {', '.join(unknown)}; "
                    f"known: {', '.join(known) or 'none'}"
                )
        return self

    @property
    def required_objections(self) -> tuple[str, ...]:
        if self.next_step.requires is None:
            return tuple(o.id for o in self.objections)
        return self.next_step.requires

    def objection(self, objection_id: str) -> Objection:
        return next(o for o in self.objections if o.id == objection_id)

    def fact(self, fact_id: str) -> HiddenFact:
        return next(f for f in self.hidden_facts if f.id == fact_id)

    @property
    def agenda(self) -> tuple[Objection, ...]:
        """The objections in the order the customer raises them (by ``when``, then file order)."""
        return tuple(sorted(self.objections, key=lambda o: WHEN_ORDER[o.when]))


@dataclass(frozen=True)
class PersonaSet:
    personas: tuple[Persona, ...]
    errors: tuple[PersonaError, ...]

    def find(self, name: str) -> Persona:
        """The persona whose id or name is ``name`` (case-insensitive; a unique prefix will do)."""
        wanted = name.strip().lower().removesuffix(".yaml")
        exact = [p for p in self.personas if wanted in (p.id.lower(), p.name.lower())]
        if exact:
            return exact[0]
        prefixed = [
            p
            for p in self.personas
            if p.id.lower().startswith(wanted) or p.name.lower().startswith(wanted)
        ]
        if len(prefixed) == 1:
            return prefixed[0]
        broken = [e for e in self.errors if Path(e.path).stem.lower() == wanted]
        if broken:
            raise broken[0]
        known = ", ".join(p.id for p in self.personas) or "none"
        what = "matches several personas" if prefixed else "is not a persona"
        raise PersonaError(name, [f"{what}; known personas: {known}"])


def load_persona(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Persona:
    """Read and validate one persona file; raises :class:`PersonaError` naming every problem.

    Files over ``max_bytes`` and YAML with anchors or aliases are refused (see ``loading``)."""
    path = Path(path)
    try:
        raw = read_persona_yaml(path, max_bytes=max_bytes)
    except PersonaFileProblem as e:
        raise PersonaError(path, [str(e)]) from e
    if not isinstance(raw, dict):
        raise PersonaError(
            path, ["must be a YAML mapping of fields (name:, role:, objections: ...)"]
        )
    if "id" in raw:
        raise PersonaError(path, ["id: not a field; a persona's id is its file name"])
    try:
        return Persona.model_validate({**raw, "id": path.stem})
    except ValidationError as e:
        # A list whose items failed also reports itself as too short: only the items matter.
        errors = [
            error
            for error in e.errors()
            if not (error["type"] == "too_short" and error.get("input"))
        ]
        raise PersonaError(path, [_describe(error) for error in errors]) from None


def load_personas(
    folder: Path = BUNDLED_PERSONAS, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> PersonaSet:
    """Every persona file in ``folder`` (sorted by name); broken ones are collected, not raised."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PersonaError(folder, ["is not a folder of persona files"])
    personas: list[Persona] = []
    errors: list[PersonaError] = []
    for path in sorted(
        p for p in folder.iterdir() if p.suffix in SUFFIXES and not p.name.startswith(".")
    ):
        try:
            personas.append(load_persona(path, max_bytes=max_bytes))
        except PersonaError as e:
            errors.append(e)
    return PersonaSet(tuple(personas), tuple(errors))


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError("use lower-case letters, digits, - and _ (e.g. too-expensive)")
    return value


def _describe(error: Any) -> str:
    location = _location(error.get("loc", ()))
    message = error.get("msg", "is invalid")
    kind = error.get("type", "")
    if kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden":
        message = "is not a persona field (a typo?)"
    elif kind == "too_short":
        message = f"needs at least {error.get('ctx', {}).get('min_length', 1)} entry"
    elif kind == "string_type":
        got = error.get("input")
        hint = (
            " (YAML reads yes/no/on/off as true/false: put the text in quotes)"
            if isinstance(got, bool)
            else ""
        )
        message = f"must be text, got {_quoted(got)}{hint}"
    elif kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        message = f"must be one of {expected} (got {_quoted(error.get('input'))})"
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
        if ": " in message and not location:  # model-level checks name their own field
            location, message = message.split(": ", 1)
    return f"{location}: {message}" if location else message


def _quoted(value: Any) -> str:
    """A short ``repr`` of a field's value (a value can be huge: never render all of it)."""
    if isinstance(value, (list, tuple, dict)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'} of {len(value)} entries"
    return shorten(repr(value), 80)


def _location(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
