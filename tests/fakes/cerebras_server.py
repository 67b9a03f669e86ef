"""A Cerebras-compatible chat-completions server on 127.0.0.1, for tests and benchmarks.

It speaks the wire format the real ``cerebras-cloud-sdk`` parses (OpenAI-style SSE chunks with
``system_fingerprint``, ``"type": "function"`` in every tool-call delta, and ``usage`` plus
Cerebras' ``time_info`` in the last chunk), so tests replace only the network, never our code::

    async with CerebrasServer(replies=[Reply(text="Hello there.")]) as server:
        llm = CerebrasLLM(api_key="test-key", base_url=server.base_url)
        ...
        assert server.requests[0].model == "gpt-oss-120b"

What each request gets, in order: the reply at the head of the queue (``replies=`` and
:meth:`CerebrasServer.enqueue`), else ``responder(body)``, else a 500 saying nothing was scripted.
A queued reply with a fault gets the fault for ``fault.times`` requests, then is served cleanly
once: ``Reply(text="ok", fault=Fault.status(429, retry_after="0", times=2))`` is two 429s then
"ok". ``times=None`` repeats the fault on every request. A responder's reply is served as-is.

Every wait inside the server (latency model, ``timeout`` faults) ends when the server stops.
"""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from tests.fakes.local_server import LocalServer, sha256

FaultKind = Literal["status", "timeout", "reset", "cut", "malformed", "stream_error"]

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "too_many_requests_error",
    500: "internal_server_error",
    503: "service_unavailable_error",
}


