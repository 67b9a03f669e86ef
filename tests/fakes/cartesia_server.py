"""A Cartesia-compatible speech server on 127.0.0.1, for tests: TTS and STT on their real wire.

It speaks what ``livekit-plugins-cartesia`` 1.8.9 speaks, so the real plugin code runs::

    async with CartesiaServer(api_key="test-key") as server:
        tts = cartesia.TTS(api_key="test-key", base_url=server.base_url)
        stt = cartesia.STT(api_key="test-key", base_url=server.base_url)

Endpoints (``X-API-Key`` is checked when ``api_key`` is set; a wrong one gets 401):

- ``GET /tts/websocket?cartesia_version=...`` (websocket). Text messages are JSON generation
  requests ``{"context_id", "transcript", "continue", "model_id", "voice": {"mode": "id", "id"},
  "output_format": {"encoding": "pcm_s16le", "sample_rate"}, ...}``. Each transcript is spoken
  as speech-like PCM (:mod:`tests.fakes.marked_speech`: its text is readable back from the audio)
  and sent as ``{"type": "chunk", "data": <base64>, "context_id", "done": false}`` messages, then
  ``{"type": "timestamps", "word_timestamps": {"words", "start", "end"}}``; after the request with
  ``"continue": false`` comes ``{"type": "done", "done": true}``. ``{"context_id", "cancel": true}``
  stops a context.
- ``POST /tts/bytes``: the same audio as one raw PCM body.
- ``GET /stt/turns/websocket?model=ink-2&sample_rate=&encoding=pcm_s16le`` (websocket): binary
  messages are PCM; the server answers ``{"type": "connected"}``, then per turn ``turn.start``
  (audio got loud), ``turn.update`` (the transcript so far), ``turn.end`` (after
  ``turn_end_silence_s`` of quiet). The text ``{"type": "close"}`` ends the turn in flight and
  the connection.
- ``GET /stt/websocket?model=ink-whisper&...`` (websocket, the legacy stream): binary PCM; a
  finished utterance is sent as ``{"type": "transcript", "is_final": true, "text", "duration"}``;
  the text ``finalize`` flushes (``flush_done``), ``close`` ends (``done``).

"Transcription" reads the text the audio carries (:func:`marked_speech.decode`); audio without a
mark is transcribed by ``transcripts`` (a list served in order) or as ``unmarked_text``.
Timing: ``tts_first_byte_s`` before a context's first audio, ``stt_final_delay_s`` before a turn's
end is sent. Every wait ends when the server stops.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiohttp import WSMsgType, web

from tests.fakes import marked_speech
from tests.fakes.local_server import LocalServer, sha256

_WINDOW_S = 0.01


@dataclass(frozen=True)
class TTSRequest:
    """One generation request as it reached the TTS websocket (or the bytes endpoint)."""

    context_id: str
    transcript: str
    voice_id: str | None
    model_id: str | None
    sample_rate: int
    continue_: bool
    cartesia_version: str | None


@dataclass(frozen=True)
class STTTurn:
    """One turn the STT heard and what it answered."""

    endpoint: str
    model: str | None
    sample_rate: int
    transcript: str
    speech_s: float


@dataclass
class _Connections:
    tts: int = 0
    stt: int = 0
    rejected: int = 0


class CartesiaServer(LocalServer):
    """An aiohttp server speaking Cartesia's TTS and STT websockets on 127.0.0.1 (see module
    doc)."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        tts_first_byte_s: float = 0.0,
        stt_final_delay_s: float = 0.0,
        turn_end_silence_s: float = 0.6,
        speech_threshold: float = 300.0,
        transcripts: Iterable[str] = (),
        unmarked_text: str = "",
        chunk_s: float = 0.1,
        port: int = 0,
    ) -> None:
        self.tts_first_byte_s = tts_first_byte_s
        self.stt_final_delay_s = stt_final_delay_s
        self.turn_end_silence_s = turn_end_silence_s
        self.speech_threshold = speech_threshold
        self.unmarked_text = unmarked_text
        self.chunk_s = chunk_s
        self.tts_requests: list[TTSRequest] = []
        """Every generation request (websocket messages with a transcript, and bytes posts)."""
        self.stt_turns: list[STTTurn] = []
        """Every turn the STT finished, in order."""
        self.connections = _Connections()
        self._transcripts = deque(transcripts)
        super().__init__(port=port)
        self._api_key_sha256 = sha256(api_key) if api_key else None
        self._sockets: set[web.WebSocketResponse] = set()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/tts/websocket", self._tts_websocket)
        app.router.add_post("/tts/bytes", self._tts_bytes)
        app.router.add_get("/stt/turns/websocket", self._stt_turns_websocket)
        app.router.add_get("/stt/websocket", self._stt_legacy_websocket)

    async def stop(self) -> None:
        self._closing.set()
        for ws in list(self._sockets):
            await ws.close()
        await super().stop()

    async def _record(self, target: list[Any], item: Any) -> None:
        target.append(item)
        await self._notify()

    # -- auth --------------------------------------------------------------------------------

    def _authorized(self, request: web.Request) -> bool:
        if self._api_key_sha256 is None:
            return True
        key = request.headers.get("X-API-Key", "")
        if key and sha256(key) == self._api_key_sha256:
            return True
        self.connections.rejected += 1
        return False

    # -- TTS ---------------------------------------------------------------------------------

    async def _tts_websocket(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return web.json_response({"error": "Invalid API key"}, status=401)
        version = request.query.get("cartesia_version")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections.tts += 1
        self._sockets.add(ws)
        contexts: dict[str, _TTSContext] = {}
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                body = json.loads(msg.data)
                context_id = str(body.get("context_id") or "")
                if body.get("cancel"):
                    if (ctx := contexts.pop(context_id, None)) is not None:
                        ctx.task.cancel()
                    continue
                ctx = contexts.get(context_id)
                if ctx is None:
                    ctx = contexts[context_id] = _TTSContext(context_id)
                    ctx.task = asyncio.create_task(self._speak_context(ws, ctx))
                request_item = TTSRequest(
                    context_id=context_id,
                    transcript=str(body.get("transcript", "")),
                    voice_id=(body.get("voice") or {}).get("id"),
                    model_id=body.get("model_id"),
                    sample_rate=int((body.get("output_format") or {}).get("sample_rate") or 24000),
                    continue_=bool(body.get("continue", False)),
                    cartesia_version=version,
                )
                await self._record(self.tts_requests, request_item)
                ctx.queue.put_nowait(request_item)
        finally:
            for ctx in contexts.values():
                ctx.task.cancel()
            self._sockets.discard(ws)
        return ws

    async def _speak_context(self, ws: web.WebSocketResponse, ctx: _TTSContext) -> None:
        first = True
        offset_s = 0.0
        try:
            while True:
                item = await ctx.queue.get()
                text = item.transcript
                if text.strip():
                    if first:
                        await self._pause(self.tts_first_byte_s)
                        first = False
                    audio = marked_speech.synthesize(text.strip(), item.sample_rate)
                    step = max(1, int(item.sample_rate * self.chunk_s))
                    for start in range(0, len(audio), step):
                        chunk = audio[start : start + step].tobytes()
                        await ws.send_json(
                            {
                                "type": "chunk",
                                "data": base64.b64encode(chunk).decode(),
                                "done": False,
                                "status_code": 206,
                                "step_time": 1.0,
                                "context_id": ctx.context_id,
                            }
                        )
                    words, starts, ends = _word_times(text, offset_s, len(audio) / item.sample_rate)
                    offset_s += len(audio) / item.sample_rate
                    await ws.send_json(
                        {
                            "type": "timestamps",
                            "done": False,
                            "status_code": 206,
                            "context_id": ctx.context_id,
                            "word_timestamps": {"words": words, "start": starts, "end": ends},
                        }
                    )
                if not item.continue_:
                    await ws.send_json(
                        {
                            "type": "done",
                            "done": True,
                            "status_code": 200,
                            "context_id": ctx.context_id,
                        }
                    )
                    return
        except (ConnectionResetError, asyncio.CancelledError):
            return

    async def _tts_bytes(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return web.json_response({"error": "Invalid API key"}, status=401)
        body = await request.json()
        sample_rate = int((body.get("output_format") or {}).get("sample_rate") or 24000)
        text = str(body.get("transcript", ""))
        await self._record(
            self.tts_requests,
            TTSRequest(
                context_id="",
                transcript=text,
                voice_id=(body.get("voice") or {}).get("id"),
                model_id=body.get("model_id"),
                sample_rate=sample_rate,
                continue_=False,
                cartesia_version=request.headers.get("Cartesia-Version"),
            ),
        )
        await self._pause(self.tts_first_byte_s)
        audio = marked_speech.synthesize(text.strip() or " ", sample_rate)
        return web.Response(body=audio.tobytes(), content_type="application/octet-stream")

    # -- STT ---------------------------------------------------------------------------------

    async def _stt_turns_websocket(self, request: web.Request) -> web.StreamResponse:
        return await self._stt(request, legacy=False)

    async def _stt_legacy_websocket(self, request: web.Request) -> web.StreamResponse:
        return await self._stt(request, legacy=True)

    async def _stt(self, request: web.Request, *, legacy: bool) -> web.StreamResponse:
        if not self._authorized(request):
            return web.json_response({"error": "Invalid API key"}, status=401)
        if request.query.get("encoding", "pcm_s16le") != "pcm_s16le":
            return web.json_response({"error": "unsupported encoding"}, status=400)
        sample_rate = int(request.query.get("sample_rate", "16000"))
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections.stt += 1
        self._sockets.add(ws)
        request_id = uuid.uuid4().hex
        listener = _TurnListener(
            self, ws, request_id, sample_rate, request.path, request.query.get("model"), legacy
        )
        try:
            if not legacy:
                await ws.send_json({"type": "connected", "request_id": request_id})
            async for msg in ws:
                if msg.type == WSMsgType.BINARY:
                    await listener.feed(np.frombuffer(msg.data, dtype=np.int16))
                elif msg.type == WSMsgType.TEXT:
                    command = msg.data.strip()
                    if command == "finalize":
                        await listener.end_turn()
                        await ws.send_json({"type": "flush_done", "request_id": request_id})
                    elif command == "close" or _is_close(command):
                        await listener.end_turn()
                        if legacy:
                            await ws.send_json({"type": "done", "request_id": request_id})
                        await ws.close()
                        break
        except ConnectionResetError:
            pass
        finally:
            self._sockets.discard(ws)
        return ws

    def _transcribe(self, audio: np.ndarray) -> str:
        text = marked_speech.decode(audio)
        if text is not None:
            return text
        if self._transcripts:
            return self._transcripts.popleft()
        return self.unmarked_text


@dataclass
class _TTSContext:
    context_id: str
    queue: asyncio.Queue[TTSRequest] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] = field(init=False)


class _TurnListener:
    """Energy-based turn taking over one STT connection, in 10 ms windows."""

    def __init__(
        self,
        server: CartesiaServer,
        ws: web.WebSocketResponse,
        request_id: str,
        sample_rate: int,
        endpoint: str,
        model: str | None,
        legacy: bool,
    ) -> None:
        self.server, self.ws, self.request_id = server, ws, request_id
        self.sample_rate, self.endpoint, self.model, self.legacy = (
            sample_rate,
            endpoint,
            model,
            legacy,
        )
        self.window = max(1, int(sample_rate * _WINDOW_S))
        self.pending = np.zeros(0, dtype=np.int16)
        self.turn: list[np.ndarray] = []
        self.speaking = False
        self.quiet_s = 0.0
        self.speech_s = 0.0
        self.sent_update = ""

    async def feed(self, samples: np.ndarray) -> None:
        self.pending = np.concatenate([self.pending, samples])
        while len(self.pending) >= self.window:
            window, self.pending = self.pending[: self.window], self.pending[self.window :]
            loud = marked_speech.rms(window) >= self.server.speech_threshold
            if loud and not self.speaking:
                self.speaking, self.quiet_s, self.speech_s, self.turn, self.sent_update = (
                    True,
                    0.0,
                    0.0,
                    [],
                    "",
                )
                if not self.legacy:
                    await self.ws.send_json({"type": "turn.start", "request_id": self.request_id})
            if not self.speaking:
                continue
            self.turn.append(window)
            self.speech_s += _WINDOW_S
            self.quiet_s = 0.0 if loud else self.quiet_s + _WINDOW_S
            if self.quiet_s >= self.server.turn_end_silence_s:
                await self.end_turn()
        if self.speaking and not self.legacy:
            text = marked_speech.decode(np.concatenate(self.turn)) if self.turn else None
            if text and text != self.sent_update:
                self.sent_update = text
                await self.ws.send_json(
                    {"type": "turn.update", "transcript": text, "request_id": self.request_id}
                )

    async def end_turn(self) -> None:
        if not self.speaking:
            return
        self.speaking = False
        audio = np.concatenate(self.turn) if self.turn else np.zeros(0, dtype=np.int16)
        text = self.server._transcribe(audio)
        await self.server._pause(self.server.stt_final_delay_s)
        spoken_s = round(self.speech_s - self.quiet_s, 3)
        await self.server._record(
            self.server.stt_turns,
            STTTurn(
                endpoint=self.endpoint,
                model=self.model,
                sample_rate=self.sample_rate,
                transcript=text,
                speech_s=spoken_s,
            ),
        )
        if self.ws.closed:
            return
        if self.legacy:
            await self.ws.send_json(
                {
                    "type": "transcript",
                    "is_final": True,
                    "text": text,
                    "duration": spoken_s,
                    "request_id": self.request_id,
                    "words": [],
                }
            )
        else:
            await self.ws.send_json(
                {"type": "turn.end", "transcript": text, "request_id": self.request_id}
            )


def _is_close(text: str) -> bool:
    try:
        return json.loads(text).get("type") == "close"
    except (ValueError, AttributeError):
        return False


def _word_times(
    text: str, offset_s: float, duration_s: float
) -> tuple[list[str], list[float], list[float]]:
    words = re.findall(r"\S+", text)
    if not words:
        return [], [], []
    each = duration_s / len(words)
    starts = [round(offset_s + i * each, 3) for i in range(len(words))]
    ends = [round(offset_s + (i + 1) * each, 3) for i in range(len(words))]
    return words, starts, ends
