"""The workbench of ``bench/attacks.py``: run ``simulator`` as a user would, and watch it.

Every attack runs the real command in a subprocess of the repository under test (``--repo``,
by default this one), in its own temporary data and config folders, with a time budget and a
memory cap: the process tree's resident memory is sampled and the tree is killed past the cap,
so a hostile input cannot take the shared machine down with it. The fake Cerebras server runs
in a thread of this process on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.script import sales_team_model
from tests.fakes.cerebras_server import CerebrasServer, Reply

KEY = "csk-bench-planted-3e9f1a7c5b2d4f6e8a0c"
"""The API key the attacks plant; it must never come back out."""


@dataclass(frozen=True)
class Row:
    """One line of the attack table."""

    item: int
    attack: str
    command: str
    outcome: str
    ok: bool
    owner: str


@dataclass
class Run:
    """A finished (or stopped) command."""

    code: int | None
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str
    stopped: str | None = None
    """``budget`` or ``memory`` when this harness killed it."""
    lines_at: list[tuple[float, str]] = field(default_factory=list)
    """Each stdout line with the seconds since start when it arrived."""

    @property
    def finished(self) -> bool:
        return self.stopped is None

    def describe(self) -> str:
        if self.stopped == "budget":
            return (
                f"still running after {self.seconds:.0f} s (stopped; peak {self.peak_mb:,.0f} MB)"
            )
        if self.stopped == "memory":
            return f"killed at {self.peak_mb:,.0f} MB after {self.seconds:.0f} s"
        return f"exit {self.code} in {self.seconds:.1f} s, peak {self.peak_mb:,.0f} MB"


class Lab:
    """Folders, environment and process runner for one attack run."""

    def __init__(self, repo: Path, work: Path, *, cap_mb: float) -> None:
        self.repo = repo
        self.work = work
        self.cap_mb = cap_mb
        self.knowledge = repo / "knowledge"
        self.personas = repo / "personas"

    def folder(self, name: str) -> Path:
        path = self.work / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def knowledge_copy(self, name: str) -> Path:
        target = self.work / name
        shutil.copytree(self.knowledge, target)
        return target

    def env(self, data: str, **extra: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("CEREBRAS_", "CARTESIA_", "LIVEKIT_", "SIMULATOR_"))
        }
        env.update(
            PYTHONPATH=str(self.repo),
            SIMULATOR_DATA_DIR=str(self.folder(f"data-{data}")),
            XDG_CONFIG_HOME=str(self.folder(f"config-{data}")),
            HF_HUB_OFFLINE="1",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def cerebras_env(self, data: str, server: CerebrasServer, key: str = KEY) -> dict[str, str]:
        return self.env(data, CEREBRAS_API_KEY=key, CEREBRAS_BASE_URL=server.base_url)

    def simulator(self, *args: str, **options: Any) -> Run:
        return self.run([sys.executable, "-m", "simulator", *args], **options)

    def python(self, code: str, **options: Any) -> Run:
        return self.run([sys.executable, "-c", code], **options)

    def run(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str],
        stdin: str | None = None,
        budget_s: float = 120.0,
        cap_mb: float | None = None,
        on_start: Callable[[subprocess.Popen[str]], None] | None = None,
    ) -> Run:
        """Run ``argv`` to its end, its budget or the memory cap, whichever comes first."""
        cap = cap_mb or self.cap_mb

        started = time.monotonic()
        process = subprocess.Popen(
            list(argv),
            cwd=self.repo,
            env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,  # the whole tree can be killed at once
        )
        lines: list[tuple[float, str]] = []
        err: list[str] = []
        readers = [
            threading.Thread(target=_collect, args=(process.stdout, lines, started), daemon=True),
            threading.Thread(target=_drain, args=(process.stderr, err), daemon=True),
        ]
        for reader in readers:
            reader.start()
        if stdin is not None:
            threading.Thread(target=_feed, args=(process, stdin), daemon=True).start()
        if on_start is not None:
            on_start(process)
        peak, stopped = 0.0, None
        while process.poll() is None:
            peak = max(peak, _tree_rss_mb(process.pid))
            elapsed = time.monotonic() - started
            if peak > cap:
                stopped = "memory"
            elif elapsed > budget_s:
                stopped = "budget"
            if stopped:
                kill_tree(process)
                break
            time.sleep(0.1)
        process.wait()
        seconds = time.monotonic() - started
        for reader in readers:
            reader.join(10)
        return Run(
            code=process.returncode,
            seconds=seconds,
            peak_mb=peak,
            stdout="".join(line for _, line in lines),
            stderr="".join(err),
            stopped=stopped,
            lines_at=lines,
        )


def kill_tree(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _tree_rss_mb(pid: int) -> float:
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def _collect(stream: Any, lines: list[tuple[float, str]], started: float) -> None:
    for line in iter(stream.readline, ""):
        lines.append((time.monotonic() - started, line))


def _drain(stream: Any, out: list[str]) -> None:
    size = 0
    for line in iter(stream.readline, ""):
        if size < 2_000_000:  # keep the start of a flood, never all of it
            out.append(line)
        size += len(line)


def _feed(process: subprocess.Popen[str], text: str) -> None:
    try:
        assert process.stdin is not None
        process.stdin.write(text)
        process.stdin.close()
    except (BrokenPipeError, OSError, ValueError):
        pass


class ServerThread:
    """A :class:`CerebrasServer` on its own asyncio loop in a thread, for subprocesses to call."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.server: CerebrasServer | None = None

    def __enter__(self) -> CerebrasServer:
        self._thread.start()
        self.server = self._call(self._start())
        return self.server

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self._call(self.server.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _start(self) -> CerebrasServer:
        server = CerebrasServer(**self._options)
        await server.start()
        return server

    def _call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(30)


LINES = (
    "Hello, I'm Dana from Northbay Foods.\n"
    "What does the Professional plan cost?\n"
    "Is there a pilot program?\n"
)
"""What a customer says in most attacks, one line each (stdin of ``simulator chat``)."""


def events_of(run: Run) -> list[dict[str, Any]]:
    events = []
    for line in run.stdout.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            pass
    return events


def agent_replies(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e.get("type") == "transcript" and e.get("speaker") != "customer"]


def tracebacks(run: Run) -> int:
    return run.stderr.count("Traceback")


def specialists_say(text: str) -> Callable[[Mapping[str, Any]], Reply]:
    """A fake team whose specialists answer ``text`` (the Greeter greets and hands over)."""

    def model(body: Mapping[str, Any]) -> Reply:
        reply = sales_team_model(body)
        if reply.tool_calls or "You are the Greeter" in str(body["messages"][0].get("content")):
            return reply
        return Reply(text=text)

    return model


def session_lines(lab: Lab) -> list[str]:
    """A real session's JSONL: one offline chat, as ``--jsonl`` prints it."""
    run = lab.simulator("chat", "--offline", "--jsonl", env=lab.env("log-source"), stdin=LINES)
    return [line for line in run.stdout.splitlines() if line.startswith("{")]
