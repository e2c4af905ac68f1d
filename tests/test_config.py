"""Which config file and profile a run uses, settings checks, secrets, and `fsmkit init`."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import builders
import pytest
from click.testing import Result

from fsmkit.config import Profile, load_config, resolve_profile, secret
from fsmkit.errors import ConfigError


def folder_profile(path: Path, name: str, folder: Path) -> None:
    with path.open("a") as f:
        f.write(f'\n[profiles.{name}]\nconnector = "files"\npath = "{folder}"\n')


@pytest.fixture
def two_folders(tmp_path: Path) -> tuple[Path, Path]:
    one = builders.write_folder(tmp_path / "one", account=[builders.account(id="from-one")])
    two = builders.write_folder(
        tmp_path / "two", account=[builders.account(id="a"), builders.account(id="b")]
    )
    return one, two


def accounts_line(result: Result) -> str:
    return next(line for line in result.stdout.splitlines() if "accounts.jsonl" in line)


def test_profile_resolution_order(
    run: Callable[..., Result], config_file: Path, two_folders: tuple[Path, Path]
) -> None:
    one, two = two_folders
    config_file.write_text('default_profile = "one"\n')
    folder_profile(config_file, "one", one)
    folder_profile(config_file, "two", two)
    assert "1 record valid" in accounts_line(run("doctor"))  # default_profile
    assert "2 records valid" in accounts_line(
        run("doctor", env={"FSMKIT_PROFILE": "two"})
    )  # env beats default
    assert "1 record valid" in accounts_line(run("--profile", "one", "doctor", env={"FSMKIT_PROFILE": "two"}))


def test_config_resolution_order(run: Callable[..., Result], tmp_path: Path, config_file: Path,
                                 two_folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    one, two = two_folders
    app_dir_config = tmp_path / "home" / ".config" / "fsmkit" / "config.toml"
    app_dir_config.parent.mkdir(parents=True)
    app_dir_config.write_text('default_profile = "p"\n')
    folder_profile(app_dir_config, "p", one)
    env_config = tmp_path / "env.toml"
    env_config.write_text('default_profile = "p"\n')
    folder_profile(env_config, "p", two)
    explicit = tmp_path / "explicit.toml"
    explicit.write_text('default_profile = "p"\n')
    folder_profile(explicit, "p", one)

    monkeypatch.delenv("FSMKIT_CONFIG")
    assert "1 record valid" in accounts_line(run("doctor"))  # the user's app dir
    monkeypatch.setenv("FSMKIT_CONFIG", str(env_config))
    assert "2 records valid" in accounts_line(run("doctor"))  # FSMKIT_CONFIG beats the app dir
    assert "1 record valid" in accounts_line(run("--config", str(explicit), "doctor"))  # --config beats both


def test_no_profile_suggests_demo_and_init(run: Callable[..., Result], config_file: Path) -> None:
    result = run("doctor")
    assert result.exit_code == 2
    assert result.stderr == (
        f"fsmkit: error: no profile selected and {config_file} sets no default_profile; try the built-in demo "
        "with `fsmkit --profile demo ...`, or create one with `fsmkit init --connector files --profile NAME`\n"
    )
    assert result.stdout == ""


def test_unknown_profile_lists_the_known_ones(
    run: Callable[..., Result], config_file: Path, tmp_path: Path
) -> None:
    folder_profile(config_file, "prod", tmp_path)
    result = run("--profile", "prdo", "doctor")
    assert result.exit_code == 2
    assert result.stderr == f"fsmkit: error: no profile 'prdo' in {config_file}; profiles: demo, prod\n"


def test_typo_in_a_setting_names_file_line_and_suggestion(
    run: Callable[..., Result], config_file: Path
) -> None:
    config_file.write_text('default_profile = "p"\n\n[profiles.p]\nconnector = "files"\npth = "/data"\n')
    result = run("doctor")
    assert result.exit_code == 2
    assert result.stderr == (
        f"fsmkit: error: {config_file}:5: profile 'p': unknown setting 'pth' (did you mean 'path'?); "
        "the files connector knows: connector, promises_file, default_timezone, as_of, path, tasks_path\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('default_profile = "p"\n[profiles.p]\nconnector = "files"\n',
         "{path}: profile 'p': setting 'path' is missing (the folder holding the .jsonl files)"),
        ('default_profile = "p"\n[profiles.p]\nconnector = "files"\npath = 3\n',
         "{path}:4: profile 'p': setting 'path': 3 is not of type 'string'"),
        ('default_profile = "p"\n[profiles.p]\npath = "/x"\n', "{path}: profiles.p: 'connector' is missing"),
        ('default_profile = "p"\n[profiles.p]\nconnector = "sap"\n',
         "unknown connector 'sap'; installed connectors: files, salesforce, servicenow (see `fsmkit connectors`)"),
        ("default_profile = p\n", "{path}: not valid TOML: Invalid value (at line 1, column 19)"),
        ('defualt_profile = "p"\n', "{path}: unknown field defualt_profile"),
    ],
)  # fmt: skip
def test_bad_config_is_one_clear_line(
    run: Callable[..., Result], config_file: Path, text: str, message: str
) -> None:
    config_file.write_text(text)
    result = run("doctor")
    assert result.exit_code == 2
    assert result.stderr == f"fsmkit: error: {message.format(path=config_file)}\n"


def test_missing_config_file_reads_as_empty(tmp_path: Path) -> None:
    config = load_config(tmp_path / "none.toml")
    assert (config.exists, config.profiles, config.default_profile) == (False, {}, None)
    assert resolve_profile(config, "demo").source == "built-in"


def test_secrets_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    profile = Profile("prod", {"connector": "x", "password_env": "PROD_PW"}, "config.toml")
    with pytest.raises(
        ConfigError, match=r"environment variable PROD_PW \(named by password_env\) is not set"
    ):
        secret(profile, "password")
    monkeypatch.setenv("PROD_PW", "s3cret")
    assert secret(profile, "password") == "s3cret"
    with pytest.raises(ConfigError, match="set client_secret_env to the environment variable"):
        secret(profile, "client_secret")


# -- init -----------------------------------------------------------------------------------------


def test_init_creates_a_commented_default_profile(
    run: Callable[..., Result], config_file: Path, tmp_path: Path
) -> None:
    data = builders.write_folder(tmp_path / "data", account=[builders.account()])
    result = run("init", "--connector", "files", "--profile", "local", "--set", f"path={data}")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert f"added profile 'local' (files connector) as the default profile to {config_file}" in result.stderr
    text = config_file.read_text()
    assert "# where pushed tasks go (default: tasks.jsonl in the folder)\n# tasks_path = " in text
    assert tomllib.loads(text) == {
        "default_profile": "local",
        "profiles": {"local": {"connector": "files", "path": str(data)}},
    }
    assert run("doctor").exit_code == 0


def test_init_adds_beside_existing_and_never_overwrites(
    run: Callable[..., Result], config_file: Path
) -> None:
    config_file.write_text('default_profile = "a"\n\n[profiles.a]\nconnector = "files"\npath = "/a"\n')
    assert run("init", "--connector", "files", "--profile", "b").exit_code == 0
    parsed = tomllib.loads(config_file.read_text())
    assert parsed["default_profile"] == "a"
    assert parsed["profiles"] == {
        "a": {"connector": "files", "path": "/a"},
        "b": {"connector": "files", "path": "~/fsm-data"},
    }
    before = config_file.read_bytes()
    result = run("init", "--connector", "files", "--profile", "a")
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"fsmkit: error: {config_file}: profile 'a' already exists; choose another name or edit it there\n"
    )
    assert config_file.read_bytes() == before


def test_init_refuses_unknown_connector_and_setting(run: Callable[..., Result], config_file: Path) -> None:
    result = run("init", "--connector", "nope", "--profile", "x")
    assert (result.exit_code, result.stderr) == (
        2,
        "fsmkit: error: unknown connector 'nope'; installed connectors: files, salesforce, servicenow (see `fsmkit connectors`)\n",
    )
    result = run("init", "--connector", "files", "--profile", "x", "--set", "folder=/x")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "fsmkit: error: --set folder: the files connector has no such setting; it knows: "
    )
    assert not config_file.exists()
