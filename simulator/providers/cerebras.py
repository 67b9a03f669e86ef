"""Cerebras chat completions behind livekit-agents' ``llm.LLM``, through the official SDK.

Why not ``livekit-plugins-cerebras``: that plugin is the OpenAI plugin pointed at Cerebras. It
sends msgpack+gzip request bodies by default and drops what the OpenAI client does not model, in
particular Cerebras' ``time_info`` (queue, prompt and completion time measured on the server),
which our latency panel shows. ``cerebras-cloud-sdk`` parses ``time_info`` and retries 429/5xx and
timeouts itself with backoff (honouring ``Retry-After``), so this adapter stays thin:

- the chat context and tools are converted with livekit's own OpenAI-format helpers (a tool
  set's schemas once, :func:`tool_schemas`) and posted through the SDK's client as they are;
- chunks are read as the plain JSON the server sent, so any compatible server works;
- a finished stream's connection goes back to the pool (:mod:`~simulator.providers.keep_alive`):
  the team's requests share one client and its warm connections;
- text deltas stream out as ``ChatChunk``; tool-call deltas are gathered by index and emitted as
  whole ``FunctionToolCall``s once the response is closed, so the request a tool call leads to
  (a handoff's, a look-up's) finds the connection free;
- a stream that ends without a finish reason was cut (a proxy, a dropped connection closed
  cleanly): it is a failure, never a short answer;
- each retry the SDK makes is announced as a ``"retrying"`` event (:class:`CerebrasRetry`), so
  the customer hears "still waiting…" rather than silence;
- the last chunk carries ``usage`` and, in ``delta.extra[TIME_INFO_KEY]``, the server's time_info
  (livekit copies ``delta.extra`` onto the assistant ``ChatMessage.extra``);
- SDK and transport failures become livekit's ``APIStatusError`` / ``APIConnectionError`` /
  ``APITimeoutError`` at the edge, marked not retryable because the SDK has already retried.

The API key never appears in a message, a log line or a ``repr``.
"""

from __future__ import annotations

import contextvars
import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx
from cerebras.cloud import sdk as cerebras_sdk
from livekit.agents import APIConnectionError, APIStatusError, APITimeoutError, llm
from livekit.agents.types import (
    DEFAULT_API_CONNECT_OPTIONS,
    NOT_GIVEN,
    APIConnectOptions,
    NotGivenOr,
)
from livekit.agents.utils import is_given

from simulator.chunk_marks import TIME_INFO_KEY, request_sent
from simulator.errors import shorten
from simulator.providers.keep_alive import keep_alive

DEFAULT_MODEL = "gpt-oss-120b"

