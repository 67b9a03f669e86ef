"""The grounded offline responder: the team's LLM when there is no key and no network.

:mod:`.responder` is the ``llm.LLM``; :mod:`.routing` decides who answers, :mod:`.reading` turns
passages into speakable sentences, :mod:`.composing` builds the answer to the question asked.
"""

from simulator.chunk_marks import OFFLINE_MARK
from simulator.providers.offline.responder import (
    UNKNOWN,
    WELCOME,
    OfflineResponder,
    TextPlan,
    ToolCallPlan,
    plan_reply,
)

__all__ = [
    "OFFLINE_MARK",
    "UNKNOWN",
    "WELCOME",
    "OfflineResponder",
    "TextPlan",
    "ToolCallPlan",
    "plan_reply",
]
