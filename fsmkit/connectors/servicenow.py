"""The ServiceNow connector: Field Service Management through the Table API (docs/servicenow.md).

Reads accounts, assets, schedules, contracts (with their SLA definitions), work orders with their tasks
(visits) and state history (pauses), and writes follow-up tasks. Where each kind lives is data:
mappings/servicenow.toml, overridable per profile. Every read sends `sysparm_fields` of the mapped
fields only, `sysparm_exclude_reference_link=true`, `sysparm_display_value=false`, a unique order, and
pages by offset; records for many ids are read with IN queries in chunks; choice labels come from one
`sys_choice` query per table per run. HTTP (retries, auth, redaction) is fsmkit.http's.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from fsmkit.connectors._rest import (
    KindMap,
    MappedConnector,
    OffsetPaginator,
    chunks,
    load_mapping,
    pause_spans,
    raw_value,
    records,
)
from fsmkit.connectors.base import Check, PushResult, fields_check
from fsmkit.errors import ConfigError, FsmkitError, PlatformError, RecordError
from fsmkit.http import HTTP_SETTINGS, Client, Created, RequestFailed
from fsmkit.model import (
    WEEKDAYS,
    Asset,
    Calendar,
    Contract,
    Knowledge,
    Task,
    WorkOrder,
    format_duration,
    parse_asset,
    parse_calendar,
    parse_contract,
    parse_knowledge,
    parse_work_order,
    zone,
)

MAPPING_FILE = Path(__file__).parent / "mappings" / "servicenow.toml"
TOKEN_PATH = "/oauth_token.do"
CANCELLED = "Transaction cancelled: maximum execution time exceeded"
IN_CHUNK = 100  # ids per IN query: long enough to save requests, short enough for any URL limit
# Work orders completed together when their visits come by one dot-walked query: their pauses are read
# with one IN query of as many sys_ids (32 characters): about 9,900 characters of query, under the
# 10,000 up to which PySNC still sends a query as a GET.
PAUSE_CHUNK = 300
DEFAULT_PAUSE_STATUSES = ("On Hold", "Awaiting Parts", "Awaiting Customer")
CHOICES = KindMap("choice", "sys_choice", ())
# What calendars() reads beyond the mapping: a schedule's parent and type (an excluded child schedule
# holds holidays), and the fields of its schedule entries (weekly hours, holiday days).
SCHEDULE_FIELDS = ("parent", "type")
SPAN_FIELDS = ("schedule", "start_date_time", "end_date_time", "days_of_week", "repeat_type", "all_day")

_SN_DATETIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
_PRIORITIES = re.compile(r"priority(=|IN)([\d,]+)")


class ServiceNowConnector(MappedConnector):
    """ServiceNow FSM over the Table API; basic or OAuth; offset paging; idempotent task pushes."""

    platform_name = "ServiceNow"
    id_field = "sys_id"
    in_chunk = IN_CHUNK

    @staticmethod
    def to_datetime(text: str, where: str) -> str | None:
        return _datetime(text, where)

    settings: ClassVar[dict[str, dict[str, Any]]] = {
        **HTTP_SETTINGS,
        "api_user_timezone": {
            "type": "string",
            "description": "the API user's time zone, in which ServiceNow reads date literals of queries "
            "(default UTC; doctor compares it with the user's record)",
            "examples": ["Europe/Berlin"],
        },
        "task_table": {
            "type": "string",
            "description": "the table follow-up tasks are created in (default sn_customerservice_task)",
            "examples": ["sn_customerservice_task"],
        },
        "task_key_field": {
            "type": "string",
            "description": "the task field holding fsmkit's idempotency key (default correlation_id)",
            "examples": ["correlation_id"],
        },
        "queues": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "a task's queue -> the sys_id of the assignment group it goes to",
            "examples": [{"service_manager": "8a4dde73c6112278017a6a4baf547aa7"}],
        },
        "pause_statuses": {
            "type": "array",
            "items": {"type": "string"},
            "description": "work order state labels during which pausable clocks stop "
            "(default On Hold, Awaiting Parts, Awaiting Customer)",
            "examples": [["On Hold", "Awaiting Parts", "Awaiting Customer"]],
        },
        "mapping": {
            "type": "object",
            "description": "per-kind overrides of the field mapping (docs/servicenow.md)",
            "examples": [{"work_order": {"fields": {"resolved_at": "u_restored_at"}}}],
        },
    }
    required_settings = ("instance_url",)

    def __init__(
        self,
        client: Client,
        mapping: dict[str, KindMap],
        *,
        page_size: int = 1000,
        user_timezone: str = "UTC",
        default_timezone: str | None = None,
        pause_statuses: Iterable[str] = DEFAULT_PAUSE_STATUSES,
        queues: Mapping[str, str] | None = None,
        username: str | None = None,
    ) -> None:
        self.client = client
        self.client.too_large_markers = (CANCELLED,)
        self.mapping = mapping
        self.page_size = page_size
        self.user_timezone = user_timezone
        self.default_timezone = default_timezone
        self.pause_statuses = frozenset(pause_statuses)
        self.queues = dict(queues or {})
        self.username = username
        self._choices: dict[str, dict[tuple[str, str], str]] = {}

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> ServiceNowConnector:
        mapping = load_mapping(MAPPING_FILE, settings.get("mapping"))
        task = mapping["task"]
        key_field = settings.get("task_key_field")
        mapping["task"] = replace(
            task,
            table=settings.get("task_table", task.table),
            fields=tuple(
                replace(s, field=key_field) if s.name == "key" and key_field else s for s in task.fields
            ),
        )
        try:
            zone(settings.get("api_user_timezone", "UTC"))
        except ValueError as exc:
            raise ConfigError(f"api_user_timezone: {exc}") from None
        return cls(
            Client.from_settings(settings, TOKEN_PATH),
            mapping,
            page_size=settings.get("page_size", 1000),
            user_timezone=settings.get("api_user_timezone", "UTC"),
            default_timezone=settings.get("default_timezone"),
            pause_statuses=settings.get("pause_statuses", DEFAULT_PAUSE_STATUSES),
            queues=settings.get("queues"),
            username=settings.get("username"),
        )

    def field_mapping(self) -> dict[str, KindMap]:
        return self.mapping

    # -- queries -----------------------------------------------------------------------------------

    def _rows(
        self, kind: KindMap, terms: Iterable[str], order: str = "ORDERBYsys_id", extra: Iterable[str] = ()
    ) -> Iterator[dict[str, Any]]:
        """Rows of a kind's table matching the terms, in a unique order, paged."""
        query = "^".join([t for t in (kind.filter, *terms) if t] + [order])
        params = {
            "sysparm_query": query,
            "sysparm_fields": ",".join(kind.platform_fields(*extra)),
            "sysparm_exclude_reference_link": "true",
            "sysparm_display_value": "false",
        }
        return records(self.client, OffsetPaginator(self.page_size), f"/api/now/table/{kind.table}", params)

    def _rows_in(
        self,
        kind: KindMap,
        field: str,
        values: Iterable[str] | None,
        order: str = "ORDERBYsys_id",
        extra: Iterable[str] = (),
        size: int = IN_CHUNK,
    ) -> Iterator[dict[str, Any]]:
        """Rows whose `field` is one of `values` (all rows for None), by IN queries in chunks of `size`."""
        if values is None:
            yield from self._rows(kind, (), order, extra)
            return
        for chunk in chunks(sorted(set(values)), size):
            yield from self._rows(kind, [f"{field}IN{','.join(chunk)}"], order, extra)

    def _label(self, table: str) -> Callable[[str, str], str]:
        """A function giving the label of a choice value of `table` (the value itself when unknown)."""
        if table not in self._choices:
            fields = sorted(
                {
                    spec.field
                    for kind in self.mapping.values()
                    if kind.table == table
                    for spec in kind.fields
                    if spec.label
                }
            )
            choices: dict[tuple[str, str], str] = {}
            if fields:
                terms = [f"name={table}", f"elementIN{','.join(fields)}", "language=en"]
                for row in self._rows(CHOICES, terms, extra=("element", "value", "label")):
                    choices.setdefault((row.get("element", ""), row.get("value", "")), row.get("label", ""))
            self._choices[table] = choices
        known = self._choices[table]
        return lambda field, value: known.get((field, value), value)

    def _since_term(self, field: str, operator: str, moment: datetime) -> str:
        local = moment.astimezone(zone(self.user_timezone))
        return f"{field}{operator}javascript:gs.dateGenerate('{local:%Y-%m-%d}','{local:%H:%M:%S}')"

    # -- reading -----------------------------------------------------------------------------------

    def assets(self, account_ids: Iterable[str] | None = None) -> Iterator[Asset]:
        kind = self.mapping["asset"]
        label = self._label(kind.table)
        for row in self._rows_in(kind, kind.platform("account_id"), account_ids):
            yield self._parsed(parse_asset, kind, row, self._canonical(kind, row, label))

    def knowledge(self, models: Iterable[str] | None = None) -> Iterator[Knowledge]:
        kind = self.mapping.get("knowledge")
        if kind is None:
            return
        label = self._label(kind.table)
        for row in self._rows_in(kind, kind.platform("model"), models):
            yield self._parsed(parse_knowledge, kind, row, self._canonical(kind, row, label))

    def calendars(self) -> Iterator[Calendar]:
        kind = self.mapping["calendar"]
        span = _span_kind(kind)
        schedules = list(self._rows(kind, (), extra=SCHEDULE_FIELDS))
        spans: dict[str, list[dict[str, Any]]] = defaultdict(list)
        ids = [raw_value(s, kind.platform("id")) for s in schedules]
        for row in self._rows_in(span, "schedule", ids, extra=SPAN_FIELDS):
            spans[raw_value(row, "schedule")].append(row)
        holidays: dict[str, list[str]] = defaultdict(list)
        for schedule in filter(_excluded, schedules):
            for row in spans[raw_value(schedule, kind.platform("id"))]:
                holidays[raw_value(schedule, "parent")].extend(_span_days(row))
        label = self._label(kind.table)
        for schedule in itertools.filterfalse(_excluded, schedules):
            data = self._canonical(kind, schedule, label)
            if data.get("timezone") in (None, "floating"):
                data["timezone"] = self.default_timezone or "UTC"
            data["weekly"] = _weekly(spans[data["id"]])
            data["holidays"] = sorted(set(holidays[data["id"]]))
            yield self._parsed(parse_calendar, kind, schedule, data)

    def contracts(self, account_ids: Iterable[str] | None = None) -> Iterator[Contract]:
        kind, promise = self.mapping["contract"], self.mapping["promise"]
        label = self._label(kind.table)
        for batch in chunks(self._rows_in(kind, kind.platform("account_id"), account_ids), IN_CHUNK):
            contracts = [(row, self._canonical(kind, row, label)) for row in batch]
            promises: dict[str, list[dict[str, Any]]] = defaultdict(list)
            parent = promise.link
            for row in self._rows_in(promise, parent, [c["id"] for _, c in contracts], extra=[parent]):
                read = promise.read(row, lambda field, value: value)
                if read.get("kind") in ("response", "resolution"):
                    promises[raw_value(row, parent)].append(self._parsed(_promise, promise, row, read))
            for row, data in contracts:
                data["promises"] = promises.get(data["id"], [])
                if data.get("calendar_id") is None:
                    data["calendar_id"] = next(
                        (p["calendar_id"] for p in data["promises"] if p["calendar_id"]), None
                    )
                for p in data["promises"]:
                    p.pop("calendar_id")
                yield self._parsed(parse_contract, kind, row, data)

    def work_orders(
        self,
        since: datetime | None,
        until: datetime | None = None,
        account_ids: Iterable[str] | None = None,
        asset_ids: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> Iterator[WorkOrder]:
        kind = self.mapping["work_order"]
        opened = kind.platform("opened_at")
        terms = []
        if since is not None:
            terms.append(self._since_term(opened, ">=", since.replace(microsecond=0)))
        if until is not None:
            ceiling = until + timedelta(microseconds=(1_000_000 - until.microsecond) % 1_000_000)
            terms.append(self._since_term(opened, "<", ceiling))
        filters = [
            [f"{kind.platform(name)}IN{','.join(chunk)}" for chunk in chunks(sorted(set(values)), IN_CHUNK)]
            for name, values in (("account_id", account_ids), ("asset_id", asset_ids))
            if values is not None
        ]
        narrowed = _kind_term(kind, kinds)
        order = f"ORDERBY{opened}^ORDERBY{kind.platform('id')}"
        streams = [
            self._rows(kind, [*terms, *combo, narrowed], order) for combo in itertools.product(*filters)
        ]
        merged = heapq.merge(
            *streams, key=lambda row: (raw_value(row, opened), raw_value(row, kind.platform("id")))
        )
        # Reading by account (a brief, one customer's history): the visits of the same work orders come
        # from one dot-walked query on their parent, in the work orders' order, whatever their number.
        visits = self._window_visits(terms, filters) if account_ids is not None else None
        wanted = None if kinds is None else set(kinds)

        def keep(data: dict[str, Any]) -> bool:
            opened_at = datetime.fromisoformat(data["opened_at"]) if data.get("opened_at") else None
            in_window = opened_at is None or (
                (since is None or opened_at >= since) and (until is None or opened_at < until)
            )
            return in_window and (wanted is None or data.get("kind") in wanted)

        return self._complete(merged, keep, visits)

    def _window_visits(
        self, terms: list[str], filters: list[list[str]]
    ) -> Iterator[tuple[tuple[str, str], dict[str, Any]]]:
        """((parent opened_at, parent sys_id), row) of every visit whose work order matches the work
        orders' window and IN filters (dot-walked through the visit's parent), in that order."""
        visit, kind = self.mapping["visit"], self.mapping["work_order"]
        link, opened, wo_id = visit.link, kind.platform("opened_at"), kind.platform("id")
        walked = [f"{link}.{t}" for t in terms]  # each term starts with the work order's opened_at field
        order = (
            f"ORDERBY{link}.{opened}^ORDERBY{link}.{wo_id}"
            f"^ORDERBY{visit.platform('window_start')}^ORDERBY{visit.platform('id')}"
        )
        extra = (link, f"{link}.{opened}")
        streams = [
            self._rows(visit, [*walked, *(f"{link}.{t}" for t in combo)], order, extra)
            for combo in itertools.product(*filters)
        ]
        for row in heapq.merge(*streams, key=lambda row: _visit_key(row, link, opened, visit)):
            yield (raw_value(row, f"{link}.{opened}"), raw_value(row, link)), row

    def work_order(self, key: str) -> WorkOrder | None:
        if "^" in key or "," in key:  # not an id or number; it would change the encoded query
            return None
        kind = self.mapping["work_order"]
        id_field, number_field = kind.platform("id"), kind.platform("number")
        rows = list(self._rows(kind, [f"{id_field}={key}^OR{number_field}={key}"]))
        rows.sort(key=lambda row: raw_value(row, id_field) != key)
        found = list(self._complete(rows[:1]))
        return found[0] if found else None

    def _complete(
        self,
        rows: Iterable[dict[str, Any]],
        keep: Callable[[dict[str, Any]], bool] | None = None,
        window_visits: Iterator[tuple[tuple[str, str], dict[str, Any]]] | None = None,
    ) -> Iterator[WorkOrder]:
        """Work orders from their rows (those `keep` accepts), with visits and pauses read per chunk.

        With `window_visits` (visit rows keyed and ordered as the rows are), visits are joined from that
        stream as the rows go by instead of read per chunk."""
        kind, visit = self.mapping["work_order"], self.mapping["visit"]
        opened, wo_id = kind.platform("opened_at"), kind.platform("id")
        label = self._label(kind.table)
        mapped = ((row, self._canonical(kind, row, label)) for row in rows)
        joined = None if window_visits is None else _Join(window_visits)
        size = IN_CHUNK if joined is None else PAUSE_CHUNK
        for orders in chunks((pair for pair in mapped if keep is None or keep(pair[1])), size):
            ids = [data["id"] for _, data in orders if data.get("id")]
            visits = self._visits(visit, ids) if joined is None else {}
            visit_label = self._label(visit.table)  # read once per run, as _visits does
            pauses = self._pauses(ids, size)
            for row, data in orders:
                if joined is None:
                    data["visits"] = visits.get(data["id"], [])
                else:  # mapped only when taken: rows of work orders left out are never read
                    taken = joined.take((raw_value(row, opened), raw_value(row, wo_id)))
                    data["visits"] = [self._canonical(visit, r, visit_label) for r in taken]
                data["pauses"] = pauses.get(data["id"], [])
                yield self._parsed(parse_work_order, kind, row, data)

    def _visits(self, visit: KindMap, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        parent = visit.link
        order = f"ORDERBY{parent}^ORDERBY{visit.platform('window_start')}^ORDERBY{visit.platform('id')}"
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        label = self._label(visit.table)
        for row in self._rows_in(visit, parent, ids, order, extra=[parent]):
            found[raw_value(row, parent)].append(self._canonical(visit, row, label))
        return found

    def _pauses(self, ids: list[str], size: int = IN_CHUNK) -> dict[str, list[dict[str, Any]]]:
        """Pauses from state changes in the audit log: from entering a pause status until leaving it."""
        audit, work_order = self.mapping["pause"], self.mapping["work_order"]
        parent = audit.link
        filtered = self._state_changes()
        label = self._label(work_order.table)
        status_field = work_order.platform("status")
        state = audit.spec("state")
        assert state is not None
        at_field = audit.platform("at")
        order = f"ORDERBY{at_field}^ORDERBYsys_id"
        rows = self._rows_in(filtered, parent, ids, order, extra=[parent, "sys_id"], size=size)
        changes = (
            (
                raw_value(row, parent),
                _datetime(raw_value(row, at_field), "pauses.start"),
                label(status_field, raw_value(row, state.field)),
            )
            for row in rows
        )
        return pause_spans(changes, self.pause_statuses)

    def _state_changes(self) -> KindMap:
        """The pause kind narrowed to audit rows of work order state changes."""
        audit, work_order = self.mapping["pause"], self.mapping["work_order"]
        terms = (audit.filter, f"tablename={work_order.table}", f"fieldname={work_order.platform('status')}")
        return replace(audit, filter="^".join(t for t in terms if t))

    # -- tasks -------------------------------------------------------------------------------------

    def _task_rows(self, keys: Iterable[str]) -> dict[str, str]:
        task = self.mapping["task"]
        key_field = task.platform("key")
        found = {}
        for row in self._rows_in(
            KindMap("task", task.table, ()), key_field, keys, extra=[key_field, "sys_id"]
        ):
            found.setdefault(raw_value(row, key_field), raw_value(row, "sys_id"))
        return found

    def push_tasks(self, tasks: Iterable[Task]) -> list[PushResult]:
        tasks = list(tasks)
        table = self.mapping["task"].table
        results = []
        with self._locked():
            existing = self._task_rows(t.key for t in tasks)
            for task in tasks:
                if task.key in existing:
                    results.append(PushResult(task.key, "exists", existing[task.key]))
                    continue
                try:
                    outcome = self.client.create(
                        f"/api/now/table/{table}",
                        self._task_body(task),
                        lambda key=task.key: self._task_rows([key]).get(key),
                    )
                except FsmkitError as exc:
                    results.append(PushResult(task.key, "failed", error=str(exc)))
                    continue
                if isinstance(outcome, Created):
                    body = self.client.json(outcome.response, "POST", f"/api/now/table/{table}")
                    created = body.get("result", {}) if isinstance(body, dict) else {}
                    platform_id = raw_value(created, "sys_id") or None
                    existing[task.key] = platform_id or ""
                    results.append(PushResult(task.key, "created", platform_id))
                else:
                    results.append(PushResult(task.key, "exists", outcome.existing))
        return results

    def _task_body(self, task: Task) -> dict[str, str]:
        values = self._task_values(task)
        return {
            spec.field: spec.write(values[spec.name])
            for spec in self.mapping["task"].fields
            if values.get(spec.name) is not None
        }

    # -- doctor ------------------------------------------------------------------------------------

    def check(self) -> list[Check]:
        """Per mapped kind, one row of its table with every field the connector reads from it: read
        access, then the fields the instance does not return (ServiceNow leaves unknown fields out of a
        reply silently); then the API user's time zone."""
        checks: list[Check] = []
        for name, kind, extra in self._checked_kinds():
            try:
                _, body = self.client.get_json(
                    f"/api/now/table/{kind.table}",
                    {
                        **({"sysparm_query": kind.filter} if kind.filter else {}),
                        "sysparm_fields": ",".join(kind.platform_fields(*extra)),
                        "sysparm_exclude_reference_link": "true",
                        "sysparm_limit": 1,
                    },
                )
            except RequestFailed as exc:
                hint = "check the credentials and the API user's roles" if exc.status in (401, 403) else None
                checks.append(Check(f"read {kind.table}", False, str(exc), hint))
                if exc.status == 401:
                    break
                continue
            rows = body.get("result") if isinstance(body, dict) else None
            checks.append(Check(f"read {kind.table}", True, f"{name}: readable"))
            missing = [f for f in kind.platform_fields(*extra) if f not in rows[0]] if rows else None
            hint = "correct the profile's mapping (or the API user's field access)"
            checks.append(fields_check(name, kind.table, missing, hint))
        if checks and all(c.ok for c in checks) and self.username:
            checks.append(self._check_timezone())
        return checks

    def _checked_kinds(self) -> Iterator[tuple[str, KindMap, tuple[str, ...]]]:
        """(name, kind, fields read beyond the mapping) of every kind doctor checks, as the reads ask:
        the kind's filter, its parent link, the schedules' entries, the audit rows of state changes."""
        for name, kind in self.mapping.items():
            if name == "pause":
                yield name, self._state_changes(), (kind.link, "sys_id")
            elif name == "calendar":
                yield name, kind, SCHEDULE_FIELDS
                yield "calendar spans and holidays", _span_kind(kind), SPAN_FIELDS
            else:
                yield name, kind, (kind.parent,) if kind.parent else ()

    def _check_timezone(self) -> Check:
        try:
            _, body = self.client.get_json(
                "/api/now/table/sys_user",
                {
                    "sysparm_query": f"user_name={self.username}",
                    "sysparm_fields": "time_zone",
                    "sysparm_limit": 1,
                },
            )
        except RequestFailed as exc:
            return Check("api_user_timezone", False, str(exc))
        rows = body.get("result") if isinstance(body, dict) else None
        actual = (rows[0].get("time_zone") if rows else "") or "UTC"
        if actual != self.user_timezone:
            return Check(
                "api_user_timezone",
                False,
                f"the profile says {self.user_timezone}, the API user {self.username} has {actual}",
                f"set api_user_timezone = {actual!r}",
                "input",
            )
        return Check("api_user_timezone", True, f"{actual}, as the profile says", kind="input")


# ---------------------------------------------------------------------------------------------------
# Values


def _datetime(text: str | None, where: str) -> str | None:
    """ISO 8601 (UTC) of a ServiceNow date-time ("YYYY-MM-DD HH:MM:SS", UTC)."""
    if text is None:
        return None
    if not _SN_DATETIME.fullmatch(text):
        raise RecordError(f"{text!r} is not a ServiceNow date-time (YYYY-MM-DD HH:MM:SS)", where)
    return f"{text[:10]}T{text[11:]}+00:00"


def _promise(read: dict[str, Any]) -> dict[str, Any]:
    """A canonical promise from an SLA definition: duration, schedule, priorities of its start condition."""
    target = read.get("target") or ""
    if not _SN_DATETIME.fullmatch(target):
        raise RecordError(f"{target!r} is not a ServiceNow duration", "target")
    span = datetime.fromisoformat(target.replace(" ", "T")).replace(tzinfo=UTC) - datetime(
        1970, 1, 1, tzinfo=UTC
    )
    match = _PRIORITIES.search(read.get("priorities") or "")
    return {
        "id": read["id"],
        "kind": read["kind"],
        "target": format_duration(span),
        "clock": "business" if read.get("calendar_id") else "wall",
        "priorities": [f"P{p}" for p in match.group(2).split(",") if p] if match else [],
        "pausable": True if read.get("pausable") else None,
        "calendar_id": read.get("calendar_id"),
    }


def _span_kind(calendar: KindMap) -> KindMap:
    """The table of a calendar's schedule entries (weekly hours and holidays), read with SPAN_FIELDS."""
    return KindMap("span", calendar.span_table or "cmn_schedule_span", ())


def _excluded(schedule: Mapping[str, Any]) -> bool:
    """Whether a schedule is a child of excluded time (holidays) of another one."""
    return bool(raw_value(schedule, "parent")) and schedule.get("type") == "excluded"


def _span_time(text: str) -> tuple[str, str]:
    """(YYYY-MM-DD, HH:MM) of a schedule entry's YYYYMMDDTHHMMSS."""
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}", f"{text[9:11]}:{text[11:13]}"


def _weekly(spans: list[dict[str, Any]]) -> dict[str, list[list[str]]]:
    """Weekly open hours from repeating schedule entries (days_of_week 1 = Monday ... 7 = Sunday)."""
    weekly: dict[str, set[tuple[str, str]]] = {day: set() for day in WEEKDAYS}
    for row in spans:
        repeat = row.get("repeat_type", "")
        if repeat not in ("weekly", "daily"):
            continue
        (start_day, start), (end_day, end) = (
            _span_time(row["start_date_time"]),
            _span_time(row["end_date_time"]),
        )
        if end_day > start_day and end == "00:00":
            end = "24:00"
        days = "1234567" if repeat == "daily" else row.get("days_of_week", "")
        for digit in days:
            weekly[WEEKDAYS[int(digit) - 1]].add((start, end))
    return {day: [list(span) for span in sorted(spans_)] for day, spans_ in weekly.items()}


def _span_days(row: Mapping[str, Any]) -> list[str]:
    """The dates an excluded (holiday) entry covers: its start day up to, not including, an end at 00:00."""
    (start_day, _), (end_day, end) = _span_time(row["start_date_time"]), _span_time(row["end_date_time"])
    first = datetime.fromisoformat(start_day)
    last = datetime.fromisoformat(end_day) - (
        timedelta(days=1) if end == "00:00" and end_day > start_day else timedelta()
    )
    return [(first + timedelta(days=n)).date().isoformat() for n in range(max(0, (last - first).days) + 1)]


def _kind_term(kind: KindMap, kinds: Iterable[str] | None) -> str:
    """An encoded-query term narrowing work orders to these canonical kinds, where the mapping allows
    ("" when it cannot say: a label or fallback mapping; rows are then filtered after mapping)."""
    spec = kind.spec("kind")
    if kinds is None or spec is None or spec.label or spec.fallback or spec.json:
        return ""
    wanted = set(kinds)
    if spec.values is None:
        return f"{spec.field}IN{','.join(sorted(wanted))}"
    if not spec.has_default:
        return ""  # values the map lacks pass through as they are: any row may hold a wanted kind
    dropped = {v for v, c in spec.values.items() if c not in wanted}
    kept = {v for v, c in spec.values.items() if c in wanted}
    field = spec.field
    if spec.default in wanted:  # everything but the dropped values
        listed = ",".join(sorted(dropped - {""}))
        if "" in dropped:
            return "^".join([*([f"{field}NOT IN{listed}"] if listed else []), f"{field}ISNOTEMPTY"])
        return f"{field}NOT IN{listed}^OR{field}ISEMPTY" if listed else ""
    listed = ",".join(sorted(kept - {""}))
    terms = [*([f"{field}IN{listed}"] if listed else []), *([f"{field}ISEMPTY"] if "" in kept else [])]
    return "^OR".join(terms) or "sys_idISEMPTY"  # no value maps to a wanted kind: nothing matches


def _visit_key(row: Mapping[str, Any], link: str, opened: str, visit: KindMap) -> tuple[str, ...]:
    """The order of a dot-walked visit query: its work order's (opened_at, sys_id), then its own."""
    return (
        raw_value(row, f"{link}.{opened}"),
        raw_value(row, link),
        raw_value(row, visit.platform("window_start")),
        raw_value(row, visit.platform("id")),
    )


class _Join:
    """Children of an ordered stream, taken for each parent key as the parents go by in the same order
    (children of parents never asked for are skipped).

    The order is the platform's (ORDERBY on a dot-walked field): a child whose key goes backwards
    would be skipped without a word, so it is a PlatformError instead."""

    def __init__(self, children: Iterator[tuple[tuple[str, str], dict[str, Any]]]) -> None:
        self._children = children
        self._next = next(children, None)

    def take(self, key: tuple[str, str]) -> list[dict[str, Any]]:
        """The children of the parent with this key."""
        while self._next is not None and self._next[0] < key:
            self._advance()
        found = []
        while self._next is not None and self._next[0] == key:
            found.append(self._next[1])
            self._advance()
        return found

    def _advance(self) -> None:
        assert self._next is not None
        before = self._next[0]
        self._next = next(self._children, None)
        if self._next is not None and self._next[0] < before:
            raise PlatformError(
                "ServiceNow returned visits out of their work orders' order (ORDERBY on the parent's "
                f"fields): work order {self._next[0][1]} after {before[1]}; read without --account, "
                "or report the instance's version"
            )
