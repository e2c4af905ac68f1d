"""`fsmkit push`: findings become follow-up tasks in the host platform, exactly once."""

from __future__ import annotations

import fcntl
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import click
import orjson

from fsmkit.app import App
from fsmkit.config import data_dir
from fsmkit.connectors.base import Connector, PushResult
from fsmkit.errors import ExitStatus, InputError, PlatformError, RecordError
from fsmkit.followups import Context, Planned, finding_from, load_rules, plan
from fsmkit.model import Finding, parse_datetime, utc
from fsmkit.output import write_json, write_jsonl, write_table

BATCH = 200  # tasks per push_tasks call (Salesforce collections take up to 200)
FORMATS = ("table", "json", "jsonl")
OUTCOMES = ("created", "exists", "failed", "skipped", "planned")


@click.command()
@click.argument("findings", default="-", metavar="[FINDINGS|-]")
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="A rules file (TOML or JSON) that overrides, extends or switches off the built-in rules.",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the plan, mark the keys that already exist, write nothing."
)
@click.option(
    "--format",
    "format",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table for people; json (one document) or jsonl (one task a line) for scripts.",
)
@click.pass_obj
def push(app: App, findings: str, rules_path: str | None, dry_run: bool, format: str) -> ExitStatus:
    """Turn findings into follow-up tasks in the platform, once and only once.

    Reads the JSON document or the JSON Lines that `audit` and `repeats` write (a file, or - for
    stdin), maps each finding to a task by the rules, and creates the tasks through the profile's
    connector. Each task carries an idempotency key: a task whose key exists already is left alone, so
    a cron job can push every hour, and a run killed half way can simply run again. Pushes of one
    profile take a lock in the user data folder, so two runs on one host never race.
    Outcomes: created, exists, failed, skipped (by a switched-off rule); --dry-run shows planned.
    Exit 4 when any task failed (the others are still pushed).

    \b
    Examples:
      fsmkit --profile demo audit --format jsonl | fsmkit --profile demo push -
      fsmkit --profile demo repeats --format json --output repeats.json
      fsmkit --profile demo push repeats.json --dry-run
      fsmkit push findings.jsonl --rules rules.toml --format json
    """
    source, document_as_of, parsed = read_findings(findings)
    rules = load_rules(rules_path)
    as_of = document_as_of or app.as_of
    connector = app.connector
    planned = plan(parsed, rules, as_of, _context(connector))
    to_push = [p.task for p in planned if not p.skipped]
    if dry_run:
        existing = connector.existing_task_keys([t.key for t in to_push]) if to_push else set()
        results = {k: PushResult(k, "exists") for k in existing}
        outcome = {t.key: ("exists" if t.key in existing else "planned") for t in to_push}
    else:
        with profile_lock(app.profile.name, app.say):
            results = _push(app, connector, to_push)
        outcome = {k: r.outcome for k, r in results.items()}
    rows = [_row(p, outcome.get(p.task.key, "skipped"), results.get(p.task.key)) for p in planned]
    counts = Counter(r["outcome"] for r in rows)
    _write(rows, format, sys.stdout, as_of=as_of, dry_run=dry_run, counts=counts)
    always = ("planned", "exists") if dry_run else ("created", "exists", "failed")
    app.say(
        ", ".join(f"{counts[o]} {o}" for o in (*always, "skipped") if counts[o] or o in always)
        + f" of {len(rows)} task{'' if len(rows) == 1 else 's'} from {source}"
        + (" (dry run: nothing written)" if dry_run else "")
    )
    return ExitStatus.PUSH_INCOMPLETE if counts["failed"] else ExitStatus.OK


# ---------------------------------------------------------------------------------------------------
# Reading findings


def read_findings(name: str) -> tuple[str, datetime | None, list[Finding]]:
    """(source name, the document's as_of or None, findings) of a findings JSON document or JSONL.

    Everything is read and checked before anything is pushed: a malformed line is an InputError
    naming the line, and no task is pushed.
    """
    source = "stdin" if name == "-" else name
    if name == "-" and sys.stdin.isatty():
        raise InputError(
            "no findings: pipe them in (fsmkit audit --format jsonl | fsmkit push -) or name a findings file"
        )
    try:
        content = sys.stdin.buffer.read() if name == "-" else Path(name).expanduser().read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read the findings ({exc.strerror})") from None
    stripped = content.strip()
    if not stripped:
        return source, None, []
    try:
        whole = orjson.loads(stripped)
    except orjson.JSONDecodeError as exc:
        if stripped.split(b"\n", 1)[0].strip() == b"{":  # an indented document (--format json), cut short
            raise InputError(f"{source}: not a valid findings document ({exc})") from None
        whole = None
    if isinstance(whole, dict) and "findings" in whole:
        return source, _document_as_of(whole, source), _document_findings(whole, source)
    findings = []
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(
                f"{source}: line {number}: not valid JSON ({exc}); expected one finding a line "
                "as `fsmkit audit --format jsonl` writes, or its --format json document"
            ) from None
        findings.append(_finding(data, f"{source}: line {number}"))
    return source, None, findings


