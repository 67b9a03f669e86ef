"""Reliability: a hostile persona file costs nothing and says one short thing.

A persona folder is shared and hand-edited; a file in it may be a YAML "billion laughs" (359
bytes, nine nested aliases: 387 million strings once walked), a huge file, a FIFO, a deeply
nested list. Each must be refused as it is read, with a message that names the file and fits on
a screen, and must never slow down or break rehearsing another persona of the same folder.
The last test throws a seeded generator's worth of such files at the loader.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator import cli
from simulator.personas.model import BUNDLED_PERSONAS, PersonaError, load_persona, load_personas
from simulator.settings import Settings

BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "name: *i\n"
)
DEFAULT_MAX_BYTES = 64 * 1024
MESSAGE_BOUND = 12_000
"""Characters a persona's whole error may take (20 problems of a few hundred characters)."""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "personas"
    shutil.copytree(BUNDLED_PERSONAS, folder)
    return folder


def _template() -> dict[str, Any]:
    return yaml.safe_load(
        (BUNDLED_PERSONAS / "price-conscious-restaurants.yaml").read_text(encoding="utf-8")
    )


def test_a_billion_laughs_is_refused_at_its_first_anchor_naming_the_file(folder: Path) -> None:
    bomb = folder / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS, encoding="utf-8")

    with pytest.raises(PersonaError) as caught:
        load_persona(bomb)

    message = str(caught.value)
    assert message == (
        f"{bomb}: line 1, column 4: uses a YAML anchor or alias (&name / *name), which persona "
        "files may not: write the text out instead"
    )


@pytest.mark.parametrize(
    "text",
    [
        "name: &n Dana\nrole: *n\n",  # an anchor on a scalar, used once
        "base: &b {tone: calm}\npersona:\n  <<: *b\n",  # a merge key needs an alias too
        "name: &unused Dana\n",  # an anchor alone is refused: nothing needs it
    ],
)
def test_any_anchor_or_alias_is_refused(folder: Path, text: str) -> None:
    (folder / "tricky.yaml").write_text(text, encoding="utf-8")

    with pytest.raises(PersonaError, match="anchor or alias"):
        load_persona(folder / "tricky.yaml")


def test_rehearsing_another_persona_beside_a_bomb_works_and_the_bomb_is_named(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "bomb.yaml").write_text(BILLION_LAUGHS, encoding="utf-8")

    found = load_personas(folder)
    assert [Path(e.path).name for e in found.errors] == ["bomb.yaml"]
    assert len(found.personas) == len(list(BUNDLED_PERSONAS.glob("*.yaml")))

    code = cli.main(
        ["rehearse", "--offline", "--personas", str(folder), "--persona", "bomb", "--turns", "1"]
    )
    err = capsys.readouterr().err
    assert code == 2 and "bomb.yaml" in err and "anchor or alias" in err
    assert len(err) < 1000 and "Traceback" not in err


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(folder: Path) -> None:
    big = folder / "big.yaml"
    data = _template()
    data["personality"] = "Talks a lot. " * 10_000  # 130 KB of valid YAML
    big.write_text(yaml.safe_dump(data), encoding="utf-8")

    with pytest.raises(PersonaError) as caught:
        load_persona(big)
    size_kb = round(big.stat().st_size / 1024)
    assert str(caught.value) == (
        f"{big}: is {size_kb} KB; a persona file may be at most 64 KB "
        "(SIMULATOR_PERSONA_MAX_KB raises the limit)"
    )
    assert load_persona(big, max_bytes=256 * 1024).personality.startswith("Talks a lot.")


