"""Coach mode on the embedded default: a persona talks to the real offline sales team by itself,
and the coach plays, pauses, steps, whispers, takes over and hands back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from livekit.agents import llm

from simulator.coach import CoachSession, open_coach
from simulator.errors import SessionError
from simulator.events import (
    ClaimCheckEvent,
    CoachStateEvent,
    CoachWhisperEvent,
    CustomerOutcomeEvent,
    Event,
    ModeChangedEvent,
    PersonaEvent,
    ScorecardEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.personas import Persona, load_personas
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.fakes.scripted_team import good_answers

COACH_EVENTS = (ModeChangedEvent, CoachStateEvent, CustomerOutcomeEvent, ScorecardEvent)


class Recorder:
    """Reads a runner's event stream in the background; tests wait on what it has seen."""

    def __init__(self, runner: SessionRunner) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Condition()
        self._task = asyncio.create_task(self._pump(runner))

    async def _pump(self, runner: SessionRunner) -> None:
        async for event in runner.events():
            async with self._changed:
                self.events.append(event)
                self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[Event], bool], timeout: float = 60) -> Event:
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: any(predicate(e) for e in self.events))
                return next(e for e in self.events if predicate(e))

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]

    def customer_lines(self) -> list[str]:
        return [e.text for e in self.of(TranscriptEvent) if e.speaker == "customer"]

    async def finish(self) -> None:
        await self._task


def persona(name: str) -> Persona:
    return load_personas().find(name)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE,
        data_dir=tmp_path_factory.mktemp("data"),
        offline=True,
        coach_speed="instant",
    )


async def step(coach: CoachSession, recorder: Recorder) -> None:
    """One exchange, waited for (``step`` itself returns at once, like every GUI command)."""
    turns = coach.customer_turns
    await coach.step()
    await recorder.wait_for(
        lambda e: (
            isinstance(e, CoachStateEvent) and e.state == "paused" and e.customer_turns == turns + 1
        )
    )


async def rehearse(settings: Settings, name: str) -> tuple[Recorder, ScorecardEvent]:
    async with SessionRunner(settings) as runner:
        recorder = Recorder(runner)
        coach = await open_coach(runner, persona(name))
        try:
            await coach.play()
            await coach.wait_ended()
        finally:
            await coach.aclose()
    await recorder.finish()
    return recorder, recorder.of(ScorecardEvent)[-1]


async def test_a_persona_talks_to_the_team_by_itself_until_it_agrees(settings: Settings) -> None:
    derek = persona("frostwatch-loyalist")
    async with SessionRunner(settings, model=good_answers(derek)) as runner:
        recorder = Recorder(runner)
        coach = await open_coach(runner, derek)
        try:
            await coach.play()
            await coach.wait_ended()
        finally:
            await coach.aclose()
    await recorder.finish()
    scorecard = recorder.of(ScorecardEvent)[-1]

    coach_events = [
        (
            type(e).__name__,
            getattr(e, "state", None) or getattr(e, "mode", None) or getattr(e, "outcome", None),
        )
        for e in recorder.events
        if isinstance(e, COACH_EVENTS)
    ]
    assert coach_events[:3] == [
        ("ModeChangedEvent", "coach"),
        ("CoachStateEvent", "ready"),
        ("CoachStateEvent", "playing"),
    ]
    assert coach_events[-4:] == [
        ("CustomerOutcomeEvent", "agreed"),
        ("ScorecardEvent", None),
        ("CoachStateEvent", "ended"),
        ("ModeChangedEvent", "customer"),
    ]

    lines = recorder.customer_lines()
    assert (
        lines[0]
        == "Hi, Derek Olsen, facilities at Harvest Lane Markets, twenty-two grocery stores."
    )
    assert lines[-1].endswith("Let's do the site survey and a pilot at three stores.")
    # each persona line is announced (what it means) just before it is said, with its turn id
    raised = [e for e in recorder.of(PersonaEvent) if e.action == "raised_objection"]
    assert [e.objection for e in raised] == ["competitor", "price"]
    said = {e.turn_id: e.text for e in recorder.of(TranscriptEvent) if e.speaker == "customer"}
    assert "We've had FrostWatch in our stores" in said[raised[0].turn_id]
    assert "four dollars a sensor" in said[raised[1].turn_id]
    # every agent reply was claim-checked before its turn completed
    replies = [e for e in recorder.of(TranscriptEvent) if e.speaker != "customer"]
    assert len(recorder.of(ClaimCheckEvent)) == len(replies)

    card = scorecard.scorecard
    assert card.final and card.outcome == "agreed" and card.persona == "frostwatch-loyalist"
    assert card.customer_turns == len(lines)
    assert [(o.objection, o.handled) for o in card.objections] == [
        ("competitor", True),
        ("price", True),
    ]


