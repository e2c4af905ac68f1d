"""A ServiceNow Table API emulator: a real HTTP server on 127.0.0.1, serving tables from memory.

It behaves as ../shared/reference/servicenow/RESEARCH.md describes the platform:

* `GET /api/now/table/<table>` (and `/<sys_id>`): every value a string, empty is "", date-times UTC
  "YYYY-MM-DD HH:MM:SS"; references as `{"link", "value"}`, or the plain sys_id with
  `sysparm_exclude_reference_link=true`; `sysparm_fields` (dot-walked keys come back literally, unknown
  fields are left out); `sysparm_query` in the encoded-query subset fsmkit uses (see `Query`);
  `sysparm_limit` (default 10000) and `sysparm_offset`, with `X-Total-Count` and a `Link` header
  (left out when one page holds everything). Rows hidden by `hide()` take their place in a page and
  are then dropped, as access rules do after the limit: pages can be short while more rows follow.
* `POST /api/now/table/<table>`: 201 `{"result": {...}}`.
* Basic auth, and `POST /oauth_token.do` (grants password, client_credentials, refresh_token).
* Errors as `{"error": {"message", "detail"}, "status": "failure"}`.
* Fault switches for the next requests to /api/: `rate_limit` (429 with Retry-After and X-RateLimit-*),
  `fail` (500, 503, ...), `cancel` (the "Transaction cancelled" body), `malform` (a cut-off body), `slow`
  (a late reply), and `expire_tokens_after` (every access token issued so far stops working after N
  more requests), and `hold_write` (the Nth table POST waits, unanswered, until `release()`: a
  barrier at which a test can kill the client or start a second one).
* `requests` records (method, path, query, headers) of every request; `counts()` counts them per path.

Start one with `with ServiceNowEmulator(tables) as emulator:`; `emulator.url` is its base URL.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

from emulators import Handler, LocalServer, Recorded

USERNAME = "fsmkit.api"
PASSWORD = "emulator-Pa55word"
CLIENT_ID = "fsmkit-client"
CLIENT_SECRET = "emulator-client-Secret"
DEFAULT_LIMIT = 10000
CANCELLED = (
    "Transaction cancelled: maximum execution time exceeded Check logs for error trace or enable "
    "glide.rest.debug property to verify REST request processing"
)

# Which table each reference field points to (for dot-walking and reference links).
REFERENCES: dict[str, dict[str, str]] = {
    "customer_contact": {"account": "customer_account"},
    "alm_asset": {"company": "customer_account", "account": "customer_account", "model_id": "cmdb_model",
                  "location": "cmn_location", "contract": "ast_contract"},
    "ast_contract": {"account": "customer_account", "company": "customer_account", "schedule": "cmn_schedule"},
    "cmn_schedule_span": {"schedule": "cmn_schedule"},
    "cmn_schedule": {"parent": "cmn_schedule"},
    "wm_order": {"company": "customer_account", "account": "customer_account", "asset": "alm_asset",
                 "cmdb_ci": "cmdb_ci", "contract": "ast_contract", "location": "cmn_location",
                 "maintenance_plan": "sm_maint_plan"},
    "wm_task": {"parent": "wm_order", "assigned_to": "sys_user", "location": "cmn_location"},
    "contract_rel_contract_sla": {"contract": "ast_contract", "contract_sla": "contract_sla"},
    "contract_sla": {"schedule": "cmn_schedule"},
    "sn_customerservice_task": {"account": "customer_account", "parent": "wm_order",
                                "assignment_group": "sys_user_group"},
}  # fmt: skip


def error_body(message: str, detail: str | None = None) -> dict[str, Any]:
    """ServiceNow's error envelope."""
    return {"error": {"message": message, "detail": detail}, "status": "failure"}


# ---------------------------------------------------------------------------------------------------
# Encoded queries


_DATE_GENERATE = re.compile(r"javascript:gs\.dateGenerate\('(\d{4}-\d\d-\d\d)','(\d\d:\d\d:\d\d)'\)")
_FIELD = re.compile(r"[a-z0-9_.]+")
# Longest first, so that NOT IN is not read as IN, <= not as <.
_OPERATORS = ("ISNOTEMPTY", "ISEMPTY", "STARTSWITH", "NOT IN", "IN", "!=", "<=", ">=", "=", "<", ">")


