"""Demo mode as a booth's kiosk: the attract screen, the operator's PIN in front of everything a
visitor must not reach, keys never on screen, a visible countdown before the idle reset, a
reset that wipes every panel, and the operator's exit. Closing mid-turn stops everything."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from simulator.app.attract_screen import REHEARSE, TALK
from simulator.app.bridge import SessionState
from simulator.app.main_window import MainWindow
from simulator.events import ConversationResetEvent, ScorecardEvent
from simulator.operator_pin import pin_matches
from simulator.preferences import Preferences, load_preferences, save_preferences
from simulator.settings import Settings
from tests.app.conftest import WindowFactory
from tests.app.gui import (
    ChosenFiles,
    ServerThread,
    cerebras_settings,
    operator_pin_hash,
    say,
    start,
    type_pin,
)
from tests.fakes.cerebras_server import LatencyModel, Reply

SECRET = "csk-booth-secret-4711"


def booth(
    make_window: WindowFactory,
    settings: Settings,
    tmp_path: Path,
    *,
    idle_s: int = 90,
    files: ChosenFiles | None = None,
    **options: Any,
) -> MainWindow:
    """A booth whose operator chose OPERATOR_PIN and saved a Cerebras key."""
    path = tmp_path / "settings.json"
    save_preferences(
        Preferences(
            cerebras_api_key=SECRET, demo_pin_hash=operator_pin_hash(), demo_idle_reset_s=idle_s
        ),
        path,
    )
    window = make_window(settings, demo=True, preferences_path=path, files=files, **options)
    window.present()
    return window


def refuse(qtbot: Any, window: MainWindow, pin: str | None) -> None:
    """The visitor cancels the PIN dialog (``pin`` None) or types a wrong PIN."""
    qtbot.waitUntil(lambda: window.kiosk.dialog is not None and window.kiosk.dialog.isVisible())
    dialog = window.kiosk.dialog
    assert dialog is not None
    if pin is None:
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: window.kiosk.dialog is None)
    else:
        type_pin(qtbot, window, pin)
        assert dialog.isVisible() and "Wrong PIN" in dialog.error.text()
        dialog.reject()


def texts(widget: QWidget) -> list[str]:
    """Every string a widget and its children could put on screen."""
    found = [widget.toolTip(), widget.windowTitle()]
    for child in [widget, *widget.findChildren(QWidget)]:
        found.append(child.toolTip())
        if isinstance(child, QLabel | QAbstractButton):
            found.append(child.text())
        if isinstance(child, QLineEdit):
            found += [child.text(), child.placeholderText(), child.displayText()]
    return found


def test_the_booth_opens_on_the_attract_screen_in_large_type_and_lets_a_visitor_in(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    window = booth(make_window, offline_settings, tmp_path)
    assert window.isFullScreen() and window.demo
    assert window.pages.currentWidget() is window.booth.attract
    attract = window.booth.attract
    assert attract.talk_button.accessibleName() == TALK
    assert attract.rehearse_button.accessibleName() == REHEARSE
    assert not attract.talk_button.isEnabled()  # until the team can answer
    assert attract.starting.text()
    start(qtbot, window)
    assert attract.talk_button.isEnabled() and not attract.starting.text()
    qtbot.mouseClick(attract.talk_button, Qt.MouseButton.LeftButton)
    assert window.pages.currentWidget() is window.session_page
    # The operator's buttons are gone from the visitor's header; the transcript takes more room.
    assert not any(b.isVisible() for b in window.header_buttons.values())
    assert window.booth.operator_button.isVisible()
    assert window.body.main.width() > 0.6 * window.body.width() - 20
    say(qtbot, window, "What does the Starter plan cost?")
    assert window.transcript.messages()


def test_every_locked_action_is_refused_without_the_pin_and_allowed_with_it(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    files = ChosenFiles()
    window = booth(make_window, offline_settings, tmp_path, files=files)
    start(qtbot, window)
    window.booth.start_talking()
    say(qtbot, window, "Hello")
    saved, report = tmp_path / "visit.jsonl", tmp_path / "visit.html"
    locked = [
        ("settings", window.settings_action, lambda: window.settings_dialog is not None),
        ("save", window.save_action, saved.exists),
        ("export", window.export_action, report.exists),
        ("open", window.open_action, lambda: not files.open),
        ("replay", window.replay_action, lambda: bool(window.sessions.viewers)),
        ("full screen", window.fullscreen_action, lambda: not window.isFullScreen()),
    ]
    for name, action, done in locked:
        window.showFullScreen()  # (the offscreen test screen is smaller than the booth's)
        files.save[:] = [report if name == "export" else saved]
        files.open[:] = [saved]
        for wrong in (None, "0000"):
            action.trigger()
            refuse(qtbot, window, wrong)
            assert not done(), f"{name} happened without the PIN ({wrong})"
        action.trigger()
        type_pin(qtbot, window)
        qtbot.waitUntil(done, timeout=10_000)
        if window.settings_dialog is not None:
            window.settings_dialog.reject()
            window.settings_dialog = None
        window.sessions.close_all()
    # Quit and the window's close button: the booth stays open without the PIN.
    for wrong in (None, "1357"):
        window.close()
        refuse(qtbot, window, wrong)
        assert window.isVisible() and window.bridge.state is SessionState.READY
    window.quit_action.trigger()
    type_pin(qtbot, window)
    qtbot.waitUntil(lambda: window.bridge.state is SessionState.CLOSED)
    assert not window.isVisible()


def test_five_wrong_pins_make_the_pin_field_rest(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    window = booth(make_window, offline_settings, tmp_path)
    window.settings_action.trigger()
    for _ in range(5):
        type_pin(qtbot, window, "9999")
    dialog = window.kiosk.dialog
    assert dialog is not None and not dialog.pin.isEnabled()
    assert "try again in" in dialog.error.text()
    dialog.reject()
    window.settings_action.trigger()  # a new dialog rests too, even for the right PIN
    assert window.kiosk.dialog is not None and not window.kiosk.dialog.pin.isEnabled()
    window.kiosk.dialog.accept()
    assert window.settings_dialog is None


def test_the_operators_menu_needs_the_pin_and_leads_out_of_demo_mode(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    window = booth(make_window, offline_settings, tmp_path)
    # On the attract screen, the discreet button in the corner.
    qtbot.mouseClick(window.booth.attract.operator_button, Qt.MouseButton.LeftButton)
    refuse(qtbot, window, "1111")
    assert window.booth.menu is None
    qtbot.mouseClick(window.booth.attract.operator_button, Qt.MouseButton.LeftButton)
    type_pin(qtbot, window)
    qtbot.waitUntil(lambda: window.booth.menu is not None and window.booth.menu.isVisible())
    panel = window.booth.menu
    assert panel is not None
    buttons = {b.text(): b for b in panel.findChildren(QPushButton)}
    offered = list(buttons)
    line = panel.fontMetrics().height()
    assert all(b.height() >= 2.5 * line for b in buttons.values())  # touch targets
    qtbot.mouseClick(buttons["Exit demo mode"], Qt.MouseButton.LeftButton)  # no second PIN
    qtbot.waitUntil(lambda: not window.demo)
    assert offered == [
        "Settings…",
        "Open session beside this one…",
        "Save session as…",
        "Export report…",
        "Replay this session",
        "Exit demo mode",
        "Quit",
        "Close (stay in demo mode)",
    ]
    assert not window.kiosk.locked and not window.idle.armed and not window.isFullScreen()
    assert window.pages.currentWidget() is window.session_page
    assert all(not b.isHidden() for b in window.header_buttons.values())
    assert window.open_settings() is not None  # no PIN any more


def test_keys_are_never_on_screen_in_demo_mode(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    window = booth(make_window, offline_settings, tmp_path)
    window.settings_action.trigger()
    type_pin(qtbot, window)
    dialog = window.settings_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.show_keys.isVisible()
    assert not [t for t in texts(dialog) + texts(window) if SECRET in t]
    assert "hidden in demo mode" in " ".join(texts(dialog))
    dialog.idle_reset.setValue(120)
    dialog.accept()
    kept = load_preferences(tmp_path / "settings.json")
    assert kept.cerebras_api_key == SECRET and kept.demo_idle_reset_s == 120
    assert window.demo  # still a booth


def test_settings_turn_demo_mode_on_with_a_pin_stored_only_as_a_hash(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "settings.json"
    window = make_window(offline_settings, preferences_path=path)
    dialog = window.open_settings()
    assert dialog is not None
    dialog.demo_mode.setChecked(True)
    dialog.accept()  # no PIN yet: refused, saying why
    assert dialog.isVisible() and "needs an operator PIN" in dialog.error.text()
    dialog.pin.setText("12")
    dialog.accept()
    assert dialog.isVisible() and "at least 4" in dialog.error.text()
    dialog.pin.setText("8642")
    dialog.accept()
    qtbot.waitUntil(lambda: window.demo)
    assert window.kiosk.locked and window.pages.currentWidget() is window.booth.attract
    saved = json.loads(path.read_text())
    assert "8642" not in path.read_text() and saved["demo_mode"] is True
    assert pin_matches("8642", saved["demo_pin_hash"])


def test_large_type_comes_at_once_when_settings_switch_demo_mode_on_and_goes_with_it(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    path = tmp_path / "settings.json"
    window = start(qtbot, make_window(offline_settings, preferences_path=path))
    say(qtbot, window, "What does the Starter plan cost?")
    desk = {
        "app": app.font().pointSizeF(),
        "composer": window.composer.input.font().pointSizeF(),
        "pill": window.agent_pill.font().pointSizeF(),
        "lanes": window.timeline.lanes.height(),
    }
    headline = _attract_headline(window)
    desk["headline"] = headline.font().pointSizeF()
    dialog = window.open_settings()
    assert dialog is not None
    dialog.demo_mode.setChecked(True)
    dialog.pin.setText("8642")
    dialog.accept()
    qtbot.waitUntil(lambda: window.demo)
    booth_sizes = {
        "app": app.font().pointSizeF(),
        "headline": headline.font().pointSizeF(),
        "composer": window.composer.input.font().pointSizeF(),
        "pill": window.agent_pill.font().pointSizeF(),
        "lanes": window.timeline.lanes.height(),
    }
    for what, size in desk.items():  # this run, not the next start
        assert booth_sizes[what] >= size * 1.3, (what, size, booth_sizes[what])
    assert window.timeline.reasons.height() == booth_sizes["lanes"]
    assert not window.coach.note.isVisible()  # the booth's compact coach bar
    window.exit_demo()
    type_pin(qtbot, window, "8642")
    qtbot.waitUntil(lambda: not window.demo)
    assert app.font().pointSizeF() == pytest.approx(desk["app"])
    assert headline.font().pointSizeF() == pytest.approx(desk["headline"])
    assert window.timeline.lanes.height() == desk["lanes"]


def _attract_headline(window: MainWindow) -> QLabel:
    return next(
        label
        for label in window.booth.attract.findChildren(QLabel)
        if label.text().startswith("Meet an AI sales team")
    )


def test_the_countdown_shows_and_a_touch_keeps_the_visitor(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    window = booth(make_window, offline_settings, tmp_path, idle_s=2)
    start(qtbot, window)
    window.booth.start_talking()
    say(qtbot, window, "Hello")
    # the countdown starts a second after the team's last event (a late one starts it over)
    qtbot.waitUntil(window.booth.countdown.isVisible, timeout=10_000)
    assert window.booth.countdown.text() == "Resetting in 1 s — touch to stay"
    qtbot.mouseClick(window.transcript.viewport(), Qt.MouseButton.LeftButton)
    assert not window.booth.countdown.isVisible() and window.transcript.messages()


def test_the_idle_reset_wipes_everything_the_last_visitor_saw(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    window = booth(make_window, offline_settings, tmp_path, idle_s=2, coach_max_turns=2)
    start(qtbot, window)
    # The first visitor watches a rehearsal to its scorecard, then asks a question themselves.
    qtbot.mouseClick(window.booth.attract.rehearse_button, Qt.MouseButton.LeftButton)
    assert window.booth.attract.choosing_customer()
    button = window.booth.attract.persona_buttons["price-conscious-restaurants"]
    with qtbot.waitSignal(
        window.feed.event_received,
        timeout=120_000,
        check_params_cb=lambda e: isinstance(e, ScorecardEvent) and e.scorecard.final,
    ):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert window.pages.currentWidget() is window.session_page
    qtbot.waitUntil(lambda: window.coaching.dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: window.bridge.state is SessionState.READY, timeout=30_000)
    window.coaching.dialog.hide()
    window.new_conversation()
    qtbot.waitUntil(lambda: not window.transcript.messages())
    say(qtbot, window, "What does the Professional plan cost per sensor?")
    say(qtbot, window, "Do you have the CT-200 in stock?")
    assert window.latency.row_count() == 2 and window.context.shown_sources()
    assert window.timeline.model.turns
    # ... and walks away: a countdown, then the reset.
    with qtbot.waitSignal(window.idle.idle, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.booth.attract)
    qtbot.waitUntil(
        lambda: any(isinstance(e, ConversationResetEvent) for e in window.feed.events),
        timeout=10_000,
    )
    assert not window.booth.countdown.isVisible()
    assert window.transcript.messages() == []
    assert window.latency.row_count() == 0 and window.latency.events == []
    assert window.latency.summary().count == 0 and window.latency.selected_event() is None
    assert window.timeline.handoff_texts() == [] and not window.timeline.model.turns
    assert window.context.shown_sources() == [] and window.context.shown_reply is None
    assert not window.coaching.dialog.isVisible()
    assert window.coach.state is None and window.coach.status.text() == ""
    assert window.composer.input.text() == ""
    # The next visitor's first question is turn 1.
    qtbot.mouseClick(window.booth.attract.talk_button, Qt.MouseButton.LeftButton)
    say(qtbot, window, "What does the Starter plan cost?")
    assert window.latency.row_texts(0)[0] == "1"


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


def test_idle_reset_is_off_outside_demo_mode(
    make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = make_window(offline_settings)
    assert not window.idle.armed and not window.kiosk.locked
