"""Generates docs/cli-reference.md from the commands' own --help, so the reference cannot drift.

    python -m fsmkit.cli_reference docs/cli-reference.md

The test suite fails when the committed file differs from what this renders.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from fsmkit.cli import cli

WIDTH = 100


def _help(
    command: click.Command, name: str, parent: click.Context | None = None
) -> tuple[str, click.Context]:
    settings = cli.context_settings if parent is None else {}
    context = click.Context(
        command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH, **settings
    )
    return command.get_help(context), context


def render() -> str:
    """The whole reference as Markdown: the group's help, then each command's, in name order."""
    text, root = _help(cli, "fsmkit")
    parts = [
        "# fsmkit command-line reference",
        "",
        "Generated from `--help` by `python -m fsmkit.cli_reference docs/cli-reference.md`; "
        "do not edit by hand.",
        "",
        "## fsmkit",
        "",
        "```",
        text,
        "```",
    ]
    for name in sorted(cli.commands):
        text, _ = _help(cli.commands[name], name, root)
        parts += ["", f"## fsmkit {name}", "", "```", text, "```"]
    return "\n".join(parts) + "\n"


def main(argv: list[str]) -> None:
    """Write the reference to the path given (default docs/cli-reference.md)."""
    target = Path(argv[0] if argv else "docs/cli-reference.md")
    target.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
