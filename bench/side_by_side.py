"""Section 2: our team side by side with the workshop design, same server, knowledge and script.

Both designs hold the same customer conversation (:data:`bench.script.SCRIPT`: a fact told to
the Greeter, then two transfers) against one provider process with one latency model, turn by
turn, alternating designs between rounds. Measured on the wire (the server's record of every
request) and at the reader of the event stream:

- prompt tokens per request and per customer turn;
- for each transfer: time from the customer's request (``send``) to the specialist's first token,
  and whether the specialist's first request held the fact the customer told the Greeter and the
  question that caused the transfer;
- then, with the knowledge grown 10x and 100x (the folders of section 3): the prompt each design
  sends, and whether the server could take it (a 128k-token context window, as gpt-oss-120b on
  Cerebras; the server answers 400 beyond it, as Cerebras does).
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
from bench.workshop import knowledge_text, seat_workshop_team
from simulator.events import HandoffEvent, StatusEvent, TranscriptDeltaEvent
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE

DESIGNS = ("ours", "workshop")


@dataclass
class Transfer:
    to_agent: str
    ms_to_specialist_token: float
    ms_to_first_token: float
    fact_on_wire: bool
    question_on_wire: bool


@dataclass
class DesignRun:
    design: str
    requests: list[RequestStamps] = field(default_factory=list)
    turn_tokens: list[int] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


async def converse(
    providers: ProviderProcess,
    data_dir: Path,
    design: str,
    knowledge_dir: Path,
    lines: tuple[str, ...] = SCRIPT,
    knowledge: str | None = None,
) -> DesignRun:
    run = DesignRun(design)
    async with SessionRunner(settings_for(providers, data_dir, knowledge_dir)) as runner:
        clock = EventClock(runner)
        if design == "workshop":
            await seat_workshop_team(
                runner, knowledge if knowledge is not None else knowledge_text(knowledge_dir)
            )
        for line in lines:
            since = len(providers.requests())
            sent = time.perf_counter()
            turn_id = await runner.send(line)
            await clock.turn_completed(turn_id)
            requests = providers.requests(since)
            run.requests += requests
            run.turn_tokens.append(sum(r.prompt_tokens for r in requests))
            for _, handoff in clock.of(HandoffEvent, turn_id):
                transfer = _transfer(handoff, line, sent, turn_id, clock, requests)
                if transfer is not None:
                    run.transfers.append(transfer)
        run.failures = [e.message for _, e in clock.of(StatusEvent) if e.level != "info"]
    await clock.aclose()
    return run


def _transfer(
    handoff: HandoffEvent,
    line: str,
    sent: float,
    turn_id: int,
    clock: EventClock,
    requests: list[RequestStamps],
) -> Transfer | None:
    """What one transfer cost and carried; ``None`` if the specialist never reached the server
    (its turn failed over to the offline responder: growth runs past the context window)."""
    deltas = clock.of(TranscriptDeltaEvent, turn_id)
    specialist = next((t for t, e in deltas if e.speaker == handoff.to_agent), None)
    name = {"technical": "Technical Specialist", "pricing": "Pricing Specialist"}.get(
        handoff.to_agent, "Greeter"
    )
    first = next((r for r in requests if r.role == name and r.status == 200), None)
    if specialist is None or first is None:
        return None
    return Transfer(
        to_agent=handoff.to_agent,
        ms_to_specialist_token=(specialist - sent) * 1000,
        ms_to_first_token=(deltas[0][0] - sent) * 1000,
        fact_on_wire=any(FACT in text for text in first.user_texts),
        question_on_wire=any(line in text for text in first.user_texts),
    )


async def side_by_side(
    providers: ProviderProcess, data_dir: Path, rounds: int
) -> dict[str, list[DesignRun]]:
    knowledge = knowledge_text(BUNDLED_KNOWLEDGE)
    runs: dict[str, list[DesignRun]] = {d: [] for d in DESIGNS}
    for round_number in range(rounds):
        order = DESIGNS if round_number % 2 == 0 else DESIGNS[::-1]
        for design in order:
            runs[design].append(
                await converse(providers, data_dir, design, BUNDLED_KNOWLEDGE, knowledge=knowledge)
            )
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
    """One greeting and one transfer per design and size: what each sends, and what the server
    says."""
    rows = []
    lines = SCRIPT[:2]
    for label, knowledge_dir, data_dir, chunks in sizes:
        knowledge = knowledge_text(knowledge_dir)
        stuffed = await converse(
            providers, data_dir, "workshop", knowledge_dir, lines, knowledge=knowledge
        )
        ours = await converse(providers, data_dir, "ours", knowledge_dir, lines)
        rows.append(
            GrowthRow(
                label=label,
                chunks=chunks,
                knowledge_chars=len(knowledge),
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
        turns = [t for run in design_runs for t in run.turn_tokens]
        transfers = [t for run in design_runs for t in run.transfers]
        return {
            "requests": len(requests) / len(design_runs),
            "tokens_per_request": sum(r.prompt_tokens for r in requests) / len(requests),
            "tokens_per_turn": sum(turns) / len(turns),
            "tokens_per_conversation": sum(turns) / len(design_runs),
            "specialist_p50": p50_p95([t.ms_to_specialist_token for t in transfers])[0],
            "specialist_p95": p50_p95([t.ms_to_specialist_token for t in transfers])[1],
            "first_p50": p50_p95([t.ms_to_first_token for t in transfers])[0],
            "transfers": len(transfers),
            "fact": sum(t.fact_on_wire for t in transfers),
            "question": sum(t.question_on_wire for t in transfers),
        }

    ours, shop = stats("ours"), stats("workshop")

    def ratio(key: str) -> str:
        return f"{shop[key] / ours[key]:.1f}x" if ours[key] else "–"

    rows = [
        [
            "LLM requests per conversation",
            f"{ours['requests']:.1f}",
            f"{shop['requests']:.1f}",
            ratio("requests"),
        ],
        [
            "prompt tokens per request (mean)",
            f"{ours['tokens_per_request']:,.0f}",
            f"{shop['tokens_per_request']:,.0f}",
            ratio("tokens_per_request"),
        ],
        [
            "**prompt tokens per customer turn (mean)**",
            f"{ours['tokens_per_turn']:,.0f}",
            f"{shop['tokens_per_turn']:,.0f}",
            ratio("tokens_per_turn"),
        ],
        [
            "prompt tokens per conversation",
            f"{ours['tokens_per_conversation']:,.0f}",
            f"{shop['tokens_per_conversation']:,.0f}",
            ratio("tokens_per_conversation"),
        ],
        [
            "**request → specialist's first token, p50**",
            f"{ours['specialist_p50']:,.0f} ms",
            f"{shop['specialist_p50']:,.0f} ms",
            ratio("specialist_p50"),
        ],
        [
            "request → specialist's first token, p95",
            f"{ours['specialist_p95']:,.0f} ms",
            f"{shop['specialist_p95']:,.0f} ms",
            ratio("specialist_p95"),
        ],
        [
            "request → first token of any reply, p50",
            f"{ours['first_p50']:,.0f} ms",
            f"{shop['first_p50']:,.0f} ms",
            ratio("first_p50"),
        ],
        [
            "**specialist's request holds the fact told to the Greeter**",
            f"{ours['fact']:.0f} of {ours['transfers']:.0f}",
            f"{shop['fact']:.0f} of {shop['transfers']:.0f}",
            "",
        ],
        [
            "specialist's request holds the question that caused the transfer",
            f"{ours['question']:.0f} of {ours['transfers']:.0f}",
            f"{shop['question']:.0f} of {shop['transfers']:.0f}",
            "",
        ],
    ]
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
        f"{rounds} conversations per design of the {len(SCRIPT)}-line "
        f"script (a fact told to the Greeter, then "
        "transfers Greeter → Technical and Technical → Pricing, "
        "a stock look-up), alternating designs, one provider "
        f"process. Tokens: the server's count (characters / 4, "
        f"all message contents; no tokenizer for gpt-oss is "
        f"installed). Provider model as in section 1: "
        f"{LATENCY['first_token_base_s'] * 1000:.0f} ms + prompt / "
        f"{LATENCY['prefill_tokens_per_s']:,.0f} tokens/s prefill, "
        f"{LATENCY['tokens_per_s']:,.0f} tokens/s out, so "
        "the time ratio grows with a slower prefill. The "
        'workshop\'s "first token of any reply" in a transfer turn '
        "is its spoken confirmation; its specialist's first "
        "token is a greeting, since it never saw the question.",
        table(
            [
                "per conversation",
                "ours (retrieval, history kept)",
                "workshop (stuffed, empty history)",
                "workshop / ours",
            ],
            rows,
        ),
        "Growing the knowledge (section 3's folders; the "
        "stuffed prompt of one workshop agent vs. our prompts, "
        "measured on the wire over a greeting and a transfer):",
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
        f"Against the workshop design: {ratio('tokens_per_turn')} "
        f"fewer prompt tokens per customer turn "
        f"({ours['tokens_per_turn']:,.0f} vs "
        f"{shop['tokens_per_turn']:,.0f}); the specialist's first token "
        f"{ratio('specialist_p50')} sooner after a transfer ({ours['specialist_p50']:,.0f} vs "
        f"{shop['specialist_p50']:,.0f} ms p50); the specialist's "
        f"request holds the customer's earlier fact in "
        f"{ours['fact']:.0f}/{ours['transfers']:.0f} transfers "
        f"vs {shop['fact']:.0f}/{shop['transfers']:.0f}."
        + (
            f" Stuffing overflows the {CONTEXT_WINDOW_TOKENS // 1024}k window at {overflow.label} "
            f"({overflow.stuffed_tokens:,} tokens, refused with "
            f"{overflow.stuffed_status}) while our prompts stay "
            f"at ~{statistics.fmean(growth_rows[-1].retrieval_tokens):,.0f} "
            f"tokens."
            if overflow
            else ""
        ),
    ]
    return Section("\n\n".join(notes), headlines)
