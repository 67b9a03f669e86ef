"""The user's settings file keeps secrets owner-only and out of logs, and merges into Settings
with a clear order: flags > environment > the file > defaults."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from simulator.preferences import (
    Preferences,
    PreferencesError,
    load_preferences,
    overridden_by_environment,
    redactor_for,
    save_preferences,
)
from simulator.settings import BUNDLED_KNOWLEDGE, DEFAULT_CEREBRAS_MODEL, Settings, secret

KEY = "csk-file-key-0123456789"
ENV_KEY = "csk-env-key-9876543210"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    assert load_preferences(tmp_path / "none" / "settings.json") == Preferences()


def test_saved_preferences_come_back_and_are_readable_only_by_the_owner(tmp_path: Path) -> None:
    path = tmp_path / "config" / "sales-simulator" / "settings.json"
    prefs = Preferences(
        cerebras_api_key=KEY,
        cerebras_model="llama3.1-8b",
        cartesia_api_key="sk_cartesia_123456",
        livekit_url="wss://x.livekit.cloud",
        livekit_api_key="APIabcdef",
        livekit_api_secret="s3cr3t-xyz",
        knowledge_dir="/srv/company",
        offline=True,
        demo_idle_reset_s=45,
    )
    save_preferences(prefs, path)
    assert load_preferences(path) == prefs
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temporary file left


def test_saving_over_a_world_readable_file_makes_it_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{}", encoding="utf-8")
    path.chmod(0o644)
    save_preferences(Preferences(cerebras_api_key=KEY), path)
    assert mode(path) == 0o600


def test_loading_a_loosened_file_tightens_it(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"cerebras_api_key": KEY}), encoding="utf-8")
    path.chmod(0o644)
    assert load_preferences(path).cerebras_api_key == KEY
    assert mode(path) == 0o600


def test_secrets_never_show_in_repr() -> None:
    prefs = Preferences(
        cerebras_api_key=KEY, livekit_api_secret="s3cr3t-xyz", cartesia_api_key="sk_c_123456"
    )
    assert KEY not in repr(prefs) and "s3cr3t" not in repr(prefs) and "sk_c_" not in repr(prefs)
    assert set(prefs.secrets()) == {KEY, "s3cr3t-xyz", "sk_c_123456"}


def test_the_environment_wins_over_the_file_and_flags_win_over_both(tmp_path: Path) -> None:
    prefs = Preferences(
        cerebras_api_key=KEY, cerebras_model="llama3.1-8b", knowledge_dir=str(tmp_path)
    )
    from_file = Settings.load(env={}, file=prefs.values())
    assert secret(from_file.cerebras_api_key) == KEY
    assert from_file.cerebras_model == "llama3.1-8b"
    assert from_file.knowledge_dir == tmp_path

    env = {"CEREBRAS_API_KEY": ENV_KEY, "SIMULATOR_DATA_DIR": str(tmp_path / "data")}
    from_env = Settings.load(env=env, file=prefs.values())
    assert secret(from_env.cerebras_api_key) == ENV_KEY
    assert from_env.cerebras_model == "llama3.1-8b"  # not in the environment: the file's
    assert from_env.data_dir == tmp_path / "data"

    flagged = Settings.load(
        flags={"knowledge_dir": BUNDLED_KNOWLEDGE, "offline": True}, env=env, file=prefs.values()
    )
    assert flagged.knowledge_dir == BUNDLED_KNOWLEDGE
    assert flagged.offline and not flagged.use_cerebras


def test_offline_in_the_file_applies_unless_a_flag_says_otherwise() -> None:
    in_file = Preferences(cerebras_api_key=KEY, offline=True)
    assert Settings.load(env={}, file=in_file.values()).offline
    assert not Settings.load(flags={"offline": False}, env={}, file=in_file.values()).offline
    assert not Settings.load(env={}, file=Preferences().values()).offline
    assert Settings.load(env={}).cerebras_model == DEFAULT_CEREBRAS_MODEL


def test_the_app_can_say_which_fields_the_environment_overrides() -> None:
    assert overridden_by_environment(
        {"CEREBRAS_API_KEY": "x", "LIVEKIT_URL": "", "HOME": "/root"}
    ) == {"cerebras_api_key": "CEREBRAS_API_KEY"}


def test_the_redactor_knows_every_secret_in_play() -> None:
    redact = redactor_for(
        Preferences(cerebras_api_key=KEY), env={"LIVEKIT_API_SECRET": "lk-secret-42"}
    )
    assert redact(f"a {KEY} b lk-secret-42 c") == "a [redacted] b [redacted] c"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"offline": "yes"}', "'offline' must be true or false"),
        ('{"demo_idle_reset_s": -5}', "'demo_idle_reset_s' must be a whole number"),
        ('{"cerebras_model": 7}', "'cerebras_model' must be text"),
    ],
)
def test_a_broken_file_is_named_with_what_is_wrong(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PreferencesError) as caught:
        load_preferences(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_settings_from_a_newer_version_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"cerebras_model": "m", "future_setting": 3}), encoding="utf-8")
    assert load_preferences(path) == Preferences(cerebras_model="m")


def test_an_unwritable_location_is_a_readable_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(PreferencesError, match="cannot save the settings file"):
        save_preferences(Preferences(), blocker / "settings.json")


def test_a_link_planted_where_the_temporary_file_goes_is_never_followed(tmp_path: Path) -> None:
    folder = tmp_path / "sales-simulator"
    folder.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    (folder / "settings.json.tmp").symlink_to(victim)  # planted by someone else
    path = save_preferences(Preferences(cerebras_api_key=KEY), folder / "settings.json")
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert not path.is_symlink() and mode(path) == 0o600
    assert load_preferences(path).cerebras_api_key == KEY
    assert sorted(p.name for p in folder.iterdir()) == ["settings.json", "settings.json.tmp"]


def test_an_existing_config_folder_is_made_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "sales-simulator"
    folder.mkdir()
    folder.chmod(0o755)
    save_preferences(Preferences(cerebras_api_key=KEY), folder / "settings.json")
    assert mode(folder) == 0o700


def test_settings_come_from_one_declaration_with_secrets_kept_secret() -> None:
    settings = Settings.load(
        env={"CEREBRAS_API_KEY": ENV_KEY, "SIMULATOR_REPLAY_SPEED": "8", "retrieval_k": "9"}
    )
    assert ENV_KEY not in repr(settings) and secret(settings.cerebras_api_key) == ENV_KEY
    assert settings.replay_speed == 8 and settings.retrieval_k == 4  # only declared names are read
    assert Settings.env_name("cerebras_api_key") == "CEREBRAS_API_KEY"
    assert Settings.env_name("retrieval_k") is None
    assert Settings(cerebras_api_key="  ").cerebras_api_key is None  # a blank key is no key
    assert overridden_by_environment({"SIMULATOR_KNOWLEDGE": "/srv"}) == {
        "knowledge_dir": "SIMULATOR_KNOWLEDGE"
    }


def test_settings_travel_to_another_process_as_its_environment(tmp_path: Path) -> None:
    settings = Settings(
        cerebras_api_key=KEY, data_dir=tmp_path, offline=True, worker_port=9099, replay_speed=3
    )
    environment = settings.as_environment()
    assert environment["CEREBRAS_API_KEY"] == KEY and environment["SIMULATOR_OFFLINE"] == "True"
    assert Settings.load(env=environment) == settings
