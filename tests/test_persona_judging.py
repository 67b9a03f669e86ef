"""Every persona judges the answers, not the turn count: against a team that never answers it
loses patience and declines; against a team that answers each point (with the figure a question
asks for, and the discovery questions) it agrees. The team is scripted behind livekit-agents'
``llm.LLM``, so these hold whatever the offline team's words become."""

from __future__ import annotations

import pytest

from simulator.coach import open_coach
from simulator.events import CustomerOutcomeEvent, PersonaEvent
from simulator.personas import Persona, load_personas
from simulator.personas.judging import judge_question
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.fakes.scripted_team import ScriptedTeam, good_answers, non_answers
from tests.test_coach import Recorder

PERSONAS = load_personas().personas


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE,
        data_dir=tmp_path_factory.mktemp("data"),
        offline=True,
        coach_speed="instant",
    )


async def rehearse(settings: Settings, persona: Persona, team: ScriptedTeam) -> Recorder:
    async with SessionRunner(settings, model=team, check_claims=False) as runner:
        recorder = Recorder(runner)
        coach = await open_coach(runner, persona, max_turns=30)
        try:
            await coach.play()
            await coach.wait_ended()
        finally:
            await coach.aclose()
    await recorder.finish()
    return recorder


@pytest.mark.parametrize("persona", PERSONAS, ids=[p.id for p in PERSONAS])
async def test_a_team_that_never_answers_loses_the_customer(
    settings: Settings, persona: Persona
) -> None:
    recorder = await rehearse(settings, persona, non_answers())
    [outcome] = recorder.of(CustomerOutcomeEvent)
    assert outcome.outcome == "declined", outcome.reason
    actions = [e.action for e in recorder.of(PersonaEvent)]
    assert "accepted_answer" not in actions and "gave_up_on_objection" in actions
    assert len(recorder.customer_lines()) < 30  # it ended the call, the turn limit did not


@pytest.mark.parametrize("persona", PERSONAS, ids=[p.id for p in PERSONAS])
async def test_a_team_that_answers_every_point_wins_the_next_step(
    settings: Settings, persona: Persona
) -> None:
    recorder = await rehearse(settings, persona, good_answers(persona))
    [outcome] = recorder.of(CustomerOutcomeEvent)
    assert outcome.outcome == "agreed", outcome.reason
    accepted = {e.objection for e in recorder.of(PersonaEvent) if e.action == "accepted_answer"}
    assert set(persona.required_objections) <= accepted


def test_each_part_of_a_question_needs_its_own_fact() -> None:
    question = "What does the Classic cost, and what would I get for trading in an old sensor?"
    cues = ("$6,900", "$1,000")
    trade_in_only = "We credit $1,000 for each working sensor from another maker you trade in."
    verdict = judge_question(question, trade_in_only, cues)
    assert not verdict.answered and verdict.missing == "a price"
    assert verdict.unanswered == "What does the Classic cost?"  # the part left open
    both = "The Classic is $6,900, and we credit $1,000 for each old sensor you trade in."
    assert judge_question(question, both, cues).answered
