"""``simulator chat``: the sales team in a terminal, typed or piped, human-readable or JSONL.

The terminal is a face of the session host like the desktop app: it drives a
:class:`~simulator.host.supervisor.SessionSupervisor` (in this process, or in a LiveKit room when
one is configured) with typed commands, and prints the events that come back. Typed lines are the
customer's; a slash starts a command (:data:`SLASH_COMMANDS`): ``/reset``, and in Coach mode
(``--persona NAME``) ``/play``, ``/pause``, ``/step``, ``/whisper …``, ``/takeover``,
``/handback``, ``/end``, ``/score``.

``simulator practice --persona NAME`` is the same terminal in Rep mode: the persona calls, typed
lines are the rep's, and the co-pilot's help for each customer line, the claim check of each of
the rep's lines and the rep's scorecard are printed (:data:`PRACTICE_COMMANDS`: ``/ask …`` the
co-pilot privately, ``/again``, ``/end``, ``/score``); ``--report FILE`` writes the HTML report.

What it prints is first cleaned of terminal control sequences (a document could carry
``ESC]0;…`` or ``ESC[2J``); keys never reach it (events are redacted where they are emitted).
It stops at once on Ctrl+C or SIGTERM (within the second, at the prompt or with piped input),
and quietly when the reader of its output goes away (``simulator chat | head -1``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from simulator.commands import (
    AskCopilotCommand,
    Command,
    EndRehearsalCommand,
    HandBackCommand,
    NewConversationCommand,
    PauseCommand,
    PlayCommand,
    PracticeCommand,
    SayCommand,
    ScorecardCommand,
    SetPersonaCommand,
    SetSpeedCommand,
    StepCommand,
    TakeOverCommand,
    WhisperCommand,
)
from simulator.event_text import clean, describe, reply_label
from simulator.events import (
    AGENT_NAMES,
    COACH_SPEEDS,
    CoachSpeed,
    CoachStateEvent,
    ConversationResetEvent,
    CopilotAnswerEvent,
    Event,
    ModeChangedEvent,
    PracticeStateEvent,
    ScorecardEvent,
    TranscriptDeltaEvent,
    TranscriptEvent,
    TurnCompletedEvent,
    to_json,
)
from simulator.host.status import SessionState
from simulator.host.transport import Capabilities
from simulator.redaction import Redactor
from simulator.settings import Settings

HELP = "Type as the customer. /reset starts a new conversation with the Greeter, /quit ends."
COACH_HELP = (
    "{name} plays the customer. /step: one exchange; /play: they talk on (/pause stops); "
    "/whisper TEXT: coach the agent; /takeover or just type: you are the customer; /handback; "
    "/speed 0.5x|1x|2x|4x|instant: the pace; "
    "/end: the scorecard; /score: the scorecard so far; /reset; /quit."
)
PRACTICE_HELP = (
    "{name} is calling and you are the rep: type your answers. /ask QUESTION: ask the co-pilot "
    "(only you see it); /end: hang up and see your scorecard; /score: the scorecard so far; "
    "/again: try again from the start; /speed 0.5x|1x|2x|4x|instant; /quit."
)
CANCELLED = 130
"""The exit code after Ctrl+C or SIGTERM."""
OUTPUT_CLOSED = 141
"""The exit code when the reader of the output went away (as if killed by SIGPIPE)."""
STOP_WITHIN_S = 0.5
"""How long Ctrl+C waits for the session to close before the chat stops anyway."""
Settled = Callable[[list[Event]], bool]
"""Whether the events since a command show that it has had its effect."""


@dataclass(frozen=True)
class Line:
    """What one line of input asks for: a command, and what shows it is done."""

    command: Command
    settled: Settled | None = None
    """``None``: do not wait (or, in an interactive terminal, only for a customer's turn)."""
    wait_when_interactive: bool = True


def _after_reset(events: list[Event]) -> bool:
    return any(isinstance(e, ConversationResetEvent) for e in events)


def _coach_at_rest(events: list[Event]) -> bool:
    return any(
        isinstance(e, CoachStateEvent) and e.state in ("paused", "taken_over", "ended")
        for e in events
    )


def _final_scorecard(events: list[Event]) -> bool:
    return any(isinstance(e, ScorecardEvent) and e.scorecard.final for e in events)


def _scorecard(events: list[Event]) -> bool:
    return any(isinstance(e, ScorecardEvent) for e in events)


def _answered(text: str) -> Settled:
    """The team has answered the customer's line ``text`` (the first turn that carries it)."""

    def settled(events: list[Event]) -> bool:
        turn = next(
            (
                e.turn_id
                for e in events
                if isinstance(e, TranscriptEvent) and e.speaker == "customer" and e.text == text
            ),
            None,
        )
        return turn is not None and any(
            isinstance(e, TurnCompletedEvent) and e.turn_id == turn for e in events
        )

    return settled


SLASH_COMMANDS: dict[str, Callable[[str], Line]] = {
    "/reset": lambda _: Line(NewConversationCommand(), _after_reset),
    "/play": lambda _: Line(PlayCommand(), _coach_at_rest, wait_when_interactive=False),
    "/pause": lambda _: Line(PauseCommand()),
    "/step": lambda _: Line(StepCommand(), _coach_at_rest),
    "/whisper": lambda text: Line(WhisperCommand(text=text)),
    "/speed": lambda text: Line(SetSpeedCommand(speed=_speed(text))),
    "/takeover": lambda _: Line(TakeOverCommand()),
    "/handback": lambda _: Line(HandBackCommand(), _coach_at_rest, wait_when_interactive=False),
    "/end": lambda _: Line(EndRehearsalCommand(), _final_scorecard),
    "/score": lambda _: Line(ScorecardCommand(), _scorecard),
}
"""A slash command, given the rest of its line."""


def _your_turn(events: list[Event]) -> bool:
    return any(isinstance(e, PracticeStateEvent) and e.state in ("rep", "ended") for e in events)


def _call_opened(events: list[Event]) -> bool:
    """A new call has opened and it is the rep's turn (the call before it ends first)."""
    opened = [
        n for n, e in enumerate(events) if isinstance(e, ModeChangedEvent) and e.mode == "rep"
    ]
    return bool(opened) and _your_turn(events[opened[-1] + 1 :])


def _call_ended(events: list[Event]) -> bool:
    return any(isinstance(e, PracticeStateEvent) and e.state == "ended" for e in events)


def _copilot_answered(events: list[Event]) -> bool:
    return any(isinstance(e, CopilotAnswerEvent) for e in events)


def _persona_answered(text: str) -> Settled:
    """The persona has answered the rep's line ``text`` (or the call is over)."""

    def settled(events: list[Event]) -> bool:
        said = next(
            (
                n
                for n, e in enumerate(events)
                if isinstance(e, TranscriptEvent) and e.speaker == "rep" and e.text == text
            ),
            None,
        )
        return said is not None and _your_turn(events[said + 1 :])

    return settled


PRACTICE_COMMANDS: dict[str, Callable[[str, str], Line]] = {
    "/ask": lambda text, _: Line(AskCopilotCommand(text=text), _copilot_answered),
    "/end": lambda _, __: Line(EndRehearsalCommand(), _call_ended),
    "/score": lambda _, __: Line(ScorecardCommand(), _scorecard),
    "/again": lambda _, persona: Line(PracticeCommand(persona=persona), _call_opened),
    "/speed": lambda text, _: Line(SetSpeedCommand(speed=_speed(text))),
}
"""Rep mode's slash commands, given the rest of the line and the persona's id."""


def parse_practice(text: str, persona: str) -> Line:
    """A line of input in Rep mode: the rep's words, or one of :data:`PRACTICE_COMMANDS`."""
    if not text.startswith("/"):
        return Line(SayCommand(text=text), _persona_answered(text))
    word, _, rest = text.partition(" ")
    make = PRACTICE_COMMANDS.get(word.lower())
    if make is None:
        raise ValueError(
            f"unknown command {word}; the commands are {', '.join(PRACTICE_COMMANDS)}, /quit"
        )
    try:
        return make(rest.strip(), persona)
    except ValueError as e:
        if rest.strip() and str(e).startswith("choose"):
            raise ValueError(f"{word} {rest.strip()}: {e}") from None
        raise ValueError(f"{word} needs some text after it") from None


def parse(text: str) -> Line:
    """A line of input: the customer's words, or a slash command (``ValueError`` if unknown)."""
    if not text.startswith("/"):
        return Line(SayCommand(text=text), _answered(text))
    word, _, rest = text.partition(" ")
    make = SLASH_COMMANDS.get(word.lower())
    if make is None:
        raise ValueError(f"unknown command {word}; the commands are {', '.join(SLASH_COMMANDS)}")
    try:
        return make(rest.strip())
    except ValueError as e:  # a command's own check, e.g. /whisper with nothing to say
        if rest.strip() and str(e).startswith("choose"):
            raise ValueError(f"{word} {rest.strip()}: {e}") from None
        raise ValueError(f"{word} needs some text after it") from None


def _speed(text: str) -> CoachSpeed:
    if text not in COACH_SPEEDS:
        raise ValueError(f"choose one of {', '.join(COACH_SPEEDS)}")
    return text  # type: ignore[return-value]


def run_chat(
    settings: Settings,
    *,
    jsonl: bool,
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
    persona: str | None = None,
    practice: bool = False,
    report: Path | None = None,
) -> int:
    """Run the chat until the input ends, ``/quit``, Ctrl+C or SIGTERM; the exit code.

    ``practice``: Rep mode with ``persona`` (``simulator practice``); ``report``: write the HTML
    report of the session there at the end."""
    loop = asyncio.new_event_loop()
    try:
        main = loop.create_task(
            _chat(
                settings,
                jsonl=jsonl,
                stdin=stdin,
                out=out,
                err=err,
                persona=persona,
                practice=practice,
                report=report,
            )
        )
        stopping = _stop_on_signals(loop, main)
        try:
            return loop.run_until_complete(main)
        except (asyncio.CancelledError, KeyboardInterrupt):
            return CANCELLED
        finally:
            stopping()
    finally:
        _close_loop(loop)


async def _chat(
    settings: Settings,
    *,
    jsonl: bool,
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
    persona: str | None,
    practice: bool = False,
    report: Path | None = None,
) -> int:
    from simulator.host.supervisor import SessionSupervisor
    from simulator.personas.model import PersonaError, load_personas

    redact = Redactor.for_settings(settings)
    if practice and persona is None:
        err.write("simulator: Rep mode needs a persona: --persona NAME\n")
        return 2
    if persona is not None:
        try:
            chosen = await asyncio.to_thread(
                lambda: load_personas(
                    settings.personas_dir, max_bytes=settings.persona_max_bytes
                ).find(persona)
            )
        except PersonaError as e:
            err.write(f"simulator: {redact(str(e))}\n")
            return 2
    interactive = stdin.isatty() and not jsonl
    if practice and not interactive:  # no one reads along: the persona answers at once
        settings = settings.model_copy(update={"coach_speed": "instant"})
    screen = _Screen(out, err, jsonl=jsonl, echo_customer=not interactive, redact=redact)
    supervisor = SessionSupervisor(settings, screen, redactor=redact, log_sessions=False)
    try:
        await supervisor.start()
        if screen.failure is not None:
            err.write(f"simulator: {screen.failure}\n")
            return 2
        if interactive:
            screen.say(HELP)
        if practice:
            if interactive:
                screen.say(PRACTICE_HELP.format(name=chosen.name))
            mark = screen.mark()
            if not await supervisor.execute(PracticeCommand(persona=chosen.id)):
                return 2
            await screen.until(_call_opened, after=mark)
            await _converse(
                supervisor,
                screen,
                _Lines(stdin),
                interactive=interactive,
                read=lambda text: parse_practice(text, chosen.id),
                prompt="rep> ",
            )
            await _hang_up(supervisor, screen)
            if report is not None:
                await _write_report(report, screen.events, chosen.name, err)
        else:
            if persona is not None:
                if await supervisor.execute(SetPersonaCommand(persona=chosen.id)) and interactive:
                    screen.say(COACH_HELP.format(name=chosen.name))
            await _converse(supervisor, screen, _Lines(stdin), interactive=interactive)
    except _OutputClosed:
        pass
    except asyncio.CancelledError:  # Ctrl+C: close what can be closed within the second
        await _close(supervisor, within_s=STOP_WITHIN_S)
        raise
    if screen.closed:  # nobody reads on: stop as promptly as after Ctrl+C
        await _close(supervisor, within_s=STOP_WITHIN_S)
        return OUTPUT_CLOSED
    await _close(supervisor)
    return 0


async def _close(supervisor: Any, *, within_s: float | None = None) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(supervisor.aclose(), within_s)


async def _hang_up(supervisor: Any, screen: _Screen) -> None:
    """At the end of the input, a call still going is ended, so its scorecard is printed."""
    states = [e for e in screen.events if isinstance(e, PracticeStateEvent)]
    if states and states[-1].state != "ended":
        mark = screen.mark()
        if await supervisor.execute(EndRehearsalCommand()):
            await screen.until(_call_ended, after=mark)


async def _write_report(path: Path, events: list[Event], name: str, err: TextIO) -> None:
    from simulator.report import write_report

    try:
        await asyncio.to_thread(
            write_report, path, list(events), title=f"Rep-mode call with {name}"
        )
    except OSError as e:
        err.write(f"simulator: cannot write the report {path}: {e.strerror or e}\n")
        return
    err.write(f"Report: {path}\n")


async def _converse(
    supervisor: Any,
    screen: _Screen,
    lines: _Lines,
    *,
    interactive: bool,
    read: Callable[[str], Line] = parse,
    prompt: str = "you> ",
) -> None:
    while not screen.closed:
        if interactive:
            screen.prompt(prompt)
        text = await lines.next()
        if text is None or text.strip() == "/quit":
            return
        text = text.strip()
        if not text:
            continue
        try:
            line = read(text)
        except ValueError as e:
            screen.notice("warning", str(e))
            continue
        mark = screen.mark()
        done = await supervisor.execute(line.command)
        if done and line.settled is not None and (line.wait_when_interactive or not interactive):
            await screen.until(line.settled, after=mark)
        screen.raise_if_closed()


class _OutputClosed(Exception):
    """Whoever read the output has gone (a closed pipe)."""


class _Screen:
    """The supervisor's listener: prints events for a person (or as JSON lines) and notices,
    keeps the events so the chat can wait for a command's effect."""

    def __init__(
        self, out: TextIO, err: TextIO, *, jsonl: bool, echo_customer: bool, redact: Redactor
    ) -> None:
        self._out = out
        self._err = err
        self._jsonl = jsonl
        self._echo_customer = echo_customer
        self._redact = redact
        self._streaming: str | None = None
        self._streamed: tuple[int, str] | None = None
        """The reply whose pieces were printed (so its whole text is not printed again)."""
        self._persona: str | None = None
        self.failure: str | None = None
        self.closed = False
        self.events: list[Event] = []
        self._changed = asyncio.Event()

    # -- the chat's side -------------------------------------------------------------------------

    def mark(self) -> int:
        return len(self.events)

    async def until(self, settled: Settled, *, after: int) -> None:
        while not settled(self.events[after:]):
            self.raise_if_closed()
            self._changed.clear()
            await self._changed.wait()

    def raise_if_closed(self) -> None:
        if self.closed:
            raise _OutputClosed

    def say(self, text: str) -> None:
        self._write(self._out, text + "\n")

    def prompt(self, text: str) -> None:
        self._write(self._out, text)

    # -- the supervisor's listener ---------------------------------------------------------------

    def state_changed(self, state: SessionState, detail: str) -> None:
        if state is SessionState.FAILED:
            self.failure = detail

    def event(self, event: Event) -> None:
        self.events.append(event)
        self._changed.set()
        if self._jsonl:
            self._write(self._out, to_json(event) + "\n")
        else:
            self._show(event)

    def notice(self, level: str, message: str) -> None:
        self._end_stream()
        where = self._err if self._jsonl else self._out
        self._write(where, f"  ({level}: {self._redact(message)})\n")

    def failed(self, message: str) -> None:
        self.failure = self._redact(message)

    def capabilities_changed(self, capabilities: Capabilities) -> None:
        pass

    def connection_changed(self, text: str) -> None:
        if text:
            self.notice("info", text)

    def log_opened(self, path: Path) -> None:
        pass

    def index_progress(self, done: int, total: int, source: str) -> None:
        pass

    async def on_main_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        return function(*args)  # the terminal's loop runs on the main thread

    # -- printing --------------------------------------------------------------------------------

    def _write(self, stream: TextIO, text: str) -> None:
        if self.closed:
            return
        try:
            stream.write(clean(text) if not self._jsonl else text)
            stream.flush()
        except BrokenPipeError:
            self.closed = True
            self._changed.set()
            _silence(stream)

    def _show(self, event: Event) -> None:
        def w(text: str) -> None:
            self._write(self._out, text)

        if isinstance(event, TranscriptDeltaEvent):
            if self._streaming != event.speaker:
                self._end_stream()
                if self._streamed != (event.turn_id, event.speaker):
                    w(f"{AGENT_NAMES[event.speaker]}: ")
                self._streaming = event.speaker
                self._streamed = (event.turn_id, event.speaker)
            w(event.delta)
        elif isinstance(event, TranscriptEvent):
            if event.speaker == "customer":
                if self._persona is not None:
                    w(f"\n{self._persona}: {event.text}\n")
                elif self._echo_customer:
                    w(f"\nCustomer: {event.text}\n")
                return
            if event.speaker == "rep":
                if self._echo_customer:  # typed at a prompt, it is on the screen already
                    w(f"\nRep (you): {event.text}\n")
                return
            offline = reply_label(event)
            if self._streaming == event.speaker:
                self._streaming = None
                w(offline + "\n")
            elif self._streamed == (event.turn_id, event.speaker):
                w(f"  {offline.strip()}\n" if offline else "")  # printed piece by piece already
            else:
                w(f"{AGENT_NAMES[event.speaker]}{offline}: {event.text}\n")
        else:
            self._end_stream()
            text = describe(event)
            if text:
                w(text + "\n")
            if isinstance(event, ModeChangedEvent):
                self._persona = event.persona_name if event.customer == "persona" else None

    def _end_stream(self) -> None:
        if self._streaming is not None:
            self._streaming = None
            self._write(self._out, "\n")


class _Lines:
    """Lines of the input, read by a daemon thread so that nothing waits on it at exit (a prompt
    or a pipe that never ends must not hold Ctrl+C up)."""

    def __init__(self, stdin: TextIO) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def read() -> None:
            # A closed input (OSError, ValueError) ends the lines; a closed loop (RuntimeError)
            # means nobody listens any more.
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                for line in iter(stdin.readline, ""):
                    loop.call_soon_threadsafe(self._queue.put_nowait, line)
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._queue.put_nowait, None)

        threading.Thread(target=read, name="simulator-stdin", daemon=True).start()

    async def next(self) -> str | None:
        """The next line, or ``None`` at the end of the input."""
        return await self._queue.get()


def _stop_on_signals(
    loop: asyncio.AbstractEventLoop, main: asyncio.Task[int]
) -> Callable[[], None]:
    """Ctrl+C and SIGTERM cancel the chat (its clean-up is bounded); returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, main.cancel)

    def undo() -> None:
        for sig in signals:
            loop.remove_signal_handler(sig)

    return undo


def _close_loop(loop: asyncio.AbstractEventLoop, grace_s: float = 0.5) -> None:
    """Cancel what is left and close the loop without waiting on stray threads."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.wait(tasks, timeout=grace_s))
    with contextlib.suppress(Exception):
        loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def _silence(stream: TextIO) -> None:
    """After a broken pipe, send the stream's leftovers nowhere (no second error at exit)."""
    with contextlib.suppress(Exception):
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


__all__ = ["PRACTICE_COMMANDS", "SLASH_COMMANDS", "parse", "parse_practice", "run_chat"]
