"""One scorecard, consistent by construction, for every persona's rehearsal.

``simulator rehearse --all --offline --jsonl`` runs each persona against the real offline team;
for each rehearsal the final scorecard must agree with itself and with the recorded events:

- an objection's turn is the turn of the customer line that raised it, and the card quotes that
  line;
- "handled" means the customer accepted an answer (a recorded ``accepted_answer``) and did not
  give up on it (or a follow-up of it) afterwards, and the card quotes the reply it accepted, from
  that turn; an objection given up on is never handled;
- the counts, the ✓ marks and the "not settled" list come from the same objections: the terminal,
  the report and the app's details show the same rows;
- an agreed call leaves nothing required unsettled and nothing given up on;
- the customer gives up on a point only after re-asking it (push-backs, then the narrowed
  question), and reveals a hidden fact only in answer to a question about it.

The sample company's personas, and one persona each written for the Orisent Imaging development
company and for Parcelwise (``tests/data/personas/``): the driver and the scorecard must hold on
companies they were not written for.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest

from simulator.events import (
    CustomerOutcomeEvent,
    Event,
    PersonaEvent,
    ScorecardEvent,
    TranscriptEvent,
    from_json,
)
from simulator.personas import BUNDLED_PERSONAS, load_personas
from simulator.personas.judging import asked_about
from simulator.personas.model import FOLLOW_UP_ATTEMPTS
from simulator.rehearse import RehearseOptions, run_rehearse
from simulator.report import render_report
from simulator.scorecard import parts, render_text, tiles
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from simulator.turn_numbers import renumbered, turn_numbers

DEV_KNOWLEDGE = Path(__file__).parent / "data" / "eval" / "dev" / "knowledge"
COMPANIES = {
    "sample": (BUNDLED_KNOWLEDGE, BUNDLED_PERSONAS),
    "orisent": (DEV_KNOWLEDGE, Path(__file__).parent / "data" / "personas" / "orisent"),
    "parcelwise": (
        Path(__file__).parent / "data" / "other_company",
        Path(__file__).parent / "data" / "personas" / "parcelwise",
    ),
}


@pytest.fixture(scope="module", params=sorted(COMPANIES))
def company(request: pytest.FixtureRequest) -> tuple[Path, Path]:
    return COMPANIES[request.param]


@pytest.fixture(scope="module")
def rehearsals(
    company: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> list[list[Event]]:
    knowledge, personas = company
    settings = Settings(
        knowledge_dir=knowledge,
        personas_dir=personas,
        data_dir=tmp_path_factory.mktemp("data"),
        offline=True,
    )
    out, err = io.StringIO(), io.StringIO()
    code = run_rehearse(settings, RehearseOptions(all_personas=True, jsonl=True), out=out, err=err)
    assert code == 0, err.getvalue()
    events = [from_json(line) for line in out.getvalue().splitlines()]
    runs: list[list[Event]] = [[]]
    for event in events:
        runs[-1].append(event)
        if isinstance(event, ScorecardEvent) and event.scorecard.final:
            runs.append([])
    return [run for run in runs if any(isinstance(e, ScorecardEvent) for e in run)]


def test_every_persona_was_rehearsed(
    company: tuple[Path, Path], rehearsals: list[list[Event]]
) -> None:
    cards = [_card(run) for run in rehearsals]
    expected = load_personas(company[1]).personas
    assert sorted(c.persona for c in cards) == sorted(p.id for p in expected)


def test_a_point_is_given_up_on_only_after_it_was_asked_again_and_narrowed(
    company: tuple[Path, Path], rehearsals: list[list[Event]]
) -> None:
    personas = load_personas(company[1])
    for run in rehearsals:
        persona = personas.find(_card(run).persona)
        verdicts = [
            e
            for e in run
            if isinstance(e, PersonaEvent)
            and e.action
            in (
                "raised_objection",
                "asked_follow_up",
                "accepted_answer",
                "pushed_back",
                "gave_up_on_objection",
            )
        ]
        for n, verdict in enumerate(verdicts):
            if verdict.action != "gave_up_on_objection":
                continue
            assert verdict.objection is not None
            asked = [
                v
                for v in verdicts[:n]
                if v.objection == verdict.objection
                and v.action in ("raised_objection", "asked_follow_up", "accepted_answer")
            ][-1]
            pushes = [
                v
                for v in verdicts[verdicts.index(asked) + 1 : n]
                if v.action == "pushed_back" and v.objection == verdict.objection
            ]
            wanted = (
                FOLLOW_UP_ATTEMPTS - 1
                if verdict.detail  # a follow-up question given up on
                else persona.objection(verdict.objection).attempts - 1
            )
            assert len(pushes) == wanted, (persona.id, verdict)
            narrowed = _said(run, "customer", pushes[-1].turn_id)
            assert narrowed.rstrip().endswith("?"), (persona.id, narrowed)


def test_a_hidden_fact_is_revealed_only_after_a_question_about_it(
    company: tuple[Path, Path], rehearsals: list[list[Event]]
) -> None:
    personas = load_personas(company[1])
    for run in rehearsals:
        persona = personas.find(_card(run).persona)
        for revealed in _actions(run, "revealed_fact"):
            assert revealed.fact is not None
            fact = persona.fact(revealed.fact)
            # the team's lines between the customer's previous line and this one
            lines = [e for e in run if isinstance(e, TranscriptEvent)]
            at = max(
                n
                for n, e in enumerate(lines)
                if e.speaker == "customer" and e.turn_id == revealed.turn_id
            )
            before = [e for e in lines[:at] if e.speaker == "customer"][-1]
            team = " ".join(
                e.text for e in lines[lines.index(before) + 1 : at] if e.speaker != "customer"
            )
            assert asked_about(fact, team), (persona.id, fact.id, team)
            assert fact.reveal in _said(run, "customer", revealed.turn_id)


def test_each_objection_quotes_the_line_that_raised_it_in_its_real_turn(
    rehearsals: list[list[Event]],
) -> None:
    for run in rehearsals:
        card = _card(run)
        for o in card.objections:
            if o.state == "not_raised":
                assert o.required and o.raised_turn == 0 and not o.handled
                continue
            assert o.raised_line == _said(run, "customer", o.raised_turn), (card.persona, o)
            if o.raised_by == "persona":
                assert _action(run, "raised_objection", o.objection)[0].turn_id == o.raised_turn


def test_handled_means_the_customer_accepted_the_reply_it_quotes(
    rehearsals: list[list[Event]],
) -> None:
    for run in rehearsals:
        card = _card(run)
        for o in card.objections:
            verdicts = [
                e
                for e in run
                if isinstance(e, PersonaEvent)
                and e.objection == o.objection
                and e.action in ("accepted_answer", "gave_up_on_objection")
            ]
            assert o.handled == (o.state == "handled")
            gave_up = [n for n, v in enumerate(verdicts) if v.action == "gave_up_on_objection"]
            if o.handled:  # the last verdict is an acceptance, the first since any give-up
                settled = verdicts[gave_up[-1] + 1 if gave_up else 0]
                assert verdicts[-1].action == "accepted_answer", (card.persona, o)
                assert settled.action == "accepted_answer", (card.persona, o)
                assert o.raised_turn <= o.handled_turn < settled.turn_id
                assert o.answer_line == _said(run, o.handled_by, o.handled_turn)
            if verdicts and verdicts[-1].action == "gave_up_on_objection":
                # given up on, even after an accepted answer (a follow-up went unanswered)
                assert o.state == "given_up" and not o.handled, (card.persona, o)
                assert o.given_up_on == verdicts[-1].detail


def test_counts_marks_and_the_not_settled_list_agree_everywhere(
    rehearsals: list[list[Event]],
) -> None:
    for run in rehearsals:
        card = _card(run)
        handled = [o for o in card.objections if o.handled]
        assert card.objections_handled == len(handled)
        assert dict(tiles(card))["Objections handled"] == f"{len(handled)}/{len(card.objections)}"
        assert [o.objection for o in card.not_settled] == [
            o.objection
            for o in card.objections
            if (o.required and not o.handled) or o.state == "given_up"
        ]
        # what a person reads counts each persona's turns from 1 (the report does so too)
        shown = renumbered(card, turn_numbers(run))
        [objections] = [p for p in parts(shown) if p.title == "OBJECTIONS"]
        assert [r.mark for r in objections.rows] == [
            "✓" if o.handled else "✗" for o in card.objections
        ]
        text = render_text(shown)
        page = render_report(run)
        for row in objections.rows:
            assert f"{row.mark} {row.text}" in text
            assert f"{row.mark}</span> {html.escape(row.text, quote=True)}</li>" in page
        for o in card.not_settled:
            assert o.objection in text.splitlines()[1]  # named in the outcome line
        outcome = next(e for e in run if isinstance(e, CustomerOutcomeEvent))
        assert outcome.outcome == card.outcome
        if card.outcome == "agreed":
            assert card.not_settled == ()


def _card(run: list[Event]):
    return [e for e in run if isinstance(e, ScorecardEvent) and e.scorecard.final][-1].scorecard


def _said(run: list[Event], speaker: str | None, turn_id: int | None) -> str:
    return " ".join(
        e.text
        for e in run
        if isinstance(e, TranscriptEvent) and e.speaker == speaker and e.turn_id == turn_id
    )


def _actions(run: list[Event], action: str) -> list[PersonaEvent]:
    return [e for e in run if isinstance(e, PersonaEvent) and e.action == action]


def _action(run: list[Event], action: str, objection: str) -> list[PersonaEvent]:
    return [
        e
        for e in run
        if isinstance(e, PersonaEvent) and e.action == action and e.objection == objection
    ]
