"""The offline voice: Whisper tiny.en (shipped in a wheel) listens, espeak-ng speaks, no network.

The customer's speech is real synthesised audio (espeak-ng), played into a simulated microphone;
the team answers with the offline responder and speaks through espeak-ng in each agent's voice.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from simulator.events import (
    HandoffEvent,
    LatencyEvent,
    StatusEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from simulator.voice.offline import ESPEAK_VOICES, EspeakTTS, WhisperSTT, offline_voice_unavailable
from simulator.voice.selection import build_voice
from tests.fakes.audio_devices import RecordingSpeaker, SimulatedMicrophone

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        offline_voice_unavailable() is not None,
        reason=f"offline voice unavailable: {offline_voice_unavailable()}",
    ),
]


async def speak(text: str, rate: int = 16_000) -> np.ndarray:
    """``text`` as int16 speech at ``rate``, from espeak-ng: the customer's voice."""
    voice = EspeakTTS(voice="en-us")
    frames = [event.frame async for event in voice.synthesize(text)]
    await voice.aclose()
    audio = np.concatenate([np.frombuffer(f.data, dtype=np.int16) for f in frames]).astype(
        np.float32
    )
    positions = np.linspace(0, audio.size - 1, int(audio.size * rate / frames[0].sample_rate))
    return np.interp(positions, np.arange(audio.size), audio).astype(np.int16)


async def test_espeak_speech_is_transcribed_back_by_whisper() -> None:
    listener = WhisperSTT()
    voice = EspeakTTS(voice=ESPEAK_VOICES["pricing"])
    frames = [
        event.frame
        async for event in voice.synthesize("Do you integrate with our warehouse system?")
    ]
    assert sum(f.duration for f in frames) > 1.0
    event = await listener.recognize(frames)
    words = event.alternatives[0].text.lower()
    assert "integrate" in words and "warehouse" in words
    await asyncio.gather(listener.aclose(), voice.aclose())


async def test_a_spoken_conversation_runs_offline_end_to_end(tmp_path) -> None:
    settings = Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=tmp_path, voice_mode="offline")
    microphone, speaker = SimulatedMicrophone(), RecordingSpeaker()
    voice = await build_voice(settings, microphone=microphone, speaker=speaker)
    assert voice is not None and voice.name == "offline"
    events: list = []
    async with voice, SessionRunner(settings, voice=voice) as runner:

        async def record() -> None:
            async for event in runner.events():
                events.append(event)
                if isinstance(event, TurnCompletedEvent):
                    return

        recording = asyncio.create_task(record())
        microphone.play(await speak("What is the price of your professional plan?"))
        await asyncio.wait_for(recording, 60)

    assert not [e for e in events if isinstance(e, StatusEvent) and e.level == "error"]
    heard = [e for e in events if isinstance(e, TranscriptEvent) and e.speaker == "customer"]
    assert heard and "professional" in heard[0].text.lower()
    assert [(h.from_agent, h.to_agent) for h in events if isinstance(h, HandoffEvent)] == [
        ("greeter", "pricing")
    ]
    reply = next(e for e in events if isinstance(e, TranscriptEvent) and e.speaker == "pricing")
    assert "$11" in reply.text
    assert speaker.seconds > 1.0  # the answer was spoken aloud
    stages = next(e for e in events if isinstance(e, LatencyEvent)).stages
    assert (
        stages.stt_ms is not None and stages.tts_ttfb_ms is not None and stages.e2e_ms is not None
    )
    print(f"offline voice latency: {stages}")
