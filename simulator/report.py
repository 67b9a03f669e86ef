"""A readable, self-contained HTML report of one session.

After a rehearsal a rep mails the report to a manager or attaches it to a deal: it must open in
any browser with no network and no companion files (inline CSS and an inline SVG chart), read
like a conversation (not a log), show why each answer said what it said (the passages behind it),
how fast it came (a table with p50/p95) and, for a rehearsal, how it went: the scorecard (the
session's last ``ScorecardEvent``, the final one when there is one), the persona's name on its
lines, the coach's whispers, and each reply's claim check with the flagged figures marked and the
passage that says otherwise. A Rep-mode call (the user sold to a persona) reads the same way,
with the rep's lines checked like an agent's, the rep's scorecard, and the questions the rep asked
the co-pilot privately as notes; it has no handoffs or latency to show. All text is escaped, and
secrets are redacted.

This is the one place a report is made: the app's export and ``simulator rehearse --report``
both call :func:`write_report` with the session's events.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from simulator.conversation import AgentReply, Conversation, CustomerLine, LatencySummary
from simulator.events import (
    AGENT_NAMES,
    ClaimCheckEvent,
    CoachWhisperEvent,
    ConversationResetEvent,
    CopilotAnswerEvent,
    CustomerOutcomeEvent,
    Event,
    HandoffEvent,
    LatencyEvent,
    ModeChangedEvent,
    Scorecard,
    ScorecardEvent,
    TranscriptEvent,
)
from simulator.palette import speaker_colour, speaker_tint
from simulator.redaction import Redactor
from simulator.scorecard_render import headline, parts, tiles, verdict
from simulator.turn_numbers import renumbered, turn_numbers

_CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #0f172a;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; font-size: 1.25rem;
     border-bottom: 2px solid #e2e8f0; padding-bottom: .3rem; }
.meta { color: #475569; font-size: .95rem; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1.2rem 0; }
.card { border: 1px solid #e2e8f0; border-radius: .5rem; padding: .6rem 1rem; min-width: 8rem; }
.card b { display: block; font-size: 1.6rem; } .card span { color: #475569; font-size: .85rem; }
.msg { border-left: 4px solid; border-radius: .4rem; padding: .5rem .9rem; margin: .6rem 0; }
.who { font-weight: bold; } .tag { font-size: .75rem; border: 1px solid #94a3b8; color: #475569;
       border-radius: .6rem; padding: 0 .4rem; margin-left: .4rem; font-weight: normal; }
.handoff, .reset { color: #475569; font-style: italic; margin: .6rem 0 .6rem 1rem; }
details { margin-top: .3rem; font-size: .9rem; } summary { cursor: pointer; color: #334155; }
.passage { border-top: 1px dashed #cbd5e1; padding: .3rem 0; } .passage pre { white-space: pre-wrap;
           font-family: inherit; margin: .2rem 0 0; color: #334155; }
.src { font-family: "DejaVu Sans Mono", monospace; font-size: .85rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #e2e8f0; padding: .3rem .5rem; text-align: right; }
th:first-child, td:first-child, td.l, th.l { text-align: left; }
tfoot td { font-weight: bold; } .warn { color: #92400e; } .error { color: #b91c1c; }
.outcome { border-radius: .5rem; padding: .6rem 1rem; font-weight: bold; font-size: 1.1rem; }
.agreed { background: #dcfce7; color: #15803d; } .declined { background: #fee2e2; color: #b91c1c; }
.undecided { background: #fef3c7; color: #a16207; }
.ok { color: #15803d; font-weight: bold; } .bad { color: #b91c1c; font-weight: bold; }
mark.claim { background: #fee2e2; color: #b91c1c; font-weight: bold; }
.whisper { border: 1px dashed #d97706; background: #fef3c7; color: #78350f; border-radius: .4rem;
           padding: .4rem .8rem; margin: .6rem 2rem; font-size: .9rem; }
.note { color: #475569; margin: .6rem 0 .6rem 1rem; }
"""


