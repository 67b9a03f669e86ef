"""Coach mode in a room: the worker's command server runs a persona rehearsal over the real offline
session, and everything the coach does reaches the app on the event stream, in order.

No LiveKit server: the RPC calls are real ``rtc.RpcInvocationData`` handed to the worker's
:class:`CommandServer`, and the events are read back from what the worker's publisher sends (the
participant's ``send_text`` is the only thing replaced, as in test_room_protocol)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from livekit import rtc

from simulator.commands import (
    Command,
    CommandResult,
    EndRehearsalCommand,
    HandBackCommand,
    NewConversationCommand,
    PauseCommand,
    PlayCommand,
    SayCommand,
    ScorecardCommand,
    SetModeCommand,
    SetPersonaCommand,
    StepCommand,
    TakeOverCommand,
    WhisperCommand,
    to_json,
)
from simulator.events import (
    CoachStateEvent,
    CoachWhisperEvent,
    ConversationResetEvent,
    Event,
    ModeChangedEvent,
    PersonaEvent,
    ScorecardEvent,
    StatusEvent,
    TranscriptEvent,
    TurnCompletedEvent,
)
from simulator.host.command_server import FORBIDDEN, CommandServer
from simulator.host.controller import SessionController
from simulator.personas.model import BUNDLED_PERSONAS
from simulator.room.transport import EventPublisher, EventSequencer, parse_seq
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from simulator.worker import pump_events
from tests.fakes.participant import stand_in

APP = "app-c0ach"
PERSONA = "price-conscious-restaurants"


class AppEnd:
    """The app's end of the event stream: the worker's local participant as far as ``send_text``
    goes (no LiveKit server here), read back through the app's own :class:`EventSequencer`."""

    def __init__(self) -> None:
        self.sequencer = EventSequencer()
        self.events: list[Event] = []
        self.recipients: set[str] = set()
        self._changed = asyncio.Condition()

    async def send_text(
        self,
        text: str,
        *,
        topic: str,
        destination_identities: list[str],
        attributes: dict[str, str],
    ) -> None:
        async with self._changed:
            self.recipients.update(destination_identities)
            self.events.extend(self.sequencer.accept(parse_seq(attributes), text))
            self._changed.notify_all()

    async def wait_for(
        self, predicate: Callable[[Event], bool], *, after: int = 0, timeout: float = 60
    ) -> Event:
        """The first event (from index ``after``) that satisfies ``predicate``, waiting for it."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: any(predicate(e) for e in self.events[after:]))
            return next(e for e in self.events[after:] if predicate(e))

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


class Worker:
    """What the worker's entrypoint builds for one room, minus the room."""

    def __init__(self, runner: SessionRunner, controls: SessionController) -> None:
        self.runner = runner
        self.controls = controls
        self.app = AppEnd()
        self.server = CommandServer(
            controls,
            EventPublisher(stand_in(self.app), APP),
            allowed_identity=APP,
        )
        self.pumping = asyncio.create_task(pump_events(runner, self.server.publisher))

    async def call(self, command: Command, caller: str = APP) -> CommandResult:
        data = rtc.RpcInvocationData(
            request_id="r",
            caller_identity=caller,
            payload=to_json(command),
            response_timeout=15.0,
            method="simulator.command",
        )
        return CommandResult.model_validate_json(await self.server.handle(data))

    async def ok(self, command: Command) -> str:
        result = await self.call(command)
        assert result.ok, f"{command.type}: {result.message}"
        return result.message

    async def finish(self) -> None:
        await self.controls.aclose()
        await self.runner.aclose()
        await asyncio.wait_for(self.pumping, 30)


async def started(controller: SessionController) -> SessionController:
    await controller.start()
    return controller


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE, data_dir=tmp_path, offline=True, coach_speed="instant"
    )


def paused_after(turns: int) -> Callable[[Event], bool]:
    return lambda e: (
        isinstance(e, CoachStateEvent) and e.state == "paused" and e.customer_turns == turns
    )


