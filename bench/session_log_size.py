"""How big a session log is per turn: a real offline session of the sample company, as the app logs
it.

    .venv/bin/python -m bench.session_log_size [--turns 9]

Runs the session host exactly as the desktop app does (a :class:`SessionSupervisor` on this
computer, the offline responder, no voice, the session log on), types ``--turns`` customer lines
from the benchmark script, closes the session, and prints the log's size per turn beside the
same conversation in the earlier formats (its lines uncompressed: each passage once, plain JSONL;
and every event whole, each passage text inline), with a breakdown by event type (bytes
uncompressed and count). It also checks that every event the session sent loads back from the
log as it was (replay fidelity), and fails if one does not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.script import SCRIPT

EXTRA_LINE = "One more thing: what does the Starter plan include?"


class _Listener:
    """The supervisor's listener: counts finished turns, remembers the log's path."""

    def __init__(self) -> None:
        self.completed = asyncio.Queue[int]()
        self.log_path: Path | None = None
        self.events: list[Any] = []
        self.failures: list[str] = []

    def state_changed(self, state: object, detail: str) -> None: ...

    def event(self, event: Any) -> None:
        self.events.append(event)
        if event.type == "turn_completed":
            self.completed.put_nowait(event.turn_id)

    def notice(self, level: str, message: str) -> None: ...

    def failed(self, message: str) -> None:
        self.failures.append(message)

    def capabilities_changed(self, capabilities: object) -> None: ...

    def connection_changed(self, text: str) -> None: ...

    def log_opened(self, path: Path) -> None:
        self.log_path = path

    def index_progress(self, done: int, total: int, source: str) -> None: ...

    async def on_main_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        return function(*args)


async def record(data_dir: Path, turns: int) -> tuple[Path, list[Any]]:
    from simulator.host.supervisor import SessionSupervisor
    from simulator.settings import BUNDLED_KNOWLEDGE, Settings

    settings = Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=data_dir, offline=True, voice_mode="off"
    )
    listener = _Listener()
    supervisor = SessionSupervisor(settings, listener, log_sessions=True)
    await supervisor.start()
    if listener.failures:
        raise SystemExit(listener.failures[0])
    for line in (*SCRIPT, EXTRA_LINE)[:turns]:
        await supervisor.send(line)
        await asyncio.wait_for(listener.completed.get(), timeout=60)
    await supervisor.aclose()
    assert listener.log_path is not None
    return listener.log_path, listener.events


def breakdown(path: Path) -> tuple[int, Counter[str], Counter[str]]:
    """The log's lines uncompressed: their size, and bytes and lines by type."""
    from simulator.session_log import log_text

    sizes: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    raw = log_text(path).encode("utf-8")
    for line in raw.splitlines(keepends=True):
        kind = json.loads(line)["type"]
        sizes[kind] += len(line)
        counts[kind] += 1
    return len(raw), sizes, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=9)
    args = parser.parse_args()
    from simulator.events import to_json
    from simulator.session_log import as_logged, load_log

    with tempfile.TemporaryDirectory(prefix="simulator-log-size-") as tmp:
        path, sent = asyncio.run(record(Path(tmp), args.turns))
        on_disk = path.stat().st_size
        plain, sizes, counts = breakdown(path)
        loaded = load_log(path)
        # The same events one whole event per line, every passage text inline: the format
        # before texts were shared, measured on this very conversation.
        inline = sum(len(to_json(e).encode()) + 1 for e in loaded.events)
    if list(loaded.events) != [as_logged(e) for e in sent] or loaded.warning:
        raise SystemExit("replay fidelity lost: the log does not give back the events sent")

    def per_turn(size: int) -> str:
        return f"{size:>9,} bytes  {size / args.turns / 1024:6.2f} KiB per turn"

    print(f"{args.turns} turns, {len(sent)} events, {sum(counts.values())} lines:")
    print(f"  this log (gzip, flushed per event)       {per_turn(on_disk)}  ({path.name})")
    print(
        f"  its lines uncompressed (passages once)   {per_turn(plain)}  "
        f"({plain / on_disk:.1f}x this)"
    )
    print(
        f"  every event whole, each text inline      {per_turn(inline)}  "
        f"({inline / on_disk:.1f}x this)"
    )
    print(f"  replay fidelity: all {len(sent)} events load back as sent (passage units aside)")
    print("  uncompressed bytes by line type:")
    for kind, size in sizes.most_common():
        print(f"    {kind:<20} {size:>9,} bytes  {counts[kind]:>4} lines")


if __name__ == "__main__":
    main()
