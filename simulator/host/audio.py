"""A session's microphone and speakers: found once, gated by push-to-talk, never a crash.

:func:`open_audio` asks the audio layer for this computer's devices (or whatever the caller
injects: the tests' simulated devices), honouring ``--voice off``, and always returns: a machine
without a sound card gets ``None`` devices and a sentence saying so, and the customer types.

:class:`GatedMicrophone` wraps a microphone for push-to-talk: the hardware keeps running (so the
voice-activity detector sees the real timing), but until the button is held (or open mic is on)
every frame is replaced by silence, so nothing the room hears in between becomes a turn;
:class:`GatedListening` is the session controller's push-to-talk over that gate.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.settings import Settings


@dataclass
class AudioDevices:
    microphone: Any = None
    """A :class:`simulator.voice.Microphone`, or ``None``."""
    speaker: Any = None
    """A :class:`simulator.voice.Speaker`, or ``None``."""
    notices: list[str] = field(default_factory=list)

    def close(self) -> None:
        closer = getattr(self.speaker, "close", None)
        if callable(closer):
            closer()


AudioFactory = Callable[[], AudioDevices]
"""Opens the devices (blocking: run it off the event loop)."""


def system_audio() -> AudioDevices:
    """This computer's default input and output (sounddevice); notices for what is missing."""
    from simulator.voice.devices import open_devices

    devices = open_devices()
    return AudioDevices(devices.microphone, devices.speaker, list(devices.notices))


def open_audio(settings: Settings, factory: AudioFactory | None = None) -> AudioDevices:
    """The devices a session may use; with ``voice_mode`` ``off`` none are opened."""
    if settings.voice_mode == "off":
        return AudioDevices(notices=["Voice is off (--voice off): type your lines."])
    try:
        return (factory or system_audio)()
    except Exception as e:
        return AudioDevices(
            notices=[f"The audio devices could not be opened ({e}): type your lines."]
        )


class GatedMicrophone:
    """A microphone heard only while :attr:`open` (push-to-talk) or :attr:`open_mic` is set."""

    def __init__(self, microphone: Any) -> None:
        self.microphone = microphone
        self.held = False
        self.open_mic = False

    @property
    def open(self) -> bool:
        return self.held or self.open_mic

    async def frames(self) -> AsyncIterator[Any]:
        from livekit import rtc

        async for frame in self.microphone.frames():
            if self.open:
                yield frame
            else:
                samples = frame.samples_per_channel
                yield rtc.AudioFrame(
                    bytes(samples * frame.num_channels * 2),
                    frame.sample_rate,
                    frame.num_channels,
                    samples,
                )


class GatedListening:
    """Push-to-talk and open mic on this computer: the gate of the session's microphone."""

    def __init__(self, gate: GatedMicrophone, interrupt: Callable[[], None]) -> None:
        self.gate = gate
        self._interrupt = interrupt

    async def talk(self, pressed: bool) -> str:
        if pressed and not self.gate.open:
            self._interrupt()  # the customer speaks over the agent
        self.gate.held = pressed
        return "listening" if pressed else "turn ended"

    async def open_mic(self, on: bool) -> str:
        self.gate.open_mic = on
        return "open mic on" if on else "open mic off"
