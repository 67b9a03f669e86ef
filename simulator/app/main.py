"""``simulator`` (no sub-command): open the window at once, then start the sales team behind it.

Start-up order matters for how the app feels: Qt and the window first (a fraction of a second),
shown in a visible "starting" state; then the bridge's background thread imports livekit-agents,
indexes the knowledge and seats the Greeter while the user can already look around and type.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from simulator.app import theme
from simulator.app.bridge import SessionBridge, SessionState
from simulator.app.feed import EventFeed
from simulator.app.main_window import MainWindow
from simulator.app.session_files import FileChooser
from simulator.host.audio import AudioFactory
from simulator.personas.model import PersonaError, load_personas
from simulator.preferences import (
    Preferences,
    PreferencesError,
    default_path,
    load_preferences,
    redactor_for,
)
from simulator.settings import Settings, SettingsError

logger = logging.getLogger(__name__)


@dataclass
class AppOptions:
    knowledge_dir: Path | None = None
    offline: bool = False
    demo: bool = False
    voice: str | None = None
    """``--voice``: auto, cartesia, offline or off (``None``: the settings decide)."""
    personas_dir: Path | None = None
    """``--personas``: where Coach mode's personas are (``None``: the settings decide)."""
    preferences_path: Path | None = None
    env: Mapping[str, str] | None = None
    settings: Settings | None = None
    """Use exactly these settings (tests); otherwise :meth:`Settings.load` from the flags, the
    environment and the preferences file."""
    log_sessions: bool = True
    files: FileChooser | None = None
    audio: AudioFactory | None = None
    """Opens the microphone and speakers (tests: simulated devices); default: this computer's."""
    coach_max_turns: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    exit_when_closed: bool = False
    """Leave the process as soon as the window has closed its session (the ``simulator``
    program): the native libraries' clean-up at interpreter exit takes seconds and saves nothing."""


def create_window(options: AppOptions) -> MainWindow:
    """Build the bridge, the feed and the window (not shown, session not started)."""
    env = os.environ if options.env is None else options.env
    preferences_path = options.preferences_path or default_path()
    problems: list[str] = []
    try:
        preferences = load_preferences(preferences_path)
    except PreferencesError as e:
        preferences = Preferences()
        problems.append(f"{e}. Using the defaults for now.")
    overrides: dict[str, object] = {
        "knowledge_dir": options.knowledge_dir,
        "offline": options.offline or None,
        "voice_mode": options.voice,
        "personas_dir": options.personas_dir,
    }
    settings = options.settings
    if settings is None:
        try:
            settings = Settings.load(flags=overrides, env=env, file=preferences.values())
        except SettingsError as e:
            problems.append(f"A setting cannot be used ({e}); using the defaults.")
            settings = Settings()
    try:
        found = load_personas(settings.personas_dir, max_bytes=settings.persona_max_bytes)
        personas, persona_errors = list(found.personas), list(found.errors)
    except PersonaError as e:
        personas, persona_errors = [], [e]
    problems += [f"A persona was skipped: {e}" for e in persona_errors]
    bridge = SessionBridge(
        settings,
        redactor=redactor_for(preferences, settings, env),
        log_sessions=options.log_sessions,
        audio=options.audio,
        coach_max_turns=options.coach_max_turns,
    )
    feed = EventFeed()
    window = MainWindow(
        bridge,
        feed,
        preferences=preferences,
        preferences_path=preferences_path,
        cli_overrides=overrides,
        demo=options.demo,
        files=options.files,
        env=env,
        personas=personas,
    )
    bridge.setParent(window)
    feed.setParent(window)
    for problem in problems:
        window.banner.show_message("warning", problem, [("Settings…", window.open_settings)])
    return window


def run_app(options: AppOptions) -> int:
    started = time.perf_counter()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Sales Simulator")
    theme.apply_theme(app, scale=theme.DEMO_SCALE if _starts_in_demo(options) else 1.0)
    window = create_window(options)
    window.exit_quickly = options.exit_when_closed
    window.present()
    options.timings["window_shown_s"] = time.perf_counter() - started

    def first_paint() -> None:
        options.timings["window_painted_s"] = time.perf_counter() - started
        window.start_session()

    def on_state(state: SessionState, _detail: str) -> None:
        if state is SessionState.READY and "team_ready_s" not in options.timings:
            options.timings["team_ready_s"] = time.perf_counter() - started
            logger.info(
                "window after %.2f s, team ready after %.2f s",
                options.timings.get("window_painted_s", 0.0),
                options.timings["team_ready_s"],
            )
            window.status.showMessage(
                f"Window in {options.timings.get('window_painted_s', 0.0):.1f} s · "
                f"team ready in {options.timings['team_ready_s']:.1f} s",
                8000,
            )

    window.bridge.state_changed.connect(on_state)
    QTimer.singleShot(0, first_paint)
    code = app.exec()
    if options.exit_when_closed:
        # The session is closed and its log written (closeEvent); settings are saved when set.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
    return code


def _starts_in_demo(options: AppOptions) -> bool:
    """``--demo``, or demo mode saved in Settings (its large type is chosen before any widget)."""
    if options.demo:
        return True
    try:
        return load_preferences(options.preferences_path or default_path()).demo_mode
    except PreferencesError:
        return False
