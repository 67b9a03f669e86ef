"""The user's own settings file: keys, model, knowledge folder, demo options.

A sales rep sets a Cerebras key once in the app and expects it next time, without editing shell
profiles. The file lives in the user config dir (``platformdirs``) and holds secrets, so it is
owner-only (0600, in a 0700 folder, an existing one tightened too) and written atomically through
a temporary file that :func:`tempfile.mkstemp` creates afresh beside it (a link planted where a
temporary file would go is never followed). Secret fields are hidden from ``repr``.
:meth:`Preferences.values` is the file's layer of :meth:`Settings.load
<simulator.settings.Settings.load>`, which states the precedence.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from simulator.errors import SimulatorError
from simulator.redaction import Redactor
from simulator.settings import APP_NAME, Settings

FILE_NAME = "settings.json"
SECRET_FIELDS = Settings.SECRETS
DEFAULT_IDLE_RESET_S = 90
APP_ONLY = ("demo_idle_reset_s", "demo_mode", "demo_pin_hash")
"""Preferences of the desktop app itself, not settings of a session."""


class PreferencesError(SimulatorError):
    """The preferences file exists but cannot be read or written."""


def default_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / FILE_NAME


@dataclass(frozen=True)
class Preferences:
    cerebras_api_key: str | None = field(default=None, repr=False)
    cerebras_model: str | None = None
    cerebras_base_url: str | None = None
    cartesia_api_key: str | None = field(default=None, repr=False)
    livekit_url: str | None = None
    livekit_api_key: str | None = field(default=None, repr=False)
    livekit_api_secret: str | None = field(default=None, repr=False)
    knowledge_dir: str | None = None
    offline: bool = False
    demo_idle_reset_s: int = DEFAULT_IDLE_RESET_S
    """In demo mode, start a fresh conversation after this many idle seconds (0: never)."""
    coach_speed: str | None = None
    """Coach mode's pace as last chosen in the Coach bar (``1x`` when never chosen)."""
    demo_mode: bool = False
    """Open in demo mode (a kiosk for a booth) even without ``--demo``."""
    demo_pin_hash: str | None = field(default=None, repr=False)
    """The operator's PIN as :func:`~simulator.operator_pin.hash_pin` stores it (never the PIN)."""

    def secrets(self) -> tuple[str, ...]:
        """The secret values that are set, for a :class:`~simulator.redaction.Redactor`."""
        values = (getattr(self, name) for name in SECRET_FIELDS)
        return tuple(v for v in values if v)

    def values(self) -> dict[str, object]:
        """The settings this file sets, for :meth:`Settings.load` (unset and app-only left out)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in APP_ONLY and getattr(self, f.name) not in (None, "", False)
        }


def load_preferences(path: Path | None = None) -> Preferences:
    """The saved preferences, or the defaults when there is no file yet.

    Raises :class:`PreferencesError` naming the file (and the field) when it cannot be used.
    """
    path = path or default_path()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Preferences()
    except OSError as e:
        raise PreferencesError(f"cannot read the settings file {path}: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise PreferencesError(
            f"the settings file {path} is not UTF-8 text (byte 0x{e.object[e.start]:02x} at "
            f"offset {e.start}): fix it or delete it to start over"
        ) from e
    _tighten(path)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise PreferencesError(
            f"the settings file {path} is not valid JSON (line {e.lineno}): "
            "fix it or delete it to start over"
        ) from e
    if not isinstance(data, dict):
        raise PreferencesError(f"the settings file {path} must hold a JSON object")
    return _from_mapping(data, path)


def save_preferences(preferences: Preferences, path: Path | None = None) -> Path:
    """Write atomically with owner-only permissions; returns the path written."""
    path = path or default_path()
    data = {k: v for k, v in asdict(preferences).items() if v not in (None, "")}
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):  # a folder we do not own: the file is 0600 anyway
            os.chmod(path.parent, 0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise PreferencesError(f"cannot save the settings file {path}: {e.strerror or e}") from e
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path


def overridden_by_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Preference fields whose environment variable is set (so the file's value is not used)."""
    env = os.environ if env is None else env
    names = {
        f.name: Settings.env_name(f.name) for f in fields(Preferences) if f.name not in APP_ONLY
    }
    return {name: var for name, var in names.items() if var and env.get(var)}


def redactor_for(
    preferences: Preferences, settings: Settings | None = None, env: Mapping[str, str] | None = None
) -> Redactor:
    """A redactor for every secret in play: the file's, the environment's and the settings'."""
    env = os.environ if env is None else env
    secrets = list(preferences.secrets())
    secrets += [env.get(Settings.env_name(name) or "", "") for name in SECRET_FIELDS]
    if settings is not None:
        secrets += settings.secret_values()
    return Redactor(secrets)


def with_changes(preferences: Preferences, **changes: Any) -> Preferences:
    """A copy with some fields changed; empty strings become ``None``."""
    cleaned: dict[str, Any] = {k: (None if v == "" else v) for k, v in changes.items()}
    return replace(preferences, **cleaned)


def _from_mapping(data: Mapping[str, Any], path: Path) -> Preferences:
    known = {f.name: f for f in fields(Preferences)}
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in known:
            continue  # a newer version's setting: keep working
        default = getattr(Preferences(), name)
        if value is None:
            continue
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise PreferencesError(f"{path}: '{name}' must be true or false, got {value!r}")
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise PreferencesError(
                    f"{path}: '{name}' must be a whole number of seconds, got {value!r}"
                )
        elif not isinstance(value, str):
            raise PreferencesError(f"{path}: '{name}' must be text, got {type(value).__name__}")
        values[name] = value
    return Preferences(**values)


def _tighten(path: Path) -> None:
    """A settings file readable by others (copied by hand, say) is made owner-only again."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, 0o600)
    except OSError:
        pass
