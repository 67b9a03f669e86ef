"""Coach mode from the window, on the embedded default: pick a persona, step, whisper, take over by
typing, hand back, and read the scorecard at the end and in the exported report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from simulator.app.main_window import MainWindow
from simulator.commands import HandBackCommand
from simulator.events import (
    CoachStateEvent,
    CoachWhisperEvent,
    ModeChangedEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.settings import Settings
from tests.app.conftest import WindowFactory
from tests.app.gui import TURN_TIMEOUT_MS, ChosenFiles, events_of, start

REHEARSAL_TIMEOUT_MS = 120_000


def coach_state(window: MainWindow) -> CoachStateEvent | None:
    states = [e for e in window.feed.events if isinstance(e, CoachStateEvent)]
    return states[-1] if states else None


def click(qtbot: Any, button: Any) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled: {button.toolTip()}"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_state(qtbot: Any, window: MainWindow, state: str, turns: int | None = None) -> None:
    def reached() -> bool:
        current = coach_state(window)
        return (
            current is not None
            and current.state == state
            and (turns is None or current.customer_turns == turns)
        )

    qtbot.waitUntil(reached, timeout=REHEARSAL_TIMEOUT_MS)


def test_a_rehearsal_with_a_persona_from_the_coach_controls(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings, tmp_path: Path
) -> None:
    report = tmp_path / "rehearsal.html"
    window = start(qtbot, make_window(offline_settings, files=ChosenFiles(save=[report])))
    panel = window.coach
    assert panel.coach_button.isEnabled() and not panel.pause.isEnabled()
    assert panel.persona.count() >= 6
    panel.choose_persona("frostwatch-loyalist")

    # Coach: a fresh conversation in which the persona is ready; nothing is said until Play or Step
    click(qtbot, panel.coach_button)
    wait_state(qtbot, window, "ready")
    assert panel.mode == "coach" and "Derek Olsen" in panel.status.text()
    assert window.transcript.messages() == []

    click(qtbot, panel.step)
    wait_state(qtbot, window, "paused", turns=1)
    assert window.transcript.customer_names() == ["Derek Olsen · AI customer"]
    assert window.transcript.messages()[0][1].startswith("Hi, Derek Olsen")
    assert window.transcript.messages()[1][0] == "greeter"

    # a whisper is a coach note, queued, then delivered with the next reply; the customer never
    # hears it
    qtbot.keyClicks(panel.whisper, "Mention the five-year battery.")
    qtbot.keyClick(panel.whisper, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.transcript.coach_notes()) == 1, timeout=TURN_TIMEOUT_MS)
    assert "waiting for its next reply" in window.transcript.coach_notes()[0]
    click(qtbot, panel.step)
    wait_state(qtbot, window, "paused", turns=2)
    qtbot.waitUntil(
        lambda: "delivered to the" in window.transcript.coach_notes()[0], timeout=TURN_TIMEOUT_MS
    )
    assert [e.status for e in events_of(window, CoachWhisperEvent)] == ["queued", "delivered"]
    assert not [m for m in window.transcript.messages() if "five-year battery." in m[1]]
    objection = window.transcript.customer_bubbles()[1].actions_label.text()
    assert objection == "raises an objection: competitor"

    # typing as the customer while the persona is loaded is taking over
    user_line = "Is the Professional plan really eleven dollars per sensor?"
    assert window.composer.input.placeholderText().startswith("Type to take over")
    qtbot.keyClicks(window.composer.input, user_line)
    with qtbot.waitSignal(
        window.feed.event_received,
        timeout=TURN_TIMEOUT_MS,
        check_params_cb=lambda e: isinstance(e, TurnCompletedEvent) and e.turn_id == 3,
    ):
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    wait_state(qtbot, window, "taken_over")
    assert panel.mode == "customer" and panel.hand_back.isEnabled() and not panel.play.isEnabled()
    assert window.transcript.customer_names()[-1] == "Customer (you)"
    assert window.transcript.messages()[-1][0] == "pricing"

    # hand back: the persona plays on from there until it decides; the scorecard opens by itself
    click(qtbot, panel.hand_back)
    qtbot.waitUntil(lambda: window.coaching.dialog.isVisible(), timeout=REHEARSAL_TIMEOUT_MS)
    card = window.coaching.dialog.view.card
    assert card is not None and card.final and card.persona == "frostwatch-loyalist"
    assert card.outcome in ("agreed", "declined", "undecided")
    assert next((o.objection, o.raised_by) for o in card.objections) == ("competitor", "persona")
    assert (
        window.coaching.dialog.view.counts["Objections handled"]
        == f"{card.objections_handled}/{len(card.objections)}"
    )
    assert coach_state(window).state == "ended" and panel.mode == "customer"
    modes = [(e.mode, e.customer) for e in events_of(window, ModeChangedEvent)]
    assert modes == [
        ("coach", "persona"),
        ("customer", "user"),
        ("coach", "persona"),
        ("customer", "user"),
    ]
    lines = [e.text for e in events_of(window, TranscriptEvent) if e.speaker == "customer"]
    assert lines[2] == user_line and card.customer_turns == len(lines)

    # the exported report carries the same scorecard
    assert window.export_report() == report
    page = report.read_text(encoding="utf-8")
    assert page.index("<h2>Scorecard</h2>") < page.index("<h2>Conversation</h2>")
    assert "Derek Olsen (AI customer)" in page and "Coach whisper to the" in page


def test_the_scorecard_on_demand_mid_rehearsal_and_in_customer_mode(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = start(qtbot, make_window(offline_settings))
    panel = window.coach

    # Customer mode: the conversation is scored against the playbook alone
    from tests.app.gui import say

    say(qtbot, window, "It's too expensive for us, honestly.")
    click(qtbot, panel.scorecard_button)
    qtbot.waitUntil(lambda: window.coaching.dialog.isVisible(), timeout=TURN_TIMEOUT_MS)
    card = window.coaching.dialog.view.card
    assert card is not None and card.persona is None and not card.final and card.customer_turns == 1
    assert window.coaching.dialog.view.headline.text().startswith("Undecided — Customer mode")
    window.coaching.dialog.hide()

    # Play loads the chosen persona and lets it talk to the end; the final scorecard opens by itself
    panel.choose_persona("price-conscious-restaurants")
    click(qtbot, panel.play)
    qtbot.waitUntil(lambda: window.coaching.dialog.isVisible(), timeout=REHEARSAL_TIMEOUT_MS)
    card = window.coaching.dialog.view.card
    assert card is not None and card.persona == "price-conscious-restaurants" and card.final
    assert window.coaching.dialog.windowTitle() == "Scorecard"
    assert window.transcript.customer_names()[0] == "Maria Alvarez · AI customer"
    assert (
        coach_state(window).state == "ended"
        and not panel.whisper.isEnabled()
        and not panel.pause.isEnabled()
    )
    assert panel.play.isEnabled()  # another round: Play loads the persona again

    # on demand after the end: the same final scorecard
    window.coaching.dialog.hide()
    click(qtbot, panel.scorecard_button)
    qtbot.waitUntil(lambda: window.coaching.dialog.isVisible(), timeout=TURN_TIMEOUT_MS)
    assert window.coaching.dialog.view.card == card

    # New conversation starts over in Customer mode
    window.coaching.dialog.hide()
    qtbot.mouseClick(window.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.transcript.messages() == [], timeout=TURN_TIMEOUT_MS)
    assert panel.mode == "customer" and panel.state is None and panel.play.isEnabled()


def test_coach_commands_that_do_not_fit_explain_themselves(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = start(qtbot, make_window(offline_settings))
    window.bridge.command(HandBackCommand())  # nothing loaded
    qtbot.waitUntil(lambda: window.banner.text != "", timeout=TURN_TIMEOUT_MS)
    assert "No rehearsal is running" in window.banner.text and window.banner.level == "warning"
    assert window.coach.coach_button.isEnabled()  # still usable
