"""Findings -> follow-up tasks, with idempotency keys (pure: findings in, tasks out).

A rule maps a finding, by its `rule` and `status` (and optionally its severity), to a task template:
subject and description (Python format strings over the finding's facts), the queue that acts on it
(service_manager, dispatch, engineering, sales), a priority (by default from the severity) and
`due_in_days`: the task is due on the as_of date plus that many days, moved to the next open day of
the contract's calendar where one applies. Met and pending findings make no task.

Rules are looked up by `rule` and `rule.status` (the more specific wins, field by field); a rules file
(`load_rules`, JSON or TOML, schemas/rules.schema.json) merges over the built-in ones (its entries win),
adds new ones, or switches one off with `enabled = false`.

The key of a task is DESIGN.md "Idempotency keys": "fsmkit-" + sha256 of the |-joined material, cut to
24 hex digits, so tomorrow's run maps the same problem to the same task and a new problem to a new
one. It is never derived from --since or from the time the command ran.
"""

from __future__ import annotations

import hashlib
import json
import string
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from fsmkit.errors import InputError, RecordError
from fsmkit.model import (
    Asset,
    Calendar,
    Contract,
    Finding,
    Related,
    Subject,
    Task,
    parse_datetime,
    validate,
    zone,
)

QUEUES = ("service_manager", "dispatch", "engineering", "sales")
QUIET_STATUSES = ("met", "pending")  # no task unless a rule names the status
PRIORITY_OF_SEVERITY = {"critical": "P1", "high": "P2", "medium": "P3", "low": "P4"}
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RULE_FIELDS = ("enabled", "queue", "priority", "due_in_days", "subject", "description", "severities")

_DESCRIPTION = "{message}\n\n{facts}"

# Built-in rules: every finding kind of audit and repeats that calls for someone to act.
BUILT_IN: dict[str, dict[str, Any]] = {
    "response.breached": {
        "queue": "service_manager",
        "due_in_days": 1,
        "subject": "Call {account} about {work_order}: the response promise was broken",
    },
    "response.at_risk": {
        "queue": "dispatch",
        "due_in_days": 0,
        "subject": "Get someone to {work_order} for {account} now: the response promise is at risk",
    },
    "resolution.breached": {
        "queue": "service_manager",
        "due_in_days": 1,
        "subject": "Call {account} about {work_order}: the resolution promise was broken",
    },
    "resolution.at_risk": {
        "queue": "dispatch",
        "due_in_days": 0,
        "subject": "Resolve {work_order} for {account} soon: the resolution promise is at risk",
    },
    "arrival.breached": {
        "queue": "service_manager",
        "due_in_days": 1,
        "subject": "Apologise to {account}: the booked arrival window of {work_order} was missed",
    },
    "coverage.not_covered": {
        "queue": "sales",
        "due_in_days": 5,
        "subject": "{account}: {work_order} was done with no contract in force; bill it or offer one",
    },
    "pm_interval.breached": {
        "queue": "dispatch",
        "due_in_days": 2,
        "subject": "Preventive maintenance of {asset} missed its interval (due {due_date})",
    },
    "pm_interval.at_risk": {
        "queue": "dispatch",
        "due_in_days": 2,
        "subject": "Schedule the preventive maintenance of {asset} before {due_date}",
    },
    "pm_due_on_site.flagged": {
        "queue": "dispatch",
        "due_in_days": 0,
        "subject": "Do the preventive maintenance of {asset} on the visit for {work_order}",
    },
    "contract_ending.flagged": {
        "queue": "sales",
        "due_in_days": 7,
        "subject": "Renewal: {account}'s contract {contract} ends on {ends_on}",
    },
    "callback.flagged": {
        "queue": "service_manager",
        "due_in_days": 2,
        "subject": "Callback on {work_order} for {account}: the previous fix did not stick",
    },
    "repeat_failure.flagged": {
        "queue": "service_manager",
        "due_in_days": 3,
        "subject": "Escalate {asset} of {account}: {failures} failures close together",
    },
    "repeat_account.flagged": {
        "queue": "service_manager",
        "due_in_days": 5,
        "subject": "Review {account}: assets failing again and again",
    },
    "model_defect_suspect.flagged": {
        "queue": "engineering",
        "due_in_days": 7,
        "subject": "Investigate {model}: it fails far more often than the rest of the fleet",
    },
}