@dataclass
class Query:
    """A parsed encoded query: AND of OR-groups of (field, operator, value), and the sort keys."""

    groups: list[list[tuple[str, str, str]]] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)

    @classmethod
    def parse(cls, text: str, user_zone: ZoneInfo) -> Query:
        """Parse `text`; date literals of gs.dateGenerate are read in the API user's zone."""
        query = cls()
        for term in filter(None, text.split("^")):
            if term.startswith("ORDERBYDESC"):
                query.order.append((term.removeprefix("ORDERBYDESC"), True))
            elif term.startswith("ORDERBY"):
                query.order.append((term.removeprefix("ORDERBY"), False))
            elif term.startswith("OR") and query.groups:
                query.groups[-1].append(_condition(term[2:], user_zone))
            else:
                query.groups.append([_condition(term, user_zone)])
        return query


def _condition(term: str, user_zone: ZoneInfo) -> tuple[str, str, str]:
    match = _FIELD.match(term)
    name = match.group(0) if match else ""
    rest = term[len(name) :]
    for operator in _OPERATORS:
        if rest.startswith(operator):
            value = _DATE_GENERATE.sub(
                lambda m: _utc_text(m.group(1), m.group(2), user_zone), rest[len(operator) :]
            )
            return name, operator, value
    raise ValueError(f"cannot read query term {term!r}")


def _utc_text(day: str, time: str, user_zone: ZoneInfo) -> str:
    local = datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=user_zone)
    return local.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S")


def _compare(a: str, b: str) -> int:
    if re.fullmatch(r"-?\d+(\.\d+)?", a) and re.fullmatch(r"-?\d+(\.\d+)?", b):
        x, y = float(a), float(b)
    else:
        x, y = a, b  # type: ignore[assignment]
    return (x > y) - (x < y)


