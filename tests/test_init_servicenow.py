"""`fsmkit init --connector servicenow` writes a commented profile with every setting, each a valid TOML
line once uncommented (tables and arrays as TOML, not JSON), which the profile loader accepts."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from click.testing import Result

from fsmkit.commands.init import toml_value
from fsmkit.connectors.servicenow import ServiceNowConnector

SETTING = re.compile(r"^# ([a-z_]+) = ")


def uncommented(text: str) -> str:
    """The config with every commented-out setting line (`# key = value`) made live."""
    return "\n".join(line[2:] if SETTING.match(line) else line for line in text.splitlines()) + "\n"


def test_every_setting_is_written_and_valid_toml_once_uncommented(
    run: Callable[..., Result], config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run("init", "--connector", "servicenow", "--profile", "sn")
    assert result.exit_code == 0, result.stderr
    text = config_file.read_text()
    tomllib.loads(text)  # valid as written
    schema = ServiceNowConnector.settings_schema()
    profile = tomllib.loads(uncommented(text))["profiles"]["sn"]
    assert set(profile) == set(schema["properties"])  # every setting, nothing else
    jsonschema.validate(profile, schema)
    for key, spec in schema["properties"].items():
        if key != "connector":
            assert profile[key] == spec["examples"][0], key
    assert profile["connector"] == "servicenow"
    # tables and arrays are TOML, not JSON inside a comment
    assert '# queues = { service_manager = "8a4dde73c6112278017a6a4baf547aa7" }\n' in text
    assert '# pause_statuses = ["On Hold", "Awaiting Parts", "Awaiting Customer"]\n' in text
    assert '# mapping = { work_order = { fields = { resolved_at = "u_restored_at" } } }\n' in text
    assert '{"' not in text
    # each setting has its description on the line above it
    lines = text.splitlines()
    for key, spec in schema["properties"].items():
        if key == "connector":
            continue
        at = next(n for n, line in enumerate(lines) if re.match(rf"^(# )?{key} = ", line))
        assert lines[at - 1].startswith(f"# {spec['description']}"), key
    # the uncommented profile loads: the mapping example merges and doctor --mapping shows it
    config_file.write_text(uncommented(text))
    promises = config_file.parent / "fsmkit" / "promises.toml"  # promises_file's example, under HOME
    promises.parent.mkdir()
    promises.write_text("contracts = {}\n")
    monkeypatch.setenv("FSMKIT_SN_PASSWORD", "x")
    monkeypatch.setenv("FSMKIT_SN_CLIENT_SECRET", "y")
    shown = run("--profile", "sn", "doctor", "--mapping", "--format", "json")
    assert shown.exit_code == 0, shown.stderr
    mapping = json.loads(shown.stdout)["mapping"]
    assert mapping["work_order"]["fields"]["resolved_at"] == "u_restored_at"


def test_set_values_are_typed_and_required_ones_live(run: Callable[..., Result], config_file: Path) -> None:
    result = run("init", "--connector", "servicenow", "--profile", "prod", "--set", "page_size=500",
                 "--set", "instance_url=https://example.service-now.com", "--set", "api_user_timezone=UTC")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    profile = tomllib.loads(config_file.read_text())["profiles"]["prod"]
    assert profile == {"connector": "servicenow", "instance_url": "https://example.service-now.com",
                       "page_size": 500, "api_user_timezone": "UTC"}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"a": "x", "b c": 1}, '{ a = "x", "b c" = 1 }'),
        ({"outer": {"inner": [1, 2.5, True]}}, "{ outer = { inner = [1, 2.5, true] } }"),
        ({}, "{}"),
        ('say "hi"\\', '"say \\"hi\\"\\\\"'),
        ("Zürich", '"Zürich"'),
        ("tab\tdel\x7f", '"tab\\tdel\\u007f"'),
    ],
)
def test_toml_values_parse_back(value: object, text: str) -> None:
    assert toml_value(value) == text
    assert tomllib.loads(f"v = {text}")["v"] == value
