"""Cerebras first, the offline responder when it fails: the customer never waits long in silence.

livekit-agents' ``FallbackAdapter`` switches providers, but its policy does not suit a booth demo:
it waits the whole retry chain (3 × 20 s) before the backup answers, probes a failed provider in
the background with full requests (again after a refused key), logs tracebacks, and keeps the
failed provider's words in the reply. :class:`FallbackLLM` is the policy we want, in one place:

- **The first answer is bounded.** If the primary has sent nothing after
  ``first_answer_s`` (default 5 s), it is abandoned and the backup answers.
- **Waiting is said.** After ``still_waiting_s`` (1.5 s), or when the SDK retries, a status says
  "still waiting…" (with why, when the server said why) and when the backup takes over.
- **Failed fragments are dropped.** The primary's text is released a sentence at a time; when it
  breaks off, the unfinished sentence is dropped, never spoken, never labelled "offline". So a
  warning always falls between sentences, not inside one.
- **A refused key stops the calls.** After 401/402/403/404 (key, account or model refused),
  the primary is not called again by this LLM: settings must change (a new session, a new LLM).
- **A provider that does not answer is rested.** When the primary let the whole budget go by
  in silence, it is skipped for ``cooldown_s`` (its turns are answered offline at once); the
  next turn after that tries it again. A quick failure (a 500, a cut stream) is tried again on
  the next turn. No background probes.
- **Latency stays honest.** The backup's first chunk carries :data:`FAILED_ATTEMPT_KEY`: which
  provider failed and how long the customer waited for it, shown as its own latency stage.

Every failure reaches the customer as one readable status line; nothing is logged with a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from livekit.agents import APIConnectionError, APIError, APIStatusError, llm
from livekit.agents.types import (
    DEFAULT_API_CONNECT_OPTIONS,
    NOT_GIVEN,
    APIConnectOptions,
    NotGivenOr,
)

from simulator.chunk_marks import FAILED_ATTEMPT_KEY
from simulator.errors import shorten
from simulator.events import Event, StatusEvent

REFUSED_STATUSES = frozenset({401, 402, 403, 404})
"""Statuses no retry fixes: the key, the account or the model is refused."""

_SENTENCE_END = re.compile(r"""[.!?…:;]["'”’)\]]*\s+|\n""")
_MAX_HELD_CHARS = 240
"""Text held without a sentence end is released at a word boundary past this length."""


@dataclass(frozen=True)
class FallbackPolicy:
    first_answer_s: float = 5.0
    """How long the customer waits for the primary's first output before the backup answers."""
    still_waiting_s: float = 1.5
    """When the customer is told the primary is slow (once per turn; sooner with a short budget:
    see :attr:`still_waiting_after`)."""
    cooldown_s: float = 30.0
    """How long the primary rests after a turn it let the whole budget go by in silence."""

    def __post_init__(self) -> None:
        for name in ("first_answer_s", "still_waiting_s", "cooldown_s"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 < value < float("inf")):
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")

    @property
    def still_waiting_after(self) -> float:
        return min(self.still_waiting_s, self.first_answer_s / 3)


PrimaryState = Literal["ready", "resting", "refused"]
Progress = Literal["none", "started", "shown"]
"""How far a failed attempt got: nothing came; chunks came but no sentence was shown; some were."""


