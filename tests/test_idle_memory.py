"""An idle session hands the memory it freed back to the system (glibc's ``malloc_trim``)."""

from __future__ import annotations

import asyncio
import sys

import psutil
import pytest

from simulator.host.idle_memory import IdleMemory, release_free_memory

glibc_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not release_free_memory(),
    reason="malloc_trim is glibc's",
)


@glibc_only
def test_memory_freed_below_the_heaps_top_goes_back_to_the_system() -> None:
    """What the heap keeps after a free (a hole under a block still in use) leaves the RSS."""
    process = psutil.Process()
    blocks = [bytearray(64 * 1024) for _ in range(1_600)]  # ~100 MB on the heap, page by page
    keeper = bytearray(64 * 1024)  # stays in use above them: the heap cannot shrink on its own
    del blocks
    before = process.memory_info().rss
    assert release_free_memory()
    after = process.memory_info().rss
    assert before - after > 50 * 1024 * 1024
    assert len(keeper) == 64 * 1024


async def test_an_idle_session_is_trimmed_and_a_busy_one_is_not() -> None:
    trimmed = asyncio.Event()
    idle = IdleMemory(quiet_s=3600.0, every_s=0.001, release=trimmed.set)
    task = asyncio.create_task(idle.run())
    try:
        for _ in range(50):  # every look finds recent activity: no trim
            idle.touch()
            await asyncio.sleep(0)
        assert not trimmed.is_set()
        idle.quiet_s = 0.0  # nothing has happened for long enough now
        await asyncio.wait_for(trimmed.wait(), timeout=30)
    finally:
        task.cancel()
