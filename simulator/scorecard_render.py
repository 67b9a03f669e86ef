"""A scorecard as one presentation model: the terminal, the HTML report and the app render it.

Each count, each ✓ or ✗ and the "not settled" list are read from the same
:class:`~simulator.events.Scorecard` fields here, once, so no face can show "3/3 handled" beside
"objections not settled". Every row quotes what it judged: the customer's line that raised an
objection (with its real turn) and the reply the customer accepted.

    tiles(card)     the counts, as (label, value) pairs
    headline(card)  "Declined — Maria Alvarez (easy)"
    verdict(card)   the outcome's reason, then what was not settled
    parts(card)     titled lists of marked rows: objections, hidden facts, claims, routing

A Rep-mode card (``card.seat == "rep"``) grades the user as the rep: the same functions give its
tiles (claims right / wrong / unsupported, talk share, longest monologue, response time) and its
parts (each objection with the rep's words and the playbook response they could have used, the
rep's discovery questions, each wrong figure with the right one and its sentence, the time taken
to answer each line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from simulator.conversation import percentile
from simulator.events import AGENT_NAMES, ObjectionScore, Scorecard, UnsupportedClaim

Mark = Literal["✓", "✗", "⚠", "•"]
"""Went right, went wrong, a wrong figure, or neutral (a question that was about no hidden
fact)."""
OUTCOMES = {"agreed": "Agreed to a next step", "declined": "Declined", "undecided": "Undecided"}


@dataclass(frozen=True)
class Row:
    mark: Mark
    text: str
    quote: str = ""
    """A longer quote that goes with the row (the playbook response the rep could have used); a
    face shows it whole or shortened."""


@dataclass(frozen=True)
class Part:
    title: str
    rows: tuple[Row, ...]


def headline(card: Scorecard) -> str:
    who = f"{card.persona_name} ({card.difficulty})" if card.persona_name else "Customer mode"
    if card.seat == "rep":
        who = f"you sold to {who}"
    return f"{OUTCOMES[card.outcome]} — {who}" + ("" if card.final else "  ·  so far")


def verdict(card: Scorecard) -> str:
    """The outcome's reason and, from the same objections the rows show, what was not settled."""
    text = card.outcome_reason
    if card.next_step and card.next_step not in text:
        text += f" Next step: {card.next_step}."
    if card.not_settled:
        text += " Not settled: " + "; ".join(_name(o) for o in card.not_settled) + "."
    return text


def tiles(card: Scorecard) -> list[tuple[str, str]]:
    if card.seat == "rep":
        return rep_tiles(card)
    objections = len(card.objections)
    share = card.talk.agent_share
    return [
        ("Objections handled", _ratio(card.objections_handled, objections)),
        ("Playbook response used", _ratio(card.prepared_responses_used, objections)),
        ("Hidden facts uncovered", _ratio(card.facts_uncovered, len(card.facts))),
        ("Right specialist", _ratio(card.routed_correctly, len(card.routing))),
        ("Unsupported claims", f"{len(card.unsupported_claims)} of {card.claims_checked}"),
        ("Team talk share", f"{share:.0%}" if share is not None else "–"),
        ("End to end p50", _ms(card.latency.p50_ms)),
        ("End to end p95", _ms(card.latency.p95_ms)),
    ]


def parts(card: Scorecard) -> list[Part]:
    if card.seat == "rep":
        return rep_parts(card)
    out = []
    if card.objections:
        out.append(Part("OBJECTIONS", tuple(_objection(o) for o in card.objections)))
    if card.facts:
        out.append(
            Part(
                "HIDDEN FACTS",
                tuple(
                    Row(
                        "✓" if f.uncovered else "✗",
                        f.label + (f" (asked in turn {f.asked_turn})" if f.asked_turn else ""),
                    )
                    for f in card.facts
                ),
            )
        )
    if card.unsupported_claims:
        rows = []
        for c in card.unsupported_claims:
            where = (
                f" — the knowledge says otherwise in {c.contradicting.source} › "
                f"{c.contradicting.section}"
                if c.contradicting
                else " — nothing in the knowledge states it"
            )
            rows.append(
                Row("⚠", f"Turn {c.turn_id}, {AGENT_NAMES[c.agent]}: “{c.text}” ({c.kind}){where}")
            )
        out.append(Part("UNSUPPORTED CLAIMS", tuple(rows)))
    wrong = [r for r in card.routing if not r.correct]
    if wrong:
        out.append(
            Part(
                "WRONG SPECIALIST",
                tuple(
                    Row(
                        "✗",
                        f"Turn {r.turn_id}: "
                        f"{AGENT_NAMES[r.answered_by] if r.answered_by else 'nobody'} answered "
                        f"“{r.question}”; "
                        f"{' or '.join(AGENT_NAMES[a] for a in r.expected)} should have",
                    )
                    for r in wrong
                ),
            )
        )
    return out


