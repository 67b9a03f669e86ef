"""``simulator worker``: the sales team as a LiveKit agent worker.

The worker registers with LiveKit under an agent name (explicit dispatch: it joins only rooms
whose token or API call dispatches that name) and runs, per room, the same
:class:`~simulator.session.SessionRunner` as the local session: the same agents, retrieval,
latency observer and events, with Cartesia STT/TTS (a voice per agent) and silero VAD when
``CARTESIA_API_KEY`` is set, text only otherwise. Every event goes to the app participant as a
JSON line on a text stream (:mod:`simulator.room.transport`); the app's RPC commands are accepted
from its identity alone (:mod:`simulator.host.command_server`) and carried out by the session
host's :class:`~simulator.host.controller.SessionController`, as in every face: Coach mode runs
here too, with the persona the dispatch or a command names, read from the worker's persona folder
(``--personas``, ``SIMULATOR_PERSONAS``, else the project's ``personas/``). Each job gets its
settings from the worker
explicitly (:class:`RoomJob`), never through the environment. The app may drop and come back
(:data:`APP_GONE_GRACE_S`) without the session ending; when the job ends the rehearsal is closed
and pending commands are cancelled.

The HTTP health server binds ``SIMULATOR_WORKER_HOST`` (127.0.0.1 unless told otherwise). The URL,
key and secret are checked before anything starts, with a message naming what is wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.errors import SessionError, SimulatorError
from simulator.room.config import check_credentials, livekit_config
from simulator.settings import Settings

if TYPE_CHECKING:
    from livekit.agents import AgentServer, JobContext, JobProcess

    from simulator.room.metadata import SessionMetadata
    from simulator.room.transport import EventPublisher
    from simulator.session import SessionRunner

APP_GONE_GRACE_S = 60.0
"""How long a room session waits for the app participant to come back before it ends."""
KNOWLEDGE_SETS = "knowledge-sets"

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
    server.rtc_session(RoomJob(settings), agent_name=settings.livekit_agent_name)
    return server


def run_worker(settings: Settings, *, check: bool = True) -> int:
    """Run until SIGINT/SIGTERM; returns the process exit code."""
    try:
        config = livekit_config(settings)
        if check:
            asyncio.run(check_credentials(config))
        server = build_server(settings)
    except SimulatorError as e:
        print(f"simulator worker: {e}", file=sys.stderr)
        return 2
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
    ``<data dir>/knowledge-sets/`` (never a path: the app does not choose where the worker
    reads)."""
    name = metadata.knowledge
    if not name or name == settings.knowledge_dir.name:
        return settings
    if Path(name).name != name or name in (".", ".."):
        raise SessionError(f"knowledge set {name!r} is not a plain folder name")
    folder = settings.data_dir / KNOWLEDGE_SETS / name
    if not folder.is_dir():
        raise SessionError(f"this worker has no knowledge set {name!r} (looked in {folder})")
    return settings.replace(knowledge_dir=folder)


@dataclass(frozen=True)
class RoomJob:
    """One room's session as a job process runs it: the worker's own settings travel with the job
    (pickled into the process), never through the environment."""

    settings: Settings

    async def __call__(self, ctx: JobContext) -> None:
        await entrypoint(ctx, self.settings)


async def entrypoint(ctx: JobContext, base: Settings) -> None:
    """One room: the session, its event pump, its command endpoint, and its end."""
    from livekit.agents.voice import room_io

    from simulator.commands import SetModeCommand
    from simulator.events import StatusEvent
    from simulator.host.command_server import CommandServer
    from simulator.host.controller import SessionController, SessionListening
    from simulator.room.metadata import SessionMetadata
    from simulator.room.transport import EventPublisher
    from simulator.session import SessionRunner
    from simulator.voice.selection import build_voice

    metadata = SessionMetadata.from_json(ctx.job.metadata or "{}")
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
    controller = SessionController(
        runner,
        persona=metadata.persona,
        listening=SessionListening(runner),
    )
    CommandServer(controller, publisher, allowed_identity=metadata.app_identity).register(
        ctx.room.local_participant
    )

    pumping = asyncio.create_task(pump_events(runner, publisher))
    await controller.start()
    await runner.start()
    for notice in notices:
        await publisher.publish(StatusEvent(level="warning", source="knowledge", message=notice))
    if metadata.mode == "coach":
        try:
            await controller.execute(SetModeCommand(mode="coach"))
        except SimulatorError as e:
            runner.publish(
                StatusEvent(
                    level="warning", source="coach", message=f"Coach mode did not start: {e}"
                )
            )
    gone = _end_when_app_is_gone(ctx, metadata.app_identity)

    async def close() -> None:
        gone.cancel()
        try:  # the rehearsal ends with its scorecard
            await asyncio.wait_for(controller.aclose("The room was closed."), 15)
        except TimeoutError:
            logger.warning("the rehearsal did not end in time; closing the session anyway")
        await runner.aclose()
        await asyncio.wait_for(pumping, 10)
        if voice is not None:
            await voice.aclose()

    ctx.add_shutdown_callback(close)


async def pump_events(runner: SessionRunner, publisher: EventPublisher) -> None:
    """Every event of the runner (the team's and the rehearsal's) to the app, in order, until it
    closes."""
    async for event in runner.events():
        await publisher.publish(event)


def _end_when_app_is_gone(ctx: JobContext, identity: str) -> asyncio.Task[None]:
    """Shut the job down when the app participant has been away (or never came) for
    APP_GONE_GRACE_S."""
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
