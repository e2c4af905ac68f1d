"""`fsmkit connectors`: the installed connectors and the packages they come from."""

from __future__ import annotations

import click

from fsmkit.commands._options import output_options
from fsmkit.connectors import registry
from fsmkit.output import emit, open_output

COLUMNS = ("name", "package", "version", "target")


@click.command()
@output_options()
def connectors(fmt: str, output: str | None) -> None:
    """List the installed connectors and the package each comes from.

    Built-in and third-party connectors are found the same way, through the
    `fsmkit.connectors` entry-point group.

    \b
    Examples:
      fsmkit connectors
      fsmkit connectors --format json
    """
    rows = [
        {"name": c.name, "package": c.package, "version": c.version, "target": c.target}
        for c in registry.installed()
    ]
    with open_output(output) as stream:
        emit(rows, fmt, stream, columns=COLUMNS, document={}, key="connectors")
