"""The knowledge searched once per customer line, reused by the agents that answer it.

A turn with a look-up runs the same agent's ``llm_node`` twice, and a turn with a handoff runs
the Greeter's and then the specialist's; each used to search the knowledge again for the same
words, on the customer's clock. Now:

- the same agent asking again for the same line (after a look-up) gets the same passages back,
  with no search at all, and at once (:meth:`LineSearch.ready`: no trip to a worker thread);
- the colleagues an agent can hand the line to are searched ahead (:meth:`LineSearch.search_ahead`),
  while the provider is still thinking about the first request: each searches its own scope
  (its passages are not the Greeter's), but the query's encoding, the costly part of a search,
  is reused from the first search (the index keeps the last queries' vectors), and the agent
  that takes over finds its passages ready;
- two askers of the same search (the agent and a prefetch still running) share one search.

The results are exactly what a fresh search would return: nothing is approximated. Blocking,
like the index: call :meth:`LineSearch.passages` and the work :meth:`LineSearch.search_ahead`
returns off the event loop (:meth:`LineSearch.ready` and ``search_ahead`` itself never block).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.events import AgentRole, Passage

if TYPE_CHECKING:
    from simulator.knowledge.index import KnowledgeIndex

_Key = tuple[str, int, AgentRole]


@dataclass(frozen=True)
class LineResult:
    passages: list[Passage]
    reused: bool
    """The same agent's earlier search of this line (no search was made)."""
    ahead: bool = False
    """Searched ahead, while the model read the previous agent's prompt (a handoff)."""


class LineSearch:
    """The knowledge searches of the current customer line (see the module doc)."""

    def __init__(self, index: KnowledgeIndex) -> None:
        self._index = index
        self._lock = threading.Lock()
        self._turn = -1
        self._found: dict[_Key, Future[list[Passage]]] = {}
        self._given: set[_Key] = set()
        """The searches an agent has been given (asked again, they are reused)."""
        self._ahead: set[_Key] = set()
        """The searches made ahead, for a colleague (:meth:`search_ahead`)."""

    def ready(self, turn_id: int, query: str, k: int, agent: AgentRole) -> LineResult | None:
        """The search of ``query`` as ``agent`` sees it, if it is done already (an earlier one
        of this line, or a prefetch); ``None`` if it must still be made or is still running.
        Never blocks: the event loop can ask first and spare itself a thread's round trip."""
        key = (query, k, agent)
        with self._lock:
            future = self._found.get(key) if turn_id == self._turn else None
            if future is None or not future.done() or future.exception() is not None:
                return None
            return self._give(key, future.result())

    def passages(self, turn_id: int, query: str, k: int, agent: AgentRole) -> LineResult:
        """The ``k`` passages that best answer ``query`` as ``agent`` sees the knowledge."""
        key = (query, k, agent)
        future, mine = self._claim(turn_id, key)
        if mine:
            self._search(future, key)
        found = future.result()  # a failed search raises its error here
        with self._lock:
            return self._give(key, found) if turn_id == self._turn else LineResult(found, False)

    def search_ahead(
        self, turn_id: int, query: str, k: int, agents: Iterable[AgentRole]
    ) -> Callable[[], None] | None:
        """Claim the searches of ``query`` as each of ``agents`` sees it, for the agent a handoff
        brings in (never blocks), and return the blocking work that makes them, for a worker
        thread; ``None`` if they are all claimed already. An agent asking meanwhile waits for
        its search rather than making it twice. A failed search ahead is forgotten: the agent's
        own search then meets the error itself."""
        claimed = []
        for agent in agents:
            key = (query, k, agent)
            future, mine = self._claim(turn_id, key)
            with self._lock:
                if mine and turn_id == self._turn:  # (not a line the customer has left)
                    claimed.append((key, future))
                    self._ahead.add(key)
        if not claimed:
            return None

        def search() -> None:
            for key, future in claimed:
                self._search(future, key)
                if future.exception() is not None:
                    with self._lock:
                        if self._found.get(key) is future:
                            del self._found[key]

        return search

    def _claim(self, turn_id: int, key: _Key) -> tuple[Future[list[Passage]], bool]:
        """The search of ``key`` in line ``turn_id``, and whether the caller must make it."""
        with self._lock:
            if turn_id > self._turn:  # a new line: the previous one's results are not reused
                self._turn, self._found, self._given, self._ahead = turn_id, {}, set(), set()
            elif turn_id < self._turn:  # a line already gone by: searched, never kept
                return Future(), True
            future = self._found.get(key)
            if future is not None:
                return future, False
            future = self._found[key] = Future()
            return future, True

    def _search(self, future: Future[list[Passage]], key: _Key) -> None:
        query, k, agent = key
        try:
            future.set_result(self._index.search(query, k=k, agent=agent))
        except Exception as e:
            future.set_exception(e)

    def _give(self, key: _Key, found: list[Passage]) -> LineResult:
        """(Under the lock.) ``found`` handed to the agent of ``key``; reused if handed before."""
        reused = key in self._given
        self._given.add(key)
        return LineResult(found, reused, ahead=key in self._ahead and not reused)
