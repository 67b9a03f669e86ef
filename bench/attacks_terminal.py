"""Attacks on the terminal (item 8 of issue 11): a closed pipe, Ctrl+C, escape codes in a
document."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time

from bench.attack_lab import LINES, Lab, Row, kill_tree


def attack_terminal(lab: Lab) -> list[Row]:
    rows: list[Row] = []
    env = lab.env("terminal")
    lab.simulator("index", env=env)  # the index exists, as on a user's second run

    # a reader that goes away: `simulator chat --offline | head -1`
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "chat", "--offline"],
        cwd=lab.repo,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        preexec_fn=os.setsid,
    )
    assert process.stdout is not None and process.stdin is not None
    process.stdout.readline()
    process.stdout.close()
    closed_at = time.monotonic()
    try:
        process.stdin.write(LINES * 3)
        process.stdin.flush()
    except OSError:
        pass
    try:
        code = process.wait(20)
        outcome = (
            f"exits {time.monotonic() - closed_at:.1f} s after the reader closed (exit {code})"
        )
        ok = time.monotonic() - closed_at < 5
    except subprocess.TimeoutExpired:
        kill_tree(process)
        outcome, ok = (
            f"still running {time.monotonic() - closed_at:.0f} s after the reader closed (killed)",
            False,
        )
    rows.append(
        Row(8, "Reader closes the pipe", "simulator chat --offline | head -1", outcome, ok, "host")
    )

    for how in ("interactive", "piped"):
        rows.append(_sigint(lab, env, how))

    knowledge = lab.knowledge_copy("k-escapes")
    (knowledge / "notes" / "escapes.txt").write_text(
        "Pilot programme terms\n\n"
        "The pilot \x1b]0;pwned title\x07 lasts thirty days \x1b[2J and is free.\n",
        encoding="utf-8",
    )
    run = lab.simulator(
        "chat",
        "--offline",
        "--knowledge",
        str(knowledge),
        env=lab.env("escapes"),
        stdin="Is there a pilot program? How long does the pilot last?\n",
    )
    raw = run.stdout.count("\x1b")
    rows.append(
        Row(
            8,
            "Escape codes in a document (ESC]0;…, ESC[2J)",
            "simulator chat --offline --knowledge K",
            f"{raw} raw ESC bytes reach the terminal"
            if raw
            else "no raw escape reaches the terminal",
            raw == 0 and run.code == 0,
            "host",
        )
    )
    return rows


def _sigint(lab: Lab, env: dict[str, str], how: str) -> Row:

    if how == "interactive":
        master, slave = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "simulator", "chat", "--offline"],
            cwd=lab.repo,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            preexec_fn=os.setsid,
        )
        os.close(slave)
        buffer = b""
        deadline = time.monotonic() + 90
        while b"you> " not in buffer and time.monotonic() < deadline:
            try:
                buffer += os.read(master, 4096)
            except OSError:
                break
        command = "simulator chat --offline in a terminal, Ctrl+C (SIGINT) at the prompt"
    else:
        master = None
        process = subprocess.Popen(
            [sys.executable, "-m", "simulator", "chat", "--offline"],
            cwd=lab.repo,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            preexec_fn=os.setsid,
        )
        assert process.stdout is not None
        process.stdout.readline()  # the knowledge line: the session has started
        command = "simulator chat --offline with stdin a pipe left open, SIGINT"
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    try:
        code = process.wait(20)
        waited = time.monotonic() - sent
        outcome, ok = f"exits {waited:.1f} s after SIGINT (exit {code})", waited < 1.5
    except subprocess.TimeoutExpired:
        kill_tree(process)
        outcome, ok = "ignored for 20 s (killed)", False
    if master is not None:
        os.close(master)
    return Row(8, f"Ctrl+C / SIGINT, {how} stdin", command, outcome, ok, "host")
