"""Typed configuration, read once from the environment and the command line, then passed in.

Nothing else in the core reads ``os.environ``: tests build a ``Settings`` directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

APP_NAME = "sales-simulator"
DEFAULT_CEREBRAS_MODEL = "gpt-oss-120b"
BUNDLED_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path = BUNDLED_KNOWLEDGE
    data_dir: Path = field(default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)))
    cerebras_api_key: str | None = field(default=None, repr=False)
    cerebras_base_url: str | None = None
    cerebras_model: str = DEFAULT_CEREBRAS_MODEL
    cerebras_timeout_s: float = 20.0
    cerebras_max_retries: int = 2
    offline: bool = False
    chroma_host: str | None = None
    chroma_port: int = 8000
    retrieval_k: int = 4

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from environment variables; keyword overrides (the CLI's flags) win."""
        env = os.environ if env is None else env
        values: dict[str, object] = {
            "cerebras_api_key": env.get("CEREBRAS_API_KEY") or None,
            "cerebras_base_url": env.get("CEREBRAS_BASE_URL") or None,
            "cerebras_model": env.get("CEREBRAS_MODEL") or DEFAULT_CEREBRAS_MODEL,
            "chroma_host": env.get("CHROMA_HOST") or None,
        }
        if env.get("CHROMA_PORT"):
            values["chroma_port"] = _int_setting("CHROMA_PORT", env["CHROMA_PORT"])
        if env.get("SIMULATOR_KNOWLEDGE"):
            values["knowledge_dir"] = Path(env["SIMULATOR_KNOWLEDGE"])
        if env.get("SIMULATOR_DATA_DIR"):
            values["data_dir"] = Path(env["SIMULATOR_DATA_DIR"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        return replace(settings, knowledge_dir=Path(settings.knowledge_dir).expanduser())

    @property
    def use_cerebras(self) -> bool:
        return bool(self.cerebras_api_key) and not self.offline

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


def _int_setting(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"setting {name} must be a whole number, got {raw!r}") from None
