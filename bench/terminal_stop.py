"""How long ``simulator chat`` takes to stop: after Ctrl+C at its prompt (a terminal), after
Ctrl+C while it indexes a large folder with piped input, and after its reader goes away
(``| head -1``). Run: .venv/bin/python bench/terminal_stop.py [--runs N]"""

from __future__ import annotations

import argparse
import os
import pty
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def environment(data_dir: Path) -> dict[str, str]:
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LIVEKIT_", "CEREBRAS_", "CARTESIA_", "SIMULATOR_"))
    }
    return kept | {"SIMULATOR_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}


def chat(data_dir: Path, *args: str, stdin: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "simulator", "chat", "--offline", *args],
        cwd=REPO,
        env=environment(data_dir),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def read_until(stream: int, marker: bytes) -> None:
    seen = b""
    while marker not in seen:
        ready, _, _ = select.select([stream], [], [], 120)
        if not ready:
            raise TimeoutError(marker)
        seen += os.read(stream, 4096)


def stop_after(process: subprocess.Popen[bytes]) -> float:
    started = time.perf_counter()
    process.send_signal(signal.SIGINT)
    process.wait(timeout=120)
    return time.perf_counter() - started


def at_the_prompt(data_dir: Path) -> float:
    keyboard, terminal = pty.openpty()
    process = chat(data_dir, stdin=terminal)
    os.close(terminal)
    assert process.stdout is not None
    read_until(process.stdout.fileno(), b"you> ")
    seconds = stop_after(process)
    os.close(keyboard)
    return seconds


def while_indexing(data_dir: Path, folder: Path) -> float:
    shutil.rmtree(data_dir / "big", ignore_errors=True)
    process = chat(data_dir / "big", "--knowledge", str(folder), stdin=subprocess.PIPE)
    assert process.stdin is not None
    process.stdin.write(b"How much is sensor model T12?\n")
    process.stdin.flush()
    while not (data_dir / "big" / "index").exists():
        time.sleep(0.02)
    seconds = stop_after(process)
    process.stdin.close()
    return seconds


def closed_pipe(data_dir: Path) -> float:
    """From the reader going away (after its first line) to the chat's exit."""
    process = chat(data_dir, stdin=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"How much is the Professional plan?\n")
    process.stdin.flush()
    read_until(process.stdout.fileno(), b"\n")
    started = time.perf_counter()
    process.stdout.close()
    process.wait(timeout=120)
    process.stdin.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        folder = Path(tmp) / "big-company"
        folder.mkdir()
        for n in range(3000):
            (folder / f"note-{n:04}.md").write_text(
                f"# Note {n}\n\nSensor model T{n} reports every {n % 9 + 1} minutes.\n",
                encoding="utf-8",
            )
        cases = {
            "Ctrl+C at the prompt (a terminal)": lambda: at_the_prompt(data_dir),
            "Ctrl+C while indexing, piped input": lambda: while_indexing(Path(tmp), folder),
            "reader gone (| head -1)": lambda: closed_pipe(data_dir),
        }
        print(f"simulator chat: seconds until it stops ({runs} runs each, median and worst)")
        for name, case in cases.items():
            times = [case() for _ in range(runs)]
            print(f"  {name:38} {statistics.median(times):5.2f}  {max(times):5.2f}")


if __name__ == "__main__":
    main()
