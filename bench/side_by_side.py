"""Section 2: our team side by side with the workshop notebook's design, same server and script.

Both designs hold the same customer conversation (:data:`bench.script.SCRIPT`: a fact told to
the Greeter, then two transfers) against one provider process with one latency model, turn by
turn, alternating designs between rounds. The workshop design is :mod:`bench.workshop`: a greeting
request before the customer speaks, a confirmation request inside every transfer, specialists
that greet with a fixed sentence and never see the question, so the customer asks it again (the
bench does, at once). Measured on the wire (the server's record of every request) and at the
reader of the event stream:

- prompt tokens per request, per customer line (every request the line caused, its repeat
  included) and per conversation (the greeting request included);
- for each customer line: the time from sending it to the first agent text of any kind, and to
  the first text that answers it (the first streamed text of a request whose latest user message
  is that line: not a transfer confirmation, not a greeting); whether the customer had to ask
  again; for a transfer, whether the answering request held the fact told to the Greeter;
- then, with the knowledge grown 10x and 100x (the folders of section 3, all their files in the
  notebook's context folder): the prompt each design sends, and whether the server could take it
  (a 128k-token context window, as gpt-oss-120b on Cerebras; the server answers 400 beyond it).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.overhead import LATENCY, settings_for
from bench.providers import ProviderProcess, RequestStamps
from bench.report import Section, p50_p95, table
from bench.script import CONTEXT_WINDOW_TOKENS, FACT, SCRIPT
from bench.timeline import EventClock
from bench.workshop import (
    context_files,
    load_context,
    load_context_flattened,
    seat_workshop_team,
)
from simulator.events import (
    Event,
    HandoffEvent,
    StatusEvent,
    TranscriptDeltaEvent,
    TranscriptEvent,
)
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE

DESIGNS = ("ours", "workshop")


@dataclass
class LineResult:
    """One customer line of the script, until it was answered."""

    line: str
    tokens: int = 0
    requests: int = 0
    asked: int = 1
    """2 when the agent who took over only greeted and the customer asked again."""
    transfer_to: str | None = None
    ms_to_any_text: float | None = None
    ms_to_answer: float | None = None
    fact_on_wire: bool = False
    """The answering request held the fact the customer told the Greeter."""


@dataclass
class DesignRun:
    design: str
    requests: list[RequestStamps] = field(default_factory=list)
    lines: list[LineResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def transfers(self) -> list[LineResult]:
        return [line for line in self.lines if line.transfer_to]


async def converse(
    providers: ProviderProcess,
    data_dir: Path,
    design: str,
    knowledge_dir: Path,
    lines: tuple[str, ...] = SCRIPT,
    context: str | None = None,
) -> DesignRun:
    """One conversation of ``lines``; the workshop reads ``knowledge_dir`` as the notebook does
    unless ``context`` (its stuffed text) is given."""
    run = DesignRun(design)
    async with SessionRunner(settings_for(providers, data_dir, knowledge_dir)) as runner:
        clock = EventClock(runner)
        if design == "workshop":
            since = len(providers.requests())
            await seat_workshop_team(runner, knowledge_dir, context)
            await clock.until(  # the customer speaks once the greeting has been said
                lambda events: any(
                    isinstance(e, TranscriptEvent) and e.speaker != "customer" for _, e in events
                )
            )
            assert runner.agent_session is not None
            await runner.agent_session.wait_for_idle()
            run.requests += providers.requests(since)
        for line in lines:
            run.lines.append(await _ask(runner, clock, providers, line, run))
        run.failures = [e.message for _, e in clock.of(StatusEvent) if e.level != "info"]
    await clock.aclose()
    return run


async def _ask(
    runner: SessionRunner,
    clock: EventClock,
    providers: ProviderProcess,
    line: str,
    run: DesignRun,
) -> LineResult:
    """Send ``line``; if the agent who took over answered something else, send it once more."""
    result = LineResult(line)
    since = len(providers.requests())
    sent = time.perf_counter()
    turns: list[int] = []
    requests: list[RequestStamps] = []
    while True:
        turn_id = await runner.send(line)
        await clock.turn_completed(turn_id)
        turns.append(turn_id)
        requests = providers.requests(since)
        handoff = clock.of(HandoffEvent, turn_id)
        if handoff and result.transfer_to is None:
            result.transfer_to = handoff[0][1].to_agent
        answering = _answering(requests, line)
        if answering is not None or not handoff or len(turns) == 2:
            break
        result.asked += 1
    run.requests += requests
    result.tokens, result.requests = sum(r.prompt_tokens for r in requests), len(requests)
    texts = [t for t, e in clock.events if getattr(e, "turn_id", None) in turns and _agent_text(e)]
    result.ms_to_any_text = (texts[0] - sent) * 1000 if texts else None
    if answering is not None and answering.first_content is not None:
        start = answering.first_content
        deltas = [
            t
            for t, e in clock.events
            if isinstance(e, TranscriptDeltaEvent) and e.turn_id in turns and t >= start
        ]
        result.ms_to_answer = (deltas[0] - sent) * 1000 if deltas else None
        result.fact_on_wire = any(FACT in text for text in answering.user_texts)
    return result


def _answering(requests: list[RequestStamps], line: str) -> RequestStamps | None:
    """The request that answered ``line``: its latest user message is the line, and it streamed
    text (a Greeter's request that only calls the transfer tool does not answer)."""
    return next(
        (
            r
            for r in requests
            if r.status == 200
            and r.user_texts
            and line in r.user_texts[-1]
            and r.first_content is not None
        ),
        None,
    )


def _agent_text(event: Event) -> bool:
    """Whether ``event`` shows the customer text from an agent (streamed, or said whole)."""
    if isinstance(event, TranscriptDeltaEvent):
        return event.speaker != "customer" and bool(event.delta.strip())
    return isinstance(event, TranscriptEvent) and event.speaker != "customer"


async def side_by_side(
    providers: ProviderProcess, data_dir: Path, rounds: int
) -> dict[str, list[DesignRun]]:
    runs: dict[str, list[DesignRun]] = {d: [] for d in DESIGNS}
    for round_number in range(rounds):
        order = DESIGNS if round_number % 2 == 0 else DESIGNS[::-1]
        for design in order:
            runs[design].append(await converse(providers, data_dir, design, BUNDLED_KNOWLEDGE))
    return runs


@dataclass
class GrowthRow:
    label: str
    chunks: int
    knowledge_chars: int
    stuffed_tokens: int
    stuffed_status: int
    retrieval_tokens: list[int]


async def growth(
    providers: ProviderProcess, sizes: list[tuple[str, Path, Path, int]]
) -> list[GrowthRow]:
    """The greeting and one transfer per design and size: what each sends, and what the server
    says. The notebook is given every file of the folder (as a user would copy them into its
    context folder)."""
    rows = []
    lines = SCRIPT[:2]
    for label, knowledge_dir, data_dir, chunks in sizes:
        context = load_context_flattened(knowledge_dir)
        stuffed = await converse(
            providers, data_dir, "workshop", knowledge_dir, lines, context=context
        )
        ours = await converse(providers, data_dir, "ours", knowledge_dir, lines)
        rows.append(
            GrowthRow(
                label=label,
                chunks=chunks,
                knowledge_chars=len(context),
                stuffed_tokens=max(r.prompt_tokens for r in stuffed.requests),
                stuffed_status=max(r.status for r in stuffed.requests),
                retrieval_tokens=[r.prompt_tokens for r in ours.requests],
            )
        )
    return rows


async def run(
    data_dir: Path, grown: list[tuple[str, Path, Path, int]], *, rounds: int = 2
) -> Section:
    with ProviderProcess(**LATENCY) as providers:
        runs = await side_by_side(providers, data_dir, rounds)
        rows = await growth(providers, [("1x (sample)", BUNDLED_KNOWLEDGE, data_dir, 99), *grown])
    return render(runs, rows, rounds)


def render(runs: dict[str, list[DesignRun]], growth_rows: list[GrowthRow], rounds: int) -> Section:
    def stats(design: str) -> dict[str, float]:
        design_runs = runs[design]
        requests = [r for run in design_runs for r in run.requests]
        lines = [line for run in design_runs for line in run.lines]
        transfers = [t for run in design_runs for t in run.transfers]

        def p(values: list[float | None], q: int) -> float:
            kept = [v for v in values if v is not None]
            return p50_p95(kept)[q] if kept else float("nan")

        return {
            "requests": len(requests) / len(design_runs),
            "tokens_per_request": sum(r.prompt_tokens for r in requests) / len(requests),
            "tokens_per_line": sum(line.tokens for line in lines) / len(lines),
            "tokens_per_conversation": sum(r.prompt_tokens for r in requests) / len(design_runs),
            "answer_p50": p([t.ms_to_answer for t in transfers], 0),
            "answer_p95": p([t.ms_to_answer for t in transfers], 1),
            "any_p50": p([t.ms_to_any_text for t in transfers], 0),
            "any_p95": p([t.ms_to_any_text for t in transfers], 1),
            "technical_p50": p(
                [t.ms_to_answer for t in transfers if t.transfer_to == "technical"], 0
            ),
            "pricing_p50": p([t.ms_to_answer for t in transfers if t.transfer_to == "pricing"], 0),
            "plain_p50": p([line.ms_to_answer for line in lines if not line.transfer_to], 0),
            "transfers": len(transfers),
            "answered": sum(t.ms_to_answer is not None for t in transfers),
            "asked_twice": sum(t.asked > 1 for t in transfers),
            "fact": sum(t.fact_on_wire for t in transfers),
        }

    ours, shop = stats("ours"), stats("workshop")

    def ratio(key: str) -> str:
        return f"{shop[key] / ours[key]:.1f}x" if ours[key] else "–"

    def row(label: str, key: str, unit: str = "", digits: int = 0) -> list[object]:
        return [
            label,
            f"{ours[key]:,.{digits}f}{unit}",
            f"{shop[key]:,.{digits}f}{unit}",
            ratio(key),
        ]

    def count(label: str, key: str) -> list[object]:
        return [
            label,
            f"{ours[key]:.0f} of {ours['transfers']:.0f}",
            f"{shop[key]:.0f} of {shop['transfers']:.0f}",
            "",
        ]

    rows = [
        row("LLM requests per conversation (greeting included)", "requests", digits=1),
        row("prompt tokens per request (mean)", "tokens_per_request"),
        row("**prompt tokens per customer line (mean)**", "tokens_per_line"),
        row("prompt tokens per conversation", "tokens_per_conversation"),
        row("**transfer: customer line → first text that answers it, p50**", "answer_p50", " ms"),
        row("transfer: customer line → first text that answers it, p95", "answer_p95", " ms"),
        row("transfer: customer line → first text of any kind, p50", "any_p50", " ms"),
        row("transfer: customer line → first text of any kind, p95", "any_p95", " ms"),
        row("transfer to Technical: line → answer, p50", "technical_p50", " ms"),
        row("transfer to Pricing: line → answer, p50", "pricing_p50", " ms"),
        row("no transfer: line → answer, p50", "plain_p50", " ms"),
        count("transfers where the customer had to ask again", "asked_twice"),
        count("**answering request holds the fact told to the Greeter**", "fact"),
    ]
    read, left = context_files(BUNDLED_KNOWLEDGE)
    stuffed_tokens = len(load_context(BUNDLED_KNOWLEDGE)) // 4
    growth_table = [
        [
            row.label,
            f"{row.chunks:,}",
            f"{row.knowledge_chars:,}",
            f"{row.stuffed_tokens:,}",
            "yes" if row.stuffed_tokens <= CONTEXT_WINDOW_TOKENS else "**no**",
            f"{row.stuffed_status}"
            + (" (refused: context window)" if row.stuffed_status == 400 else ""),
            f"{sum(row.retrieval_tokens) / len(row.retrieval_tokens):,.0f}",
            f"{max(row.retrieval_tokens):,}",
        ]
        for row in growth_rows
    ]
    failures = sorted({f for design in DESIGNS for run in runs[design] for f in run.failures})
    notes = [
        f"{rounds} conversations per design of the {len(SCRIPT)}-line script (a fact told to the "
        "Greeter, then transfers Greeter → Technical and Technical → Pricing, a stock question), "
        "alternating designs, one provider process. The workshop design is the notebook's "
        "mechanics (`bench/workshop.py`): one stuffed greeting request before the customer "
        'speaks; each `switch_to_*` tool awaits a stuffed confirmation request ("Confirm you are '
        'transferring to …") before it returns the new agent; the specialist starts with no '
        "history and says a fixed greeting, so the customer asks the question again (the bench "
        "does so at once; a person would first listen to the confirmation and the greeting, "
        "several seconds of speech not counted here). Tokens: the server's count (characters / 4 "
        "of all message contents; no tokenizer for gpt-oss is installed). Provider model as in "
        f"section 1: {LATENCY['first_token_base_s'] * 1000:.0f} ms + prompt / "
        f"{LATENCY['prefill_tokens_per_s']:,.0f} tokens/s prefill, "
        f"{LATENCY['tokens_per_s']:,.0f} tokens/s out, so the time ratios grow with a slower "
        "prefill.",
        table(
            [
                "per conversation",
                "ours (retrieval, history kept)",
                "workshop notebook (stuffed, empty history)",
                "workshop / ours",
            ],
            rows,
        ),
        f"The notebook reads only the top level of its context folder, as text: of the sample "
        f"company's {len(read) + len(left)} files it pastes {len(read)} "
        f"({', '.join(f'`{name}`' for name in read)}; about {stuffed_tokens:,} tokens) and "
        f"leaves out {len(left)} (the sub-folders' files and the PDF), among them the price list "
        "and the specifications its specialists are asked about. The fake model answers anyway, "
        "so the times above are the mechanics' alone; a real model would have to say it does "
        "not know.",
        "Growing the knowledge (section 3's folders, every file pasted as if copied into the "
        "notebook's context folder; the largest stuffed prompt of one workshop agent vs. our "
        "prompts, measured on the wire over the greeting and a transfer):",
        table(
            [
                "knowledge",
                "passages",
                "characters",
                "stuffed prompt (tokens)",
                f"fits {CONTEXT_WINDOW_TOKENS // 1024}k window",
                "server's answer to the stuffed prompt",
                "our prompt per request (mean tokens)",
                "our largest prompt",
            ],
            growth_table,
        ),
    ]
    if failures:
        notes.append("Warnings during the side-by-side: " + "; ".join(failures[:5]))
    overflow = next(
        (row for row in growth_rows if row.stuffed_tokens > CONTEXT_WINDOW_TOKENS), None
    )
    headlines = [
        f"Against the workshop notebook's design: {ratio('tokens_per_line')} fewer prompt tokens "
        f"per customer line ({ours['tokens_per_line']:,.0f} vs {shop['tokens_per_line']:,.0f}); "
        f"after a transfer, the first text that answers the customer's question "
        f"{ratio('answer_p50')} sooner ({ours['answer_p50']:,.0f} vs {shop['answer_p50']:,.0f} ms "
        f"p50; the notebook's customer asks again in {shop['asked_twice']:.0f} of "
        f"{shop['transfers']:.0f} transfers), the first text of any kind {ratio('any_p50')} "
        f"sooner ({ours['any_p50']:,.0f} vs {shop['any_p50']:,.0f} ms: the notebook's is its "
        f"confirmation); the answering request holds the customer's earlier fact in "
        f"{ours['fact']:.0f}/{ours['transfers']:.0f} transfers vs "
        f"{shop['fact']:.0f}/{shop['transfers']:.0f}."
        + (
            f" Stuffing overflows the {CONTEXT_WINDOW_TOKENS // 1024}k window at {overflow.label} "
            f"({overflow.stuffed_tokens:,} tokens, refused with {overflow.stuffed_status}) while "
            f"our prompts stay at ~{statistics.fmean(growth_rows[-1].retrieval_tokens):,.0f} "
            "tokens."
            if overflow
            else ""
        ),
    ]
    return Section("\n\n".join(notes), headlines)
