"""A simulated customer at a microphone and a recording speaker: the audio hardware, faked.

They implement :class:`simulator.voice.Microphone` and :class:`simulator.voice.Speaker`, the same
protocols the sounddevice devices implement. The microphone keeps real time, as hardware does: it
yields a 20 ms frame every 20 ms (silence unless the customer is speaking), so voice activity
detection and endpointing see what they would see live. The speaker records what it is given and
reports it played at once.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator

import numpy as np
from livekit import rtc

from tests.fakes import marked_speech

FRAME_S = 0.02


class SimulatedMicrophone:
    """A customer speaking into a microphone; :meth:`say` queues speech made by
    :func:`marked_speech.synthesize` (so a fake recogniser can read the words back)."""

    def __init__(self, sample_rate: int = 16000) -> None:
        self.sample_rate = sample_rate
        self._pending: deque[np.ndarray] = deque()
        self._spoken = asyncio.Event()

    def say(self, text: str) -> None:
        self._spoken.clear()
        self._pending.append(marked_speech.synthesize(text, self.sample_rate))

    def play(self, samples: np.ndarray) -> None:
        """Queue real recorded or synthesised speech (int16 at this microphone's rate)."""
        self._spoken.clear()
        self._pending.append(samples.astype(np.int16))

    async def finished_speaking(self) -> None:
        """Wait until everything queued by :meth:`say` has gone through the microphone."""
        await self._spoken.wait()

    async def frames(self) -> AsyncIterator[rtc.AudioFrame]:
        loop = asyncio.get_running_loop()
        step = int(self.sample_rate * FRAME_S)
        buffer = np.zeros(0, dtype=np.int16)
        deadline = loop.time()
        while True:
            if len(buffer) < step and self._pending:
                buffer = np.concatenate([buffer, self._pending.popleft()])
            if len(buffer) >= step:
                chunk, buffer = buffer[:step], buffer[step:]
            else:
                chunk = np.concatenate([buffer, np.zeros(step - len(buffer), dtype=np.int16)])
                buffer = np.zeros(0, dtype=np.int16)
                if not self._pending:
                    self._spoken.set()
            deadline += FRAME_S
            # the hardware clock: one frame per 20 ms of real time
            await asyncio.sleep(max(0.0, deadline - loop.time()))
            yield rtc.AudioFrame(chunk.tobytes(), self.sample_rate, 1, step)


class RecordingSpeaker:
    """Keeps every frame it is asked to play, per reply, and plays instantly."""

    def __init__(self) -> None:
        self.frames: list[rtc.AudioFrame] = []
        self.cleared = 0

    @property
    def sample_rate(self) -> int | None:
        return None

    def write(self, frame: rtc.AudioFrame) -> None:
        self.frames.append(frame)

    def clear(self) -> None:
        self.cleared += 1

    async def drained(self) -> None:
        return None

    def heard(self) -> list[str]:
        """The texts the agents spoke, read back from the audio, in order."""
        pcm = b"".join(bytes(f.data) for f in self.frames)
        return marked_speech.decode_all(pcm)

    @property
    def seconds(self) -> float:
        return sum(f.duration for f in self.frames)
