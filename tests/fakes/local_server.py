"""What every fake cloud API shares: an aiohttp app on 127.0.0.1, started and stopped by the test.

A subclass adds its routes and its wire protocol; this base owns the life cycle (``async with``,
a free port, a ``stop`` that ends every held response at once through :attr:`_closing`) and the
one way tests wait for the server to have seen something (:meth:`wait_until`, woken by
:meth:`_notify`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Callable
from typing import Self

from aiohttp import web


class LocalServer:
    def __init__(self, *, port: int = 0) -> None:
        """``port`` 0 picks a free port; read the real one from :attr:`port`."""
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._changed = asyncio.Condition()

    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError(f"{type(self).__name__} is already running")
        app = web.Application()
        self.add_routes(app)
        self._closing.clear()
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self._requested_port).start()
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop serving; held responses and modelled delays end at once."""
        self._closing.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not running; use `async with`")
        return self._port

    @property
    def base_url(self) -> str:
        """The server's root; the SDKs and plugins append their own paths (``/v1``, ``ws://``)."""
        return f"http://127.0.0.1:{self.port}"

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` holds; re-checked whenever the server records something."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(predicate)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _pause(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the server stops meanwhile."""
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)


def sha256(secret: str) -> str:
    """How the fakes keep a key: only its hash, so nothing printed can leak it."""
    return hashlib.sha256(secret.encode()).hexdigest()
