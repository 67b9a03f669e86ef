"""A session's events with the time each reached its reader, and the simulated audio devices with
the time each frame passed through them: the simulator's side of every benchmark timeline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import numpy as np
from livekit import rtc

from simulator.events import Event, TurnCompletedEvent
from simulator.session import SessionRunner
from tests.fakes.audio_devices import RecordingSpeaker, SimulatedMicrophone

E = TypeVar("E")


class EventClock:
    """Reads ``runner.events()`` as the app and the terminal do, stamping each event on arrival."""

    def __init__(self, runner: SessionRunner) -> None:
        self.events: list[tuple[float, Event]] = []
        self._emitted: dict[int, float] = {}
        self._changed = asyncio.Condition()
        # also when each event was emitted (observers run inside the emit), for stage timings
        runner.add_observer(lambda event: self._emitted.__setitem__(id(event), time.perf_counter()))
        self._task = asyncio.create_task(self._read(runner), name="bench-event-clock")

    def emitted_at(self, event: Event) -> float:
        """When ``event`` was emitted (the reader's stamp is a little later)."""
        return self._emitted[id(event)]

    async def _read(self, runner: SessionRunner) -> None:
        async for event in runner.events():
            stamp = time.perf_counter()
            async with self._changed:
                self.events.append((stamp, event))
                self._changed.notify_all()

    async def until(
        self, predicate: Callable[[list[tuple[float, Event]]], bool], timeout: float = 60.0
    ) -> None:
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self.events))

    async def turn_completed(self, turn_id: int, timeout: float = 60.0) -> None:
        await self.until(
            lambda events: any(
                isinstance(e, TurnCompletedEvent) and e.turn_id == turn_id for _, e in events
            ),
            timeout,
        )

    def of(self, kind: type[E], turn_id: int | None = None) -> list[tuple[float, E]]:
        """The events of ``kind`` (of turn ``turn_id``, if given), each with when it was emitted."""
        return [
            (t, e)
            for t, e in self.events
            if isinstance(e, kind) and (turn_id is None or getattr(e, "turn_id", None) == turn_id)
        ]

    async def aclose(self) -> None:
        await asyncio.wait_for(self._task, 30)


class StampedMicrophone(SimulatedMicrophone):
    """The simulated customer; remembers when the last frame carrying speech left the microphone
    (the moment the customer stopped talking, as the hardware clock sees it)."""

    def __init__(self) -> None:
        super().__init__()
        self.voiced_until: float = 0.0

    async def frames(self) -> AsyncIterator[rtc.AudioFrame]:
        async for frame in super().frames():
            if np.frombuffer(bytes(frame.data), dtype=np.int16).any():
                self.voiced_until = time.perf_counter()
            yield frame


class StampedSpeaker(RecordingSpeaker):
    """The recording speaker; remembers when each frame arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[float] = []

    def write(self, frame: rtc.AudioFrame) -> None:
        self.arrivals.append(time.perf_counter())
        super().write(frame)

    def first_after(self, moment: float) -> float | None:
        return next((t for t in self.arrivals if t > moment), None)
