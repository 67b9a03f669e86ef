"""A readable, self-contained HTML report of one session.

After a rehearsal a rep mails the report to a manager or attaches it to a deal: it must open in
any browser with no network and no companion files (inline CSS and an inline SVG chart), read
like a conversation (not a log), show why each answer said what it said (the passages behind it)
and how fast it came (a table with p50/p95). All text is escaped, and secrets are redacted.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from simulator.conversation import AgentReply, Conversation, CustomerLine, LatencySummary
from simulator.events import AGENT_NAMES, ConversationResetEvent, Event, HandoffEvent, LatencyEvent
from simulator.palette import speaker_colour, speaker_tint
from simulator.redaction import Redactor

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
"""


def render_report(events: Iterable[Event], *, title: str = "Sales rehearsal",
                  redactor: Redactor | None = None) -> str:
    """The whole report as one HTML string."""
    conversation = Conversation(events)
    redact = redactor or Redactor()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        _meta(conversation),
        _cards(conversation),
        "<h2>Conversation</h2>",
        _transcript(conversation),
        "<h2>Handoffs</h2>",
        _handoffs(conversation),
        "<h2>Latency</h2>",
        _chart(conversation.latencies),
        _latency_table(conversation),
        _statuses(conversation),
        "</body></html>",
    ]
    return redact("\n".join(p for p in parts if p))


def write_report(path: Path, events: Iterable[Event], *, title: str = "Sales rehearsal",
                 redactor: Redactor | None = None) -> Path:
    path = Path(path)
    path.write_text(render_report(events, title=title, redactor=redactor), encoding="utf-8")
    return path


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} ms"


def _meta(conversation: Conversation) -> str:
    started = conversation.session
    if started is None:
        return '<p class="meta">No session start was recorded.</p>'
    when = datetime.fromtimestamp(started.created_at).strftime("%Y-%m-%d %H:%M")
    model = "offline responder (answers are sentences from the documents)" if started.provider == "offline" \
        else f"{started.provider} · {started.model}"
    return (f'<p class="meta">{_e(when)} · session {_e(started.session_id)} · {_e(model)}<br>'
            f'Knowledge: <span class="src">{_e(started.knowledge_dir)}</span></p>')


