"""A ticket into a room: the server URL and a join token, minted here or fetched from a token URL.

Two sources, one shape (:class:`RoomAccess`):

- :class:`TokenMinter` signs a token with ``livekit-api`` from ``LIVEKIT_API_KEY``/``SECRET``
  (a developer machine, a booth): least grants (join this one room, publish the microphone only,
  subscribe, publish data for RPC), a short lifetime (the token only admits; a connected
  participant stays), a random room name, and the sales team dispatched explicitly by agent name
  with the session's :class:`~simulator.room.metadata.SessionMetadata` as dispatch metadata.
- :class:`TokenEndpoint` asks a token URL instead, in LiveKit's standard endpoint format
  (``POST {room_name, participant_identity, participant_name, room_config}`` answered by
  ``{server_url, participant_token}``), so a shipped app need not hold the secret.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from simulator.errors import ProviderError
from simulator.room.metadata import SessionMetadata

if TYPE_CHECKING:
    from livekit import api

    from simulator.settings import Settings

DEFAULT_TTL = datetime.timedelta(minutes=10)
ROOM_PREFIX = "sales-sim-"
APP_IDENTITY_PREFIX = "app-"


@dataclass(frozen=True)
class RoomAccess:
    url: str
    token: str = field(repr=False)
    room: str
    identity: str


class TokenSource(Protocol):
    async def access(self, metadata: SessionMetadata, *, room: str | None = None) -> RoomAccess:
        """A ticket for ``metadata.app_identity`` into ``room`` (a new random room when None)."""
        ...


def random_room_name() -> str:
    return ROOM_PREFIX + secrets.token_hex(6)


def new_app_identity() -> str:
    return APP_IDENTITY_PREFIX + secrets.token_hex(4)


def room_configuration(agent_name: str, metadata: SessionMetadata) -> api.RoomConfiguration:
    """The room config that dispatches the sales team, by name, with the session's metadata."""
    from livekit import api

    return api.RoomConfiguration(
        agents=[api.RoomAgentDispatch(agent_name=agent_name, metadata=metadata.to_json())]
    )


class TokenMinter:
    """Mints join tokens locally (see the module doc for the grants)."""

    def __init__(
        self,
        *,
        url: str,
        api_key: str,
        api_secret: str,
        agent_name: str,
        ttl: datetime.timedelta = DEFAULT_TTL,
    ) -> None:
        if not api_key or not api_secret:
            raise ProviderError(
                "minting a LiveKit token needs LIVEKIT_API_KEY and LIVEKIT_API_SECRET"
            )
        self.url = url
        self.agent_name = agent_name
        self.ttl = ttl
        self._api_key = api_key
        self._api_secret = api_secret

    def mint(
        self, metadata: SessionMetadata, *, room: str | None = None, name: str = "Trainee"
    ) -> RoomAccess:
        from livekit import api

        room = room or random_room_name()
        grants = api.VideoGrants(
            room_join=True,
            room=room,
            can_publish=True,
            can_publish_sources=["microphone"],
            can_subscribe=True,
            can_publish_data=True,
            can_update_own_metadata=False,
        )
        token = (
            api.AccessToken(self._api_key, self._api_secret)
            .with_identity(metadata.app_identity)
            .with_name(name)
            .with_kind("standard")
            .with_grants(grants)
            .with_ttl(self.ttl)
            .with_room_config(room_configuration(self.agent_name, metadata))
            .to_jwt()
        )
        return RoomAccess(url=self.url, token=token, room=room, identity=metadata.app_identity)

    async def access(self, metadata: SessionMetadata, *, room: str | None = None) -> RoomAccess:
        return self.mint(metadata, room=room)


class TokenEndpoint:
    """Fetches join tokens from a token URL (LiveKit's standard endpoint format)."""

    def __init__(
        self,
        token_url: str,
        *,
        agent_name: str,
        fallback_url: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.token_url = token_url
        self.agent_name = agent_name
        self.fallback_url = fallback_url
        self.timeout_s = timeout_s

    def request_body(self, metadata: SessionMetadata, room: str) -> dict[str, object]:
        from google.protobuf.json_format import MessageToDict

        return {
            "room_name": room,
            "participant_identity": metadata.app_identity,
            "participant_name": "Trainee",
            "room_config": MessageToDict(
                room_configuration(self.agent_name, metadata), preserving_proto_field_name=True
            ),
        }

    async def access(self, metadata: SessionMetadata, *, room: str | None = None) -> RoomAccess:
        import aiohttp

        room = room or random_room_name()
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s)) as http,
                http.post(self.token_url, json=self.request_body(metadata, room)) as response,
            ):
                if response.status >= 400:
                    detail = (await response.text())[:200]
                    raise ProviderError(
                        f"The token URL {self.token_url} refused: HTTP {response.status} {detail}"
                    )
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as e:
            raise ProviderError(
                f"Cannot get a token from {self.token_url}: {e or type(e).__name__}"
            ) from None
        token = body.get("participant_token") if isinstance(body, dict) else None
        url = (body.get("server_url") if isinstance(body, dict) else None) or self.fallback_url
        if not token or not url:
            raise ProviderError(
                f"The token URL {self.token_url} did not "
                f"answer with server_url and participant_token"
            )
        return RoomAccess(url=url, token=token, room=room, identity=metadata.app_identity)


def token_source(settings: Settings) -> TokenSource:
    """The token URL when one is configured, else local minting (which needs the secret)."""
    from simulator.room.config import livekit_config

    if settings.livekit_token_url:
        return TokenEndpoint(
            settings.livekit_token_url,
            agent_name=settings.livekit_agent_name,
            fallback_url=settings.livekit_url,
        )
    config = livekit_config(settings)
    return TokenMinter(
        url=config.url,
        api_key=config.api_key,
        api_secret=config.api_secret,
        agent_name=settings.livekit_agent_name,
    )
