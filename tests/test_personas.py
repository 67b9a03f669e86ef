"""Persona files: the bundled ones are complete and consistent with the sample company; broken
files are refused with messages that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.personas import BUNDLED_PERSONAS, PersonaError, Playbook, load_persona, load_personas
from simulator.settings import BUNDLED_KNOWLEDGE

GOOD = """\
name: Dana Reyes
role: Operations Manager
company:
  name: Northbay Foods
  industry: Food distribution
  size: 2 warehouses
  situation: Paper logs and one failed freezer last year.
goals: [Fewer losses]
personality: Direct.
tone: Short sentences.
difficulty: medium
opening: Hi, Dana from Northbay Foods.
objections:
  - id: price
    topic: price
    playbook: too expensive
    says: Eleven dollars a sensor is a lot.
    push: firm
    addressed_by: [pays for itself, ColdTrace Complete]
hidden_facts:
  - id: budget
    kind: budget
    fact: About $2,000 a month.
    asked_with: [budget]
    reveal: We have about two thousand a month.
next_step:
  agrees_to: a pilot
  accept: Let's do the pilot.
  decline: Not now.
fed_up: We're done.
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(PersonaError) as caught:
        load_persona(path)
    assert caught.value.path == str(path)
    assert all(line.startswith(f"{path}: ") for line in str(caught.value).splitlines())
    return list(caught.value.problems)


def test_the_bundled_personas_cover_every_kind_of_objection_and_difficulty() -> None:
    found = load_personas(BUNDLED_PERSONAS)
    assert found.errors == ()
    personas = found.personas
    assert len(personas) >= 6
    assert {p.difficulty for p in personas} == {"easy", "medium", "hard"}
    topics = {o.topic for p in personas for o in p.objections}
    assert {
        "price",
        "competitor",
        "contract",
        "security",
        "authority",
        "status_quo",
        "technical",
    } <= topics
    for persona in personas:
        kinds = {f.kind for f in persona.hidden_facts}
        assert kinds & {"budget", "current_vendor", "deadline", "decision_maker"}, persona.id
        assert persona.next_step.accept and persona.next_step.decline


def test_every_playbook_reference_names_a_section_of_the_sample_company_playbook() -> None:
    playbook = Playbook.load(BUNDLED_KNOWLEDGE)
    assert len(playbook.entries) >= 8
    for persona in load_personas(BUNDLED_PERSONAS).personas:
        for objection in persona.objections:
            if objection.playbook is not None:
                entry = playbook.find(objection.playbook)
                assert entry is not None, f"{persona.id}: {objection.id} -> {objection.playbook}"
                assert entry.prepared_response and entry.customer_says


def test_personas_only_name_competitors_and_products_the_knowledge_knows() -> None:
    corpus = " ".join(p.read_text(encoding="utf-8") for p in BUNDLED_KNOWLEDGE.rglob("*.md"))
    for path in BUNDLED_PERSONAS.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        for name in (
            "FrostWatch",
            "TempGuard",
            "CT-200",
            "GW-20",
            "Contract Bridge",
            "Compliance Pack",
        ):
            if name in text:
                assert name in corpus


def test_a_good_file_loads_with_its_id_from_the_file_name(tmp_path: Path) -> None:
    persona = load_persona(write(tmp_path, "dana.yaml", GOOD))
    assert persona.id == "dana"
    assert persona.objections[0].expected_specialists == ("pricing",)
    assert persona.objections[0].attempts == 3  # firm: one push-back, the narrowed question
    assert persona.required_objections == ("price",)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("difficulty: medium", "difficulty: brutal"),
            "difficulty: must be one of 'easy', 'medium' or 'hard' (got 'brutal')",
        ),
        (
            ("    push: firm", "    push: hard"),
            "objections[0].push: must be one of 'gentle', 'firm' or 'relentless' (got 'hard')",
        ),
        (("role: Operations Manager\n", ""), "role: is required"),
        (
            ("    push: firm", "    push: firm\n    colour: red"),
            "objections[0].colour: is not a persona field (a typo?)",
        ),
        (
            ("  decline: Not now.", "  decline: no"),
            "next_step.decline: must be text, got False (YAML reads "
            "yes/no/on/off as true/false: put the text in quotes)",
        ),
        (
            ("    addressed_by: [pays for itself, ColdTrace Complete]", "    addressed_by: []"),
            "objections[0].addressed_by: needs at least 1 entry",
        ),
        (
            ("  agrees_to: a pilot", "  agrees_to: a pilot\n  requires: [price, discount]"),
            "next_step.requires: unknown id(s) discount; known: price",
        ),
        (
            ("  - id: price", "  - id: Too Expensive"),
            "objections[0].id: use lower-case letters, digits, - and _ (e.g. too-expensive)",
        ),
    ],
)
def test_a_broken_field_is_named(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in GOOD
    path = write(tmp_path, "dana.yaml", GOOD.replace(old, new))
    assert problems(path) == [expected]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("difficulty: medium", "difficulty: brutal").replace(
        "    push: firm", "    push: hard"
    )
    assert len(problems(write(tmp_path, "dana.yaml", text))) == 2


def test_a_file_that_is_not_yaml_or_not_a_mapping_says_so(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "broken.yaml", "name: [unclosed\n")) == [
        "is not valid YAML (line 2, column 1): expected ',' or ']', but got '<stream end>'"
    ]
    assert problems(write(tmp_path, "list.yaml", "- a\n- b\n")) == [
        "must be a YAML mapping of fields (name:, role:, objections: ...)"
    ]
    assert problems(write(tmp_path, "id.yaml", "id: other\n" + GOOD)) == [
        "id: not a field; a persona's id is its file name"
    ]


def test_a_broken_file_does_not_stop_the_others_from_loading(tmp_path: Path) -> None:
    write(tmp_path, "dana.yaml", GOOD)
    write(tmp_path, "broken.yaml", "name: [unclosed\n")
    write(tmp_path, "notes.txt", "not a persona")
    found = load_personas(tmp_path)
    assert [p.id for p in found.personas] == ["dana"]
    assert [Path(e.path).name for e in found.errors] == ["broken.yaml"]
    assert found.find("Dana Reyes").id == "dana"
    assert found.find("DA").id == "dana"
    with pytest.raises(PersonaError, match="broken.yaml: is not valid YAML"):
        found.find("broken")
    with pytest.raises(PersonaError, match="is not a persona; known personas: dana"):
        found.find("zed")
