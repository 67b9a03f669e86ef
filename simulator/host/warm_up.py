"""Loading the search models while the app starts, not when the customer's first line arrives.

wordllama and the contextual encoder load lazily, once per process, on their first use: left to
the first search, the customer's first line waited for both (0.5-2.5 s on this 2-core machine,
more under load) on top of its own search. The session host loads them in a worker thread as soon
as the team is seated, while the customer reads and types, so a first line typed a moment later
finds them ready (one typed at once waits for the same load, no longer). Loading them earlier,
during the start itself, was measured slower: on two busy cores it delayed the team's readiness
by more (1-3 s) than it saved the first answer. A model that cannot load is not an error here:
the search that needs it says why.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def warm_search_models() -> None:
    """Blocking (a worker thread): load wordllama and, when installed, the contextual encoder."""
    from simulator.knowledge import embedding, encoder

    try:
        embedding.embed(["warm up"])
        if encoder.available():
            encoder.embed(["warm up"])
    except Exception:  # a broken model: the first search reports it in the session's own words
        log.warning("could not load the search models ahead of the first line", exc_info=True)