_DEFAULT_BASE_URL = "https://api.cerebras.ai"
_STATUS_NAMES = {
    400: "bad request",
    401: "invalid API key",
    402: "payment required",
    403: "permission denied",
    404: "model or endpoint not found",
    408: "request timeout",
    409: "conflict",
    422: "request not processable",
    429: "rate limited",
    500: "server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}


@dataclass(frozen=True)
class CerebrasTimeInfo:
    """Where the server spent one completion's time, in seconds (Cerebras' ``time_info``)."""

    queue_time: float | None = None
    prompt_time: float | None = None
    completion_time: float | None = None
    total_time: float | None = None

    def to_extra(self) -> dict[str, float | None]:
        """The JSON-ready form stored under :data:`TIME_INFO_KEY`."""
        return {
            "queue_time": self.queue_time,
            "prompt_time": self.prompt_time,
            "completion_time": self.completion_time,
            "total_time": self.total_time,
        }

    @classmethod
    def from_extra(cls, extra: Mapping[str, Any] | None) -> CerebrasTimeInfo | None:
        """Read it back from a ``ChoiceDelta.extra`` or ``ChatMessage.extra``; ``None`` if
        absent."""
        raw = (extra or {}).get(TIME_INFO_KEY)
        if not isinstance(raw, Mapping):
            return None
        return cls(**{name: _seconds(raw.get(name)) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class CerebrasRetry:
    """The SDK is about to try a request again (emitted as the LLM's ``"retrying"`` event)."""

    attempt: int
    """The attempt about to start, counting from 1 (so 2 is the first retry)."""
    attempts: int
    """Attempts in all (``max_retries + 1``)."""
    after: str
    """What the previous attempt got, e.g. ``answered 503 (service unavailable)``."""


@dataclass
class _Attempts:
    """The retries of one stream, seen by the HTTP client's hooks (through a context variable)."""

    announce: Any
    attempts: int
    last_status: int | None = None


_current_attempts: contextvars.ContextVar[_Attempts | None] = contextvars.ContextVar(
    "cerebras_attempts", default=None
)


async def _on_request(request: httpx.Request) -> None:
    attempts = _current_attempts.get()
    retries = request.headers.get("x-stainless-retry-count", "0")
    if attempts is None or not retries.isdigit() or int(retries) == 0:
        return
    status, attempts.last_status = attempts.last_status, None
    after = f"answered {status} ({_status_name(status)})" if status else "did not answer"
    attempts.announce(CerebrasRetry(int(retries) + 1, attempts.attempts, after))


async def _on_response(response: httpx.Response) -> None:
    attempts = _current_attempts.get()
    if attempts is not None:
        attempts.last_status = response.status_code
    sent = request_sent.get()
    if sent is not None:
        sent()


@dataclass
class _LLMOptions:
    model: str
    base_url: str
    timeout_s: float
    max_retries: int
    temperature: float | None


class CerebrasLLM(llm.LLM):
    """Cerebras through ``cerebras-cloud-sdk``; the SDK retries, this adapter does not."""

    def __init__(
        self,
        *,
        model: str = DEFAULT_MODEL,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 20.0,
        max_retries: int = 2,
        temperature: float | None = None,
    ) -> None:
        """Create a Cerebras LLM.

        Args:
            model: Cerebras model id.
            api_key: Cerebras API key; defaults to ``CEREBRAS_API_KEY``. Required.
            base_url: API root without ``/v1``; defaults to ``CEREBRAS_BASE_URL``, then
                ``https://api.cerebras.ai``.
            timeout_s: Per-request timeout (connect, and each wait for the next bytes).
            max_retries: Retries the SDK makes on 408/409/429/5xx and connection failures.
            temperature: Sampling temperature; the server's default when ``None``.
        """
        super().__init__()
        api_key = api_key or os.environ.get("CEREBRAS_API_KEY")
        if not api_key:
            raise ValueError(
                "Cerebras needs an API key: pass api_key= or set the CEREBRAS_API_KEY "
                "environment variable."
            )
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {max_retries}")
        base_url = base_url or os.environ.get("CEREBRAS_BASE_URL") or _DEFAULT_BASE_URL

        self._opts = _LLMOptions(
            model=model,
            base_url=base_url,
            timeout_s=timeout_s,
            max_retries=max_retries,
            temperature=temperature,
        )
        self._client = cerebras_sdk.AsyncCerebras(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout_s,
            max_retries=max_retries,
            # the SDK's own defaults, plus hooks that see each retry (see CerebrasRetry)
            # and one that lets a finished stream's connection be reused (see keep_alive)
            http_client=cerebras_sdk.DefaultAsyncHttpxClient(
                event_hooks={"request": [_on_request], "response": [_on_response, keep_alive]}
            ),
            # the SDK's own warming opens a throwaway *sync* client on construction;
            # prewarm() below warms the pool this client actually uses, off the event loop's path
            warm_tcp_connection=False,
        )

    @property
    def model(self) -> str:
        return self._opts.model

    @property
    def provider(self) -> str:
        return "cerebras"

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict[str, Any]] = NOT_GIVEN,
    ) -> CerebrasLLMStream:
        """Stream one completion.

        ``conn_options.max_retry`` is not used: the SDK already retries ``max_retries`` times.
        A ``conn_options`` other than livekit's default (e.g. a ``FallbackAdapter``'s attempt
        timeout) can only shorten ``timeout_s``.
        """
        tools = tools or []
        request: dict[str, Any] = {}
        if self._opts.temperature is not None:
            request["temperature"] = self._opts.temperature
        if tools and is_given(parallel_tool_calls):
            request["parallel_tool_calls"] = parallel_tool_calls
        if tools and is_given(tool_choice):
            request["tool_choice"] = tool_choice
        if is_given(extra_kwargs):
            request.update(extra_kwargs)

        timeout_s = self._opts.timeout_s
        if conn_options is not DEFAULT_API_CONNECT_OPTIONS and conn_options.timeout > 0:
            timeout_s = min(timeout_s, conn_options.timeout)

        return CerebrasLLMStream(
            self,
            client=self._client,
            opts=self._opts,
            timeout_s=timeout_s,
            request=request,
            chat_ctx=chat_ctx,
            tools=tools,
            conn_options=conn_options,
        )

    async def _prewarm_impl(self) -> None:
        # opens the TCP+TLS connection this client's pool will reuse for the first turn
        await self._client.get(
            "/v1/tcp_warming", cast_to=str, options={"timeout": 2.0, "max_retries": 0}
        )

    async def aclose(self) -> None:
        await super().aclose()
        await self._client.close()


@functools.lru_cache(maxsize=64)
def tool_schemas(tools: tuple[llm.Tool, ...]) -> list[dict[str, Any]]:
    """The OpenAI-format schemas of a tool set, built once per set (an agent's tools are the same
    objects for the whole session; building their pydantic models takes milliseconds).

    Callers must not change the returned list."""
    return llm.ToolContext(list(tools)).parse_function_tools("openai", strict=False)


@dataclass
class _PendingToolCall:
    call_id: str = ""
    name: str = ""
    arguments: str = ""


class CerebrasLLMStream(llm.LLMStream):
    """One streamed completion. After the stream ends, :attr:`usage` and :attr:`time_info` hold
    what the server reported (``None`` if it reported nothing)."""

    def __init__(
        self,
        llm_: CerebrasLLM,
        *,
        client: cerebras_sdk.AsyncCerebras,
        opts: _LLMOptions,
        timeout_s: float,
        request: dict[str, Any],
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool],
        conn_options: APIConnectOptions,
    ) -> None:
        super().__init__(llm_, chat_ctx=chat_ctx, tools=tools, conn_options=conn_options)
        self._client = client
        self._opts = opts
        self._timeout_s = timeout_s
        self._request = request
        self.usage: llm.CompletionUsage | None = None
        self.time_info: CerebrasTimeInfo | None = None

    async def _run(self) -> None:
        messages, _ = self._chat_ctx.to_provider_format("openai")
        request: dict[str, Any] = {"model": self._opts.model, "messages": messages, "stream": True}
        request.update(self._request)
        schemas = tool_schemas(tuple(self._tools))
        if schemas:
            request["tools"] = schemas
        self.usage = self.time_info = None
        pending: dict[int, _PendingToolCall] = {}
        chunk_id = ""
        stage = "request"
        finished = False
        _current_attempts.set(
            _Attempts(
                announce=lambda retry: self._llm.emit("retrying", retry),
                attempts=self._opts.max_retries + 1,
            )
        )
        try:
            # The body is already the wire format (livekit's openai format, cached schemas), so it
            # goes through the SDK's client (retries, errors, events) without
            # `chat.completions.create`'s typed transform, which walks every message and schema
            # with type introspection (~10 ms a request here) and changes nothing in them; the
            # chunks come back as the JSON the server sent (cast_to=object), read as such below.
            stream = await self._client.post(
                "/v1/chat/completions",
                body=request,
                cast_to=object,
                options={"timeout": self._timeout_s},
                stream=True,
                stream_cls=cerebras_sdk.AsyncStream[object],
            )
            stage = "stream"
            async with stream:
                async for chunk in stream:
                    data = _as_json(chunk)
                    chunk_id = data.get("id") or chunk_id
                    finished = self._on_chunk(data, chunk_id, pending) or finished
            # A tool call (a handoff, a look-up) leads straight to the next request: it is passed
            # on once this response is closed and its connection back in the pool (the closing
            # bytes follow [DONE] at once), so that request never has to open another connection.
            if finished:
                self._flush_tool_calls(chunk_id, pending)
        except cerebras_sdk.APITimeoutError as e:
            raise APITimeoutError(
                f"Cerebras did not answer within {self._timeout_s:g} s "
                f"{_after_retries(self._opts.max_retries)}",
                retryable=False,
            ) from e
        except cerebras_sdk.APIStatusError as e:
            raise _status_error(
                e, self._opts.max_retries, mid_stream=stage == "stream", secret=self._client.api_key
            ) from e
        except cerebras_sdk.APIConnectionError as e:
            raise APIConnectionError(
                f"Could not reach Cerebras at {self._opts.base_url} "
                f"{_after_retries(self._opts.max_retries)}",
                retryable=False,
            ) from e
        except httpx.TimeoutException as e:
            raise APITimeoutError(
                f"Cerebras stopped sending for more than {self._timeout_s:g} s mid-answer",
                retryable=False,
            ) from e
        except (httpx.HTTPError, OSError) as e:
            raise APIConnectionError(
                "The connection to Cerebras broke off mid-answer", retryable=False
            ) from e
        except cerebras_sdk.APIError as e:  # e.g. a response that does not match the schema
            raise APIConnectionError(
                "Cerebras sent a response this client cannot read", retryable=False
            ) from e
        except (json.JSONDecodeError, _MalformedChunk) as e:
            raise APIConnectionError(
                "Cerebras sent a malformed stream event", retryable=False
            ) from e
        except (AttributeError, KeyError, TypeError, ValueError) as e:
            # a chunk shaped unlike any compatible server's: one readable line, no traceback
            raise APIConnectionError(
                "Cerebras sent a stream event this client cannot read", retryable=False
            ) from e

        if not finished:
            # The SDK ends iteration at `[DONE]` or at a clean end of the body alike; only the
            # finish reason says the answer is whole. Without it the reply was cut off.
            raise APIConnectionError(
                "Cerebras's answer was cut off (the stream ended without a finish reason)",
                retryable=False,
            )

    def _on_chunk(
        self, chunk: Mapping[str, Any], chunk_id: str, pending: dict[int, _PendingToolCall]
    ) -> bool:
        """Send what one chunk carries; returns whether it finished the answer."""
        finished = False
        choices = chunk.get("choices") or []
        if not isinstance(choices, list):
            raise _MalformedChunk("choices is not a list")
        for choice in choices:
            delta = choice.get("delta") or {}
            # gpt-oss streams its reasoning in `delta.reasoning`: never spoken, so dropped
            content = delta.get("content")
            if isinstance(content, str) and content:
                self._event_ch.send_nowait(
                    llm.ChatChunk(
                        id=chunk_id, delta=llm.ChoiceDelta(role="assistant", content=content)
                    )
                )
            for tool in delta.get("tool_calls") or []:
                call = pending.setdefault(tool.get("index") or 0, _PendingToolCall())
                call.call_id = tool.get("id") or call.call_id
                function = tool.get("function") or {}
                call.name = function.get("name") or call.name
                call.arguments += function.get("arguments") or ""
            if choice.get("finish_reason") is not None:
                finished = True

        usage = chunk.get("usage")
        time_info = chunk.get("time_info")
        if not isinstance(usage, Mapping):
            usage = None
        if not isinstance(time_info, Mapping):
            time_info = None
        if usage is None and time_info is None:
            return finished
        if usage is not None:
            details = usage.get("prompt_tokens_details") or {}
            prompt_tokens = _count(usage.get("prompt_tokens"))
            completion_tokens = _count(usage.get("completion_tokens"))
            self.usage = llm.CompletionUsage(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                total_tokens=_count(usage.get("total_tokens")) or prompt_tokens + completion_tokens,
                prompt_cached_tokens=_count(details.get("cached_tokens")),
            )
        extra = None
        if time_info is not None:
            self.time_info = CerebrasTimeInfo(
                queue_time=_seconds(time_info.get("queue_time")),
                prompt_time=_seconds(time_info.get("prompt_time")),
                completion_time=_seconds(time_info.get("completion_time")),
                total_time=_seconds(time_info.get("total_time")),
            )
            extra = {TIME_INFO_KEY: self.time_info.to_extra()}
        self._event_ch.send_nowait(
            llm.ChatChunk(
                id=chunk_id,
                delta=llm.ChoiceDelta(role="assistant", extra=extra),
                usage=self.usage if usage is not None else None,
            )
        )
        return finished

    def _flush_tool_calls(self, chunk_id: str, pending: dict[int, _PendingToolCall]) -> None:
        calls = [pending.pop(index) for index in sorted(pending)]
        calls = [call for call in calls if call.name]
        if not calls:
            return
        self._event_ch.send_nowait(
            llm.ChatChunk(
                id=chunk_id,
                delta=llm.ChoiceDelta(
                    role="assistant",
                    tool_calls=[
                        llm.FunctionToolCall(
                            name=call.name,
                            arguments=call.arguments or "{}",
                            call_id=call.call_id or f"{chunk_id}/call_{i}",
                        )
                        for i, call in enumerate(calls)
                    ],
                ),
            )
        )


