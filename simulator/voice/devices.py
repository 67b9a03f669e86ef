"""This computer's microphone and speakers through sounddevice (PortAudio).

:func:`open_devices` never raises: with no PortAudio, no input device or no output device it
returns ``None`` for what is missing and a notice saying why, and the session falls back to
typed input (or silent replies) instead of crashing. The audio callbacks run on PortAudio's
thread; they hand frames to the event loop with ``call_soon_threadsafe`` and nothing else.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from livekit import rtc

MIC_SAMPLE_RATE = 16000
SPEAKER_SAMPLE_RATE = 24000
_FRAME_MS = 20


@dataclass
class LocalDevices:
    microphone: SoundDeviceMicrophone | None
    speaker: SoundDeviceSpeaker | None
    notices: list[str]


def open_devices() -> LocalDevices:
    """The default input and output devices, or None and a notice for each one missing."""
    notices: list[str] = []
    try:
        import sounddevice
    except (ImportError, OSError) as e:  # OSError: the PortAudio library itself is missing
        return LocalDevices(None, None, [f"No audio devices ({e}): type your lines instead."])
    microphone: SoundDeviceMicrophone | None = None
    speaker: SoundDeviceSpeaker | None = None
    if _has_device(sounddevice, "input"):
        microphone = SoundDeviceMicrophone()
    else:
        notices.append("No microphone found: type your lines instead.")
    if _has_device(sounddevice, "output"):
        speaker = SoundDeviceSpeaker()
    else:
        notices.append("No speakers found: the agents' replies are shown, not played.")
    return LocalDevices(microphone, speaker, notices)


def _has_device(sounddevice: Any, kind: str) -> bool:
    try:
        return bool(sounddevice.query_devices(kind=kind))
    except Exception:  # PortAudioError, ValueError: no default device of that kind
        return False


class SoundDeviceMicrophone:
    """The default input device, as 20 ms mono 16-bit frames."""

    def __init__(self, sample_rate: int = MIC_SAMPLE_RATE, device: int | str | None = None) -> None:
        self.sample_rate = sample_rate
        self.device = device

    async def frames(self) -> AsyncIterator[rtc.AudioFrame]:
        import sounddevice

        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=200)
        samples = self.sample_rate * _FRAME_MS // 1000

        def callback(indata: Any, _frames: int, _time: Any, _status: Any) -> None:
            data = bytes(indata)
            loop.call_soon_threadsafe(_put_latest, queue, data)

        stream = sounddevice.RawInputStream(
            samplerate=self.sample_rate,
            channels=1,
            dtype="int16",
            blocksize=samples,
            device=self.device,
            callback=callback,
        )
        stream.start()
        try:
            while True:
                data = await queue.get()
                yield rtc.AudioFrame(data, self.sample_rate, 1, len(data) // 2)
        finally:
            stream.stop()
            stream.close()


def _put_latest(queue: asyncio.Queue[bytes], data: bytes) -> None:
    if queue.full():  # the loop fell behind: drop the oldest audio rather than grow forever
        queue.get_nowait()
    queue.put_nowait(data)


class SoundDeviceSpeaker:
    """The default output device; frames are queued and pulled by PortAudio's callback."""

    def __init__(
        self, sample_rate: int = SPEAKER_SAMPLE_RATE, device: int | str | None = None
    ) -> None:
        self._sample_rate = sample_rate
        self.device = device
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._stream: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._drained = asyncio.Event()
        self._drained.set()

    @property
    def sample_rate(self) -> int:
        return self._sample_rate

    def write(self, frame: rtc.AudioFrame) -> None:
        self._ensure_stream()
        pcm = np.frombuffer(frame.data, dtype=np.int16)
        if frame.num_channels > 1:
            pcm = pcm.reshape(-1, frame.num_channels).mean(axis=1).astype(np.int16)
        with self._lock:
            self._buffer.extend(pcm.tobytes())
        self._drained.clear()

    def clear(self) -> None:
        with self._lock:
            self._buffer.clear()
        self._drained.set()

    async def drained(self) -> None:
        await self._drained.wait()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

    def _set_if_empty(self) -> None:
        with self._lock:
            empty = not self._buffer
        if empty:
            self._drained.set()

    def _ensure_stream(self) -> None:
        if self._stream is not None:
            return
        import sounddevice

        self._loop = asyncio.get_running_loop()

        def callback(outdata: Any, frames: int, _time: Any, _status: Any) -> None:
            wanted = frames * 2
            with self._lock:
                chunk = bytes(self._buffer[:wanted])
                del self._buffer[:wanted]
                empty = not self._buffer
            outdata[: len(chunk)] = chunk
            outdata[len(chunk) :] = b"\x00" * (wanted - len(chunk))
            if empty and self._loop is not None:
                self._loop.call_soon_threadsafe(self._set_if_empty)

        self._stream = sounddevice.RawOutputStream(
            samplerate=self._sample_rate,
            channels=1,
            dtype="int16",
            device=self.device,
            callback=callback,
        )
        self._stream.start()
