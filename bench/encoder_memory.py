"""The contextual encoder's memory with onnxruntime's CPU arena on and off (off as shipped).

The encoder (:mod:`simulator.knowledge.encoder`) runs batches of every length; onnxruntime's
arena keeps the largest buffers it ever needed, so the app's idle RSS grows by hundreds of MB
while the background fill runs. This runs the same texts through the encoder in two child
processes, arena on and off (alternating, same texts, same machine), and prints RSS and time::

    .venv/bin/python -m bench.encoder_memory [TEXTS] [ROUNDS]

The child sets :data:`simulator.knowledge.encoder.CPU_ARENA` before the encoder loads.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _child(arena: bool, count: int) -> dict[str, float]:
    import psutil

    from simulator.knowledge import encoder

    encoder.CPU_ARENA = arena
    words = (REPO / "knowledge" / "pricing" / "pricing-and-plans.md").read_text().split()
    pick = random.Random(1)
    texts = [
        " ".join(pick.choice(words) for _ in range(pick.randint(3, 250))) for _ in range(count)
    ]
    process = psutil.Process()
    encoder.embed(texts[:2])
    loaded = process.memory_info().rss / 2**20
    started = time.perf_counter()
    for start in range(0, count, 32):
        encoder.embed(texts[start : start + 32])
    return {
        "loaded_mb": loaded,
        "after_mb": process.memory_info().rss / 2**20,
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2] == "on", int(sys.argv[3]))))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    for n in range(rounds):
        for arena in ("on", "off") if n % 2 == 0 else ("off", "on"):
            done = subprocess.run(
                [sys.executable, "-m", "bench.encoder_memory", "--child", arena, str(count)],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=1800,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"arena {arena:3s}: RSS {result['loaded_mb']:.0f} MB loaded, "
                f"{result['after_mb']:.0f} MB after {count} texts, {result['seconds']:.1f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
