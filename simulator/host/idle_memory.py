"""Giving the memory a session freed back to the system while the session is idle.

glibc keeps what a program frees in its heaps for reuse, and a heap can only shrink from its top:
the encoders' large, short-lived buffers (the contextual fill and the offline responder's
warm-up encode thousands of texts in the background) left 130-310 MB of an idle app's RSS that
nothing used, which ``malloc_trim(0)`` handed back (measured a minute after a session's first
answer: 664 -> 528 MB and 1,050 -> 737 MB). A fixed mmap threshold returns such buffers at once
too, but made encoding 3.5x slower. So the session host trims when nothing has happened for a
few seconds: off the event loop, never during a turn. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import sys
import time
from collections.abc import Callable
from typing import Any

QUIET_S = 3.0
"""How long nothing must have happened before a trim."""
EVERY_S = 5.0
"""How often an idle session looks whether to trim (a trim with nothing to hand back costs
well under a millisecond)."""


@functools.cache
def _malloc_trim() -> Callable[[int], Any] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl has no malloc_trim)
        return None
    trim: Callable[[int], Any] | None = getattr(libc, "malloc_trim", None)
    return trim


def release_free_memory() -> bool:
    """Hand the memory this process freed back to the system; False where that is not possible
    (not glibc). Blocking (a large heap takes up to ~0.1 s): call it off the event loop."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


class IdleMemory:
    """Trims while the session is idle: :meth:`touch` on every event, :meth:`run` as a task."""

    def __init__(
        self,
        *,
        quiet_s: float = QUIET_S,
        every_s: float = EVERY_S,
        release: Callable[[], object] = release_free_memory,
    ) -> None:
        self.quiet_s = quiet_s
        self.every_s = every_s
        self._release = release
        self._last_activity = time.monotonic()

    def touch(self) -> None:
        """Something happened (an event of the session): the next trim waits for quiet."""
        self._last_activity = time.monotonic()

    async def run(self) -> None:
        """Until cancelled: every ``every_s``, trim if nothing happened for ``quiet_s``."""
        while True:
            await asyncio.sleep(self.every_s)
            if time.monotonic() - self._last_activity >= self.quiet_s:
                await asyncio.to_thread(self._release)