@dataclass(frozen=True)
class ToolCall:
    """A function call the fake model makes; ``arguments`` are sent as streamed JSON text."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None
    """The call id on the wire; generated when ``None``."""


@dataclass(frozen=True)
class Fault:
    """Something going wrong on the wire. Build one with the class methods."""

    kind: FaultKind
    code: int = 500
    retry_after: str | None = None
    message: str | None = None
    after_chunks: int = 0
    """SSE chunks sent before the fault hits, the opening ``{"role": "assistant"}`` one included
    (a ``timeout`` with 0 holds before any response header)."""
    times: int | None = 1
    """Requests in a row that get the fault (for a queued reply); ``None`` means every request."""
    hold_s: float = 30.0
    """How long a ``timeout`` holds the response at most (it also ends when the server stops)."""

    @classmethod
    def status(
        cls,
        code: int,
        *,
        retry_after: str | None = None,
        message: str | None = None,
        times: int | None = 1,
    ) -> Fault:
        """An HTTP error with a Cerebras-style JSON body and, if given, a ``Retry-After`` header."""
        return cls("status", code=code, retry_after=retry_after, message=message, times=times)

    @classmethod
    def timeout(
        cls, *, after_chunks: int = 0, hold_s: float = 30.0, times: int | None = 1
    ) -> Fault:
        """Hold the response (before the headers, or after ``after_chunks`` chunks) for
        ``hold_s`` or until the server stops; a request held before its headers then gets 504."""
        return cls("timeout", after_chunks=after_chunks, hold_s=hold_s, times=times)

    @classmethod
    def reset(cls, *, after_chunks: int = 3, times: int | None = 1) -> Fault:
        """Send ``after_chunks`` chunks, then drop the connection mid-body."""
        return cls("reset", after_chunks=after_chunks, times=times)

    @classmethod
    def cut(cls, *, after_chunks: int = 3, times: int | None = 1) -> Fault:
        """Send ``after_chunks`` chunks, then end the body cleanly: no finish reason, no
        ``[DONE]`` (a proxy or a load balancer that closes an idle or over-long response)."""
        return cls("cut", after_chunks=after_chunks, times=times)

    @classmethod
    def malformed(cls, *, after_chunks: int = 2, times: int | None = 1) -> Fault:
        """Send ``after_chunks`` chunks, then a ``data:`` line that is not JSON."""
        return cls("malformed", after_chunks=after_chunks, times=times)

    @classmethod
    def stream_error(
        cls,
        code: int = 500,
        *,
        message: str | None = None,
        after_chunks: int = 2,
        times: int | None = 1,
    ) -> Fault:
        """Send ``after_chunks`` chunks, then an ``{"error": ...}`` event (the server gave up)."""
        return cls(
            "stream_error", code=code, message=message, after_chunks=after_chunks, times=times
        )


@dataclass(frozen=True)
class Reply:
    """What the fake model answers to one request."""

    text: str = ""
    tool_calls: Sequence[ToolCall] = ()
    fault: Fault | None = None
    reasoning: str = ""
    """Streamed first as ``delta.reasoning``, as gpt-oss does; a client must not speak it."""


@dataclass(frozen=True)
class LatencyModel:
    """A provider's timing: first token after ``first_token_base_s`` plus prefill of the prompt
    (``len(text) / 4`` tokens over all messages), then tokens at ``tokens_per_s``.
    A rate of 0 means instantaneous. The default has no delay at all."""

    first_token_base_s: float = 0.0
    prefill_tokens_per_s: float = 0.0
    tokens_per_s: float = 0.0

    def prompt_s(self, prompt_tokens: float) -> float:
        return prompt_tokens / self.prefill_tokens_per_s if self.prefill_tokens_per_s > 0 else 0.0

    def tokens_s(self, tokens: float) -> float:
        return tokens / self.tokens_per_s if self.tokens_per_s > 0 else 0.0


@dataclass(frozen=True)
class RecordedRequest:
    """One chat-completions request as it reached the server. The bearer token is never kept:
    only its hash, so :meth:`has_bearer` can check it and nothing printed can leak it."""

    path: str
    headers: Mapping[str, str] = field(repr=False)
    """Request headers; ``Authorization`` is replaced by ``<redacted>``."""
    body: Mapping[str, Any]
    _bearer_sha256: str | None = field(default=None, repr=False)
    client_port: int | None = None
    """The client's port of the TCP connection it came on (requests on one kept-alive
    connection share it)."""

    @property
    def model(self) -> str | None:
        return self.body.get("model")

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list(self.body.get("tools") or [])

    @property
    def tool_names(self) -> list[str]:
        return [tool.get("function", {}).get("name") for tool in self.tools]

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    def has_bearer(self, api_key: str) -> bool:
        return self._bearer_sha256 == sha256(api_key)


Responder = Callable[[dict[str, Any]], Reply]


class CerebrasServer(LocalServer):
    """An aiohttp server speaking Cerebras' chat-completions API on 127.0.0.1 (see module doc)."""

    def __init__(
        self,
        *,
        replies: Iterable[Reply] = (),
        responder: Responder | None = None,
        latency: LatencyModel | None = None,
        api_key: str | None = None,
        fingerprint: bool = True,
        port: int = 0,
    ) -> None:
        """
        Args:
            replies: Replies served in order, one per request (faults first, see module doc).
            responder: Called with the request body when the queue is empty.
            latency: Timing model for benchmarks; none by default.
            api_key: When set, requests with another bearer token get 401.
            fingerprint: ``False`` leaves ``system_fingerprint`` out of every chunk, as many
                OpenAI-compatible servers (vLLM, llama.cpp, proxies) do; the SDK then hands
                back plain dicts where it would give typed objects.
            port: 0 picks a free port; read the real one from :attr:`port`.
        """
        self.responder = responder
        self.latency = latency or LatencyModel()
        self.fingerprint = fingerprint
        self.requests: list[RecordedRequest] = []
        """Every ``POST /v1/chat/completions``, faulted ones included, in arrival order."""
        self.warmups = 0
        """How many ``GET /v1/tcp_warming`` requests arrived."""
        self.reported_usage: list[dict[str, Any]] = []
        """The ``usage`` of every completion sent to its end, in order."""
        super().__init__(port=port)
        self._queue: deque[_Queued] = deque()
        self._api_key_sha256 = sha256(api_key) if api_key else None
        self.enqueue(*replies)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._chat_completions)
        app.router.add_get("/v1/tcp_warming", self._tcp_warming)

    # -- scripting ---------------------------------------------------------------------------

    def enqueue(self, *replies: Reply) -> None:
        for reply in replies:
            faults = reply.fault.times if reply.fault is not None else 0
            self._queue.append(_Queued(reply, faults))

    @property
    def pending_replies(self) -> int:
        return len(self._queue)

    async def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Wait until ``count`` chat requests have arrived (or raise ``TimeoutError``)."""
        await self.wait_until(lambda: len(self.requests) >= count, timeout)
        return self.requests[:count]

    def _next_reply(self, body: dict[str, Any]) -> tuple[Reply, Fault | None]:
        if self._queue:
            head = self._queue[0]
            if head.faults_left is None or head.faults_left > 0:
                if head.faults_left is not None:
                    head.faults_left -= 1
                return head.reply, head.reply.fault
            self._queue.popleft()
            return head.reply, None
        if self.responder is not None:
            reply = self.responder(body)
            return reply, reply.fault
        return Reply(), Fault.status(
            500, message="CerebrasServer: no reply scripted for this request"
        )

    # -- handlers ----------------------------------------------------------------------------

    async def _tcp_warming(self, request: web.Request) -> web.StreamResponse:
        self.warmups += 1
        await self._notify()
        return web.Response(text="OK")

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            return _error_response(400, "request body is not JSON")
        authorization = request.headers.get("Authorization", "")
        bearer = authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else None
        headers = {
            name: ("<redacted>" if name.lower() == "authorization" else value)
            for name, value in request.headers.items()
        }
        self.requests.append(
            RecordedRequest(
                path=request.path,
                headers=headers,
                body=body,
                _bearer_sha256=sha256(bearer) if bearer else None,
                client_port=_client_port(request),
            )
        )
        await self._notify()

        if self._api_key_sha256 and (not bearer or sha256(bearer) != self._api_key_sha256):
            return _error_response(401, "Wrong API Key", error_type="invalid_request_error")

        reply, fault = self._next_reply(body)
        if fault is not None and fault.kind == "status":
            return _error_response(
                fault.code,
                fault.message or f"fake Cerebras error {fault.code}",
                retry_after=fault.retry_after,
            )
        if fault is not None and fault.kind == "timeout" and fault.after_chunks == 0:
            await self._pause(fault.hold_s)
            return _error_response(504, "held past the client's timeout")

        completion = _Completion(reply, body, self.latency, fingerprint=self.fingerprint)
        if not body.get("stream"):
            await self._pause(completion.first_token_s + completion.completion_s)
            self.reported_usage.append(completion.usage())
            return web.json_response(completion.response_body())
        return await self._stream(request, completion, fault)

    async def _stream(
        self, request: web.Request, completion: _Completion, fault: Fault | None
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "x-request-id": completion.id,
            }
        )
        await response.prepare(request)
        try:
            await self._pause(completion.first_token_s)
            sent = 0
            for chunk, tokens in completion.chunks():
                if fault is not None and sent >= fault.after_chunks:
                    return await self._inject(request, response, fault)
                await self._pause(self.latency.tokens_s(tokens))
                await response.write(_sse(chunk))
                sent += 1
            if fault is not None:  # the reply had fewer chunks than after_chunks
                return await self._inject(request, response, fault)
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
        except ConnectionResetError:
            # the client went away (it timed out, or an interrupted turn closed the stream)
            return response
        self.reported_usage.append(completion.usage())
        return response

    async def _inject(
        self, request: web.Request, response: web.StreamResponse, fault: Fault
    ) -> web.StreamResponse:
        if fault.kind == "malformed":
            await response.write(b'data: {"id": "chatcmpl-broken", "choices": [\n\n')
            await response.write_eof()
        elif fault.kind == "stream_error":
            error = _error_body(fault.code, fault.message or f"fake Cerebras error {fault.code}")
            await response.write(_sse({"error": error, "status_code": fault.code}))
            await response.write_eof()
        elif fault.kind == "timeout":
            await self._pause(fault.hold_s)
            await response.write_eof()
        elif fault.kind == "cut":
            await response.write_eof()
        elif fault.kind == "reset":
            # the body is chunked: closing the socket before the terminating chunk is a reset
            # mid-stream to the client (httpx raises RemoteProtocolError)
            if request.transport is not None:
                request.transport.abort()
        return response


@dataclass
class _Queued:
    reply: Reply
    faults_left: int | None


class _Completion:
    """One reply rendered in the OpenAI/Cerebras wire format, with its modelled timing."""

    def __init__(
        self, reply: Reply, body: Mapping[str, Any], latency: LatencyModel, *, fingerprint: bool
    ) -> None:
        self.reply = reply
        self.fingerprint = fingerprint
        self.id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        self.model = str(body.get("model") or "gpt-oss-120b")
        self.created = int(time.time())
        self.prompt_tokens = _prompt_tokens(body.get("messages") or [])
        self.calls = [
            (
                call.id or f"call_{uuid.uuid4().hex[:12]}",
                call.name,
                json.dumps(dict(call.arguments)),
            )
            for call in reply.tool_calls
        ]
        generated = reply.reasoning + reply.text + "".join(args for _, _, args in self.calls)
        self.completion_tokens = _estimate_tokens(generated)
        self.queue_s = latency.first_token_base_s
        self.prompt_s = latency.prompt_s(self.prompt_tokens)
        self.completion_s = latency.tokens_s(self.completion_tokens)
        self.first_token_s = self.queue_s + self.prompt_s

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.calls else "stop"

    def usage(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0},
        }

    def time_info(self) -> dict[str, float]:
        return {
            "queue_time": self.queue_s,
            "prompt_time": self.prompt_s,
            "completion_time": self.completion_s,
            "total_time": self.queue_s + self.prompt_s + self.completion_s,
            "created": time.time(),
        }

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        chunk = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": "fp_fake_cerebras",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }
        if not self.fingerprint:
            del chunk["system_fingerprint"]
        return chunk

    def chunks(self) -> Iterable[tuple[dict[str, Any], float]]:
        """Each SSE chunk and the tokens it carries (which the latency model paces)."""
        yield self._chunk({"role": "assistant"}), 0
        for piece in _words(self.reply.reasoning):
            yield self._chunk({"reasoning": piece}), len(piece) / 4
        for piece in _words(self.reply.text):
            yield self._chunk({"content": piece}), len(piece) / 4
        for index, (call_id, name, arguments) in enumerate(self.calls):
            head = {"name": name, "arguments": ""}
            yield self._tool_delta(index, head, call_id), 1
            for piece in _pieces(arguments, 3):
                yield self._tool_delta(index, {"arguments": piece}), len(piece) / 4
        last = self._chunk({}, self.finish_reason)
        last["usage"] = self.usage()
        last["time_info"] = self.time_info()
        yield last, 0

    def _tool_delta(
        self, index: int, function: dict[str, str], call_id: str | None = None
    ) -> dict[str, Any]:
        call: dict[str, Any] = {"index": index, "type": "function", "function": function}
        if call_id is not None:
            call["id"] = call_id
        return self._chunk({"tool_calls": [call]})

    def response_body(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self.reply.text}
        if self.calls:
            message["tool_calls"] = [
                {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}
                for call_id, name, args in self.calls
            ]
        body = {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": "fp_fake_cerebras",
            "choices": [{"index": 0, "message": message, "finish_reason": self.finish_reason}],
            "usage": self.usage(),
            "time_info": self.time_info(),
        }
        if not self.fingerprint:
            del body["system_fingerprint"]
        return body


def _error_response(
    status: int,
    message: str,
    *,
    retry_after: str | None = None,
    error_type: str | None = None,
) -> web.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else None
    body = _error_body(status, message, error_type=error_type)
    return web.json_response(body, status=status, headers=headers)


def _error_body(status: int, message: str, *, error_type: str | None = None) -> dict[str, str]:
    return {
        "message": message,
        "type": error_type or _ERROR_TYPES.get(status, "api_error"),
        "param": "",
        "code": str(status),
    }


def _sse(chunk: Mapping[str, Any]) -> bytes:
    return f"data: {json.dumps(chunk)}\n\n".encode()


def _words(text: str) -> list[str]:
    """Word-level deltas, each carrying its leading whitespace, like tokenizer output."""
    return re.findall(r"\s*\S+|\s+$", text)


def _pieces(text: str, count: int) -> list[str]:
    size = max(1, math.ceil(len(text) / count))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def _prompt_tokens(messages: Iterable[Mapping[str, Any]]) -> int:
    text: list[str] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            text.append(content)
        elif isinstance(content, list):
            text.extend(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
        for call in message.get("tool_calls") or []:
            text.append(str(call.get("function", {}).get("arguments", "")))
    return _estimate_tokens("".join(text))


def _client_port(request: web.Request) -> int | None:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return int(peer[1]) if isinstance(peer, tuple) and len(peer) >= 2 else None
