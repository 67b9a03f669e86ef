"""`simulator` opens the app; the window comes up before the slow imports (livekit-agents,
chromadb), which happen on the session thread."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from simulator.cli import build_parser

SHOW_WINDOW = textwrap.dedent("""
    import sys, time
    started = time.perf_counter()
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from simulator.app import theme
    from simulator.app.main import AppOptions, create_window
    app = QApplication([])
    theme.apply_theme(app)
    window = create_window(AppOptions(preferences_path=Path(sys.argv[1]), env={}))
    window.present()
    app.processEvents()
    heavy = sorted(
        m for m in ("livekit.agents", "chromadb", "wordllama", "simulator.session")
        if m in sys.modules
    )
    print(f"{time.perf_counter() - started:.3f}", ",".join(heavy) or "-")
    window.close()
""")


def test_the_window_appears_without_the_slow_imports(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", SHOW_WINDOW, str(tmp_path / "settings.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    seconds, heavy = done.stdout.split()
    assert heavy == "-", f"imported before the window was shown: {heavy}"
    assert float(seconds) < 5  # typically well under a second; generous for a loaded CI machine


def test_no_sub_command_means_the_app_with_its_flags() -> None:
    parser = build_parser()
    args = parser.parse_args(["--knowledge", "/srv/company", "--offline", "--demo"])
    assert (
        args.command is None
        and str(args.knowledge) == "/srv/company"
        and args.offline
        and args.demo
    )
    args = parser.parse_args(["app", "--demo"])
    assert args.command == "app" and args.demo and not args.offline
    args = parser.parse_args(
        ["--knowledge", "/srv/company", "chat"]
    )  # a flag before a sub-command is kept
    assert args.command == "chat" and str(args.knowledge) == "/srv/company"
