"""The agents' instructions are data: editable Markdown files, loaded here.

Each agent's prompt is ``shared.md`` followed by its role's file. A folder passed as
``prompts_dir`` (a user's own prompts) is looked in first, then the bundled prompts.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from simulator.events import AgentRole

_BUNDLED = resources.files("simulator.team") / "prompts"


def load_instructions(role: AgentRole, prompts_dir: Path | None = None) -> str:
    return "\n\n".join(_read(name, prompts_dir) for name in ("shared.md", f"{role}.md"))


def _read(name: str, prompts_dir: Path | None) -> str:
    if prompts_dir is not None and (prompts_dir / name).is_file():
        return (prompts_dir / name).read_text(encoding="utf-8").strip()
    return (_BUNDLED / name).read_text(encoding="utf-8").strip()
