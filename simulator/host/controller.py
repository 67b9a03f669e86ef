"""The session's controller: every :mod:`command <simulator.commands>` carried out on one runner.

:class:`SessionController` is the one place that knows what a command means for a running
conversation: a line from the customer, a new conversation, a persona taking the customer's part
(a :class:`~simulator.coach.CoachSession` over the same :class:`~simulator.session.SessionRunner`),
play, pause, step, whisper, take over, hand back, end, the scorecard, push-to-talk. The app's
in-process session, the terminal and the LiveKit worker all hand their commands to it, so the
rules are the same in every face:

- typing as the customer while a persona plays is taking over (the exchange in flight finishes
  first);
- a whisper goes to the rehearsal's team, or straight to the team in Customer mode;
- the scorecard is the rehearsal's, or in Customer mode the conversation's against the playbook.

Commands run one at a time, in the order they came (push-to-talk and open mic at once: a voice
must never wait behind a turn). A refusal is a :class:`~simulator.errors.SessionError` with a
sentence for the user. :meth:`submit` is for callers that cannot wait (an RPC): it answers within
a deadline with what will happen, and a refusal that comes later goes out as a ``StatusEvent``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from simulator.commands import (
    Command,
    EndRehearsalCommand,
    HandBackCommand,
    NewConversationCommand,
    OpenMicCommand,
    PauseCommand,
    PlayCommand,
    PushToTalkCommand,
    ResumeCommand,
    SayCommand,
    ScorecardCommand,
    SetModeCommand,
    SetPersonaCommand,
    SetSpeedCommand,
    StepCommand,
    TakeOverCommand,
    WhisperCommand,
)
from simulator.errors import SessionError, SimulatorError
from simulator.events import ScorecardEvent, StatusEvent
from simulator.personas.model import Persona
from simulator.resource import AsyncResource

if TYPE_CHECKING:
    from simulator.coach import CoachSession
    from simulator.scorecard import ScorecardBuilder
    from simulator.session import SessionRunner

logger = logging.getLogger(__name__)

NO_REHEARSAL = "No rehearsal is running: pick a persona and press Play."
ENDING = "the session is ending"


class Listening(Protocol):
    """How the session hears the customer's microphone (push-to-talk, open mic)."""

    async def talk(self, pressed: bool) -> str: ...

    async def open_mic(self, on: bool) -> str: ...


class SessionListening:
    """Push-to-talk on the agent session's own audio input (the worker: audio comes from the
    room)."""

    def __init__(self, runner: SessionRunner) -> None:
        self.runner = runner

    async def talk(self, pressed: bool) -> str:
        session = self.runner.agent_session
        if session is None:
            raise SessionError("the session is not running")
        if pressed:
            session.interrupt()
            session.clear_user_turn()
            session.input.set_audio_enabled(True)
            return "listening"
        session.input.set_audio_enabled(False)
        session.commit_user_turn()
        return "turn ended"

    async def open_mic(self, on: bool) -> str:
        return await self.talk(on)