def _document_as_of(document: dict[str, Any], source: str) -> datetime | None:
    text = document.get("as_of")
    if text is None:
        return None
    if not isinstance(text, str):
        raise InputError(f"{source}: as_of: expected an ISO 8601 datetime")
    try:
        return parse_datetime(text, "as_of")
    except RecordError as exc:
        raise exc.located(source) from None


def _document_findings(document: dict[str, Any], source: str) -> list[Finding]:
    items = document["findings"]
    if not isinstance(items, list):
        raise InputError(f"{source}: findings: expected a list of findings")
    return [_finding(data, f"{source}: findings[{i}]") for i, data in enumerate(items)]


def _finding(data: Any, where: str) -> Finding:
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a finding (a JSON object), got {type(data).__name__}")
    try:
        return finding_from(data)
    except RecordError as exc:
        raise exc.located(where) from None


# ---------------------------------------------------------------------------------------------------
# Pushing


def _context(connector: Connector) -> Context:
    """Names and calendars for readable tasks and due dates on open days."""
    return Context(
        accounts={a.id: a.name for a in connector.accounts()},
        assets={a.id: a for a in connector.assets()},
        contracts=list(connector.contracts()),
        calendars={c.id: c for c in connector.calendars()},
    )


def lock_path(profile: str) -> Path:
    """The lock file of a profile's pushes, in the user data folder."""
    return data_dir() / "locks" / f"push-{re.sub(r'[^A-Za-z0-9_.-]', '_', profile)}.lock"


@contextmanager
def profile_lock(profile: str, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the profile's push lock, waiting for another push of the profile to finish first (and
    telling `on_wait` so)."""
    path = lock_path(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait(f"waiting for another push of profile {profile!r} to finish (lock {path})")
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _push(app: App, connector: Connector, tasks: Sequence[Any]) -> dict[str, PushResult]:
    """Push in batches; a batch the platform refuses as a whole fails its tasks, and the rest go on."""
    results: dict[str, PushResult] = {}
    batches = [tasks[i : i + BATCH] for i in range(0, len(tasks), BATCH)]
    for batch in app.progress(batches, f"batches of up to {BATCH} tasks pushed"):
        try:
            for result in connector.push_tasks(batch):
                results[result.key] = result
        except PlatformError as exc:
            for task in batch:
                results.setdefault(task.key, PushResult(task.key, "failed", error=str(exc)))
    for task in tasks:  # a connector that answered for fewer tasks than it was given
        results.setdefault(task.key, PushResult(task.key, "failed", error="the connector gave no result"))
    return results


# ---------------------------------------------------------------------------------------------------
# Report


def _row(planned: Planned, outcome: str, result: PushResult | None) -> dict[str, Any]:
    task = planned.task
    return {
        "key": task.key,
        "outcome": outcome,
        "platform_id": result.platform_id if result else None,
        "error": result.error if result else None,
        "status": planned.status,
        "task": task,
    }


def _write(
    rows: list[dict[str, Any]],
    fmt: str,
    stream: TextIO,
    *,
    as_of: datetime,
    dry_run: bool,
    counts: Counter[str],
) -> None:
    if fmt == "jsonl":
        write_jsonl(rows, stream)
    elif fmt == "json":
        summary = {o: counts[o] for o in OUTCOMES}
        write_json({"as_of": utc(as_of), "dry_run": dry_run, "tasks": rows, "summary": summary}, stream)
    else:
        table = [
            [r["outcome"], t.queue, t.priority, t.due_on, t.subject, r["key"], r["platform_id"]]
            for r in rows
            for t in (r["task"],)
        ]
        headers = ("outcome", "queue", "priority", "due on", "task", "key", "platform id")
        write_table(table, headers, stream, title="Follow-up tasks" + (" (dry run)" if dry_run else ""))
