"""CerebrasLLM through the real cerebras-cloud-sdk against a Cerebras-compatible local server.

Only the network is replaced: requests leave the SDK over HTTP to ``CerebrasServer`` on
127.0.0.1, which answers in Cerebras' wire format and can be scripted to fail.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from livekit.agents import (
    Agent,
    AgentSession,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    function_tool,
    llm,
)
from livekit.agents.metrics import LLMModelUsage

from simulator.providers.cerebras import (
    TIME_INFO_KEY,
    CerebrasLLM,
    CerebrasRetry,
    CerebrasTimeInfo,
)
from tests.fakes.cerebras_server import CerebrasServer, Fault, LatencyModel, Reply, ToolCall

API_KEY = "csk-test-not-a-real-key"
SYSTEM = "You are the Greeter of Acme Sensors."
QUESTION = "Do you have the TH-200 in stock?"


@pytest.fixture
async def server() -> AsyncIterator[CerebrasServer]:
    async with CerebrasServer(api_key=API_KEY) as server:
        yield server


@pytest.fixture
async def make_llm(server: CerebrasServer) -> AsyncIterator[Callable[..., CerebrasLLM]]:
    created: list[CerebrasLLM] = []

    def make(**options: Any) -> CerebrasLLM:
        options = {"api_key": API_KEY, "base_url": server.base_url, **options}
        cerebras = CerebrasLLM(**options)
        created.append(cerebras)
        return cerebras

    yield make
    for cerebras in created:
        await cerebras.aclose()


def _chat_ctx() -> llm.ChatContext:
    ctx = llm.ChatContext.empty()
    ctx.add_message(role="system", content=SYSTEM)
    ctx.add_message(role="user", content=QUESTION)
    return ctx


async def _chunks(stream: llm.LLMStream) -> list[llm.ChatChunk]:
    async with stream:
        return [chunk async for chunk in stream]


def _text(chunks: list[llm.ChatChunk]) -> str:
    return "".join(c.delta.content for c in chunks if c.delta and c.delta.content)


@function_tool
async def check_stock(sku: str) -> str:
    """Look up how many units of a product are in stock.

    Args:
        sku: The product's SKU, for example "TH-200".
    """
    return f"{sku}: 42 units in stock"


# -- streaming -------------------------------------------------------------------------------


async def test_streamed_text_arrives_in_order_and_reasoning_is_not_spoken(server, make_llm):
    answer = "Yes, the TH-200 is in stock and ships within two days."
    server.enqueue(Reply(text=answer, reasoning="The user asks about stock."))

    chunks = await _chunks(make_llm().chat(chat_ctx=_chat_ctx()))

    text_chunks = [c for c in chunks if c.delta and c.delta.content]
    assert len(text_chunks) == len(answer.split())
    assert _text(chunks) == answer
    assert all(c.delta.role == "assistant" for c in text_chunks)


async def test_tool_call_split_over_deltas_arrives_as_one_call(server, make_llm):
    arguments = {"sku": "TH-200", "warehouse": "Rotterdam", "quantity": 12}
    server.enqueue(Reply(tool_calls=[ToolCall("check_stock", arguments, id="call_abc")]))

    chunks = await _chunks(make_llm().chat(chat_ctx=_chat_ctx(), tools=[check_stock]))

    calls = [call for c in chunks if c.delta for call in c.delta.tool_calls]
    assert [(call.name, call.call_id) for call in calls] == [("check_stock", "call_abc")]
    assert json.loads(calls[0].arguments) == arguments
    assert _text(chunks) == ""


async def test_two_tool_calls_in_one_answer_arrive_in_index_order(server, make_llm):
    server.enqueue(
        Reply(
            tool_calls=[
                ToolCall("check_stock", {"sku": "A-1"}),
                ToolCall("check_stock", {"sku": "B-2"}),
            ]
        )
    )

    chunks = await _chunks(make_llm().chat(chat_ctx=_chat_ctx(), tools=[check_stock]))

    calls = [call for c in chunks if c.delta for call in c.delta.tool_calls]
    assert [json.loads(call.arguments)["sku"] for call in calls] == ["A-1", "B-2"]
    assert len({call.call_id for call in calls}) == 2


async def test_usage_and_time_info_reach_the_final_chunk(server, make_llm):
    server.latency = LatencyModel(
        first_token_base_s=0.002, prefill_tokens_per_s=100_000, tokens_per_s=20_000
    )
    server.enqueue(Reply(text="The TH-200 costs what the price list says."))

    stream = make_llm().chat(chat_ctx=_chat_ctx())
    chunks = await _chunks(stream)

    final = chunks[-1]
    reported = server.reported_usage[0]
    assert final.usage == llm.CompletionUsage(
        prompt_tokens=reported["prompt_tokens"],
        completion_tokens=reported["completion_tokens"],
        total_tokens=reported["total_tokens"],
        prompt_cached_tokens=0,
    )
    assert not final.has_response()
    assert final.delta is not None and final.delta.content is None
    time_info = CerebrasTimeInfo.from_extra(final.delta.extra)
    assert time_info == stream.time_info
    assert time_info is not None and time_info.queue_time == pytest.approx(0.002)
    assert time_info.prompt_time == pytest.approx(reported["prompt_tokens"] / 100_000)
    assert time_info.completion_time == pytest.approx(reported["completion_tokens"] / 20_000)
    assert time_info.total_time == pytest.approx(
        time_info.queue_time + time_info.prompt_time + time_info.completion_time
    )
    assert stream.usage == final.usage
    assert [c for c in chunks if c.usage is not None] == [final]


async def test_the_request_on_the_wire(server, make_llm):
    server.enqueue(Reply(text="Hello."))

    await _chunks(make_llm(temperature=0.2).chat(chat_ctx=_chat_ctx(), tools=[check_stock]))

    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.model == "gpt-oss-120b"
    assert request.stream is True
    assert request.body["temperature"] == 0.2
    assert [(m["role"], m["content"]) for m in request.messages] == [
        ("system", SYSTEM),
        ("user", QUESTION),
    ]
    (tool,) = request.tools
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "check_stock"
    assert "in stock" in tool["function"]["description"]
    assert tool["function"]["parameters"]["properties"]["sku"]["type"] == "string"
    assert tool["function"]["parameters"]["required"] == ["sku"]
    assert request.has_bearer(API_KEY)
    assert API_KEY not in repr(request) and API_KEY not in json.dumps(dict(request.headers))


# -- failures ----------------------------------------------------------------------------------


async def test_rate_limited_twice_then_the_answer_arrives(server, make_llm):
    server.enqueue(Reply(text="Here it is.", fault=Fault.status(429, retry_after="0", times=2)))

    chunks = await _chunks(make_llm(max_retries=2).chat(chat_ctx=_chat_ctx()))

    assert _text(chunks) == "Here it is."
    assert len(server.requests) == 3


async def test_persistent_server_error_is_a_readable_status_error(server, make_llm):
    # Retry-After in (0, 60] s is honoured by the SDK; 10 ms keeps the test fast
    server.enqueue(Reply(fault=Fault.status(500, retry_after="0.01", message="boom", times=None)))

    with pytest.raises(APIStatusError) as caught:
        await _chunks(make_llm(max_retries=2).chat(chat_ctx=_chat_ctx()))

    error = caught.value
    assert error.status_code == 500
    assert error.retryable is False
    assert error.message == "Cerebras returned 500 (server error) after 2 retries: boom"
    assert len(server.requests) == 3


async def test_wrong_key_is_not_retried_and_never_shown(server, make_llm):
    wrong_key = "csk-wrong-key-123"

    with pytest.raises(APIStatusError) as caught:
        await _chunks(make_llm(api_key=wrong_key).chat(chat_ctx=_chat_ctx()))

    error = caught.value
    assert error.status_code == 401
    assert error.message.startswith("Cerebras returned 401 (invalid API key)")
    assert len(server.requests) == 1
    for shown in (str(error), repr(error), error.message, repr(server.requests[0])):
        assert wrong_key not in shown and API_KEY not in shown


async def test_no_answer_within_the_timeout_is_a_timeout_error(server, make_llm):
    server.enqueue(Reply(text="too late", fault=Fault.timeout()))

    with pytest.raises(APITimeoutError) as caught:
        await _chunks(make_llm(timeout_s=0.5, max_retries=0).chat(chat_ctx=_chat_ctx()))

    assert caught.value.retryable is False
    assert "did not answer within 0.5 s" in caught.value.message
    assert len(server.requests) == 1


async def test_a_stream_that_stalls_mid_answer_is_a_timeout_error(server, make_llm):
    server.enqueue(Reply(text="one two three four", fault=Fault.timeout(after_chunks=3)))
    received: list[str] = []

    with pytest.raises(APITimeoutError) as caught:
        async with make_llm(timeout_s=0.5).chat(chat_ctx=_chat_ctx()) as stream:
            async for chunk in stream:
                received.append(chunk.delta.content if chunk.delta else "")

    assert received == ["one", " two"]
    assert "mid-answer" in caught.value.message
    assert len(server.requests) == 1  # the SDK does not retry once the stream has begun


async def test_a_connection_reset_mid_stream_is_a_connection_error(server, make_llm):
    server.enqueue(Reply(text="one two three four", fault=Fault.reset(after_chunks=3)))
    received: list[str] = []

    with pytest.raises(APIConnectionError) as caught:
        async with make_llm().chat(chat_ctx=_chat_ctx()) as stream:
            async for chunk in stream:
                received.append(chunk.delta.content if chunk.delta else "")

    assert not isinstance(caught.value, APITimeoutError)
    assert caught.value.retryable is False
    assert received == ["one", " two"]
    assert "broke off mid-answer" in str(caught.value)


async def test_a_malformed_stream_is_a_connection_error(server, make_llm):
    server.enqueue(Reply(text="one two three", fault=Fault.malformed()))

    with pytest.raises(APIConnectionError) as caught:
        await _chunks(make_llm().chat(chat_ctx=_chat_ctx()))

    assert caught.value.message == "Cerebras sent a malformed stream event"
    assert caught.value.retryable is False


async def test_an_error_event_mid_stream_is_a_status_error(server, make_llm):
    server.enqueue(Reply(text="one two three", fault=Fault.stream_error(503, message="overloaded")))

    with pytest.raises(APIStatusError) as caught:
        await _chunks(make_llm().chat(chat_ctx=_chat_ctx()))

    assert caught.value.status_code == 503
    assert caught.value.message == (
        "Cerebras reported an error mid-answer (503, service unavailable): overloaded"
    )
    assert len(server.requests) == 1


async def test_a_stream_that_ends_without_a_finish_reason_is_cut_not_complete(server, make_llm):
    server.enqueue(
        Reply(text="Our Professional plan is eleven dollars", fault=Fault.cut(after_chunks=5))
    )
    received: list[str] = []

    with pytest.raises(APIConnectionError) as caught:
        async with make_llm().chat(chat_ctx=_chat_ctx()) as stream:
            async for chunk in stream:
                received.append(chunk.delta.content if chunk.delta else "")

    assert "".join(received) == "Our Professional plan is"
    assert caught.value.message == (
        "Cerebras's answer was cut off (the stream ended without a finish reason)"
    )
    assert caught.value.retryable is False


async def test_a_cut_stream_never_delivers_the_tool_call_it_had_begun(server, make_llm):
    server.enqueue(
        Reply(
            tool_calls=[ToolCall("check_stock", {"sku": "TH-200"})], fault=Fault.cut(after_chunks=3)
        )
    )

    with pytest.raises(APIConnectionError, match="cut off"):
        async with make_llm().chat(chat_ctx=_chat_ctx(), tools=[check_stock]) as stream:
            async for chunk in stream:
                assert not (chunk.delta and chunk.delta.tool_calls), "a half-streamed call"


async def test_a_server_without_system_fingerprint_streams_text_tools_and_timings(make_llm):
    """OpenAI-compatible servers (vLLM, llama.cpp, proxies) leave the fingerprint out; the SDK
    then parses chunks into the wrong model with dict deltas. Everything must still arrive."""
    async with CerebrasServer(api_key=API_KEY, fingerprint=False) as bare:
        bare.enqueue(
            Reply(text="Let me check."),
            Reply(tool_calls=[ToolCall("check_stock", {"sku": "TH-200"}, id="call_1")]),
        )
        cerebras = make_llm(base_url=bare.base_url)
        text_stream = cerebras.chat(chat_ctx=_chat_ctx())
        text = await _chunks(text_stream)
        calls = await _chunks(cerebras.chat(chat_ctx=_chat_ctx(), tools=[check_stock]))

    assert _text(text) == "Let me check."
    assert text_stream.usage is not None and text_stream.time_info is not None
    assert text_stream.usage.completion_tokens == bare.reported_usage[0]["completion_tokens"]
    found = [call for c in calls if c.delta for call in c.delta.tool_calls]
    assert [(c.name, c.call_id, json.loads(c.arguments)) for c in found] == [
        ("check_stock", "call_1", {"sku": "TH-200"})
    ]


async def test_each_retry_of_the_sdk_is_announced(server, make_llm):
    server.enqueue(Reply(text="Here.", fault=Fault.status(503, retry_after="0", times=1)))
    server.enqueue(Reply(text="Again.", fault=Fault.timeout(hold_s=5, times=1)))
    cerebras = make_llm(max_retries=2, timeout_s=0.3)
    retries: list[CerebrasRetry] = []
    cerebras.on("retrying", retries.append)

    assert _text(await _chunks(cerebras.chat(chat_ctx=_chat_ctx()))) == "Here."
    assert _text(await _chunks(cerebras.chat(chat_ctx=_chat_ctx()))) == "Again."

    assert retries == [
        CerebrasRetry(attempt=2, attempts=3, after="answered 503 (service unavailable)"),
        CerebrasRetry(attempt=2, attempts=3, after="did not answer"),
    ]


async def test_a_huge_error_message_from_the_server_is_cut_to_a_readable_length(server, make_llm):
    server.enqueue(Reply(fault=Fault.status(400, message="x" * 1_000_000)))

    with pytest.raises(APIStatusError) as caught:
        await _chunks(make_llm().chat(chat_ctx=_chat_ctx()))

    assert caught.value.message.startswith("Cerebras returned 400 (bad request): xxx")
    assert len(caught.value.message) < 300


async def test_unreachable_server_is_a_connection_error(server, make_llm):
    cerebras = make_llm(max_retries=0)
    await server.stop()

    with pytest.raises(APIConnectionError) as caught:
        await _chunks(cerebras.chat(chat_ctx=_chat_ctx()))

    assert not isinstance(caught.value, APITimeoutError)
    assert caught.value.message.startswith("Could not reach Cerebras at http://127.0.0.1:")


def test_a_missing_key_fails_at_construction(monkeypatch):
    monkeypatch.delenv("CEREBRAS_API_KEY", raising=False)

    with pytest.raises(ValueError, match="CEREBRAS_API_KEY"):
        CerebrasLLM(base_url="http://127.0.0.1:9")


async def test_key_and_base_url_come_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("CEREBRAS_API_KEY", API_KEY)
    monkeypatch.setenv("CEREBRAS_BASE_URL", server.base_url)
    server.enqueue(Reply(text="From the environment."))

    async with CerebrasLLM(model="llama3.1-8b") as cerebras:
        assert (cerebras.provider, cerebras.model) == ("cerebras", "llama3.1-8b")
        chunks = await _chunks(cerebras.chat(chat_ctx=_chat_ctx()))

    assert _text(chunks) == "From the environment."
    assert server.requests[0].model == "llama3.1-8b"


async def test_prewarm_opens_a_connection_on_the_warming_endpoint(server, make_llm):
    make_llm().prewarm()

    await server.wait_until(lambda: server.warmups == 1)


# -- in a livekit AgentSession -----------------------------------------------------------------


class _StockAgent(Agent):
    def __init__(self) -> None:
        super().__init__(instructions=SYSTEM, tools=[check_stock])


def _stock_responder(body: dict) -> Reply:
    messages = body["messages"]
    if messages[-1]["role"] == "tool":
        return Reply(text="We have 42 units of the TH-200 in stock.")
    if "stock" in messages[-1]["content"]:
        return Reply(tool_calls=[ToolCall("check_stock", {"sku": "TH-200"})])
    return Reply(text="Hello! How can I help?")


async def test_agent_session_replies_and_round_trips_a_tool_call(server, make_llm):
    server.responder = _stock_responder
    cerebras = make_llm()

    async with AgentSession(llm=cerebras) as session:
        await session.start(_StockAgent())

        greeting = await session.run(user_input="Hi there")
        message = greeting.expect.next_event().is_message(role="assistant").event().item
        greeting.expect.no_more_events()
        assert message.text_content == "Hello! How can I help?"
        assert CerebrasTimeInfo.from_extra(message.extra) is not None

        stock = await session.run(user_input=QUESTION)
        stock.expect.next_event().is_function_call(name="check_stock", arguments={"sku": "TH-200"})
        stock.expect.next_event().is_function_call_output(output="TH-200: 42 units in stock")
        reply = stock.expect.next_event().is_message(role="assistant").event().item
        stock.expect.no_more_events()
        assert reply.text_content == "We have 42 units of the TH-200 in stock."

        usage = [u for u in session.usage.model_usage if isinstance(u, LLMModelUsage)]

    assert len(server.requests) == 3
    assert server.requests[0].tool_names == ["check_stock"]
    after_tool = server.requests[2].messages
    call_message, output_message = after_tool[-2], after_tool[-1]
    (call,) = call_message["tool_calls"]
    assert call["function"]["name"] == "check_stock"
    assert output_message == {
        "role": "tool",
        "tool_call_id": call["id"],
        "content": "TH-200: 42 units in stock",
    }
    # the greeting's time_info stays in our ChatMessage.extra; it is never sent back to the model
    assert TIME_INFO_KEY not in json.dumps(server.requests[1].body)

    (llm_usage,) = usage
    assert (llm_usage.provider, llm_usage.model) == ("cerebras", "gpt-oss-120b")
    assert llm_usage.input_tokens == sum(u["prompt_tokens"] for u in server.reported_usage)
    assert llm_usage.output_tokens == sum(u["completion_tokens"] for u in server.reported_usage)
