"""Which voice a session gets, and that a missing microphone or a refused key never crashes it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from simulator.errors import ProviderError
from simulator.events import HandoffEvent, StatusEvent, TranscriptEvent, TurnCompletedEvent
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings, SettingsError
from simulator.voice.devices import open_devices
from simulator.voice.offline import offline_voice_unavailable
from simulator.voice.selection import build_voice
from tests.fakes.audio_devices import RecordingSpeaker, SimulatedMicrophone
from tests.fakes.cartesia_server import CartesiaServer

pytestmark = pytest.mark.slow


def test_opening_the_audio_devices_never_raises() -> None:
    devices = open_devices()
    if devices.microphone is None:
        assert any("type your lines" in notice for notice in devices.notices)


async def test_no_key_means_the_offline_voice_if_installed_else_a_text_session(
    tmp_path: Path,
) -> None:
    mic, speaker = SimulatedMicrophone(), RecordingSpeaker()
    voice = await build_voice(Settings(data_dir=tmp_path), microphone=mic, speaker=speaker)
    if offline_voice_unavailable() is None:
        assert voice is not None and voice.name == "offline"
        await voice.aclose()
    else:
        assert voice is None


async def test_voice_off_or_no_device_means_a_text_session(tmp_path: Path) -> None:
    mic = SimulatedMicrophone()
    assert (
        await build_voice(Settings(cartesia_api_key="k", voice_mode="off"), microphone=mic) is None
    )
    assert await build_voice(Settings(cartesia_api_key="k")) is None  # no device to use


async def test_insisting_on_a_voice_that_cannot_run_is_a_clear_error() -> None:
    with pytest.raises(ProviderError, match="CARTESIA_API_KEY"):
        await build_voice(Settings(voice_mode="cartesia"), speaker=RecordingSpeaker())
    with pytest.raises(SettingsError, match="SIMULATOR_VOICE must be one of 'auto', 'cartesia'"):
        Settings.load(env={"SIMULATOR_VOICE": "loud"})  # refused before any voice is built


async def test_without_a_microphone_the_team_still_speaks_and_the_customer_types(
    tmp_path: Path,
) -> None:
    async with CartesiaServer(api_key="good") as speech:
        settings = _cartesia_settings(tmp_path, "good", speech)
        speaker = RecordingSpeaker()
        voice = await build_voice(
            settings, speaker=speaker, notices=["No microphone found: type your lines instead."]
        )
        assert voice is not None and voice.audio_input is None
        events = []
        async with voice, SessionRunner(settings, voice=voice) as runner:
            await runner.send("Do you integrate with SAP?")
            async with asyncio.timeout(30):
                async for event in runner.events():
                    events.append(event)
                    if isinstance(event, TurnCompletedEvent):
                        break
        assert speech.connections.stt == 0, "no recogniser runs when nothing can be heard"
    notices = [e.message for e in events if isinstance(e, StatusEvent) and e.source == "voice"]
    assert notices == ["Voice: cartesia.", "No microphone found: type your lines instead."]
    reply = [e for e in events if isinstance(e, TranscriptEvent) and e.speaker != "customer"][-1]
    assert speaker.heard() and speaker.heard()[0].startswith(reply.text.split(".")[0])


async def test_a_refused_cartesia_key_degrades_to_text_instead_of_crashing(tmp_path: Path) -> None:
    async with CartesiaServer(api_key="the-right-key") as speech:
        settings = _cartesia_settings(tmp_path, "a-wrong-key", speech)
        voice = await build_voice(settings, speaker=RecordingSpeaker())
        events = []
        async with voice, SessionRunner(settings, voice=voice) as runner:
            for line in ("Do you integrate with SAP?", "What does the Starter plan cost?"):
                await runner.send(line)
                async with asyncio.timeout(60):
                    async for event in runner.events():
                        events.append(event)
                        if isinstance(event, TurnCompletedEvent):
                            break
        assert speech.connections.rejected >= 1
    voice_notices = [
        e.message for e in events if isinstance(e, StatusEvent) and e.source == "voice"
    ]
    assert "The agents' voice failed: their replies continue as text." in voice_notices
    assert "Listening failed: type your lines instead." not in voice_notices  # nothing listened
    replies = [e for e in events if isinstance(e, TranscriptEvent) and e.speaker != "customer"]
    assert [r.turn_id for r in replies][-1] == 2, "the team goes on answering, in text"


async def test_a_refused_key_with_a_microphone_keeps_the_session_through_handoffs(
    tmp_path: Path,
) -> None:
    """Each agent that takes over would open its own recogniser: with a refused key, four
    failures (three handoffs) would pass livekit's limit and close the session."""
    async with CartesiaServer(api_key="the-right-key") as speech:
        settings = _cartesia_settings(tmp_path, "a-wrong-key", speech)
        voice = await build_voice(
            settings, microphone=SimulatedMicrophone(), speaker=RecordingSpeaker()
        )
        assert voice is not None
        events = []
        lines = (
            "Do you integrate with SAP?",
            "What does the Starter plan cost?",
            "How long does a sensor battery last?",
            "And what does the Enterprise plan cost?",
        )
        async with voice, SessionRunner(settings, voice=voice) as runner:
            for line in lines:
                await runner.send(line)
                async with asyncio.timeout(60):
                    async for event in runner.events():
                        events.append(event)
                        if isinstance(event, TurnCompletedEvent):
                            break
    listening_failed = [
        e for e in events if _is_voice_notice(e, "Listening failed: type your lines instead.")
    ]
    assert len(listening_failed) == 1
    handoffs = [e for e in events if isinstance(e, HandoffEvent)]
    assert len(handoffs) >= 3
    replies = [e for e in events if isinstance(e, TranscriptEvent) and e.speaker != "customer"]
    assert replies[-1].turn_id == len(lines), "every line is answered, in text"


def _is_voice_notice(event: object, message: str) -> bool:
    return isinstance(event, StatusEvent) and event.source == "voice" and event.message == message


def _cartesia_settings(data_dir: Path, api_key: str, speech: CartesiaServer) -> Settings:
    """The sample company, speaking through the local Cartesia server with ``api_key``."""
    return Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE,
        data_dir=data_dir,
        cartesia_api_key=api_key,
        cartesia_base_url=speech.base_url,
    )
