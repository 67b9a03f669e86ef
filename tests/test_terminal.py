"""``simulator chat``: Coach mode through the session host, as in the app; what it prints is clean
of
terminal control sequences; it stops at once on Ctrl+C (at the prompt, or with piped input that
never ends) and quietly when the reader of its output goes away."""

from __future__ import annotations

import io
import os
import pty
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.event_text import clean
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from simulator.terminal import parse, run_chat

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("terminal-data")


def chat(settings: Settings, lines: str, *, persona: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_chat(
        settings, jsonl=False, persona=persona, stdin=io.StringIO(lines), out=out, err=err
    )
    return code, out.getvalue(), err.getvalue()


def test_coach_mode_in_the_terminal(data_dir: Path) -> None:
    settings = Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=data_dir, offline=True)
    line = "Is there a discount for twelve restaurants?"
    code, out, err = chat(
        settings,
        f"/step\n/whisper Mention the pilot program.\n/step\n{line}\n/dance\n/end\n",
        persona="price-conscious-restaurants",
    )
    assert code == 0, err
    assert "(Maria Alvarez plays the customer.)" in out
    assert "\nMaria Alvarez: Hi, I'm Maria" in out  # the persona's first line, after one /step
    assert "[whisper to the Greeter queued: Mention the pilot program.]" in out
    assert "delivered: Mention the pilot program.]" in out
    # typing as the customer is taking over
    assert out.index("(You took over the customer.)") < out.index(f"\nCustomer: {line}\n")
    assert "(warning: unknown command /dance; the commands are /reset, /play" in out
    assert "Scorecard - Maria Alvarez (price-conscious-restaurants, easy)" in out
    assert out.index("Outcome: UNDECIDED - Ended by the coach.") > out.index(f"Customer: {line}")


def test_a_persona_that_does_not_exist_is_named(data_dir: Path) -> None:
    settings = Settings(knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=data_dir, offline=True)
    code, _out, err = chat(settings, "", persona="nobody-at-all")
    assert code == 2 and "nobody-at-all" in err and "not a persona" in err


def test_slash_commands_are_typed_commands() -> None:
    assert parse("/whisper  Ask about budget ").command.model_dump() == {
        "type": "whisper",
        "text": "Ask about budget",
    }
    assert parse("Hello there").command.model_dump() == {"type": "say", "text": "Hello there"}
    with pytest.raises(ValueError, match="/whisper needs some text"):
        parse("/whisper")
    assert parse("/speed 2x").command.model_dump() == {"type": "set_speed", "speed": "2x"}
    with pytest.raises(ValueError, match=r"/speed 3x: choose one of 0\.5x, 1x, 2x, 4x, instant"):
        parse("/speed 3x")


ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31m\x9b2J"


def test_control_sequences_in_the_knowledge_never_reach_the_terminal(
    small_company: Path, tmp_path: Path
) -> None:
    (small_company / "warranty.md").write_text(
        f"# Warranty{ESCAPES}\n\nEvery HK-2 espresso machine has a five year warranty{ESCAPES} "
        "on parts and labour.\n",
        encoding="utf-8",
    )
    settings = Settings(knowledge_dir=small_company, data_dir=tmp_path / "data", offline=True)
    code, out, err = chat(settings, "How long is the warranty on the HK-2?\n")
    assert code == 0, err
    assert "five year warranty" in out and "Warranty" in out
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in out
    assert clean(f"a{ESCAPES}b\tc\n") == "ab\tc\n"


def clean_environment(data_dir: Path) -> dict[str, str]:
    """This process's environment without cloud settings (a worker test may have left LiveKit's
    there), for a chat on this computer with the offline responder."""
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LIVEKIT_", "CEREBRAS_", "CARTESIA_", "SIMULATOR_"))
    }
    return kept | {"SIMULATOR_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}


def simulator_chat(
    data_dir: Path, *, stdin: int, knowledge: Path = BUNDLED_KNOWLEDGE
) -> subprocess.Popen[bytes]:
    """The real program, as a user starts it."""
    env = clean_environment(data_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "simulator", "chat", "--offline", "--knowledge", str(knowledge)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stdin=stdin,
        stderr=subprocess.PIPE,
    )


def read_until(stream: int, marker: bytes, timeout: float = 120) -> bytes:
    seen = b""
    # epoll, not select(): late in the suite descriptor numbers pass select()'s 1024 limit
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while marker not in seen:
            ready = selector.select(timeout)
            assert ready, f"no {marker!r} within {timeout} s: {seen[-500:]!r}"
            chunk = os.read(stream, 4096)
            assert chunk, f"the chat ended before {marker!r}: {seen[-500:]!r}"
            seen += chunk
    return seen


def stopped(process: subprocess.Popen[bytes], timeout: float = 10) -> tuple[int, str]:
    """Its exit code, once it has stopped by itself (bounded: today's chat never would)."""
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"the chat was still running {timeout} s later") from None
    assert process.stderr is not None
    return code, process.stderr.read().decode()


def test_ctrl_c_at_the_prompt_stops_the_chat(data_dir: Path) -> None:
    keyboard, terminal = pty.openpty()  # an interactive terminal: the chat waits at its prompt
    process = simulator_chat(data_dir, stdin=terminal)
    os.close(terminal)
    try:
        assert process.stdout is not None
        read_until(process.stdout.fileno(), b"you> ")
        process.send_signal(signal.SIGINT)
        code, err = stopped(process)
    finally:
        os.close(keyboard)
    assert code == 130 and "Traceback" not in err


def test_ctrl_c_with_piped_input_stops_the_chat_while_it_indexes(tmp_path: Path) -> None:
    folder = tmp_path / "big-company"
    folder.mkdir()
    for n in range(3000):  # enough that indexing is still going when the user gives up
        (folder / f"note-{n:04}.md").write_text(
            f"# Note {n}\n\nSensor model T{n} reports every {n % 9 + 1} minutes and costs "
            f"{n % 50 + 5} dollars.\n",
            encoding="utf-8",
        )
    data_dir = tmp_path / "data"
    process = simulator_chat(data_dir, stdin=subprocess.PIPE, knowledge=folder)
    assert process.stdin is not None
    process.stdin.write(b"How much is sensor model T12?\n")  # and the pipe stays open
    process.stdin.flush()
    deadline = time.monotonic() + 120
    while not (data_dir / "index").exists():  # the chat is indexing the folder
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    code, err = stopped(process)
    process.stdin.close()
    assert code == 130 and "Traceback" not in err


def test_a_closed_pipe_ends_the_chat_quietly(data_dir: Path) -> None:
    env = clean_environment(data_dir)
    pipeline = (
        f"printf 'How much is the Professional plan?\\nAnd the Starter plan?\\n' "
        f"| {sys.executable} -m simulator chat --offline 2>chat.err | head -1; "
        'echo "chat exited ${PIPESTATUS[1]}"; cat chat.err'
    )
    done = subprocess.run(
        ["bash", "-c", pipeline],
        cwd=data_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    first, status, *err = done.stdout.splitlines()
    assert first.startswith("  (info: Knowledge: ")
    assert status == "chat exited 141"
    assert not [line for line in err if "Traceback" in line or "BrokenPipe" in line], err
