"""The sales team by voice: the real Cartesia plugin, silero VAD and livekit's pipeline, end to end.

Only the outside world is replaced: Cartesia and Cerebras by servers on 127.0.0.1 that speak
their wire protocols, the microphone and speakers by simulated devices. A customer speaks, the
Greeter hands a price question to the Pricing Specialist, who answers aloud in its own voice, and
every reply's latency event has every stage filled, the first reply after the handoff included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from simulator.events import (
    ClaimCheckEvent,
    Event,
    HandoffEvent,
    LatencyEvent,
    RetrievalEvent,
    StatusEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from simulator.voice.selection import build_voice
from tests.fakes.audio_devices import RecordingSpeaker, SimulatedMicrophone
from tests.fakes.cartesia_server import CartesiaServer
from tests.fakes.cerebras_server import CerebrasServer, LatencyModel, Reply, ToolCall

pytestmark = pytest.mark.slow

WELCOME = "Welcome to Lumora! What can I help you with?"
PRICE_ANSWER = "The Professional plan is eleven dollars per sensor per month."
VOICES = {"greeter": "voice-greeter", "technical": "voice-technical", "pricing": "voice-pricing"}


def sales_team_model(body: Mapping[str, Any]) -> Reply:
    messages = body["messages"]
    if "You are the Greeter" in messages[0]["content"]:
        last_user = [m["content"] for m in messages if m["role"] == "user"][-1]
        if "cost" in last_user:
            return Reply(
                tool_calls=[ToolCall("transfer_to_pricing", {"reason": "asks about the price"})]
            )
        return Reply(text=WELCOME)
    return Reply(text=PRICE_ANSWER)


class Recorder:
    """Every event of a runner, gathered in the background, with a way to wait for one."""

    def __init__(self, runner: SessionRunner) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Condition()
        self._task = asyncio.create_task(self._read(runner))

    async def _read(self, runner: SessionRunner) -> None:
        async for event in runner.events():
            async with self._changed:
                self.events.append(event)
                self._changed.notify_all()

    async def until(self, predicate: Callable[[list[Event]], bool], timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self.events))

    async def aclose(self) -> None:
        await asyncio.wait_for(self._task, 10)

    def of(self, cls: type) -> list:
        return [e for e in self.events if isinstance(e, cls)]


def completed(turn: int) -> Callable[[list[Event]], bool]:
    return lambda events: any(
        isinstance(e, TurnCompletedEvent) and e.turn_id == turn for e in events
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("data")


async def test_a_spoken_conversation_hands_off_and_every_reply_is_heard_and_timed(data_dir) -> None:
    speech = CartesiaServer(api_key="cartesia-key", tts_first_byte_s=0.04, stt_final_delay_s=0.02)
    model = CerebrasServer(
        responder=sales_team_model, latency=LatencyModel(first_token_base_s=0.03, tokens_per_s=2000)
    )
    async with speech, model:
        settings = Settings(
            knowledge_dir=BUNDLED_KNOWLEDGE,
            data_dir=data_dir,
            cerebras_api_key="cerebras-key",
            cerebras_base_url=model.base_url,
            cartesia_api_key="cartesia-key",
            cartesia_base_url=speech.base_url,
            voice_greeter=VOICES["greeter"],
            voice_technical=VOICES["technical"],
            voice_pricing=VOICES["pricing"],
        )
        microphone, speaker = SimulatedMicrophone(), RecordingSpeaker()
        voice = await build_voice(settings, microphone=microphone, speaker=speaker)
        assert voice is not None and voice.name == "cartesia"
        async with voice, SessionRunner(settings, voice=voice) as runner:
            recorder = Recorder(runner)
            microphone.say("Hi, I'm Dana from Northbay Foods, we run forty freezers.")
            await recorder.until(completed(1))
            microphone.say("What would the Professional plan cost us?")
            await recorder.until(completed(2))
        await recorder.aclose()

    events = recorder.events
    assert not [e for e in recorder.of(StatusEvent) if e.level == "error"], recorder.of(StatusEvent)
    said = [(e.turn_id, e.speaker, e.text) for e in recorder.of(TranscriptEvent)]
    assert said == [
        (1, "customer", "Hi, I'm Dana from Northbay Foods, we run forty freezers."),
        (1, "greeter", WELCOME),
        (2, "customer", "What would the Professional plan cost us?"),
        (2, "pricing", PRICE_ANSWER),
    ]
    assert [(h.turn_id, h.from_agent, h.to_agent) for h in recorder.of(HandoffEvent)] == [
        (2, "greeter", "pricing")
    ]
    assert {(r.turn_id, r.agent) for r in recorder.of(RetrievalEvent)} >= {
        (1, "greeter"),
        (2, "pricing"),
    }

    # speech out: each agent spoke its reply in its own voice, and the speaker played it; each
    # sentence went to the TTS as soon as it ended (the first one did not wait for the second)
    assert speaker.heard() == ["Welcome to Lumora!", "What can I help you with?", PRICE_ANSWER]
    replies: dict[str, tuple[str | None, str]] = {}
    for r in speech.tts_requests:
        voice, text = replies.get(r.context_id, (r.voice_id, ""))
        replies[r.context_id] = (voice, f"{text} {r.transcript.strip()}".strip())
    voices_by_text = {text: voice for voice, text in replies.values() if text}
    assert voices_by_text == {WELCOME: VOICES["greeter"], PRICE_ANSWER: VOICES["pricing"]}
    # every role's voice connected when the session started (a specialist's first words after a
    # handoff never wait for a connection), the Technical Specialist's too, who never spoke
    assert speech.connections.tts == 3
    assert [t.transcript for t in speech.stt_turns][:2] == [said[0][2], said[2][2]]

    # each spoken reply's claim check arrives before its turn is complete, as for typed turns
    checks = [(n, e.turn_id) for n, e in enumerate(events) if isinstance(e, ClaimCheckEvent)]
    completions = {e.turn_id: n for n, e in enumerate(events) if isinstance(e, TurnCompletedEvent)}
    assert [turn for _, turn in checks] == [1, 2]
    assert all(n < completions[turn] for n, turn in checks)

    # every stage of every reply, the first one after the handoff included
    latencies = recorder.of(LatencyEvent)
    assert [(e.turn_id, e.agent) for e in latencies] == [(1, "greeter"), (2, "pricing")]
    for latency in latencies:
        stages = latency.stages
        filled = {
            name: getattr(stages, name)
            for name in (
                "end_of_utterance_ms",
                "stt_ms",
                "retrieval_ms",
                "llm_ttft_ms",
                "tts_ttfb_ms",
                "e2e_ms",
            )
        }
        assert all(v is not None for v in filled.values()), (latency.agent, filled)
        assert stages.tts_ttfb_ms >= 40  # the server's first-byte delay is inside it
        assert stages.llm_ttft_ms >= 30
        assert stages.e2e_ms >= stages.llm_ttft_ms
        # spoken: the first audio is the first response, after the first token, before the end
        assert stages.first_audio_ms == stages.e2e_ms
        assert stages.first_token_ms is not None and stages.full_reply_ms is not None
        assert 0 <= stages.first_token_ms <= stages.first_audio_ms
        assert stages.first_token_ms <= stages.full_reply_ms
        print(f"voice latency {latency.agent}: {filled}")
    assert [r.agent for r in latencies[1].stages.earlier_requests] == ["greeter"]
    assert isinstance(events[-1], (TurnCompletedEvent, StatusEvent)) or events
