"""The offline voice (faster-whisper tiny.en from a PyPI package, and espeak-ng): not built yet.

It is planned behind an ``offline-voice`` extra, for a booth without internet. Until then
:func:`offline_voice_unavailable` says so, ``SIMULATOR_VOICE=auto`` without a Cartesia key falls
back to text, and ``SIMULATOR_VOICE=offline`` stops with that reason.
"""

from __future__ import annotations

from livekit.agents import vad as lk_vad

from simulator.errors import ProviderError
from simulator.settings import Settings
from simulator.voice.kit import VoiceKit

NOT_BUILT = "the offline voice (faster-whisper and espeak-ng) is not part of this version yet"


def offline_voice_unavailable() -> str | None:
    """Why the offline voice cannot run here, or None when it can."""
    return NOT_BUILT


async def offline_voice(settings: Settings, *, vad: lk_vad.VAD) -> VoiceKit:
    raise ProviderError(f"The offline voice cannot start: {NOT_BUILT}")
