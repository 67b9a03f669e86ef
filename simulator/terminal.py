"""``simulator chat``: the sales team in a terminal, typed or piped, human-readable or JSONL."""

from __future__ import annotations

import asyncio
from typing import TextIO

from simulator.errors import SimulatorError
from simulator.events import (
    AGENT_NAMES,
    ClaimCheckEvent,
    ConversationResetEvent,
    Event,
    HandoffEvent,
    LatencyEvent,
    RetrievalEvent,
    StatusEvent,
    ToolCallEvent,
    TranscriptDeltaEvent,
    TranscriptEvent,
    TurnCompletedEvent,
    to_json,
)
from simulator.settings import Settings

HELP = "Type as the customer. /reset starts a new conversation with the Greeter, /quit ends."


def run_chat(settings: Settings, *, jsonl: bool, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    try:
        return asyncio.run(_chat(settings, jsonl=jsonl, stdin=stdin, out=out, err=err))
    except KeyboardInterrupt:
        return 130


async def _chat(settings: Settings, *, jsonl: bool, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    from simulator.session import SessionRunner  # imports livekit-agents: seconds, so only here

    interactive = stdin.isatty() and not jsonl
    printer = _Printer(out, echo_customer=not interactive) if not jsonl else None
    turn_done = asyncio.Event()

    async def show(runner: SessionRunner) -> None:
        async for event in runner.events():
            if jsonl:
                out.write(to_json(event) + "\n")
            else:
                printer.show(event)  # type: ignore[union-attr]
            out.flush()
            if isinstance(event, (TurnCompletedEvent, ConversationResetEvent)):
                turn_done.set()

    runner = SessionRunner(settings)
    try:
        await runner.start()
    except SimulatorError as e:
        err.write(f"simulator: {e}\n")
        return 2
    shower = asyncio.create_task(show(runner))
    try:
        if interactive:
            out.write(HELP + "\n")
        while True:
            if interactive:
                out.write("you> ")
                out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line or line.strip() == "/quit":
                break
            text = line.strip()
            if not text:
                continue
            turn_done.clear()
            if text == "/reset":
                await runner.reset()
            else:
                await runner.send(text)
            await turn_done.wait()
    finally:
        await runner.aclose()
        await shower
    return 0


class _Printer:
    """Renders events for a person: who speaks, handoffs, sources and latency, streamed."""

    def __init__(self, out: TextIO, *, echo_customer: bool) -> None:
        self._out = out
        self._echo_customer = echo_customer
        self._streaming: str | None = None

    def show(self, event: Event) -> None:
        w = self._out.write
        if isinstance(event, TranscriptDeltaEvent):
            if self._streaming != event.speaker:
                self._end_stream()
                w(f"{AGENT_NAMES[event.speaker]}: ")
                self._streaming = event.speaker
            w(event.delta)
        elif isinstance(event, TranscriptEvent):
            if event.speaker == "customer":
                if self._echo_customer:
                    w(f"\nCustomer: {event.text}\n")
                return
            if self._streaming == event.speaker:
                self._streaming = None
                w(" (offline)\n" if event.provider == "offline" else "\n")
            else:
                label = " (offline)" if event.provider == "offline" else ""
                w(f"{AGENT_NAMES[event.speaker]}{label}: {event.text}\n")
        elif isinstance(event, RetrievalEvent):
            self._end_stream()
            sources = ", ".join(
                f"{p.source} › {p.section} ({p.score:.2f})" for p in event.passages[:3]
            )
            w(f"  [{AGENT_NAMES[event.agent]} read: {sources or 'nothing relevant'}]\n")
        elif isinstance(event, HandoffEvent):
            self._end_stream()
            w(
                f"  -> {AGENT_NAMES[event.from_agent]} hands over to {AGENT_NAMES[event.to_agent]}: {event.reason}\n"
            )
        elif isinstance(event, ToolCallEvent):
            args = ", ".join(f"{k}={v}" for k, v in event.arguments.items())
            w(f"  [{event.name}({args})]\n")
        elif isinstance(event, LatencyEvent):
            w(f"  [{_latency_line(event)}]\n")
        elif isinstance(event, StatusEvent):
            self._end_stream()
            w(f"  ({event.level}: {event.message})\n")
        elif isinstance(event, ConversationResetEvent):
            w("  (new conversation with the Greeter)\n")
        elif isinstance(event, ClaimCheckEvent):
            for claim in event.unsupported:
                w(f'  [unsupported {claim.kind}: "{claim.text}" - {claim.note}]\n')

    def _end_stream(self) -> None:
        if self._streaming is not None:
            self._out.write("\n")
            self._streaming = None


def _latency_line(event: LatencyEvent) -> str:
    s = event.stages
    parts = [
        ("retrieval", s.retrieval_ms, "ms"),
        ("first token", s.llm_ttft_ms, "ms"),
        ("", s.tokens_per_s, "tok/s"),
        ("server", s.server_total_ms, "ms"),
        ("TTS first byte", s.tts_ttfb_ms, "ms"),
        ("end to end", s.e2e_ms, "ms"),
    ]
    shown = [
        f"{name} {value:.0f} {unit}".strip() for name, value, unit in parts if value is not None
    ]
    return "latency: " + " · ".join(shown)
