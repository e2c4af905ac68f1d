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


def fail_on_option(choices: tuple[str, ...]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--fail-on: exit 1 when a shown finding matches, so a cron job can page someone."""
    return click.option(
        "--fail-on",
        type=click.Choice(choices),
        default=None,
        help="Exit 1 when any shown finding is "
        + " / ".join(f"{c}{' (or breached)' if c == 'at_risk' else ''}" for c in choices)
        + ".",
    )


def since_option(default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--since: a span counted back from --as-of (30d, 12w), a date (00:00 UTC) or a datetime with offset."""
    return click.option(
        "--since",
        default=default,
        show_default=True,
        metavar="SPAN|DATE",
        help="Start of the window: a span back from --as-of (30d, 12w), a date (00:00 UTC), "
        "or a datetime with an offset.",
    )


def account_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--account ID, repeatable."""
    return click.option(
        "--account", "accounts", multiple=True, metavar="ID", help="Only this account (repeatable)."
    )
