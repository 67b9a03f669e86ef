"""Settings from the window: keys saved owner-only and never written anywhere else, the team
restarted on the new provider, the environment's precedence shown, and a re-index that reports
progress and can be cancelled."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from simulator.app.bridge import IndexOutcome, SessionState
from simulator.preferences import load_preferences
from simulator.session_log import log_text
from simulator.settings import BUNDLED_KNOWLEDGE, Settings, secret
from tests.app.conftest import WindowFactory
from tests.app.gui import ChosenFiles, ServerThread, say, start
from tests.fakes.cerebras_server import Fault, Reply

KEY = "csk-typed-in-the-dialog-0123456789"


def test_a_key_entered_in_settings_is_stored_owner_only_and_used_but_never_written_elsewhere(
    qtbot: Any, make_window: WindowFactory, indexed_data_dir: Path, tmp_path: Path
) -> None:
    prefs_path = tmp_path / "config" / "settings.json"
    report = tmp_path / "report.html"
    saved = tmp_path / "session.jsonl"
    # The server rejects the key and, like a careless proxy, echoes it in its error message.
    leaky = Reply(fault=Fault.status(401, message=f"invalid api key {KEY}", times=None))
    with ServerThread(replies=[leaky]) as server:
        window = start(
            qtbot,
            make_window(
                None,
                env={"SIMULATOR_DATA_DIR": str(indexed_data_dir)},
                preferences_path=prefs_path,
                files=ChosenFiles(save=[saved, report]),
            ),
        )
        assert "Offline responder" in window.status.provider_label.text()

        window.settings_action.trigger()
        dialog = window.settings_dialog
        assert dialog is not None and dialog.isVisible()
        assert dialog.cerebras_key.echoMode() == dialog.cerebras_key.EchoMode.Password
        qtbot.keyClicks(dialog.cerebras_key, KEY)
        dialog.base_url.setText(server.base_url)
        dialog.model.setCurrentText("llama3.1-8b")
        with qtbot.waitSignal(
            window.bridge.state_changed,
            timeout=5000,
            check_params_cb=lambda state, _detail: state is SessionState.STARTING,
        ):
            qtbot.mouseClick(
                dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                Qt.MouseButton.LeftButton,
            )
        qtbot.waitUntil(lambda: window.bridge.state is SessionState.READY, timeout=60_000)

        assert stat.S_IMODE(prefs_path.stat().st_mode) == 0o600
        assert load_preferences(prefs_path).cerebras_api_key == KEY
        assert secret(window.bridge.settings.cerebras_api_key) == KEY
        assert window.status.provider_label.text() == "Cerebras · llama3.1-8b"

        say(qtbot, window, "Hello")
        assert server.requests and server.requests[0].model == "llama3.1-8b"
        assert window.banner.level == "error" and "[redacted]" in window.banner.text  # a 401
        assert KEY not in window.banner.text and KEY not in window.status.warning_label.toolTip()
        window.save_action.trigger()
        window.export_action.trigger()

    log_path = window.bridge.log_path
    assert log_path is not None
    for written in (log_path, saved):
        assert KEY not in log_text(written), written
    assert KEY not in report.read_text(encoding="utf-8")


def test_settings_say_when_the_environment_wins(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = make_window(offline_settings, env={"CEREBRAS_API_KEY": "from-the-shell"})
    dialog = window.open_settings()
    notes = [
        label.text()
        for label in dialog.findChildren(type(dialog.index_status))
        if "environment" in label.text()
    ]
    assert notes == ["CEREBRAS_API_KEY is set in the environment and wins over this value."]
    dialog.reject()


FILES = 800


def many_files(root: Path, count: int) -> Path:
    root.mkdir(parents=True)
    for i in range(count):
        (root / f"note-{i:03}.md").write_text(
            f"# Note {i}\n\nProduct fact number {i} about sensors.\n", encoding="utf-8"
        )
    return root


def test_reindex_shows_progress_and_can_be_cancelled(
    qtbot: Any, make_window: WindowFactory, tmp_path: Path
) -> None:
    # Enough files that the cancel lands mid-way: indexing got quick (120 took 0.5 s).
    folder = many_files(tmp_path / "company", FILES)
    settings = Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=tmp_path / "data")
    window = make_window(settings)  # the team need not be running to re-index
    dialog = window.open_settings()
    dialog.knowledge.setText(str(folder))

    with qtbot.waitSignal(window.bridge.index_progress, timeout=30_000):
        qtbot.mouseClick(dialog.reindex_button, Qt.MouseButton.LeftButton)
    assert not dialog.reindex_button.isEnabled() and dialog.cancel_button.isEnabled()
    with qtbot.waitSignal(window.bridge.index_finished, timeout=30_000) as finished:
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    outcome: IndexOutcome = finished.args[0]
    assert outcome.cancelled and outcome.error is None
    assert 0 < dialog.progress.value() < FILES
    assert "cancelled" in dialog.index_status.text()
    assert dialog.reindex_button.isEnabled()

    with qtbot.waitSignal(window.bridge.index_finished, timeout=60_000) as finished:
        qtbot.mouseClick(dialog.reindex_button, Qt.MouseButton.LeftButton)
    outcome = finished.args[0]
    assert not outcome.cancelled and outcome.chunks >= FILES
    assert dialog.progress.value() == dialog.progress.maximum() == FILES
    assert dialog.index_status.text().startswith(f"Indexed {outcome.chunks} passages")
    assert window.bridge.state is SessionState.STOPPED  # re-indexing did not start a session


def test_reindexing_a_missing_folder_says_which(
    qtbot: Any, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window(Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=tmp_path / "data"))
    dialog = window.open_settings()
    dialog.knowledge.setText(str(tmp_path / "no-such-folder"))
    with qtbot.waitSignal(window.bridge.index_finished, timeout=30_000) as finished:
        dialog.start_reindex()
    assert finished.args[0].error is not None
    assert "no-such-folder" in dialog.index_status.text()
