"""Reliability: broken inputs from a generated corpus get clear messages, and nothing else is lost.

Users edit knowledge folders, persona files and settings by hand, and type command lines. Each
corpus below is generated (hand-picked breakages plus seeded random garbage); for every broken
input the simulator must say which file, field or flag is wrong and why, in words, and keep
everything that was fine: the good documents are all searchable, the good personas all load, a
broken settings file is left untouched on disk, and no command prints a traceback.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator import cli
from simulator.events import StatusEvent, TranscriptEvent
from simulator.knowledge.index import KnowledgeIndex
from simulator.personas.model import BUNDLED_PERSONAS, load_personas
from simulator.preferences import PreferencesError, load_preferences
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings

# -- knowledge files ------------------------------------------------------------------------------


def broken_documents(rng: random.Random) -> dict[str, tuple[bytes | None, str]]:
    """File name -> (content, or None for a dangling symlink; the reason expected in the
    message)."""
    press_pdf = (BUNDLED_KNOWLEDGE / "press" / "press-release-2026.pdf").read_bytes()
    corpus: dict[str, tuple[bytes | None, str]] = {
        "empty.md": (b"", r"empty"),
        "blank.txt": (b"  \n\n \t \n", r"empty"),
        "binary.md": (bytes(range(256)) * 8, r"binary"),
        "cp1252.md": (
            "# Café\n\nLe prix est de 10 € par capteur et par mois.".encode("cp1252"),
            r"UTF-8",
        ),
        "front-matter-yaml.md": (
            b"---\nagents: [technical\n---\n# Title\n\nSome text here.",
            r"front matter.*YAML",
        ),
        "front-matter-list.md": (
            b"---\n- a\n- b\n---\n# Title\n\nSome text here.",
            r"front matter must be a mapping",
        ),
        "unknown-agent.md": (
            b"---\nagents: [wizard]\n---\n# Title\n\nSome text.",
            r"unknown agent.*wizard",
        ),
        "only-headings.md": (b"# One\n## Two\n### Three\n", r"no text"),
        # (a CSV with some good rows keeps them and names the ragged ones: test_documents.py)
        "ragged.csv": (b"sku,product,in_stock\nB-2,Other\nC-3\n", r"row 2 has 2 fields"),
        "header-only.csv": (b"sku,product,in_stock\n", r"header but no rows"),
        "numbers.csv": (b"1,2,3\n4,5,6\n", r"looks like data"),
        "not-a.pdf": (b"%PDF-1.4\nthis is not really a PDF at all\n", r"PDF"),
        "truncated.pdf": (press_pdf[:400], r"PDF"),
        "dangling.md": (None, r"cannot read"),
    }
    for n in range(4):  # seeded random garbage under text names: NUL bytes make it binary
        blob = bytes(rng.randrange(256) for _ in range(rng.randint(64, 2048))) + b"\x00"
        corpus[f"garbage-{n}.{rng.choice(['md', 'txt', 'csv'])}"] = (blob, r"binary")
    return corpus


def plant(folder: Path, corpus: dict[str, tuple[bytes | None, str]]) -> None:
    target = folder / "broken"
    target.mkdir()
    for name, (content, _) in corpus.items():
        if content is None:
            (target / name).symlink_to(target / "does-not-exist.md")
        else:
            (target / name).write_bytes(content)


def test_broken_knowledge_files_are_named_and_every_good_passage_stays(
    small_company: Path, tmp_path: Path
) -> None:
    clean = tmp_path / "clean"
    shutil.copytree(small_company, clean)
    corpus = broken_documents(random.Random(6))
    plant(small_company, corpus)

    with KnowledgeIndex(clean, tmp_path / "clean-index") as index:
        expected = index.update()
    with KnowledgeIndex(small_company, tmp_path / "index") as index:
        report = index.update()
        found = index.search("How much does Total care cost per machine?", k=2)

    skipped = {Path(e.path).name: e for e in report.skipped}
    assert sorted(skipped) == sorted(corpus), "every broken file is reported, once"
    for name, (_, reason) in corpus.items():
        error = skipped[name]
        assert str(error).startswith(f"broken/{name}: "), str(error)
        assert re.search(reason, error.reason), f"{name}: {error.reason}"
        assert "Traceback" not in str(error)
    assert report.chunks == expected.chunks, "nothing else is lost"
    assert found and found[0].source == "pricing/plans.md"


async def test_a_session_on_a_broken_folder_says_what_it_skipped_and_still_answers(
    small_company: Path, tmp_path: Path
) -> None:
    corpus = broken_documents(random.Random(7))
    plant(small_company, corpus)
    runner = SessionRunner(
        Settings(knowledge_dir=small_company, data_dir=tmp_path / "data", offline=True)
    )
    async with runner:
        await runner.send("How much does Total care cost per machine?")
    events = [e async for e in runner.events()]
    skipped = [
        e.message
        for e in events
        if isinstance(e, StatusEvent) and e.source == "knowledge" and e.level == "warning"
    ]
    assert len(skipped) == len(corpus)
    for name in corpus:
        assert any(f"broken/{name}" in message for message in skipped), name
    reply = [e for e in events if isinstance(e, TranscriptEvent) and e.speaker != "customer"][-1]
    assert "59 dollars" in reply.text


def test_simulator_index_names_each_skipped_file_and_succeeds(
    small_company: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    corpus = broken_documents(random.Random(8))
    plant(small_company, corpus)
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["index", "--knowledge", str(small_company)]) == 0
    out, err = capsys.readouterr()
    warnings = [line for line in err.splitlines() if line.startswith("warning: skipped ")]
    assert len(warnings) == len(corpus) and "Traceback" not in err
    assert f"{len(corpus)} skipped" in out


# -- persona files --------------------------------------------------------------------------------

PersonaMutation = Callable[[dict[str, Any]], Any]


def _set(path: str, value: Any) -> PersonaMutation:
    def mutate(data: dict[str, Any]) -> dict[str, Any]:
        target: Any = data
        keys = [int(k) if k.isdigit() else k for k in path.split(".")]
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
        return data

    return mutate


def _drop(field: str) -> PersonaMutation:
    def mutate(data: dict[str, Any]) -> dict[str, Any]:
        del data[field]
        return data

    return mutate


def _duplicate_objection(data: dict[str, Any]) -> dict[str, Any]:
    # a deep copy: shared lists would be dumped as YAML aliases, which persona files refuse
    data["objections"].append(json.loads(json.dumps(data["objections"][0])))
    return data


PERSONA_CORPUS: dict[str, tuple[PersonaMutation | bytes, str]] = {
    # file stem -> (a mutation of a good persona, or raw bytes; the field (or problem) named)
    "bad-yaml": (b"name: [unclosed\nrole: x\n", r"not valid YAML \(line \d+"),
    "a-list": (b"- just\n- a list\n", r"must be a YAML mapping"),
    "empty": (b"", r"must be a YAML mapping"),
    "not-utf8": ("name: Jos\xe9\n".encode("latin-1"), r"not UTF-8"),
    "no-opening": (_drop("opening"), r"opening: is required"),
    "push-hard": (_set("objections.0.push", "hard"), r"objections\[0\]\.push: must be one of"),
    "tone-yes": (_set("tone", True), r"tone: must be text.*quotes"),
    "typo-field": (_set("nmae", "Tom"), r"nmae: is not a persona field"),
    "duplicate-objection": (_duplicate_objection, r"objections: ids must be unique"),
    "requires-unknown": (
        _set("next_step.requires", ["no-such-objection"]),
        r"next_step.requires: unknown id",
    ),
    "has-id": (_set("id", "someone"), r"id: not a field"),
    "no-objections": (_set("objections", []), r"objections: needs at least 1"),
    "difficulty-typo": (_set("difficulty", "extreme"), r"difficulty: must be one of"),
}


def test_broken_personas_are_named_with_their_field_and_the_good_ones_all_load(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "personas"
    shutil.copytree(BUNDLED_PERSONAS, folder)
    good = load_personas(folder)
    assert not good.errors
    template = yaml.safe_load(
        (BUNDLED_PERSONAS / f"{good.personas[0].id}.yaml").read_text(encoding="utf-8")
    )
    for stem, (mutation, _) in PERSONA_CORPUS.items():
        if isinstance(mutation, bytes):
            (folder / f"broken-{stem}.yaml").write_bytes(mutation)
        else:
            data = mutation(json.loads(json.dumps(template)))
            (folder / f"broken-{stem}.yaml").write_text(
                yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
            )

    loaded = load_personas(folder)
    assert [p.id for p in loaded.personas] == [p.id for p in good.personas], (
        "every good persona still loads"
    )
    errors = {Path(e.path).stem.removeprefix("broken-"): e for e in loaded.errors}
    assert sorted(errors) == sorted(PERSONA_CORPUS)
    for stem, (_, expected) in PERSONA_CORPUS.items():
        message = str(errors[stem])
        assert message.startswith(str(folder / f"broken-{stem}.yaml") + ": "), message
        assert re.search(expected, message), f"{stem}: {message}"


def test_rehearsing_a_broken_persona_says_why_and_exits_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "personas"
    folder.mkdir()
    (folder / "dana.yaml").write_text("name: Dana\nobjections: []\n", encoding="utf-8")
    code = cli.main(["rehearse", "--personas", str(folder), "--persona", "dana", "--offline"])
    err = capsys.readouterr().err
    assert code == 2 and "dana.yaml" in err and "Traceback" not in err
    assert re.search(r"role: is required", err)


# -- settings -------------------------------------------------------------------------------------

SETTINGS_CORPUS: dict[str, tuple[bytes, str]] = {
    "not-json": (b"{cerebras_model: gpt", r"not valid JSON \(line 1\)"),
    "array": (b"[1, 2]", r"must hold a JSON object"),
    "offline-yes": (b'{"offline": "yes"}', r"'offline' must be true or false"),
    "negative-idle": (b'{"demo_idle_reset_s": -5}', r"'demo_idle_reset_s' must be a whole number"),
    "idle-text": (
        b'{"demo_idle_reset_s": "ninety"}',
        r"'demo_idle_reset_s' must be a whole number",
    ),
    "model-number": (b'{"cerebras_model": 42}', r"'cerebras_model' must be text"),
    "knowledge-list": (b'{"knowledge_dir": ["/a", "/b"]}', r"'knowledge_dir' must be text"),
    "latin-1": ('{"cerebras_model": "gpt-\xf6ss"}'.encode("latin-1"), r"not UTF-8|cannot read"),
    "nul-bytes": (b"\x00\x00\x00", r"not valid JSON|not UTF-8|cannot read"),
}


@pytest.mark.parametrize("name", list(SETTINGS_CORPUS))
def test_a_broken_settings_file_is_explained_and_left_untouched(name: str, tmp_path: Path) -> None:
    raw, expected = SETTINGS_CORPUS[name]
    path = tmp_path / "settings.json"
    path.write_bytes(raw)
    with pytest.raises(PreferencesError) as caught:
        load_preferences(path)
    message = str(caught.value)
    assert str(path) in message and re.search(expected, message), message
    assert path.read_bytes() == raw, (
        "the user's file is never rewritten or removed by a failed load"
    )


def test_the_app_opens_with_a_broken_settings_file_and_says_which(
    qtbot: Any, tmp_path: Path
) -> None:
    from simulator.app.main import AppOptions, create_window

    path = tmp_path / "settings.json"
    raw = b'{"offline": "sometimes", "cerebras_model": "gpt-oss-120b"}'
    path.write_bytes(raw)
    window = create_window(AppOptions(preferences_path=path, env={}, log_sessions=False))
    qtbot.addWidget(window)
    try:
        assert window.banner.level == "warning"
        assert str(path) in window.banner.text and "offline" in window.banner.text
        assert path.read_bytes() == raw
    finally:
        window.close()


# -- environment and command line -----------------------------------------------------------------

ENV_CORPUS = {
    "CHROMA_PORT": ("eight thousand", r"CHROMA_PORT must be a whole number, got 'eight thousand'"),
    "SIMULATOR_WORKER_PORT": ("80a", r"SIMULATOR_WORKER_PORT must be a whole number"),
    "SIMULATOR_KNOWLEDGE": (
        "/no/such/company",
        r"knowledge folder /no/such/company does not exist",
    ),
}


@pytest.mark.parametrize("variable", list(ENV_CORPUS))
def test_a_bad_environment_variable_is_named(
    variable: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    value, expected = ENV_CORPUS[variable]
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(variable, value)
    code = cli.main(["index"])
    err = capsys.readouterr().err
    assert code == 2 and re.search(expected, err), err
    assert "Traceback" not in err


def cli_corpus(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    rng = random.Random(11)
    corpus = {
        "unknown command": (["frobnicate"], r"invalid choice: 'frobnicate'"),
        "k not a number": (["retrieve", "-k", "abc", "query"], r"-k: invalid int value: 'abc'"),
        "k missing": (["retrieve", "-k"], r"-k: expected one argument"),
        "k zero": (["retrieve", "-k", "0", "query"], r"-k must be at least 1"),
        "unknown agent": (
            ["retrieve", "--agent", "wizard", "q"],
            r"--agent: invalid choice: 'wizard'",
        ),
        "missing folder": (
            ["index", "--knowledge", "/no/such/folder"],
            r"/no/such/folder does not exist",
        ),
        "folder is a file": (["index", "--knowledge", str(a_file)], r"notes.txt is not a folder"),
        "knowledge missing value": (["--knowledge"], r"--knowledge: expected one argument"),
        "rehearse without persona": (
            ["rehearse"],
            r"one of the arguments --persona --all is required",
        ),
        "turns not a number": (
            ["rehearse", "--persona", "x", "--turns", "many"],
            r"--turns: invalid int value",
        ),
        "turns zero": (
            ["rehearse", "--persona", "dana", "--turns", "0", "--offline"],
            r"--turns must be at least 1",
        ),
        "unknown persona": (
            ["rehearse", "--persona", "nobody-at-all", "--offline"],
            r"nobody-at-all.*not a persona",
        ),
        "unknown flag": (["worker", "--bogus"], r"unrecognized arguments: --bogus"),
        "chat on a missing folder": (
            ["chat", "--knowledge", "/no/such/folder"],
            r"/no/such/folder does not exist",
        ),
    }
    for n in range(3):  # seeded random flags
        flag = "--" + "".join(
            rng.choice("abcdefghijklmnopqrstuvwxyz-") for _ in range(rng.randint(3, 12))
        ).strip("-")
        corpus[f"random flag {n}"] = (["index", flag or "--x"], r"unrecognized arguments")
    return corpus


def test_bad_command_lines_exit_2_naming_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(tmp_path / "data"))
    for name, (argv, expected) in cli_corpus(tmp_path).items():
        try:
            code = cli.main(argv)
        except SystemExit as e:  # argparse's own usage errors
            code = e.code
        err = capsys.readouterr().err
        assert code == 2, f"{name}: exit {code}"
        assert re.search(expected, err), f"{name}: {err}"
        assert "Traceback" not in err, name
