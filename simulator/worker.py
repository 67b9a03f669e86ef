"""``simulator worker``: the sales team as a LiveKit agent worker.

The worker registers with LiveKit under an agent name (explicit dispatch: it joins only rooms
whose token or API call dispatches that name) and runs, per room, the same
:class:`~simulator.session.SessionRunner` as the local session: the same agents, retrieval,
latency observer and events, with Cartesia STT/TTS (a voice per agent) and silero VAD when
``CARTESIA_API_KEY`` is set, text only otherwise. Every event goes to the app participant as a
JSON line on a text stream (:mod:`simulator.room.transport`); the app's RPC commands are accepted
from its identity alone (:mod:`simulator.room.command_server`). Coach mode runs here too: a
:class:`~simulator.coach.CoachSession` per room over its runner (:class:`RunnerControls`), with the
persona the dispatch or a command names, read from ``SIMULATOR_PERSONAS`` or the project's
``personas/``. The app may drop and come back (:data:`APP_GONE_GRACE_S`) without the session
ending; when the job ends the rehearsal is closed and pending commands are cancelled.

The HTTP health server binds ``SIMULATOR_WORKER_HOST`` (127.0.0.1 unless told otherwise). The URL,
key and secret are checked before anything starts, with a message naming what is wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.errors import SessionError, SimulatorError
from simulator.personas.model import BUNDLED_PERSONAS
from simulator.room.config import check_credentials, livekit_config
from simulator.settings import Settings

if TYPE_CHECKING:
    from livekit.agents import AgentServer, JobContext, JobProcess

    from simulator.coach import CoachSession
    from simulator.personas.model import Persona
    from simulator.room.metadata import SessionMetadata
    from simulator.room.transport import EventPublisher
    from simulator.session import SessionRunner

APP_GONE_GRACE_S = 60.0
"""How long a room session waits for the app participant to come back before it ends."""
KNOWLEDGE_SETS = "knowledge-sets"
PERSONAS_ENV = "SIMULATOR_PERSONAS"

logger = logging.getLogger("simulator.worker")


def build_server(settings: Settings) -> AgentServer:
    """The livekit-agents server for the sales team (validates the LiveKit settings first)."""
    from livekit.agents import AgentServer

    config = livekit_config(settings)
    server = AgentServer(
        ws_url=config.url,
        api_key=config.api_key,
        api_secret=config.api_secret,
        host=settings.worker_host,
        port=settings.worker_port,
        setup_fnc=prewarm,
    )
    server.rtc_session(entrypoint, agent_name=settings.livekit_agent_name)
    return server


def run_worker(settings: Settings, *, check: bool = True, personas_dir: Path | None = None) -> int:
    """Run until SIGINT/SIGTERM; returns the process exit code. ``personas_dir``: where Coach mode
    reads persona files (default: ``SIMULATOR_PERSONAS``, else the project's ``personas/``)."""
    try:
        config = livekit_config(settings)
        if check:
            asyncio.run(check_credentials(config))
        server = build_server(settings)
    except SimulatorError as e:
        print(f"simulator worker: {e}", file=sys.stderr)
        return 2
    # job processes read their settings from the environment: hand the command line's choices on
    os.environ["SIMULATOR_KNOWLEDGE"] = str(settings.knowledge_dir)
    if settings.offline:
        os.environ["SIMULATOR_OFFLINE"] = "1"
    if personas_dir is not None:
        os.environ[PERSONAS_ENV] = str(personas_dir)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    print(
        f"simulator worker: agent {settings.livekit_agent_name!r} on {config.url}; "
        f"health on http://{settings.worker_host}:{settings.worker_port}/"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(server))
    return 0


async def _serve(server: AgentServer) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    running = asyncio.create_task(server.run())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        await server.aclose()
        if not running.done():
            running.cancel()
        await asyncio.gather(running, return_exceptions=True)


def prewarm(proc: JobProcess) -> None:
    """Load silero once per job process (its ONNX model ships in the plugin's wheel)."""
    from livekit.plugins import silero

    proc.userdata["vad"] = silero.VAD.load()


def settings_for(settings: Settings, metadata: SessionMetadata) -> Settings:
    """The worker's settings with the app's knowledge set: a folder name under
    ``<data dir>/knowledge-sets/`` (never a path: the app does not choose where the worker reads)."""
    name = metadata.knowledge
    if not name or name == settings.knowledge_dir.name:
        return settings
    if Path(name).name != name or name in (".", ".."):
        raise SessionError(f"knowledge set {name!r} is not a plain folder name")
    folder = settings.data_dir / KNOWLEDGE_SETS / name
    if not folder.is_dir():
        raise SessionError(f"this worker has no knowledge set {name!r} (looked in {folder})")
    return replace(settings, knowledge_dir=folder)


async def entrypoint(ctx: JobContext) -> None:
    """One room: the session, its event pump, its command endpoint, and its end."""
    from livekit.agents.voice import room_io

    from simulator.events import StatusEvent
    from simulator.room.command_server import CommandServer
    from simulator.room.metadata import SessionMetadata
    from simulator.room.transport import EventPublisher
    from simulator.session import SessionRunner
    from simulator.voice.selection import build_voice

    metadata = SessionMetadata.from_json(ctx.job.metadata or "{}")
    base = Settings.from_env()
    notices: list[str] = []
    try:
        settings = settings_for(base, metadata)
    except SessionError as e:
        settings, notices = base, [f"{e}; using {base.knowledge_dir.name}"]
    await ctx.connect()
    voice = await build_voice(settings, room=True, vad=ctx.proc.userdata.get("vad"))
    room_options = room_io.RoomOptions(
        participant_identity=metadata.app_identity,
        text_input=False,  # typed lines arrive as commands, so they are numbered turns too
        audio_input=voice is not None,
        audio_output=voice is not None,
        close_on_disconnect=False,  # the app may reconnect; see _end_when_app_is_gone
    )
    runner = SessionRunner(settings, voice=voice, room=ctx.room, room_options=room_options)
    publisher = EventPublisher(ctx.room.local_participant, metadata.app_identity)
    controls = RunnerControls(runner, personas_dir=personas_folder(), persona=metadata.persona)
    CommandServer(controls, publisher, allowed_identity=metadata.app_identity).register(
        ctx.room.local_participant
    )

    pumping = asyncio.create_task(pump_events(runner, publisher))
    await runner.start()
    for notice in notices:
        await publisher.publish(StatusEvent(level="warning", source="knowledge", message=notice))
    if metadata.mode == "coach":
        try:
            await controls.set_mode("coach")
        except SimulatorError as e:
            runner.publish(
                StatusEvent(
                    level="warning", source="coach", message=f"Coach mode did not start: {e}"
                )
            )
    gone = _end_when_app_is_gone(ctx, metadata.app_identity)

    async def close() -> None:
        gone.cancel()
        try:
            await asyncio.wait_for(controls.aclose(), 15)  # the rehearsal ends with its scorecard
        except TimeoutError:
            logger.warning("the rehearsal did not end in time; closing the session anyway")
        await runner.aclose()
        await asyncio.wait_for(pumping, 10)
        if voice is not None:
            await voice.aclose()

    ctx.add_shutdown_callback(close)


async def pump_events(runner: SessionRunner, publisher: EventPublisher) -> None:
    """Every event of the runner (the team's and the rehearsal's) to the app, in order, until it closes."""
    async for event in runner.events():
        await publisher.publish(event)


def personas_folder() -> Path:
    """Where this worker reads persona files: ``SIMULATOR_PERSONAS`` (set by ``run_worker`` for its
    job processes, or by hand), else the project's ``personas/``."""
    configured = os.environ.get(PERSONAS_ENV)
    return Path(configured).expanduser() if configured else BUNDLED_PERSONAS


def _end_when_app_is_gone(ctx: JobContext, identity: str) -> asyncio.Task[None]:
    """Shut the job down when the app participant has been away (or never came) for APP_GONE_GRACE_S."""
    present, absent = asyncio.Event(), asyncio.Event()
    if any(p.identity == identity for p in ctx.room.remote_participants.values()):
        present.set()
    else:
        absent.set()

    def joined(participant: Any) -> None:
        if participant.identity == identity:
            absent.clear()
            present.set()

    def left(participant: Any) -> None:
        if participant.identity == identity:
            present.clear()
            absent.set()

    ctx.room.on("participant_connected", joined)
    ctx.room.on("participant_disconnected", left)

    async def watch() -> None:
        while True:
            await absent.wait()
            try:
                await asyncio.wait_for(present.wait(), APP_GONE_GRACE_S)
            except TimeoutError:
                ctx.shutdown(reason="the app participant left")
                return

    return asyncio.create_task(watch())


class RunnerControls:
    """The room's commands carried out on a :class:`SessionRunner`, and on the room's rehearsal: an
    optional :class:`~simulator.coach.CoachSession` over the runner, as in the local session.

    Coach mode starts on ``set_persona`` (or ``set_mode("coach")`` with the dispatch's persona, or
    the last one chosen), in a new conversation, and waits for play or step; its events go out on
    the runner's stream like every other. Commands run one at a time, in the order they came (a
    take-over waits for the persona's exchange in flight, then the user's line follows it). Each
    call is answered when its work is done, or after ``reply_within_s`` with a sentence saying
    what will happen (an RPC must not wait on a slow spoken turn); a refusal that comes only
    afterwards is published as a ``StatusEvent``. :meth:`aclose` ends the rehearsal and cancels
    whatever is still pending.
    """

    def __init__(
        self,
        runner: SessionRunner,
        *,
        personas_dir: Path | None = None,
        persona: str | None = None,
        max_turns: int | None = None,
        reply_within_s: float = 5.0,
    ) -> None:
        self.runner = runner
        self.personas_dir = personas_dir or BUNDLED_PERSONAS
        self.persona = persona
        """The persona ``set_mode("coach")`` starts with: the dispatch's, then the last one set."""
        self.max_turns = max_turns
        self.reply_within_s = reply_within_s
        self.coach: CoachSession | None = None
        self._order = asyncio.Lock()
        self._tasks: set[asyncio.Task[str]] = set()
        self._answered: set[asyncio.Task[str]] = set()
        self._closed = False

    # -- the commands --------------------------------------------------------------------------

    async def say(self, text: str) -> str:
        # answer the RPC at once; the turn's events follow on the event stream
        return await self._in_order(lambda: self._say(text), pending="heard", wait_s=0)

    async def new_conversation(self) -> str:
        async def run() -> str:
            await self._end_coach("A new conversation was started.")
            await self.runner.reset()
            return "new conversation with the Greeter"

        return await self._in_order(
            run, pending="a new conversation starts after the exchange in flight"
        )

    async def push_to_talk(self, pressed: bool) -> str:
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

    async def set_mode(self, mode: str) -> str:
        if mode == "customer":
            return await self._in_order(
                self._customer_mode,
                pending="you take over the customer after the exchange in flight",
            )
        if mode != "coach":
            raise SessionError(f"unknown mode {mode!r}")
        return await self._in_order(self._coach_mode, pending="Coach mode is getting ready")

    async def set_persona(self, persona: str) -> str:
        chosen = await self._find_persona(persona)  # a wrong name is refused at once
        return await self._in_order(
            lambda: self._open(chosen), pending=f"{chosen.name} is getting ready"
        )

    async def play(self) -> str:
        return await self._coach_command(lambda coach: coach.play(), "the persona plays")

    async def pause(self) -> str:
        return await self._coach_command(
            lambda coach: coach.pause(), "paused after the exchange in flight"
        )

    async def step(self) -> str:
        return await self._coach_command(lambda coach: coach.step(), "one exchange, then pause")

    async def end_rehearsal(self) -> str:
        async def end(coach: CoachSession) -> None:
            await coach.end("Ended by the coach.")

        return await self._coach_command(end, "the rehearsal ended; its scorecard follows")

    async def scorecard(self) -> str:
        async def run() -> str:
            if self.coach is None:
                raise SessionError("No rehearsal to score: choose a persona first")
            await self.coach.publish_scorecard()
            return "scorecard published"

        return await self._in_order(run, pending="the scorecard follows")

    async def whisper(self, text: str) -> str:
        async def run() -> str:
            coach = self._live_coach()
            if coach is not None:
                await coach.whisper(text)
            else:
                self.runner.whisper(text)
            return "the active agent will read it before its next reply"

        return await self._in_order(
            run, pending="the active agent will read it before its next reply"
        )

    async def take_over(self) -> str:
        return await self._coach_command(
            lambda coach: coach.take_over(),
            "you are the customer now",
            pending="you take over the customer after the exchange in flight",
        )

    async def hand_back(self) -> str:
        async def hand_back(coach: CoachSession) -> None:
            await coach.hand_back(play=True)

        return await self._coach_command(hand_back, "the persona continues")

    async def aclose(self) -> None:
        """End the rehearsal, if any, and cancel the commands still pending (the room is ending)."""
        self._closed = True
        pending = list(self._tasks)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self._end_coach("The room was closed.")

    # -- the work, in order ----------------------------------------------------------------------

    async def _say(self, text: str) -> str:
        coach = self._live_coach()
        if coach is None:
            await self.runner.send(text)
            return "heard"
        if coach.customer_player == "persona":
            await coach.take_over()  # typing as the customer is taking over, as in the app
        await coach.customer_says(text)
        return "heard"

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
            self.runner, persona, max_turns=self.max_turns or DEFAULT_MAX_TURNS
        )
        return f"{persona.name} plays the customer in a new conversation; press play or step"

    async def _coach_command(
        self,
        command: Callable[[CoachSession], Awaitable[None]],
        done: str,
        *,
        pending: str | None = None,
    ) -> str:
        async def run() -> str:
            coach = self.coach
            if coach is None:
                raise SessionError("No rehearsal is running: pick a persona and press Play.")
            await command(coach)  # an ended rehearsal refuses with its own sentence
            return done

        return await self._in_order(run, pending=pending or done)

    async def _find_persona(self, name: str) -> Persona:
        from simulator.personas.model import load_personas

        found = await asyncio.to_thread(load_personas, self.personas_dir)
        return found.find(name)

    def _live_coach(self) -> CoachSession | None:
        coach = self.coach
        return coach if coach is not None and not coach.ended else None

    async def _end_coach(self, reason: str) -> None:
        coach, self.coach = self.coach, None
        if coach is None:
            return
        try:
            if not coach.ended:
                await coach.end(reason)
        finally:
            await coach.aclose()

    async def _in_order(
        self, work: Callable[[], Awaitable[str]], *, pending: str, wait_s: float | None = None
    ) -> str:
        """Run ``work`` after the commands before it; its answer if it is done within the wait,
        else ``pending`` (its refusal, if any, then goes out as a ``StatusEvent``)."""
        if self._closed:
            raise SessionError("the room session is ending")

        async def locked() -> str:
            async with self._order:
                return await work()

        task = asyncio.create_task(locked())
        self._tasks.add(task)
        task.add_done_callback(self._settled)
        done, _ = await asyncio.wait(
            {task}, timeout=self.reply_within_s if wait_s is None else wait_s
        )
        if task in done:
            if task.cancelled():
                raise SessionError("the room session is ending")
            return task.result()
        self._answered.add(
            task
        )  # answered already: what it says at the end goes on the event stream
        return pending

    def _settled(self, task: asyncio.Task[str]) -> None:
        self._tasks.discard(task)
        if task not in self._answered:
            return  # the caller reads the result
        self._answered.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            return
        if not isinstance(error, SimulatorError):
            logger.error("a room command failed", exc_info=error)
        message = (
            str(error) if isinstance(error, SimulatorError) else f"{type(error).__name__}: {error}"
        )
        from simulator.events import StatusEvent

        self.runner.publish(StatusEvent(level="error", source="command", message=message))
