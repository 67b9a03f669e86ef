"""An async resource used as ``async with``: :meth:`start` on the way in, :meth:`aclose` out.

The session runner, Coach mode, the session controller and the local worker are each started and
closed this way; the protocol is written here once.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self


class AsyncResource:
    """Subclasses implement :meth:`start` and :meth:`aclose`."""

    async def start(self) -> None:
        raise NotImplementedError

    async def aclose(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
