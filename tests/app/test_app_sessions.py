"""Sessions from the window: save, open, replay, export a report; damaged files are explained
and the live team stays usable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from simulator.app.bridge import SessionState
from simulator.events import to_json
from simulator.session_log import load_log
from simulator.settings import Settings
from tests.app.conftest import WindowFactory
from tests.app.gui import ChosenFiles, say, start


def hold_a_conversation(qtbot: Any, window: Any) -> None:
    say(qtbot, window, "Hi, we have forty freezers in three stores.")
    say(qtbot, window, "How much does the Professional plan cost per sensor?")


def test_save_then_open_shows_the_saved_conversation_read_only(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    saved = tmp_path / "rehearsal.jsonl"
    files = ChosenFiles(save=[saved], open=[saved])
    window = start(qtbot, make_window(offline_settings, files=files))
    hold_a_conversation(qtbot, window)
    live_messages = window.transcript.messages()
    live_handoffs = window.timeline.handoff_texts()

    window.save_action.trigger()
    assert load_log(saved).events == window.feed.events
    assert str(saved) in window.status.currentMessage()

    qtbot.mouseClick(window.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.transcript.messages() == [], timeout=10_000)

    window.open_action.trigger()
    assert window.viewing is not None
    assert window.transcript.messages() == live_messages
    assert window.timeline.handoff_texts() == live_handoffs
    assert window.latency.row_count() == 2
    assert "rehearsal.jsonl" in window.banner.text
    assert window.composer.input.isReadOnly() and not window.composer.send_button.isEnabled()

    window.new_action.trigger()  # back to the live team
    assert window.viewing is None and window.banner.text == ""
    assert not window.composer.input.isReadOnly()
    say(qtbot, window, "Back again: do you integrate with SAP?")


def test_replay_plays_the_conversation_again(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = start(qtbot, make_window(offline_settings.replace(replay_speed=40)))
    hold_a_conversation(qtbot, window)
    messages = window.transcript.messages()
    with qtbot.waitSignal(window.player.started, timeout=2000):
        window.replay_action.trigger()
    assert len(window.transcript.messages()) < len(messages)  # starts from an empty screen
    with qtbot.waitSignal(window.player.finished, timeout=20_000):
        pass
    assert window.transcript.messages() == messages
    assert window.timeline.handoff_texts() and window.latency.row_count() == 2
    assert "Replay finished" in window.banner.text


def test_export_writes_a_readable_report(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    window = start(qtbot, make_window(offline_settings, files=ChosenFiles(save=[report])))
    hold_a_conversation(qtbot, window)
    window.export_action.trigger()
    html = report.read_text(encoding="utf-8")
    assert "Hi, we have forty freezers in three stores." in html
    assert "Pricing Specialist" in html and "pricing/pricing-and-plans.md" in html
    assert "p50" in html and "p95" in html


def test_a_log_cut_off_by_a_crash_opens_with_a_note(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    window = start(qtbot, make_window(offline_settings, files=ChosenFiles()))
    hold_a_conversation(qtbot, window)
    crashed = tmp_path / "crashed.jsonl"
    lines = [to_json(e) for e in window.feed.events]
    crashed.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:25], encoding="utf-8")
    window.files = ChosenFiles(open=[crashed])
    window.open_action.trigger()
    assert window.viewing is not None and window.viewing.truncated
    assert "cut off" in window.banner.text and window.banner.level == "warning"
    assert window.transcript.messages()  # everything up to the crash is there


def test_a_file_that_is_not_a_session_is_refused_and_the_team_stays_usable(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    junk = tmp_path / "notes.jsonl"
    junk.write_text("shopping list\n", encoding="utf-8")
    window = start(qtbot, make_window(offline_settings, files=ChosenFiles(open=[junk])))
    window.open_action.trigger()
    assert window.viewing is None
    assert window.banner.level == "error" and "notes.jsonl" in window.banner.text
    assert window.bridge.state is SessionState.READY
    say(qtbot, window, "Hello")
    assert window.transcript.messages()[0] == ("customer", "Hello")


def test_saving_with_nothing_said_says_so(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    window = make_window(offline_settings, files=ChosenFiles(save=[tmp_path / "empty.jsonl"]))
    window.save_action.trigger()
    assert window.status.currentMessage() == "Nothing to save yet."
    assert not (tmp_path / "empty.jsonl").exists()
