"""Where the LiveKit server is and how to sign in, checked before a worker or client starts.

LiveKit's own worker only says "ws_url is required" and then retries a wrong URL or a rejected
key for minutes; :func:`livekit_config` names the missing or malformed variable at once, and
:func:`check_credentials` asks the server (one cheap RoomService call) whether it is reachable
and accepts the key, so a typo is one clear line, not a retry loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlparse

from simulator.errors import ProviderError
from simulator.settings import Settings, secret

_SCHEMES = ("ws", "wss", "http", "https")


class LiveKitConfigError(ProviderError):
    """LIVEKIT_URL, LIVEKIT_API_KEY or LIVEKIT_API_SECRET is missing, malformed or rejected."""


@dataclass(frozen=True)
class LiveKitConfig:
    url: str
    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)

    @property
    def http_url(self) -> str:
        """The server's HTTP(S) address, for the server API."""
        return self.url.replace("wss://", "https://", 1).replace("ws://", "http://", 1)


def livekit_config(settings: Settings, *, need_secret: bool = True) -> LiveKitConfig:
    """The LiveKit settings, validated; raises :class:`LiveKitConfigError` naming what is wrong."""
    url = (settings.livekit_url or "").strip()
    if not url:
        raise LiveKitConfigError(
            "LIVEKIT_URL is not set: set it to your LiveKit server, e.g. ws://127.0.0.1:7880 "
            "for `livekit-server --dev`, or wss://<project>.livekit.cloud"
        )
    parsed = urlparse(url)
    if parsed.scheme not in _SCHEMES or not parsed.netloc:
        raise LiveKitConfigError(
            f"LIVEKIT_URL must be a ws://, wss://, http:// "
            f"or https:// address with a host, got {url!r}"
        )
    key = (secret(settings.livekit_api_key) or "").strip()
    api_secret = (secret(settings.livekit_api_secret) or "").strip()
    if need_secret and not key:
        raise LiveKitConfigError(
            "LIVEKIT_API_KEY is not set (it is `devkey` for `livekit-server --dev`)"
        )
    if need_secret and not api_secret:
        raise LiveKitConfigError(
            "LIVEKIT_API_SECRET is not set (it is `secret` for `livekit-server --dev`)"
        )
    return LiveKitConfig(url=url, api_key=key, api_secret=api_secret)


async def check_credentials(config: LiveKitConfig, *, timeout_s: float = 5.0) -> None:
    """Ask the server whether it is there and accepts the key; raise a readable error if not."""
    import asyncio

    import aiohttp
    from livekit import api

    try:
        async with asyncio.timeout(timeout_s):
            async with api.LiveKitAPI(config.http_url, config.api_key, config.api_secret) as lk:
                await lk.room.list_rooms(api.ListRoomsRequest())
    except api.TwirpError as e:
        if e.status in (401, 403) or e.code in ("unauthenticated", "permission_denied"):
            raise LiveKitConfigError(
                f"LiveKit at {config.url} rejected LIVEKIT_API_KEY/LIVEKIT_API_SECRET ({e.message})"
            ) from None
        detail = e.message or f"HTTP {e.status}"
        raise LiveKitConfigError(
            f"LiveKit at {config.url} answered with an error: {detail}"
        ) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as e:
        raise LiveKitConfigError(
            f"Cannot reach LiveKit at LIVEKIT_URL={config.url}: {unreachable_reason(e)}"
        ) from None


def unreachable_reason(error: BaseException) -> str:
    """Why a server could not be reached, in plain words (never aiohttp's own text, which reads
    like ``Cannot connect to host 127.0.0.1:7880 ssl:default [Connect call failed ...]``)."""
    import socket
    import ssl

    import aiohttp

    if isinstance(error, (TimeoutError, aiohttp.ServerTimeoutError)):
        return "timed out"
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return "name not resolved"
    if isinstance(
        error,
        (aiohttp.ClientConnectorCertificateError, aiohttp.ClientConnectorSSLError, ssl.SSLError),
    ):
        return (
            "TLS handshake failed (is it ws:// rather than "
            "wss://, or is the certificate untrusted?)"
        )
    cause = error.os_error if isinstance(error, aiohttp.ClientConnectorError) else error
    if isinstance(cause, socket.gaierror):
        return "name not resolved"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, (ConnectionResetError, aiohttp.ServerDisconnectedError)):
        return "the connection was closed by the other side"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror[:1].lower() + cause.strerror[1:]  # e.g. "network is unreachable"
    return "connection failed"
