"""Coach Play waits for the offline team's encoder, so a rehearsal is reproducible.

Until the contextual encoder is loaded the offline team chooses answers with word vectors, and the
same persona would meet other answers in the next rehearsal. When the encoder's vectors are stored
(any run after the first), Play shows "getting ready" for the seconds it takes and every reply is
the encoder's; a folder never encoded (minutes of work) is not waited for, and the rehearsal says
so. A small knowledge folder keeps the first encoding short.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from simulator.coach import EARLY_NOTE, GETTING_READY, open_coach
from simulator.events import CoachStateEvent, StatusEvent, TranscriptEvent
from simulator.personas import load_personas
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.test_coach import Recorder

MARIA = load_personas().find("price-conscious-restaurants")


@pytest.fixture(scope="module")
def small_knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("knowledge")
    shutil.copy(BUNDLED_KNOWLEDGE / "pricing" / "pricing-and-plans.md", folder)
    return folder


def settings_for(knowledge: Path, data_dir: Path) -> Settings:
    return Settings(knowledge_dir=knowledge, data_dir=data_dir, offline=True, coach_speed="instant")


async def first_exchange(settings: Settings) -> Recorder:
    """Play the persona up to the team's first reply to it."""
    async with SessionRunner(settings) as runner:
        recorder = Recorder(runner)
        coach = await open_coach(runner, MARIA)
        await coach.step()
        await recorder.wait_for(
            lambda e: isinstance(e, TranscriptEvent) and e.speaker != "customer", timeout=120
        )
        await coach.aclose()
    return recorder


async def test_play_waits_for_a_stored_encoder_and_every_reply_is_its(
    small_knowledge: Path, tmp_path: Path
) -> None:
    settings = settings_for(small_knowledge, tmp_path / "data")
    async with SessionRunner(settings) as runner:  # an earlier run: the encoder's vectors stored
        from simulator.providers.offline import warming

        assert runner.knowledge.index.wait_contextual(300)
        assert warming.wait(runner.knowledge, 300)

    recorder = await first_exchange(settings)
    states = recorder.of(CoachStateEvent)
    ready = [s for s in states if s.getting_ready]
    assert ready and ready[0].state == "playing" and ready[0].detail == GETTING_READY
    assert states[-1].getting_ready is False  # shown as ready again before the first line
    replies = [e for e in recorder.of(TranscriptEvent) if e.speaker != "customer"]
    assert replies and all(r.scorer == "minilm" for r in replies)
    assert not any(isinstance(e, StatusEvent) and e.message == EARLY_NOTE for e in recorder.events)


async def test_a_folder_never_encoded_starts_at_once_and_says_so(
    small_knowledge: Path, tmp_path: Path
) -> None:
    recorder = await first_exchange(settings_for(small_knowledge, tmp_path / "fresh"))
    notes = [e for e in recorder.of(StatusEvent) if e.message == EARLY_NOTE]
    assert len(notes) == 1 and notes[0].level == "info"
    assert recorder.of(TranscriptEvent)[0].speaker == "customer"
