"""Speech-like audio that carries its own transcript, for the fake Cartesia server and fake devices.

A voice pipeline test needs audio that (a) silero VAD takes for speech and (b) a fake speech
recogniser can transcribe exactly. :func:`synthesize` makes a vowel-like voice (additive harmonics
of a ~125 Hz glottal tone shaped by formants, in syllables of 200 ms: silero scores it > 0.9) and
writes the text, framed and checksummed, into the least significant bit of every sample, over
and over. The voice is untouched to the ear (one bit in sixteen) and :func:`decode` reads the
text back from any stretch of the stream, however it was chunked, as long as the samples were not
resampled or mixed. Silence (:func:`silence`) is all zeros and decodes to nothing.

Frame: ``MAGIC`` (4 bytes), length (2 bytes, big-endian), UTF-8 text, checksum (2 bytes: sum of
the text's bytes mod 65536). Bits are written most significant first.
"""

from __future__ import annotations

import numpy as np

MAGIC = b"\xa5\x5aSP"
SECONDS_PER_CHAR = 0.065
"""About 15 characters a second: the pace of conversational speech."""
MIN_SECONDS = 0.6

_VOWELS = (
    (730, 1090, 2440),
    (270, 2290, 3010),
    (530, 1840, 2480),
    (570, 840, 2410),
    (300, 870, 2240),
)
_BANDWIDTHS = (90.0, 110.0, 160.0)
_MAGIC_BITS = np.unpackbits(np.frombuffer(MAGIC, dtype=np.uint8))


def speech_seconds(text: str) -> float:
    """How long :func:`synthesize` speaks ``text``."""
    return max(MIN_SECONDS, len(text) * SECONDS_PER_CHAR)


def synthesize(
    text: str, sample_rate: int, *, f0: float = 125.0, amplitude: float = 0.5
) -> np.ndarray:
    """Mono int16 speech-like audio of ``speech_seconds(text)`` carrying ``text`` in its LSBs."""
    n = int(sample_rate * speech_seconds(text))
    voice = _voice(n, sample_rate, f0, amplitude)
    return _embed(voice, _frame(text))


def silence(seconds: float, sample_rate: int) -> np.ndarray:
    return np.zeros(int(sample_rate * seconds), dtype=np.int16)


def decode(samples: np.ndarray | bytes) -> str | None:
    """The first whole, valid text frame in ``samples`` (int16 array or PCM bytes), or None."""
    if isinstance(samples, (bytes, bytearray, memoryview)):
        samples = np.frombuffer(samples, dtype=np.int16)
    bits = (samples.astype(np.int16) & 1).astype(np.uint8)
    if len(bits) < len(_MAGIC_BITS) + 32:
        return None
    windows = np.lib.stride_tricks.sliding_window_view(bits, len(_MAGIC_BITS))
    for start in np.flatnonzero((windows == _MAGIC_BITS).all(axis=1)):
        text = _read_frame(bits, int(start) + len(_MAGIC_BITS))
        if text is not None:
            return text
    return None


def decode_all(samples: np.ndarray | bytes) -> list[str]:
    """Every distinct text in ``samples``, in order of first appearance (one per synthesized
    piece)."""
    if isinstance(samples, (bytes, bytearray, memoryview)):
        samples = np.frombuffer(samples, dtype=np.int16)
    bits = (samples.astype(np.int16) & 1).astype(np.uint8)
    if len(bits) < len(_MAGIC_BITS) + 32:
        return []
    windows = np.lib.stride_tricks.sliding_window_view(bits, len(_MAGIC_BITS))
    texts: list[str] = []
    for start in np.flatnonzero((windows == _MAGIC_BITS).all(axis=1)):
        text = _read_frame(bits, int(start) + len(_MAGIC_BITS))
        if text is not None and (not texts or texts[-1] != text):
            texts.append(text)
    return texts


def rms(samples: np.ndarray) -> float:
    if len(samples) == 0:
        return 0.0
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def _frame(text: str) -> np.ndarray:
    payload = text.encode("utf-8")
    if len(payload) > 0xFFFF:
        raise ValueError("text too long to mark")
    checksum = sum(payload) % 65536
    raw = MAGIC + len(payload).to_bytes(2, "big") + payload + checksum.to_bytes(2, "big")
    return np.unpackbits(np.frombuffer(raw, dtype=np.uint8))


def _embed(voice: np.ndarray, frame_bits: np.ndarray) -> np.ndarray:
    reps = -(-len(voice) // len(frame_bits))
    bits = np.tile(frame_bits, reps)[: len(voice)].astype(np.int16)
    return (voice & ~np.int16(1)) | bits


def _read_frame(bits: np.ndarray, at: int) -> str | None:
    if at + 16 > len(bits):
        return None
    length = int.from_bytes(np.packbits(bits[at : at + 16]).tobytes(), "big")
    end = at + 16 + 8 * length + 16
    if end > len(bits):
        return None
    payload = np.packbits(bits[at + 16 : at + 16 + 8 * length]).tobytes()
    checksum = int.from_bytes(np.packbits(bits[end - 16 : end]).tobytes(), "big")
    if sum(payload) % 65536 != checksum:
        return None
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _voice(
    n: int, sample_rate: int, f0: float, amplitude: float, syllable_s: float = 0.2
) -> np.ndarray:
    t = np.arange(n) / sample_rate
    duration = max(t[-1], 1e-3) if n else 1e-3
    pitch = f0 * (1 + 0.06 * np.sin(2 * np.pi * 2.5 * t) - 0.1 * t / duration)
    phase = 2 * np.pi * np.cumsum(pitch) / sample_rate
    syllable = (t // syllable_s).astype(int) % len(_VOWELS)
    envelope = np.sin(np.pi * ((t % syllable_s) / syllable_s)) ** 0.6
    out = np.zeros(n)
    top = min(3800.0, sample_rate / 2 - 200)
    for k in range(1, int(top / f0)):
        harmonic = k * f0
        gains = np.array(
            [
                sum(
                    1 / (1 + ((harmonic - f) / bw) ** 2)
                    for f, bw in zip(formants, _BANDWIDTHS, strict=False)
                )
                / k**0.5
                for formants in _VOWELS
            ]
        )
        out += gains[syllable] * np.sin(k * phase)
    out *= envelope
    peak = np.max(np.abs(out)) if n else 1.0
    return (out / (peak or 1.0) * amplitude * 32767).astype(np.int16)
