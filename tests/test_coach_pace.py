"""Coach mode at a person's pace: the persona reads and types before each line, and Pause, Step,
Whisper, Take over and the speed work at any moment of it - here while the first line is being
typed. No sleeps: each step awaits the event that shows it happened."""

from __future__ import annotations

import pytest

from simulator.coach import open_coach
from simulator.errors import SessionError
from simulator.events import (
    CoachStateEvent,
    CoachWhisperEvent,
    CustomerTypingEvent,
    ScorecardEvent,
    TranscriptDeltaEvent,
    TranscriptEvent,
)
from simulator.pace import READING_WORDS_PER_S, Pace
from simulator.personas import load_personas
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.fakes.scripted_team import good_answers
from tests.test_coach import Recorder

MARIA = load_personas().find("price-conscious-restaurants")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=tmp_path_factory.mktemp("data"), offline=True
    )


async def test_pause_whisper_take_over_and_hand_back_while_the_persona_types(
    settings: Settings,
) -> None:
    async with SessionRunner(settings, model=good_answers(MARIA)) as runner:
        recorder = Recorder(runner)
        coach = await open_coach(runner, MARIA)  # the settings' pace: a person's (1x)
        assert coach.speed == "1x"
        await coach.play()
        first = await recorder.wait_for(lambda e: isinstance(e, CustomerTypingEvent) and e.typing)
        assert 1500 <= first.expected_ms <= 3000 and first.turn_id == 1  # nothing to read yet

        # pause while the first line is being typed: it is never said
        await coach.pause()
        await recorder.wait_for(lambda e: isinstance(e, CustomerTypingEvent) and not e.typing)
        assert coach.state == "paused" and recorder.customer_lines() == []
        paused = recorder.of(CoachStateEvent)[-1]
        assert (paused.state, paused.detail) == ("paused", "Paused before the persona's next line.")

        # a whisper waits for the team's next reply
        await coach.whisper("Ask about her budget.")
        queued = await recorder.wait_for(lambda e: isinstance(e, CoachWhisperEvent))
        assert (queued.status, queued.text) == ("queued", "Ask about her budget.")

        # play again, and take over while it types: the user speaks, the persona never did
        await coach.play()
        await recorder.wait_for(
            lambda e: (
                isinstance(e, CustomerTypingEvent) and e.typing and e.created_at > paused.created_at
            )
        )
        await coach.take_over()
        assert coach.state == "taken_over" and recorder.customer_lines() == []
        await coach.customer_says("Hi, Maria here. What would a sensor cost us each month?")
        await recorder.wait_for(
            lambda e: isinstance(e, CoachWhisperEvent) and e.status == "delivered"
        )

        # hand back: the persona goes on from the user's line; instant finishes the call now
        await coach.hand_back(play=False)
        await coach.set_speed("instant")
        await recorder.wait_for(lambda e: isinstance(e, CoachStateEvent) and e.speed == "instant")
        await coach.play()
        card = await coach.wait_ended()
        await coach.aclose()
    await recorder.finish()
    lines = recorder.customer_lines()
    assert lines[0] == "Hi, Maria here. What would a sensor cost us each month?"
    assert card.customer_turns == len(lines) and recorder.of(ScorecardEvent)[-1].scorecard.final


async def test_step_while_typing_and_a_speed_change_mid_line(settings: Settings) -> None:
    async with SessionRunner(settings, model=good_answers(MARIA)) as runner:
        recorder = Recorder(runner)
        coach = await open_coach(runner, MARIA, speed="4x")
        await coach.step()
        quick = await recorder.wait_for(lambda e: isinstance(e, CustomerTypingEvent) and e.typing)
        assert quick.expected_ms == Pace("4x").expected_ms(Pace.needed("", 0))
        await coach.set_speed("instant")  # the line being typed comes at once
        await recorder.wait_for(
            lambda e: (
                isinstance(e, CoachStateEvent) and e.state == "paused" and e.customer_turns == 1
            )
        )
        assert len(recorder.customer_lines()) == 1
        with pytest.raises(SessionError, match="unknown Coach speed '3x'.*SIMULATOR_COACH_SPEED"):
            await coach.set_speed("3x")
        await coach.aclose()
    await recorder.finish()


async def test_an_offline_reply_streams_at_reading_speed(settings: Settings) -> None:
    async with SessionRunner(settings) as runner:  # the offline responder answers
        recorder = Recorder(runner)
        coach = await open_coach(runner, MARIA, speed="4x")
        await coach.step()
        reply = await recorder.wait_for(
            lambda e: isinstance(e, TranscriptEvent) and e.speaker != "customer"
        )
        pieces = [
            e
            for e in recorder.of(TranscriptDeltaEvent)
            if e.turn_id == reply.turn_id and e.speaker == reply.speaker
        ]
        words = len(reply.text.split())
        assert len(pieces) == words > 5  # one word at a time...
        streamed = pieces[-1].created_at - pieces[0].created_at
        assert streamed >= 0.9 * (words - 1) / READING_WORDS_PER_S / 4  # ...as fast as one reads
        await recorder.wait_for(
            lambda e: isinstance(e, CoachStateEvent) and e.state == "paused" and e.customer_turns
        )
        await coach.step()  # what was read as it streamed is not read again before the next line
        typing = await recorder.wait_for(
            lambda e: isinstance(e, CustomerTypingEvent) and e.typing and e.turn_id == 2
        )
        assert typing.expected_ms == Pace("4x").expected_ms(Pace.needed("", 1))
        await coach.set_speed("instant")
        await coach.aclose()
    await recorder.finish()

    async with SessionRunner(settings) as runner:  # instant: the reply is there at once
        recorder = Recorder(runner)
        coach = await open_coach(runner, MARIA, speed="instant")
        await coach.step()
        await recorder.wait_for(
            lambda e: isinstance(e, TranscriptEvent) and e.speaker != "customer"
        )
        assert coach.scorecard().customer_turns == 1
        await coach.aclose()
    await recorder.finish()


def test_a_line_takes_a_person_reading_and_typing_time() -> None:
    assert Pace.needed("", 0) >= 1.5 and Pace.needed("", 5) <= 3.0
    reply = "word " * 27  # six seconds of reading at 4.5 words a second
    assert Pace.needed(reply, 0) == pytest.approx(6.0 + Pace.needed("", 0))
    assert Pace("2x").expected_ms(4.0) == 2000 and Pace("0.5x").expected_ms(4.0) == 8000
    assert Pace("instant").instant and Pace("instant").expected_ms(4.0) == 0.0
