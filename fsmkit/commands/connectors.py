"""`fsmkit connectors`: the installed connectors and the packages they come from."""

from __future__ import annotations

import click

from fsmkit.app import App
from fsmkit.commands._options import output_options
from fsmkit.connectors import registry
from fsmkit.errors import ConfigError
from fsmkit.output import emit, open_output

COLUMNS = ("name", "package", "version", "target", "status")


@click.command()
@output_options()
@click.pass_obj
def connectors(app: App, format: str, output: str | None) -> None:
    """List the installed connectors and the package each comes from.

    Built-in and third-party connectors are found the same way, through the
    `fsmkit.connectors` entry-point group.

    \b
    Examples:
      fsmkit connectors
      fsmkit connectors --format json
    """
    rows = []
    for found in registry.installed():
        try:
            registry.load(found.name)
            status = "ok"
        except ConfigError as exc:
            app.warn(str(exc))
            status = "failed to load"
        rows.append(
            {
                "name": found.name,
                "package": found.package,
                "version": found.version,
                "target": found.target,
                "status": status,
            }
        )
    with open_output(output) as stream:
        emit(rows, format, stream, columns=COLUMNS, document={}, key="connectors")
