"""Profiles: where the config file is, which profile a run uses, and its settings and secrets.

Resolution order (first wins):
  config file: --config, FSMKIT_CONFIG, then click.get_app_dir("fsmkit")/config.toml
  profile:     --profile, FSMKIT_PROFILE, then the config's top-level default_profile

The built-in `demo` profile always exists (a profile named demo in the config file replaces it).
Secrets are never stored in the file: a setting ending in `_env` names the environment variable that
holds the secret, and `secret()` reads it.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import platformdirs

from fsmkit import schema
from fsmkit.errors import ConfigError

DEMO = "demo"


def default_config_path() -> Path:
    """The per-user config file: click.get_app_dir("fsmkit")/config.toml."""
    return Path(click.get_app_dir("fsmkit")) / "config.toml"


def data_dir() -> Path:
    """The per-user data folder (the demo's pushed tasks live here, never in the package)."""
    return platformdirs.user_data_path("fsmkit")


def demo_settings() -> dict[str, Any]:
    """Settings of the built-in demo profile: the files connector on the packaged demo data."""
    from fsmkit.demo import AS_OF, DATA_DIR

    return {
        "connector": "files",
        "path": str(DATA_DIR),
        "tasks_path": str(data_dir() / "demo" / "tasks.jsonl"),
        "as_of": AS_OF,
    }


@dataclass(frozen=True)
class Config:
    """A config file's content; a file that does not exist reads as an empty config."""

    path: Path
    exists: bool
    text: str = ""
    default_profile: str | None = None
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def line_of(self, profile: str, key: str) -> int | None:
        """The line where `key` is set inside [profiles.<profile>], for error messages."""
        header = re.compile(rf"^\s*\[\s*profiles\s*\.\s*\"?{re.escape(profile)}\"?\s*\]")
        assignment = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
        inside = False
        for number, line in enumerate(self.text.splitlines(), 1):
            if line.lstrip().startswith("["):
                inside = bool(header.match(line))
            elif inside and assignment.match(line):
                return number
        return None


@dataclass(frozen=True)
class Profile:
    """A resolved profile: its name, its settings, and where it came from (for messages)."""

    name: str
    settings: dict[str, Any]
    source: str

    @property
    def connector_name(self) -> str:
        return self.settings["connector"]


def load_config(path: Path | None) -> Config:
    """Read and check the config file at `path` (None: the default location)."""
    path = (path or default_config_path()).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path, exists=False)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    problem = schema.first_error("config", data)
    if problem:
        where, message = problem
        raise ConfigError(f"{path}: {where + ': ' if where else ''}{message}")
    return Config(path, True, text, data.get("default_profile"), data.get("profiles", {}))


def resolve_profile(config: Config, name: str | None) -> Profile:
    """The profile to use: `name` (from --profile or FSMKIT_PROFILE), else the config's default_profile."""
    name = name or config.default_profile
    if name is None:
        raise ConfigError(
            f"no profile selected and {config.path} sets no default_profile; "
            "try the built-in demo with `fsmkit --profile demo ...`, or create one with "
            "`fsmkit init --connector files --profile NAME`"
        )
    if name in config.profiles:
        return Profile(name, dict(config.profiles[name]), str(config.path))
    if name == DEMO:
        return Profile(DEMO, demo_settings(), "built-in")
    known = ", ".join(sorted({*config.profiles, DEMO}))
    where = str(config.path) if config.exists else f"{config.path} (which does not exist)"
    raise ConfigError(f"no profile {name!r} in {where}; profiles: {known}")


def check_settings(profile: Profile, settings_schema: dict[str, Any], config: Config | None = None) -> None:
    """Refuse unknown or mistyped settings, naming the profile, the key, and the line when known."""
    known = settings_schema["properties"]

    def where(key: str) -> str:
        line = config.line_of(profile.name, key) if config else None
        location = f"{profile.source}:{line}" if line else profile.source
        return f"{location}: profile {profile.name!r}"

    for key in profile.settings:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            suggestion = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"{where(key)}: unknown setting {key!r}{suggestion}; "
                f"the {profile.connector_name} connector knows: {', '.join(known)}"
            )
    for key in settings_schema.get("required", ()):
        if key not in profile.settings:
            raise ConfigError(f"{where(key)}: setting {key!r} is missing ({known[key]['description']})")
    import jsonschema

    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(settings_schema).iter_errors(profile.settings)
    )
    if error is not None:
        key = str(error.absolute_path[0]) if error.absolute_path else ""
        raise ConfigError(f"{where(key)}: setting {key!r}: {error.message}")


def secret(profile: Profile, name: str) -> str:
    """The secret a profile names: the value of the environment variable in setting `<name>_env`."""
    variable = profile.settings.get(f"{name}_env")
    if not variable:
        raise ConfigError(
            f"profile {profile.name!r}: set {name}_env to the environment variable holding the {name}"
        )
    value = os.environ.get(variable)
    if not value:
        raise ConfigError(
            f"profile {profile.name!r}: environment variable {variable} (named by {name}_env) is not set"
        )
    return value
