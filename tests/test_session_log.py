"""Session logs survive crashes: every event is on disk as soon as it happens, and a log whose
last line was cut off still loads, with a note saying so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.events import (
    ConversationResetEvent,
    HandoffEvent,
    LatencyEvent,
    LatencyStages,
    Passage,
    PassageUnit,
    RetrievalEvent,
    SessionStartedEvent,
    StatusEvent,
    TranscriptEvent,
    TurnCompletedEvent,
    to_json,
)
from simulator.redaction import Redactor
from simulator.session_log import (
    SessionLog,
    SessionLogError,
    as_logged,
    load_log,
    log_text,
    new_log_path,
    open_log,
    replay,
    replay_delays,
    write_log,
)

T0 = 1_800_000_000.0


def a_session() -> list:
    return [
        SessionStartedEvent(
            session_id="abc123",
            provider="offline",
            model="offline responder",
            knowledge_dir="/k",
            created_at=T0,
        ),
        TranscriptEvent(turn_id=1, speaker="customer", text="How much is it?", created_at=T0 + 1),
        RetrievalEvent(
            turn_id=1,
            agent="greeter",
            query="How much is it?",
            elapsed_ms=4.0,
            created_at=T0 + 1.01,
            passages=(Passage(source="pricing/plans.md", section="Plans", score=0.7, text="$9"),),
        ),
        HandoffEvent(
            turn_id=1,
            from_agent="greeter",
            to_agent="pricing",
            reason="price",
            created_at=T0 + 1.02,
        ),
        TranscriptEvent(
            turn_id=1, speaker="pricing", text="It is $9.", provider="offline", created_at=T0 + 1.05
        ),
        LatencyEvent(
            turn_id=1,
            agent="pricing",
            provider="offline",
            model="offline responder",
            stages=LatencyStages(e2e_ms=50.0),
            created_at=T0 + 1.05,
        ),
        TurnCompletedEvent(turn_id=1, agent="pricing", created_at=T0 + 1.06),
        ConversationResetEvent(created_at=T0 + 30),
    ]


def test_each_event_is_on_disk_before_the_next_one_is_written(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    events = a_session()
    with SessionLog(path) as log:
        for written, event in enumerate(events, start=1):
            log.write(event)
            # Read back through a separate handle while the log is still open: nothing is buffered.
            assert load_log(path).events == tuple(events[:written])


def test_a_whole_session_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "saved.jsonl"
    assert write_log(path, a_session()) == len(a_session())
    loaded = load_log(path)
    assert loaded.events == tuple(a_session())
    assert loaded.warning is None
    assert not list(tmp_path.glob("*.part"))


def test_a_plain_log_cut_off_mid_line_loads_up_to_the_last_whole_event(tmp_path: Path) -> None:
    path = tmp_path / "crashed.jsonl"
    events = a_session()
    path.write_text("".join(to_json(e) + "\n" for e in events[:5]), encoding="utf-8")
    with open(path, "a", encoding="utf-8") as f:
        f.write(to_json(events[5])[:40])  # the process died here
    loaded = load_log(path)
    assert loaded.events == tuple(events[:5])
    assert loaded.truncated
    assert loaded.bad_lines == ()
    assert "cut off" in (loaded.warning or "")


def test_a_compressed_log_cut_off_anywhere_loads_every_event_written_before_the_cut(
    tmp_path: Path,
) -> None:
    """A crash may stop the file at any byte: what was written (flushed) before it all loads."""
    events = [*a_session()[:2], retrieved(1, "greeter", 0.6), *a_session()[2:]]
    live = tmp_path / "live.jsonl.gz"
    flushed = []  # the file's size after each event: a crash right after it leaves this much
    with SessionLog(live) as log:
        for event in events:
            log.write(event)
            flushed.append(live.stat().st_size)
    whole = live.read_bytes()
    assert whole[:2] == b"\x1f\x8b" and len(whole) > flushed[-1]  # gzip, closed with its end
    cut = tmp_path / "crashed.jsonl.gz"
    near_a_flush = {f + d for f in flushed for d in range(-8, 9)}
    for size in sorted(near_a_flush.union(range(1, len(whole), 3)) & set(range(1, len(whole)))):
        cut.write_bytes(whole[:size])
        written = sum(1 for f in flushed if f <= size)
        try:
            loaded = load_log(cut)
        except SessionLogError as e:  # nothing whole yet: said so, naming the file
            assert written == 0 and "crashed.jsonl.gz" in str(e), size
            continue
        expected = [as_logged(e) for e in events]
        # the last event may be whole already in the bytes of its flush marker
        assert list(loaded.events) in (expected[:written], expected[: written + 1]), size
        assert loaded.bad_lines == ()
        if size in flushed:
            assert list(loaded.events) == expected[:written] and not loaded.truncated
    cut.write_bytes(whole[: (flushed[3] + flushed[4]) // 2])
    crashed = load_log(cut)
    assert crashed.truncated and "cut off" in (crashed.warning or "")
    assert crashed.warning.startswith("crashed.jsonl.gz")


def test_damaged_compressed_data_keeps_what_came_before_and_says_where(tmp_path: Path) -> None:
    path = tmp_path / "damaged.jsonl.gz"
    events = a_session()
    with SessionLog(path) as log:
        for event in events[:4]:
            log.write(event)
        intact = path.stat().st_size
        for event in events[4:]:
            log.write(event)
    data = bytearray(path.read_bytes())
    # the first byte after a flush starts a deflate block: make it one of the reserved type
    data[intact] = 0b111
    path.write_bytes(bytes(data))
    loaded = load_log(path)
    assert list(loaded.events) == events[:4]
    assert (loaded.warning or "").startswith("damaged.jsonl.gz:") and len(loaded.bad_lines) == 1
    assert "compressed data is damaged" in (loaded.warning or "")
    path.write_bytes(b"\x1f\x8b" + b"not really gzip" * 10)
    with pytest.raises(SessionLogError, match=r"damaged.jsonl.gz cannot be read"):
        load_log(path)


def test_a_gzip_bomb_is_refused_by_its_uncompressed_size(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(b"{" * 8 * 2**20))
    assert path.stat().st_size < 2**20
    with pytest.raises(SessionLogError, match="bomb.jsonl.gz holds over 2 MB once uncompressed"):
        load_log(path, max_bytes=2 * 2**20)


def test_damaged_lines_are_skipped_and_named_by_number(tmp_path: Path) -> None:
    path = tmp_path / "damaged.jsonl"
    lines = [to_json(e) for e in a_session()]
    lines[2] = '{"type": "no_such_event"}'
    lines[4] = "not json at all"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_log(path)
    assert len(loaded.events) == len(lines) - 2
    assert loaded.bad_lines == (3, 5)
    assert not loaded.truncated
    assert "lines 3, 5" in (loaded.warning or "")


@pytest.mark.parametrize("content", ["", "\n\n", "hello\nworld\n", '{"a": 1}\n'])
def test_a_file_that_is_not_a_session_log_is_refused_with_its_name(
    tmp_path: Path, content: str
) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SessionLogError, match="notes.jsonl"):
        load_log(path)


def test_a_missing_log_is_refused_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(SessionLogError, match="gone.jsonl"):
        load_log(tmp_path / "gone.jsonl")


def test_secrets_never_reach_the_file(tmp_path: Path) -> None:
    key = "csk-live-0123456789abcdef"
    path = tmp_path / "leaky.jsonl"
    with SessionLog(path, redactor=Redactor([key])) as log:
        log.write(StatusEvent(level="error", source="cerebras", message=f"401: bad key {key}"))
    assert key not in log_text(path) and key.encode() not in path.read_bytes()
    first = load_log(path).events[0]
    assert isinstance(first, StatusEvent) and "[redacted]" in first.message


def test_writing_after_close_is_an_error(tmp_path: Path) -> None:
    log = SessionLog(tmp_path / "closed.jsonl")
    log.close()
    with pytest.raises(ValueError, match="closed"):
        log.write(ConversationResetEvent())


def test_new_logs_are_sortable_files_under_the_data_dir(tmp_path: Path) -> None:
    from datetime import datetime

    path = new_log_path(tmp_path, "abc123", now=datetime(2026, 11, 22, 10, 15, 0))
    assert path == tmp_path / "sessions" / "20261122-101500-abc123.jsonl.gz"


def test_replay_keeps_the_rhythm_but_caps_long_pauses() -> None:
    delays = replay_delays(a_session(), speed=1.0, max_gap_s=1.5)
    assert delays[0] == 0.0
    assert delays[1] == pytest.approx(1.0)
    assert delays[2] == pytest.approx(0.01, abs=1e-6)
    assert delays[-1] == 1.5  # 24 s of silence before the reset, capped
    faster = replay_delays(a_session(), speed=4.0, max_gap_s=1.5)
    assert faster[1] == pytest.approx(0.25)
    with pytest.raises(ValueError):
        replay_delays(a_session(), speed=0)


async def test_replay_yields_every_event_in_order() -> None:
    replayed = [e async for e in replay(a_session(), speed=1000.0, max_gap_s=0.001)]
    assert replayed == a_session()


CHUNK = "## Professional\n**$11** per sensor per month — billed “annually”.\n" * 8
UNIT = "Plans > Professional: **$11** per sensor per month."


def retrieved(turn_id: int, agent: str, score: float) -> RetrievalEvent:
    """The same chunk retrieved again (another turn, another agent), as a session does."""
    return RetrievalEvent(
        turn_id=turn_id,
        agent=agent,  # type: ignore[arg-type]
        query=f"question {turn_id}",
        elapsed_ms=3.5,
        created_at=T0 + turn_id,
        passages=(
            Passage(
                source="pricing/plans.md",
                section="Plans > Professional",
                score=score,
                text=CHUNK,
                scope=("pricing",),
                scorer="minilm",
                units=(PassageUnit(text=UNIT, score=score - 0.1),),
            ),
            Passage(source="faq.md", section="FAQ", score=0.2, text="Other.", units=()),
        ),
    )


def test_each_passage_is_written_once_and_loads_back_as_it_was(tmp_path: Path) -> None:
    events = [
        retrieved(1, "greeter", 0.61),
        retrieved(1, "pricing", 0.61),
        TranscriptEvent(turn_id=1, speaker="pricing", text=CHUNK, created_at=T0 + 1.5),
        retrieved(2, "pricing", 0.58),
    ]
    path = tmp_path / "session.jsonl"
    write_log(path, events)
    raw = log_text(path)
    assert raw.count(to_json_text(CHUNK)) == 2  # once for the passages, once in the transcript
    assert raw.count("Plans > Professional") == 1 and UNIT not in raw
    loaded = load_log(path)
    assert list(loaded.events) == [as_logged(e) for e in events] and loaded.warning is None
    assert loaded.events[3].passages[0].score == 0.58  # each retrieval keeps its own scores
    assert list(open_log(path).events(2, 4)) == [as_logged(e) for e in events[2:4]]


def test_a_log_written_before_passages_were_shared_still_loads(tmp_path: Path) -> None:
    events = [retrieved(1, "greeter", 0.61), retrieved(2, "pricing", 0.58)]
    path = tmp_path / "old.jsonl"
    path.write_text("".join(to_json(e) + "\n" for e in events), encoding="utf-8")
    assert list(load_log(path).events) == events


def test_an_event_naming_a_passage_nobody_defined_is_skipped_and_named(tmp_path: Path) -> None:
    path = tmp_path / "session.jsonl"
    write_log(path, [retrieved(1, "greeter", 0.61), retrieved(2, "pricing", 0.58)])
    lines = log_text(path).splitlines(keepends=True)
    assert lines[0].startswith('{"type":"passages"')
    path.write_text("".join(lines[1:]), encoding="utf-8")  # the definitions are lost
    with pytest.raises(SessionLogError, match="no simulator events"):
        load_log(path)
    path.write_text("".join([*lines, lines[1].replace('"ref":1', '"ref":99')]))
    loaded = load_log(path)
    assert len(loaded.events) == 2
    assert loaded.warning is not None
    assert "names a passage that no earlier line defines" in loaded.warning


def to_json_text(text: str) -> str:
    """``text`` as it appears inside a JSON line."""
    return json.dumps(text, ensure_ascii=False)[1:-1]
