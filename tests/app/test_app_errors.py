"""Bad input never crashes the window: a missing knowledge folder or a broken settings file is
explained in plain words, and the user can fix it from the window and carry on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QPushButton

from simulator.app.bridge import SessionState
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
