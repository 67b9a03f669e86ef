"""The worker's end of the command channel: one RPC method, callable by the app participant only.

:class:`CommandServer` checks the caller's identity first (anyone else in the room, another
participant or a second app, gets ``FORBIDDEN``), then decodes the payload into a typed
:data:`~simulator.commands.Command` (``BAD_COMMAND`` if it is not one) and hands it to the room's
:class:`~simulator.host.controller.SessionController`. An RPC must not wait on a slow spoken turn:
a line is answered at once ("heard"), any other command when it is done or after
``reply_within_s`` with what will happen. What the session refuses comes back as
``CommandResult(ok=False, message=...)``, so the app can show it. ``ResumeCommand`` is the room
transport's own: the events the app missed are sent again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pydantic import ValidationError

from simulator.commands import CommandResult, ResumeCommand, SayCommand, from_json
from simulator.errors import SimulatorError
from simulator.host.controller import SessionController
from simulator.room.transport import RPC_METHOD, EventPublisher

if TYPE_CHECKING:
    from livekit import rtc

FORBIDDEN = 2403
BAD_COMMAND = 2400

logger = logging.getLogger(__name__)


class CommandServer:
    def __init__(
        self,
        controller: SessionController,
        publisher: EventPublisher,
        *,
        allowed_identity: str,
        reply_within_s: float = 5.0,
    ) -> None:
        if not allowed_identity:
            raise ValueError("the command server needs the app participant's identity")
        self.controller = controller
        self.publisher = publisher
        self.allowed_identity = allowed_identity
        self.reply_within_s = reply_within_s

    def register(self, participant: rtc.LocalParticipant) -> None:
        participant.register_rpc_method(RPC_METHOD, self.handle)

    def authorize(self, caller_identity: str) -> None:
        """Raise ``RpcError(FORBIDDEN)`` unless the caller is the app participant."""
        from livekit import rtc

        if caller_identity != self.allowed_identity:
            logger.warning(
                "refused a command from %r (only %r may command)",
                caller_identity,
                self.allowed_identity,
            )
            raise rtc.RpcError(FORBIDDEN, "only the app participant may command this session")

    async def handle(self, data: rtc.RpcInvocationData) -> str:
        from livekit import rtc

        self.authorize(data.caller_identity)
        try:
            command = from_json(data.payload)
        except ValidationError as e:
            raise rtc.RpcError(
                BAD_COMMAND, f"not a simulator command: {e.error_count()} problem(s)"
            ) from None
        try:
            if isinstance(command, ResumeCommand):
                sent = await self.publisher.replay(command.after_seq)
                message = f"replayed {sent} event(s)"
            else:
                wait_s = 0.0 if isinstance(command, SayCommand) else self.reply_within_s
                message = await self.controller.submit(command, answer_within_s=wait_s)
        except SimulatorError as e:
            return CommandResult(ok=False, message=str(e)).model_dump_json()
        return CommandResult(ok=True, message=message).model_dump_json()
