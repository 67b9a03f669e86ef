"""One reply's latency laid out on one time axis, for any view (the app's chart, a report).

Zero is the end of the customer's turn. Every stage is placed where it was measured (the
observer in :mod:`simulator.latency` reports when the reply's own LLM request started, and the
turn's earlier requests: a handoff's, a look-up's), so nothing is inferred by adding durations up.
Three totals say what they are: to the first token, to the first audio (voice), to the full
reply. No bar extends past the longest of them: a stage measured longer than the total it belongs
to (a server's clock and ours disagree) is cut there, and its note says so. Time no stage
explains is drawn as its own bar, never hidden.

Sessions recorded before those marks existed are laid out the old way (stages end to end after
the speech), under the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from simulator.events import AGENT_NAMES, LatencyEvent, LatencyStages

Kind = str
"""``speech``, ``retrieval``, ``handoff``, ``llm``, ``server``, ``tts``, ``other``, ``failed`` or
``total``."""
ROUNDING_MS = 0.5
"""Marks are rounded to 0.01 ms each; a bar this close past the total ends at it, unremarked."""
GAP_MS = 1.0
"""Unexplained time shorter than this is not worth a bar."""


@dataclass(frozen=True)
class Segment:
    label: str
    start_ms: float | None
    end_ms: float | None
    """``None``: the stage did not happen in this reply (the note says why)."""
    note: str
    kind: Kind


@dataclass(frozen=True)
class Waterfall:
    segments: tuple[Segment, ...]
    total_ms: float
    """The longest total (usually the full reply): every bar ends at or before it."""
    footnotes: tuple[str, ...] = ()

    @property
    def drawn(self) -> tuple[Segment, ...]:
        """The stages that happened."""
        return tuple(s for s in self.segments if s.start_ms is not None)


def waterfall(event: LatencyEvent) -> Waterfall:
    stages = event.stages
    segments = _inferred(stages) if stages.llm_start_ms is None else _measured(stages)
    totals = [s.end_ms for s in segments if s.kind == "total" and s.end_ms is not None]
    total = max(totals, default=0.0) or max(
        (s.end_ms for s in segments if s.end_ms is not None), default=0.0
    )
    footnotes = tuple(n for n in (server_breakdown(stages), unused_note(event)) if n)
    return Waterfall(tuple(_cut(s, total) for s in segments), total, footnotes)


def _measured(s: LatencyStages) -> list[Segment]:
    assert s.llm_start_ms is not None
    segments = _speech(s)
    covered = max((seg.end_ms or 0.0 for seg in segments), default=0.0)
    for request in s.earlier_requests:
        name = AGENT_NAMES[request.agent]
        if request.retrieval_ms is not None:
            segments.append(
                _span(
                    f"Retrieval ({name})",
                    request.start_ms - request.retrieval_ms,
                    request.retrieval_ms,
                    "retrieval",
                )
            )
        what = "handoff decision" if request.purpose == "handoff" else "look-up decision"
        segments.append(
            _span(f"{name} LLM: {what}", request.start_ms, request.duration_ms, "handoff")
        )
        covered = max(covered, request.start_ms + request.duration_ms)
    retrieval = s.retrieval_ms or 0.0
    reply_start = s.llm_start_ms - retrieval
    if reply_start - covered > GAP_MS:
        label = "Transfer and tools" if s.earlier_requests else "Before the request (framework)"
        segments.append(_span(label, covered, reply_start - covered, "other"))
    segments.append(_maybe("Retrieval", reply_start, s.retrieval_ms, "retrieval", "none"))
    segments += _llm(s, s.llm_start_ms)
    if s.tts_ttfb_ms is not None and s.first_audio_ms is not None:
        segments.append(
            _span("TTS first byte", s.first_audio_ms - s.tts_ttfb_ms, s.tts_ttfb_ms, "tts")
        )
    else:
        segments.append(_maybe("TTS first byte", 0.0, None, "tts", "text only"))
    segments.append(_maybe("To first token", 0.0, s.first_token_ms, "total", "—"))
    segments.append(_maybe("To first audio", 0.0, s.first_audio_ms, "total", "text only"))
    segments.append(_maybe("Full reply", 0.0, s.full_reply_ms, "total", "—"))
    return segments


def _inferred(s: LatencyStages) -> list[Segment]:
    """A reply recorded before the marks existed: stages end to end after the speech."""
    base = s.end_of_utterance_ms or 0.0
    retrieval = s.retrieval_ms or 0.0
    ttft = s.llm_ttft_ms
    explained = base + retrieval + (ttft or 0.0) + (s.tts_ttfb_ms or 0.0)
    other = (s.e2e_ms - explained) if s.e2e_ms is not None else 0.0
    other = other if other > GAP_MS else 0.0
    segments = _speech(s)
    if other:
        segments.append(_span("Routing, handoff, overhead", base, other, "other"))
    start = base + other
    segments.append(_maybe("Retrieval", start, s.retrieval_ms, "retrieval", "none"))
    llm_start = start + retrieval
    segments += _llm(s, llm_start)
    segments.append(
        _maybe("TTS first byte", llm_start + (ttft or 0.0), s.tts_ttfb_ms, "tts", "text only")
    )
    segments.append(_maybe("First output", 0.0, s.e2e_ms, "total", "—"))
    return segments


def _speech(s: LatencyStages) -> list[Segment]:
    return [
        _maybe("End of utterance", 0.0, s.end_of_utterance_ms, "speech", "typed turn"),
        _maybe("Speech to text", 0.0, s.stt_ms, "speech", "typed turn"),
    ]


def _llm(s: LatencyStages, start: float) -> list[Segment]:
    ttft = s.llm_ttft_ms
    segments = [_maybe("LLM first token", start, ttft, "llm", "—")]
    if s.failed_attempt_ms is not None:  # a degraded turn: the wait on the provider that failed
        segments.insert(0, _span("Failed provider attempt", start, s.failed_attempt_ms, "failed"))
    if s.llm_total_ms is not None and ttft is not None:
        rate = (
            f"{s.tokens_per_s:,.0f} tok/s" if s.tokens_per_s else f"{s.llm_total_ms - ttft:,.0f} ms"
        )
        segments.append(
            Segment("LLM generation", start + ttft, start + s.llm_total_ms, rate, "llm")
        )
    else:
        segments.append(Segment("LLM generation", None, None, "—", "llm"))
    if s.server_total_ms is not None:
        segments.append(_span("Cerebras server time", start, s.server_total_ms, "server"))
    else:
        segments.append(Segment("Cerebras server time", None, None, "not reported", "server"))
    return segments


def _span(label: str, start: float, duration: float, kind: Kind) -> Segment:
    start = max(0.0, start)
    return Segment(label, start, start + duration, f"{duration:,.0f} ms", kind)


def _maybe(label: str, start: float, duration: float | None, kind: Kind, missing: str) -> Segment:
    if duration is None:
        return Segment(label, None, None, missing, kind)
    return _span(label, start, duration, kind)


def _cut(segment: Segment, total: float) -> Segment:
    """Keep a bar inside the total it belongs to (saying so when it had to be cut)."""
    if segment.start_ms is None or segment.end_ms is None or segment.end_ms <= total:
        return segment
    if segment.end_ms - total <= ROUNDING_MS:  # marks rounded apart: the same moment
        return replace(segment, start_ms=min(segment.start_ms, total), end_ms=total)
    start = min(segment.start_ms, total)
    measured = segment.end_ms - segment.start_ms
    return replace(
        segment, start_ms=start, end_ms=total, note=f"{measured:,.0f} ms (past the total)"
    )


def server_breakdown(stages: LatencyStages) -> str:
    """Cerebras' own account of its time (``time_info``), or ``""`` when it sent none."""
    parts = [
        f"{name} {v:,.0f} ms"
        for name, v in (
            ("queue", stages.server_queue_ms),
            ("prompt", stages.server_prompt_ms),
            ("completion", stages.server_completion_ms),
        )
        if v is not None
    ]
    return "Cerebras server: " + " · ".join(parts) if parts else ""


def unused_note(event: LatencyEvent) -> str:
    """The stages a reply did not go through, in a few words."""
    s = event.stages
    parts = []
    if s.end_of_utterance_ms is None and s.stt_ms is None:
        parts.append("speech (typed turn)")
    if s.server_total_ms is None:
        parts.append("server time (offline)" if event.provider == "offline" else "server time")
    if s.tts_ttfb_ms is None:
        parts.append("TTS (text only)")
    return "Not in this turn: " + ", ".join(parts) if parts else ""