# Names a subject or description may use (see `facts`).
PLACEHOLDERS = (
    "rule", "status", "severity", "account", "account_id", "work_order", "work_order_id", "asset",
    "asset_id", "subject_id", "promise_id", "contract", "model", "due_at", "due_date", "late_by",
    "ends_on", "failures", "message", "facts",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rule:
    """A task template for findings of one rule (and status)."""

    enabled: bool = True
    queue: str | None = None
    priority: str | None = None  # None: from the finding's severity
    due_in_days: int = 1
    subject: str | None = None
    description: str = _DESCRIPTION
    severities: tuple[str, ...] = ()  # empty: every severity

    def applies_to(self, severity: str | None) -> bool:
        return not self.severities or severity in self.severities


@dataclass(frozen=True, slots=True)
class Rules:
    """Rule entries by "rule" or "rule.status": the built-in ones, then a rules file's over them.

    `for_finding` merges, field by field, the built-in "rule" and "rule.status" entries, then the
    file's "rule" and "rule.status" entries: the file wins over the built-ins, and within each the
    more specific entry wins.
    """

    entries: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: BUILT_IN)
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def for_finding(self, rule: str, status: str) -> Rule | None:
        """The merged rule for findings of this rule and status; None when no task is wanted (met and
        pending findings want one only through an entry naming that status, such as response.pending)."""
        specific = f"{rule}.{status}"
        if status in QUIET_STATUSES and specific not in self.entries and specific not in self.overrides:
            return None
        merged: dict[str, Any] = {}
        for layer in (self.entries, self.overrides):
            for name in (rule, specific):
                merged.update(layer.get(name) or {})
        if not merged.get("subject"):
            return None
        values = {k: tuple(v) if k == "severities" else v for k, v in merged.items()}
        return Rule(**values)


@dataclass(frozen=True)
class Context:
    """Reference data that makes tasks readable and due dates land on open days (all optional)."""

    accounts: Mapping[str, str] = field(default_factory=dict)  # id -> name
    assets: Mapping[str, Asset] = field(default_factory=dict)
    contracts: Sequence[Contract] = ()
    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    work_order_numbers: Mapping[str, str] = field(default_factory=dict)  # id -> number

    @cached_property
    def contracts_by_id(self) -> dict[str, Contract]:
        return {c.id: c for c in self.contracts}

    @cached_property
    def contracts_by_promise(self) -> dict[str, list[Contract]]:
        found: dict[str, list[Contract]] = {}
        for contract in self.contracts:
            for promise in contract.promises:
                found.setdefault(promise.id, []).append(contract)
        return found


@dataclass(frozen=True, slots=True)
class Planned:
    """One task of the plan, or a finding whose rule is switched off (`skipped`)."""

    task: Task
    status: str
    skipped: bool = False


# ---------------------------------------------------------------------------------------------------
# Keys


def task_key(material: str) -> str:
    """ "fsmkit-" + the first 24 hex digits of the SHA-256 of the UTF-8 material."""
    return "fsmkit-" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


