"""The app in a LiveKit room: the bridge runs the session in the room when LiveKit is configured,
and
a room that cannot be joined (a wrong URL, nothing listening, a missing secret) is one readable
message in the window while the team runs on this computer instead.

No LiveKit server runs here: these tests go as far as the real SDK's connection attempts (the
server API call that checks the key, ``rtc.Room.connect``), against addresses where nothing
listens, and a token endpoint on 127.0.0.1 standing in for a company's token service.
"""

from __future__ import annotations

import socket
from typing import Any

from aiohttp import web

from simulator.app.bridge import SessionState
from simulator.host.transport import choose_transport
from simulator.settings import Settings
from tests.app.conftest import WindowFactory
from tests.app.gui import ServerThread, say, start


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_room_is_chosen_when_livekit_is_configured() -> None:
    assert choose_transport(Settings()).kind == "local"
    assert choose_transport(Settings(livekit_url="wss://demo.livekit.cloud")).kind == "room"
    token_url = choose_transport(Settings(livekit_token_url="https://tokens.example.com/token"))
    assert token_url.kind == "room" and "token URL" in token_url.reason


def fallback_shown(qtbot: Any, window: Any, *parts: str) -> None:
    start(qtbot, window)  # the team is ready: running on this computer
    assert window.bridge.capabilities.transport == "local"
    assert window.banner.level == "warning"
    text = window.banner.text
    assert text.startswith("Could not use the LiveKit room: ") and text.endswith(
        "The sales team runs on this computer instead."
    )
    for part in parts:
        assert part in text, text
    assert window.status.room_label.text() == "LiveKit unreachable · running locally"
    say(qtbot, window, "Do you have the gateway in stock?")  # and the app stays usable
    assert window.transcript.messages()[0] == ("customer", "Do you have the gateway in stock?")


def test_an_unreachable_livekit_server_falls_back_to_this_computer(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    url = f"ws://127.0.0.1:{closed_port()}"
    settings = offline_settings.replace(
        livekit_url=url, livekit_api_key="devkey", livekit_api_secret="secret"
    )
    window = make_window(settings)
    fallback_shown(qtbot, window, f"Cannot reach LiveKit at LIVEKIT_URL={url}")
    assert "secret" not in window.banner.text.replace("LIVEKIT_API_SECRET", "")


def test_a_malformed_url_or_a_missing_key_is_named(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = make_window(offline_settings.replace(livekit_url="livekit.example.com"))
    fallback_shown(
        qtbot, window, "LIVEKIT_URL must be a ws://, wss://, http:// or https:// address"
    )

    window = make_window(offline_settings.replace(livekit_url="ws://127.0.0.1:7880"))
    fallback_shown(qtbot, window, "LIVEKIT_API_KEY is not set")


class TokenService:
    """A company's token endpoint (LiveKit's standard format) that hands out a server URL."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.requests: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/token", self._token)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _token(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        return web.json_response(
            {"server_url": self.server_url, "participant_token": "header.payload.signature"}
        )


def test_a_room_that_cannot_be_joined_is_explained_and_the_session_runs_here(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    server_url = f"ws://127.0.0.1:{closed_port()}"
    with ServerThread(TokenService, server_url=server_url) as tokens:
        settings = offline_settings.replace(livekit_token_url=f"{tokens.base_url}/token")
        window = make_window(settings)
        fallback_shown(qtbot, window, f"Cannot join the LiveKit room at {server_url}")
        # the app asked for a token the standard way, dispatching the sales team with its metadata
        (request,) = tokens.requests
        assert request["participant_identity"].startswith("app-")
        dispatch = request["room_config"]["agents"][0]
        assert dispatch["agent_name"] == "sales-team"
        assert '"mode":"customer"' in dispatch["metadata"]
    assert window.bridge.state is SessionState.READY
