"""A demo is one command: start ``simulator worker`` as a child process when none is running here.

:func:`worker_running` asks the worker's health server (``/worker`` on ``SIMULATOR_WORKER_HOST``:
``SIMULATOR_WORKER_PORT``) whether a worker for our agent name already runs on this machine.
:class:`LocalWorker` starts one otherwise, waits until its health server answers, and stops it
(SIGTERM, then SIGKILL after a grace period) when the app closes. Workers on other machines are
LiveKit's business: point the app at them and this module is not used.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiohttp

from simulator.errors import ProviderError
from simulator.resource import AsyncResource
from simulator.settings import Settings


async def worker_running(settings: Settings, *, timeout_s: float = 1.0) -> bool:
    """Whether a worker with our agent name answers on the configured health address."""
    url = f"http://{settings.worker_host}:{settings.worker_port}/worker"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as http:
            async with http.get(url) as response:
                if response.status != 200:
                    return False
                info = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return False
    return isinstance(info, dict) and info.get("agent_name") == settings.livekit_agent_name


class LocalWorker(AsyncResource):
    """``async with LocalWorker(settings):`` a worker is running for as long as the block lasts."""

    def __init__(
        self,
        settings: Settings,
        *,
        start_timeout_s: float = 60.0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.start_timeout_s = start_timeout_s
        self.env = env
        self.process: asyncio.subprocess.Process | None = None

    @property
    def log_path(self) -> Path:
        return self.settings.data_dir / "worker.log"

    @property
    def started_here(self) -> bool:
        return self.process is not None

    async def start(self) -> None:
        if await worker_running(self.settings):
            return
        # the child reads its settings from its environment: these settings, and only these
        base = os.environ if self.env is None else self.env
        declared = Settings.environment_names()
        env = {k: v for k, v in base.items() if k not in declared}
        env |= self.settings.as_environment()
        env["SIMULATOR_WORKER_PORT"] = str(self.settings.worker_port)
        env["SIMULATOR_WORKER_HOST"] = self.settings.worker_host
        args = [
            sys.executable,
            "-m",
            "simulator",
            "worker",
            "--knowledge",
            str(self.settings.knowledge_dir),
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:  # the child keeps its own handle
            self.process = await asyncio.create_subprocess_exec(
                *args, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log
            )
        try:
            async with asyncio.timeout(self.start_timeout_s):
                while not await worker_running(self.settings):
                    if self.process.returncode is not None:
                        break
                    await asyncio.sleep(0.25)  # polling the child's health endpoint
        except TimeoutError:
            await self.stop()
            raise ProviderError(
                f"The local worker did not start within {self.start_timeout_s:.0f} s"
            ) from None
        if self.process.returncode is not None:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
            self.process = None
            raise ProviderError(
                f"The local worker exited: {lines[-1] if lines else 'no reason given'} "
                f"(log: {self.log_path})"
            )

    async def aclose(self) -> None:
        await self.stop()

    async def stop(self, grace_s: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), grace_s)
        except TimeoutError:
            process.kill()
            await process.wait()
