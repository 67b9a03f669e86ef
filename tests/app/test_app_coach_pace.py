"""Coach mode from the window at a person's pace: Play, then Pause while the persona types its first
line, Whisper, Take over while it types, Hand back - and the Coach bar's pace control changes how
long the persona takes (a quarter at 4x), and is remembered in the settings file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from simulator.events import (
    CoachStateEvent,
    CoachWhisperEvent,
    CustomerTypingEvent,
    TranscriptEvent,
)
from simulator.pace import Pace
from simulator.preferences import load_preferences
from simulator.settings import Settings
from tests.app.conftest import WindowFactory
from tests.app.gui import TURN_TIMEOUT_MS, events_of, start
from tests.app.test_app_coach import REHEARSAL_TIMEOUT_MS, click, wait_state


def typing_events(window: Any) -> list[CustomerTypingEvent]:
    return events_of(window, CustomerTypingEvent)  # type: ignore[return-value]


def choose_pace(qtbot: Any, panel: Any, speed: str) -> None:
    """Pick a pace in the Coach bar as a user does: open the list, move to the entry, Enter."""
    index = panel.speed.findData(speed)
    panel.speed.setFocus()
    panel.speed.setCurrentIndex(index)
    panel.speed.activated.emit(index)


def test_pause_whisper_take_over_hand_back_and_the_pace_from_the_coach_bar(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    preferences = tmp_path / "config" / "settings.json"
    window = start(
        qtbot,
        make_window(
            offline_settings.model_copy(update={"coach_speed": "1x"}), preferences_path=preferences
        ),
    )
    panel = window.coach
    assert panel.speed.currentData() == "1x" and panel.speed.isEnabled()
    panel.choose_persona("price-conscious-restaurants")
    click(qtbot, panel.coach_button)
    wait_state(qtbot, window, "ready")

    # Play: the persona types its opening line, at a person's pace; Pause before it says it
    click(qtbot, panel.play)
    qtbot.waitUntil(lambda: "is typing" in panel.status.text(), timeout=TURN_TIMEOUT_MS)
    first = typing_events(window)[-1]
    assert first.typing and 1500 <= first.expected_ms <= 3000
    click(qtbot, panel.pause)
    wait_state(qtbot, window, "paused", turns=0)
    qtbot.waitUntil(lambda: not typing_events(window)[-1].typing, timeout=TURN_TIMEOUT_MS)
    assert window.transcript.messages() == []

    # a whisper while paused waits for the agent's next reply
    qtbot.keyClicks(panel.whisper, "Ask how many fridges she has.")
    qtbot.keyClick(panel.whisper, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.transcript.coach_notes()) == 1, timeout=TURN_TIMEOUT_MS)

    # Play again, and Take over while the persona types: it never says its line
    typed = len(typing_events(window))
    click(qtbot, panel.play)
    qtbot.waitUntil(lambda: len(typing_events(window)) > typed, timeout=TURN_TIMEOUT_MS)
    click(qtbot, panel.take_over)
    wait_state(qtbot, window, "taken_over", turns=0)
    assert window.transcript.messages() == []
    user_line = "Hi, it's Maria. What does a sensor cost per month?"
    qtbot.keyClicks(window.composer.input, user_line)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: [e.status for e in events_of(window, CoachWhisperEvent)] == ["queued", "delivered"],
        timeout=TURN_TIMEOUT_MS,
    )

    # the pace control: 4x, remembered in the settings file; the persona types four times faster
    choose_pace(qtbot, panel, "4x")
    qtbot.waitUntil(
        lambda: any(e.speed == "4x" for e in events_of(window, CoachStateEvent)),
        timeout=TURN_TIMEOUT_MS,
    )
    assert load_preferences(preferences).coach_speed == "4x"
    typed = len(typing_events(window))
    click(qtbot, panel.hand_back)
    qtbot.waitUntil(lambda: len(typing_events(window)) > typed, timeout=TURN_TIMEOUT_MS)
    quick = typing_events(window)[typed]
    # the offline reply streamed at reading speed: what is left is typing, four times faster
    assert quick.typing and quick.expected_ms == round(Pace.needed("", 1) / 4 * 1000)

    # instant: the rest of the call comes at once, to its scorecard
    choose_pace(qtbot, panel, "instant")
    qtbot.waitUntil(lambda: window.coaching.dialog.isVisible(), timeout=REHEARSAL_TIMEOUT_MS)
    lines = [e.text for e in events_of(window, TranscriptEvent) if e.speaker == "customer"]
    assert lines[0] == user_line and window.coaching.dialog.view.card.final
    assert load_preferences(preferences).coach_speed == "instant"