class _MalformedChunk(Exception):
    """The SDK handed back something that is not a completion chunk."""


def _without(value: Any, secret: str | None) -> Any:
    """``value`` (a JSON-like error body) with every occurrence of ``secret`` replaced."""
    if not secret:
        return value
    if isinstance(value, str):
        return value.replace(secret, "[redacted]")
    if isinstance(value, Mapping):
        return {key: _without(item, secret) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without(item, secret) for item in value]
    return value


def _as_json(chunk: Any) -> Mapping[str, Any]:
    """A chunk as the JSON the server sent, whichever SDK model (or dict) it was parsed into."""
    if isinstance(chunk, Mapping):
        return chunk
    to_dict = getattr(chunk, "to_dict", None)
    if to_dict is None:
        raise _MalformedChunk(f"unexpected event {type(chunk).__name__}")
    data = to_dict()
    if not isinstance(data, Mapping) or not ("choices" in data or "usage" in data):
        raise _MalformedChunk(f"unexpected event {type(chunk).__name__}")
    return data


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _status_name(status: int) -> str:
    try:
        return _STATUS_NAMES.get(status) or HTTPStatus(status).phrase.lower()
    except ValueError:
        return "unexpected status"


def _after_retries(max_retries: int) -> str:
    if max_retries == 0:
        return "(no retries configured)"
    return f"after {max_retries} {'retry' if max_retries == 1 else 'retries'}"


