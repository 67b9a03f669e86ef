"""Sessions from the window: save, open beside the live one, replay with speed, scrub and
progress, export a report; damaged files are explained and the live team stays usable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.app.bridge import SessionState
from simulator.app.replay import PAGE
from simulator.app.session_viewer import SessionViewer
from simulator.events import TranscriptEvent, to_json
from simulator.session_log import as_logged, load_log
from simulator.settings import Settings
from tests.app.conftest import WindowFactory
from tests.app.gui import ChosenFiles, say, start


def hold_a_conversation(qtbot: Any, window: Any) -> None:
    say(qtbot, window, "Hi, we have forty freezers in three stores.")
    say(qtbot, window, "How much does the Professional plan cost per sensor?")


def open_beside(qtbot: Any, window: Any) -> SessionViewer:
    """Session → Open…, and wait for the viewer (the log is read in the background)."""
    with qtbot.waitSignal(window.sessions.viewer_opened, timeout=10_000) as opened:
        window.open_action.trigger()
    viewer = opened.args[0]
    qtbot.addWidget(viewer)
    return viewer


def test_a_saved_session_opens_beside_the_live_one_which_stays_as_it_was(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    saved = tmp_path / "rehearsal.jsonl"
    files = ChosenFiles(save=[saved], open=[saved])
    window = start(qtbot, make_window(offline_settings, files=files))
    hold_a_conversation(qtbot, window)
    live_messages = window.transcript.messages()
    live_handoffs = window.timeline.handoff_texts()

    window.save_action.trigger()
    assert load_log(saved).events == tuple(as_logged(e) for e in window.feed.events)
    assert str(saved) in window.status.currentMessage()

    say(qtbot, window, "And is the CT-200 in stock?")  # the conversation goes on after saving
    live_messages = window.transcript.messages()
    viewer = open_beside(qtbot, window)
    assert viewer.isVisible() and viewer is not window
    assert viewer.transcript.messages() == live_messages[:4]  # what was saved
    assert viewer.timeline.handoff_texts() == live_handoffs
    assert viewer.latency.row_count() == 2
    assert "rehearsal.jsonl" in viewer.windowTitle()
    # Each passage text is in the file once, and the context behind each reply is the same.
    for number in (1, 2):
        window.context.show_reply(number)
        viewer.context.show_reply(number)
        shown = viewer.context.shown_passages()
        live = [p.model_copy(update={"units": ()}) for p in window.context.shown_passages()]
        assert shown and shown == live  # the same cards (the ranker's units are not kept)
        assert viewer.context.heading.text() == window.context.heading.text()
    # Nothing of the live conversation was lost or replaced.
    assert window.transcript.messages() == live_messages
    assert not window.composer.input.isReadOnly() and window.banner.text == ""
    say(qtbot, window, "Back again: do you integrate with SAP?")
    assert window.transcript.messages()[:6] == live_messages
    assert viewer.transcript.messages() == live_messages[:4]


def test_replay_has_speed_a_scrub_bar_and_progress(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = start(qtbot, make_window(offline_settings))
    hold_a_conversation(qtbot, window)
    messages = window.transcript.messages()
    with qtbot.waitSignal(window.sessions.viewer_opened, timeout=2000) as opened:
        window.replay_action.trigger()
    viewer = opened.args[0]
    qtbot.addWidget(viewer)
    bar = viewer.replay_bar
    assert window.transcript.messages() == messages  # the live window is untouched
    assert viewer.player.playing and bar.play_button.text() == "❚❚ Pause"
    bar.choose_speed(10.0)
    assert viewer.player.speed == 10.0
    bar.toggle()
    assert not viewer.player.playing and bar.play_button.text() == "▶ Play"
    # Scrub to the end: the whole conversation; back to the middle: only what came before.
    total = viewer.player.total
    assert bar.scrub.maximum() == total
    bar.scrub.setSliderPosition(total)
    bar.scrub.triggerAction(bar.scrub.SliderAction.SliderMove)
    assert viewer.transcript.messages() == messages
    assert bar.progress.text().startswith(f"event {total:,} of {total:,}")
    bar.scrub.setSliderPosition(total // 2)
    bar.scrub.triggerAction(bar.scrub.SliderAction.SliderMove)
    assert 0 < len(viewer.transcript.messages()) < len(messages)
    assert viewer.player.position == total // 2
    assert bar.progress.text().startswith(f"event {total // 2:,} of {total:,}")
    bar.choose_speed(50.0)
    with qtbot.waitSignal(viewer.player.finished, timeout=20_000):
        bar.toggle()  # plays on from the middle
    assert viewer.transcript.messages() == messages
    assert viewer.timeline.handoff_texts() and viewer.latency.row_count() == 2
    assert bar.play_button.text() == "▶ Play again"


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
    window.sessions.files = ChosenFiles(open=[crashed])
    viewer = open_beside(qtbot, window)
    assert "cut off" in viewer.banner.text and viewer.banner.level == "warning"
    assert viewer.transcript.messages()  # everything up to the crash is there


def test_a_file_that_is_not_a_session_is_refused_and_the_team_stays_usable(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    junk = tmp_path / "notes.jsonl"
    junk.write_text("shopping list\n", encoding="utf-8")
    window = start(qtbot, make_window(offline_settings, files=ChosenFiles(open=[junk])))
    with qtbot.waitSignal(window.sessions.loader.failed, timeout=10_000):
        window.open_action.trigger()
    assert window.sessions.viewers == []
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


def test_a_long_log_is_read_in_the_background_and_shown_a_page_at_a_time(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    long_log = tmp_path / "a-week-at-the-booth.jsonl"
    turns = 3000
    with long_log.open("w", encoding="utf-8") as f:
        for turn in range(1, turns + 1):
            f.write(to_json(TranscriptEvent(turn_id=turn, speaker="customer", text=f"Line {turn}")))
            f.write("\n")
            reply = TranscriptEvent(turn_id=turn, speaker="greeter", text=f"Reply {turn}")
            f.write(to_json(reply) + "\n")
    window = make_window(offline_settings, files=ChosenFiles(open=[long_log]))
    progress: list[tuple[int, int]] = []
    window.sessions.loader.progressed.connect(lambda done, total: progress.append((done, total)))
    viewer = open_beside(qtbot, window)
    assert progress and progress[-1][0] == progress[-1][1] == long_log.stat().st_size
    assert viewer.player.total == 2 * turns
    # Only the last page is rendered, ending with the session's last exchange.
    assert len(viewer.feed.events) <= PAGE
    assert viewer.transcript.messages()[-2:] == [
        ("customer", f"Line {turns}"),
        ("greeter", f"Reply {turns}"),
    ]
    viewer.player.seek(10)
    assert viewer.transcript.messages()[0] == ("customer", "Line 1")
    assert len(viewer.transcript.messages()) == 10
