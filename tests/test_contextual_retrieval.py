"""The contextual encoder: offline, filled in the background, persisted, and named in each result.

The index must answer at once with wordllama while the slower encoder fills in a thread; once
every passage has its vectors the searches switch to it, a restart encodes nothing again, and a
change to the folder falls back to wordllama until the encoder has caught up.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator.knowledge.contextual import soft_best
from simulator.knowledge.index import KnowledgeIndex

REPO = Path(__file__).resolve().parent.parent
FILL_TIMEOUT_S = 600.0
"""A bound, not a measurement: the small company takes a few seconds on an idle machine."""


def test_the_encoder_loads_with_no_network_and_tells_meanings_apart(tmp_path: Path) -> None:
    script = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('network disabled in this test')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from simulator.knowledge import encoder\n"
        "v = encoder.embed(\n"
        "    ['Have you cut vaccine waste?', 'Fewer jabs thrown away', 'Net 30 invoices']\n"
        ")\n"
        "assert v.shape == (3, 384), v.shape\n"
        "print(round(float((v[0] * v[0]).sum()), 3), float(v[0] @ v[1]) > float(v[0] @ v[2]))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path), "PYTHONPATH": str(REPO)}

    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1.0", "True"]


def test_searches_switch_to_the_encoder_once_it_has_filled(
    small_company: Path, tmp_path: Path
) -> None:
    with KnowledgeIndex(small_company, tmp_path / "index") as index:
        index.update()
        at_once = index.search("How much does Total care cost per machine?", k=2)
        assert at_once and at_once[0].source == "pricing/plans.md"

        assert index.wait_contextual(FILL_TIMEOUT_S), index.contextual
        filled = index.search("How much does Total care cost per machine?", k=2)

    assert index.contextual.state == "ready"
    assert index.contextual.encoded == index.contextual.total > 0
    assert {p.scorer for p in filled} == {"minilm"}
    assert filled[0].source == "pricing/plans.md"


def test_a_restart_encodes_nothing_again(small_company: Path, tmp_path: Path) -> None:
    with KnowledgeIndex(small_company, tmp_path / "index") as first:
        first.update()
        assert first.wait_contextual(FILL_TIMEOUT_S)
        assert first.contextual.newly_encoded == first.contextual.total

    with KnowledgeIndex(small_company, tmp_path / "index") as second:
        second.update()
        assert second.wait_contextual(FILL_TIMEOUT_S)
        assert second.contextual.newly_encoded == 0
        assert {p.scorer for p in second.search("Who founded the company?")} == {"minilm"}


def test_a_change_falls_back_to_wordllama_until_the_encoder_catches_up(
    small_company: Path, tmp_path: Path
) -> None:
    with KnowledgeIndex(small_company, tmp_path / "index") as index:
        index.update()
        assert index.wait_contextual(FILL_TIMEOUT_S)
        encoded_at_first = index.contextual.newly_encoded
        (small_company / "notes" / "tips.txt").write_text(
            "Demo tips\n\nNever demo a machine without descaling it first; "
            "limescale ruins the crema.\n"
        )

        index.update()
        assert index.scorer == "wordllama"
        stale = index.search("What must we do to a machine before a demo?", k=1)
        assert {p.scorer for p in stale} == {"wordllama"}

        assert index.wait_contextual(FILL_TIMEOUT_S)
        (top,) = index.search("What must we do to a machine before a demo?", k=1)
        assert (top.scorer, top.source) == ("minilm", "notes/tips.txt")
        assert "descaling" in top.text
        encoded_again = index.contextual.newly_encoded - encoded_at_first
        assert 0 < encoded_again < index.contextual.total, "only the changed file's texts"


def test_each_passage_carries_its_scope_for_either_scorer(
    small_company: Path, tmp_path: Path
) -> None:
    with KnowledgeIndex(small_company, tmp_path / "index") as index:
        index.update()
        for _ in range(2):  # wordllama first, then the encoder
            found = {p.source: p.scope for p in index.search("espresso plan price", k=20)}
            assert found["technical/machines.md"] == ("technical",)
            assert found["pricing/plans.md"] == ("pricing",)
            assert found["overview.md"] is None
            assert set(found["competitive/rivals.md"] or ()) == {"technical", "pricing"}
            index.wait_contextual(FILL_TIMEOUT_S)
        seen_by_pricing = {p.source for p in index.search("espresso", k=20, agent="pricing")}
        assert "technical/machines.md" not in seen_by_pricing


def test_embed_and_similarity_compare_meanings(small_company: Path, tmp_path: Path) -> None:
    with KnowledgeIndex(small_company, tmp_path / "index", contextual=False) as index:
        vectors = index.embed(["What will it cost us?", "pricing and plans", "machine specs"])
        scores = index.similarity("How much is it per month?", ["the price list", "burr size"])

    assert vectors.shape == (3, 384) and index.embedder == "all-MiniLM-L6-v2-int8"
    assert abs(float(vectors[0] @ vectors[0]) - 1.0) < 1e-3
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])
    assert scores[0] > scores[1]


def test_without_the_encoder_searches_stay_on_wordllama(
    small_company: Path, tmp_path: Path
) -> None:
    with KnowledgeIndex(small_company, tmp_path / "index", contextual=False) as index:
        index.update()

        assert not index.wait_contextual(0)
        assert index.contextual.state == "off"
        assert {p.scorer for p in index.search("Who founded the company?")} == {"wordllama"}


def test_units_pool_toward_the_best_one_never_above_it() -> None:
    """Two passages with the same best sentence: the one whose other sentences are about as close
    (generic lines) ranks below the one whose best sentence stands clear."""
    cosines = np.array([0.60, 0.10, 0.60, 0.58, 0.57], dtype=np.float32)
    starts = np.array([0, 2])
    owner = np.array([0, 0, 1, 1, 1])

    pooled = soft_best(cosines, starts, owner)

    assert pooled[0] == pytest.approx(0.60, abs=1e-4)
    assert 0.57 < pooled[1] < pooled[0]
    assert soft_best(cosines, starts, owner, temperature=1e-4) == pytest.approx([0.60, 0.60])
