"""Typed configuration, declared once: each setting, its type, its default and its environment
variable, read in one place (:meth:`Settings.load`) and then passed in.

Precedence, stated once: **command-line flags > environment variables > the settings file >
defaults**. Nothing else reads ``os.environ``: building a ``Settings`` directly (as the tests and
the worker's jobs do) reads nothing but what it is given. Secrets are ``SecretStr``: they never
show in a ``repr`` or a log, and are read with ``get_secret_value()`` at the one place that sends
them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from simulator.errors import SimulatorError, shorten
from simulator.events import CoachSpeed

APP_NAME = "sales-simulator"
DEFAULT_CEREBRAS_MODEL = "gpt-oss-120b"
BUNDLED_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
BUNDLED_PERSONAS = Path(__file__).resolve().parent.parent / "personas"
DEFAULT_VOICES = {
    # Cartesia voice ids, one distinct voice per agent (SIMULATOR_VOICE_<ROLE> overrides).
    "greeter": "f786b574-daa5-4673-aa0c-cbe3e8534c02",
    "technical": "a0e99841-438c-4a64-b679-ae501e7d6091",
    "pricing": "79a125e8-cd45-4c13-8a67-188112f4dd22",
}
VoiceMode = Literal["auto", "cartesia", "offline", "off"]
SECRETS_FIELDS = ("cerebras_api_key", "cartesia_api_key", "livekit_api_key", "livekit_api_secret")


class SettingsError(SimulatorError, ValueError):
    """A setting that cannot be used, named with where it came from."""


def _env(name: str, default: Any = None, **options: Any) -> Any:
    """A setting read from the environment variable ``name`` (and from the settings file and
    the flags by its field name)."""
    return Field(default, validation_alias=name, **options)


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


class Settings(BaseSettings):
    """Everything the simulator is configured with; see the module doc for where it comes from."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        case_sensitive=True,
        env_ignore_empty=True,
    )

    knowledge_dir: Path = _env("SIMULATOR_KNOWLEDGE", BUNDLED_KNOWLEDGE)
    data_dir: Path = Field(default_factory=_default_data_dir, validation_alias="SIMULATOR_DATA_DIR")
    personas_dir: Path = _env("SIMULATOR_PERSONAS", BUNDLED_PERSONAS)
    """Where Coach mode finds the personas a user names."""
    cerebras_api_key: SecretStr | None = _env("CEREBRAS_API_KEY")
    cerebras_base_url: str | None = _env("CEREBRAS_BASE_URL")
    cerebras_model: str = _env("CEREBRAS_MODEL", DEFAULT_CEREBRAS_MODEL)
    cerebras_timeout_s: float = 20.0
    cerebras_max_retries: int = 2
    cerebras_first_answer_s: float = _env(
        "SIMULATOR_FIRST_ANSWER_S", 5.0, gt=0, le=3600, allow_inf_nan=False
    )
    """Seconds the customer waits for Cerebras' first word before the offline responder answers."""
    cerebras_cooldown_s: float = _env(
        "SIMULATOR_CEREBRAS_COOLDOWN_S", 30.0, gt=0, le=86400, allow_inf_nan=False
    )
    """After Cerebras sent nothing within the first-answer budget, seconds its turns go straight
    offline."""
    session_log_max_mb: int = _env("SIMULATOR_SESSION_LOG_MAX_MB", 512, gt=0)
    """Largest session log opened, in MB; bigger ones are refused with a message."""
    persona_max_kb: int = _env("SIMULATOR_PERSONA_MAX_KB", 64, gt=0)
    """Largest persona file read, in KB; bigger ones are refused with a message."""
    offline: bool = _env("SIMULATOR_OFFLINE", False)
    """The offline responder even with a key."""
    chroma_host: str | None = _env("CHROMA_HOST")
    chroma_port: int = _env("CHROMA_PORT", 8000)
    retrieval_k: int = 4
    max_file_mb: float = _env("SIMULATOR_MAX_FILE_MB", 10.0, gt=0)
    """Bytes of one knowledge file that are indexed (a longer text or CSV is cut, and named)."""
    max_csv_rows: int = _env("SIMULATOR_MAX_CSV_ROWS", 50_000, gt=0)
    """Rows of one knowledge CSV that are indexed and looked up."""
    # Voice (Cartesia) and the LiveKit room; see simulator/voice and simulator/room.
    cartesia_api_key: SecretStr | None = _env("CARTESIA_API_KEY")
    cartesia_base_url: str | None = _env("CARTESIA_BASE_URL")
    cartesia_stt_model: str = _env("CARTESIA_STT_MODEL", "ink-2")
    cartesia_tts_model: str = _env("CARTESIA_TTS_MODEL", "sonic-3")
    voice_greeter: str = _env("SIMULATOR_VOICE_GREETER", DEFAULT_VOICES["greeter"])
    voice_technical: str = _env("SIMULATOR_VOICE_TECHNICAL", DEFAULT_VOICES["technical"])
    voice_pricing: str = _env("SIMULATOR_VOICE_PRICING", DEFAULT_VOICES["pricing"])
    voice_mode: VoiceMode = _env("SIMULATOR_VOICE", "auto")
    """``auto`` (Cartesia with a key, else the offline voice if installed, else text),
    ``cartesia``, ``offline`` or ``off``."""
    livekit_url: str | None = _env("LIVEKIT_URL")
    livekit_api_key: SecretStr | None = _env("LIVEKIT_API_KEY")
    livekit_api_secret: SecretStr | None = _env("LIVEKIT_API_SECRET")
    livekit_token_url: str | None = _env("SIMULATOR_TOKEN_URL")
    livekit_agent_name: str = _env("SIMULATOR_AGENT_NAME", "sales-team")
    worker_host: str = _env("SIMULATOR_WORKER_HOST", "127.0.0.1")
    worker_port: int = _env("SIMULATOR_WORKER_PORT", 8081)
    replay_speed: float = _env("SIMULATOR_REPLAY_SPEED", 2.0, gt=0)
    """How much faster than it happened a saved session is replayed."""
    coach_speed: CoachSpeed = _env("SIMULATOR_COACH_SPEED", "1x")
    """Coach mode's pace: ``0.5x``, ``1x`` (a person's), ``2x``, ``4x`` or ``instant``."""

    SECRETS: ClassVar[tuple[str, ...]] = SECRETS_FIELDS

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """``Settings(...)`` takes what it is given and nothing else; :meth:`load` reads the
        rest."""
        return (init_settings,)

    @field_validator(*SECRETS_FIELDS, mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("knowledge_dir", "data_dir", "personas_dir")
    @classmethod
    def _expand_home(cls, folder: Path) -> Path:
        return folder.expanduser()

    @classmethod
    def load(
        cls,
        *,
        flags: Mapping[str, object] | None = None,
        env: Mapping[str, str] | None = None,
        file: Mapping[str, object] | None = None,
    ) -> Settings:
        """The settings in force: ``flags`` (the command line's; ``None`` means "not given") over
        the environment (``os.environ`` unless given) over the settings ``file``'s values over
        the defaults. A value that cannot be used raises :class:`SettingsError` naming it."""
        layers = (  # lowest first
            ("the settings file", _by_field(file or {})),
            ("environment", _Environment(cls, os.environ if env is None else env)()),
            ("flag", _by_field(flags or {})),
        )
        values: dict[str, object] = {}
        origin: dict[str, str] = {}
        for where, layer in layers:
            values.update(layer)
            origin.update(dict.fromkeys(layer, where))
        try:
            return cls.model_validate(values)
        except ValidationError as e:
            raise SettingsError(_explain(e, origin)) from None

    @classmethod
    def env_name(cls, field: str) -> str | None:
        """The environment variable of a setting, or ``None`` if it has none."""
        alias = cls.model_fields[field].validation_alias
        return alias if isinstance(alias, str) else None

    def replace(self, **changes: object) -> Settings:
        """A copy with some settings changed (validated like the rest)."""
        return type(self).model_validate(dict(self) | changes)

    def as_environment(self) -> dict[str, str]:
        """The environment variables that give another process (a local worker) these settings
        (every setting that has a variable and a value; see :meth:`environment_names`)."""
        out: dict[str, str] = {}
        for field in type(self).model_fields:
            name, value = self.env_name(field), getattr(self, field)
            if name is None or value is None:
                continue
            out[name] = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        return out

    @classmethod
    def environment_names(cls) -> set[str]:
        """Every environment variable a setting is read from."""
        return {name for field in cls.model_fields if (name := cls.env_name(field))}

    def secret_values(self) -> tuple[str, ...]:
        """The secrets that are set (keys, the LiveKit secret), for a redactor."""
        values = (getattr(self, name) for name in self.SECRETS)
        return tuple(v.get_secret_value() for v in values if v is not None and v.get_secret_value())

    @property
    def use_cerebras(self) -> bool:
        return bool(secret(self.cerebras_api_key)) and not self.offline

    @property
    def session_log_max_bytes(self) -> int:
        return self.session_log_max_mb * 2**20

    @property
    def persona_max_bytes(self) -> int:
        return self.persona_max_kb * 1024

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


def secret(value: SecretStr | None) -> str | None:
    """The text of a secret setting, for the one call that sends it."""
    return value.get_secret_value() if value is not None else None


class _Environment(EnvSettingsSource):
    """The declared environment variables, from a given mapping (``os.environ`` by default)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._given = env
        super().__init__(settings_cls, case_sensitive=True, env_ignore_empty=True)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._given, True, True, None)

    def __call__(self) -> dict[str, Any]:
        names = {
            alias: field
            for field, info in self.settings_cls.model_fields.items()
            if isinstance(alias := info.validation_alias, str)
        }
        return {names[k]: v for k, v in super().__call__().items() if k in names}


def _by_field(values: Mapping[str, object]) -> dict[str, object]:
    return {k: v for k, v in values.items() if v is not None}


_WORDS = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false",
    "greater_than": "must be more than 0",
    "literal_error": "must be one of {expected}",
}


def _explain(error: ValidationError, origin: Mapping[str, str]) -> str:
    problems = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "?"
        where = origin.get(field, "")
        name = Settings.env_name(field) if where == "environment" else None
        label = f"setting {name}" if name else f"setting {field}"
        words = _WORDS.get(problem["type"], problem["msg"].lower()).format(**problem.get("ctx", {}))
        problems.append(f"{label} {words}, got {shorten(repr(problem.get('input')), 80)}")
    return "; ".join(problems)
