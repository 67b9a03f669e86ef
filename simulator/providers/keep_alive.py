"""Streamed completions that give their connection back to the pool.

An OpenAI-style SDK (``cerebras-cloud-sdk`` 1.91 included) stops reading a stream at
``data: [DONE]`` and closes the response at once, before the body's last bytes (HTTP/1.1's
closing chunk) have been read. httpx then cannot reuse the connection and closes it, so every
request of a conversation opens a new one: a TCP and TLS handshake per request against the cloud,
and, measured on this project's 2-core machine, up to 90 ms inside a loopback ``connect()`` when
the event loop is busy (anyio resolves the address in a worker thread).

:func:`keep_alive` is an httpx response hook: a server-sent-event stream's close first reads the
rest of the body when the ``[DONE]`` event has been received (the closing chunk is then already
on its way), within :data:`DRAIN_S`; then the connection goes back to the pool. A stream closed
before its end (an interrupted reply) is closed at once, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx

DRAIN_S = 0.1
"""How long a close waits for the rest of a finished stream's body before dropping the
connection."""
_DONE = b"[DONE]"


async def keep_alive(response: httpx.Response) -> None:
    """httpx ``response`` event hook: let a finished event stream's connection be reused."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        response.stream = DrainAfterDone(response.stream)


class DrainAfterDone(httpx.AsyncByteStream):
    """A response body that, closed after its ``[DONE]`` event, reads what is left first."""

    def __init__(self, stream: httpx.AsyncByteStream | httpx.SyncByteStream) -> None:
        if not isinstance(stream, httpx.AsyncByteStream):
            raise TypeError("keep_alive is for async clients")
        self._stream = stream
        self._chunks = aiter(stream)
        self._tail = b""
        self._exhausted = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # The underlying iterator outlives this generator: closing it early (as the SDK does at
        # [DONE]) leaves the body unread, for aclose() to finish.
        while True:
            try:
                chunk = await anext(self._chunks)
            except StopAsyncIteration:
                self._exhausted = True
                return
            if chunk:
                self._tail = (self._tail + chunk)[-32:]
            yield chunk

    async def aclose(self) -> None:
        if not self._exhausted and self._tail.rstrip().endswith(_DONE):
            with contextlib.suppress(Exception):
                async with asyncio.timeout(DRAIN_S):
                    async for _ in self._chunks:
                        pass
        await self._stream.aclose()
