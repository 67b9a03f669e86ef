"""What a turn does once and reuses (issue 14): the behaviours behind a cheap handoff.

- the whole team's requests go through one Cerebras client and one kept-alive connection;
- each agent's tool schemas are built once, not per request;
- a customer line is searched once per agent: after a look-up the agent reuses its passages, and
  the agent a handoff passes the line to reuses the query's encoding (it searches its own scope),
  its search made ahead while the model read the previous agent's prompt, and taken without a
  worker thread's round trip.

The real cerebras-cloud-sdk talks to the bench's fake model on 127.0.0.1; nothing is timed here
(the speed itself is measured by ``python -m bench``, section 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from livekit.agents import llm

from bench.script import sales_team_model
from simulator.events import Event, HandoffEvent, RetrievalEvent, ToolCallEvent
from simulator.knowledge import encoder
from simulator.knowledge.index import KnowledgeIndex, _encoded_query
from simulator.providers.cerebras import CerebrasLLM, tool_schemas
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from simulator.team.line_search import LineResult, LineSearch
from tests.fakes.cerebras_server import CerebrasServer, LatencyModel, Reply

LINES = (
    "Hi, I'm Dana from Northbay Foods.",
    "Do your sensors work inside a minus eighty degree freezer?",  # Greeter -> Technical
    "What would the Professional plan cost us per month?",  # Technical -> Pricing
    "Do you have the CT-200 in stock right now?",  # Pricing looks it up, then answers
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


async def converse(server: CerebrasServer, data_dir: Path) -> list[Event]:
    settings = Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE,
        data_dir=data_dir,
        cerebras_api_key="test-key",
        cerebras_base_url=server.base_url,
    )
    events: list[Event] = []
    async with SessionRunner(settings, check_claims=False) as runner:
        runner.add_observer(events.append)
        for line in LINES:
            await runner.send(line)
    return events


async def test_the_team_shares_one_client_and_one_connection(data_dir: Path) -> None:
    async with CerebrasServer(responder=sales_team_model) as server:
        events = await converse(server, data_dir)
    handoffs = [(e.from_agent, e.to_agent) for e in events if isinstance(e, HandoffEvent)]
    assert handoffs == [("greeter", "technical"), ("technical", "pricing")]
    assert [e.name for e in events if isinstance(e, ToolCallEvent)] == ["check_stock"]
    assert len(server.requests) == 7  # 4 answers, 2 handoffs, 1 look-up
    # every request, whichever agent sent it, came on the same kept-alive connection
    assert len({r.client_port for r in server.requests}) == 1


async def test_each_tool_set_is_described_once(data_dir: Path) -> None:
    tool_schemas.cache_clear()
    async with CerebrasServer(responder=sales_team_model) as server:
        await converse(server, data_dir)
    sent = {tuple(r.tool_names) for r in server.requests}
    assert len(sent) == 3  # the Greeter's, the Technical Specialist's, the Pricing Specialist's
    built = tool_schemas.cache_info()
    assert (built.misses, built.hits) == (3, len(server.requests) - 3)


async def test_a_reply_cut_short_gives_up_its_connection_a_finished_one_keeps_it() -> None:
    def ask() -> llm.ChatContext:
        ctx = llm.ChatContext.empty()
        ctx.add_message(role="user", content="Tell me about the CT-200.")
        return ctx

    long_reply = Reply(text="The CT-200 reads minus one hundred degrees. " * 40)
    slow = LatencyModel(tokens_per_s=400.0)  # about a second for the whole reply
    async with CerebrasServer(responder=lambda _: long_reply, latency=slow) as server:
        model = CerebrasLLM(api_key="test-key", base_url=server.base_url)
        try:
            async with model.chat(chat_ctx=ask()) as stream:
                async for _ in stream:
                    pass  # read to the end
            async with model.chat(chat_ctx=ask()) as stream:
                await anext(aiter(stream))  # interrupted after its first words
            async with model.chat(chat_ctx=ask()) as stream:
                async for _ in stream:
                    pass
        finally:
            await model.aclose()
    first, cut, after = (r.client_port for r in server.requests)
    assert cut == first  # the finished stream's connection was reused
    assert after != cut  # the cut one was closed, not read to its end


async def test_a_line_is_searched_once_per_agent(data_dir: Path) -> None:
    async with CerebrasServer(responder=sales_team_model) as server:
        events = await converse(server, data_dir)
    searches: dict[int, list[tuple[str, bool, bool]]] = {}
    for e in events:
        if isinstance(e, RetrievalEvent):
            searches.setdefault(e.turn_id, []).append((e.agent, e.reused, e.ahead))
    # after the look-up the Pricing Specialist answers from the passages it already had;
    # a specialist taking over has its own scope searched (its passages are not the Greeter's),
    # ahead: while the model read the previous agent's prompt
    assert searches == {
        1: [("greeter", False, False)],
        2: [("greeter", False, False), ("technical", False, True)],
        3: [("technical", False, False), ("pricing", False, True)],
        4: [("pricing", False, False), ("pricing", True, False)],
    }
    look_up = [e for e in events if isinstance(e, RetrievalEvent) and e.turn_id == 4]
    assert look_up[1].passages == look_up[0].passages


def test_the_agent_taking_over_reuses_the_lines_encoding(data_dir: Path) -> None:
    if not encoder.available():
        pytest.skip("the contextual encoder is not installed")
    index = KnowledgeIndex(BUNDLED_KNOWLEDGE, data_dir / "index-encoded")
    index.update()
    assert index.wait_contextual(300)
    line = "What would the Professional plan cost us per month?"
    _encoded_query.cache_clear()
    greeter = index.search(line, k=8, agent="greeter")
    pricing = index.search(line, k=8, agent="pricing")
    encoded = _encoded_query.cache_info()
    assert (encoded.misses, encoded.hits) == (1, 1)  # encoded once, for both agents
    assert {p.scorer for p in greeter + pricing} == {"minilm"}
    assert any(p.scope == ("pricing",) for p in pricing)
    assert not any(p.scope == ("pricing",) for p in greeter)


@pytest.fixture(scope="module")
def index(data_dir: Path) -> Iterator[KnowledgeIndex]:
    with KnowledgeIndex(BUNDLED_KNOWLEDGE, data_dir / "index-lines") as opened:
        opened.update()
        yield opened


def test_a_colleague_searched_ahead_finds_its_passages_ready(index: KnowledgeIndex) -> None:
    lines = LineSearch(index)
    line = "What would the Professional plan cost us per month?"
    assert lines.passages(1, line, 8, "technical") == LineResult(
        index.search(line, k=8, agent="technical"), reused=False
    )
    assert lines.ready(1, line, 8, "pricing") is None  # not searched yet
    search = lines.search_ahead(1, line, 8, ("pricing", "technical"))
    assert search is not None  # the technical search is done: only pricing is claimed
    assert lines.ready(1, line, 8, "pricing") is None  # claimed, not yet made
    search()
    taken = lines.ready(1, line, 8, "pricing")
    assert taken == LineResult(index.search(line, k=8, agent="pricing"), False, ahead=True)
    again = lines.ready(1, line, 8, "pricing")  # asked again (after a look-up): reused
    assert again is not None and (again.reused, again.ahead) == (True, False)
    assert lines.search_ahead(1, line, 8, ("pricing", "technical")) is None  # all made


def test_an_agent_asking_during_a_search_ahead_shares_it(index: KnowledgeIndex) -> None:
    lines = LineSearch(index)
    line = "Is there a discount if we sign for three years?"
    search = lines.search_ahead(3, line, 8, ("pricing",))
    assert search is not None
    with ThreadPoolExecutor(1) as pool:
        asked = pool.submit(lines.passages, 3, line, 8, "pricing")  # waits for the claim
        search()
        result = asked.result(timeout=60)
    assert result.ahead and not result.reused
    assert result.passages == index.search(line, k=8, agent="pricing")


def test_a_line_the_customer_has_left_is_not_searched_ahead(index: KnowledgeIndex) -> None:
    lines = LineSearch(index)
    lines.passages(2, "How long does the battery last?", 8, "greeter")
    assert lines.search_ahead(1, "Hi there", 8, ("technical", "pricing")) is None
    assert lines.ready(1, "Hi there", 8, "technical") is None
    # and a new line forgets the last one's searches
    lines.passages(3, "Hi there", 8, "greeter")
    assert lines.ready(3, "How long does the battery last?", 8, "greeter") is None
