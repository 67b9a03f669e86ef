"""What the app asks of the sales team when it opens a room, carried in the agent dispatch.

The token's ``RoomAgentDispatch`` carries this as its metadata (signed with the token), so the
worker starts the right session for the right person: the persona and mode to begin with, the
knowledge set to answer from, and the one participant identity allowed to send commands.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SessionMetadata(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    app_identity: str = Field(min_length=1)
    """The app participant's identity; the worker accepts commands from it alone."""
    mode: Literal["customer", "coach"] = "customer"
    persona: str | None = None
    """A persona id (its file name in ``personas/`` without ``.yaml``), for Coach mode."""
    knowledge: str | None = None
    """A knowledge set the worker knows by name (a folder under its knowledge root); None: its
    default."""

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> SessionMetadata:
        """Parse dispatch metadata; raises ``pydantic.ValidationError`` when it is not ours."""
        return cls.model_validate_json(text)
