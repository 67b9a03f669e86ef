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
DEFAULT_VOICES = {
    # Cartesia voice ids, one distinct voice per agent (SIMULATOR_VOICE_<ROLE> overrides).
    "greeter": "f786b574-daa5-4673-aa0c-cbe3e8534c02",
    "technical": "a0e99841-438c-4a64-b679-ae501e7d6091",
    "pricing": "79a125e8-cd45-4c13-8a67-188112f4dd22",
}
_STRING_SETTINGS = {
    "cartesia_stt_model": "CARTESIA_STT_MODEL",
    "cartesia_tts_model": "CARTESIA_TTS_MODEL",
    "voice_greeter": "SIMULATOR_VOICE_GREETER",
    "voice_technical": "SIMULATOR_VOICE_TECHNICAL",
    "voice_pricing": "SIMULATOR_VOICE_PRICING",
    "voice_mode": "SIMULATOR_VOICE",
    "livekit_agent_name": "SIMULATOR_AGENT_NAME",
    "worker_host": "SIMULATOR_WORKER_HOST",
}


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
    # Voice (Cartesia) and the LiveKit room; see simulator/voice and simulator/room.
    cartesia_api_key: str | None = field(default=None, repr=False)
    cartesia_base_url: str | None = None
    cartesia_stt_model: str = "ink-2"
    cartesia_tts_model: str = "sonic-3"
    voice_greeter: str = DEFAULT_VOICES["greeter"]
    voice_technical: str = DEFAULT_VOICES["technical"]
    voice_pricing: str = DEFAULT_VOICES["pricing"]
    voice_mode: str = "auto"
    """``auto`` (Cartesia with a key, else the offline voice if installed, else text), ``cartesia``,
    ``offline`` or ``off``."""
    livekit_url: str | None = None
    livekit_api_key: str | None = field(default=None, repr=False)
    livekit_api_secret: str | None = field(default=None, repr=False)
    livekit_token_url: str | None = None
    livekit_agent_name: str = "sales-team"
    worker_host: str = "127.0.0.1"
    worker_port: int = 8081

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from environment variables; keyword overrides (the CLI's flags) win."""
        env = os.environ if env is None else env
        values: dict[str, object] = {
            "cerebras_api_key": env.get("CEREBRAS_API_KEY") or None,
            "cerebras_base_url": env.get("CEREBRAS_BASE_URL") or None,
            "cerebras_model": env.get("CEREBRAS_MODEL") or DEFAULT_CEREBRAS_MODEL,
            "chroma_host": env.get("CHROMA_HOST") or None,
            "cartesia_api_key": env.get("CARTESIA_API_KEY") or None,
            "cartesia_base_url": env.get("CARTESIA_BASE_URL") or None,
            "livekit_url": env.get("LIVEKIT_URL") or None,
            "livekit_api_key": env.get("LIVEKIT_API_KEY") or None,
            "livekit_api_secret": env.get("LIVEKIT_API_SECRET") or None,
            "livekit_token_url": env.get("SIMULATOR_TOKEN_URL") or None,
        }
        for name, variable in _STRING_SETTINGS.items():
            if env.get(variable):
                values[name] = env[variable]
        if env.get("SIMULATOR_OFFLINE", "").lower() in ("1", "true", "yes"):
            values["offline"] = True
        if env.get("SIMULATOR_WORKER_PORT"):
            values["worker_port"] = _int_setting(
                "SIMULATOR_WORKER_PORT", env["SIMULATOR_WORKER_PORT"]
            )
        if env.get("CHROMA_PORT"):
            values["chroma_port"] = _int_setting("CHROMA_PORT", env["CHROMA_PORT"])
        if env.get("SIMULATOR_KNOWLEDGE"):
            values["knowledge_dir"] = Path(env["SIMULATOR_KNOWLEDGE"])
        if env.get("SIMULATOR_DATA_DIR"):
            values["data_dir"] = Path(env["SIMULATOR_DATA_DIR"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        return replace(settings, knowledge_dir=Path(settings.knowledge_dir).expanduser())

    def secret_values(self) -> tuple[str, ...]:
        """The secrets that are set (keys, the LiveKit secret), for a redactor."""
        values = (
            self.cerebras_api_key,
            self.cartesia_api_key,
            self.livekit_api_key,
            self.livekit_api_secret,
        )
        return tuple(v for v in values if v)

    @property
    def use_cerebras(self) -> bool:
        return bool(self.cerebras_api_key) and not self.offline

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    def voice_for(self, role: str) -> str:
        """The Cartesia voice id of an agent role (greeter, technical, pricing)."""
        return {
            "greeter": self.voice_greeter,
            "technical": self.voice_technical,
            "pricing": self.voice_pricing,
        }[role]


def _int_setting(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"setting {name} must be a whole number, got {raw!r}") from None
