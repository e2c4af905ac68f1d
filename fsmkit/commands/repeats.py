"""`fsmkit repeats`: assets that keep failing, fixes that did not stick, suffering accounts, flawed models."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TextIO

import click

from fsmkit import collector
from fsmkit.app import App
from fsmkit.commands._options import account_option, fail_on_option, output_options, since_option
from fsmkit.commands.audit import FailOn
from fsmkit.errors import ExitStatus
from fsmkit.model import Finding, field_names, utc
from fsmkit.output import open_output, write_csv, write_json, write_jsonl, write_table
from fsmkit.repeats import BY, Repeats, iter_shown
from fsmkit.timespec import parse_since, parse_span

TITLES = {
    "repeat_failure": "Assets failing again and again",
    "callback": "Fixes that did not stick (callbacks)",
    "repeat_account": "Accounts that suffer most",
    "model_defect_suspect": "Models failing across the fleet",
}


@click.command()
@since_option("365d")
@click.option(
    "--window",
    default="90d",
    show_default=True,
    metavar="SPAN",
    help="How close together failures must be to count as repeats (last - first <= window).",
)
@click.option(
    "--threshold",
    default=3,
    show_default=True,
    type=click.IntRange(min=2),
    help="How many failures within --window make a repeat failure.",
)
@click.option(
    "--callback-days",
    default=30,
    show_default=True,
    type=click.IntRange(min=0),
    help="A failure this many days or fewer after the previous fix is a callback.",
)
@click.option(
    "--by",
    type=click.Choice(tuple(BY)),
    default="all",
    show_default=True,
    help="asset: repeat failures and callbacks; account: suffering accounts; model: fleet-wide "
    "model defects; all: everything.",
)
@account_option()
@output_options()
@fail_on_option(("flagged",))
@click.pass_obj
def repeats(
    app: App,
    since: str,
    window: str,
    threshold: int,
    callback_days: int,
    by: str,
    accounts: tuple[str, ...],
    format: str,
    output: str | None,
    fail_on: str | None,
) -> ExitStatus:
    """Find assets that fail again and again, callbacks, suffering accounts and flawed models.

    Reads the corrective work orders opened in [--since, --as-of) across the whole fleet; --account
    narrows what is shown, never the fleet rates. A model is flagged when its failures per installed
    unit-year are at least twice the rest of the fleet's, with at least 5 failures and p < 0.01 (exact
    conditional test for two Poisson rates).

    \b
    Examples:
      fsmkit --profile demo repeats
      fsmkit --profile demo repeats --by model --format json
      fsmkit repeats --since 180d --window 60d --threshold 4 --fail-on flagged
    """
    as_of = app.as_of
    since_at = parse_since(since, as_of)
    connector = app.connector
    engine = Repeats(
        as_of=as_of,
        since=since_at,
        accounts={a.id: a for a in connector.accounts()},
        assets={a.id: a for a in connector.assets()},
        window=parse_span(window, "--window"),
        threshold=threshold,
        callback_days=timedelta(days=callback_days),
    )
    watch = FailOn(fail_on)
    with collector.streaming():
        engine.feed(app.progress(connector.work_orders(since_at, as_of), "work orders"))
        wanted = set(accounts) or None
        models = (
            {a.model for a in engine.assets.values() if a.model and a.account_id in wanted}
            if wanted
            else None
        )
        findings = list(watch.track(iter_shown(engine.findings(BY[by]), wanted, models)))
    with open_output(output) as stream:
        if format == "json":
            document = {
                "as_of": utc(as_of),
                "since": utc(since_at),
                "window": window,
                "threshold": threshold,
                "callback_days": callback_days,
                "findings": findings,
            }
            write_json(document, stream)
        elif format == "jsonl":
            write_jsonl(findings, stream)
        elif format == "csv":
            write_csv(findings, field_names(Finding), stream)
        else:
            _write_tables(findings, engine, stream)
    return ExitStatus.FAIL_ON_MATCHED if watch.matched else ExitStatus.OK


def _rank(finding: Finding) -> tuple[Any, ...]:
    """Worst first, within a rule (the table only; machine output keeps rule, subject id order)."""
    evidence = finding.evidence[0] if finding.evidence else {}
    if finding.rule == "repeat_failure":
        return (-len(finding.evidence), finding.subject.id)
    if finding.rule == "repeat_account":
        return (-len(evidence.get("affected_assets", ())), -evidence.get("failures", 0), finding.subject.id)
    if finding.rule == "model_defect_suspect":
        return (evidence.get("p_value", 1.0), finding.subject.id)
    return (finding.subject.id,)


def _write_tables(findings: list[Finding], engine: Repeats, stream: TextIO) -> None:
    def account_name(account_id: str | None) -> str:
        account = engine.accounts.get(account_id or "")
        return account.name if account else (account_id or "")

    fmt = "%Y-%m-%d"
    stream.write(f"Corrective work orders opened {engine.since:{fmt}} to {engine.as_of:{fmt}}\n")
    if not findings:
        stream.write("\nNothing flagged.\n")
    for rule, title in TITLES.items():
        ranked = sorted((f for f in findings if f.rule == rule), key=_rank)
        if not ranked:
            continue
        stream.write("\n")
        rows = [
            [i, "" if rule == "model_defect_suspect" else account_name(f.account_id), f.message]
            for i, f in enumerate(ranked, 1)
        ]
        write_table(rows, ("#", "account", "what happened"), stream, title=title)
