"""Reliability: what the customer sees when Cerebras misbehaves in ways that look like answers.

The wire faults of ``test_reliability_faults`` end in an error the SDK raises. These do not: a
stream that simply stops (no finish reason, no ``[DONE]``), a compatible server that leaves out
``system_fingerprint`` (the SDK then hands back dicts), a server that holds the request, a key the
server refuses. Each runs through the real cerebras-cloud-sdk against ``CerebrasServer`` and a real
``SessionRunner``, and the customer must get, every turn: one answer, never a fragment passed off
as one, a readable line saying what happened (never a traceback), and an honest latency.

The last test draws the server's misbehaviour for every request from a seeded generator and
checks the same invariants on every turn.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from simulator.events import (
    Event,
    LatencyEvent,
    StatusEvent,
    TranscriptDeltaEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.fakes.cerebras_server import CerebrasServer, Fault, Reply
from tests.test_reliability_faults import (
    CUT_ANSWER,
    FIRST_SPECIALIST_REQUEST,
    LINES,
    PRICE_ANSWER,
    LoggedSession,
    sales_team_model,
)

REPO = Path(__file__).resolve().parent.parent
TWO_SENTENCES = (
    "The Professional plan is $11 per sensor per month. Invoices arrive each month, billed yearly."
)
SENTENCE_END = re.compile(r"""[.!?…:;]["'”’)\]]*\s*$""")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("provider-data")


def _settings(server: CerebrasServer, data_dir: Path, **overrides: Any) -> Settings:
    return Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE,
        data_dir=data_dir,
        cerebras_api_key=overrides.pop("key", "test-key"),
        cerebras_base_url=server.base_url,
        **overrides,
    )


async def _converse(settings: Settings, lines: tuple[str, ...], log: Path) -> list[Event]:
    runner = SessionRunner(settings)
    async with runner:
        session = LoggedSession(runner, log)
        for line in lines:
            await runner.send(line)
    await session.aclose()
    return session.events


def _faulting_specialist(
    server: CerebrasServer, fault: Fault | None, text: str = PRICE_ANSWER
) -> Any:
    """The sales team's model; the specialist's first request gets ``fault`` and says ``text``."""

    def model(body: Mapping[str, Any]) -> Reply:
        if len(server.requests) - 1 == FIRST_SPECIALIST_REQUEST:
            return Reply(text=text, fault=fault)
        return sales_team_model(body)

    return model


def _reply(events: list[Event], turn: int) -> TranscriptEvent:
    return next(
        e
        for e in events
        if isinstance(e, TranscriptEvent) and e.turn_id == turn and e.speaker != "customer"
    )


def _statuses(events: list[Event], turn: int | None = None) -> list[StatusEvent]:
    """Status events (of the turn ``turn``, counted by the customer lines before them)."""
    found, current = [], 0
    for event in events:
        if isinstance(event, TranscriptEvent) and event.speaker == "customer":
            current = event.turn_id
        if isinstance(event, StatusEvent) and (turn is None or current == turn):
            found.append(event)
    return found


def assert_every_turn_is_honest(
    events: list[Event], scripted: Mapping[int, str], caplog: pytest.LogCaptureFixture
) -> None:
    """The invariants of every turn, whatever the provider did.

    ``scripted``: per turn, the text the server meant to send (to recognise its fragments).
    """
    completed = [e.turn_id for e in events if isinstance(e, TurnCompletedEvent)]
    assert completed == sorted(set(completed)) and completed, "each turn completes once"
    streamed: dict[tuple[int, str], str] = {}
    shown = ""  # the reply streaming right now, as the customer sees it
    interrupted_by: StatusEvent | None = None  # a status after the text so far
    for event in events:
        if isinstance(event, TranscriptDeltaEvent):
            key = (event.turn_id, event.speaker)
            streamed[key] = streamed.get(key, "") + event.delta
            shown += event.delta
            interrupted_by = None
        elif isinstance(event, TranscriptEvent):
            if event.speaker != "customer":
                key = (event.turn_id, event.speaker)
                assert streamed.pop(key, "") == event.text, (
                    "what the customer watched stream is what the transcript keeps"
                )
                # a terminal ends the streamed line at a status: the reply must go on after it
                assert interrupted_by is None, f"a status ended a reply: {interrupted_by.message}"
            shown = ""
        elif isinstance(event, StatusEvent):
            assert not shown.strip() or SENTENCE_END.search(shown), (
                f"a status split a streamed sentence: {shown!r} | {event.message}"
            )
            interrupted_by = event if shown else None
            assert "Traceback" not in event.message and len(event.message) < 700
            assert event.level != "error", event.message
    for turn in completed:
        reply = _reply(events, turn)
        assert reply.text.strip(), f"turn {turn} got an answer"
        text = scripted.get(turn, "")
        if not text:
            continue
        common = 0
        while common < min(len(text), len(reply.text)) and text[common] == reply.text[common]:
            common += 1
        said = text[:common]
        if reply.provider == "cerebras":
            assert reply.text == text, f"a Cerebras reply is the whole answer: {reply.text!r}"
        elif said.strip():
            # what Cerebras got to say before failing is whole sentences, never a fragment
            assert SENTENCE_END.search(said), f"a fragment stayed in the transcript: {said!r}"
    tracebacks = [r for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING]
    assert not tracebacks, [r.getMessage() for r in tracebacks]


