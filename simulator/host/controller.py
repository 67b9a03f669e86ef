"""The session's controller: every :mod:`command <simulator.commands>` carried out on one runner.

:class:`SessionController` is the one place that knows what a command means for a running
conversation: a line from the customer, a new conversation, a persona taking the customer's part
(a :class:`~simulator.coach.CoachSession` over the same :class:`~simulator.session.SessionRunner`),
play, pause, step, whisper, take over, hand back, end, the scorecard, push-to-talk; Rep mode (a
:class:`~simulator.practice.PracticeSession`: the persona calls, the user answers as the rep, the
co-pilot answers the rep's private questions). The app's
in-process session, the terminal and the LiveKit worker all hand their commands to it, so the
rules are the same in every face:

- typing as the customer while a persona plays is taking over (the exchange in flight finishes
  first);
- a whisper goes to the rehearsal's team, or straight to the team in Customer mode;
- the scorecard is the rehearsal's, or in Customer mode the conversation's against the playbook;
- in Rep mode a typed line is the rep's, and the call's end is the rep's scorecard; choosing the
  same persona again is "try again".

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
    AskCopilotCommand,
    Command,
    EndRehearsalCommand,
    HandBackCommand,
    NewConversationCommand,
    OpenMicCommand,
    PauseCommand,
    PlayCommand,
    PracticeCommand,
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
    from simulator.practice import PracticeSession
    from simulator.scorecard import ScorecardBuilder
    from simulator.session import SessionRunner

logger = logging.getLogger(__name__)

NO_REHEARSAL = "No rehearsal is running: pick a persona and press Play."
IN_REP_MODE = "In Rep mode {name} answers each of your lines: just type your answer."
NO_CALL = "Ask the co-pilot during a Rep-mode call: pick a persona and press Rep."
NO_REP_VOICE = "In Rep mode you answer by typing for now: the microphone is not yet the rep's."
CALL_ENDED = "The call with {name} has ended: try again, or pick another persona."
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
        self.practice: PracticeSession | None = None
        """Rep mode's call, kept after it ends until another mode or conversation begins."""
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
            case PracticeCommand(persona=persona):
                return f"{persona} is calling; you are the rep"
            case SetModeCommand(mode="rep"):
                return "Rep mode: the persona is calling"
            case AskCopilotCommand():
                return "the co-pilot is looking it up"
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
            await self._end_rehearsals(reason)
        finally:
            if self._remove_observer is not None:
                self._remove_observer()
                self._remove_observer = None

    # -- what each command does ------------------------------------------------------------------

    async def _execute(self, command: Command) -> str:
        match command:
            case PushToTalkCommand() | OpenMicCommand() if self._live_practice() is not None:
                # the microphone feeds the team's session: it would answer the rep as a customer
                raise SessionError(NO_REP_VOICE)
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
            case PracticeCommand(persona=name):
                chosen = await self._find_persona(name)
                async with self._order:
                    return await self._open_practice(chosen)
        async with self._order:
            return await self._ordered(command)

    async def _ordered(self, command: Command) -> str:
        match command:
            case SayCommand(text=text):
                await self._say(text)
                return "heard"
            case NewConversationCommand():
                await self._end_rehearsals("A new conversation was started.")
                await self.runner.reset()
                return "new conversation with the Greeter"
            case SetModeCommand(mode="customer"):
                return await self._customer_mode()
            case SetModeCommand(mode="coach"):
                return await self._coach_mode()
            case SetModeCommand(mode="rep"):
                return await self._rep_mode()
            case AskCopilotCommand(text=text):
                practice = self._live_practice()
                if practice is None:
                    raise SessionError(NO_CALL)
                await practice.ask(text)
                return "the co-pilot answered (only you see it)"
            case WhisperCommand() if self.practice is not None:
                raise SessionError(
                    "In Rep mode nobody on the team speaks to the customer: "
                    "ask the co-pilot instead (only you see its answer)."
                )
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
                practice = self._live_practice()
                if practice is not None:
                    await practice.set_speed(speed)
                return f"Coach mode plays at {speed}"
            case EndRehearsalCommand() if self.practice is not None:
                await self.practice.end("Ended by the rep.")
                return "the call ended; your scorecard follows"
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
        if self.practice is not None:
            if self.practice.ended:
                raise SessionError(CALL_ENDED.format(name=self.practice.persona.name))
            await self.practice.rep_says(text)
            return
        coach = self._live_coach()
        if coach is None:
            await self.runner.send(text)
            return
        if coach.customer_player == "persona":
            await coach.take_over()  # typing as the customer is taking over
        await coach.customer_says(text)

    async def _customer_mode(self) -> str:
        if self.practice is not None:
            await self._end_rehearsals("You switched to Customer mode.")
            await self.runner.reset()
            return "Customer mode: you are the customer, in a new conversation"
        coach = self._live_coach()
        if coach is None:
            return "Customer mode: you are the customer"
        await coach.take_over()
        return "you are the customer now, in the same conversation"

    async def _coach_mode(self) -> str:
        if self.practice is not None:
            return await self._open(self.practice.persona)
        coach = self._live_coach()
        if coach is None:
            if not self.persona:
                raise SessionError("Coach mode needs a persona: choose one first")
            return await self._open(await self._find_persona(self.persona))
        if coach.customer_player == "user":
            await coach.hand_back(play=False)
            return f"{coach.persona.name} plays the customer again; press play or step"
        return f"{coach.persona.name} is already playing the customer"

    async def _rep_mode(self) -> str:
        practice = self._live_practice()
        if practice is not None:
            return f"{practice.persona.name} is already on the call with you"
        persona = self.persona or (self.coach.persona.id if self.coach else None)
        if not persona:
            raise SessionError("Rep mode needs a persona: choose one first")
        return await self._open_practice(await self._find_persona(persona))

    async def _open_practice(self, persona: Persona) -> str:
        from simulator.practice import DEFAULT_MAX_TURNS, open_practice

        await self._end_rehearsals(f"{persona.name} was chosen instead.")
        await self.runner.reset()
        self.persona = persona.id
        self.practice = await open_practice(
            self.runner, persona, max_turns=self.max_turns or DEFAULT_MAX_TURNS, speed=self.speed
        )
        return f"{persona.name} is calling; answer as the rep"

    async def _open(self, persona: Persona) -> str:
        from simulator.coach import DEFAULT_MAX_TURNS, open_coach

        await self._end_rehearsals(f"{persona.name} was chosen instead.")
        await self.runner.reset()
        self.persona = persona.id
        self.coach = await open_coach(
            self.runner, persona, max_turns=self.max_turns or DEFAULT_MAX_TURNS, speed=self.speed
        )
        return f"{persona.name} plays the customer in a new conversation; press play or step"

    def _publish_scorecard(self) -> str:
        if self.practice is not None:
            card = self.practice.scorecard()
        elif self.coach is not None:
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
            if self.practice is not None:
                raise SessionError(IN_REP_MODE.format(name=self.practice.persona.name))
            raise SessionError(NO_REHEARSAL)
        return self.coach

    def _live_practice(self) -> PracticeSession | None:
        practice = self.practice
        return practice if practice is not None and not practice.ended else None

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

    async def _end_rehearsals(self, reason: str) -> None:
        """End the Coach-mode rehearsal or the Rep-mode call, if any, with ``reason``."""
        coach, self.coach = self.coach, None
        practice, self.practice = self.practice, None
        try:
            if coach is not None:
                try:
                    if not coach.ended:
                        await coach.end(reason)
                finally:
                    await coach.aclose()
        finally:
            if practice is not None:
                try:
                    if not practice.ended:
                        await practice.end(reason)
                finally:
                    await practice.aclose()

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
