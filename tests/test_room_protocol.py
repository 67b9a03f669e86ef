"""What crosses the room: the dispatch's metadata and the events round-trip exactly, and the app's
event stream is put back in order, without duplicates, across a dropped connection. (Commands:
tests/test_commands.py.)"""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from simulator.events import (
    HandoffEvent,
    LatencyEvent,
    LatencyStages,
    Passage,
    RetrievalEvent,
    TranscriptEvent,
    TurnCompletedEvent,
    to_json,
)
from simulator.room.metadata import SessionMetadata
from simulator.room.transport import (
    EVENTS_TOPIC,
    EventLog,
    EventPublisher,
    EventSequencer,
    parse_seq,
)
from tests.fakes.participant import stand_in

EVENTS = [
    TranscriptEvent(turn_id=1, speaker="customer", text="What does it cost?"),
    HandoffEvent(
        turn_id=1, from_agent="greeter", to_agent="pricing", reason="asks about the price"
    ),
    RetrievalEvent(
        turn_id=1,
        agent="pricing",
        query="What does it cost?",
        elapsed_ms=4.2,
        passages=(Passage(source="pricing/plans.md", section="Plans", score=0.81, text="$11"),),
    ),
    TranscriptEvent(turn_id=1, speaker="pricing", text="$11 per sensor.", provider="cerebras"),
    LatencyEvent(
        turn_id=1,
        agent="pricing",
        provider="cerebras",
        model="gpt-oss-120b",
        stages=LatencyStages(
            end_of_utterance_ms=510.0, stt_ms=120.5, llm_ttft_ms=80.0, e2e_ms=900.0
        ),
    ),
    TurnCompletedEvent(turn_id=1, agent="pricing"),
]


def test_session_metadata_round_trips_through_the_dispatch() -> None:
    metadata = SessionMetadata(app_identity="app-1", mode="coach", persona="p", knowledge="k")
    assert SessionMetadata.from_json(metadata.to_json()) == metadata
    with pytest.raises(ValidationError):
        SessionMetadata.from_json('{"mode": "customer"}')  # no app identity: nobody may command


def test_events_are_numbered_and_sent_as_the_same_json_line() -> None:
    log = EventLog()
    numbered = [log.append(e) for e in EVENTS]
    assert [n for n, _ in numbered] == list(range(1, len(EVENTS) + 1))
    assert [line for _, line in numbered] == [to_json(e) for e in EVENTS]
    assert [n for n, _ in log.after(4)] == [5, 6] and log.after(6) == [] and log.last_seq == 6


def test_the_sequencer_delivers_in_order_once_however_lines_arrive() -> None:
    lines = [(n, to_json(e)) for n, e in enumerate(EVENTS, start=1)]
    shuffled = lines + lines[:3]  # duplicates, as a replay after a reconnect sends them again
    random.Random(7).shuffle(shuffled)
    sequencer = EventSequencer()
    delivered = [event for seq, line in shuffled for event in sequencer.accept(seq, line)]
    assert delivered == EVENTS
    assert sequencer.last_seq == 6 and sequencer.waiting == 0


def test_a_gap_holds_later_events_until_the_missing_one_arrives() -> None:
    sequencer = EventSequencer()
    assert sequencer.accept(1, to_json(EVENTS[0])) == [EVENTS[0]]
    assert sequencer.accept(3, to_json(EVENTS[2])) == []
    assert sequencer.waiting == 1
    assert sequencer.accept(2, to_json(EVENTS[1])) == [EVENTS[1], EVENTS[2]]


class DroppingParticipant:
    """LiveKit's local participant, as far as sending text goes: the network drops what is sent
    while ``connected`` is False. (No LiveKit server here: this replaces the SDK's send.)"""

    def __init__(self) -> None:
        self.connected = True
        self.sent: list[tuple[str, str, list[str], dict[str, str]]] = []

    async def send_text(
        self,
        text: str,
        *,
        topic: str,
        destination_identities: list[str],
        attributes: dict[str, str],
    ) -> None:
        if not self.connected:
            raise ConnectionError("the data channel is down")
        self.sent.append((text, topic, destination_identities, attributes))


async def test_after_a_dropped_connection_a_resume_replays_what_the_app_missed() -> None:
    participant = DroppingParticipant()
    publisher = EventPublisher(stand_in(participant), "app-1")
    app = EventSequencer()

    def deliver() -> list:
        got = [
            e
            for text, *_rest, attrs in participant.sent
            for e in app.accept(parse_seq(attrs), text)
        ]
        participant.sent.clear()
        return got

    for event in EVENTS[:2]:
        await publisher.publish(event)
    assert deliver() == EVENTS[:2]
    participant.connected = False
    for event in EVENTS[2:5]:
        await publisher.publish(event)  # lost on the way, and not an error for the session
    participant.connected = True
    await publisher.publish(EVENTS[5])
    assert deliver() == []  # held: 3, 4 and 5 are missing
    assert await publisher.replay(app.last_seq) == 4
    assert deliver() == EVENTS[2:]
    assert app.last_seq == 6


async def test_events_go_only_to_the_app_on_the_events_topic() -> None:
    participant = DroppingParticipant()
    await EventPublisher(stand_in(participant), "app-1").publish(EVENTS[0])
    _text, topic, destinations, attributes = participant.sent[0]
    assert (topic, destinations, attributes) == (EVENTS_TOPIC, ["app-1"], {"seq": "1"})
