"""The outside world for the benchmarks: Cerebras- and Cartesia-compatible servers in a child
process, time-stamping what they do, so the simulator's own time can be told apart from theirs.

The servers are the test fakes (:mod:`tests.fakes.cerebras_server`,
:mod:`tests.fakes.cartesia_server`),
run in a separate process so their work never competes with the simulator for the GIL or the
event loop. Both processes read ``time.perf_counter()``, which on Linux is ``CLOCK_MONOTONIC``,
one clock for the whole machine, so a server's stamps and the simulator's are comparable:

- every chat-completions request: when it arrived, when each streamed chunk had been written
  (and which text it carried), when the response ended; plus what the prompt held (its size,
  the customer's messages, the tools offered), for checks on the wire;
- every TTS context: when its first text arrived and when its first audio chunk had been sent;
- every STT turn: when the final transcript was sent.

    with ProviderProcess(latency=LatencyModel(0.15, 20_000, 2_000)) as providers:
        settings = Settings(cerebras_base_url=providers.cerebras_url, ...)
        ...
        requests = providers.requests()

The child serves until its standard input closes (the parent exits or leaves the ``with``) or
``MAX_LIFETIME_S`` passes; everything binds 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MAX_LIFETIME_S = 1800.0


@dataclass
class RequestStamps:
    """One chat-completions request as the server saw it (perf_counter seconds)."""

    arrived: float
    status: int = 200
    writes: list[tuple[float, str]] = field(default_factory=list)
    """(when the chunk had been written, the text it carried: content, or ``<tool>``/``""``)."""
    finished: float | None = None
    prompt_tokens: int = 0
    role: str = ""
    """The agent whose system prompt it carried: greeter, technical or pricing (either design)."""
    user_texts: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    messages: int = 0

    @property
    def first_content(self) -> float | None:
        return next((t for t, text in self.writes if text and text != "<tool>"), None)

    @property
    def last_write(self) -> float | None:
        return self.writes[-1][0] if self.writes else None


@dataclass
class TTSStamps:
    context_id: str
    first_text_at: float
    text: str
    first_audio_at: float | None = None


# -- the child process ----------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(REPO))
    asyncio.run(_serve_async(args))


async def _serve_async(args: argparse.Namespace) -> None:
    from aiohttp import web

    from bench.script import prompt_tokens, role_of, sales_team_model
    from tests.fakes.cartesia_server import CartesiaServer
    from tests.fakes.cerebras_server import CerebrasServer, LatencyModel

    current: contextvars.ContextVar[RequestStamps] = contextvars.ContextVar("stamps")

    class StampedCerebras(CerebrasServer):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.stamps: list[RequestStamps] = []

        async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
            stamp = RequestStamps(arrived=time.perf_counter())
            self.stamps.append(stamp)
            current.set(stamp)
            response = await super()._chat_completions(request)
            stamp.status = response.status
            if stamp.finished is None:
                stamp.finished = time.perf_counter()
            if self.requests:
                body = self.requests[-1].body
                messages = list(body.get("messages") or [])
                stamp.prompt_tokens = prompt_tokens(messages)
                stamp.messages = len(messages)
                system = str(messages[0].get("content", "")) if messages else ""
                stamp.role = role_of(system) or ""
                stamp.user_texts = [
                    str(m.get("content")) for m in messages if m.get("role") == "user"
                ]
                stamp.tools = [t.get("function", {}).get("name") for t in body.get("tools") or []]
                self.requests.clear()  # stuffed prompts are megabytes: keep only the summary
            return response

        async def _stream(
            self, request: web.Request, completion: Any, fault: Any
        ) -> web.StreamResponse:
            stamp = current.get()
            chunks = completion.chunks

            def stamped() -> Any:
                for chunk, tokens in chunks():
                    yield chunk, tokens
                    # resumed only once the chunk has been written to the socket
                    delta = (chunk.get("choices") or [{}])[0].get("delta") or {}
                    text = delta.get("content") or ("<tool>" if delta.get("tool_calls") else "")
                    stamp.writes.append((time.perf_counter(), text))

            completion.chunks = stamped
            response = await super()._stream(request, completion, fault)
            stamp.finished = time.perf_counter()
            return response

    class StampedCartesia(CartesiaServer):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.tts_stamps: dict[str, TTSStamps] = {}
            self.stt_final_at: list[tuple[float, str]] = []

        async def _record(self, target: list[Any], item: Any) -> None:
            now = time.perf_counter()
            if (
                target is self.tts_requests
                and item.transcript.strip()
                and item.context_id not in self.tts_stamps
            ):
                self.tts_stamps[item.context_id] = TTSStamps(item.context_id, now, item.transcript)
            elif target is self.stt_turns:
                self.stt_final_at.append((now, item.transcript))
            await super()._record(target, item)

        async def _speak_context(self, ws: Any, ctx: Any) -> None:
            server = self

            class Socket:
                async def send_json(self, data: dict[str, Any], **kwargs: Any) -> None:
                    await ws.send_json(data, **kwargs)
                    stamp = server.tts_stamps.get(ctx.context_id)
                    if (
                        data.get("type") == "chunk"
                        and stamp is not None
                        and stamp.first_audio_at is None
                    ):
                        stamp.first_audio_at = time.perf_counter()

            await super()._speak_context(Socket(), ctx)

    base, prefill, decode = (float(x) for x in args.latency.split(","))
    cerebras = StampedCerebras(
        responder=sales_team_model,
        latency=LatencyModel(base, prefill, decode),
        api_key=args.api_key,
    )
    cartesia = StampedCartesia(
        api_key=args.api_key,
        tts_first_byte_s=args.tts_first_byte,
        stt_final_delay_s=args.stt_final_delay,
    )

    async def get_requests(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response([asdict(s) for s in cerebras.stamps[since:]])

    async def get_speech(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "tts": [asdict(s) for s in cartesia.tts_stamps.values()],
                "stt_final": cartesia.stt_final_at,
            }
        )

    async def set_latency(request: web.Request) -> web.Response:
        body = await request.json()
        cerebras.latency = LatencyModel(
            body["first_token_base_s"], body["prefill_tokens_per_s"], body["tokens_per_s"]
        )
        return web.json_response({"ok": True})

    control = web.Application(client_max_size=1024**2)
    control.router.add_get("/requests", get_requests)
    control.router.add_get("/speech", get_speech)
    control.router.add_post("/latency", set_latency)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    control_port = runner.addresses[0][1]

    # chat requests with a stuffed knowledge base are megabytes; aiohttp's default limit is 1 MiB
    web.Application.__init__.__kwdefaults__ = {
        **(web.Application.__init__.__kwdefaults__ or {}),
        "client_max_size": 512 * 1024**2,
    }
    async with cerebras, cartesia:
        print(
            json.dumps(
                {
                    "cerebras": cerebras.base_url,
                    "cartesia": cartesia.base_url,
                    "control": f"http://127.0.0.1:{control_port}",
                }
            ),
            flush=True,
        )
        loop = asyncio.get_running_loop()
        stdin_closed = loop.run_in_executor(None, sys.stdin.read)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stdin_closed, MAX_LIFETIME_S)
    await runner.cleanup()


# -- the parent's handle --------------------------------------------------------------------------


class ProviderProcess:
    """Starts the stamped servers in a child process; a context manager that always stops it."""

    def __init__(
        self,
        *,
        first_token_base_s: float,
        prefill_tokens_per_s: float,
        tokens_per_s: float,
        tts_first_byte_s: float = 0.0,
        stt_final_delay_s: float = 0.0,
        api_key: str = "bench-key",
    ) -> None:
        self.api_key = api_key
        self._args = [
            "--latency",
            f"{first_token_base_s},{prefill_tokens_per_s},{tokens_per_s}",
            "--tts-first-byte",
            str(tts_first_byte_s),
            "--stt-final-delay",
            str(stt_final_delay_s),
            "--api-key",
            api_key,
        ]
        self._process: subprocess.Popen[str] | None = None
        self.cerebras_url = self.cartesia_url = self._control = ""

    @property
    def urls(self) -> dict[str, str]:
        """Where the running servers are, for :meth:`attach` in another process."""
        return {
            "cerebras": self.cerebras_url,
            "cartesia": self.cartesia_url,
            "control": self._control,
            "api_key": self.api_key,
        }

    @classmethod
    def attach(cls, urls: dict[str, str]) -> ProviderProcess:
        """A handle on servers another process started (it does not stop them)."""
        handle = cls(first_token_base_s=0, prefill_tokens_per_s=0, tokens_per_s=0)
        handle.api_key = urls["api_key"]
        handle.cerebras_url, handle.cartesia_url = urls["cerebras"], urls["cartesia"]
        handle._control = urls["control"]
        return handle

    def __enter__(self) -> ProviderProcess:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.providers", *self._args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self.__exit__()
            raise RuntimeError("the provider process did not start")
        urls = json.loads(line)
        self.cerebras_url, self.cartesia_url, self._control = (
            urls["cerebras"],
            urls["cartesia"],
            urls["control"],
        )
        return self

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def requests(self, since: int = 0) -> list[RequestStamps]:
        rows = self._get(f"/requests?since={since}")
        out = []
        for row in rows:
            row["writes"] = [tuple(w) for w in row["writes"]]
            out.append(RequestStamps(**row))
        return out

    def speech(self) -> tuple[list[TTSStamps], list[tuple[float, str]]]:
        data = self._get("/speech")
        return [TTSStamps(**row) for row in data["tts"]], [tuple(x) for x in data["stt_final"]]

    def set_latency(
        self, *, first_token_base_s: float, prefill_tokens_per_s: float, tokens_per_s: float
    ) -> None:
        body = json.dumps(
            {
                "first_token_base_s": first_token_base_s,
                "prefill_tokens_per_s": prefill_tokens_per_s,
                "tokens_per_s": tokens_per_s,
            }
        ).encode()
        request = urllib.request.Request(
            self._control + "/latency",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def _get(self, path: str) -> Any:
        with urllib.request.urlopen(self._control + path, timeout=30) as response:
            return json.loads(response.read())


def main() -> None:
    parser = argparse.ArgumentParser(
        description="stamped local provider servers (bench child process)"
    )
    parser.add_argument(
        "--latency", required=True, help="first_token_base_s,prefill_tokens_per_s,tokens_per_s"
    )
    parser.add_argument("--tts-first-byte", type=float, default=0.0)
    parser.add_argument("--stt-final-delay", type=float, default=0.0)
    parser.add_argument("--api-key", default=None)
    _serve(parser.parse_args())


if __name__ == "__main__":
    main()
