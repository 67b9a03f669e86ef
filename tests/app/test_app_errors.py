"""Bad input never crashes the window: a missing knowledge folder or a broken settings file is
explained in plain words, and the user can fix it from the window and carry on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPushButton

from simulator.app.bridge import SessionState
from simulator.app.main_window import NOT_RUNNING
from simulator.preferences import Preferences, save_preferences
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.app.conftest import WindowFactory
from tests.app.gui import ChosenFiles, say


def test_a_missing_knowledge_folder_is_explained_and_fixed_from_settings(
    qtbot: Any, make_window: WindowFactory, indexed_data_dir: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "our-sales-material"  # set in Settings once, then moved away
    prefs_path = tmp_path / "settings.json"
    save_preferences(Preferences(knowledge_dir=str(missing)), prefs_path)
    window = make_window(
        None, env={"SIMULATOR_DATA_DIR": str(indexed_data_dir)}, preferences_path=prefs_path
    )
    window.start_session()
    qtbot.waitUntil(lambda: window.bridge.state is SessionState.FAILED, timeout=30_000)

    assert window.banner.level == "error"
    assert "our-sales-material" in window.banner.text
    assert "not running" in window.agent_pill.text()
    assert not window.composer.send_button.isEnabled()
    actions = [b.text() for b in window.banner.findChildren(QPushButton)]
    assert "Retry" in actions and "Settings…" in actions

    # Still usable: the user opens Settings from the banner and points at a real folder.
    settings_button = next(
        b for b in window.banner.findChildren(QPushButton) if b.text() == "Settings…"
    )
    qtbot.mouseClick(settings_button, Qt.MouseButton.LeftButton)
    dialog = window.settings_dialog
    assert dialog is not None
    dialog.knowledge.setText(str(BUNDLED_KNOWLEDGE))
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: window.bridge.state is SessionState.READY, timeout=60_000)
    assert window.banner.text == ""
    say(qtbot, window, "Is our data encrypted?")
    assert window.transcript.messages()[0] == ("customer", "Is our data encrypted?")


def test_a_wrong_knowledge_flag_is_fixed_from_the_banner_in_one_step(
    qtbot: Any, make_window: WindowFactory, indexed_data_dir: Path, tmp_path: Path
) -> None:
    """``--knowledge /nonexistent``: the banner's "Choose knowledge folder…" picks another and
    the team starts on it (the flag no longer wins for this run)."""
    files = ChosenFiles(folders=[BUNDLED_KNOWLEDGE])
    window = make_window(
        None,
        env={"SIMULATOR_DATA_DIR": str(indexed_data_dir)},
        files=files,
        knowledge_dir=tmp_path / "nonexistent",
        offline=True,
    )
    window.start_session()
    qtbot.waitUntil(lambda: window.bridge.state is SessionState.FAILED, timeout=30_000)
    assert "nonexistent" in window.banner.text
    assert window.transcript.welcome_text() == NOT_RUNNING  # not "Say hello to the Greeter"
    choose = next(
        b for b in window.banner.findChildren(QPushButton) if b.text() == "Choose knowledge folder…"
    )
    qtbot.mouseClick(choose, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.bridge.state is SessionState.READY, timeout=60_000)
    assert window.bridge.settings.knowledge_dir == BUNDLED_KNOWLEDGE and window.banner.text == ""
    say(qtbot, window, "Is our data encrypted?")
    assert window.transcript.messages()[0] == ("customer", "Is our data encrypted?")


def test_settings_say_a_flag_sets_a_value_and_replace_it_for_this_run(
    qtbot: Any, make_window: WindowFactory, indexed_data_dir: Path, tmp_path: Path
) -> None:
    window = make_window(
        None,
        env={"SIMULATOR_DATA_DIR": str(indexed_data_dir)},
        knowledge_dir=tmp_path / "nonexistent",
        offline=True,
    )
    window.start_session()
    qtbot.waitUntil(lambda: window.bridge.state is SessionState.FAILED, timeout=30_000)
    dialog = window.open_settings()
    assert dialog is not None
    notes = [label.text() for label in dialog.findChildren(QLabel)]
    assert any(n.startswith("--knowledge sets this for this run") for n in notes), notes
    assert any(n.startswith("--offline sets this for this run") for n in notes), notes
    assert dialog.offline.isChecked()  # what this run uses, not the file's unchecked value
    assert not any("set in the environment" in n for n in notes)
    dialog.knowledge.setText(str(BUNDLED_KNOWLEDGE))
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: window.bridge.state is SessionState.READY, timeout=60_000)
    assert window.bridge.settings.knowledge_dir == BUNDLED_KNOWLEDGE
    assert window.bridge.settings.offline  # still the flag's: only the folder was replaced
    assert window.preferences.offline is False  # and the flag never reached the file


def test_a_broken_settings_file_is_named_and_the_defaults_are_used(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    prefs_path = tmp_path / "settings.json"
    prefs_path.write_text("{ this is not json", encoding="utf-8")
    window = make_window(offline_settings, preferences_path=prefs_path)
    assert window.banner.level == "warning"
    assert str(prefs_path) in window.banner.text and "defaults" in window.banner.text


def test_new_conversation_after_a_failed_start_retries(
    qtbot: Any, make_window: WindowFactory, indexed_data_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "later"
    window = make_window(
        Settings(knowledge_dir=folder, data_dir=indexed_data_dir), files=ChosenFiles()
    )
    window.start_session()
    qtbot.waitUntil(lambda: window.bridge.state is SessionState.FAILED, timeout=30_000)
    assert "later" in window.banner.text
    folder.mkdir()
    (folder / "faq.md").write_text(
        "# FAQ\n\n## Trials\n\nA free 30-day pilot is available.\n", encoding="utf-8"
    )
    qtbot.mouseClick(window.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.bridge.state is SessionState.READY, timeout=60_000)
    say(qtbot, window, "Can we try it first?")
    assert window.context.shown_sources() == ["faq.md"]
