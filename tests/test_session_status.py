"""One status model: the light, the headline, the provider's connection and the banner's problem
are derived together, so they cannot disagree (plain Python, no Qt)."""

from __future__ import annotations

from simulator.events import (
    ConversationResetEvent,
    LatencyEvent,
    LatencyStages,
    SessionStartedEvent,
    StatusEvent,
)
from simulator.host.session_status import FAILING, SessionStatus, StatusView
from simulator.host.status import SessionState

READY = "Ready · Cerebras gpt-oss-120b"


def started(status: SessionStatus, provider: str = "cerebras") -> None:
    status.state_changed(SessionState.STARTING, "Seating the sales team…")
    status.event(
        SessionStartedEvent(
            session_id="s", provider=provider, model="gpt-oss-120b", knowledge_dir="k"
        )
    )
    status.state_changed(SessionState.READY, READY)


def reply(provider: str) -> LatencyEvent:
    return LatencyEvent(
        turn_id=1, agent="greeter", provider=provider, model="m", stages=LatencyStages()
    )


def agree(view: StatusView) -> None:
    """What every view of the status must hold together."""
    if view.light == "ok":
        assert view.problem is None and "offline" not in view.headline
        assert view.connection != "Cerebras failing: answering offline"
    if view.connection == "Cerebras failing: answering offline" and view.running:
        assert view.light in ("degraded", "busy") and view.problem
        assert "offline" in view.headline.lower()


def test_a_failing_provider_turns_the_light_the_headline_and_the_banner_together() -> None:
    status = SessionStatus()
    seen: list[StatusView] = []
    status.subscribe(seen.append)
    started(status)
    assert (status.view.light, status.view.headline) == ("ok", READY)
    assert status.view.connection == "not contacted yet" and status.view.problem is None

    status.state_changed(SessionState.BUSY, "The team is answering…")
    refused = "Error code: 401 - wrong key - this turn is answered offline from your documents."
    status.event(StatusEvent(level="warning", source="cerebras", message=refused))
    status.event(reply("offline"))
    status.state_changed(SessionState.READY, READY)  # the supervisor's ready line names Cerebras
    view = status.view
    assert view.light == "degraded"
    assert view.headline == "Ready · answering offline (Cerebras is failing)"
    assert view.connection == "Cerebras failing: answering offline"
    assert view.problem == refused and view.warning == refused

    status.event(reply("cerebras"))  # it answers again
    view = status.view
    assert (view.light, view.headline, view.problem) == ("ok", READY, None)
    assert view.connection == "Cerebras connected"
    for each in seen:
        agree(each)


def test_a_failure_of_the_team_is_the_light_and_the_problem_at_once() -> None:
    status = SessionStatus()
    started(status)
    status.state_changed(SessionState.FAILED, "No such knowledge folder: /nowhere")
    view = status.view
    assert view.light == "failed" and view.problem == "No such knowledge folder: /nowhere"
    assert view.headline == view.problem and view.provider == "Not running"
    assert view.connection == ""


def test_the_offline_responder_is_never_failing_and_a_new_visitor_sees_no_old_warning() -> None:
    status = SessionStatus()
    started(status, provider="offline")
    status.event(StatusEvent(level="warning", source="knowledge", message="Skipped junk.pdf"))
    status.event(reply("offline"))
    view = status.view
    assert view.light == "ok" and view.problem is None and view.warning == "Skipped junk.pdf"
    assert view.connection == "no network needed"
    status.event(ConversationResetEvent())
    assert status.view.warning is None


def test_without_a_failure_there_is_no_generic_problem_text() -> None:
    status = SessionStatus()
    started(status)
    status.event(reply("offline"))  # degraded without a message from the provider
    assert status.view.problem == FAILING