def quarter(moment: datetime) -> str:
    """'2026-Q4': the UTC quarter of an instant."""
    moment = moment.astimezone(UTC)
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def key_material(finding: Finding, as_of: datetime) -> str:
    """The |-joined fields DESIGN.md "Idempotency keys" pins for this kind of finding.

    at_risk and breached of one promise give the same material (status is never part of it).
    """
    rule = finding.rule
    first = finding.evidence[0] if finding.evidence else {}
    if rule in ("response", "resolution"):
        parts = [rule, finding.work_order_id, finding.promise_id]
    elif rule == "arrival":
        parts = [rule, finding.subject.id, finding.promise_id]
    elif rule in ("coverage", "callback"):
        parts = [rule, finding.work_order_id]
    elif rule in ("pm_interval", "pm_due_on_site"):
        due = finding.due_at.astimezone(UTC).date().isoformat() if finding.due_at else None
        parts = [rule, finding.subject.id, due]
    elif rule == "repeat_failure":
        parts = [rule, finding.subject.id, first.get("work_order_id") or finding.work_order_id]
    elif rule == "contract_ending":
        ends_on = first.get("ends_on")
        parts = [rule, finding.subject.id, ends_on.isoformat() if isinstance(ends_on, date) else ends_on]
    elif rule in ("repeat_account", "model_defect_suspect"):
        parts = [rule, finding.subject.id, quarter(as_of)]
    else:  # a plugin's rule: one task per rule and subject
        parts = [rule, finding.subject.id]
    missing = [i for i, part in enumerate(parts) if not part]
    if missing:
        names = _MATERIAL_NAMES.get(rule, ())
        what = names[missing[0]] if missing[0] < len(names) else "a field"
        raise InputError(f"a {rule} finding of {finding.subject.id} has no {what}, which its task key needs")
    return "|".join(str(part) for part in parts)


_MATERIAL_NAMES = {
    "response": ("rule", "work_order_id", "promise_id"),
    "resolution": ("rule", "work_order_id", "promise_id"),
    "arrival": ("rule", "subject.id (the visit)", "promise_id"),
    "coverage": ("rule", "work_order_id"),
    "callback": ("rule", "work_order_id"),
    "pm_interval": ("rule", "subject.id (the asset)", "due_at"),
    "pm_due_on_site": ("rule", "subject.id (the asset)", "due_at"),
    "repeat_failure": ("rule", "subject.id (the asset)", "evidence[0].work_order_id"),
    "contract_ending": ("rule", "subject.id (the contract)", "evidence[0].ends_on"),
}


# ---------------------------------------------------------------------------------------------------
# Dates


def next_open_day(calendar: Calendar, day: date) -> date:
    """`day`, or the first later day with weekly open hours that is not a holiday."""
    holidays = set(calendar.holidays)
    open_weekdays = {i for i, name in enumerate(WEEKDAY_NAMES) if calendar.weekly.get(name)}
    if not open_weekdays:
        return day
    while day.weekday() not in open_weekdays or day in holidays:
        day += timedelta(days=1)
    return day


def _contract_of(finding: Finding, asset_id: str | None, context: Context) -> Contract | None:
    """The contract whose calendar applies: the finding's own, the one holding its promise (the
    account's first), else its asset's."""
    by_id = context.contracts_by_id
    if finding.subject.type == "contract":
        return by_id.get(finding.subject.id)
    if finding.promise_id:
        matches = context.contracts_by_promise.get(finding.promise_id, [])
        same_account = [c for c in matches if c.account_id == finding.account_id]
        if same_account or matches:
            return (same_account or matches)[0]
    asset = context.assets.get(asset_id or "")
    if asset is not None and asset.contract_id:
        return by_id.get(asset.contract_id)
    return None


def due_on(as_of: datetime, days: int, calendar: Calendar | None) -> date:
    """The as_of date (in the calendar's zone, else UTC) plus `days`, moved to an open day of the calendar."""
    tz = zone(calendar.timezone) if calendar is not None else UTC
    day = as_of.astimezone(tz).date() + timedelta(days=days)
    return next_open_day(calendar, day) if calendar is not None else day


# ---------------------------------------------------------------------------------------------------
# Text


