"""livekit's audio input and output over any microphone and speaker.

livekit-agents reads the customer's audio from an ``io.AudioInput`` and plays the agents' audio
into an ``io.AudioOutput``; in a room, RoomIO provides both. For a session on this computer,
:class:`MicrophoneInput` and :class:`SpeakerOutput` adapt two tiny protocols instead, so the
device part stays small and replaceable: :mod:`simulator.voice.devices` implements them with
sounddevice, the Qt app may implement them with Qt Multimedia, and tests with simulated devices.

:class:`SpeakerOutput` reports what livekit needs for its latency metrics: playback started
(when the first frame of a reply reaches the speaker) and finished (when the speaker has played
everything, or was cleared by an interruption).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from livekit import rtc
from livekit.agents.voice import io


@runtime_checkable
class Microphone(Protocol):
    """Anything that yields the customer's audio as 16-bit mono frames, at its own pace."""

    def frames(self) -> AsyncIterator[rtc.AudioFrame]: ...


@runtime_checkable
class Speaker(Protocol):
    """Anything that plays frames in order, at real-time speed."""

    @property
    def sample_rate(self) -> int | None:
        """The rate it wants (livekit resamples to it), or None for any rate."""
        ...

    def write(self, frame: rtc.AudioFrame) -> None:
        """Queue ``frame`` for playback; must not block."""
        ...

    def clear(self) -> None:
        """Drop everything queued and go quiet at once."""
        ...

    async def drained(self) -> None:
        """Return once everything written so far has been played."""
        ...


class MicrophoneInput(io.AudioInput):
    """The customer's microphone as livekit's audio input."""

    def __init__(self, microphone: Microphone) -> None:
        super().__init__(label="microphone")
        self._microphone = microphone
        self._frames: AsyncIterator[rtc.AudioFrame] | None = None

    async def __anext__(self) -> rtc.AudioFrame:
        if self._frames is None:
            self._frames = self._microphone.frames()
        return await self._frames.__anext__()


class SpeakerOutput(io.AudioOutput):
    """The agents' voices into a speaker, with the playback events livekit's metrics rely on."""

    def __init__(self, speaker: Speaker) -> None:
        super().__init__(
            label="speaker",
            capabilities=io.AudioOutputCapabilities(pause=False),
            sample_rate=speaker.sample_rate,
        )
        self._speaker = speaker
        self._capturing = False
        self._pushed_s = 0.0
        self._started_at = 0.0
        self._finishing: asyncio.Task[None] | None = None

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if not self._capturing:
            self._capturing = True
            self._pushed_s = 0.0
            self._started_at = time.time()
            self.on_playback_started(created_at=self._started_at)
        self._pushed_s += frame.duration
        self._speaker.write(frame)

    def flush(self) -> None:
        super().flush()
        if not self._capturing:
            return
        self._capturing = False
        self._finishing = asyncio.create_task(self._finish(self._pushed_s))

    def clear_buffer(self) -> None:
        self._speaker.clear()
        interrupted = self._capturing or (
            self._finishing is not None and not self._finishing.done()
        )
        if self._finishing is not None:
            self._finishing.cancel()
            self._finishing = None
        if interrupted:
            self._capturing = False
            played = min(self._pushed_s, max(0.0, time.time() - self._started_at))
            self.on_playback_finished(playback_position=played, interrupted=True)

    async def _finish(self, pushed_s: float) -> None:
        await self._speaker.drained()
        self._finishing = None
        self.on_playback_finished(playback_position=pushed_s, interrupted=False)

    async def aclose(self) -> None:
        if self._finishing is not None:
            self._finishing.cancel()
            await asyncio.gather(self._finishing, return_exceptions=True)
            self._finishing = None
