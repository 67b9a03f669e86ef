"""Attacks through the provider (items 4, 5, 6, 10, 11 of issue 11): a Cerebras-compatible server
that misbehaves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bench.attack_lab import (
    KEY,
    LINES,
    Lab,
    Row,
    ServerThread,
    agent_replies,
    events_of,
    specialists_say,
    tracebacks,
)
from bench.script import sales_team_model
from tests.fakes.cerebras_server import Fault, Reply


def attack_key_echo(lab: Lab) -> list[Row]:
    echo = f"The Professional plan is $11 per sensor per month. Your key is {KEY}."
    with ServerThread(responder=lambda body: Reply(text=echo)) as server:
        report = lab.work / "echo-report.html"
        rehearse = lab.simulator(
            "rehearse",
            "--persona",
            "price-conscious-restaurants",
            "--turns",
            "2",
            "--report",
            str(report),
            env=lab.cerebras_env("echo", server),
            budget_s=180,
        )
        jsonl = lab.simulator("chat", "--jsonl", env=lab.cerebras_env("echo", server), stdin=LINES)
        plain = lab.simulator("chat", env=lab.cerebras_env("echo", server), stdin=LINES)
    in_report = report.read_text(encoding="utf-8").count(KEY) if report.exists() else None
    counts = {
        "rehearse --report HTML": in_report,
        "rehearse output": (rehearse.stdout + rehearse.stderr).count(KEY),
        "chat --jsonl": jsonl.stdout.count(KEY),
        "chat": plain.stdout.count(KEY),
    }
    shown = ", ".join(
        f"{where} {count if count is not None else 'not written'}"
        for where, count in counts.items()
    )
    return [
        Row(
            4,
            "Key echoed by the server inside its answer",
            "simulator rehearse --persona … --report R.html; simulator chat [--jsonl]  "
            "(server answers with the key)",
            f"key occurrences: {shown}",
            all(c == 0 for c in counts.values()),
            "host",
        )
    ]


CUT_TEXT = "Our Professional plan is eleven dollars per sensor per month."


def attack_cut_stream(lab: Lab) -> list[Row]:
    state = {"cut": False}  # each run's first specialist answer is cut off
    specialist = specialists_say("The Professional plan is $11 per sensor per month.")

    def model(body: Mapping[str, Any]) -> Reply:
        reply = specialist(body)
        if reply.text.startswith("The Professional") and not state["cut"]:
            state["cut"] = True
            return Reply(text=CUT_TEXT, fault=Fault.cut(after_chunks=5))
        return reply

    with ServerThread(responder=model) as server:
        jsonl = lab.simulator("chat", "--jsonl", env=lab.cerebras_env("cut", server), stdin=LINES)
        state["cut"] = False
        plain = lab.simulator("chat", env=lab.cerebras_env("cut", server), stdin=LINES)
    fragment = "Our Professional plan is"
    replies = agent_replies(events_of(jsonl))
    cut = [r for r in replies if fragment in r["text"]]
    second = next((r for r in replies if r["turn_id"] == 2), None)
    warnings = [line for line in plain.stdout.splitlines() if line.strip().startswith("(warning:")]
    split = any(
        fragment in line and not line.rstrip().endswith((".", "(offline)"))
        for line in plain.stdout.splitlines()
    )
    if cut:
        outcome = f"the cut fragment {cut[0]['text']!r} is kept as a {cut[0]['provider']} reply" + (
            "; the terminal shows it split by a warning" if split else ""
        )
    else:
        outcome = (
            f"turn 2 answered by {second['provider'] if second else 'nobody'}, fragment dropped; "
            f"{len(warnings)} warning line(s) in the terminal, no sentence split"
            if not split
            else "fragment shown split"
        )
    return [
        Row(
            5,
            "Stream cut without a finish reason or [DONE]",
            "simulator chat [--jsonl]  (server closes the specialist's stream after 4 words)",
            outcome,
            not cut and not split and second is not None and second["provider"] == "offline",
            "faults",
        )
    ]


def attack_no_fingerprint(lab: Lab) -> list[Row]:
    with ServerThread(responder=sales_team_model, fingerprint=False) as server:
        jsonl = lab.simulator("chat", "--jsonl", env=lab.cerebras_env("nofp", server), stdin=LINES)
        plain = lab.simulator("chat", env=lab.cerebras_env("nofp", server), stdin=LINES)
    replies = agent_replies(events_of(jsonl))
    providers = [r.get("provider") for r in replies]
    texts = [r["text"] for r in replies]
    duplicated = sum(plain.stdout.count(t) > texts.count(t) for t in set(texts) if len(t) > 20)
    printed = tracebacks(jsonl) + tracebacks(plain)
    return [
        Row(
            6,
            "Compatible server without system_fingerprint",
            "simulator chat [--jsonl]  (server omits system_fingerprint)",
            f"replies by {'/'.join(str(p) for p in providers)}; {printed} tracebacks on stderr; "
            f"{duplicated} replies printed twice",
            providers == ["cerebras"] * len(providers)
            and bool(providers)
            and not printed
            and not duplicated,
            "faults",
        )
    ]


def attack_stall(lab: Lab) -> list[Row]:
    with ServerThread(
        responder=lambda body: Reply(text="late", fault=Fault.timeout(hold_s=200, times=None))
    ) as server:
        run = lab.simulator(
            "chat",
            "--jsonl",
            env=lab.cerebras_env("stall", server),
            stdin="Hello there\n",
            budget_s=150,
        )
    first_answer = next(
        (
            at
            for at, line in run.lines_at
            if '"type":"transcript_delta"' in line
            or ('"type":"transcript"' in line and '"speaker":"customer"' not in line)
        ),
        None,
    )
    asked = next((at for at, line in run.lines_at if '"speaker":"customer"' in line), None)
    latency = next((e for e in events_of(run) if e.get("type") == "latency"), None)
    stages = latency["stages"] if latency else {}
    waiting = [
        e["message"]
        for e in events_of(run)
        if e.get("type") == "status" and "waiting" in e["message"].lower()
    ]
    wait_s = first_answer - asked if first_answer is not None and asked is not None else None
    reported = stages.get("e2e_ms")
    honest = reported is not None and wait_s is not None and reported >= 0.8 * wait_s * 1000
    return [
        Row(
            10,
            "Provider that never answers (holds every request)",
            "simulator chat --jsonl  (server holds the request; default settings)",
            (f"first answer after {wait_s:.1f} s" if wait_s is not None else "no answer")
            + f"; reported end to end {reported if reported is None else f'{reported:,.0f} ms'}"
            + (
                f", failed attempt {stages['failed_attempt_ms']:,.0f} ms"
                if stages.get("failed_attempt_ms")
                else ""
            )
            + ("; told it is waiting" if waiting else "; nothing said while waiting"),
            wait_s is not None and wait_s <= 6 and honest and bool(waiting),
            "faults",
        )
    ]


def attack_wrong_key(lab: Lab) -> list[Row]:
    rows: list[Row] = []
    with ServerThread(responder=sales_team_model, api_key="the-right-key") as server:
        run = lab.simulator(
            "chat",
            "--jsonl",
            env=lab.cerebras_env("401", server, key="a-wrong-key"),
            stdin=LINES * 2,
        )
        calls = len(server.requests)
    refused = [
        e for e in events_of(run) if e.get("type") == "status" and "401" in e.get("message", "")
    ]
    rows.append(
        Row(
            11,
            "Wrong key (401): does it keep calling?",
            "simulator chat --jsonl, 6 customer lines, wrong key",
            f"{calls} requests to the server over 6 turns; the 401 is shown {len(refused)} time(s)",
            calls == 1 and bool(refused),
            "faults",
        )
    )
    return rows
