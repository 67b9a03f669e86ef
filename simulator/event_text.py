"""Events as lines for a person at a terminal: ``simulator chat`` and ``simulator rehearse`` say
the same things the same way, and print nothing a terminal would obey.

:func:`describe` is one or a few lines for an event that is not a line of the conversation (a
retrieval, a handoff, a look-up, latency, a status, Coach mode's moves, the scorecard);
:func:`clean` takes terminal control sequences out of text that came from documents or a model
(``ESC]0;…`` would retitle the window, ``ESC[2J`` clear the screen).
"""

from __future__ import annotations

import re

from simulator.events import (
    AGENT_NAMES,
    Claim,
    ClaimCheckEvent,
    CoachStateEvent,
    CoachWhisperEvent,
    ConversationResetEvent,
    CopilotAnswerEvent,
    CopilotContextEvent,
    CustomerOutcomeEvent,
    Event,
    HandoffEvent,
    LatencyEvent,
    ModeChangedEvent,
    Passage,
    PersonaEvent,
    PracticeAttempt,
    PracticeProgressEvent,
    RetrievalEvent,
    ScorecardEvent,
    StatusEvent,
    ToolCallEvent,
    TranscriptEvent,
)

_CONTROL = re.compile(
    r"(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC: a window title, a link...
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI: cursor moves, clearing the screen, colours...
    r"|\x1b[@-_]?"  # any other escape
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # other control characters (newline and tab stay)
)


def clean(text: str) -> str:
    """``text`` without terminal control sequences (newlines and tabs stay)."""
    return _CONTROL.sub("", text)


def reply_label(event: TranscriptEvent) -> str:
    """What follows an agent's name: " (offline)", and for an offline answer chosen before the
    contextual encoder was ready, that it was (the same question may get a better answer later)."""
    if event.provider != "offline":
        return ""
    if event.scorer == "wordllama":
        return " (offline; encoder still loading)"
    return " (offline)"


def describe(event: Event) -> str:
    """One or a few lines for an event that is not a line of the conversation ("" for none)."""
    if isinstance(event, RetrievalEvent):
        sources = ", ".join(f"{p.source} › {p.section} ({p.score:.2f})" for p in event.passages[:3])
        return f"  [{AGENT_NAMES[event.agent]} read: {sources or 'nothing relevant'}]"
    if isinstance(event, HandoffEvent):
        return (
            f"  -> {AGENT_NAMES[event.from_agent]} hands over to "
            f"{AGENT_NAMES[event.to_agent]}: {event.reason}"
        )
    if isinstance(event, ToolCallEvent):
        args = ", ".join(f"{k}={v}" for k, v in event.arguments.items())
        return f"  [{event.name}({args})]"
    if isinstance(event, LatencyEvent):
        return f"  [{latency_line(event)}]"
    if isinstance(event, StatusEvent):
        return f"  ({event.level}: {event.message})"
    if isinstance(event, ConversationResetEvent):
        return "  (new conversation with the Greeter)"
    if isinstance(event, ClaimCheckEvent) and event.agent == "rep":
        return "\n".join(rep_claim_line(claim) for claim in event.claims)
    if isinstance(event, CopilotContextEvent):
        return copilot_context_text(event)
    if isinstance(event, CopilotAnswerEvent):
        return copilot_answer_text(event)
    if isinstance(event, PracticeProgressEvent):
        return f"  Progress with {event.persona_name}: " + progress_line(event.attempts)
    if isinstance(event, ClaimCheckEvent):
        return "\n".join(
            f'  [{claim.outcome} {claim.kind.replace("_", " ")}: "{claim.text}" - {claim.note}]'
            for claim in event.unsupported
        )
    if isinstance(event, ModeChangedEvent):
        return f"  ({event.reason})" if event.reason else ""
    if isinstance(event, CoachStateEvent):
        return f"  ({event.state.replace('_', ' ')}: {event.detail})" if event.detail else ""
    if isinstance(event, PersonaEvent) and event.action != "opened":
        what = event.objection or event.fact or event.detail
        return f"  [{event.action.replace('_', ' ')}{': ' + what if what else ''}]"
    if isinstance(event, CoachWhisperEvent):
        return f"  [whisper to the {AGENT_NAMES[event.agent]} {event.status}: {event.text}]"
    if isinstance(event, CustomerOutcomeEvent):
        return f"  (the customer {event.outcome}: {event.reason})"
    if isinstance(event, ScorecardEvent):
        from simulator.scorecard import render_text

        return "\n" + render_text(event.scorecard)
    return ""