def _sdk_retried(status: int, headers: httpx.Headers) -> bool:
    """Whether the SDK retried this status (mirrors its ``_should_retry``)."""
    should_retry: str | None = headers.get("x-should-retry")
    if should_retry in ("true", "false"):
        return should_retry == "true"
    return status in (408, 409, 429) or status >= 500


def _status_error(
    e: cerebras_sdk.APIStatusError, max_retries: int, *, mid_stream: bool, secret: str | None = None
) -> APIStatusError:
    """Our error for a status the SDK raised; ``secret`` (the API key) is cut out of the server's
    text, since a proxy or a verbose upstream may echo the caller's credentials back."""
    status = e.status_code
    name = _status_name(status)
    body = _without(e.body, secret)
    detail = body.get("message") if isinstance(body, Mapping) else None
    if mid_stream:  # an error event in a stream that had started with 200
        message = "Cerebras reported an error mid-answer"
        if status >= 400:
            message += f" ({status}, {name})"
    else:
        message = f"Cerebras returned {status} ({name})"
        if max_retries and _sdk_retried(status, e.response.headers):
            message += f" {_after_retries(max_retries)}"
    if isinstance(detail, str) and detail:
        message += f": {shorten(detail, 200)}"
    return APIStatusError(
        message,
        status_code=status,
        request_id=e.response.headers.get("x-request-id"),
        body=body,
        retryable=False,
    )