def _matches(value: str, operator: str, wanted: str) -> bool:
    if operator == "ISEMPTY":
        return value == ""
    if operator == "ISNOTEMPTY":
        return value != ""
    if operator == "=":
        return value == wanted
    if operator == "!=":
        return value != wanted
    if operator == "IN":
        return value in wanted.split(",")
    if operator == "NOT IN":
        return value not in wanted.split(",")
    if operator == "STARTSWITH":
        return value.startswith(wanted)
    if value == "":
        return False  # an empty value is neither before nor after anything
    order = _compare(value, wanted)
    return {"<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[operator]


# ---------------------------------------------------------------------------------------------------
# The emulator


@dataclass
class Faults:
    """Counts of upcoming /api/ requests to fail, by kind."""

    rate_limited: int = 0
    retry_after: int = 1
    failing: int = 0
    failing_status: int = 503
    cancelled: int = 0
    malformed: int = 0
    slow: int = 0
    slow_seconds: float = 0.0
    tokens_expire_in: int | None = None


class ServiceNowEmulator(LocalServer):
    """An in-memory ServiceNow instance behind a real HTTP server (see the module docstring)."""

    def __init__(
        self,
        tables: dict[str, list[dict[str, str]]] | None = None,
        *,
        user_timezone: str = "UTC",
        references: dict[str, dict[str, str]] | None = None,
        now: str = "2026-11-01 00:00:00",
    ) -> None:
        self.tables: dict[str, list[dict[str, str]]] = {
            name: list(rows) for name, rows in (tables or {}).items()
        }
        self.user_zone = ZoneInfo(user_timezone)
        self.references = {table: dict(fields) for table, fields in REFERENCES.items()}
        for table, fields in (references or {}).items():
            self.references.setdefault(table, {}).update(fields)
        self.now = now
        self.faults = Faults()
        self.requests: list[Recorded] = []
        self.hidden: set[str] = set()
        self._tokens: set[str] = set()
        self._refresh_tokens: set[str] = set()
        self._issued = 0
        self._lock = threading.RLock()
        self._index: dict[str, dict[str, dict[str, str]]] = {}
        self._closing = threading.Event()
        self._writes = 0
        self._hold_at: int | None = None
        self.held = threading.Event()  # set while the held write waits
        self._released = threading.Event()

    # -- lifecycle ----------------------------------------------------------------------------------

    def __enter__(self) -> ServiceNowEmulator:
        self._serve(_Handler)
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._stop()

    # -- switches and inspection --------------------------------------------------------------------

    def rate_limit(self, count: int, retry_after: int = 1) -> None:
        """The next `count` /api/ requests get 429 with Retry-After."""
        self.faults.rate_limited, self.faults.retry_after = count, retry_after

    def fail(self, count: int, status: int = 503) -> None:
        """The next `count` /api/ requests get this 5xx status."""
        self.faults.failing, self.faults.failing_status = count, status

    def cancel(self, count: int) -> None:
        """The next `count` table reads die with "Transaction cancelled: maximum execution time exceeded"."""
        self.faults.cancelled = count

    def malform(self, count: int) -> None:
        """The next `count` /api/ replies are cut off mid-JSON."""
        self.faults.malformed = count

    def slow(self, count: int, seconds: float) -> None:
        """The next `count` /api/ requests wait `seconds` before they are answered (the end of the test ends the wait)."""
        self.faults.slow, self.faults.slow_seconds = count, seconds

    def expire_tokens_after(self, count: int) -> None:
        """Every access token issued so far stops working after `count` more /api/ requests."""
        self.faults.tokens_expire_in = count

    def hold_write(self, nth: int) -> None:
        """The `nth` table POST from now on waits before it is applied, unanswered, until `release()`;
        `held` is set while it waits. The writes before it are applied and answered as usual."""
        with self._lock:
            self._writes, self._hold_at = 0, nth
            self.held.clear()
            self._released.clear()

    def release(self) -> None:
        """Let the held write go on: it is applied (as a platform does with a request whose client has
        gone) and answered if anyone still listens."""
        self._hold_at = None
        self._released.set()

    def _maybe_hold(self) -> None:
        """Called for each table POST before it takes the lock."""
        with self._lock:
            if self._hold_at is None:
                return
            self._writes += 1
            if self._writes != self._hold_at:
                return
            self.held.set()
        while not (self._released.wait(0.05) or self._closing.is_set()):
            pass

    def hide(self, *sys_ids: str) -> None:
        """Rows that access rules hide: counted and paged, then dropped from the reply."""
        self.hidden.update(sys_ids)

    def insert(self, table: str, row: dict[str, str]) -> dict[str, str]:
        """Add a row (as POST does); sys_id and creation stamps are filled in when absent."""
        with self._lock:
            self._issued += 1
            stored = {
                "sys_id": f"{self._issued:032x}",
                "sys_created_on": self.now,
                "sys_updated_on": self.now,
            }
            stored.update({key: "" if value is None else str(value) for key, value in row.items()})
            self.tables.setdefault(table, []).append(stored)
            self._index.pop(table, None)
            return stored

    # -- reading -----------------------------------------------------------------------------------

    def row(self, table: str, sys_id: str) -> dict[str, str] | None:
        """The row of `table` with this sys_id."""
        if table not in self._index:
            self._index[table] = {r["sys_id"]: r for r in self.tables.get(table, ())}
        return self._index[table].get(sys_id)

    def value(self, table: str, row: dict[str, str], name: str) -> str | None:
        """A field's raw value, dot-walking through references; None when the table has no such field."""
        head, _, rest = name.partition(".")
        if head not in row:
            return None
        if not rest:
            return row[head]
        target = self.references.get(table, {}).get(head)
        referenced = self.row(target, row[head]) if target and row[head] else None
        if referenced is None:
            return "" if target else None
        return self.value(target, referenced, rest)  # type: ignore[arg-type]

    def select(self, table: str, query: Query) -> list[dict[str, str]]:
        """The rows of `table` matching the query, in its order."""
        rows = [
            row
            for row in self.tables.get(table, ())
            if all(
                any(_matches(self.value(table, row, f) or "", op, v) for f, op, v in g) for g in query.groups
            )
        ]
        for name, descending in reversed(query.order):
            rows.sort(key=lambda row: _SortKey(self.value(table, row, name) or ""), reverse=descending)
        return rows

    def shape(self, table: str, row: dict[str, str], fields: list[str] | None, links: bool) -> dict[str, Any]:
        """A row as the Table API returns it."""
        out: dict[str, Any] = {}
        for name in fields or list(row):
            value = self.value(table, row, name)
            if value is None:
                continue
            target = self.references.get(table, {}).get(name)
            if links and target and value:
                out[name] = {"link": f"{self.url}/api/now/table/{target}/{value}", "value": value}
            else:
                out[name] = value
        return out

    # -- auth --------------------------------------------------------------------------------------

    def authorized(self, header: str | None) -> bool:
        """Whether an Authorization header is valid basic auth or a live access token."""
        if not header:
            return False
        scheme, _, credentials = header.partition(" ")
        if scheme == "Basic":
            return base64.b64decode(credentials).decode() == f"{USERNAME}:{PASSWORD}"
        return scheme == "Bearer" and credentials in self._tokens

    def grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint."""
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "access_denied", "error_description": "invalid client credentials"}
        grant = form.get("grant_type")
        if grant == "password" and (form.get("username"), form.get("password")) != (USERNAME, PASSWORD):
            return 401, {"error": "access_denied", "error_description": "invalid username or password"}
        if grant == "refresh_token" and form.get("refresh_token") not in self._refresh_tokens:
            return 401, {"error": "invalid_grant", "error_description": "invalid refresh token"}
        if grant not in ("password", "client_credentials", "refresh_token"):
            return 400, {"error": "unsupported_grant_type", "error_description": str(grant)}
        self._issued += 1
        access = f"emu-access-{self._issued:04d}-{'x' * 24}"
        self._tokens.add(access)
        reply: dict[str, Any] = {"scope": "useraccount", "token_type": "Bearer", "expires_in": 1799,
                                 "access_token": access}  # fmt: skip
        if grant != "client_credentials":
            refresh = f"emu-refresh-{self._issued:04d}-{'y' * 24}"
            self._refresh_tokens.add(refresh)
            reply["refresh_token"] = refresh
        return 200, reply

    def tick_token_expiry(self) -> None:
        """Count one /api/ request towards token expiry."""
        if self.faults.tokens_expire_in is None:
            return
        if self.faults.tokens_expire_in <= 0:
            self._tokens.clear()
            self.faults.tokens_expire_in = None
        else:
            self.faults.tokens_expire_in -= 1


class _SortKey:
    """Sorts numbers numerically and the rest as text, as ServiceNow sorts typed columns."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __lt__(self, other: _SortKey) -> bool:
        return _compare(self.value, other.value) < 0


class _Handler(Handler):
    emulator: ServiceNowEmulator

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        emulator = self.emulator
        with emulator._lock:
            delay = (
                emulator.faults.slow_seconds if emulator.faults.slow and parts.path.startswith("/api/") else 0
            )
            emulator.faults.slow -= bool(delay)
        if delay:
            emulator._closing.wait(delay)  # outside the lock: other requests go on meanwhile
        if method == "POST" and parts.path.startswith("/api/now/table/"):
            emulator._maybe_hold()  # outside the lock: other requests go on meanwhile
        with emulator._lock:
            emulator.requests.append(Recorded(method, parts.path, query, dict(self.headers), body))
            if method == "POST" and parts.path == "/oauth_token.do":
                form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
                self._reply(*emulator.grant(form))
                return
            if not parts.path.startswith("/api/now/table/"):
                self._reply(400, error_body("Requested URI does not represent any resource", parts.path))
                return
            emulator.tick_token_expiry()
            if not emulator.authorized(self.headers.get("Authorization")):
                self._reply(401, error_body("User Not Authenticated", "Required to provide Auth information"))
                return
            if self._fault():
                return
            route = parts.path.removeprefix("/api/now/table/").split("/")
            if method == "GET":
                self._get(route, query)
            elif method == "POST" and len(route) == 1:
                self._post(route[0], body)
            else:
                self._reply(405, error_body("Method not Supported", f"{method} {parts.path}"))

    def _fault(self) -> bool:
        faults = self.emulator.faults
        if faults.rate_limited:
            faults.rate_limited -= 1
            headers = {"Retry-After": str(faults.retry_after), "X-RateLimit-Limit": "100",
                       "X-RateLimit-Reset": "1798765200", "X-RateLimit-Rule": "0b2c8a3f1b0e2010a5f8e9c4b24bcb11"}  # fmt: skip
            body = error_body(
                "Rate limit exceeded", "Rate limit of 100 requests per hour for Table API exceeded"
            )
            self._reply(429, body, headers)
        elif faults.failing:
            faults.failing -= 1
            self._reply(faults.failing_status, error_body("Service Unavailable", "the node is restarting"))
        elif faults.cancelled and self.command == "GET":
            faults.cancelled -= 1
            self._reply(500, error_body("Transaction cancelled: maximum executio", CANCELLED))
        elif faults.malformed:
            faults.malformed -= 1
            self._send(200, b'{"result":[{"sys_id":"6b1c', {"Content-Type": "application/json"})
        else:
            return False
        return True

    def _get(self, route: list[str], query: dict[str, str]) -> None:
        emulator = self.emulator
        table = route[0]
        if table not in emulator.tables:
            self._reply(400, error_body("Invalid table " + table, None))
            return
        fields = [f for f in query.get("sysparm_fields", "").split(",") if f] or None
        links = query.get("sysparm_exclude_reference_link", "false") != "true"
        if len(route) == 2:
            row = emulator.row(table, route[1])
            if row is None or row["sys_id"] in emulator.hidden:
                self._reply(
                    404,
                    error_body(
                        "No Record found", "Record doesn't exist or ACL restricts the record retrieval"
                    ),
                )
            else:
                self._reply(200, {"result": emulator.shape(table, row, fields, links)})
            return
        try:
            rows = emulator.select(table, Query.parse(query.get("sysparm_query", ""), emulator.user_zone))
            limit = int(query.get("sysparm_limit", DEFAULT_LIMIT))
            offset = int(query.get("sysparm_offset", 0))
        except ValueError as exc:
            self._reply(400, error_body("Invalid query", str(exc)))
            return
        page = [r for r in rows[offset : offset + limit] if r["sys_id"] not in emulator.hidden]
        headers = {"X-Total-Count": str(len(rows))}
        link = self._link(table, query, limit, offset, len(rows))
        if link:
            headers["Link"] = link
        self._reply(200, {"result": [emulator.shape(table, r, fields, links) for r in page]}, headers)

    def _link(self, table: str, query: dict[str, str], limit: int, offset: int, total: int) -> str | None:
        if total <= limit and offset == 0:
            return None
        last = max(0, (total - 1) // limit * limit)
        pages: Iterator[tuple[str, int]] = iter(
            [("first", 0)]
            + ([("prev", max(0, offset - limit))] if offset > 0 else [])
            + ([("next", offset + limit)] if offset + limit < total else [])
            + [("last", last)]
        )
        base = f"{self.emulator.url}/api/now/table/{table}"
        return ",".join(
            f'<{base}?{urlencode({**query, "sysparm_limit": limit, "sysparm_offset": at})}>;rel="{rel}"'
            for rel, at in pages
        )

    def _post(self, table: str, body: bytes) -> None:
        try:
            data = json.loads(body)
        except json.JSONDecodeError:
            self._reply(400, error_body("Exception while reading request", "The payload is not valid JSON."))
            return
        if not isinstance(data, dict):
            self._reply(
                400, error_body("Exception while reading request", "The payload is not a JSON object.")
            )
            return
        row = self.emulator.insert(table, data)
        self._reply(201, {"result": self.emulator.shape(table, row, None, links=True)})

    def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a slow reply)
            self.close_connection = True


def serve(tables: dict[str, list[dict[str, str]]] | None = None, **options: Any) -> Callable[[], Any]:
    """A pytest fixture function serving these tables (use: `emulator = serve(TABLES)` in a test module)."""
    import pytest

    @pytest.fixture
    def emulator() -> Iterator[ServiceNowEmulator]:
        with ServiceNowEmulator(tables, **options) as running:
            yield running

    return emulator