# -- Rep mode ----------------------------------------------------------------------------------


def rep_claim_line(claim: Claim) -> str:
    """One of the rep's claims as checked: held, wrong (with the right figure and its sentence),
    or stated by nothing in the material."""
    if claim.outcome == "supported":
        where = f": {claim.supporting.source}" if claim.supporting else ""
        return f'  [✓ your {claim.kind} "{claim.text}" holds{where}]'
    if claim.outcome == "contradicted":
        right = claim.correct or "something else"
        source = claim.contradicting
        where = (
            f" — {source.source} › {source.section}: “{_words(source.text, 30)}”" if source else ""
        )
        return f'  [✗ you said "{claim.text}": the material says {right}{where}]'
    return f'  [? you said "{claim.text}": {claim.note or "nothing in the material states it"}]'


def copilot_context_text(event: CopilotContextEvent) -> str:
    """The co-pilot's help for one customer line, for the rep's eyes only."""
    lines = ["  [co-pilot, only you see this]"]
    if event.objection:
        lines.append(f"    objection: {event.objection} ({event.playbook_section})")
        if event.prepared_response:
            lines.append(f"    prepared response: “{_words(event.prepared_response, 60)}”")
    if event.questions_to_ask:
        lines.append("    you could ask: " + " · ".join(event.questions_to_ask))
    for lookup in event.lookups:
        lines.append(f"    {lookup.name}({lookup.argument}): {lookup.output}")
    for passage in event.passages:
        lines.append("    " + _passage_line(passage))
    if len(lines) == 1:
        lines.append("    nothing in the material fits this line")
    return "\n".join(lines)


def copilot_answer_text(event: CopilotAnswerEvent) -> str:
    sources = "; ".join(f"{p.source} › {p.section}" for p in event.passages)
    return f"  [co-pilot, only you see this] {event.question}\n    {event.answer}" + (
        f"\n    ({'closest' if not event.answered else 'from'}: {sources})" if sources else ""
    )


_BARS = "▁▂▃▄▅▆▇█"


def progress_line(attempts: tuple[PracticeAttempt, ...] | list[PracticeAttempt]) -> str:
    """Attempts as a little text chart: a bar per attempt (its score) and the last few
    outcomes."""
    bars = "".join(_BARS[min(len(_BARS) - 1, int(a.score * len(_BARS)))] for a in attempts)
    recent = " · ".join(
        f"#{n} {a.score:.0%} {a.outcome}" for n, a in list(enumerate(attempts, start=1))[-4:]
    )
    return f"{bars}  {recent}"


def _passage_line(passage: Passage) -> str:
    section = passage.section.split(" > ")[-1]
    return f"{passage.source} › {section} ({passage.score:.2f}): {_words(passage.text, 24)}"


def _words(text: str, count: int) -> str:
    words = text.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def latency_line(event: LatencyEvent) -> str:
    s = event.stages
    parts = [
        ("retrieval", s.retrieval_ms, "ms"),
        ("failed attempt", s.failed_attempt_ms, "ms"),
        ("LLM first token", s.llm_ttft_ms, "ms"),
        ("", s.tokens_per_s, "tok/s"),
        ("server", s.server_total_ms, "ms"),
        ("TTS first byte", s.tts_ttfb_ms, "ms"),
        ("to first token", s.first_token_ms, "ms"),
        ("to first audio", s.first_audio_ms, "ms"),
        ("full reply", s.full_reply_ms, "ms"),
    ]
    if s.first_token_ms is None:  # an event from before the marks: its first output
        parts.append(("first output", s.e2e_ms, "ms"))
    shown = [
        f"{name} {value:.0f} {unit}".strip() for name, value, unit in parts if value is not None
    ]
    return "latency: " + " · ".join(shown)
