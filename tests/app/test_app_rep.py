"""Rep mode from the window, on the embedded default: pick a persona, press Rep, read the
co-pilot for each customer line, ask it privately, answer as the rep (a misquoted price is
marked on the rep's bubble), and read the rep's scorecard and progress when the call ends."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from simulator.app.claim_marks import explain, mark_text
from simulator.app.main_window import MainWindow
from simulator.events import (
    CopilotAnswerEvent,
    CopilotContextEvent,
    PracticeStateEvent,
    TranscriptEvent,
)
from simulator.settings import Settings
from tests.app.conftest import WindowFactory
from tests.app.gui import TURN_TIMEOUT_MS, events_of, start
from tests.app.test_app_coach import click

CALL_TIMEOUT_MS = 60_000
WRONG = "Our Professional plan is $6 per sensor per month, and there is no contract with us."
DODGES = ["We have a great product.", "Our customers love us.", "Trust me, it is good."]


def practice_state(window: MainWindow) -> PracticeStateEvent | None:
    states = [e for e in window.feed.events if isinstance(e, PracticeStateEvent)]
    return states[-1] if states else None


def wait_rep_turn(qtbot: Any, window: MainWindow, customer_lines: int) -> None:
    def reached() -> bool:
        state = practice_state(window)
        said = [e for e in events_of(window, TranscriptEvent) if e.speaker == "customer"]  # type: ignore[attr-defined]
        return state is not None and state.state in ("rep", "ended") and len(said) >= customer_lines

    qtbot.waitUntil(reached, timeout=CALL_TIMEOUT_MS)


def answer(qtbot: Any, window: MainWindow, text: str) -> None:
    """Type the rep's line and press Enter once Send is enabled (the persona answered)."""
    qtbot.waitUntil(lambda: window.composer.send_button.isEnabled(), timeout=TURN_TIMEOUT_MS)
    qtbot.keyClicks(window.composer.input, text)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.composer.input.text() == "", timeout=TURN_TIMEOUT_MS)


def test_selling_to_a_persona_with_the_co_pilot_beside_you(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    window = start(qtbot, make_window(offline_settings))
    panel = window.coach
    panel.choose_persona("frostwatch-loyalist")
    assert panel.rep_button.isEnabled()

    click(qtbot, panel.rep_button)
    wait_rep_turn(qtbot, window, 1)
    assert panel.mode == "rep" and "Your turn: answer Derek Olsen" in panel.status.text()
    assert not panel.play.isEnabled() and not panel.take_over.isEnabled()
    assert panel.end.isEnabled() and panel.again.isEnabled()
    assert panel.whisper_title.text() == "ASK CO-PILOT"
    assert window.composer.input.placeholderText().startswith("Answer as the company's rep")
    assert window.transcript.customer_names() == ["Derek Olsen · AI customer"]
    assert window.transcript.thinking() is None  # nobody on the team answers: it is your turn

    # the co-pilot prepared the opening line, in the context panel
    context = window.context
    qtbot.waitUntil(lambda: "Co-pilot for the customer's line" in context.heading.text())
    assert "only you see this" in context.heading.text()
    assert len(context.shown_sources()) == len(events_of(window, CopilotContextEvent)[-1].passages)

    # a private question: answered from the material, in the panel; the customer never hears it
    qtbot.keyClicks(panel.whisper, "What does the Professional plan cost?")
    qtbot.keyClick(panel.whisper, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(events_of(window, CopilotAnswerEvent)), timeout=TURN_TIMEOUT_MS)
    shown = context.shown_copilot()
    (answer_text,) = shown["copilotAnswer"]
    assert "$11 per sensor per month" in answer_text
    assert "pricing/pricing-and-plans.md" in answer_text
    assert context.shown_sources()[0] == "pricing/pricing-and-plans.md"
    assert all("$11" not in text for _, text in window.transcript.messages())

    # the rep misquotes the price: the rep's bubble carries the claim mark
    answer(qtbot, window, WRONG)
    wait_rep_turn(qtbot, window, 2)
    rep_bubbles = [b for b in window.transcript._bubbles if b.speaker == "rep"]
    assert [b.text for b in rep_bubbles] == [WRONG]
    assert rep_bubbles[0].name_label.text() == "You · the rep"
    qtbot.waitUntil(lambda: rep_bubbles[0].claims is not None, timeout=TURN_TIMEOUT_MS)
    checked = rep_bubbles[0].claims
    assert checked is not None and checked.agent == "rep"
    assert mark_text(checked).startswith("⚠ 1 unsupported claim")
    assert 'href="claim:' in rep_bubbles[0].text_label.text()  # the figure is marked in red
    (flagged,) = checked.unsupported
    assert "It says $11" in explain(flagged) and "pricing/pricing-and-plans.md" in explain(flagged)

    # the next customer line raises an objection: the playbook's prepared response is at hand
    qtbot.waitUntil(lambda: "playbook" in context.shown_copilot())
    (playbook,) = context.shown_copilot()["playbook"]
    assert "Prepared response" in playbook and "Makes sense" in playbook
    assert context.shown_copilot()["questions"]

    # dodging until the persona gives up: the rep's scorecard opens with the progress chart
    with qtbot.waitSignal(window.coaching.scorecard_shown, timeout=CALL_TIMEOUT_MS) as shown_card:
        for line in DODGES:
            if practice_state(window).state == "ended":  # type: ignore[union-attr]
                break
            answer(qtbot, window, line)
            wait_rep_turn(qtbot, window, 0)
        if practice_state(window).state != "ended":  # type: ignore[union-attr]
            click(qtbot, panel.end)
    card = shown_card.args[0]
    assert card.seat == "rep" and card.final and card.claims_wrong >= 1
    view = window.coaching.dialog.view
    assert "you sold to Derek Olsen" in view.headline.text()
    assert "YOUR CLAIMS" in view.details.text() and "$11" in view.details.text()
    qtbot.waitUntil(lambda: view.progress.isVisible(), timeout=TURN_TIMEOUT_MS)
    assert len(view.progress.attempts) == 1
    assert view.progress.caption.text().startswith("Your calls with Derek Olsen: 1")
    qtbot.waitUntil(lambda: practice_state(window).state == "ended")  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: not panel.end.isEnabled())

    # try again: the same persona from the start; the chart gains an attempt at the end
    click(qtbot, panel.again)
    qtbot.waitUntil(
        lambda: bool(  # waitUntil refuses a callback that returns [] (no message yet)
            window.transcript.messages()[:1]
            and window.transcript.messages()[0][1].startswith("Hi, Derek Olsen")
            and len(window.transcript.messages()) == 1
        ),
        timeout=CALL_TIMEOUT_MS,
    )
    with qtbot.waitSignal(window.coaching.scorecard_shown, timeout=CALL_TIMEOUT_MS):
        click(qtbot, panel.end)
    qtbot.waitUntil(lambda: len(view.progress.attempts) == 2, timeout=TURN_TIMEOUT_MS)

    # back to Customer mode: a new conversation with the team
    click(qtbot, panel.customer_button)
    qtbot.waitUntil(lambda: panel.mode == "customer", timeout=TURN_TIMEOUT_MS)
    assert panel.whisper_title.text() == "WHISPER"
