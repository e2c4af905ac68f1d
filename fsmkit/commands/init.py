"""`fsmkit init`: add a commented profile to the config file, never overwriting one."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import click

from fsmkit.app import App
from fsmkit.config import load_config
from fsmkit.connectors import registry
from fsmkit.connectors.base import COMMON_SETTINGS
from fsmkit.errors import ConfigError, InputError
from fsmkit.output import open_output

HEADER = """\
# fsmkit configuration: one [profiles.NAME] table per platform or data folder.
# Secrets never go here: a setting ending in _env names the environment variable that holds one.
# Reference: `fsmkit init --help`, docs/connectors.md.
"""


@click.command()
@click.option(
    "--connector",
    required=True,
    help="The connector the profile uses (see `fsmkit connectors`).",
)
@click.option("--profile", required=True, help="The new profile's name.")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Fill in a setting (repeatable), e.g. --set path=~/fsm-data.",
)
@click.pass_obj
def init(app: App, connector: str, profile: str, assignments: tuple[str, ...]) -> None:
    """Add a profile for a connector to the config file, with every setting explained.

    Creates the config file if needed (and makes the new profile its default_profile); refuses to
    touch a profile that already exists. Required settings are filled with examples to edit,
    optional ones are commented out.

    \b
    Examples:
      fsmkit init --connector files --profile local --set path=~/fsm-data
      fsmkit --config ./fsmkit.toml init --connector files --profile ci
    """
    connector_name, profile_name = connector, profile
    connector_class = registry.load(connector_name)
    config = load_config(app.config_path)
    if profile_name in config.profiles:
        raise ConfigError(
            f"{config.path}: profile {profile_name!r} already exists; choose another name or edit it there"
        )
    settings = {**COMMON_SETTINGS, **connector_class.settings}
    values = _parse_assignments(assignments, settings, connector_name)
    block = _profile_block(profile_name, connector_name, settings, connector_class.required_settings, values)
    text = config.text
    if config.default_profile is None:
        text = f"{HEADER if not text else ''}default_profile = {json.dumps(profile_name)}\n{text}"
    config.path.parent.mkdir(parents=True, exist_ok=True)
    with open_output(config.path) as stream:
        stream.write(text.rstrip("\n") + "\n\n" + block if text.strip() else block)
    made_default = " as the default profile" if config.default_profile is None else ""
    app.say(f"added profile {profile_name!r} ({connector_name} connector){made_default} to {config.path}")
    app.say(f"edit it, then check it with: fsmkit --profile {profile_name} doctor")


def _parse_assignments(
    assignments: tuple[str, ...], settings: dict[str, Any], connector: str
) -> dict[str, str]:
    values = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep:
            raise InputError(f"--set {assignment!r}: expected KEY=VALUE")
        if key not in settings or key == "connector":
            raise InputError(
                f"--set {key}: the {connector} connector has no such setting; it knows: "
                f"{', '.join(k for k in settings if k != 'connector')}"
            )
        values[key] = value
    return values


def _profile_block(
    name: str, connector: str, settings: dict[str, Any], required: tuple[str, ...], values: dict[str, str]
) -> str:
    lines = [
        f"[profiles.{json.dumps(name) if not name.isidentifier() else name}]",
        f"connector = {json.dumps(connector)}",
    ]
    for key, spec in settings.items():
        if key == "connector":
            continue
        needed = key in required
        lines.append(f"# {spec['description']}{' (required)' if needed else ''}")
        value = values.get(key, spec.get("examples", [""])[0])
        literal = toml_value(_typed(value, spec.get("type")))
        lines.append(f"{'' if needed or key in values else '# '}{key} = {literal}")
    return "\n".join(lines) + "\n"


def toml_value(value: Any) -> str:
    """A value as TOML on one line: strings, numbers and booleans as literals, arrays as `[...]`,
    tables as inline tables `{ key = "value" }` (so a commented example is valid TOML once uncommented)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{toml_key(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, int | float):
        return repr(value)
    # JSON's escapes are TOML's; DEL is the one character TOML wants escaped and JSON does not
    return json.dumps("" if value is None else str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_key(name: str) -> str:
    """A bare key when TOML allows one (A-Z a-z 0-9 _ -), else a quoted one."""
    bare = name and name.isascii() and all(c.isalnum() or c in "_-" for c in name)
    return name if bare else json.dumps(name, ensure_ascii=False)


def _typed(value: Any, kind: str | None) -> Any:
    if not isinstance(value, str):
        return value
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        raise InputError(f"--set: {value!r} is not a {kind}") from None
    if kind == "boolean":
        return value.lower() in ("1", "true", "yes")
    return value
