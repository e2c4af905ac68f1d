"""The run's context: config, profile, connector, as_of, and the streams messages go to.

Commands receive one `App` (click's context object). It resolves lazily, so `fsmkit init` and
`fsmkit connectors` work without a profile, and only what a command asks for can fail.
stdout is for data; `say` and `warn` write to stderr; progress shows only on a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import click

from fsmkit import config as config_module
from fsmkit.connectors import registry
from fsmkit.connectors.base import Connector
from fsmkit.promises import overlay
from fsmkit.timespec import parse_instant

T = TypeVar("T")


@dataclass
class App:
    """What every command needs; built once per run by the `fsmkit` group."""

    config_path: Path | None = None
    profile_name: str | None = None
    as_of_text: str | None = None
    verbose: int = 0
    show_progress: bool = True

    @cached_property
    def config(self) -> config_module.Config:
        """The config file (an empty one if it does not exist)."""
        return config_module.load_config(self.config_path)

    @cached_property
    def profile(self) -> config_module.Profile:
        """The selected profile, its settings checked against its connector's settings schema."""
        profile = config_module.resolve_profile(self.config, self.profile_name)
        connector_class = registry.load(profile.connector_name)
        config_module.check_settings(profile, connector_class.settings_schema(), self.config)
        return profile

    @cached_property
    def connector(self) -> Connector:
        """The profile's connector, with its promises file applied."""
        profile = self.profile
        connector = registry.load(profile.connector_name).from_settings(profile.settings)
        return overlay(connector, profile.settings.get("promises_file"))

    @cached_property
    def as_of(self) -> datetime:
        """'Now' for this run: --as-of, else the profile's as_of (the demo's: its end), else the clock."""
        if self.as_of_text:
            return parse_instant(self.as_of_text, "--as-of")
        text = self.profile.settings.get("as_of")
        if text:
            return parse_instant(text, f"profile {self.profile.name!r} setting as_of")
        return datetime.now(UTC)

    def say(self, message: str) -> None:
        """A message for the person at the terminal (stderr)."""
        click.echo(message, err=True)

    def warn(self, message: str) -> None:
        """A warning on stderr."""
        click.echo(f"fsmkit: warning: {message}", err=True)

    def progress(self, items: Iterable[T], description: str) -> Iterator[T]:
        """`items`, with a progress display on stderr when it is a terminal and progress is on."""
        if not (self.show_progress and sys.stderr.isatty()):
            yield from items
            return
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        columns = (SpinnerColumn(), TextColumn("{task.description} {task.completed}"), TimeElapsedColumn())
        with Progress(*columns, transient=True, console=_stderr_console()) as progress:
            task = progress.add_task(description, total=None)
            for item in items:
                yield item
                progress.advance(task)


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)
