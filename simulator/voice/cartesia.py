"""Cartesia speech (``ink`` STT, ``sonic`` TTS) through ``livekit-plugins-cartesia``.

Thin: the plugin speaks Cartesia's websockets and turns their failures into livekit's
``APIError`` family; this module only builds it from :class:`~simulator.settings.Settings`,
with a distinct voice per agent, and turns a refused configuration into our ``ProviderError``.
``CARTESIA_BASE_URL`` points it elsewhere (a proxy, or the tests' server on 127.0.0.1).
"""

from __future__ import annotations

import aiohttp
from livekit.agents import stt, tts

from simulator.errors import ProviderError
from simulator.events import AgentRole
from simulator.settings import Settings, secret
from simulator.voice.sentences import WholeSentences

ROLES: tuple[AgentRole, ...] = ("greeter", "technical", "pricing")
_DEFAULT_BASE_URL = "https://api.cartesia.ai"


def cartesia_stt(settings: Settings, http_session: aiohttp.ClientSession) -> stt.STT:
    from livekit.plugins import cartesia

    try:
        return cartesia.STT(
            api_key=_key(settings),
            model=settings.cartesia_stt_model,
            base_url=settings.cartesia_base_url or _DEFAULT_BASE_URL,
            language="en",
            http_session=http_session,
        )
    except ValueError as e:
        raise ProviderError(f"Cartesia speech-to-text cannot start: {e}") from e


def cartesia_voices(
    settings: Settings, http_session: aiohttp.ClientSession
) -> dict[AgentRole, tts.TTS]:
    """One Cartesia TTS per agent role, each with that role's voice id, sent each sentence as
    soon as it ends (:mod:`~simulator.voice.sentences`)."""
    from livekit.plugins import cartesia

    voices: dict[AgentRole, tts.TTS] = {}
    for role in ROLES:
        try:
            voices[role] = cartesia.TTS(
                api_key=_key(settings),
                model=settings.cartesia_tts_model,
                voice=settings.voice_for(role),
                base_url=settings.cartesia_base_url or _DEFAULT_BASE_URL,
                http_session=http_session,
                tokenizer=WholeSentences(),
            )
        except ValueError as e:
            raise ProviderError(f"Cartesia text-to-speech cannot start for the {role}: {e}") from e
    return voices


def _key(settings: Settings) -> str:
    key = secret(settings.cartesia_api_key)
    if not key:
        raise ProviderError("CARTESIA_API_KEY is not set: the Cartesia voice needs it")
    return key