# -- a stream that stops without finishing -------------------------------------------------------


async def test_a_stream_cut_without_a_finish_is_a_failure_not_an_answer(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = CerebrasServer()
    server.responder = _faulting_specialist(server, Fault.cut(after_chunks=6), text=CUT_ANSWER)
    async with server:
        events = await _converse(_settings(server, data_dir), LINES[:2], tmp_path / "s.jsonl")

    reply = _reply(events, 2)
    fragment = " ".join(CUT_ANSWER.split()[:5])
    assert reply.provider == "offline" and fragment not in reply.text
    (warning,) = [s for s in _statuses(events, 2) if s.level == "warning"]
    assert "cut off" in warning.message and "offline" in warning.message
    assert_every_turn_is_honest(events, {2: CUT_ANSWER}, caplog)


async def test_whole_sentences_before_a_cut_stay_the_unfinished_one_is_dropped(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The customer has seen the first sentence; the second breaks off after two words. The
    warning comes after the first sentence (never inside one), the broken words never show, and
    the offline answer carries on."""
    server = CerebrasServer()
    first_sentence_chunks = 1 + len(TWO_SENTENCES.split(".")[0].split())  # role + its words
    server.responder = _faulting_specialist(
        server, Fault.reset(after_chunks=first_sentence_chunks + 2), text=TWO_SENTENCES
    )
    async with server:
        events = await _converse(_settings(server, data_dir), LINES[:2], tmp_path / "s.jsonl")

    first = TWO_SENTENCES.split(". ")[0]
    reply = _reply(events, 2)
    assert reply.text.startswith(first + ".") and "Invoices arrive" not in reply.text
    assert reply.provider == "offline" and len(reply.text) > len(first) + 10
    (warning,) = [s for s in _statuses(events, 2) if s.level == "warning"]
    assert "unfinished sentence was dropped" in warning.message
    assert_every_turn_is_honest(events, {2: TWO_SENTENCES}, caplog)


async def test_an_empty_answer_is_a_failure_and_the_customer_still_gets_one(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = CerebrasServer()
    server.responder = _faulting_specialist(server, None, text="")
    async with server:
        events = await _converse(_settings(server, data_dir), LINES, tmp_path / "s.jsonl")

    assert _reply(events, 2).provider == "offline" and _reply(events, 2).text.strip()
    (warning,) = [s for s in _statuses(events, 2) if s.level == "warning"]
    assert warning.message.startswith("Cerebras sent an empty answer")
    assert _reply(events, 3).provider == "cerebras", "a quick failure is tried again next turn"
    assert_every_turn_is_honest(events, {}, caplog)


# -- a compatible server without system_fingerprint ----------------------------------------------


async def test_a_compatible_server_without_system_fingerprint_answers_normally(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = CerebrasServer(responder=sales_team_model, fingerprint=False)
    async with server:
        events = await _converse(_settings(server, data_dir), LINES, tmp_path / "s.jsonl")

    replies = [e for e in events if isinstance(e, TranscriptEvent) and e.speaker != "customer"]
    assert [(r.turn_id, r.provider) for r in replies] == [(t, "cerebras") for t in (1, 2, 3)]
    assert replies[1].speaker == "pricing", "the handoff's tool call was read from dict deltas"
    assert replies[1].text == PRICE_ANSWER, "the answer is not duplicated"
    assert not [s for s in _statuses(events) if s.level != "info"]
    latency = next(e for e in events if isinstance(e, LatencyEvent) and e.turn_id == 2)
    assert latency.stages.server_total_ms is not None, "time_info read from a dict too"
    assert_every_turn_is_honest(events, {2: PRICE_ANSWER}, caplog)


# -- a provider that holds the request -------------------------------------------------------------


async def test_a_stalled_provider_gives_way_within_the_budget_and_says_it_is_waiting(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The server holds every request. Within the first-answer budget the customer is told it is
    waiting, then the offline answer comes; the SDK's own 20 s timeout and retries are never
    waited for; the degraded turn's latency shows the wait as its own stage; the next turn, in
    the cool-down, does not call the server at all."""
    server = CerebrasServer(
        responder=lambda body: Reply(text="late", fault=Fault.timeout(hold_s=60, times=None))
    )
    async with server:
        settings = _settings(server, data_dir, cerebras_first_answer_s=1.0)
        assert settings.cerebras_timeout_s == 20 and settings.cerebras_max_retries == 2
        events = await _converse(settings, LINES[:2], tmp_path / "s.jsonl")
        requests = len(server.requests)

    assert requests == 1, "abandoned within the budget, before any SDK retry; then resting"
    waiting, warning = _statuses(events, 1)[-2:]
    assert (waiting.level, waiting.source) == ("info", "llm") and "Still waiting" in waiting.message
    assert warning.level == "warning" and "sent nothing within 1 s" in warning.message
    reply = _reply(events, 1)
    assert reply.provider == "offline" and reply.text.strip()
    latency = next(e for e in events if isinstance(e, LatencyEvent) and e.turn_id == 1)
    failed = latency.stages.failed_attempt_ms
    assert failed is not None and failed >= 1000, "the failed attempt is its own stage"
    assert latency.stages.e2e_ms is not None and latency.stages.e2e_ms >= failed
    assert latency.stages.llm_ttft_ms is not None and latency.stages.llm_ttft_ms >= failed
    resting = next(e for e in events if isinstance(e, LatencyEvent) and e.turn_id == 2)
    assert resting.provider == "offline" and resting.stages.failed_attempt_ms is None
    assert_every_turn_is_honest(events, {}, caplog)


def test_the_first_answer_budget_is_5_s_and_configurable() -> None:
    assert Settings().cerebras_first_answer_s == 5.0
    env = {"SIMULATOR_FIRST_ANSWER_S": "2.5", "SIMULATOR_CEREBRAS_COOLDOWN_S": "10"}
    settings = Settings.load(env=env)
    assert (settings.cerebras_first_answer_s, settings.cerebras_cooldown_s) == (2.5, 10.0)
    for bad in ("0", "-1", "soon", "nan"):
        with pytest.raises(ValueError, match="SIMULATOR_FIRST_ANSWER_S"):
            Settings.load(env={"SIMULATOR_FIRST_ANSWER_S": bad})


async def test_each_retry_is_announced_while_the_customer_waits(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = CerebrasServer()
    server.responder = _faulting_specialist(server, Fault.status(503, retry_after="0.05", times=2))
    async with server:
        events = await _converse(_settings(server, data_dir), LINES[:2], tmp_path / "s.jsonl")

    assert _reply(events, 2).provider == "cerebras"
    notices = [s.message for s in _statuses(events, 2)]
    assert notices == [
        "Cerebras answered 503 (service unavailable); trying again (2 of 3), still waiting…",
    ]
    assert_every_turn_is_honest(events, {2: PRICE_ANSWER}, caplog)


# -- a refused key ---------------------------------------------------------------------------------


async def test_after_a_401_cerebras_is_not_called_again_until_the_key_changes(
    data_dir: Path, tmp_path: Path
) -> None:
    server = CerebrasServer(responder=sales_team_model, api_key="the-right-key")
    async with server:
        events = await _converse(
            _settings(server, data_dir, key="a-wrong-key"), LINES, tmp_path / "wrong.jsonl"
        )
        calls_with_the_wrong_key = len(server.requests)
        fixed = await _converse(
            _settings(server, data_dir, key="the-right-key"), LINES[:1], tmp_path / "right.jsonl"
        )

    assert calls_with_the_wrong_key == 1
    (refused,) = [s for s in _statuses(events) if s.source == "cerebras"]
    assert refused.level == "error"
    assert refused.message.startswith("Cerebras returned 401 (invalid API key)")
    assert "not called again until its settings change" in refused.message
    assert "a-wrong-key" not in refused.message
    assert {r.provider for r in events if isinstance(r, TranscriptEvent) and r.provider} == {
        "offline"
    }
    assert _reply(fixed, 1).provider == "cerebras", "a new key is tried at once"


# -- a generated hostile server -------------------------------------------------------------------

_WORDS = ("plan", "sensor", "gateway", "pilot", "month", "annual", "support", "price", "alert")


def _sentences(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(1, 3)):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(3, 9))]
        sentences.append(" ".join(words).capitalize() + rng.choice(".!?"))
    text = " ".join(sentences)
    if rng.random() < 0.05:
        return ""  # an empty answer
    return text if rng.random() < 0.8 else text[:-1]  # sometimes no final stop


def _misbehaviour(rng: random.Random, chunks: int) -> Fault | None:
    after = rng.randint(0, chunks + 1)
    return rng.choice(
        [
            None,
            None,
            Fault.status(rng.choice([429, 500, 502, 503]), retry_after="0", times=1),
            Fault.status(500, retry_after="0", times=3),
            Fault.timeout(hold_s=30),
            Fault.timeout(after_chunks=max(1, after), hold_s=30),
            Fault.reset(after_chunks=after),
            Fault.cut(after_chunks=after),
            Fault.malformed(after_chunks=after),
            Fault.stream_error(rng.choice([500, 503]), after_chunks=after),
        ]
    )


async def test_a_generated_hostile_server_never_makes_a_turn_lie(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """24 turns; for every request the specialist makes, a seeded generator picks the server's
    answer (clean, or one of every misbehaviour, at any point of the stream) and whether chunks
    carry ``system_fingerprint``. Every turn must satisfy :func:`assert_every_turn_is_honest`."""
    rng = random.Random(11)
    scripted: dict[int, str] = {}
    runner: SessionRunner
    server: CerebrasServer

    def model(body: Mapping[str, Any]) -> Reply:
        if "You are the Greeter" in body["messages"][0]["content"]:
            return sales_team_model(body)
        server.fingerprint = rng.random() < 0.5
        text = _sentences(rng)
        scripted[runner.turn_id] = text
        return Reply(text=text, fault=_misbehaviour(rng, len(text.split()) + 1))

    server = CerebrasServer(responder=model)
    lines = (LINES[1], *(f"And for {n} sensors, what would I pay?" for n in range(2, 25)))
    async with server:
        settings = _settings(
            server,
            data_dir,
            cerebras_first_answer_s=0.6,
            cerebras_timeout_s=0.4,
            cerebras_cooldown_s=0.05,
        )
        runner = SessionRunner(settings)
        async with runner:
            session = LoggedSession(runner, tmp_path / "s.jsonl")
            for line in lines:
                await runner.send(line)
        await session.aclose()

    events = session.events
    assert len([e for e in events if isinstance(e, TurnCompletedEvent)]) == len(lines)
    providers = {e.provider for e in events if isinstance(e, TranscriptEvent) and e.provider}
    assert providers == {"cerebras", "offline"}, "the generator exercised both outcomes"
    assert_every_turn_is_honest(events, scripted, caplog)


# -- as a user sees it in the terminal -------------------------------------------------------------


async def test_simulator_chat_says_what_failed_in_one_line_and_never_prints_a_traceback(
    data_dir: Path,
) -> None:
    """``simulator chat`` against a compatible server without ``system_fingerprint`` whose
    specialist's answer is cut off: stderr stays free of tracebacks, stdout has the warning once,
    each reply is printed once and never split by the warning."""
    server = CerebrasServer(fingerprint=False)
    cut = "Our Professional plan is eleven dollars per sensor."
    server.responder = _faulting_specialist(server, Fault.cut(after_chunks=4), text=cut)
    async with server:
        env = {
            **os.environ,
            "CEREBRAS_API_KEY": "test-key",
            "CEREBRAS_BASE_URL": server.base_url,
            "SIMULATOR_DATA_DIR": str(data_dir),
            "PYTHONPATH": str(REPO),
            "HF_HUB_OFFLINE": "1",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "simulator",
            "chat",
            cwd=REPO,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(
            process.communicate("\n".join(LINES).encode() + b"\n"), 120
        )
    out, err = stdout.decode(), stderr.decode()
    assert process.returncode == 0, err[-2000:]
    assert "Traceback" not in err and "Error" not in err, err[-2000:]
    warnings = [line for line in out.splitlines() if line.strip().startswith("(warning:")]
    assert len(warnings) == 1 and "cut off" in warnings[0], out
    assert out.count("Welcome to Lumora!") == 1, "each reply is printed once"
    assert "Our Professional plan" not in out, "the cut fragment is never shown"
    replies = [line for line in out.splitlines() if line.startswith("Pricing Specialist")]
    # (the offline reply says when it was chosen before the contextual encoder was ready)
    offline = ("(offline)", "(offline; encoder still loading)")
    assert len(replies) == 2 and replies[0].endswith(offline), out
