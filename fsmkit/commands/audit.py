"""`fsmkit audit`: every contract promise checked against what happened."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import click

from fsmkit import collector
from fsmkit.app import App
from fsmkit.audit import INFORMATION_RULES, KINDS, SHOWN_BY_DEFAULT, Audit, Memory
from fsmkit.commands._options import account_option, fail_on_option, output_options, since_option
from fsmkit.connectors.base import Connector
from fsmkit.errors import ExitStatus
from fsmkit.model import Finding, WorkOrder, field_names, utc
from fsmkit.output import (
    WRITE_BUFFER,
    append_file,
    open_output,
    settle,
    write_csv,
    write_json,
    write_jsonl,
    write_table,
)
from fsmkit.parallel import available_jobs, in_processes
from fsmkit.timespec import parse_instant, parse_since

STATUS_RANK = {"breached": 0, "at_risk": 1, "not_covered": 2, "flagged": 3, "pending": 4, "met": 5}
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, None: 4}
STREAMED = ("jsonl", "csv")  # the formats written as findings come, which work orders in parts can feed
BATCH = 256  # work orders evaluated in one turn (see _in_batches)
PARTS_PER_JOB = 4  # parts per process: uneven parts even out, and no part's file grows large


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
@click.option(
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Processes to read and evaluate work orders in, for jsonl and csv output from a connector that "
    "can split its work orders (files, when work_orders.jsonl is large); 0 (the default) is one per CPU.",
)
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
    jobs: int,
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
        statuses=None if show_all else SHOWN_BY_DEFAULT,
    )
    window = engine.read_window()
    watch = FailOn(fail_on)
    jobs = jobs or available_jobs()
    parts = connector.work_order_partitions(jobs * PARTS_PER_JOB) if format in STREAMED and jobs > 1 else []
    with open_output(output) as stream, collector.streaming():
        if format in STREAMED:
            write = _streamed_writer(format)
            if format == "csv":
                write_csv((), field_names(Finding), stream)  # the header
            if parts:
                _write_in_parts(
                    app, engine, connector, parts, jobs, window, account_ids, watch, write, stream
                )
            else:
                work_orders = app.progress(
                    connector.work_orders(*window, account_ids=account_ids), "work orders"
                )
                write(watch.track(_in_batches(engine, work_orders)), stream)
                write(watch.track(engine.later_findings()), stream)
        else:
            work_orders = app.progress(connector.work_orders(*window, account_ids=account_ids), "work orders")
            findings = list(watch.track(engine.evaluate(work_orders)))
            if format == "json":
                document = {
                    "as_of": utc(as_of),
                    "since": utc(since_at),
                    "until": utc(until_at),
                    "findings": findings,
                    "summary": engine.summary(),
                }
                write_json(document, stream)
            else:
                _write_tables(findings, engine, stream)
    return ExitStatus.FAIL_ON_MATCHED if watch.matched else ExitStatus.OK


def _in_batches(engine: Audit, work_orders: Iterable[WorkOrder]) -> Iterator[Finding]:
    """`engine.work_order_findings`, evaluated BATCH work orders at a time, then handed on: reading,
    evaluating and writing in turns of a few hundred keeps each stage's code and data in the CPU's
    caches, which makes the audit about 10% faster than taking each work order through all three."""
    return itertools.chain.from_iterable(_batches(engine, iter(work_orders)))


def _batches(engine: Audit, work_orders: Iterator[WorkOrder]) -> Iterator[list[Finding]]:
    findings_of = engine.findings_of
    while batch := list(itertools.islice(work_orders, BATCH)):
        yield list(itertools.chain.from_iterable(map(findings_of, batch)))


class FailOn:
    """Watches findings as they stream to output and remembers whether --fail-on matched."""

    def __init__(self, level: str | None) -> None:
        trip = {"breached": {"breached"}, "at_risk": {"breached", "at_risk"}, "flagged": {"flagged"}}
        self.level = level
        self.statuses = trip.get(level or "", set())
        self.matched = False

    def track(self, findings: Iterable[Finding]) -> Iterable[Finding]:
        """The findings, unchanged, watched as they pass (not even that without --fail-on)."""
        return self._watched(findings) if self.statuses else findings

    def _watched(self, findings: Iterable[Finding]) -> Iterator[Finding]:
        for finding in findings:
            if finding.status in self.statuses and finding.rule not in INFORMATION_RULES:
                self.matched = True
            yield finding


Writer = Callable[[Iterable[Finding], TextIO], None]


def _streamed_writer(format: str) -> Writer:
    """How findings are written in a streamed format (csv without its header, written once)."""
    if format == "jsonl":
        return write_jsonl
    columns = field_names(Finding)
    return lambda findings, stream: write_csv(findings, columns, stream, header=False)


def _write_in_parts(
    app: App,
    engine: Audit,
    connector: Connector,
    parts: list[Any],
    jobs: int,
    window: tuple[datetime, datetime],
    account_ids: list[str] | None,
    watch: FailOn,
    write: Writer,
    stream: TextIO,
) -> None:
    """Every finding, in `jobs` processes: the work orders' findings part by part of the connector's
    work orders, then the asset and contract findings by ranges of their due dates."""

    def work_orders_of(index: int, part_watch: FailOn, part_stream: TextIO) -> Memory:
        work_orders = connector.work_orders_in(parts[index], *window, account_ids=account_ids)
        write(part_watch.track(_in_batches(engine, work_orders)), part_stream)
        return engine.take_memory()  # forked before any work order was read: all of it is this part's

    def later_of(index: int, part_watch: FailOn, part_stream: TextIO) -> Memory:
        before = engine.counts()  # forked with every part's memory: only the counts are new
        write(part_watch.track(engine.later_findings(due_ranges[index])), part_stream)
        return Memory(tally={key: n - before.get(key, 0) for key, n in engine.counts().items()})

    with tempfile.TemporaryDirectory(prefix="fsmkit-audit-") as folder:
        in_files = _PartFiles(app, engine, jobs, watch, stream, Path(folder))
        in_files.write(work_orders_of, len(parts), "parts of the work orders")
        due_ranges = engine.due_ranges(jobs)
        in_files.write(later_of, len(due_ranges), "asset and contract findings")
        in_files.finish()


class _PartFiles:
    """Findings written in parts by up to `jobs` forked processes, each part to a file of its own in
    `folder`; the files are appended to `stream` in part order, and what each part remembered (PM
    completions, open jobs, summary counts) is absorbed by `engine` in the same order, as if one
    process had done it all.

    A batch's last file is appended once the next batch's processes have started (or at `finish`):
    they need the memory of every part before them, not the copy of its file."""

    def __init__(
        self, app: App, engine: Audit, jobs: int, watch: FailOn, stream: TextIO, folder: Path
    ) -> None:
        self.app, self.engine, self.jobs, self.watch, self.stream = app, engine, jobs, watch, stream
        self.folder = folder
        self.batches = 0
        self.unwritten: list[Path] = []

    def write(self, part: Callable[[int, FailOn, TextIO], Memory], count: int, what: str) -> None:
        """part(index, its FailOn, its file) for index in range(count), in processes; each returns
        what its engine remembered that the parent's did not."""
        level, batch = self.watch.level, self.batches
        self.batches += 1

        def in_a_process(index: int) -> tuple[Path, Memory, bool]:
            part_watch = FailOn(level)
            path = self.folder / f"part-{batch}-{index}"
            with path.open("w", buffering=WRITE_BUFFER, encoding="utf-8", newline="") as part_stream:
                memory = part(index, part_watch, part_stream)
            return path, memory, part_watch.matched

        results = in_processes(in_a_process, count, self.jobs)
        self.finish()
        for index, (path, memory, matched) in enumerate(self.app.progress(results, what)):
            self.engine.absorb(memory)
            self.watch.matched |= matched
            self.unwritten.append(path)
            if index < count - 1:
                self.finish()

    def finish(self) -> None:
        """Append the files not appended yet."""
        for path in self.unwritten:
            append_file(path, self.stream)
            settle(self.stream)
            path.unlink()
        self.unwritten.clear()


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
