"""A start prepares what the first line needs once the team is seated: the search models load
and the offline responder's warm-up begins before any question, not on the first one.
(What that changes for the first answer is measured by ``python -m bench``, section 4.)"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from simulator.providers.offline import warming
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings

REPO = Path(__file__).resolve().parent.parent

# A fresh process: the models are loaded once per process, and other tests may have loaded them.
STARTED_BY_THE_HOST = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path

    from simulator.events import SessionStartedEvent
    from simulator.host.supervisor import SessionSupervisor
    from simulator.knowledge import embedding, encoder
    from simulator.settings import BUNDLED_KNOWLEDGE, Settings


    class Listener:
        def __init__(self):
            self.started = asyncio.Event()

        def event(self, event):
            if isinstance(event, SessionStartedEvent):
                self.started.set()

        async def on_main_thread(self, function, *args):
            return function(*args)

        def __getattr__(self, name):  # every other thing told to a face: not needed here
            return lambda *args: None


    async def main():
        settings = Settings(
            knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=Path(sys.argv[1]), offline=True,
            voice_mode="off",
        )
        listener = Listener()
        supervisor = SessionSupervisor(settings, listener, log_sessions=False)
        await supervisor.start()
        await asyncio.wait_for(listener.started.wait(), 300)
        await supervisor.models_warmed
        loaded = {
            "wordllama": embedding._model is not None,
            "encoder": encoder.load_seconds() is not None,
            "encoder_installed": encoder.available(),
        }
        await supervisor.aclose()
        print(json.dumps(loaded))


    asyncio.run(main())
    """
)


def test_the_host_loads_the_search_models_before_the_first_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", STARTED_BY_THE_HOST, str(tmp_path / "data")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["wordllama"]
    assert loaded["encoder"] == loaded["encoder_installed"]


async def test_an_offline_session_starts_its_answers_warm_up_as_it_opens(tmp_path: Path) -> None:
    settings = Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=tmp_path, offline=True)
    runner = SessionRunner(settings)
    await runner.start()
    try:
        knowledge = runner.knowledge
        assert warming.started(knowledge) == knowledge.contextual  # before any question
    finally:
        await runner.aclose()
