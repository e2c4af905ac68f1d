"""Documentation that must not drift: the CLI reference, and help on every command and option."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from fsmkit.cli import cli
from fsmkit.cli_reference import render

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    assert committed == render(), "run: python -m fsmkit.cli_reference docs/cli-reference.md"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_and_option_has_help(name: str) -> None:
    command = cli.commands[name]
    assert command.help and "Examples:" in command.help, f"{name} needs a docstring with examples"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"fsmkit {name} {param.opts[0]} has no help"