def test_the_size_cap_is_a_setting(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Settings().persona_max_bytes == DEFAULT_MAX_BYTES == 64 * 1024
    assert Settings.load(env={"SIMULATOR_PERSONA_MAX_KB": "2"}).persona_max_bytes == 2048

    monkeypatch.setenv("SIMULATOR_PERSONA_MAX_KB", "2")  # the bundled personas are 3-4 KB
    code = cli.main(
        [
            "rehearse",
            "--offline",
            "--personas",
            str(folder),
            "--persona",
            "price-conscious-restaurants",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "price-conscious-restaurants.yaml: is 3 KB" in err


def test_a_fifo_named_like_a_persona_is_refused_without_blocking(folder: Path) -> None:
    os.mkfifo(folder / "pipe.yaml")  # opening it for reading would wait for a writer forever

    found = load_personas(folder)

    (error,) = found.errors
    assert str(error) == f"{folder / 'pipe.yaml'}: is not a regular file"


def test_a_huge_value_is_quoted_short_in_the_message(folder: Path) -> None:
    data = _template()
    data["tone"] = ["loud"] * 3000
    data["difficulty"] = "impossible" * 2000
    (folder / "loud.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")

    with pytest.raises(PersonaError) as caught:
        load_persona(folder / "loud.yaml")

    message = str(caught.value)
    assert "tone: must be text, got a list of 3000 entries" in message
    assert re.search(
        r"difficulty: must be one of .* \(got 'impossibleimpossible.*more characters\)", message
    )
    assert len(message) < 1000


# -- a generated hostile folder --------------------------------------------------------------------


def _hostile_files(rng: random.Random, count: int) -> dict[str, bytes]:
    """``count`` persona files, each broken in a way drawn from the generator."""
    template = _template()
    files: dict[str, bytes] = {}
    for n in range(count):
        kind = rng.choice(
            [
                "laughs",
                "anchor",
                "deep",
                "huge-string",
                "huge-list",
                "wrong-types",
                "binary",
                "tags",
                "long-key",
                "many-errors",
                "control-chars",
                "duplicate-keys",
                "over-cap",
            ]
        )
        data = json.loads(json.dumps(template))
        if kind == "laughs":
            depth = rng.randint(3, 12)
            text = 'x0: &x0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
                f"x{i}: &x{i} [{','.join([f'*x{i - 1}'] * 9)}]\n" for i in range(1, depth)
            )
            body = (
                text + f"{rng.choice(['name', 'goals', 'objections'])}: *x{depth - 1}\n"
            ).encode()
        elif kind == "anchor":
            body = f"name: &n {rng.choice(['Dana', 'Ola'])}\nrole: *n\n".encode()
        elif kind == "deep":
            depth = rng.randint(500, 20_000)
            body = b"name: " + b"[" * depth + b"]" * depth + b"\n"
        elif kind == "huge-string":
            data[rng.choice(["name", "tone", "opening", "fed_up"])] = "é" * rng.randint(
                20_000, 30_000
            )
            data["difficulty"] = "x" * rng.randint(5_000, 20_000)
            body = yaml.safe_dump(data, allow_unicode=True).encode()
        elif kind == "huge-list":
            data[rng.choice(["goals", "tone", "acknowledgements"])] = [
                [rng.randint(0, 9)] for _ in range(rng.randint(1_000, 6_000))
            ]
            body = yaml.safe_dump(data).encode()
        elif kind == "wrong-types":
            for field in rng.sample(sorted(data), 5):
                data[field] = rng.choice([None, 3.5, True, [], {"a": 1}, -7])
            body = yaml.safe_dump(data).encode()
        elif kind == "binary":
            body = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4000)))
        elif kind == "tags":
            body = b"name: !!python/object/apply:os.system ['echo pwned']\n"
        elif kind == "long-key":
            body = ("k" * rng.randint(1_000, 40_000) + ": 1\n").encode()
        elif kind == "many-errors":
            data["objections"] = [{"id": f"BAD {i}", "topic": "weather"} for i in range(400)]
            body = yaml.safe_dump(data).encode()
        elif kind == "control-chars":
            data["name"] = "\x1b]0;pwned\x07\x1b[2J" * 50
            data["difficulty"] = "\x1b[31m" * 500
            body = yaml.safe_dump(data).encode()
        elif kind == "duplicate-keys":
            body = b"name: A\nname: B\n" * rng.randint(1, 2000)
        else:  # over-cap
            body = b"# padding\n" * (DEFAULT_MAX_BYTES // 10 + rng.randint(1, 5000))
        files[f"hostile-{n:02d}-{kind}.yaml"] = body
    return files


def test_a_generated_hostile_folder_leaves_every_good_persona_and_short_messages(
    folder: Path,
) -> None:
    rng = random.Random(11)
    files = _hostile_files(rng, 40)
    for name, body in files.items():
        (folder / name).write_bytes(body)

    found = load_personas(folder)

    good = sorted(p.stem for p in BUNDLED_PERSONAS.glob("*.yaml"))
    assert sorted(p.id for p in found.personas) == good, "every good persona still loads"
    errors = {Path(e.path).name: str(e) for e in found.errors}
    assert sorted(errors) == sorted(files), "every hostile file is refused, one error each"
    for name, message in errors.items():
        assert message.startswith(str(folder / name) + ": "), message[:200]
        assert len(message) < MESSAGE_BOUND, f"{name}: {len(message):,} characters"
        assert "pwned" not in message or "\x1b" not in message or "control" in name