def _minutes(minutes: int | None, clock: str | None) -> str | None:
    if minutes is None:
        return None
    unit = "business " if clock == "business" else ""
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return f"{minutes} {unit}minute{'' if minutes == 1 else 's'}"
    return f"{hours} {unit}hour{'' if hours == 1 else 's'}" + (f" {rest} min" if rest else "")


def _stamp(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(_stamp(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)


def facts(finding: Finding, context: Context, asset_id: str | None) -> dict[str, str]:
    """The values a subject or description template may name (PLACEHOLDERS), as text."""
    first = finding.evidence[0] if finding.evidence else {}
    wo_id = finding.work_order_id
    number = _numbers([finding]).get(wo_id or "") or context.work_order_numbers.get(wo_id or "")
    asset = context.assets.get(asset_id or "")
    contract = _contract_of(finding, asset_id, context)
    own = finding.subject.type == "contract"
    values = {
        "rule": finding.rule,
        "status": finding.status,
        "severity": finding.severity or "",
        "account": context.accounts.get(finding.account_id or "") or finding.account_id or "",
        "account_id": finding.account_id or "",
        "work_order": number or wo_id or "",
        "work_order_id": wo_id or "",
        "asset": (asset.name if asset and asset.name else asset_id) or "",
        "asset_id": asset_id or "",
        "subject_id": finding.subject.id,
        "promise_id": finding.promise_id or "",
        "contract": (contract.number or contract.id if contract else "")
        or ((first.get("number") or finding.subject.id) if own else ""),
        "model": first.get("model") or (finding.subject.id if finding.subject.type == "model" else ""),
        "due_at": _stamp(finding.due_at) if finding.due_at else "",
        "due_date": finding.due_at.astimezone(UTC).date().isoformat() if finding.due_at else "",
        "late_by": _minutes(finding.late_by_minutes, finding.clock) or "",
        "ends_on": _stamp(first.get("ends_on") or ""),
        "failures": str(first.get("failures") or len(finding.evidence)),
        "message": finding.message or f"{finding.rule} {finding.status}: {finding.subject.id}",
    }
    lines = []
    for label, name in (
        ("Account", "account"),
        ("Work order", "work_order"),
        ("Asset", "asset"),
        ("Contract", "contract"),
        ("Model", "model"),
        ("Due", "due_at"),
        ("Late by", "late_by"),
    ):
        if values[name]:
            lines.append(f"{label}: {values[name]}")
    if finding.actual_at:
        lines.append(f"Actual: {_stamp(finding.actual_at)}")
    if finding.evidence:
        lines.append("Evidence:")
        lines += [
            "- " + ", ".join(f"{k}: {_stamp(v)}" for k, v in item.items() if v is not None)
            for item in finding.evidence
        ]
    lines.append(
        f"Finding: {finding.rule} {finding.status}" + (f" ({finding.severity})" if finding.severity else "")
    )
    values["facts"] = "\n".join(lines)
    return values


# ---------------------------------------------------------------------------------------------------
# Planning


def _asset_of(finding: Finding) -> str | None:
    if finding.subject.type == "asset":
        return finding.subject.id
    for item in finding.evidence:
        if item.get("asset_id"):
            return str(item["asset_id"])
    return None


def plan_one(finding: Finding, rules: Rules, as_of: datetime, context: Context) -> Planned | None:
    """The task for one finding (None when no rule asks for one, as for met and pending findings)."""
    rule = rules.for_finding(finding.rule, finding.status)
    if rule is None or not rule.applies_to(finding.severity):
        return None
    asset_id = _asset_of(finding)
    values = facts(finding, context, asset_id)
    contract = _contract_of(finding, asset_id, context)
    calendar = context.calendars.get(contract.calendar_id or "") if contract else None
    task = Task(
        key=task_key(key_material(finding, as_of)),
        subject=_fill(rule.subject or "", values),
        description=_fill(rule.description, values),
        due_on=due_on(as_of, rule.due_in_days, calendar),
        priority=rule.priority or PRIORITY_OF_SEVERITY.get(finding.severity or "", "P3"),
        queue=rule.queue,
        related=Related(finding.account_id, asset_id, finding.work_order_id),
        rule=finding.rule,
    )
    return Planned(task, finding.status, skipped=not rule.enabled)


def plan(
    findings: Iterable[Finding], rules: Rules, as_of: datetime, context: Context | None = None
) -> list[Planned]:
    """The tasks of these findings, one per key (at_risk and breached of one promise are one task).

    Work order numbers any finding's evidence gives name the work order in every task (an arrival
    finding's evidence has none of its own)."""
    findings = list(findings)
    context = context or Context()
    context = replace(context, work_order_numbers={**_numbers(findings), **context.work_order_numbers})
    planned: dict[str, Planned] = {}
    for finding in findings:
        one = plan_one(finding, rules, as_of, context)
        if one is not None and one.task.key not in planned:
            planned[one.task.key] = one
    return list(planned.values())


def _numbers(findings: Iterable[Finding]) -> dict[str, str]:
    return {
        str(e["work_order_id"]): str(e["number"])
        for f in findings
        for e in f.evidence
        if e.get("work_order_id") and e.get("number")
    }


def finding_from(data: Any) -> Finding:
    """A Finding from a JSON object that audit or repeats wrote (else a RecordError naming the field)."""
    validate("finding", data)
    for i, item in enumerate(data.get("evidence") or ()):
        if not isinstance(item, dict):
            raise RecordError("expected a JSON object", f"evidence[{i}]")
    at = {
        name: parse_datetime(data[name], name) if data.get(name) else None for name in ("due_at", "actual_at")
    }
    return Finding(
        rule=data["rule"],
        status=data["status"],
        severity=data.get("severity"),
        account_id=data.get("account_id"),
        subject=Subject(data["subject"]["type"], data["subject"]["id"]),
        work_order_id=data.get("work_order_id"),
        promise_id=data.get("promise_id"),
        due_at=at["due_at"],
        actual_at=at["actual_at"],
        late_by_minutes=data.get("late_by_minutes"),
        remaining_minutes=data.get("remaining_minutes"),
        clock=data.get("clock"),
        evidence=list(data.get("evidence") or ()),
        message=data.get("message"),
    )


def _fill(template: str, values: Mapping[str, str]) -> str:
    return template.format_map(values)


# ---------------------------------------------------------------------------------------------------
# The rules file


def check_template(text: str, where: str) -> None:
    """A template may name only PLACEHOLDERS; anything else is a RecordError naming `where`."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise RecordError(
            f"{text!r} is not a template ({exc}); write {{{{ and }}}} for braces", where
        ) from None
    unknown = sorted(n for n in names if n not in PLACEHOLDERS)
    if unknown:
        raise RecordError(
            f"unknown placeholder {{{unknown[0]}}}; use one of "
            + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS),
            where,
        )


def rules_from(data: Any) -> Rules:
    """Rules from a rules document ({"rules": {"<rule>[.<status>]": {...}}}) merged over the built-in ones."""
    validate("rules", data)
    overrides = {}
    for name, entry in (data.get("rules") or {}).items():
        for part in ("subject", "description"):
            if entry.get(part) is not None:
                check_template(entry[part], f"rules.{name}.{part}")
        overrides[name] = {k: v for k, v in entry.items() if v is not None}
    return Rules(BUILT_IN, overrides)


def load_rules(path: str | Path | None) -> Rules:
    """The built-in rules, with a rules file (.toml, else JSON) merged over them; errors name the file."""
    if path is None:
        return Rules()
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the rules file ({exc.strerror})") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{path}: not valid {'TOML' if path.suffix == '.toml' else 'JSON'} ({exc})"
        ) from None
    try:
        return rules_from(data)
    except RecordError as exc:
        raise exc.located(str(path)) from None
