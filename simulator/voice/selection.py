"""Which voice a session gets: Cartesia with a key, the offline voice if installed, or none.

``SIMULATOR_VOICE`` (``Settings.voice_mode``) chooses: ``auto`` (the default) takes Cartesia when
``CARTESIA_API_KEY`` is set, else the offline voice when the ``offline-voice`` extra and espeak-ng
are installed, else text only; ``cartesia``/``offline`` insist (a clear error if impossible);
``off`` is text only. A local session also needs a microphone: without one the voice still
speaks the replies and the customer types, with a notice saying so.
"""

from __future__ import annotations

import asyncio

import aiohttp
from livekit.agents import vad as lk_vad

from simulator.errors import ProviderError
from simulator.settings import Settings
from simulator.voice.audio_io import Microphone, MicrophoneInput, Speaker, SpeakerOutput
from simulator.voice.kit import VoiceKit


async def load_vad() -> lk_vad.VAD:
    """silero VAD; its ONNX model ships in the plugin's wheel (loaded off the event loop)."""
    from livekit.plugins import silero

    return await asyncio.to_thread(silero.VAD.load)


async def build_voice(
    settings: Settings,
    *,
    microphone: Microphone | None = None,
    speaker: Speaker | None = None,
    notices: list[str] | None = None,
    room: bool = False,
    vad: lk_vad.VAD | None = None,
) -> VoiceKit | None:
    """The voice the settings ask for, or None for a text-only session.

    Args:
        settings: Which provider, keys and voices.
        microphone: Where a local session hears the customer (None: the customer types).
        speaker: Where a local session plays the agents (None: replies are only shown).
        notices: What the caller already knows the user should hear about (e.g. missing devices).
        room: The session runs in a LiveKit room, whose RoomIO provides the audio.
        vad: An already loaded VAD (the worker loads silero once per process).
    """
    mode = settings.voice_mode
    if mode == "off":
        return None
    if not room and microphone is None and speaker is None:
        return None  # nothing to listen or speak through
    kit: VoiceKit | None = None
    if mode in ("auto", "cartesia") and settings.cartesia_api_key:
        from simulator.voice.cartesia import cartesia_stt, cartesia_voices

        http = aiohttp.ClientSession()  # the kit owns it: no livekit job context is needed
        try:
            kit = VoiceKit(
                name="cartesia",
                stt=cartesia_stt(settings, http),
                vad=vad or await load_vad(),
                voices=cartesia_voices(settings, http),
                http_session=http,
            )
        except BaseException:
            await http.close()
            raise
    elif mode == "cartesia":
        raise ProviderError("SIMULATOR_VOICE=cartesia needs CARTESIA_API_KEY")
    elif mode in ("auto", "offline"):
        from simulator.voice.offline import offline_voice, offline_voice_unavailable

        reason = offline_voice_unavailable()
        if reason is None:
            kit = await offline_voice(settings, vad=vad or await load_vad())
        elif mode == "offline":
            raise ProviderError(f"The offline voice cannot start: {reason}")
    if kit is None:
        return None
    kit.notices.extend(notices or ())
    if not room:
        kit.audio_input = MicrophoneInput(microphone) if microphone is not None else None
        kit.listens = microphone is not None
        kit.audio_output = SpeakerOutput(speaker) if speaker is not None else None
    return kit


async def local_voice(settings: Settings) -> VoiceKit | None:
    """The voice for a session on this computer, through its own microphone and speakers."""
    if settings.voice_mode == "off":
        return None
    from simulator.voice.devices import open_devices

    devices = await asyncio.to_thread(open_devices)
    return await build_voice(
        settings, microphone=devices.microphone, speaker=devices.speaker, notices=devices.notices
    )