def render_report(
    events: Iterable[Event], *, title: str = "Sales rehearsal", redactor: Redactor | None = None
) -> str:
    """The whole report as one HTML string."""
    events = list(events)
    conversation = Conversation(events)
    coach = _CoachNotes(events)
    number = turn_numbers(events)  # each conversation's turns from 1, as the customer counts
    redact = redactor or Redactor()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        _meta(conversation),
        _cards(conversation, selling=coach.selling),
        _scorecard(None if coach.scorecard is None else renumbered(coach.scorecard, number)),
        "<h2>Conversation</h2>",
        _transcript(conversation, coach),
        *(
            ()
            if coach.selling  # nobody on the team answered: no handoffs, no reply to time
            else (
                "<h2>Handoffs</h2>",
                _handoffs(conversation, number),
                "<h2>Latency</h2>",
                _chart(conversation.latencies, number),
                _latency_table(conversation, number),
            )
        ),
        _statuses(conversation),
        "</body></html>",
    ]
    return redact("\n".join(p for p in parts if p))


def write_report(
    path: Path,
    events: Iterable[Event],
    *,
    title: str = "Sales rehearsal",
    redactor: Redactor | None = None,
) -> Path:
    path = Path(path)
    text = render_report(events, title=title, redactor=redactor)
    # owner-only, like the session log it is made from (customer names, deals, figures)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with open(fd, "w", encoding="utf-8") as file:
        file.write(text)
    return path


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _ms(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:,.0f} ms"


def _clock_time(timestamp: float) -> str:
    """A time to show; a log may hold any number here (NaN, 1e15), so never fail on it."""
    try:
        return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")
    except (ValueError, OverflowError, OSError):
        return "an unknown time"


def _meta(conversation: Conversation) -> str:
    started = conversation.session
    if started is None:
        return '<p class="meta">No session start was recorded.</p>'
    when = _clock_time(started.created_at)
    model = (
        "offline responder (answers are sentences from the documents)"
        if started.provider == "offline"
        else f"{started.provider} · {started.model}"
    )
    return (
        f'<p class="meta">{_e(when)} · session {_e(started.session_id)} · {_e(model)}<br>'
        f'Knowledge: <span class="src">{_e(started.knowledge_dir)}</span></p>'
    )