@pytest.mark.parametrize("name", ["price-conscious-restaurants", "spreadsheet-sceptic"])
async def test_the_team_says_nothing_after_the_customer_ends_the_call(
    settings: Settings, name: str
) -> None:
    recorder, scorecard = await rehearse(settings, name)
    [concluded] = [e for e in recorder.of(PersonaEvent) if e.action == "concluded"]
    lines = recorder.of(TranscriptEvent)
    assert (lines[-1].speaker, lines[-1].turn_id) == ("customer", concluded.turn_id)
    assert [e.turn_id for e in lines if e.turn_id >= concluded.turn_id] == [concluded.turn_id]
    # the closing line's turn completes (the app stops showing the team as thinking), unanswered
    completed = [e.turn_id for e in recorder.of(TurnCompletedEvent)]
    assert completed == list(range(1, concluded.turn_id + 1))
    [outcome] = recorder.of(CustomerOutcomeEvent)
    assert outcome.turn_id == concluded.turn_id
    card = scorecard.scorecard
    assert card.final and card.customer_turns == len(recorder.customer_lines())
    assert card.outcome == outcome.outcome


async def test_the_same_persona_has_the_same_conversation_every_time(settings: Settings) -> None:
    first, _ = await rehearse(settings, "price-conscious-restaurants")
    second, _ = await rehearse(settings, "price-conscious-restaurants")
    assert first.customer_lines() == second.customer_lines()
    assert [e.text for e in first.of(TranscriptEvent)] == [
        e.text for e in second.of(TranscriptEvent)
    ]


async def test_step_runs_one_exchange_and_pause_waits_for_the_one_in_flight(
    settings: Settings,
) -> None:
    async with SessionRunner(settings) as runner:
        recorder = Recorder(runner)
        coach = await open_coach(runner, persona("tempguard-locked-in"))
        await step(coach, recorder)
        assert coach.state == "paused" and coach.customer_turns == 1
        assert len(recorder.customer_lines()) == 1

        # pause as soon as the next exchange has started: it still finishes, nothing follows it
        remove = runner.add_observer(
            lambda e: (
                isinstance(e, TranscriptEvent)
                and e.speaker == "customer"
                and asyncio.get_running_loop().create_task(coach.pause())
            )
        )
        await coach.play()
        await recorder.wait_for(
            lambda e: (
                isinstance(e, CoachStateEvent)
                and e.state == "paused"
                and e.customer_turns == 2  # the line said counts, its answer still streaming
                and "current exchange" in e.detail
            )
        )
        remove()
        card = await coach.end()  # waits for the exchange in flight
        assert coach.customer_turns == 2 and card.customer_turns == 2
        await coach.aclose()
    await recorder.finish()
    turns = [e.turn_id for e in recorder.of(TurnCompletedEvent)]
    assert turns == [1, 2]
    assert card.outcome == "undecided" and card.outcome_reason == "Ended by the coach."


