"""Options shared by several commands, declared once so names, choices and help read the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from fsmkit.output import FORMATS


def output_options(formats: tuple[str, ...] = FORMATS) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--format (default table) and --output FILE (written atomically)."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option(
            "--output",
            "-o",
            "output",
            type=click.Path(dir_okay=False, writable=True),
            default=None,
            help="Write to FILE (atomically: a temporary file renamed into place) instead of stdout.",
        )(command)
        return click.option(
            "--format",
            "format",
            type=click.Choice(formats),
            default=formats[0],
            show_default=True,
            help="table for people; json (one document), jsonl (one record a line) or csv for scripts.",
        )(command)

    return decorate
