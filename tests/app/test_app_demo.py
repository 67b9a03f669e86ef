"""Demo mode for a booth: full screen, and a fresh conversation once the visitor
walks away; closing the window stops everything, even mid-turn."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from simulator.app.bridge import SessionState
from simulator.events import ConversationResetEvent
from simulator.preferences import Preferences, save_preferences
from simulator.settings import Settings
from tests.app.conftest import WindowFactory
from tests.app.gui import ServerThread, cerebras_settings, say, start
from tests.fakes.cerebras_server import LatencyModel, Reply


def test_demo_mode_resets_to_a_fresh_conversation_after_idle_time(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    prefs_path = tmp_path / "settings.json"
    save_preferences(Preferences(demo_idle_reset_s=1), prefs_path)
    window = make_window(offline_settings, demo=True, preferences_path=prefs_path)
    window.present()
    assert window.isFullScreen()
    assert window.idle.armed and window.idle.idle_s == 1
    assert (
        not window.coach.note.isVisible()
    )  # large type: the tooltips say it, the bar stays one line
    start(qtbot, window)
    say(qtbot, window, "What does the Starter plan cost?")
    assert window.transcript.messages()
    with qtbot.waitSignal(
        window.feed.event_received,
        timeout=10_000,
        check_params_cb=lambda e: isinstance(e, ConversationResetEvent),
    ):
        pass  # nobody touches anything for a second
    assert window.transcript.messages() == []
    assert window.timeline.handoff_texts() == []


def test_idle_reset_is_off_outside_demo_mode(
    make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = make_window(offline_settings)
    assert not window.idle.armed


def test_closing_mid_turn_cancels_the_turn_and_joins_the_thread(
    qtbot: Any, make_window: WindowFactory, indexed_data_dir: Path
) -> None:
    slow = LatencyModel(first_token_base_s=20.0)  # a provider that would take 20 s to answer
    with ServerThread(responder=lambda body: Reply(text="late"), latency=slow) as server:
        window = start(qtbot, make_window(cerebras_settings(server, indexed_data_dir)))
        qtbot.keyClicks(window.composer.input, "Hello?")
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
        assert window.bridge.state is SessionState.BUSY
        qtbot.waitUntil(lambda: bool(server.requests), timeout=10_000)
        began = time.perf_counter()
        window.close()
        assert time.perf_counter() - began < 10
    assert window.bridge.state is SessionState.CLOSED
    assert window.bridge._thread is not None and not window.bridge._thread.is_alive()