def _cards(conversation: Conversation) -> str:
    summary = conversation.e2e_summary()
    customer_turns = sum(isinstance(e, CustomerLine) for e in conversation.entries)
    cards = [
        (str(customer_turns), "customer turns"),
        (str(len(conversation.replies)), "agent replies"),
        (str(len(conversation.handoffs)), "handoffs"),
        (_ms(summary.p50_ms), "end to end, p50"),
        (_ms(summary.p95_ms), "end to end, p95"),
    ]
    body = "".join(f'<div class="card"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for v, k in cards)
    return f'<div class="cards">{body}</div>'


def _transcript(conversation: Conversation) -> str:
    if not conversation.entries:
        return "<p>Nothing was said.</p>"
    out = []
    for entry in conversation.entries:
        if isinstance(entry, CustomerLine):
            out.append(_message("customer", entry.text, ""))
        elif isinstance(entry, AgentReply):
            out.append(_reply(entry))
        elif isinstance(entry, HandoffEvent):
            out.append(f'<p class="handoff">→ {_e(AGENT_NAMES[entry.from_agent])} handed over to '
                       f'{_e(AGENT_NAMES[entry.to_agent])}: {_e(entry.reason)}</p>')
        elif isinstance(entry, ConversationResetEvent):
            out.append('<p class="reset">— New conversation with the Greeter —</p>')
    return "\n".join(out)


def _message(speaker: str, text: str, extra: str, tags: str = "") -> str:
    return (f'<div class="msg" style="border-color:{speaker_colour(speaker)};background:{speaker_tint(speaker)}">'
            f'<span class="who" style="color:{speaker_colour(speaker)}">{_e(AGENT_NAMES[speaker])}</span>'
            f"{tags}<div>{_e(text)}</div>{extra}</div>")


def _reply(reply: AgentReply) -> str:
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
        extra += f'<details><summary>Looked up {_e(call.name)}({_e(args)})</summary><pre>{_e(call.output)}</pre></details>'
    if reply.retrieval is not None:
        passages = reply.retrieval.passages
        items = "".join(
            f'<div class="passage"><span class="src">{_e(p.source)}</span> › {_e(p.section)} '
            f"(score {p.score:.2f})<pre>{_e(p.text)}</pre></div>"
            for p in passages
        ) or "<div>No passage was relevant.</div>"
        extra += (f"<details><summary>Sources ({len(passages)}): "
                  f"{_e(', '.join(dict.fromkeys(p.source for p in passages)))}</summary>{items}</details>")
    return _message(reply.speaker, reply.text, extra, tags)


def _handoffs(conversation: Conversation) -> str:
    if not conversation.handoffs:
        return "<p>The Greeter handled everything; nobody was handed over.</p>"
    rows = "".join(
        f'<tr><td>{h.turn_id}</td><td class="l">{_e(AGENT_NAMES[h.from_agent])}</td>'
        f'<td class="l">{_e(AGENT_NAMES[h.to_agent])}</td><td class="l">{_e(h.reason)}</td></tr>'
        for h in conversation.handoffs
    )
    return ('<table><thead><tr><th>Turn</th><th class="l">From</th><th class="l">To</th>'
            f'<th class="l">Why</th></tr></thead><tbody>{rows}</tbody></table>')


def _latency_table(conversation: Conversation) -> str:
    if not conversation.latencies:
        return "<p>No reply was timed.</p>"
    rows = []
    for event in conversation.latencies:
        s = event.stages
        tokens = "–" if s.tokens_per_s is None else f"{s.tokens_per_s:,.0f}"
        rows.append(
            f'<tr><td>{event.turn_id}</td><td class="l">{_e(AGENT_NAMES[event.agent])}</td>'
            f'<td class="l">{_e(event.provider)}</td><td>{_ms(s.retrieval_ms)}</td><td>{_ms(s.llm_ttft_ms)}</td>'
            f"<td>{tokens}</td><td>{_ms(s.server_total_ms)}</td><td>{_ms(s.tts_ttfb_ms)}</td>"
            f"<td>{_ms(s.e2e_ms)}</td></tr>"
        )
    summary = conversation.e2e_summary()
    foot = (f'<tfoot><tr><td colspan="8" class="l">End to end over {summary.count} replies: p50</td>'
            f'<td>{_ms(summary.p50_ms)}</td></tr><tr><td colspan="8" class="l">p95</td>'
            f"<td>{_ms(summary.p95_ms)}</td></tr></tfoot>")
    head = ('<thead><tr><th>Turn</th><th class="l">Agent</th><th class="l">Model</th><th>Retrieval</th>'
            "<th>First token</th><th>Tokens/s</th><th>Server</th><th>TTS first byte</th>"
            "<th>End to end</th></tr></thead>")
    return f"<table>{head}<tbody>{''.join(rows)}</tbody>{foot}</table>"


def _chart(latencies: list[LatencyEvent]) -> str:
    """End-to-end latency per reply as an inline SVG bar chart with p50/p95 lines."""
    values = [e.stages.e2e_ms for e in latencies if e.stages.e2e_ms is not None]
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
        f'height="{height - pad - y(v):.1f}" fill="{speaker_colour(e.agent)}"><title>turn {e.turn_id}: '
        f"{v:.0f} ms</title></rect>"
        for i, (v, e) in enumerate(zip(values, [e for e in latencies if e.stages.e2e_ms is not None]))
    )
    lines = ""
    for label, v, dash in (("p50", summary.p50_ms, ""), ("p95", summary.p95_ms, ' stroke-dasharray="6 4"')):
        if v is None:
            continue
        lines += (f'<line x1="{pad}" x2="{width - pad}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#0f172a"{dash}/>'
                  f'<text x="{width - pad + 4}" y="{y(v) + 4:.1f}" font-size="12">{label} {v:.0f}</text>')
    if top >= 1000:
        lines += (f'<line x1="{pad}" x2="{width - pad}" y1="{y(1000):.1f}" y2="{y(1000):.1f}" stroke="#94a3b8" '
                  f'stroke-dasharray="2 3"/><text x="4" y="{y(1000) + 4:.1f}" font-size="12" fill="#475569">1 s</text>')
    axis = f'<line x1="{pad}" x2="{width - pad}" y1="{height - pad}" y2="{height - pad}" stroke="#94a3b8"/>'
    caption = '<text x="4" y="14" font-size="12" fill="#475569">end to end per reply (ms)</text>'
    return (f'<svg viewBox="0 0 {width + 40} {height}" width="100%" role="img" '
            f'aria-label="End-to-end latency per reply">{caption}{axis}{bars}{lines}</svg>')


def _statuses(conversation: Conversation) -> str:
    notable = [s for s in conversation.statuses if s.level != "info"]
    if not notable:
        return ""
    items = "".join(f'<li class="{"error" if s.level == "error" else "warn"}">{_e(s.source)}: {_e(s.message)}</li>'
                    for s in notable)
    return f"<h2>Warnings</h2><ul>{items}</ul>"
