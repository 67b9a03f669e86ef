"""Qt fixtures for the desktop app's tests: an offscreen Qt, one indexed data dir for the whole
run (indexing is the slow part of starting), and a window factory that always shuts its session
down and checks that the background thread is gone. User gestures live in :mod:`tests.app.gui`.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QApplication

from simulator.app import theme
from simulator.app.bridge import SessionState
from simulator.app.feed import EventFeed
from simulator.app.main import AppOptions, create_window
from simulator.app.main_window import MainWindow
from simulator.preferences import Preferences, save_preferences
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.app.gui import ChosenFiles, operator_pin_hash


@pytest.fixture(scope="session")
def themed_app(qapp: QApplication) -> QApplication:
    theme.apply_theme(qapp)
    return qapp


@pytest.fixture(scope="session")
def indexed_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose index already holds the sample company (indexing once per run)."""
    from simulator.knowledge.index import KnowledgeIndex

    data_dir = tmp_path_factory.mktemp("app-data")
    with KnowledgeIndex(BUNDLED_KNOWLEDGE, data_dir / "index") as index:
        index.update()
    return data_dir


@pytest.fixture
def offline_settings(indexed_data_dir: Path) -> Settings:
    # whole rehearsals run in these tests: instant, not a person's pace (tests/test_coach_pace.py)
    return Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=indexed_data_dir, coach_speed="instant"
    )


WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: Any, themed_app: QApplication, tmp_path: Path) -> Iterator[WindowFactory]:
    """Build windows like ``simulator`` does; every one is closed (and its thread joined) after the
    test."""
    windows: list[MainWindow] = []

    def factory(
        settings: Settings | None = None,
        *,
        env: dict[str, str] | None = None,
        files: ChosenFiles | None = None,
        demo: bool = False,
        preferences_path: Path | None = None,
        **options: Any,
    ) -> MainWindow:
        if demo and preferences_path is None:  # a booth whose operator chose OPERATOR_PIN
            preferences_path = tmp_path / "config" / "settings.json"
            save_preferences(Preferences(demo_pin_hash=operator_pin_hash()), preferences_path)
        window = create_window(
            AppOptions(
                settings=settings,
                env=env if env is not None else {},
                files=files,
                demo=demo,
                preferences_path=preferences_path or tmp_path / "config" / "settings.json",
                **options,
            )
        )
        windows.append(window)
        window.resize(1440, 900)
        window.show()
        return window

    yield factory
    for window in windows:
        window.kiosk.locked = False  # a booth is closed by its operator (tests type the PIN)
        window.close()
        assert window.bridge.state is SessionState.CLOSED
        thread = window.bridge._thread
        assert thread is None or not thread.is_alive()
        dispose(window)
    theme.set_scale(themed_app, 1.0)  # a booth's large type ends with it


def dispose(obj: QObject) -> None:
    """Delete a Qt object now, on the GUI thread. Left to Python's garbage collector, a window
    (its lambdas make reference cycles) could be destroyed later from whichever thread happens to
    run the collection (the session loop, a worker), and Qt objects must die on their own thread."""
    obj.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def feed(qtbot: Any) -> Iterator[EventFeed]:
    """A feed for widget tests; parent helpers (players, timers) to it so they die with it."""
    feed = EventFeed()
    yield feed
    dispose(feed)
