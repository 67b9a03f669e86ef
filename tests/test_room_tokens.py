"""Join tokens: minted with livekit-api (least grants, short life, random room, the sales team
dispatched with the session's metadata) or fetched from a token URL in LiveKit's endpoint format."""

from __future__ import annotations

import datetime

import pytest
from aiohttp import web
from livekit import api

from simulator.errors import ProviderError
from simulator.room.access import TokenEndpoint, TokenMinter, new_app_identity, token_source
from simulator.room.metadata import SessionMetadata
from simulator.settings import Settings

KEY, SECRET = "test-api-key", "test-api-secret-that-is-long-enough-for-hs256"
METADATA = SessionMetadata(
    app_identity="app-1234", mode="coach", persona="skeptical-cfo", knowledge="lumora"
)


def minter(**overrides) -> TokenMinter:
    options = {
        "url": "ws://127.0.0.1:7880",
        "api_key": KEY,
        "api_secret": SECRET,
        "agent_name": "sales-team",
    }
    return TokenMinter(**(options | overrides))


def claims_of(token: str) -> api.Claims:
    return api.TokenVerifier(KEY, SECRET).verify(token)


def test_a_minted_token_admits_one_participant_to_one_room_with_least_grants() -> None:
    access = minter().mint(METADATA)
    claims = claims_of(access.token)
    video = claims.video
    assert claims.identity == "app-1234" == access.identity
    assert video.room_join is True and video.room == access.room
    assert video.can_publish_sources == ["microphone"]
    assert video.can_subscribe is True and video.can_publish_data is True
    assert (
        not video.room_create
        and not video.room_admin
        and not video.room_list
        and not video.room_record
    )
    assert not video.can_update_own_metadata and not video.agent and not video.hidden


def test_a_minted_token_lives_ten_minutes_by_default() -> None:
    import jwt

    raw = jwt.decode(minter().mint(METADATA).token, SECRET, algorithms=["HS256"], issuer=KEY)
    assert raw["exp"] - raw["nbf"] == 600
    short = minter(ttl=datetime.timedelta(minutes=2)).mint(METADATA).token
    raw = jwt.decode(short, SECRET, algorithms=["HS256"], issuer=KEY)
    assert raw["exp"] - raw["nbf"] == 120


def test_a_minted_token_dispatches_the_sales_team_with_the_sessions_metadata() -> None:
    claims = claims_of(minter().mint(METADATA).token)
    dispatches = list(claims.room_config.agents)
    assert [d.agent_name for d in dispatches] == ["sales-team"]
    assert SessionMetadata.from_json(dispatches[0].metadata) == METADATA


def test_every_conversation_gets_a_new_random_room_unless_one_is_named() -> None:
    rooms = {minter().mint(METADATA).room for _ in range(20)}
    assert len(rooms) == 20 and all(r.startswith("sales-sim-") for r in rooms)
    assert minter().mint(METADATA, room="sales-sim-again").room == "sales-sim-again"
    assert new_app_identity() != new_app_identity()


def test_minting_without_the_secret_is_refused_with_a_reason() -> None:
    with pytest.raises(ProviderError, match="LIVEKIT_API_SECRET"):
        minter(api_secret="")


def test_a_token_url_in_the_settings_wins_over_local_minting() -> None:
    settings = Settings(
        livekit_url="wss://example.livekit.cloud", livekit_token_url="https://tokens.example/t"
    )
    assert isinstance(token_source(settings), TokenEndpoint)
    settings = Settings(
        livekit_url="ws://127.0.0.1:7880", livekit_api_key=KEY, livekit_api_secret=SECRET
    )
    assert isinstance(token_source(settings), TokenMinter)


class TokenServer:
    """A company's token endpoint in LiveKit's standard format, on 127.0.0.1 (it holds the
    secret)."""

    def __init__(self, *, status: int = 201, body: dict | None = None) -> None:
        self.status, self.body = status, body
        self.requests: list[dict] = []

    async def __aenter__(self) -> TokenServer:
        app = web.Application()
        app.router.add_post("/token", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/token"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()

    async def handle(self, request: web.Request) -> web.Response:
        from google.protobuf.json_format import ParseDict

        body = await request.json()
        self.requests.append(body)
        if self.status >= 400 or self.body is not None:
            return web.json_response(self.body or {"error": "no"}, status=self.status)
        config = ParseDict(body["room_config"], api.RoomConfiguration())
        token = (
            api.AccessToken(KEY, SECRET)
            .with_identity(body["participant_identity"])
            .with_grants(api.VideoGrants(room_join=True, room=body["room_name"]))
            .with_room_config(config)
            .to_jwt()
        )
        return web.json_response(
            {"server_url": "wss://sim.example", "participant_token": token}, status=201
        )


async def test_a_token_fetched_from_the_token_url_carries_the_dispatch() -> None:
    async with TokenServer() as server:
        access = await TokenEndpoint(server.url, agent_name="sales-team").access(METADATA)
    request = server.requests[0]
    assert request["participant_identity"] == "app-1234" and request["room_name"] == access.room
    assert request["room_config"]["agents"][0]["agent_name"] == "sales-team"
    assert access.url == "wss://sim.example"
    dispatch = claims_of(access.token).room_config.agents[0]
    assert SessionMetadata.from_json(dispatch.metadata).persona == "skeptical-cfo"


async def test_a_refusing_or_malformed_token_url_is_a_readable_error() -> None:
    async with TokenServer(status=403) as server:
        with pytest.raises(ProviderError, match="refused: HTTP 403"):
            await TokenEndpoint(server.url, agent_name="sales-team").access(METADATA)
    async with TokenServer(status=201, body={"token": "x"}) as server:
        with pytest.raises(ProviderError, match="server_url and participant_token"):
            await TokenEndpoint(server.url, agent_name="sales-team").access(METADATA)