async def test_a_persona_rehearsal_runs_in_the_room_as_it_does_locally(settings: Settings) -> None:
    whisper = "Ask which budget she has before you talk about price."
    user_line = "Honestly, eleven dollars a sensor every month adds up fast for twelve restaurants."
    async with SessionRunner(settings) as runner:
        worker = Worker(runner, await started(SessionController(runner)))
        app = worker.app

        assert "press play or step" in await worker.ok(SetPersonaCommand(persona=PERSONA))
        await app.wait_for(lambda e: isinstance(e, CoachStateEvent) and e.state == "ready")
        assert (
            await worker.ok(WhisperCommand(text=whisper))
            == "the active agent will read it before its next reply"
        )
        await worker.ok(StepCommand())
        await app.wait_for(paused_after(1))

        # play, and pause as soon as the next exchange has begun: it finishes, nothing follows it
        remove = runner.add_observer(
            lambda e: (
                isinstance(e, TranscriptEvent)
                and e.speaker == "customer"
                and e.turn_id == 2
                and asyncio.get_running_loop().create_task(worker.call(PauseCommand()))
            )
        )
        await worker.ok(PlayCommand())
        await app.wait_for(
            lambda e: (
                isinstance(e, CoachStateEvent)
                and e.state == "paused"
                and "current exchange" in e.detail
            )
        )
        remove()
        await app.wait_for(lambda e: isinstance(e, TurnCompletedEvent) and e.turn_id == 2)

        assert await worker.ok(TakeOverCommand()) == "you are the customer now"
        refused = await worker.call(PlayCommand())
        assert not refused.ok and "hand back before you play" in refused.message
        assert await worker.ok(SayCommand(text=user_line)) == "heard"
        await app.wait_for(lambda e: isinstance(e, TurnCompletedEvent) and e.turn_id == 3)

        # the persona plays on from the user's line; the coach ends it once its next exchange has
        # begun
        ending: list[asyncio.Task[CommandResult]] = []
        remove = runner.add_observer(
            lambda e: (
                isinstance(e, TranscriptEvent)
                and e.speaker == "customer"
                and e.turn_id == 4
                and ending.append(
                    asyncio.get_running_loop().create_task(worker.call(EndRehearsalCommand()))
                )
            )
        )
        await worker.ok(HandBackCommand())
        await app.wait_for(lambda e: isinstance(e, ScorecardEvent) and e.scorecard.final)
        remove()
        assert [r.ok for r in await asyncio.gather(*ending)] == [True]
        ended = await worker.call(StepCommand())
        assert not ended.ok and "has ended" in ended.message
        # with the rehearsal over, a whisper goes to the team directly, as in Customer mode
        await worker.ok(WhisperCommand(text="Thank her for her time."))
        await app.wait_for(
            lambda e: isinstance(e, CoachWhisperEvent) and e.text == "Thank her for her time."
        )

        await worker.ok(NewConversationCommand())
        await app.wait_for(lambda e: isinstance(e, ConversationResetEvent))
        assert worker.controls.coach is None
        await worker.finish()

    assert app.recipients == {APP}
    modes = [(e.mode, e.customer, e.persona) for e in app.of(ModeChangedEvent)]
    assert modes == [
        ("coach", "persona", PERSONA),
        ("customer", "user", PERSONA),
        ("coach", "persona", PERSONA),
        ("customer", "user", None),
    ]
    customer = {e.turn_id: e.text for e in app.of(TranscriptEvent) if e.speaker == "customer"}
    assert sorted(customer) == [1, 2, 3, 4] and customer[3] == user_line
    # each persona line was announced (what it meant) with its turn; the user's line was not
    persona_turns = {e.turn_id for e in app.of(PersonaEvent)}
    assert {1, 2} <= persona_turns and 3 not in persona_turns
    whispers = [
        (e.status, e.turn_id, e.agent) for e in app.of(CoachWhisperEvent) if e.text == whisper
    ]
    assert whispers == [("queued", 0, "greeter"), ("delivered", 1, "greeter")]
    assert not [e for e in app.of(TranscriptEvent) if whisper in e.text]  # never said aloud
    card = [e for e in app.of(ScorecardEvent) if e.scorecard.final][-1].scorecard
    assert card.persona == PERSONA and card.outcome_reason == "Ended by the coach."
    assert card.customer_turns == 4  # the user's line counted as the customer's
    assert not [e for e in app.of(StatusEvent) if e.level == "error"]


