"""The `fsmkit` command: global options, the commands, and the one place errors become exit codes."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from fsmkit import __version__
from fsmkit.app import App
from fsmkit.commands.audit import audit
from fsmkit.commands.brief import brief
from fsmkit.commands.connectors import connectors
from fsmkit.commands.doctor import doctor
from fsmkit.commands.init import init
from fsmkit.commands.push import push
from fsmkit.commands.repeats import repeats
from fsmkit.errors import FsmkitError


class FsmkitGroup(click.Group):
    """A click group whose `main` maps every outcome to DESIGN.md's exit codes, and nothing else does."""

    verbose = 0

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:  # type: ignore[override]
        self.verbose = 0
        try:
            status = super().main(args, prog_name, standalone_mode=False, **extra)
        except click.ClickException as exc:
            exc.show()
            status = exc.exit_code
        except click.exceptions.Exit as exc:
            status = exc.exit_code
        except click.Abort:
            click.echo("fsmkit: aborted", err=True)
            status = 130
        except FsmkitError as exc:
            if self.verbose:
                traceback.print_exc()
            click.echo(f"fsmkit: error: {exc}", err=True)
            status = exc.exit_status
        sys.exit(int(status or 0))


@click.group(
    cls=FsmkitGroup, context_settings={"auto_envvar_prefix": "FSMKIT", "help_option_names": ["-h", "--help"]}
)
@click.option(
    "--profile",
    "-p",
    metavar="NAME",
    help="Profile of the config file to use (default: its default_profile; `demo` is built in).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="FSMKIT_CONFIG",
    help="Config file (default: FSMKIT_CONFIG, else config.toml in the user's fsmkit config folder).",
)
@click.option(
    "--as-of", metavar="ISO", help="Treat this instant as now (a date, or a datetime with an offset)."
)
@click.option("-v", "--verbose", count=True, help="Say more on stderr; show a traceback on errors.")
@click.option("--no-progress", is_flag=True, help="Never show progress, even on a terminal.")
@click.version_option(__version__, prog_name="fsmkit")
@click.pass_context
def cli(
    ctx: click.Context,
    profile: str | None,
    config_path: Path | None,
    as_of: str | None,
    verbose: int,
    no_progress: bool,
) -> None:
    """Audit field-service contract promises, find repeat failures, brief technicians, push follow-ups.

    Data comes through a connector (files, or a platform's API) named by a profile of the config
    file. Data goes to stdout, messages to stderr. Exit codes: 0 done, 1 --fail-on matched,
    2 usage, config or input error, 3 platform error, 4 push finished with failures.

    \b
    Examples:
      fsmkit --profile demo doctor
      fsmkit connectors
      fsmkit init --connector files --profile local --set path=~/fsm-data
    """
    assert isinstance(ctx.command, FsmkitGroup)
    ctx.command.verbose = verbose
    _log_to_stderr(verbose)
    ctx.obj = App(
        config_path=config_path,
        profile_name=profile,
        as_of_text=as_of,
        verbose=verbose,
        show_progress=not no_progress,
    )


for command in (audit, brief, connectors, doctor, init, push, repeats):
    cli.add_command(command)


class _StderrHandler(logging.Handler):
    """Log records as lines on stderr (through click, so tests that capture stderr see them)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"fsmkit: {self.format(record)}", err=True)


def _log_to_stderr(verbose: int) -> None:
    """-v shows fsmkit's info lines (each HTTP request, without secrets), -vv its debug lines too."""
    logger = logging.getLogger("fsmkit")
    logger.handlers[:] = [_StderrHandler()] if verbose else []
    logger.setLevel(logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    logger.propagate = False


def main() -> None:
    """The console script."""
    cli.main(prog_name="fsmkit")
