"""The Salesforce connector: Field Service through the REST API (docs/salesforce.md).

Reads accounts with contacts, assets, business hours with holidays, service contracts, work orders with
their service appointments (visits) and status history (pauses), and writes follow-up tasks. Where each
kind lives is data: mappings/salesforce.toml, overridable per profile. Every read is a SOQL query
through `/services/data/vNN.0/query` naming its fields, filtered on the platform (dates, ids with IN),
paged by `nextRecordsUrl` with `Sforce-Query-Options: batchSize`. HTTP (retries, auth, redaction) is
fsmkit.http's; this module adds Salesforce's limits: `Sforce-Limit-Info` read on every reply, the
profile's `api_budget`, and REQUEST_LIMIT_EXCEEDED (concurrency: back off; daily total: stop).
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

import orjson
import requests

from fsmkit.connectors._rest import (
    KindMap,
    MappedConnector,
    NextUrlPaginator,
    chunks,
    load_mapping,
    pause_spans,
    raw_value,
    records,
)
from fsmkit.connectors.base import Check, PushResult, fields_check
from fsmkit.errors import ConfigError, FsmkitError, RecordError
from fsmkit.http import HTTP_SETTINGS, Client, RequestFailed
from fsmkit.model import (
    WEEKDAYS,
    Asset,
    Calendar,
    Contract,
    Knowledge,
    Task,
    WorkOrder,
    parse_asset,
    parse_calendar,
    parse_contract,
    parse_knowledge,
    parse_work_order,
)

MAPPING_FILE = Path(__file__).parent / "mappings" / "salesforce.toml"
TOKEN_PATH = "/services/oauth2/token"
DEFAULT_VERSION = "62.0"
DEFAULT_AUDIENCE = "https://login.salesforce.com"
DEFAULT_PAUSE_STATUSES = ("On Hold",)
RESOLVED_CATEGORIES = frozenset({"Completed", "Closed"})
IN_CHUNK = 200  # ids per IN query: well under SOQL's 100,000-character limit
COLLECTION = 200  # records per sObject collections request, Salesforce's maximum
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURS_FIELDS = tuple(f"{day}{edge}Time" for day in DAYS for edge in ("Start", "End"))  # BusinessHours' week
_SF_DATETIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)")
_SF_UTC_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000").fullmatch
_SF_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")

_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
LIMIT_EXCEEDED = "REQUEST_LIMIT_EXCEEDED"


class ApiLimits:
    """The org's API usage from `Sforce-Limit-Info`, and what to do at its limits.

    `budget` is the share (0 to 1) of the org's daily API allocation up to which fsmkit may bring the
    org's usage; a request that would pass it is not sent.
    """

    def __init__(self, budget: float | None = None) -> None:
        self.budget = budget
        self.used: int | None = None
        self.max: int | None = None

    @property
    def allowed(self) -> int | None:
        """The usage the budget allows (None: no budget, or usage not known yet)."""
        if self.budget is None or self.max is None:
            return None
        return int(self.max * self.budget)

    def describe(self) -> str:
        """'api-usage 120/15000 (0.8%)', or that no reply has told it yet."""
        if self.used is None or self.max is None:
            return "api-usage unknown (no reply carried Sforce-Limit-Info)"
        share = 100 * self.used / self.max if self.max else 100.0
        text = f"api-usage {self.used}/{self.max} ({share:.1f}%)"
        if self.budget is not None:
            text += f"; api_budget {self.budget:g} allows {self.allowed}"
        return text

    def before(self, method: str, path: str) -> None:
        """Stop before a request that would bring the org's usage past the budget."""
        allowed = self.allowed
        if (
            allowed is not None
            and self.used is not None
            and self.used + 1 > allowed
            and "/oauth2/" not in path
        ):
            raise RequestFailed(
                f"{method} {path}: not sent: the org's API usage is {self.used} of {self.max} and the "
                f"profile's api_budget {self.budget:g} allows fsmkit up to {allowed}; raise api_budget or "
                "try again when the org's 24-hour usage has fallen"
            )

    def after(self, response: requests.Response) -> bool:
        """Read the usage header; True for a concurrency limit (retry); a daily limit stops the run."""
        match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.used, self.max = int(match.group(1)), int(match.group(2))
        if response.status_code != 403 or LIMIT_EXCEEDED.encode() not in response.content:
            return False
        message = _first_error(response).get("message", "")
        if "TotalRequests" in message:
            raise RequestFailed(
                f"{response.request.method} {_path(response.url)}: Salesforce refused the request: the org's "
                f"daily API allocation is used up ({LIMIT_EXCEEDED}: {message}; {self.describe()}); "
                "try again when the 24-hour usage has fallen, or ask the admin for a higher allocation",
                403,
            )
        return True  # concurrent requests: backing off lets the others finish


