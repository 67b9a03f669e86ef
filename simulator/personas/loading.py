"""Reading a persona file: a size cap, and YAML without anchors or aliases.

A persona is a few kilobytes a trainer writes by hand, so anything else is refused before it can
cost anything: a file over the cap (checked before reading), something that is not a regular
file (a FIFO, a device), and any YAML anchor or alias. Aliases are how a 359-byte "billion laughs"
file becomes 387 million strings once anything walks it (validation, an error message quoting
it); hand-written personas never need them. The checks run as the YAML is composed, so a hostile
file costs microseconds and one short message, whatever folder it sits in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DEFAULT_MAX_BYTES = 64 * 1024
"""Largest persona file read (the bundled ones are 3-4 KB); ``SIMULATOR_PERSONA_MAX_KB``."""


class PersonaFileProblem(Exception):
    """The file cannot be a persona; the message says why (the caller names the file)."""


class _SafeLoaderWithoutAliases(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors (``&name``) and aliases (``*name``) where met."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise PersonaFileProblem(
                f"line {mark.line + 1}, column {mark.column + 1}: uses a YAML anchor or alias "
                "(&name / *name), which persona files may not: write the text out instead"
            )
        return super().compose_node(parent, index)


def read_persona_yaml(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> object:
    """The YAML document in ``path``; raises :class:`PersonaFileProblem` with a short reason."""
    try:
        info = path.stat()
    except OSError as e:
        raise PersonaFileProblem(f"cannot be read: {e.strerror or e}") from e
    if not path.is_file():
        raise PersonaFileProblem("is not a regular file")
    if info.st_size > max_bytes:
        raise PersonaFileProblem(
            f"is {_size(info.st_size)}; a persona file may be at most {_size(max_bytes)} "
            "(SIMULATOR_PERSONA_MAX_KB raises the limit)"
        )
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as e:
        raise PersonaFileProblem(f"cannot be read: {e.strerror or e}") from e
    if len(data) > max_bytes:  # it grew since stat()
        raise PersonaFileProblem(f"is larger than {_size(max_bytes)}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PersonaFileProblem("is not UTF-8 text") from e
    loader = _SafeLoaderWithoutAliases(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise PersonaFileProblem(f"is not valid YAML{where}: {problem}") from e
    except RecursionError as e:
        raise PersonaFileProblem("nests lists or mappings too deeply to be a persona") from e
    finally:
        loader.dispose()


def _size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 1024:.0f} KB"