# -- Rep mode ----------------------------------------------------------------------------------


def rep_tiles(card: Scorecard) -> list[tuple[str, str]]:
    """The counts of a rep's scorecard."""
    objections = len(card.objections)
    share = card.talk.agent_share
    times = [r.ms for r in card.response_times]
    return [
        ("Objections handled", _ratio(card.objections_handled, objections)),
        ("Playbook response used", _ratio(card.prepared_responses_used, objections)),
        ("Hidden facts uncovered", _ratio(card.facts_uncovered, len(card.facts))),
        ("Discovery questions", str(len(card.discovery))),
        (
            "Claims right · wrong · unsupported",
            f"{card.claims_right} · {card.claims_wrong} · {card.claims_unfounded}",
        ),
        ("Your talk share", f"{share:.0%}" if share is not None else "–"),
        ("Longest monologue", f"{card.longest_monologue_words} words"),
        ("Response time p50", _seconds(percentile(times, 50)) if times else "–"),
    ]


def rep_parts(card: Scorecard) -> list[Part]:
    """A rep's scorecard, part by part: each row quotes what it judged."""
    out = []
    if card.objections:
        out.append(Part("OBJECTIONS", tuple(_rep_objection(o) for o in card.objections)))
    if card.discovery:
        out.append(
            Part(
                "DISCOVERY QUESTIONS",
                tuple(
                    Row(
                        "✓" if q.facts else "•",
                        f"Turn {q.turn_id}: “{q.text}”"
                        + (f" — asks about: {', '.join(q.facts)}" if q.facts else ""),
                    )
                    for q in card.discovery
                ),
            )
        )
    if card.facts:
        out.append(
            Part(
                "HIDDEN FACTS",
                tuple(
                    Row(
                        "✓" if f.uncovered else "✗",
                        f.label + ("" if f.uncovered else " (never asked)"),
                    )
                    for f in card.facts
                ),
            )
        )
    if card.unsupported_claims:
        out.append(Part("YOUR CLAIMS", tuple(_rep_claim(c) for c in card.unsupported_claims)))
    if card.response_times:
        out.append(
            Part(
                "RESPONSE TIME",
                tuple(
                    Row("•", f"Turn {r.turn_id}: {_seconds(r.ms)} to answer “{_short(r.line, 12)}”")
                    for r in card.response_times
                ),
            )
        )
    return out


def _rep_objection(o: ObjectionScore) -> Row:
    raised = f"raised in turn {o.raised_turn}: “{_short(o.raised_line, 20)}”"
    said = o.answer_line if o.state == "handled" else o.last_answer
    you = f"you said “{_short(said, 30)}”" if said else "you did not answer it"
    state = o.state
    if state == "handled":
        how = f"handled in turn {o.handled_turn}; {you}"
    elif state == "given_up":
        what = f" (“{_short(o.given_up_on, 16)}”)" if o.given_up_on else ""
        how = f"given up on{what}; {you}"
    elif state == "not_raised":
        return Row(
            "✗",
            f"{_name(o)}: required, never raised (the call ended first)",
            quote=o.prepared_response,
        )
    else:
        how = f"not settled; {you}"
    if o.prepared_response_used:
        return Row(
            "✓" if o.handled else "✗", f"{_name(o)} — {raised}; {how}; playbook response used"
        )
    where = f" ({o.playbook_section})" if o.playbook_section else ""
    could = f"; the playbook's response{where} could have helped" if o.prepared_response else ""
    return Row(
        "✓" if o.handled else "✗", f"{_name(o)} — {raised}; {how}{could}", o.prepared_response
    )


