"""Reliability: the app killed with SIGKILL mid-turn leaves a session log that loads and replays.

A booth machine gets switched off mid-sentence. The child process here is the real desktop app
(offscreen Qt, the bridge, its automatic session log) talking to a Cerebras-compatible server
that streams a few words of the answer and then stalls. The child prints every event the window
receives; once the answer has started to stream, the test kills it with SIGKILL (no handler, no
flush, no clean-up), then loads the log: every event the window had received is there, in order,
and the app replays the log to the last event.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from simulator.events import TranscriptDeltaEvent, TranscriptEvent, from_json
from simulator.session_log import as_logged, load_log, replay_delays, sessions_dir
from tests.app.gui import ChosenFiles, ServerThread
from tests.fakes.cerebras_server import Fault, Reply

REPO = Path(__file__).resolve().parent.parent
QUESTION = "What does the Professional plan cost for forty freezers?"
ANSWER = (
    "The Professional plan is eleven dollars per sensor per month. "
    "It is billed on an annual agreement."
)

APP = textwrap.dedent("""
    import sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from simulator.app import theme
    from simulator.app.bridge import SessionState
    from simulator.app.main import AppOptions, create_window
    from simulator.events import to_json
    from simulator.settings import BUNDLED_KNOWLEDGE, Settings

    data_dir, base_url, config, question = sys.argv[1:5]
    app = QApplication(sys.argv[:1])
    theme.apply_theme(app)
    settings = Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=Path(data_dir),
                        cerebras_api_key="test-key", cerebras_base_url=base_url)
    window = create_window(AppOptions(settings=settings, preferences_path=Path(config), env={}))
    window.present()
    asked = []

    def on_event(event):
        # the bridge writes an event to the log before the window receives it
        print("EVENT " + to_json(event), flush=True)

    def on_state(state, detail):
        if state is SessionState.READY and not asked:
            asked.append(question)
            window.send(question)
        elif state is SessionState.FAILED:
            print("FAILED " + detail, flush=True)

    window.bridge.event_received.connect(on_event)
    window.bridge.state_changed.connect(on_state)
    window.start_session()
    app.exec()
""")


def stalling_model(body: Mapping[str, Any]) -> Reply:
    """Answers at once, then stalls two words into its second sentence (until the server stops):
    the first sentence streams to the customer (text is released a sentence at a time)."""
    return Reply(text=ANSWER, fault=Fault.timeout(after_chunks=13, hold_s=60))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("crash-data")


def test_a_session_killed_mid_turn_leaves_a_log_that_loads_and_replays(
    qtbot: Any, qapp: Any, data_dir: Path, tmp_path: Path
) -> None:
    lines: queue.Queue[str | None] = queue.Queue()
    with ServerThread(responder=stalling_model) as server:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONPATH": str(REPO),
            "HF_HUB_OFFLINE": "1",
        }
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                APP,
                str(data_dir),
                server.base_url,
                str(tmp_path / "settings.json"),
                QUESTION,
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        reader = threading.Thread(
            target=lambda: [lines.put(line) for line in child.stdout] + [lines.put(None)],
            daemon=True,
        )
        reader.start()
        received = []
        try:
            while True:  # until the answer has started to stream
                line = lines.get(timeout=90)
                assert line is not None and not line.startswith("FAILED"), (
                    f"the app stopped: {line}"
                )
                if line.startswith("EVENT "):
                    received.append(from_json(line[len("EVENT ") :]))
                    if isinstance(received[-1], TranscriptDeltaEvent):
                        break
            child.send_signal(signal.SIGKILL)
            assert child.wait(timeout=30) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        reader.join(timeout=10)

    logs = sorted(sessions_dir(data_dir).glob("*.jsonl.gz"))
    assert len(logs) == 1, logs
    loaded = load_log(logs[0])
    assert not loaded.bad_lines
    assert list(loaded.events[: len(received)]) == [as_logged(e) for e in received], (
        "every event the window had received was on disk"
    )
    customer = [
        e for e in loaded.events if isinstance(e, TranscriptEvent) and e.speaker == "customer"
    ]
    assert [e.text for e in customer] == [QUESTION]
    assert not any(e.type == "session_ended" for e in loaded.events)
    assert any(isinstance(e, TranscriptDeltaEvent) for e in loaded.events)
    assert len(replay_delays(loaded.events)) == len(loaded.events)

    # the app opens the log and replays it to its last event
    from simulator.app import theme
    from simulator.app.main import AppOptions, create_window
    from simulator.settings import BUNDLED_KNOWLEDGE, Settings

    theme.apply_theme(qapp)
    settings = Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=data_dir, offline=True, replay_speed=1000
    )
    window = create_window(
        AppOptions(
            settings=settings,
            preferences_path=tmp_path / "viewer" / "settings.json",
            env={},
            files=ChosenFiles(open=[logs[0]]),
            log_sessions=False,
        )
    )
    qtbot.addWidget(window)
    try:
        with qtbot.waitSignal(window.sessions.viewer_opened, timeout=30_000) as opened:
            assert window.open_session() is not None
        viewer = opened.args[0]
        assert viewer.feed.events == loaded.events
        with qtbot.waitSignal(viewer.player.finished, timeout=30_000):
            viewer.replay()
        assert viewer.feed.events == loaded.events
        partial = "".join(e.delta for e in loaded.events if isinstance(e, TranscriptDeltaEvent))
        assert partial and ANSWER.startswith(partial.strip())
        assert viewer.transcript.messages()[0] == ("customer", QUESTION)
    finally:
        window.close()
