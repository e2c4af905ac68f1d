"""Test isolation: every test gets its own config path and data folder, and no FSMKIT_* from outside."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fsmkit.cli import cli


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("FSMKIT_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("FSMKIT_CONFIG", str(home / "config.toml"))
    return home


@pytest.fixture
def config_file(isolated: Path) -> Path:
    """Where the isolated FSMKIT_CONFIG points (the file does not exist until a test writes it)."""
    return isolated / "config.toml"


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the real CLI in-process; the result has exit_code, stdout and stderr apart."""

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)

    return invoke