async def test_take_over_and_hand_back_keep_one_conversation(settings: Settings) -> None:
    user_line = "Honestly, eleven dollars a sensor every month adds up fast for twelve restaurants."
    async with SessionRunner(settings) as runner:
        recorder = Recorder(runner)
        coach = await open_coach(runner, persona("price-conscious-restaurants"))
        await step(coach, recorder)  # the persona opens the call
        await coach.take_over()
        assert coach.customer_player == "user" and coach.state == "taken_over"
        with pytest.raises(SessionError, match="hand back before you play"):
            await coach.play()
        await coach.customer_says(user_line)
        await coach.hand_back(play=False)
        await step(
            coach, recorder
        )  # the persona reacts to the team's answer to the user's objection
        history = [
            m.text_content
            for m in runner.agent_session.history.items
            if isinstance(m, llm.ChatMessage) and m.role == "user"
        ]
        card = await coach.end()
        await coach.aclose()
    await recorder.finish()

    lines = recorder.customer_lines()
    assert len(lines) == 3 and lines[1] == user_line
    assert history == lines  # the team heard one conversation, whoever played the customer
    modes = [(e.mode, e.customer) for e in recorder.of(ModeChangedEvent)]
    assert modes == [
        ("coach", "persona"),
        ("customer", "user"),
        ("coach", "persona"),
        ("customer", "user"),
    ]
    after_hand_back = [e for e in recorder.of(PersonaEvent) if e.turn_id == 3]
    # the user raised the price objection, so the persona judged the team's answer to it
    # instead of raising it again
    assert all(e.action != "raised_objection" or e.objection != "price" for e in after_hand_back)
    assert any(e.objection == "price" for e in after_hand_back)
    price = next(o for o in card.objections if o.objection == "price")
    assert (price.raised_by, price.raised_turn) == ("user", 2)


async def test_a_whisper_is_delivered_with_the_next_reply_and_never_said(
    settings: Settings,
) -> None:
    whisper = "Ask which budget she has before you talk about price."
    async with SessionRunner(settings) as runner:
        recorder = Recorder(runner)
        coach = await open_coach(runner, persona("price-conscious-restaurants"))
        await coach.whisper(whisper)
        await step(coach, recorder)
        await coach.aclose()
    await recorder.finish()
    whispers = [(e.status, e.turn_id, e.agent) for e in recorder.of(CoachWhisperEvent)]
    assert whispers == [("queued", 0, "greeter"), ("delivered", 1, "greeter")]
    assert not [e for e in recorder.of(TranscriptEvent) if whisper in e.text]


async def test_commands_that_do_not_fit_the_moment_explain_themselves(settings: Settings) -> None:
    async with SessionRunner(settings) as runner:
        recorder = Recorder(runner)
        coach = CoachSession(
            runner, persona("spreadsheet-sceptic"), _never_asked(), playbook=_empty_playbook()
        )
        with pytest.raises(SessionError, match="has not started"):
            await coach.play()
        async with coach:
            with pytest.raises(SessionError, match="take over the customer first"):
                await coach.customer_says("Hello")
            card = await coach.end("Stopped before it began.")
            assert card.customer_turns == 0 and card.outcome_reason == "Stopped before it began."
            with pytest.raises(SessionError, match="has ended"):
                await coach.step()
    await recorder.finish()


def _empty_playbook():
    from simulator.personas import Playbook

    return Playbook()


def _never_asked():
    from simulator.personas.driver import OfflinePersonaDriver

    return OfflinePersonaDriver(persona("spreadsheet-sceptic"), _empty_playbook())


def test_the_module_docstring_lists_every_command() -> None:
    import simulator.coach as coach

    for command in (
        "play()",
        "pause()",
        "step()",
        "whisper(text)",
        "take_over()",
        "customer_says(text)",
        "hand_back()",
        "scorecard()",
        "end()",
    ):
        assert command in coach.__doc__
        assert hasattr(CoachSession, command.split("(")[0])
    assert Path(coach.__file__).read_text(encoding="utf-8").count("\n") < 400
