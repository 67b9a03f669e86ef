"""What a user does with the app, as test helpers: start the team, type a line and press Enter,
answer a file dialog; plus a Cerebras-compatible server on its own thread for Qt tests."""

from __future__ import annotations

import asyncio
import functools
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from simulator.app.bridge import SessionState
from simulator.app.kiosk import PinDialog
from simulator.app.main_window import MainWindow
from simulator.events import Event, TurnCompletedEvent
from simulator.operator_pin import hash_pin
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.fakes.cerebras_server import CerebrasServer

START_TIMEOUT_MS = 60_000
TURN_TIMEOUT_MS = 30_000
OPERATOR_PIN = "2468"
"""The PIN of the booths the tests build (``make_window(demo=True)``)."""


@functools.cache
def operator_pin_hash() -> str:
    return hash_pin(OPERATOR_PIN)


def type_pin(qtbot: Any, window: MainWindow, pin: str = OPERATOR_PIN) -> PinDialog:
    """The operator types ``pin`` into the PIN dialog on screen and presses Enter."""
    qtbot.waitUntil(lambda: window.kiosk.dialog is not None and window.kiosk.dialog.isVisible())
    dialog = window.kiosk.dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.pin, pin)
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    return dialog


@dataclass
class ChosenFiles:
    """Answers the app's file dialogs the way a user would, with paths chosen up front."""

    save: list[Path] = field(default_factory=list)
    open: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)

    def save_path(self, caption: str, suggested: Path, pattern: str) -> Path | None:
        return self.save.pop(0) if self.save else None

    def open_path(self, caption: str, folder: Path, pattern: str) -> Path | None:
        return self.open.pop(0) if self.open else None

    def folder(self, caption: str, start: Path) -> Path | None:
        return self.folders.pop(0) if self.folders else None


def start(qtbot: Any, window: MainWindow) -> MainWindow:
    """Start the team and wait until it takes turns."""
    window.start_session()
    qtbot.waitUntil(
        lambda: window.bridge.state in (SessionState.READY, SessionState.FAILED),
        timeout=START_TIMEOUT_MS,
    )
    assert window.bridge.state is SessionState.READY, window.bridge.state_detail
    return window


def say(qtbot: Any, window: MainWindow, text: str, *, click: bool = False) -> None:
    """Type ``text`` in the box and press Enter (or click Send); wait until the team has
    answered."""
    qtbot.waitUntil(lambda: window.composer.send_button.isEnabled(), timeout=TURN_TIMEOUT_MS)
    qtbot.keyClicks(window.composer.input, text)
    with qtbot.waitSignal(
        window.feed.event_received,
        timeout=TURN_TIMEOUT_MS,
        check_params_cb=lambda event: isinstance(event, TurnCompletedEvent),
    ):
        if click:
            qtbot.mouseClick(window.composer.send_button, Qt.MouseButton.LeftButton)
        else:
            qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    assert window.composer.input.text() == ""


def events_of(window: MainWindow, kind: type) -> list[Event]:
    return [e for e in window.feed.events if isinstance(e, kind)]


class ServerThread:
    """A fake cloud server (a :class:`CerebrasServer` unless ``factory`` makes another) running on
    its own asyncio loop, so Qt's loop stays in charge."""

    def __init__(self, factory: Any = None, **server_options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fake-server", daemon=True
        )
        self._factory = factory or CerebrasServer
        self._options = server_options
        self.server: Any = None

    def __enter__(self) -> Any:
        self._thread.start()
        self.server = self._call(self._start())
        return self.server

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self._call(self.server.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> Any:
        server = self._factory(**self._options)
        await server.start()
        return server

    def _call(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(15)


def cerebras_settings(server: CerebrasServer, data_dir: Path, **overrides: Any) -> Settings:
    return Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE,
        data_dir=data_dir,
        cerebras_api_key="test",
        cerebras_base_url=server.base_url,
        **{"coach_speed": "instant", **overrides},
    )
