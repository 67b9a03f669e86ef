"""The session host: what every face drives, and nothing of any face.

Commands (:mod:`simulator.commands`) go in, events (:mod:`simulator.events`) come out:

- :mod:`~simulator.host.controller`: :class:`SessionController` carries out every command on one
  :class:`~simulator.session.SessionRunner` and its Coach-mode rehearsal (the app's in-process
  session, the terminal and the LiveKit worker share it).
- :mod:`~simulator.host.transport`: where a session runs, behind one protocol:
  :mod:`~simulator.host.local` (this process) or :mod:`~simulator.host.room` (a LiveKit room).
- :mod:`~simulator.host.supervisor`: :class:`SessionSupervisor` chooses the transport, falls back
  from the room, logs the session, re-indexes, and tells a face what happened.
- :mod:`~simulator.host.command_server`: the worker's RPC endpoint over the controller.
- :mod:`~simulator.host.audio`: the microphone and speakers, push-to-talk.
- :mod:`~simulator.host.status`: the supervised session's states and their wording.

Plain asyncio, below every face: it never imports Qt (an import-linter layers contract says so).
"""

from simulator.host.controller import SessionController
from simulator.host.status import IndexOutcome, SessionState
from simulator.host.supervisor import SessionSupervisor, SupervisorListener
from simulator.host.transport import Capabilities, SessionTransport, VoiceStatus, choose_transport

__all__ = [
    "Capabilities",
    "IndexOutcome",
    "SessionController",
    "SessionState",
    "SessionSupervisor",
    "SessionTransport",
    "SupervisorListener",
    "VoiceStatus",
    "choose_transport",
]