class SessionController(AsyncResource):
    """Carries out commands on ``runner`` and its rehearsal; see the module doc.

    Use as ``async with SessionController(runner) as controller`` (or :meth:`start` before the
    runner's first turn and :meth:`aclose` at the end).
    """

    def __init__(
        self,
        runner: SessionRunner,
        *,
        personas_dir: Path | None = None,
        persona: str | None = None,
        max_turns: int | None = None,
        listening: Listening | None = None,
        not_listening: str = "Voice is off: type your lines.",
    ) -> None:
        """``personas_dir``: where the personas a command names are found (the settings' folder
        unless given). ``persona``: the one ``SetModeCommand(mode="coach")`` starts with until
        another is set.
        ``listening``: the microphone's controls, or ``None`` with ``not_listening`` saying why."""
        self.runner = runner
        self.personas_dir = personas_dir or runner.settings.personas_dir
        self.persona = persona
        self.max_turns = max_turns
        self.listening = listening
        self.not_listening = not_listening
        self.coach: CoachSession | None = None
        self.speed = runner.settings.coach_speed
        """Coach mode's pace for this rehearsal and the next ones (``SetSpeedCommand``)."""
        self._customer_scores: ScorecardBuilder | None = None
        self._remove_observer: Callable[[], None] | None = None
        self._order = asyncio.Lock()
        self._tasks: set[asyncio.Task[str]] = set()
        self._answered: set[asyncio.Task[str]] = set()
        self._closed = False

    async def start(self) -> None:
        """Read the playbook (off the loop) and score the conversation in Customer mode from here
        on."""
        from simulator.personas.playbook import Playbook
        from simulator.scorecard import ScorecardBuilder

        playbook = await asyncio.to_thread(Playbook.load, self.runner.settings.knowledge_dir)
        self._customer_scores = ScorecardBuilder(None, playbook)
        self._remove_observer = self.runner.add_observer(self._customer_scores.observe)

    # -- carrying out commands -------------------------------------------------------------------

    async def execute(self, command: Command) -> str:
        """Carry out ``command`` (after the ones before it); a sentence saying what was done."""
        return await self._tracked(self._execute(command))

    async def submit(self, command: Command, *, answer_within_s: float) -> str:
        """:meth:`execute`, answered within ``answer_within_s``: with its result when it is done by
        then, else with what will happen (a refusal that comes later is published as a
        ``StatusEvent``)."""
        task = self._spawn(self._execute(command))
        done, _ = await asyncio.wait({task}, timeout=answer_within_s)
        if task in done:
            return self._result(task)
        self._answered.add(task)
        return self.pending(command)

    def pending(self, command: Command) -> str:
        """What will happen, for a caller that cannot wait until it has."""
        match command:
            case SayCommand():
                return "heard"
            case NewConversationCommand():
                return "a new conversation starts after the exchange in flight"
            case SetModeCommand(mode="customer") | TakeOverCommand():
                return "you take over the customer after the exchange in flight"
            case SetModeCommand(mode="coach"):
                return "Coach mode is getting ready"
            case SetPersonaCommand(persona=persona):
                return f"{persona} is getting ready"
            case PlayCommand():
                return "the persona plays"
            case PauseCommand():
                return "paused after the exchange in flight"
            case StepCommand():
                return "one exchange, then pause"
            case SetSpeedCommand(speed=speed):
                return f"Coach mode plays at {speed}"
            case EndRehearsalCommand():
                return "the rehearsal ends; its scorecard follows"
            case ScorecardCommand():
                return "the scorecard follows"
            case WhisperCommand():
                return "the active agent will read it before its next reply"
            case HandBackCommand():
                return "the persona continues"
        return "on its way"

    async def aclose(self, reason: str = "The session was closed.") -> None:
        """End the rehearsal, if any (with ``reason``), and cancel the commands still waiting."""
        self._closed = True
        pending = list(self._tasks)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        try:
            await self._end_coach(reason)
        finally:
            if self._remove_observer is not None:
                self._remove_observer()
                self._remove_observer = None

    # -- what each command does ------------------------------------------------------------------

    async def _execute(self, command: Command) -> str:
        match command:
            case PushToTalkCommand(pressed=pressed):
                return await self._ears().talk(pressed)
            case OpenMicCommand(on=on):
                return await self._ears().open_mic(on)
            case ResumeCommand():
                raise SessionError("only a room's command server replays events")
            case SetPersonaCommand(persona=name):
                chosen = await self._find_persona(name)  # a wrong name is refused at once
                async with self._order:
                    return await self._open(chosen)
        async with self._order:
            return await self._ordered(command)

    async def _ordered(self, command: Command) -> str:
        match command:
            case SayCommand(text=text):
                await self._say(text)
                return "heard"
            case NewConversationCommand():
                await self._end_coach("A new conversation was started.")
                await self.runner.reset()
                return "new conversation with the Greeter"
            case SetModeCommand(mode="customer"):
                return await self._customer_mode()
            case SetModeCommand(mode="coach"):
                return await self._coach_mode()
            case WhisperCommand(text=text):
                coach = self._live_coach()
                if coach is not None:
                    await coach.whisper(text)
                else:
                    self.runner.whisper(text)
                return "the active agent will read it before its next reply"
            case ScorecardCommand():
                return self._publish_scorecard()
            case PlayCommand():
                await self._rehearsal().play()
                return "the persona plays"
            case PauseCommand():
                await self._rehearsal().pause()
                return "paused after the exchange in flight"
            case StepCommand():
                await self._rehearsal().step()
                return "one exchange, then pause"
            case SetSpeedCommand(speed=speed):
                self.speed = speed
                coach = self._live_coach()
                if coach is not None:
                    await coach.set_speed(speed)
                return f"Coach mode plays at {speed}"
            case TakeOverCommand():
                await self._rehearsal().take_over()
                return "you are the customer now"
            case HandBackCommand():
                await self._rehearsal().hand_back(play=True)
                return "the persona continues"
            case EndRehearsalCommand():
                await self._rehearsal().end("Ended by the coach.")
                return "the rehearsal ended; its scorecard follows"
        raise SessionError(f"the session cannot carry out {command.type!r}")

    async def _say(self, text: str) -> None:
        coach = self._live_coach()
        if coach is None:
            await self.runner.send(text)
            return
        if coach.customer_player == "persona":
            await coach.take_over()  # typing as the customer is taking over
        await coach.customer_says(text)

    async def _customer_mode(self) -> str:
        coach = self._live_coach()
        if coach is None:
            return "Customer mode: you are the customer"
        await coach.take_over()
        return "you are the customer now, in the same conversation"

    async def _coach_mode(self) -> str:
        coach = self._live_coach()
        if coach is None:
            if not self.persona:
                raise SessionError("Coach mode needs a persona: choose one first")
            return await self._open(await self._find_persona(self.persona))
        if coach.customer_player == "user":
            await coach.hand_back(play=False)
            return f"{coach.persona.name} plays the customer again; press play or step"
        return f"{coach.persona.name} is already playing the customer"

    async def _open(self, persona: Persona) -> str:
        from simulator.coach import DEFAULT_MAX_TURNS, open_coach

        await self._end_coach(f"{persona.name} was chosen instead.")
        await self.runner.reset()
        self.persona = persona.id
        self.coach = await open_coach(
            self.runner, persona, max_turns=self.max_turns or DEFAULT_MAX_TURNS, speed=self.speed
        )
        return f"{persona.name} plays the customer in a new conversation; press play or step"

    def _publish_scorecard(self) -> str:
        if self.coach is not None:
            card = self.coach.scorecard()
        elif self._customer_scores is not None:
            card = self._customer_scores.build(final=False)
        else:
            raise SessionError("the session has not started")
        self.runner.publish(ScorecardEvent(scorecard=card))
        return "scorecard published"

    # -- internals -------------------------------------------------------------------------------

    def _rehearsal(self) -> CoachSession:
        """The rehearsal (an ended one refuses commands with its own sentence)."""
        if self.coach is None:
            raise SessionError(NO_REHEARSAL)
        return self.coach

    def _live_coach(self) -> CoachSession | None:
        coach = self.coach
        return coach if coach is not None and not coach.ended else None

    def _ears(self) -> Listening:
        if self.listening is None:
            raise SessionError(self.not_listening)
        return self.listening

    async def _find_persona(self, name: str) -> Persona:
        from simulator.personas.model import load_personas

        found = await asyncio.to_thread(
            load_personas, self.personas_dir, max_bytes=self.runner.settings.persona_max_bytes
        )
        return found.find(name)

    async def _end_coach(self, reason: str) -> None:
        coach, self.coach = self.coach, None
        if coach is None:
            return
        try:
            if not coach.ended:
                await coach.end(reason)
        finally:
            await coach.aclose()

    def _spawn(self, work: Coroutine[Any, Any, str]) -> asyncio.Task[str]:
        if self._closed:
            work.close()
            raise SessionError(ENDING)
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._settled)
        return task

    async def _tracked(self, work: Coroutine[Any, Any, str]) -> str:
        """Run ``work`` as a task :meth:`aclose` can cancel (then it is refused as ending)."""
        task = self._spawn(work)
        await asyncio.wait({task})
        return self._result(task)

    @staticmethod
    def _result(task: asyncio.Task[str]) -> str:
        if task.cancelled():
            raise SessionError(ENDING)
        return task.result()

    def _settled(self, task: asyncio.Task[str]) -> None:
        self._tasks.discard(task)
        if task not in self._answered:
            return  # the caller reads the result
        self._answered.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        if not isinstance(error, SimulatorError):
            logger.error("a command failed", exc_info=error)
        message = (
            str(error) if isinstance(error, SimulatorError) else f"{type(error).__name__}: {error}"
        )
        self.runner.publish(StatusEvent(level="error", source="command", message=message))
