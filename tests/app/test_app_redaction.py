"""The desktop app behind a provider that echoes its key (in an error, in tool arguments, in the
answer): the key is in nothing the window shows, the session log, a saved session or the exported
report (the terminal and rehearse are checked in tests/test_redaction.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.redaction import REDACTED
from simulator.session_log import log_text
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.app.conftest import WindowFactory
from tests.app.gui import ChosenFiles, ServerThread, say, start
from tests.fakes.cerebras_server import Fault, Reply
from tests.test_redaction import KEY, LINES, EchoingModel


def test_an_echoed_key_is_in_no_export_of_the_app(
    qtbot: Any, make_window: WindowFactory, indexed_data_dir: Path, tmp_path: Path
) -> None:
    report, saved = tmp_path / "report.html", tmp_path / "session.jsonl"
    echo = Reply(fault=Fault.status(500, message=f"upstream refused {KEY}", times=3))
    with ServerThread(replies=[echo], responder=EchoingModel()) as server:
        settings = Settings(
            knowledge_dir=BUNDLED_KNOWLEDGE,
            data_dir=indexed_data_dir,
            cerebras_api_key=KEY,
            cerebras_base_url=server.base_url,
        )
        window = start(qtbot, make_window(settings, files=ChosenFiles(save=[saved, report])))
        for line in LINES:
            say(qtbot, window, line)
        assert window.save_session() == saved and window.export_report() == report
    shown = "\n".join(text for _who, text in window.transcript.messages())
    assert REDACTED in shown and KEY not in shown and KEY not in window.banner.text
    assert window.bridge.log_path is not None
    for written in (window.bridge.log_path, saved, report):
        text = written.read_text(encoding="utf-8") if written == report else log_text(written)
        assert KEY not in text and REDACTED in text, written