async def test_coach_commands_that_do_not_fit_say_why_and_only_the_app_may_send_them(
    settings: Settings,
) -> None:
    async with SessionRunner(settings) as runner:
        worker = Worker(runner, await started(SessionController(runner)))
        for command in (
            PlayCommand(),
            PauseCommand(),
            StepCommand(),
            TakeOverCommand(),
            HandBackCommand(),
            EndRehearsalCommand(),
        ):
            result = await worker.call(command)
            assert not result.ok and ("No rehearsal" in result.message), command
        # in Customer mode the scorecard is the conversation's, against the playbook alone
        assert await worker.ok(ScorecardCommand()) == "scorecard published"
        card = await worker.app.wait_for(lambda e: isinstance(e, ScorecardEvent))
        assert card.scorecard.persona is None and not card.scorecard.final
        no_persona = await worker.call(SetModeCommand(mode="coach"))
        assert not no_persona.ok and "needs a persona" in no_persona.message
        unknown = await worker.call(SetPersonaCommand(persona="skeptical-cfo"))
        assert (
            not unknown.ok and "is not a persona" in unknown.message and PERSONA in unknown.message
        )
        assert (
            await worker.ok(SetModeCommand(mode="customer"))
            == "Customer mode: you are the customer"
        )
        for intruder in ("visitor-1", APP.upper()):
            with pytest.raises(rtc.RpcError) as refused:
                await worker.call(SetPersonaCommand(persona=PERSONA), caller=intruder)
            assert refused.value.code == FORBIDDEN
        assert worker.controls.coach is None
        await worker.finish()
    assert not worker.app.of(ModeChangedEvent)


async def test_the_dispatch_persona_from_the_workers_folder_and_the_room_closing(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "personas"
    folder.mkdir()
    shutil.copy(BUNDLED_PERSONAS / "frostwatch-loyalist.yaml", folder)
    async with SessionRunner(settings) as runner:
        controller = SessionController(runner, personas_dir=folder, persona="frostwatch-loyalist")
        worker = Worker(runner, await started(controller))
        app = worker.app
        elsewhere = await worker.call(SetPersonaCommand(persona=PERSONA))
        assert not elsewhere.ok and "known personas: frostwatch-loyalist" in elsewhere.message

        await worker.ok(
            SetModeCommand(mode="coach")
        )  # the persona the app dispatched the worker with
        await worker.ok(StepCommand())
        await app.wait_for(paused_after(1))
        assert "same conversation" in await worker.ok(SetModeCommand(mode="customer"))
        assert "plays the customer again" in await worker.ok(SetModeCommand(mode="coach"))
        await worker.ok(ScorecardCommand())
        await app.wait_for(lambda e: isinstance(e, ScorecardEvent) and not e.scorecard.final)

        # the room ends mid-rehearsal, while an exchange is in flight and a command waits behind it
        closing: list[asyncio.Task[object]] = []

        def room_ends(event: Event) -> None:
            if (
                isinstance(event, TranscriptEvent)
                and event.speaker == "customer"
                and event.turn_id == 2
            ):
                loop = asyncio.get_running_loop()
                closing.append(loop.create_task(worker.call(TakeOverCommand())))
                closing.append(loop.create_task(worker.controls.aclose("The room was closed.")))

        runner.add_observer(room_ends)
        await worker.ok(PlayCommand())
        closed = await app.wait_for(lambda e: isinstance(e, CoachStateEvent) and e.state == "ended")
        assert closed.detail == "The room was closed."
        taken, _ = await asyncio.gather(*closing)
        assert not taken.ok and "ending" in taken.message  # cancelled with the room, and said so
        assert worker.controls.coach is None and not worker.controls._tasks
        late = await worker.call(PlayCommand())
        assert not late.ok and "ending" in late.message
        await worker.finish()

    modes = [(e.mode, e.customer, e.persona) for e in app.of(ModeChangedEvent)]
    assert modes[0] == ("coach", "persona", "frostwatch-loyalist") and modes[-1] == (
        "customer",
        "user",
        None,
    )
    assert [e.mode for e in app.of(ModeChangedEvent)] == ["coach", "customer", "coach", "customer"]
