"""A test's own participant, handed to code that expects livekit's ``rtc.LocalParticipant``.

There is no LiveKit server in the tests; the worker's event publisher only calls ``send_text``,
which the test's participant implements (and records, or drops, as the test needs).
"""

from __future__ import annotations

from typing import cast

from livekit import rtc


def stand_in(participant: object) -> rtc.LocalParticipant:
    """``participant`` typed as the SDK's local participant (it has the methods the code calls)."""
    return cast(rtc.LocalParticipant, participant)
