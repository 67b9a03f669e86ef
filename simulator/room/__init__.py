"""The session in a LiveKit room: the worker's side and the app's side of one protocol.

- :mod:`~simulator.room.config`: the LiveKit URL and credentials, checked before anything starts.
- :mod:`~simulator.room.metadata`: what the app asks for (persona, mode, knowledge set), carried in
  the agent dispatch.
- :mod:`~simulator.room.access`: a join token, minted with ``livekit-api`` or fetched from a token
URL.
- :mod:`~simulator.room.transport`: events as JSON lines on a text-stream topic, numbered, in order;
  commands (:mod:`simulator.commands`) as calls of one RPC method.
- :mod:`~simulator.room.client`: :class:`RoomClient`, what the session host uses to join.
- :mod:`~simulator.room.local_worker`: a worker started on this machine when none runs.

The worker's command endpoint is the session host's (:mod:`simulator.host.command_server`).

Never imports Qt.
"""