def _cards(conversation: Conversation, *, selling: bool = False) -> str:
    summary = conversation.e2e_summary()
    customer_turns = sum(isinstance(e, CustomerLine) for e in conversation.entries)
    if selling:
        cards = [
            (str(customer_turns), "customer turns"),
            (str(len(conversation.replies)), "your lines as the rep"),
        ]
        body = "".join(
            f'<div class="card"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for v, k in cards
        )
        return f'<div class="cards">{body}</div>'
    cards = [
        (str(customer_turns), "customer turns"),
        (str(len(conversation.replies)), "agent replies"),
        (str(len(conversation.handoffs)), "handoffs"),
        (_ms(summary.p50_ms), "end to end, p50"),
        (_ms(summary.p95_ms), "end to end, p95"),
    ]
    body = "".join(f'<div class="card"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for v, k in cards)
    return f'<div class="cards">{body}</div>'


class _CoachNotes:
    """What the report adds for Coach mode, read from the events: who played each customer line,
    the whispers and the outcome (placed by time among the transcript), each reply's claim check,
    and the scorecard to show."""

    def __init__(self, events: list[Event]) -> None:
        self.customer_names: dict[tuple[int, str], str] = {}
        self.checks: dict[tuple[int, str], ClaimCheckEvent] = {}
        self.notes: list[tuple[float, str]] = []
        self.selling = any(isinstance(e, ModeChangedEvent) and e.mode == "rep" for e in events)
        """A Rep-mode call: the user sold to the persona."""
        cards = [e for e in events if isinstance(e, ScorecardEvent)]
        finals = [e for e in cards if e.scorecard.final]
        self.scorecard: Scorecard | None = (finals or cards)[-1].scorecard if cards else None
        persona: str | None = None
        for event in events:
            if isinstance(event, ModeChangedEvent):
                persona = event.persona_name if event.customer == "persona" else None
            elif isinstance(event, TranscriptEvent) and event.speaker == "customer" and persona:
                self.customer_names[(event.turn_id, event.text)] = f"{persona} (AI customer)"
            elif isinstance(event, ClaimCheckEvent):
                self.checks[(event.turn_id, event.agent)] = event
            elif isinstance(event, CoachWhisperEvent) and event.status == "queued":
                self.notes.append(
                    (
                        event.created_at,
                        f'<p class="whisper">Coach whisper to the '
                        f"{_e(AGENT_NAMES[event.agent])}: “{_e(event.text)}”</p>",
                    )
                )
            elif isinstance(event, CopilotAnswerEvent):
                sources = "; ".join(f"{p.source} › {p.section}" for p in event.passages)
                self.notes.append(
                    (
                        event.created_at,
                        f'<p class="whisper">The rep asked the co-pilot (the customer never saw '
                        f"it): “{_e(event.question)}” — {_e(event.answer)}"
                        + (f' <span class="src">({_e(sources)})</span>' if sources else "")
                        + "</p>",
                    )
                )
            elif isinstance(event, CustomerOutcomeEvent):
                step = f" Next step: {_e(event.next_step)}." if event.next_step else ""
                self.notes.append(
                    (
                        event.created_at,
                        f'<p class="note">■ The customer {_e(event.outcome)}: '
                        f"{_e(event.reason)}{step}</p>",
                    )
                )


def _transcript(conversation: Conversation, coach: _CoachNotes) -> str:
    if not conversation.entries:
        return "<p>Nothing was said.</p>"
    out = []
    notes = sorted(coach.notes)
    for entry in conversation.entries:
        while notes and notes[0][0] <= _when(entry):
            out.append(notes.pop(0)[1])
        if isinstance(entry, CustomerLine):
            out.append(
                _message(
                    "customer",
                    entry.text,
                    "",
                    name=coach.customer_names.get((entry.turn_id, entry.text)),
                )
            )
        elif isinstance(entry, AgentReply):
            out.append(_reply(entry, coach.checks.get((entry.turn_id, entry.speaker))))
        elif isinstance(entry, HandoffEvent):
            out.append(
                f'<p class="handoff">→ {_e(AGENT_NAMES[entry.from_agent])} handed over to '
                f"{_e(AGENT_NAMES[entry.to_agent])}: {_e(entry.reason)}</p>"
            )
        elif isinstance(entry, ConversationResetEvent):
            out.append('<p class="reset">— New conversation with the Greeter —</p>')
    out.extend(note for _, note in notes)
    return "\n".join(out)


def _when(entry: object) -> float:
    return float(getattr(entry, "created_at", 0.0))


def _message(
    speaker: str,
    text: str,
    extra: str,
    tags: str = "",
    *,
    name: str | None = None,
    body: str | None = None,
) -> str:
    return (
        f'<div class="msg" '
        f'style="border-color:{speaker_colour(speaker)};background:{speaker_tint(speaker)}">'
        f'<span class="who" '
        f'style="color:{speaker_colour(speaker)}">{_e(name or AGENT_NAMES[speaker])}</span>'
        f"{tags}<div>{body if body is not None else _e(text)}</div>{extra}</div>"
    )


def _marked(text: str, check: ClaimCheckEvent | None) -> str:
    """The reply escaped, each unsupported claim's span in a ``<mark class="claim">``."""
    if check is None or check.reply != text:
        return _e(text)
    out, position = [], 0
    spans = [  # a damaged log may carry any number: mark only real spans of this reply
        c
        for c in check.unsupported
        if isinstance(c.start, int) and isinstance(c.end, int) and 0 <= c.start < c.end
    ]
    for claim in sorted(spans, key=lambda c: c.start):
        if claim.start < position or text[claim.start : claim.end] != claim.text:
            continue
        out.append(_e(text[position : claim.start]))
        out.append(
            f'<mark class="claim" title="not supported by '
            f'the knowledge base">{_e(claim.text)}</mark>'
        )
        position = claim.end
    return "".join(out) + _e(text[position:])


def _claims(check: ClaimCheckEvent | None) -> tuple[str, str]:
    """(a tag for the reply, details of its unsupported claims)."""
    if check is None or not check.claims:
        return "", ""
    if not check.unsupported:
        return f'<span class="tag ok">✓ {len(check.claims)} claim(s) checked</span>', ""
    items = ""
    for claim in check.unsupported:
        passage = claim.contradicting
        said = (
            (
                f'<div class="passage">The knowledge says otherwise '
                f'in <span class="src">{_e(passage.source)}</span> '
                f"› {_e(passage.section)}<pre>{_e(passage.text)}</pre></div>"
            )
            if passage
            else "<div>No passage states it either way.</div>"
        )
        items += f"<li>“{_e(claim.text)}” ({_e(claim.kind)}): {_e(claim.note)}{said}</li>"
    return (
        f'<span class="tag bad">⚠ {len(check.unsupported)} unsupported claim(s)</span>',
        f"<details open><summary>Unsupported claims</summary><ul>{items}</ul></details>",
    )


def _scorecard(card: Scorecard | None) -> str:
    """The scorecard's one presentation model (:mod:`simulator.scorecard_render`), as HTML."""
    if card is None:
        return ""
    body = "".join(
        f'<div class="card"><b>{_e(value)}</b><span>{_e(label.lower())}</span></div>'
        for label, value in tiles(card)
    )
    sections = "".join(
        f"<h3>{_e(part.title.capitalize())}</h3><ul>"
        + "".join(
            f'<li><span class="{"ok" if row.mark == "✓" else "bad"}">{_e(row.mark)}</span> '
            f"{_e(row.text)}</li>"
            for row in part.rows
        )
        + "</ul>"
        for part in parts(card)
    )
    return "".join(
        [
            "<h2>Scorecard" + ("" if card.final else " (so far)") + "</h2>",
            f'<p class="outcome {card.outcome}">{_e(headline(card))}</p>',
            f"<p>{_e(verdict(card))}</p>",
            f'<div class="cards">{body}</div>',
            sections or "<p>No objection was raised.</p>",
        ]
    )


def _reply(reply: AgentReply, check: ClaimCheckEvent | None = None) -> str:
    tags = ""
    if reply.provider == "offline":
        tags += '<span class="tag">offline</span>'
    if reply.interrupted:
        tags += '<span class="tag">interrupted</span>'
    if reply.latency and reply.latency.stages.e2e_ms is not None:
        tags += f'<span class="tag">{_ms(reply.latency.stages.e2e_ms)}</span>'
    extra = ""
    for call in reply.tool_calls:
        args = ", ".join(f"{k}={v}" for k, v in call.arguments.items())
        extra += (
            f"<details><summary>Looked up "
            f"{_e(call.name)}({_e(args)})</summary><pre>{_e(call.output)}</pre></details>"
        )
    if reply.retrieval is not None:
        passages = reply.retrieval.passages
        items = (
            "".join(
                f'<div class="passage"><span class="src">{_e(p.source)}</span> › {_e(p.section)} '
                f"(score {p.score:.2f})<pre>{_e(p.text)}</pre></div>"
                for p in passages
            )
            or "<div>No passage was relevant.</div>"
        )
        extra += (
            f"<details><summary>Sources ({len(passages)}): "
            f"{_e(', '.join(dict.fromkeys(p.source for p in passages)))}</summary>{items}</details>"
        )
    claim_tag, claim_details = _claims(check)
    return _message(
        reply.speaker,
        reply.text,
        claim_details + extra,
        tags + claim_tag,
        body=_marked(reply.text, check),
    )


def _handoffs(conversation: Conversation, number: Callable[[int], int]) -> str:
    if not conversation.handoffs:
        return "<p>The Greeter handled everything; nobody was handed over.</p>"
    rows = "".join(
        f'<tr><td>{number(h.turn_id)}</td><td class="l">{_e(AGENT_NAMES[h.from_agent])}</td>'
        f'<td class="l">{_e(AGENT_NAMES[h.to_agent])}</td><td class="l">{_e(h.reason)}</td></tr>'
        for h in conversation.handoffs
    )
    return (
        '<table><thead><tr><th>Turn</th><th class="l">From</th><th class="l">To</th>'
        f'<th class="l">Why</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def _latency_table(conversation: Conversation, number: Callable[[int], int]) -> str:
    if not conversation.latencies:
        return "<p>No reply was timed.</p>"
    rows = []
    for event in conversation.latencies:
        s = event.stages
        tokens = "–" if s.tokens_per_s is None else f"{s.tokens_per_s:,.0f}"
        first = _ms(s.llm_ttft_ms)
        if s.failed_attempt_ms is not None:
            first += f" ({_ms(s.failed_attempt_ms)} on a failed attempt)"
        rows.append(
            f'<tr><td>{number(event.turn_id)}</td><td class="l">{_e(AGENT_NAMES[event.agent])}</td>'
            f'<td class="l">{_e(event.provider)}</td><td>{_ms(s.retrieval_ms)}</td>'
            f"<td>{_e(first)}</td>"
            f"<td>{tokens}</td><td>{_ms(s.server_total_ms)}</td><td>{_ms(s.tts_ttfb_ms)}</td>"
            f"<td>{_ms(s.e2e_ms)}</td></tr>"
        )
    summary = conversation.e2e_summary()
    foot = (
        f'<tfoot><tr><td colspan="8" class="l">End to end over {summary.count} replies: p50</td>'
        f'<td>{_ms(summary.p50_ms)}</td></tr><tr><td colspan="8" class="l">p95</td>'
        f"<td>{_ms(summary.p95_ms)}</td></tr></tfoot>"
    )
    head = (
        '<thead><tr><th>Turn</th><th class="l">Agent</th><th class="l">Model</th><th>Retrieval</th>'
        "<th>First token</th><th>Tokens/s</th><th>Server</th><th>TTS first byte</th>"
        "<th>End to end</th></tr></thead>"
    )
    return f"<table>{head}<tbody>{''.join(rows)}</tbody>{foot}</table>"


def _chart(latencies: list[LatencyEvent], number: Callable[[int], int]) -> str:
    """End-to-end latency per reply as an inline SVG bar chart with p50/p95 lines."""
    timed = [e for e in latencies if e.stages.e2e_ms is not None and math.isfinite(e.stages.e2e_ms)]
    values = [e.stages.e2e_ms for e in timed if e.stages.e2e_ms is not None]
    if not values:
        return ""
    summary = LatencySummary.of(values)
    width, height, pad = 720, 180, 36
    top = max(250.0, max(values) * 1.15)  # like the app: a 30 ms reply is drawn small
    step = (width - pad * 2) / len(values)
    bar = max(2.0, min(40.0, step * 0.7))

    def y(v: float) -> float:
        return height - pad - (height - pad * 2) * v / top

    bars = "".join(
        f'<rect x="{pad + i * step + (step - bar) / 2:.1f}" y="{y(v):.1f}" width="{bar:.1f}" '
        f'height="{height - pad - y(v):.1f}" '
        f'fill="{speaker_colour(e.agent)}"><title>turn {number(e.turn_id)}: '
        f"{v:.0f} ms</title></rect>"
        for i, (v, e) in enumerate(zip(values, timed, strict=True))
    )
    lines = ""
    for label, v, dash in (
        ("p50", summary.p50_ms, ""),
        ("p95", summary.p95_ms, ' stroke-dasharray="6 4"'),
    ):
        if v is None:
            continue
        lines += (
            f'<line x1="{pad}" x2="{width - pad}" y1="{y(v):.1f}" '
            f'y2="{y(v):.1f}" stroke="#0f172a"{dash}/>'
            f'<text x="{width - pad + 4}" y="{y(v) + 4:.1f}" font-size="12">{label} {v:.0f}</text>'
        )
    if top >= 1000:
        lines += (
            f'<line x1="{pad}" x2="{width - pad}" y1="{y(1000):.1f}" '
            f'y2="{y(1000):.1f}" stroke="#94a3b8" '
            f'stroke-dasharray="2 3"/><text x="4" y="{y(1000) + 4:.1f}" '
            f'font-size="12" fill="#475569">1 s</text>'
        )
    axis = (
        f'<line x1="{pad}" x2="{width - pad}" y1="{height - pad}" '
        f'y2="{height - pad}" stroke="#94a3b8"/>'
    )
    caption = '<text x="4" y="14" font-size="12" fill="#475569">end to end per reply (ms)</text>'
    return (
        f'<svg viewBox="0 0 {width + 40} {height}" width="100%" role="img" '
        f'aria-label="End-to-end latency per reply">{caption}{axis}{bars}{lines}</svg>'
    )


def _statuses(conversation: Conversation) -> str:
    notable = [s for s in conversation.statuses if s.level != "info"]
    if not notable:
        return ""
    items = "".join(
        f'<li class="{"error" if s.level == "error" else "warn"}">{_e(s.source)}: '
        f"{_e(s.message)}</li>"
        for s in notable
    )
    return f"<h2>Warnings</h2><ul>{items}</ul>"