def _first_error(response: requests.Response) -> dict[str, Any]:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {}
    return body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}


def _path(url: str) -> str:
    return requests.utils.urlparse(url).path or url


# ---------------------------------------------------------------------------------------------------
# The connector


class SalesforceConnector(MappedConnector):
    """Salesforce Field Service over the REST API; client credentials or JWT bearer; SOQL with cursors."""

    platform_name = "Salesforce"
    id_field = "Id"
    in_chunk = IN_CHUNK

    @staticmethod
    def to_datetime(text: str, where: str) -> str | None:
        return _datetime(text, where)

    settings: ClassVar[dict[str, dict[str, Any]]] = {
        **{
            k: v
            for k, v in HTTP_SETTINGS.items()
            if k not in ("grant_type", "password_env", "refresh_token_env")
        },
        "instance_url": {
            **HTTP_SETTINGS["instance_url"],
            "description": "the org's My Domain URL",
            "examples": ["https://acme.my.salesforce.com"],
        },
        "client_id": {
            **HTTP_SETTINGS["client_id"],
            "description": "the connected app's consumer key",
            "examples": ["3MVG9A2kN3Bn17hsWsLDatw1Z3D8h6K0M6kZp1D1oQ"],
        },
        "client_secret_env": {
            **HTTP_SETTINGS["client_secret_env"],
            "description": "oauth: the environment variable holding the connected app's consumer secret",
            "examples": ["FSMKIT_SF_CLIENT_SECRET"],
        },
        "page_size": {
            **HTTP_SETTINGS["page_size"],
            "description": "records per query page, sent as Sforce-Query-Options: batchSize (200 to 2000, "
            "default 2000; Salesforce may send fewer)",
            "examples": [2000],
        },
        "username": {
            **HTTP_SETTINGS["username"],
            "description": "jwt: the Salesforce username the app acts as (the assertion's sub)",
            "examples": ["fsmkit.api@acme.example"],
        },
        "auth": {
            "type": "string",
            "enum": ["oauth", "jwt"],
            "description": "how to sign in: oauth (client credentials against the My Domain) or jwt "
            "(the JWT bearer flow: client_id, username, private_key_file)",
            "examples": ["jwt"],
        },
        "api_version": {
            "type": "string",
            "pattern": r"^\d+\.0$",
            "description": f"the REST API version (default {DEFAULT_VERSION})",
            "examples": [DEFAULT_VERSION],
        },
        "api_budget": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 1,
            "description": "the share of the org's daily API allocation up to which fsmkit may bring the "
            "org's usage (from Sforce-Limit-Info); a request past it is not sent",
            "examples": [0.2],
        },
        "task_key_field": {
            "type": "string",
            "description": "the Task field (Unique, External ID) holding fsmkit's key "
            "(default Fsmkit_Key__c)",
            "examples": ["Fsmkit_Key__c"],
        },
        "queues": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "a task's queue -> the Id of the user or queue that owns it",
            "examples": [{"service_manager": "00G5g000004XyZaEAK"}],
        },
        "pause_statuses": {
            "type": "array",
            "items": {"type": "string"},
            "description": "work order statuses during which pausable clocks stop (default On Hold)",
            "examples": [["On Hold", "Awaiting Parts"]],
        },
        "mapping": {
            "type": "object",
            "description": "per-kind overrides of the field mapping (docs/salesforce.md)",
            "examples": [{"account": {"fields": {"tier": "Tier__c"}}}],
        },
    }
    required_settings = ("instance_url", "auth")

    def __init__(
        self,
        client: Client,
        mapping: dict[str, KindMap],
        *,
        version: str = DEFAULT_VERSION,
        batch_size: int = 2000,
        limits: ApiLimits | None = None,
        default_timezone: str | None = None,
        pause_statuses: Iterable[str] = DEFAULT_PAUSE_STATUSES,
        queues: Mapping[str, str] | None = None,
    ) -> None:
        self.client = client
        self.limits = limits or ApiLimits()
        self.client.on_request = self.limits.before
        self.client.on_response = self.limits.after
        self.mapping = mapping
        self.version = version
        self.batch_size = min(2000, max(200, batch_size))
        self.default_timezone = default_timezone
        self.pause_statuses = frozenset(pause_statuses)
        self.queues = dict(queues or {})
        assert self.client.http is not None
        self.client.http.headers["Sforce-Query-Options"] = f"batchSize={self.batch_size}"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> SalesforceConnector:
        mapping = load_mapping(MAPPING_FILE, settings.get("mapping"))
        key_field = settings.get("task_key_field")
        if key_field:
            task = mapping["task"]
            fields = tuple(replace(s, field=key_field) if s.name == "key" else s for s in task.fields)
            mapping["task"] = replace(task, fields=fields)
        if settings.get("auth") not in ("oauth", "jwt"):
            raise ConfigError("set auth to oauth (client credentials) or jwt (the JWT bearer flow)")
        auth_settings = {"jwt_audience": DEFAULT_AUDIENCE, **settings, "grant_type": "client_credentials"}
        return cls(
            Client.from_settings(auth_settings, TOKEN_PATH),
            mapping,
            version=settings.get("api_version", DEFAULT_VERSION),
            batch_size=settings.get("page_size", 2000),
            limits=ApiLimits(settings.get("api_budget")),
            default_timezone=settings.get("default_timezone"),
            pause_statuses=settings.get("pause_statuses", DEFAULT_PAUSE_STATUSES),
            queues=settings.get("queues"),
        )

    def field_mapping(self) -> dict[str, KindMap]:
        return self.mapping

    # -- queries -----------------------------------------------------------------------------------

    @property
    def _data(self) -> str:
        return f"/services/data/v{self.version}"

    def soql(
        self,
        kind: KindMap,
        terms: Iterable[str] = (),
        order: Iterable[str] = ("Id",),
        extra: Iterable[str] = (),
    ) -> str:
        """SELECT the kind's mapped fields FROM its object WHERE the terms (and its filter) ORDER BY."""
        where = " AND ".join(t for t in (kind.filter, *terms) if t)
        text = f"SELECT {', '.join(kind.platform_fields(*extra))} FROM {kind.table}"
        return text + (f" WHERE {where}" if where else "") + f" ORDER BY {', '.join(order)}"

    def _rows(
        self,
        kind: KindMap,
        terms: Iterable[str] = (),
        order: Iterable[str] = ("Id",),
        extra: Iterable[str] = (),
    ) -> Iterator[dict[str, Any]]:
        """Rows (flattened: Product2.Name as one key) of a query, page by page."""
        query = self.soql(kind, terms, order, extra)
        for record in records(self.client, NextUrlPaginator(), f"{self._data}/query", {"q": query}):
            yield _flat(record)

    def _rows_in(
        self,
        kind: KindMap,
        field: str,
        values: Iterable[str] | None,
        order: Iterable[str] = ("Id",),
        extra: Iterable[str] = (),
        terms: Iterable[str] = (),
    ) -> Iterator[dict[str, Any]]:
        """Rows whose `field` is one of `values` (all rows for None), by IN queries in chunks."""
        if values is None:
            yield from self._rows(kind, terms, order, extra)
            return
        for chunk in chunks(sorted(set(values)), IN_CHUNK):
            yield from self._rows(kind, [*terms, _in(field, chunk)], order, extra)

    # -- reading -----------------------------------------------------------------------------------

    def assets(self, account_ids: Iterable[str] | None = None) -> Iterator[Asset]:
        kind, line = self.mapping["asset"], self.mapping["contract_line"]
        for batch in chunks(self._rows_in(kind, kind.platform("account_id"), account_ids), IN_CHUNK):
            found = [(row, self._canonical(kind, row)) for row in batch]
            contracts: dict[str, str] = {}
            if kind.spec("contract_id") is None:
                ids = [data["id"] for _, data in found]
                for row in self._rows_in(line, line.link, ids, extra=[line.link]):
                    read = self._canonical(line, row)
                    if read.get("contract_id"):
                        contracts.setdefault(raw_value(row, line.link), read["contract_id"])
            for row, data in found:
                if kind.spec("contract_id") is None:
                    data["contract_id"] = contracts.get(data["id"])
                yield self._parsed(parse_asset, kind, row, data)

    def knowledge(self, models: Iterable[str] | None = None) -> Iterator[Knowledge]:
        kind = self.mapping.get("knowledge")
        if kind is None:
            return
        for row in self._rows_in(kind, kind.platform("model"), models):
            yield self._parsed(parse_knowledge, kind, row, self._canonical(kind, row))

    def calendars(self) -> Iterator[Calendar]:
        kind, holiday = self.mapping["calendar"], self.mapping["holiday"]
        hours = list(self._rows(kind, extra=HOURS_FIELDS))
        holidays: dict[str | None, set[str]] = defaultdict(set)
        parent = holiday.parent
        for row in self._rows(holiday, extra=[parent] if parent else []):
            day = self._canonical(holiday, row).get("date")
            if day:
                holidays[raw_value(row, parent) if parent else None].add(day[:10])
        for row in hours:
            data = self._canonical(kind, row)
            if data.get("timezone") is None:
                data["timezone"] = self.default_timezone or "UTC"
            data["weekly"] = _weekly(row)
            data["holidays"] = sorted(holidays[data["id"]] | holidays[None])
            yield self._parsed(parse_calendar, kind, row, data)

    def contracts(self, account_ids: Iterable[str] | None = None) -> Iterator[Contract]:
        kind, entitlement = self.mapping["contract"], self.mapping["entitlement"]
        for batch in chunks(self._rows_in(kind, kind.platform("account_id"), account_ids), IN_CHUNK):
            found = [(row, self._canonical(kind, row)) for row in batch]
            calendars: dict[str, str] = {}
            if kind.spec("calendar_id") is None:
                ids = [data["id"] for _, data in found]
                for row in self._rows_in(entitlement, entitlement.link, ids, extra=[entitlement.link]):
                    read = self._canonical(entitlement, row)
                    if read.get("calendar_id"):
                        calendars.setdefault(raw_value(row, entitlement.link), read["calendar_id"])
            for row, data in found:
                data["promises"] = []  # from the promises file: Salesforce keeps them in metadata
                if kind.spec("calendar_id") is None:
                    data["calendar_id"] = calendars.get(data["id"])
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
        opened, id_field = kind.platform("opened_at"), kind.platform("id")
        terms = []
        if since is not None:
            terms.append(f"{opened} >= {_literal_datetime(since.replace(microsecond=0))}")
        if until is not None:
            ceiling = until + timedelta(microseconds=(1_000_000 - until.microsecond) % 1_000_000)
            terms.append(f"{opened} < {_literal_datetime(ceiling)}")
        filters = [
            [_in(kind.platform(name), chunk) for chunk in chunks(sorted(set(values)), IN_CHUNK)]
            for name, values in (("account_id", account_ids), ("asset_id", asset_ids))
            if values is not None
        ]
        streams = [
            self._rows(kind, [*terms, *combo], (opened, id_field)) for combo in itertools.product(*filters)
        ]
        merged = (
            streams[0]  # one query: already in order
            if len(streams) == 1
            else heapq.merge(
                *streams, key=lambda row: (_instant(raw_value(row, opened)), raw_value(row, id_field))
            )
        )
        wanted = None if kinds is None else set(kinds)

        def keep(data: dict[str, Any]) -> bool:
            at = datetime.fromisoformat(data["opened_at"]) if data.get("opened_at") else None
            in_window = at is None or ((since is None or at >= since) and (until is None or at < until))
            return in_window and (wanted is None or data.get("kind") in wanted)

        everything = since is None and until is None and wanted is None
        return self._complete(merged, None if everything else keep)

    def work_order(self, key: str) -> WorkOrder | None:
        kind = self.mapping["work_order"]
        by_number = f"{kind.platform('number')} = {_quote(key)}"
        either = f"({kind.platform('id')} = {_quote(key)} OR {by_number})"
        attempts = [either] if _SF_ID.fullmatch(key) else [by_number, either]
        for term in attempts:
            try:
                rows = list(self._rows(kind, [term]))
            except RequestFailed as exc:
                if exc.status == 400:  # a key that is not an Id, compared with Id
                    continue
                raise
            rows.sort(key=lambda row: raw_value(row, kind.platform("id")) != key)
            found = list(self._complete(rows[:1]))
            if found:
                return found[0]
        return None

    def _complete(
        self, rows: Iterable[dict[str, Any]], keep: Callable[[dict[str, Any]], bool] | None = None
    ) -> Iterator[WorkOrder]:
        """Work orders from their rows (those `keep` accepts), with visits and pauses read per chunk."""
        kind = self.mapping["work_order"]
        mapped = ((row, self._work_order(kind, row)) for row in rows)
        for orders in chunks((pair for pair in mapped if keep is None or keep(pair[1])), IN_CHUNK):
            ids = [data["id"] for _, data in orders if data.get("id")]
            visits = self._visits(ids)
            pauses = self._pauses(ids)
            for row, data in orders:
                data["visits"] = visits.get(data["id"], [])
                data["pauses"] = pauses.get(data["id"], [])
                yield self._parsed(parse_work_order, kind, row, data)

    def _work_order(self, kind: KindMap, row: Mapping[str, Any]) -> dict[str, Any]:
        data = self._canonical(kind, row)
        category = data.pop("status_category", None)
        if kind.spec("status_category") is not None and category not in RESOLVED_CATEGORIES:
            data["resolved_at"] = None  # EndDate is the resolution time only once the work is done
        return data

    def _visits(self, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        visit, assignment = self.mapping["visit"], self.mapping["assignment"]
        parent = visit.link
        rows = list(
            self._rows_in(visit, parent, ids, (parent, visit.platform("window_start"), "Id"), [parent])
        )
        technicians: dict[str, str] = {}
        if visit.spec("technician") is None and rows:
            # By the appointments' parents, one query per chunk of work orders however many visits they had.
            link = assignment.link
            through = f"{_relationship(link)}.{parent}"
            for row in self._rows_in(assignment, through, ids, (link, "Id"), [link]):
                name = self._canonical(assignment, row).get("technician")
                if name:
                    technicians.setdefault(raw_value(row, link), name)
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            data = self._canonical(visit, row)
            if visit.spec("technician") is None:
                data["technician"] = technicians.get(raw_value(row, "Id"))
            found[raw_value(row, parent)].append(data)
        return found

    def _pauses(self, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Pauses from status changes in WorkOrderHistory: from entering a pause status until leaving it."""
        history = self.mapping["pause"]
        parent, at_field = history.link, history.platform("at")
        state_field = history.platform("state")
        order = (parent, at_field, "Id")
        rows = self._rows_in(history, parent, ids, order, [parent], ["Field = 'Status'"])
        changes = (
            (
                raw_value(row, parent),
                _datetime(raw_value(row, at_field), "pauses.start"),
                raw_value(row, state_field),
            )
            for row in rows
        )
        return pause_spans(changes, self.pause_statuses)

    # -- tasks -------------------------------------------------------------------------------------

    def _task_rows(self, keys: Iterable[str]) -> dict[str, str]:
        task = self.mapping["task"]
        key_field = task.platform("key")
        found: dict[str, str] = {}
        for row in self._rows_in(KindMap("task", task.table, ()), key_field, keys, extra=[key_field, "Id"]):
            found.setdefault(raw_value(row, key_field), raw_value(row, "Id"))
        return found

    def push_tasks(self, tasks: Iterable[Task]) -> list[PushResult]:
        tasks = list(tasks)
        key_field = self.mapping["task"].platform("key")
        results: dict[str, PushResult] = {}
        with self._locked():
            existing = self._task_rows(t.key for t in tasks)
            fresh = []
            for task in tasks:
                if task.key in existing:
                    results[task.key] = PushResult(task.key, "exists", existing[task.key])
                elif task.key not in results and task not in fresh:
                    fresh.append(task)
            for batch in chunks(fresh, COLLECTION):
                payload = {"allOrNone": False, "records": [self._task_body(task) for task in batch]}
                path = f"{self._data}/composite/sobjects"
                try:
                    # Safe to repeat: the key field is Unique, a second create of a key is DUPLICATE_VALUE.
                    response = self.client.send("POST", path, json=payload, idempotent=True)
                    saved = self.client.json(response, "POST", path)
                    if not isinstance(saved, list) or len(saved) != len(batch):
                        raise RequestFailed(f"POST {path}: the reply does not hold one result per record")
                except FsmkitError as exc:
                    for task in batch:
                        results[task.key] = PushResult(task.key, "failed", error=str(exc))
                    continue
                for task, result in zip(batch, saved, strict=True):
                    results[task.key] = _push_result(task.key, result, key_field)
        return [results[task.key] for task in tasks]

    def _task_body(self, task: Task) -> dict[str, Any]:
        values = self._task_values(task)
        body: dict[str, Any] = {"attributes": {"type": self.mapping["task"].table}}
        for spec in self.mapping["task"].fields:
            if values.get(spec.name) is not None:
                body.setdefault(spec.field, spec.write(values[spec.name]))
        return body

    # -- doctor ------------------------------------------------------------------------------------

    def check(self) -> list[Check]:
        """Per mapped object, its describe (`/sobjects/<Object>/describe`, once per object, and once per
        object a relationship field leads to): read access, then every field the connector reads from
        it that the org lacks or the integration user cannot see; then the task key field, whether
        holidays can be told apart per calendar, and the org's API usage."""
        checks: list[Check] = []
        described: dict[str, dict[str, Any]] = {}
        for name, kind, extra in self._checked_kinds():
            try:
                fields = self._described(kind.table, described)
                missing = [f for f in kind.platform_fields(*extra) if not self._has(kind.table, f, described)]
            except RequestFailed as exc:
                if exc.status == 404:  # no such object, or one the user may not see
                    hint = "correct the mapping's object (or give the integration user access to it)"
                    checks.append(Check(f"read {kind.table}", False, str(exc), hint, "input"))
                    continue
                hint = "check the connected app and the integration user's permissions"
                checks.append(Check(f"read {kind.table}", False, str(exc), hint))
                if exc.status == 401 or TOKEN_PATH in str(exc):  # no token: every other read fails alike
                    break
                continue
            if not fields.get("queryable", True):
                problem = f"{name}: the integration user cannot query {kind.table}"
                checks.append(Check(f"read {kind.table}", False, problem, "grant it read access"))
                continue
            checks.append(Check(f"read {kind.table}", True, f"{name}: readable"))
            hint = "correct the profile's mapping (or the integration user's field access)"
            problem = "no such field, or not visible to the user"
            checks.append(fields_check(name, kind.table, missing, hint, problem))
        if self.mapping["task"].table in described:
            checks.append(self._check_task_key(described[self.mapping["task"].table]))
        if checks and all(c.ok for c in checks):
            checks.extend(self._check_holidays())
        if self.limits.used is not None:
            over = self.limits.allowed is not None and self.limits.used >= self.limits.allowed
            hint = "raise api_budget or wait for the org's 24-hour usage to fall" if over else None
            checks.append(Check("api usage", not over, self.limits.describe(), hint))
        return checks

    def _checked_kinds(self) -> Iterator[tuple[str, KindMap, tuple[str, ...]]]:
        """(name, kind, fields read beyond the mapping) of every kind the connector reads: its parent
        link, BusinessHours' weekly hours, the status field of history rows, the technicians' path
        through their appointment; the objects that only stand in for a field the mapping does not
        name (ContractLineItem, Entitlement, AssignedResource) only while it does not."""
        stand_ins = {"contract_line": ("asset", "contract_id"), "entitlement": ("contract", "calendar_id"),
                     "assignment": ("visit", "technician")}  # fmt: skip
        for name, kind in self.mapping.items():
            owner = stand_ins.get(name)
            if owner and self.mapping[owner[0]].spec(owner[1]) is not None:
                continue
            extra: tuple[str, ...] = (kind.parent,) if kind.parent else ()
            if name == "calendar":
                extra += HOURS_FIELDS
            elif name == "pause":
                extra += ("Field",)
            elif name == "assignment":
                extra += (f"{_relationship(kind.link)}.{self.mapping['visit'].link}",)
            yield name, kind, extra

    def _described(self, sobject: str, described: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """An object's describe, asked once per doctor run."""
        if sobject not in described:
            _, body = self.client.get_json(f"{self._data}/sobjects/{sobject}/describe")
            described[sobject] = body if isinstance(body, dict) else {}
        return described[sobject]

    def _has(self, sobject: str, path: str, described: dict[str, dict[str, Any]]) -> bool:
        """Whether a field (or a relationship path such as Product2.Name) is on the object for the user;
        names compare as SOQL compares them, without regard to case."""
        head, _, rest = path.partition(".")
        fields = self._described(sobject, described).get("fields") or []
        if not rest:
            return any(str(f.get("name", "")).lower() == head.lower() for f in fields)
        targets = [
            target
            for f in fields
            if str(f.get("relationshipName") or "").lower() == head.lower()
            for target in f.get("referenceTo") or ()
        ]
        for target in targets:
            try:
                if self._has(target, rest, described):
                    return True
            except RequestFailed as exc:
                if exc.status not in (403, 404):
                    raise
                described[target] = {}  # an object the user may not see: nothing on it is readable
        return False

    def _check_task_key(self, task_describe: Mapping[str, Any]) -> Check:
        task = self.mapping["task"]
        key_field = task.platform("key")
        fields = {f.get("name"): f for f in task_describe.get("fields", [])}
        found = fields.get(key_field)
        name = f"{task.table}.{key_field}"
        if found is None:
            create = f"create a Text field {key_field} marked Unique and External ID, or set task_key_field"
            return Check(name, False, f"{task.table} has no field {key_field}", create, "input")
        if not found.get("unique"):
            problem = f"{key_field} is not Unique: a push could create a task twice"
            return Check(name, False, problem, f"mark {key_field} Unique (and External ID)", "input")
        return Check(name, True, "exists and is Unique", kind="input")

    def _check_holidays(self) -> list[Check]:
        """One line when holidays cannot be told apart: several business hours, holidays, and no
        `parent` mapped for them (the API does not say which business hours a holiday belongs to)."""
        calendar, holiday = self.mapping["calendar"], self.mapping["holiday"]
        if holiday.parent:
            return []
        try:
            calendars = self._count_up_to(calendar, 2)
            holidays = self._count_up_to(holiday, 1)
        except RequestFailed as exc:
            return [Check("holidays", False, str(exc))]
        if calendars < 2 or not holidays:
            return []
        detail = (
            f"every {holiday.table} applies to every {calendar.table}: Salesforce's API does not say which "
            "business hours a holiday belongs to; map holiday.parent to a lookup that does "
            "(docs/salesforce.md)"
        )
        return [Check("holidays", True, detail, kind="input")]

    def _count_up_to(self, kind: KindMap, limit: int) -> int:
        """How many rows of the kind there are, up to `limit`."""
        query = f"SELECT Id FROM {kind.table}" + (f" WHERE {kind.filter}" if kind.filter else "")
        _, body = self.client.get_json(f"{self._data}/query", {"q": f"{query} LIMIT {limit}"})
        return len(body.get("records") or []) if isinstance(body, dict) else 0


# ---------------------------------------------------------------------------------------------------
# Values


def _flat(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A query record with relationship objects as dotted keys (Product2.Name), attributes dropped."""
    out = {prefix + name: value for name, value in record.items()} if prefix else dict(record)
    for name, value in record.items():
        if value.__class__ is str or value is None:  # most values: copied as they are
            continue
        key = prefix + name
        if name == "attributes" or isinstance(value, dict):  # the object's type and URL; a relationship
            del out[key]
            if name != "attributes":
                out.update(_flat(value, f"{key}."))
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, float) and value.is_integer():
            out[key] = str(int(value))
    return out


def _relationship(field: str) -> str:
    """The relationship of a reference field: ServiceAppointmentId -> ServiceAppointment, X__c -> X__r."""
    return field[:-3] + "__r" if field.endswith("__c") else field.removesuffix("Id")


def _quote(value: str) -> str:
    """A SOQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _in(field: str, values: Iterable[str]) -> str:
    return f"{field} IN ({', '.join(_quote(v) for v in values)})"


def _literal_datetime(moment: datetime) -> str:
    """A SOQL date-time literal (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _instant(text: str) -> datetime:
    """A Salesforce date-time for ordering (an empty or bad one first: mapping the row reports it)."""
    match = _SF_DATETIME.fullmatch(text)
    if not match:
        return datetime.min.replace(tzinfo=UTC)
    iso = _datetime(text, "opened_at")
    return datetime.fromisoformat(iso) if iso else datetime.min.replace(tzinfo=UTC)


def _datetime(text: str | None, where: str) -> str | None:
    """ISO 8601 of a Salesforce date-time such as 2026-03-01T07:00:00.000+0000."""
    if not text:
        return None
    if _SF_UTC_DATETIME(text) is not None:  # the form the REST API writes: a cheaper match, no groups
        return text[:19] + "+00:00"
    match = _SF_DATETIME.fullmatch(text)
    if not match:
        raise RecordError(f"{text!r} is not a Salesforce date-time (2026-03-01T07:00:00.000+0000)", where)
    zone = match.group(2)
    zone = "+00:00" if zone == "Z" else (zone if ":" in zone else f"{zone[:3]}:{zone[3:]}")
    return f"{match.group(1)}{zone}"


def _hhmm(text: Any) -> str | None:
    """HH:MM of a Salesforce time (08:00:00.000Z); None for a closed day."""
    return text[:5] if isinstance(text, str) and len(text) >= 5 else None


def _weekly(row: Mapping[str, Any]) -> dict[str, list[list[str]]]:
    """Weekly open hours from BusinessHours' {Day}StartTime/EndTime (an end at 00:00 is midnight)."""
    weekly: dict[str, list[list[str]]] = {}
    for short, day in zip(WEEKDAYS, DAYS, strict=True):
        start, end = _hhmm(row.get(f"{day}StartTime")), _hhmm(row.get(f"{day}EndTime"))
        if start is None or end is None:
            weekly[short] = []
            continue
        weekly[short] = [[start, "24:00" if end == "00:00" else end]]
    return weekly


def _push_result(key: str, result: Any, key_field: str) -> PushResult:
    """A PushResult of one SaveResult: created, exists (DUPLICATE_VALUE on the key field) or failed."""
    if not isinstance(result, dict):
        return PushResult(key, "failed", error="the reply holds no result for this task")
    if result.get("success"):
        return PushResult(key, "created", result.get("id"))
    errors = [e for e in result.get("errors") or () if isinstance(e, dict)]
    if any(e.get("statusCode") == "DUPLICATE_VALUE" and key_field in (e.get("fields") or ()) for e in errors):
        return PushResult(key, "exists")
    text = "; ".join(f"{e.get('statusCode')}: {e.get('message')}" for e in errors) or "not created"
    return PushResult(key, "failed", error=text)
