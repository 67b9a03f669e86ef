"""The window fits from 1024x640 to 1920x1080 (and 4K at 200 %, which lays out like 1920x1080):
the transcript keeps at least half the width, the panels collapse to tabs when narrow, and no
label, button or field in the window, the scorecard or Settings is cut, checked at each size
offscreen after a real conversation with a handoff."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPushButton

from simulator.app import theme
from simulator.app.session_layout import Arrangement
from simulator.events import (
    Event,
    FactScore,
    LatencyScore,
    ObjectionScore,
    Passage,
    RoutingScore,
    Scorecard,
    TalkRatio,
    TurnCompletedEvent,
    UnsupportedClaim,
)
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from tests.app.clipping import clipped
from tests.app.conftest import WindowFactory
from tests.app.gui import type_pin

SIZES = [
    (1280, 720, False),
    (1920, 1080, True),
    (1024, 640, False),
    (3840, 2160, False),  # 4K at scale 1: the columns keep their ratio, nothing stretches oddly
    (3840, 2160, True),
]
LINES = (
    "Hi, I'm Dana from Northbay Foods. We run forty freezers across three warehouses.",
    "What would the Professional plan cost us per sensor each month?",
    "Do you have the CT-200 in stock right now?",
)


@pytest.fixture(scope="module")
def conversation(tmp_path_factory: pytest.TempPathFactory) -> list[Event]:
    """A real offline conversation with a handoff and a look-up, recorded once."""
    import asyncio

    async def record() -> list[Event]:
        settings = Settings(
            knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=tmp_path_factory.mktemp("layout-data")
        )
        events: list[Event] = []
        async with SessionRunner(settings) as runner:
            for line in LINES:
                await runner.send(line)
                async for event in runner.events():
                    events.append(event)
                    if isinstance(event, TurnCompletedEvent) and event.turn_id == runner.turn_id:
                        break
        return events

    return asyncio.run(record())


def long_scorecard() -> Scorecard:
    plans = Passage(
        source="pricing/pricing-and-plans.md",
        section="Pricing and Plans > ColdTrace Cloud plans > Professional",
        score=0.7,
        text="Professional — $11 per sensor per month.",
    )
    return Scorecard(
        persona="frostwatch-loyalist",
        persona_name="Derek Olsen",
        difficulty="medium",
        outcome="undecided",
        outcome_reason="Derek wanted a fair price comparison with FrostWatch before deciding.",
        final=True,
        customer_turns=9,
        agent_replies=11,
        objections=(
            ObjectionScore(
                objection="competitor",
                label="We've had FrostWatch in our stores for two years and it works well enough",
                raised_turn=2,
                raised_by="persona",
                handled=True,
                handled_turn=3,
                handled_by="technical",
                prepared_response_used=True,
                prepared_response_overlap=0.6,
                playbook_section="Objection: We already use a competitor (FrostWatch or TempGuard)",
            ),
            ObjectionScore(
                objection="price",
                label="Switching systems costs more than it saves over three years",
                raised_turn=5,
                raised_by="persona",
                handled=False,
            ),
        ),
        facts=(
            FactScore(
                fact="budget",
                kind="budget",
                label="Budget: $30,000 this year",
                uncovered=True,
                asked_turn=4,
            ),
            FactScore(
                fact="decider",
                kind="decision",
                label="The regional director signs off",
                uncovered=False,
            ),
        ),
        routing=(
            RoutingScore(
                turn_id=6,
                question="How long does the battery last in the cold?",
                expected=("technical",),
                answered_by="pricing",
                correct=False,
            ),
        ),
        claims_checked=14,
        unsupported_claims=(
            UnsupportedClaim(
                turn_id=5, agent="pricing", text="$9 per sensor", kind="price", contradicting=plans
            ),
        ),
        talk=TalkRatio(customer_words=320, agent_words=910),
        latency=LatencyScore(replies=11, p50_ms=412.0, p95_ms=1240.0),
    )


def shown(window: Any, events: list[Event]) -> None:
    for event in events:
        window._on_live_event(event)


@pytest.mark.parametrize(("width", "height", "demo"), SIZES)
def test_nothing_is_clipped_and_the_transcript_keeps_half_the_width(
    qtbot: Any,
    make_window: WindowFactory,
    offline_settings: Settings,
    conversation: list[Event],
    tmp_path: Path,
    width: int,
    height: int,
    demo: bool,
) -> None:
    window = make_window(offline_settings, demo=demo)
    if demo:
        window.booth.start_talking()  # past the attract screen, as a visitor
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height)
    shown(window, conversation)
    qtbot.wait(50)  # let the layouts settle (scroll areas fit their content on the next tick)
    shots = os.environ.get("BOOTH_SHOTS")
    if shots:
        window.grab().save(f"{shots}/window-{width}x{height}{'-demo' if demo else ''}.png")
    assert (window.width(), window.height()) == (width, height), "the window grew"
    window._show_agent("technical", answering=True)  # the header's widest state
    assert window.minimumSizeHint().width() <= width, "the header would widen the window"
    window.refresh_agent()
    transcript = window.body.main
    assert transcript.width() >= width * 0.5 - 20
    wide = width >= (1500 * 1.45 if demo else 1500)  # a booth's large type needs more room
    expected = Arrangement.COLUMNS if wide and height >= 820 else Arrangement.TABS
    assert window.body.arrangement is expected
    assert window.statusBar().geometry().bottom() <= window.height()
    problems = clipped(window)
    for panel in window.body.side_widgets():  # each tab, when they are tabs
        window.body.show_panel(panel)
        qtbot.wait(20)
        problems += clipped(panel)
        if shots and window.body.arrangement is Arrangement.TABS:
            name = type(panel).__name__
            window.grab().save(f"{shots}/window-{width}x{height}-{name}.png")
    assert not problems, "\n".join(map(str, problems))

    dialog = window.coaching.dialog
    dialog.show_card(long_scorecard())
    qtbot.wait(50)
    assert dialog.geometry().height() <= height and dialog.geometry().width() <= width
    assert not (found := clipped(dialog)), "\n".join(map(str, found))
    if shots:
        dialog.grab().save(f"{shots}/scorecard-{width}x{height}{'-demo' if demo else ''}.png")
    dialog.hide()

    settings = window.open_settings()
    if demo:  # the booth asks the operator's PIN first, in the booth's size: big targets
        assert settings is None
        pin = window.kiosk.dialog
        assert pin is not None
        qtbot.waitUntil(pin.isVisible)
        booth_pin_dialog_fits(pin, width, height)
        if shots:
            pin.grab().save(f"{shots}/pin-{width}x{height}-demo.png")
        type_pin(qtbot, window)
        settings = window.settings_dialog
    assert settings is not None
    qtbot.wait(50)
    assert settings.height() <= height and settings.width() <= width
    assert not (found := clipped(settings)), "\n".join(map(str, found))
    if shots:
        settings.grab().save(f"{shots}/settings-{width}x{height}.png")
    settings.reject()


def booth_pin_dialog_fits(dialog: QDialog, width: int, height: int) -> None:
    """In the booth's large type the PIN dialog is a touch screen's: big field and buttons,
    nothing clipped, on the screen."""
    app = QApplication.instance()
    assert isinstance(app, QApplication) and theme.scale_of(app) == pytest.approx(theme.DEMO_SCALE)
    line = QFontMetrics(app.font()).height()
    assert line >= 18  # large type (a desk's line is ~14 px)
    buttons = dialog.findChildren(QPushButton)
    assert {b.text().replace("&", "") for b in buttons} >= {"OK", "Cancel"}
    for target in [*buttons, *dialog.findChildren(QLineEdit)]:
        assert target.height() >= 2.5 * line and target.width() >= 5 * line, target
    assert dialog.width() <= width and dialog.height() <= height
    assert not (found := clipped(dialog)), "\n".join(map(str, found))
