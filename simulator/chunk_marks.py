"""What a provider marks on the chunks it streams, for the sales team to read.

The agents read a reply's stream for its timings and its origin; naming the marks here, in the
core, lets a provider write them and an agent read them without either importing the other.
"""

from collections.abc import Callable
from contextvars import ContextVar

request_sent: ContextVar[Callable[[], None] | None] = ContextVar("request_sent", default=None)
"""Called on the event loop when a request made in this context is on the wire (the server's
response has begun): work that can wait for the model's answer, such as searching ahead for a
colleague, starts then, while the model thinks, and never delays the request itself."""

TIME_INFO_KEY = "cerebras_time_info"
"""Key of the Cerebras server's timings in ``ChoiceDelta.extra`` and, after a turn,
``ChatMessage.extra``."""

OFFLINE_MARK = "offline_responder"
"""``ChoiceDelta.extra`` key set on every chunk the offline responder wrote."""

FAILED_ATTEMPT_KEY = "failed_attempt"
"""``ChoiceDelta.extra`` key on the first chunk of a fallback's answer after its primary failed:
``{"provider": str, "elapsed_s": float}``, the time the customer waited for the failed attempt."""

OFFLINE_SCORER_KEY = "offline_scorer"
"""``ChoiceDelta.extra`` key on the offline responder's chunks (and so on its ``ChatMessage``):
what chose the answer, ``minilm`` (the contextual encoder) or ``wordllama`` (word vectors, while
the encoder is still filling). The same question gets the same answer from the same scorer."""
