"""`fsmkit audit`: every contract promise checked against what happened."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any

import click

from fsmkit.app import App
from fsmkit.audit import INFORMATION_RULES, KINDS, Audit, shown
from fsmkit.commands._options import account_option, fail_on_option, output_options, since_option
from fsmkit.errors import ExitStatus
from fsmkit.model import Finding, field_names, utc
from fsmkit.output import open_output, write_csv, write_json, write_jsonl, write_table
from fsmkit.timespec import parse_instant, parse_since

STATUS_RANK = {"breached": 0, "at_risk": 1, "not_covered": 2, "flagged": 3, "pending": 4, "met": 5}
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, None: 4}


@click.command()
@since_option("30d")
@click.option("--until", metavar="DATE", help="End of the window, excluded (default: --as-of).")
@account_option()
@click.option(
    "--kind", "kinds", multiple=True, type=click.Choice(KINDS), help="Only these rules (repeatable)."
)
@click.option("--all", "show_all", is_flag=True, help="Show met and pending findings too.")
@output_options()
@fail_on_option(("breached", "at_risk"))
@click.pass_obj
def audit(
    app: App,
    since: str,
    until: str | None,
    accounts: tuple[str, ...],
    kinds: tuple[str, ...],
    show_all: bool,
    format: str,
    output: str | None,
    fail_on: str | None,
) -> ExitStatus:
    """Check every contract promise against what happened, on the contract's own calendar.

    Work orders opened in [--since, --until) are matched to their contract; each promise that applies
    (response, resolution, arrival, and preventive maintenance per covered asset) becomes a finding:
    met, breached, pending, at_risk, or not_covered when no contract was in force. Two information
    rules flag renewals (contract_ending) and PM due where a job is open (pm_due_on_site).
    Shown by default: breached, at_risk, not_covered, flagged; --all adds met and pending.

    \b
    Examples:
      fsmkit --profile demo audit
      fsmkit --profile demo audit --since 2026-01-01 --kind response --all --format jsonl
      fsmkit audit --since 1d --fail-on breached --format json --output breaches.json
    """
    as_of = app.as_of
    since_at = parse_since(since, as_of)
    until_at = parse_instant(until, "--until") if until else as_of
    connector = app.connector
    account_ids = list(accounts) or None
    engine = Audit(
        as_of=as_of,
        since=since_at,
        until=until_at,
        accounts={a.id: a for a in connector.accounts(account_ids)},
        assets={a.id: a for a in connector.assets(account_ids)},
        contracts=list(connector.contracts(account_ids)),
        calendars={c.id: c for c in connector.calendars()},
        kinds=kinds or KINDS,
    )
    lower, upper = engine.read_window()
    work_orders = app.progress(connector.work_orders(lower, upper, account_ids=account_ids), "work orders")
    watch = FailOn(fail_on)
    findings = watch.track(f for f in engine.evaluate(work_orders) if shown(f, show_all))
    columns = field_names(Finding)
    with open_output(output) as stream:
        if format == "jsonl":
            write_jsonl(findings, stream)
        elif format == "csv":
            write_csv(findings, columns, stream)
        else:
            collected = list(findings)
            if format == "json":
                document = {
                    "as_of": utc(as_of),
                    "since": utc(since_at),
                    "until": utc(until_at),
                    "findings": collected,
                    "summary": engine.summary(),
                }
                write_json(document, stream)
            else:
                _write_tables(collected, engine, stream)
    return ExitStatus.FAIL_ON_MATCHED if watch.matched else ExitStatus.OK


class FailOn:
    """Watches findings as they stream to output and remembers whether --fail-on matched."""

    def __init__(self, level: str | None) -> None:
        trip = {"breached": {"breached"}, "at_risk": {"breached", "at_risk"}, "flagged": {"flagged"}}
        self.statuses = trip.get(level or "", set())
        self.matched = False

    def track(self, findings: Iterable[Finding]) -> Iterator[Finding]:
        for finding in findings:
            if finding.status in self.statuses and finding.rule not in INFORMATION_RULES:
                self.matched = True
            yield finding


def _write_tables(findings: list[Finding], engine: Audit, stream: Any) -> None:
    def account_name(account_id: str | None) -> str:
        account = engine.accounts.get(account_id or "")
        return account.name if account else (account_id or "")

    rows = [
        [
            account_name(r["account_id"]),
            r["rule"],
            r["evaluated"],
            r["met"],
            r["breached"],
            r["at_risk"],
            r["pending"],
            "" if r["compliance"] is None else f"{r['compliance'] * 100:.1f}%",
        ]
        for r in engine.summary()
    ]
    headers = ("account", "promise", "evaluated", "met", "breached", "at risk", "pending", "compliance")
    write_table(rows, headers, stream, title=f"Promises kept, {_span(engine)}")
    worst = sorted(
        findings,
        key=lambda f: (
            STATUS_RANK[f.status],
            SEVERITY_RANK[f.severity],
            -(f.late_by_minutes or 0),
            f.due_at or engine.as_of,
        ),
    )
    if worst:
        stream.write("\n")
        detail = [
            [f.severity or "", f.status, f.rule, account_name(f.account_id), f.message or ""] for f in worst
        ]
        write_table(
            detail,
            ("severity", "status", "rule", "account", "what happened"),
            stream,
            title="Findings, worst first",
        )


def _span(engine: Audit) -> str:
    fmt = "%Y-%m-%d %H:%M UTC"
    return f"work orders opened {engine.since.astimezone(UTC):{fmt}} to {engine.until.astimezone(UTC):{fmt}}"
