"""Coach mode's pace: how long a person takes to read a reply and type the next line.

A rehearsal that is over in a quarter of a second cannot be paused, stepped or taken over. So
an offline reply streams at reading speed (about 4.5 words a second, :meth:`Pace.read`), and
before each customer line the persona reads what it has not read yet (at most 6 s) and types
(1.5-3 s), divided by the speed (0.5x to 4x; ``instant`` does not wait).
:meth:`Pace.wait` waits that long, but a pause, a take-over, an end or a speed change cuts it
short at once (:meth:`Pace.interrupt`), without sleeping past it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from simulator.errors import SessionError
from simulator.events import COACH_SPEEDS, CoachSpeed, CustomerTypingEvent, Event

READING_WORDS_PER_S = 4.5
"""How fast a person reads (200-300 words a minute)."""
READING_MAX_S = 6.0
TYPING_S = (1.5, 3.0)
"""The shortest and longest time a line takes to type, at 1x."""


def check_speed(speed: str) -> CoachSpeed:
    """``speed`` if Coach mode knows it; else an error naming the choices and the setting."""
    if speed not in COACH_SPEEDS:
        raise SessionError(
            f"unknown Coach speed {speed!r} (setting coach_speed / SIMULATOR_COACH_SPEED); "
            f"choose one of {', '.join(COACH_SPEEDS)}"
        )
    return speed  # type: ignore[return-value]


class Pace:
    """A speed, and the interruptible wait before each customer line."""

    def __init__(self, speed: str = "1x") -> None:
        self.speed: CoachSpeed = check_speed(speed)
        self.waiting = False
        """A wait is in progress: the persona is reading or typing."""
        self._interrupt = asyncio.Event()
        self.read_s = 0.0
        """Seconds (at 1x) spent reading replies as they streamed, since the last line typed."""

    @property
    def instant(self) -> bool:
        return COACH_SPEEDS[self.speed] is None

    def set(self, speed: str) -> None:
        """A new speed; a wait in progress goes on at it."""
        self.speed = check_speed(speed)
        self._interrupt.set()

    def interrupt(self) -> None:
        """Wake a wait in progress, so it checks whether it should go on."""
        self._interrupt.set()

    @staticmethod
    def needed(reply: str, line_number: int, read_s: float = 0.0) -> float:
        """Seconds at 1x before a customer's line number ``line_number``: reading ``reply``
        (less ``read_s`` already read while it streamed), then typing (the typing time varies
        from line to line, the same in every run)."""
        reading = max(0.0, min(READING_MAX_S, len(reply.split()) / READING_WORDS_PER_S) - read_s)
        low, high = TYPING_S
        return reading + low + (high - low) * ((line_number * 7 + 3) % 10) / 9

    def expected_ms(self, needed: float) -> float:
        factor = COACH_SPEEDS[self.speed]
        return 0.0 if factor is None else round(needed / factor * 1000)

    async def wait(self, needed: float, keep_going: Callable[[], bool]) -> bool:
        """Wait ``needed`` seconds at 1x (scaled by the speed, which may change meanwhile);
        ``False`` as soon as ``keep_going()`` is false after an interruption."""
        loop = asyncio.get_running_loop()
        done = 0.0
        self._interrupt.clear()
        while keep_going():
            factor = COACH_SPEEDS[self.speed]
            if factor is None or done >= needed:
                return True
            started = loop.time()
            try:
                await asyncio.wait_for(self._interrupt.wait(), (needed - done) / factor)
            except TimeoutError:
                pass
            self._interrupt.clear()
            done += (loop.time() - started) * factor
        return False

    def reader(self, keep_going: Callable[[], bool]) -> Callable[[str], Awaitable[None]]:
        """What holds each streamed piece of a reply as long as a person takes to read it
        (nothing at ``instant``; no more once ``keep_going()`` turns false)."""

        async def read(piece: str) -> None:
            if not self.instant:
                needed = len(piece.split()) / READING_WORDS_PER_S
                self.read_s += needed
                await self.wait(needed, keep_going)

        return read

    async def before_line(
        self,
        publish: Callable[[Event], None],
        typing: CustomerTypingEvent,
        reply: str,
        line_number: int,
        keep_going: Callable[[], bool],
    ) -> bool:
        """Read ``reply`` and type line ``line_number``, shown as ``typing`` events around the
        wait; ``False`` if interrupted first (nothing was said)."""
        if self.instant:
            return True
        needed, self.read_s = self.needed(reply, line_number, self.read_s), 0.0
        publish(typing.model_copy(update={"typing": True, "expected_ms": self.expected_ms(needed)}))
        self.waiting = True
        try:
            return await self.wait(needed, keep_going)
        finally:
            self.waiting = False
            done = {"typing": False, "expected_ms": 0.0, "created_at": time.time()}
            publish(typing.model_copy(update=done))  # stamped now, not when typing began