class FallbackLLM(llm.LLM):
    """``primary`` (Cerebras) with ``backup`` (the offline responder) behind it; see the module doc.

    ``emit`` receives the status events the customer sees; ``name`` is the primary's name in them.
    """

    def __init__(
        self,
        primary: llm.LLM,
        backup: llm.LLM,
        *,
        emit: Callable[[Event], None],
        policy: FallbackPolicy | None = None,
        name: str = "Cerebras",
    ) -> None:
        super().__init__()
        self.primary = primary
        self.backup = backup
        self.policy = policy or FallbackPolicy()
        self.name = name
        self._emit = emit
        self._state: PrimaryState = "ready"
        self._resting_until = 0.0
        self._degraded = False
        self._retry_listener: Callable[[Any], None] | None = None
        primary.on("retrying", self._on_retrying)

    @property
    def model(self) -> str:
        return self.primary.model

    @property
    def provider(self) -> str:
        return self.primary.provider

    @property
    def state(self) -> PrimaryState:
        """``ready``, ``resting`` (skipped for a while after a silent budget) or ``refused``."""
        if self._state == "resting" and time.monotonic() >= self._resting_until:
            self._state = "ready"
        return self._state

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict[str, Any]] = NOT_GIVEN,
    ) -> FallbackStream:
        return FallbackStream(
            self,
            chat_ctx=chat_ctx,
            tools=tools or [],
            conn_options=conn_options,
            request={
                "parallel_tool_calls": parallel_tool_calls,
                "tool_choice": tool_choice,
                "extra_kwargs": extra_kwargs,
            },
        )

    def prewarm(self, *, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.primary.prewarm(loop=loop)

    async def aclose(self) -> None:
        self.primary.off("retrying", self._on_retrying)
        await self.primary.aclose()
        await self.backup.aclose()

    # -- what the streams report -------------------------------------------------------------

    def _status(self, level: Literal["info", "warning", "error"], source: str, text: str) -> None:
        self._emit(StatusEvent(level=level, source=source, message=shorten(text, 600)))

    def _on_retrying(self, retry: Any) -> None:
        if self._retry_listener is not None:
            self._retry_listener(retry)

    def _answered(self) -> None:
        if self._degraded:
            self._degraded = False
            self._status("info", "cerebras", f"{self.name} is answering again.")

    def _failed(
        self,
        error: BaseException | None,
        *,
        waited_s: float,
        progress: Progress,
    ) -> str:
        """Record a failure of the primary; returns the sentence that explains it to the customer.

        ``progress``: nothing came, something came but no sentence was shown yet, or sentences
        were shown (the reply then goes on from the backup)."""
        self._degraded = True
        if isinstance(error, APIStatusError) and error.status_code in REFUSED_STATUSES:
            self._state = "refused"
            return (
                f"{_reason(error)}. {self.name} is not called again until its settings change "
                "(the API key, the model); meanwhile the offline responder answers from your "
                "documents."
            )
        if error is None:
            reason = f"{self.name} sent nothing within {self.policy.first_answer_s:g} s"
        else:
            reason = _reason(error)
        if error is None:  # the whole budget went by in silence: spare the next turns that wait
            self._state = "resting"
            self._resting_until = time.monotonic() + self.policy.cooldown_s
            return (
                f"{reason} - this turn is answered offline from your documents "
                f"({self.name} is tried again in {self.policy.cooldown_s:g} s)."
            )
        if progress in ("none", "started"):
            return f"{reason} - this turn is answered offline from your documents."
        return (
            f"{reason} - its unfinished sentence was dropped; the rest of this reply is "
            "answered offline from your documents."
        )


class FallbackStream(llm.LLMStream):
    def __init__(
        self,
        fallback: FallbackLLM,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool],
        conn_options: APIConnectOptions,
        request: dict[str, Any],
    ) -> None:
        super().__init__(fallback, chat_ctx=chat_ctx, tools=tools, conn_options=conn_options)
        self._fallback = fallback
        self._request = request

    def _open(self, model: llm.LLM) -> llm.LLMStream:
        return model.chat(chat_ctx=self._chat_ctx, tools=self._tools, **self._request)

    async def _run(self) -> None:
        fallback = self._fallback
        started = time.monotonic()
        waited_s = 0.0
        if fallback.state == "ready":
            try:
                await self._from_primary(started)
                return
            except _PrimaryFailed as failure:
                refused = fallback._state == "refused"
                fallback._status("error" if refused else "warning", "cerebras", failure.explanation)
                if failure.tool_called:  # the reply was a tool call, made: nothing to add
                    return
                waited_s = failure.waited_s
        await self._from_backup(fallback.primary.provider if waited_s else None, waited_s)

    async def _from_primary(self, started: float) -> None:
        fallback, policy = self._fallback, self._fallback.policy
        gate = _SentenceGate()
        said_waiting = False

        def retrying(retry: Any) -> None:
            nonlocal said_waiting
            said_waiting = True
            fallback._status(
                "info",
                "llm",
                f"{fallback.name} {retry.after}; trying again "
                f"({retry.attempt} of {retry.attempts}), still waiting…",
            )

        fallback._retry_listener = retrying
        stream = self._open(fallback.primary)
        chunks = aiter(stream)
        first: llm.ChatChunk | None = None
        tool_called = False
        # the first chunk is awaited in its own task: waiting on it with a timeout must not
        # cancel the stream's iterator, only the budget running out does
        waiting = asyncio.ensure_future(anext(chunks))
        try:
            # Until the first chunk: the budget, and a word to the customer while it runs.
            while first is None:
                waited = time.monotonic() - started
                if waited >= policy.first_answer_s:
                    explanation = fallback._failed(None, waited_s=waited, progress="none")
                    raise _PrimaryFailed(explanation, waited)
                timeout = policy.first_answer_s - waited
                if not said_waiting:
                    timeout = min(timeout, max(0.0, policy.still_waiting_after - waited))
                done, _ = await asyncio.wait({waiting}, timeout=timeout)
                if done:
                    first = waiting.result()
                elif not said_waiting and time.monotonic() - started >= policy.still_waiting_after:
                    said_waiting = True
                    fallback._status(
                        "info",
                        "llm",
                        f"Still waiting for {fallback.name}… (the offline responder answers "
                        f"if nothing comes within {policy.first_answer_s:g} s)",
                    )
            fallback._retry_listener = None
            chunk: llm.ChatChunk | None = first
            while chunk is not None:
                tool_called = self._pass(chunk, gate) or tool_called
                chunk = await anext(chunks, None)
            self._send_text(gate.flush(), first.id)
            if not gate.shown and not tool_called:  # finished, having said nothing at all
                raise APIConnectionError(f"{fallback.name} sent an empty answer")
        except _PrimaryFailed:
            raise
        except asyncio.CancelledError:
            raise
        except Exception as e:  # whatever the primary does, the customer gets an answer
            waited = time.monotonic() - started
            if isinstance(e, StopAsyncIteration):  # it ended before a single chunk
                e = APIConnectionError(f"{fallback.name} sent an empty answer")
            progress: Progress = "shown" if gate.shown else "none" if first is None else "started"
            gate.drop()
            explanation = fallback._failed(e, waited_s=waited, progress=progress)
            raise _PrimaryFailed(explanation, waited, tool_called=tool_called) from e
        finally:
            fallback._retry_listener = None
            if not waiting.done():
                waiting.cancel()
            waiting.add_done_callback(_retrieve)
            with contextlib.suppress(Exception):
                await stream.aclose()

    def _pass(self, chunk: llm.ChatChunk, gate: _SentenceGate) -> bool:
        """Send ``chunk`` on, its text held back to the last sentence end; returns whether it
        made a tool call."""
        delta = chunk.delta
        if delta is None:
            self._event_ch.send_nowait(chunk)
            return False
        if delta.content and not delta.tool_calls and not delta.extra and chunk.usage is None:
            self._send_text(gate.feed(delta.content), chunk.id)
            return False
        # anything else (tool calls, usage, the server's timings) follows the text so far
        self._send_text(gate.feed(delta.content or "") + gate.flush(), chunk.id)
        if delta.tool_calls:
            self._fallback._answered()
        rest = delta.model_copy(update={"content": None})
        self._event_ch.send_nowait(chunk.model_copy(update={"delta": rest}))
        return bool(delta.tool_calls)

    def _send_text(self, text: str, chunk_id: str) -> None:
        if text:
            self._fallback._answered()  # said before the primary's first words, never inside them
            self._event_ch.send_nowait(
                llm.ChatChunk(id=chunk_id, delta=llm.ChoiceDelta(role="assistant", content=text))
            )

    async def _from_backup(self, failed_provider: str | None, waited_s: float) -> None:
        marked = failed_provider is None
        try:
            async with self._open(self._fallback.backup) as stream:
                async for chunk in stream:
                    if not marked and chunk.delta is not None:
                        marked = True
                        extra = dict(chunk.delta.extra or {})
                        extra[FAILED_ATTEMPT_KEY] = {
                            "provider": failed_provider,
                            "elapsed_s": round(waited_s, 4),
                        }
                        chunk = chunk.model_copy(
                            update={"delta": chunk.delta.model_copy(update={"extra": extra})}
                        )
                    self._event_ch.send_nowait(chunk)
        except APIError as e:
            raise APIConnectionError(
                f"The offline responder failed too: {shorten(e.message, 200)}", retryable=False
            ) from e


class _PrimaryFailed(Exception):
    def __init__(self, explanation: str, waited_s: float, *, tool_called: bool = False) -> None:
        super().__init__(explanation)
        self.explanation = explanation
        self.waited_s = waited_s
        self.tool_called = tool_called


class _SentenceGate:
    """Holds streamed text back to its last sentence end, so a cut never shows half a sentence."""

    def __init__(self) -> None:
        self._held = ""
        self.shown = False

    def feed(self, text: str) -> str:
        held = self._held + text
        cut = 0
        for match in _SENTENCE_END.finditer(held):
            cut = match.end()
        if not cut and len(held) > _MAX_HELD_CHARS:
            cut = held.rfind(" ", 0, len(held) - 1) + 1
        released, self._held = held[:cut], held[cut:]
        self.shown = self.shown or bool(released)
        return released

    def flush(self) -> str:
        held, self._held = self._held, ""
        self.shown = self.shown or bool(held)
        return held

    def drop(self) -> None:
        self._held = ""


def _retrieve(task: asyncio.Future[Any]) -> None:
    """Collect an abandoned wait's outcome, so asyncio does not report it as never retrieved."""
    if not task.cancelled():
        task.exception()


def _reason(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return shorten(message.rstrip("."), 300)
