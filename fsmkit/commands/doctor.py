"""`fsmkit doctor`: check that the profile works before a cron job finds out it does not."""

from __future__ import annotations

import click

from fsmkit.app import App
from fsmkit.commands._options import output_options
from fsmkit.connectors.base import Check
from fsmkit.errors import ExitStatus, FsmkitError
from fsmkit.output import emit, open_output

COLUMNS = ("name", "ok", "detail", "hint", "kind")


@click.command()
@output_options()
@click.pass_obj
def doctor(app: App, format: str, output: str | None) -> ExitStatus:
    """Check the profile: its settings, its data or platform, and write access for tasks.

    Prints one line per check with its result and, for a failure, a hint. Exits 0 when every
    check passed, 2 when a setting or the data is wrong, 3 when the platform is unreachable or
    refuses (2 wins when both happen).

    \b
    Examples:
      fsmkit --profile demo doctor
      fsmkit --profile prod doctor --format json
    """
    profile = app.profile
    checks = [
        Check(
            "profile",
            True,
            f"{profile.name}: {profile.connector_name} connector ({profile.source})",
            kind="input",
        )
    ]
    try:
        checks.extend(app.connector.check())
    except FsmkitError as exc:
        checks.append(Check("connector", False, str(exc), "fix the profile's settings", "input"))
    rows = ([c.name, "ok" if c.ok else "FAIL", _detail(c)] for c in checks)
    document = {"profile": profile.name, "connector": profile.connector_name}
    with open_output(output) as stream:
        emit(
            checks,
            format,
            stream,
            columns=COLUMNS,
            document=document,
            key="checks",
            table_rows=rows,
            table_headers=("check", "result", "detail"),
        )
    failed = [c for c in checks if not c.ok]
    app.say(f"{len(checks)} checks, {len(failed)} failed" if failed else f"{len(checks)} checks, all passed")
    if any(c.kind == "input" for c in failed):
        return ExitStatus.INPUT_ERROR
    if failed:
        return ExitStatus.PLATFORM_ERROR
    return ExitStatus.OK


def _detail(check: Check) -> str:
    return check.detail + (f"\nhint: {check.hint}" if check.hint and not check.ok else "")
