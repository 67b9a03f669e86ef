"""The knowledge searched once per customer line, reused by the agents that answer it.

A turn with a look-up runs the same agent's ``llm_node`` twice, and a turn with a handoff runs
the Greeter's and then the specialist's; each used to search the knowledge again for the same
words, on the customer's clock. Now:

- the same agent asking again for the same line (after a look-up) gets the same passages back,
  with no search at all;
- the agent a handoff passes the line to searches its own scope (its passages are not the
  Greeter's), but the query's encoding, the costly part of a search, is reused from the first
  search (the index keeps the last queries' vectors), so its search is only the ranking.

The results are exactly what a fresh search would return: nothing is approximated. Blocking,
like the index: call :meth:`LineSearch.passages` off the event loop.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.events import AgentRole, Passage

if TYPE_CHECKING:
    from simulator.knowledge.index import KnowledgeIndex


@dataclass(frozen=True)
class LineResult:
    passages: list[Passage]
    reused: bool
    """The same agent's earlier search of this line (no search was made)."""


class LineSearch:
    """The knowledge searches of the current customer line (see the module doc)."""

    def __init__(self, index: KnowledgeIndex) -> None:
        self._index = index
        self._lock = threading.Lock()
        self._turn = -1
        self._found: dict[tuple[str, int, AgentRole], list[Passage]] = {}

    def passages(self, turn_id: int, query: str, k: int, agent: AgentRole) -> LineResult:
        """The ``k`` passages that best answer ``query`` as ``agent`` sees the knowledge."""
        key = (query, k, agent)
        with self._lock:
            if turn_id != self._turn:  # a new line: the previous one's results are not reused
                self._turn, self._found = turn_id, {}
            found = self._found.get(key)
        if found is not None:
            return LineResult(found, reused=True)
        found = self._index.search(query, k=k, agent=agent)
        with self._lock:
            if turn_id == self._turn:
                self._found[key] = found
        return LineResult(found, reused=False)
