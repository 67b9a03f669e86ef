"""The session in a LiveKit room: the worker's side and the app's side of one protocol.

- :mod:`~simulator.room.config`: the LiveKit URL and credentials, checked before anything starts.
- :mod:`~simulator.room.metadata`: what the app asks for (persona, mode, knowledge set), carried in
  the agent dispatch.
- :mod:`~simulator.room.access`: a join token, minted with ``livekit-api`` or fetched from a token URL.
- :mod:`~simulator.room.commands`: the app's commands, typed, sent as RPC calls.
- :mod:`~simulator.room.transport`: events as JSON lines on a text-stream topic, numbered, in order.
- :mod:`~simulator.room.command_server`: the worker's RPC endpoint (only the app may command).
- :mod:`~simulator.room.client`: :class:`RoomClient`, what the desktop app uses to join.

Never imports Qt.
"""
