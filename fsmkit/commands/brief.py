"""`fsmkit brief`: the one-page pre-visit brief a technician prints before walking in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import orjson

from fsmkit.app import App
from fsmkit.brief import assemble, read_window
from fsmkit.errors import InputError, RecordError
from fsmkit.model import validate
from fsmkit.output import open_output
from fsmkit.render import FORMATS, render


@click.command()
@click.argument("work_order")
@click.option(
    "--findings",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Findings of `fsmkit repeats` (its json or jsonl output): flags the asset's model when it is "
    "suspected of a fleet-wide defect.",
)
@click.option(
    "--format",
    "format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text (80 columns) and markdown to read; html (self-contained, prints on A4 or Letter) and pdf "
    "(needs the pdf extra) to print; json for scripts.",
)
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to FILE (atomically: a temporary file renamed into place) instead of stdout.",
)
@click.pass_obj
def brief(app: App, work_order: str, findings: Path | None, format: str, output: str | None) -> None:
    """Brief the technician on WORK_ORDER (an id or a number) before the visit.

    One page, in this order: the job (site, access, booked window, the promise clock: respond by and
    resolve by, time left or overdue at --as-of); the customer (contacts, complaints and breaches of
    the last 12 months, praise); what we promised (the contract's promises in plain words, 90-day
    compliance); the equipment (age, warranty, coverage, its last 10 jobs, repeat-failure and callback
    flags, a fleet-wide defect named by --findings, known issues and fixes for the model); and while
    you are there (other open jobs, PM due within 14 days, other covered equipment, contracts and
    warranties ending within 90 days, equipment past its expected life). Times are the site's local
    time. Reads only the work order's account: each kind of record once.

    \b
    Examples:
      fsmkit --profile demo brief wo-000532
      fsmkit --profile demo brief WO0010245 --format html --output brief.html
      fsmkit --profile demo repeats --format json --output repeats.json
      fsmkit --profile demo brief WO0010533 --findings repeats.json --format pdf -o brief.pdf
    """
    as_of = app.as_of
    fleet = _fleet_findings(findings) if findings else []
    connector = app.connector
    target = connector.work_order(work_order)
    if target is None:
        where = f"profile {app.profile.name}"
        raise InputError(f"work order {work_order} not found in {where}: give a work order's id or number")
    account_ids = [target.account_id]
    accounts = list(connector.accounts(account_ids))
    assets = list(connector.assets(account_ids))
    contracts = list(connector.contracts(account_ids))
    calendars = list(connector.calendars())
    asset = next((a for a in assets if a.id == target.asset_id), None)
    knowledge = list(connector.knowledge([asset.model])) if asset and asset.model else []
    since, until = read_window(target, as_of, assets, contracts, calendars)
    work_orders = list(
        app.progress(connector.work_orders(since, until, account_ids=account_ids), "work orders")
    )
    document = render(
        assemble(
            target,
            as_of=as_of,
            account=accounts[0] if accounts else None,
            assets=assets,
            contracts=contracts,
            calendars=calendars,
            knowledge=knowledge,
            work_orders=work_orders,
            fleet_findings=fleet,
        ),
        format,
    )
    with open_output(output) as stream:
        if isinstance(document, bytes):
            stream.flush()
            stream.buffer.write(document)  # type: ignore[attr-defined]
        else:
            stream.write(document)


def _fleet_findings(path: Path) -> list[dict[str, Any]]:
    """The findings of a `fsmkit repeats` output file (its json document, or jsonl), each checked
    against the finding schema; a file that is neither is an InputError naming it."""
    content = path.read_bytes()
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("findings"), list):
        found = document["findings"]
    else:
        try:
            found = [orjson.loads(line) for line in content.splitlines() if line.strip()]
        except orjson.JSONDecodeError:
            raise InputError(
                f"{path}: not the output of fsmkit repeats; write it with `fsmkit repeats --format json`"
            ) from None
    for number, finding in enumerate(found, 1):
        try:
            validate("finding", finding)
        except RecordError as exc:
            raise exc.located(f"{path}: finding {number}") from None
    return found