def _rep_claim(c: UnsupportedClaim) -> Row:
    if c.contradicting is not None:
        right = f"the material says {c.correct}" if c.correct else "the material says otherwise"
        return Row(
            "⚠",
            f"Turn {c.turn_id}: you said “{c.text}” ({c.kind}); {right} — "
            f"{c.contradicting.source} › {c.contradicting.section}",
            quote=c.contradicting.text,
        )
    return Row(
        "⚠",
        f"Turn {c.turn_id}: you said “{c.text}” ({c.kind}); nothing in the material states it",
    )


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.1f} s"


def _objection(o: ObjectionScore) -> Row:
    who = "the persona" if o.raised_by == "persona" else "you"
    raised = (
        f"raised by {who} in turn {o.raised_turn}: “{_short(o.raised_line, 24)}”"
        if o.raised_line
        else f"raised by {who} in turn {o.raised_turn}"
    )
    playbook = (
        "playbook response used"
        if o.prepared_response_used
        else f"playbook overlap {o.prepared_response_overlap:.0%}"
    )
    state = o.state
    if state == "handled":
        by = f" by the {AGENT_NAMES[o.handled_by]}" if o.handled_by else ""
        answer = f": “{_short(o.answer_line, 24)}”" if o.answer_line else ""
        how = f"handled in turn {o.handled_turn}{by}{answer}"
    elif state == "given_up":
        what = f" (“{_short(o.given_up_on, 16)}”)" if o.given_up_on else ""
        how = f"given up on{what}: no answer settled it"
    elif state == "not_raised":
        return Row("✗", f"{_name(o)}: required, never raised (the call ended first)")
    else:
        how = "not settled"
    return Row("✓" if o.handled else "✗", f"{_name(o)} — {raised}; {how}; {playbook}")


def _name(o: ObjectionScore) -> str:
    """A short label ("Too expensive"); a persona's own wording is long, so its id then."""
    return o.label if len(o.label.split()) <= 6 else o.objection


def render_text(card: Scorecard) -> str:
    """The scorecard for a terminal."""
    who = (
        f"{card.persona_name} ({card.persona}, {card.difficulty})"
        if card.persona
        else "Customer mode"
    )
    lines = [
        f"Scorecard - {who}" + ("" if card.final else " (so far)"),
        f"  Outcome: {card.outcome.upper()} - {verdict(card)}",
        "  " + ", ".join(f"{label}: {value}" for label, value in tiles(card)),
    ]
    for part in parts(card):
        lines.append(f"  {part.title.capitalize()}:")
        for row in part.rows:
            lines.append(f"    {row.mark} {row.text}")
            if row.quote:
                lines.append(f"        “{_short(row.quote, 40)}”")
    return "\n".join(lines)


TABLE_COLUMNS = (
    "persona",
    "level",
    "outcome",
    "turns",
    "objections",
    "playbook",
    "facts",
    "routing",
    "unsupported",
    "team talk",
    "p50 ms",
    "p95 ms",
)


def summary_row(card: Scorecard) -> tuple[str, ...]:
    share = card.talk.agent_share
    return (
        card.persona or "-",
        card.difficulty or "-",
        card.outcome,
        str(card.customer_turns),
        f"{card.objections_handled}/{len(card.objections)}",
        f"{card.prepared_responses_used}/{len(card.objections)}",
        f"{card.facts_uncovered}/{len(card.facts)}",
        f"{card.routed_correctly}/{len(card.routing)}",
        str(len(card.unsupported_claims)),
        f"{share:.0%}" if share is not None else "-",
        _ms(card.latency.p50_ms, unit=False),
        _ms(card.latency.p95_ms, unit=False),
    )


def render_table(rows: Sequence[tuple[str, ...]], columns: Sequence[str] = TABLE_COLUMNS) -> str:
    widths = [max(len(columns[i]), *(len(r[i]) for r in rows)) for i in range(len(columns))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < 3 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        )

    return "\n".join([line(columns), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _ratio(done: int, total: int) -> str:
    return f"{done}/{total}" if total else "–"


def _ms(value: float | None, *, unit: bool = True) -> str:
    if value is None:
        return "–" if unit else "-"
    return f"{value:,.0f} ms" if unit else f"{value:,.0f}"


def _short(text: str, words: int = 12) -> str:
    parts_ = text.split()
    return " ".join(parts_[:words]) + ("…" if len(parts_) > words else "")
