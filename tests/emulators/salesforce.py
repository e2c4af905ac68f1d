"""A Salesforce REST API emulator: a real HTTP server on 127.0.0.1, serving sObjects from memory.

It behaves as ../shared/reference/salesforce/RESEARCH.md describes the platform:

* `POST /services/oauth2/token`: client credentials (form or Basic) and the JWT bearer flow (an RS256
  assertion checked against the public key, `aud` the login host, `iss` the consumer key, `sub` the
  username, `exp` in the future); replies `{access_token, instance_url, id, token_type, issued_at,
  signature}`, errors `{error, error_description}` with 400.
* `GET /services/data/vNN.0/query?q=SOQL` in the subset fsmkit uses (see `Soql`): `SELECT` fields (a
  relationship's field as `Product2.Name`, nested in the record as Salesforce nests it), `FROM`, `WHERE`
  conditions (=, !=, <, <=, >, >=, IN, NOT IN, LIKE; values quoted, null, true/false, numbers, date and
  date-time literals) joined by AND, and OR between AND groups, `ORDER BY` (ASC/DESC, NULLS FIRST by
  default) and `LIMIT`. Pages of `Sforce-Query-Options: batchSize=N` (200..2000, default 2000) with
  `nextRecordsUrl` `/services/data/vNN.0/query/01gEMU<n>-<offset>`, each followed by a plain GET.
  Unknown fields are 400 INVALID_FIELD, bad SOQL 400 MALFORMED_QUERY.
* `POST /services/data/vNN.0/composite/sobjects`: up to 200 records, `allOrNone` false: per-record
  SaveResults in order, a duplicate of a Unique field (`unique`, case-insensitive) is DUPLICATE_VALUE;
  with allOrNone true the others are ALL_OR_NONE_OPERATION_ROLLED_BACK and nothing is kept.
* `GET /services/data/vNN.0/sobjects/<Object>/describe` (name, queryable, fields with type, unique,
  externalId, and for a reference its relationshipName and referenceTo; `hide_fields` hides fields from
  the user as field-level security does) and `GET /services/data/vNN.0/limits` (DailyApiRequests).
* Every API reply carries `Sforce-Limit-Info: api-usage=USED/MAX`; each API request counts one.
  Errors are arrays `[{"message", "errorCode"}]`; 401 INVALID_SESSION_ID for a bad or expired token.
* Fault switches for the next API requests: `expire_tokens_after(n)`, `limit_exceeded(count, daily)`
  (403 REQUEST_LIMIT_EXCEEDED, concurrency or TotalRequests), `fail(count, 503, retry_after)`,
  `malform(count)` (a cut-off body), `slow(count, seconds)`; `exhaust()` uses the daily allocation up.
* `requests` records (method, path, query, headers, body) of every request; `counts()` per path.

Start one with `with SalesforceEmulator(objects) as emulator:`; `emulator.url` is its base URL.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from emulators import Handler, LocalServer, Recorded

VERSION = "62.0"
CONSUMER_KEY = "3MVG9emulator.consumer.key"
CLIENT_SECRET = "emulator-Consumer-Secret-42"
USERNAME = "fsmkit.api@acme.example"
LOGIN_HOST = "https://login.salesforce.com"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DAILY_MAX = 15000
MAX_COLLECTION = 200

# Standard fields of the objects fsmkit reads (besides those the records carry), for SOQL and describe.
STANDARD: dict[str, tuple[str, ...]] = {
    "Account": ("Id", "Name", "Description"),
    "Contact": ("Id", "AccountId", "Name", "Title", "Phone", "Email", "Description"),
    "Product2": ("Id", "Name"),
    "Asset": ("Id", "AccountId", "Name", "Product2Id", "SerialNumber", "InstallDate", "UsageEndDate", "Status",
              "LocationId"),
    "BusinessHours": ("Id", "Name", "IsActive", "IsDefault", "TimeZoneSidKey",
                      *(f"{d}{e}Time" for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                                "Sunday") for e in ("Start", "End"))),
    "Holiday": ("Id", "Name", "ActivityDate", "IsAllDay", "IsRecurrence"),
    "ServiceContract": ("Id", "ContractNumber", "Name", "AccountId", "StartDate", "EndDate", "Status"),
    "ContractLineItem": ("Id", "ServiceContractId", "AssetId", "LineItemNumber", "StartDate", "EndDate"),
    "Entitlement": ("Id", "Name", "AccountId", "AssetId", "ServiceContractId", "ContractLineItemId",
                    "BusinessHoursId", "SlaProcessId", "StartDate", "EndDate", "Status"),
    "WorkOrder": ("Id", "WorkOrderNumber", "AccountId", "AssetId", "ServiceContractId", "EntitlementId",
                  "MaintenancePlanId", "Priority", "Status", "StatusCategory", "Subject", "Description",
                  "CreatedDate", "StartDate", "EndDate", "IsClosed", "LocationId", "BusinessHoursId"),
    "ServiceAppointment": ("Id", "AppointmentNumber", "ParentRecordId", "ParentRecordType", "AccountId", "Status",
                           "StatusCategory", "ArrivalWindowStartTime", "ArrivalWindowEndTime", "SchedStartTime",
                           "SchedEndTime", "ActualStartTime", "ActualEndTime", "Description", "Subject", "ServiceNote"),
    "ServiceResource": ("Id", "Name", "IsActive", "ResourceType", "RelatedRecordId"),
    "AssignedResource": ("Id", "ServiceAppointmentId", "ServiceResourceId", "IsPrimaryResource"),
    "WorkOrderHistory": ("Id", "WorkOrderId", "Field", "OldValue", "NewValue", "CreatedDate"),
    "Location": ("Id", "Name", "TimeZone"),
    "Task": ("Id", "WhatId", "WhoId", "Subject", "Description", "ActivityDate", "Priority", "Status", "OwnerId",
             "IsClosed"),
    "Group": ("Id", "Name", "Type"),
    "User": ("Id", "Name", "Username"),
}  # fmt: skip
# The object each standard reference field of STANDARD points to (for describe's referenceTo); a custom
# reference field (X__c) points to the object of the records its values name.
REFERENCES: dict[str, dict[str, str]] = {
    "Contact": {"AccountId": "Account"},
    "Asset": {"AccountId": "Account", "Product2Id": "Product2", "LocationId": "Location"},
    "ServiceContract": {"AccountId": "Account"},
    "ContractLineItem": {"ServiceContractId": "ServiceContract", "AssetId": "Asset"},
    "Entitlement": {"AccountId": "Account", "AssetId": "Asset", "ServiceContractId": "ServiceContract",
                    "ContractLineItemId": "ContractLineItem", "BusinessHoursId": "BusinessHours"},
    "WorkOrder": {"AccountId": "Account", "AssetId": "Asset", "ServiceContractId": "ServiceContract",
                  "EntitlementId": "Entitlement", "LocationId": "Location", "BusinessHoursId": "BusinessHours"},
    "ServiceAppointment": {"ParentRecordId": "WorkOrder", "AccountId": "Account"},
    "AssignedResource": {"ServiceAppointmentId": "ServiceAppointment", "ServiceResourceId": "ServiceResource"},
    "WorkOrderHistory": {"WorkOrderId": "WorkOrder"},
    "Task": {"WhatId": "WorkOrder", "OwnerId": "User"},
}  # fmt: skip
KEY_PREFIXES = {"Task": "00T", "Account": "001", "WorkOrder": "0WO", "ServiceAppointment": "08p"}
_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")


def error(message: str, code: str, fields: list[str] | None = None) -> list[dict[str, Any]]:
    """Salesforce's error envelope: an array of {message, errorCode[, fields]}."""
    return [{"message": message, "errorCode": code, **({"fields": fields} if fields is not None else {})}]


def sf_datetime(moment: datetime) -> str:
    """A date-time as Salesforce writes it: UTC with milliseconds and +0000."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def key_pair() -> tuple[str, str]:
    """A fresh RSA key pair as PEM texts: (private, public)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private.decode(), public.decode()


class SoqlError(ValueError):
    """A query the emulator (like Salesforce) refuses: its errorCode and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------------------------------
# SOQL


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<op><=|>=|!=|<>|=|<|>|\(|\)|,)|(?P<word>[A-Za-z0-9_.:+\-]+))"
)


def _tokens(text: str) -> list[str]:
    out, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise SoqlError("MALFORMED_QUERY", f"unexpected text at {text[position : position + 20]!r}")
        out.append(match.group(0).strip())
        position = match.end()
    return out


def _literal(token: str) -> Any:
    if token.startswith("'"):
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    lowered = token.lower()
    if lowered in ("null", "true", "false"):
        return {"null": None, "true": True, "false": False}[lowered]
    if _DATETIME.fullmatch(token):
        return datetime.fromisoformat(token.replace("Z", "+00:00"))
    if _DATE.fullmatch(token):
        return date.fromisoformat(token)
    try:
        return float(token) if "." in token else int(token)
    except ValueError:
        raise SoqlError("MALFORMED_QUERY", f"unexpected token: {token}") from None


@dataclass
class Soql:
    """SELECT fields FROM object [WHERE a AND (b OR c) ...] [ORDER BY f [ASC|DESC], ...] [LIMIT n].

    As in SOQL, AND and OR do not mix without parentheses.
    """

    fields: list[str]
    sobject: str
    where: Any  # None, ("cond", field, operator, value), ("and", [...]) or ("or", [...])
    order: list[tuple[str, bool]]  # (field, descending)
    limit: int | None

    @classmethod
    def parse(cls, text: str) -> Soql:
        try:
            return cls._parse(text)
        except (IndexError, ValueError) as exc:
            if isinstance(exc, SoqlError):
                raise
            raise SoqlError("MALFORMED_QUERY", "unexpected end of query") from None

    @classmethod
    def _parse(cls, text: str) -> Soql:
        tokens = _tokens(text)
        upper = [t.upper() for t in tokens]
        if not upper or upper[0] != "SELECT" or "FROM" not in upper:
            raise SoqlError("MALFORMED_QUERY", "expected SELECT ... FROM ...")
        at = upper.index("FROM")
        fields = [t for t in tokens[1:at] if t != ","]
        if not fields:
            raise SoqlError("MALFORMED_QUERY", "no fields selected")
        sobject, position = tokens[at + 1], at + 2
        where: Any = None
        order: list[tuple[str, bool]] = []
        limit = None
        if position < len(tokens) and upper[position] == "WHERE":
            where, position = _condition(tokens, upper, position + 1)
        if position < len(tokens) and upper[position] == "ORDER":
            position += 2
            while position < len(tokens) and upper[position] != "LIMIT":
                name, position = tokens[position], position + 1
                descending = False
                if position < len(tokens) and upper[position] in ("ASC", "DESC"):
                    descending, position = upper[position] == "DESC", position + 1
                order.append((name, descending))
                if position < len(tokens) and tokens[position] == ",":
                    position += 1
        if position < len(tokens) and upper[position] == "LIMIT":
            limit, position = int(tokens[position + 1]), position + 2
        if position != len(tokens):
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: {tokens[position]}")
        return cls(fields, sobject, where, order, limit)


def _condition(tokens: list[str], upper: list[str], position: int) -> tuple[Any, int]:
    """A condition from `position`: terms joined by one of AND or OR; parentheses group."""
    terms, joiner = [], None
    while True:
        if tokens[position] == "(":
            term, position = _condition(tokens, upper, position + 1)
            if tokens[position] != ")":
                raise SoqlError("MALFORMED_QUERY", "expected )")
            position += 1
        else:
            term, position = _comparison(tokens, upper, position)
        terms.append(term)
        if position < len(tokens) and upper[position] in ("AND", "OR"):
            if joiner not in (None, upper[position]):
                raise SoqlError("MALFORMED_QUERY", "unexpected token: mixing AND and OR needs parentheses")
            joiner, position = upper[position], position + 1
            continue
        break
    if len(terms) == 1:
        return terms[0], position
    return ((joiner or "AND").lower(), terms), position


def _comparison(tokens: list[str], upper: list[str], position: int) -> tuple[Any, int]:
    name, operator = tokens[position], upper[position + 1]
    position += 2
    if operator == "NOT" and upper[position] == "IN":
        operator, position = "NOT IN", position + 1
    if operator in ("IN", "NOT IN"):
        if tokens[position] != "(":
            raise SoqlError("MALFORMED_QUERY", "expected ( after IN")
        end = tokens.index(")", position)
        value: Any = [_literal(t) for t in tokens[position + 1 : end] if t != ","]
        position = end + 1
    elif operator in ("=", "!=", "<>", "<", "<=", ">", ">=", "LIKE"):
        value, position = _literal(tokens[position]), position + 1
    else:
        raise SoqlError("MALFORMED_QUERY", f"unknown operator {operator}")
    return ("cond", name, "!=" if operator == "<>" else operator, value), position


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        if _DATETIME.fullmatch(value):
            return datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00"))
        if _DATE.fullmatch(value):
            return date.fromisoformat(value)
        return value.lower()
    return value


def _matches(value: Any, operator: str, wanted: Any) -> bool:
    if operator in ("IN", "NOT IN"):
        found = _comparable(value) in {_comparable(w) for w in wanted}
        return found if operator == "IN" else not found
    if operator == "LIKE":
        pattern = re.escape(str(wanted).lower()).replace("%", ".*").replace("_", ".")
        return value is not None and re.fullmatch(pattern, str(value).lower()) is not None
    a, b = _comparable(value), _comparable(wanted)
    if isinstance(a, datetime) and isinstance(b, date) and not isinstance(b, datetime):
        a = a.date()
    if operator == "=":
        return a == b
    if operator == "!=":
        return a != b
    if a is None or b is None:
        return False
    try:
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]
    except TypeError:
        return False


# ---------------------------------------------------------------------------------------------------
# The server


@dataclass
class Faults:
    expire_after: int | None = None
    limit: int = 0
    daily: bool = False
    fail: int = 0
    status: int = 503
    retry_after: int = 1
    malform: int = 0
    slow: int = 0
    slow_seconds: float = 0.0


class SalesforceEmulator(LocalServer):
    """A Salesforce org in memory behind a real HTTP server (see the module docstring)."""

    def __init__(
        self,
        objects: dict[str, list[dict[str, Any]]] | None = None,
        *,
        unique: dict[str, list[str]] | None = None,
        custom_fields: dict[str, list[str]] | None = None,
        public_key: str | None = None,
        audience: str = LOGIN_HOST,
        daily_max: int = DAILY_MAX,
    ) -> None:
        self.objects: dict[str, list[dict[str, Any]]] = {
            k: [dict(r) for r in v] for k, v in (objects or {}).items()
        }
        self.unique = unique if unique is not None else {"Task": ["Fsmkit_Key__c"]}
        self.custom_fields = custom_fields or {}
        self.public_key = public_key
        self.audience = audience
        self.daily_max = daily_max
        self.used = 0
        self.faults = Faults()
        self.requests: list[Recorded] = []
        self.tokens: dict[str, int] = {}  # token -> API requests it has left (-1: no end)
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._index: dict[str, tuple[str, dict[str, Any]]] = {}
        self._fields: dict[str, set[str]] = {}
        self.hidden_fields: dict[str, set[str]] = {}
        for sobject, rows in self.objects.items():
            for row in rows:
                self._index[row["Id"]] = (sobject, row)

    def __enter__(self) -> SalesforceEmulator:
        self._serve(_Handler)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    # -- fault switches ----------------------------------------------------------------------------

    def expire_tokens_after(self, count: int) -> None:
        """After `count` more API requests, every token then valid stops working (tokens issued later too)."""
        with self._lock:
            self.faults.expire_after = count

    def limit_exceeded(self, count: int, daily: bool = False) -> None:
        """The next `count` API requests get 403 REQUEST_LIMIT_EXCEEDED (concurrency, or the daily total)."""
        self.faults.limit, self.faults.daily = count, daily

    def exhaust(self) -> None:
        """The org's daily allocation is used up: every API request is refused (TotalRequests)."""
        self.used = self.daily_max

    def fail(self, count: int, status: int = 503, retry_after: int = 1) -> None:
        self.faults.fail, self.faults.status, self.faults.retry_after = count, status, retry_after

    def malform(self, count: int) -> None:
        self.faults.malform = count

    def slow(self, count: int, seconds: float) -> None:
        self.faults.slow, self.faults.slow_seconds = count, seconds

    # -- data --------------------------------------------------------------------------------------

    def add(self, sobject: str, record: dict[str, Any]) -> None:
        """Add a record (with its Id) to the org, as if made before the test."""
        with self._lock:
            self._fields.pop(sobject, None)
            self.objects.setdefault(sobject, []).append(dict(record))
            self._index[record["Id"]] = (sobject, self.objects[sobject][-1])

    def fields_of(self, sobject: str) -> set[str]:
        """The object's fields: standard, custom, Unique, and any a record holds (cached until a create)."""
        if sobject not in self._fields:
            known = set(STANDARD.get(sobject, ("Id",))) | set(self.custom_fields.get(sobject, ()))
            known.update(self.unique.get(sobject, ()))
            for row in self.objects.get(sobject, ()):
                known.update(row)
            self._fields[sobject] = known - self.hidden_fields.get(sobject, set())
        return self._fields[sobject]

    def value(self, sobject: str, row: dict[str, Any], name: str) -> Any:
        """A field's value; `Rel.Field` follows the reference field `RelId` (or `Rel__c` for Rel__r)."""
        if "." not in name:
            if name not in self.fields_of(sobject):
                raise SoqlError("INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'.")
            return row.get(name)
        head, rest = name.split(".", 1)
        reference = head[:-3] + "__c" if head.endswith("__r") else head + "Id"
        target = self._index.get(row.get(reference) or "")
        if target is None:
            if reference not in self.fields_of(sobject):
                raise SoqlError("INVALID_FIELD", f"Didn't understand relationship '{head}' on '{sobject}'.")
            return None
        return self.value(target[0], target[1], rest)

    def shape(self, sobject: str, row: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": self._attributes(sobject, row["Id"])}
        for name in fields:
            if "." not in name:
                out[name] = self.value(sobject, row, name)
                continue
            head, rest = name.split(".", 1)
            reference = head[:-3] + "__c" if head.endswith("__r") else head + "Id"
            self.value(sobject, row, name)  # validates the path
            target = self._index.get(row.get(reference) or "")
            if target is None:
                out[head] = None
            else:
                nested = out.get(head) or {}
                nested.update(self.shape(target[0], target[1], [rest]))
                out[head] = nested
        return out

    def _attributes(self, sobject: str, record_id: str) -> dict[str, str]:
        return {"type": sobject, "url": f"/services/data/v{VERSION}/sobjects/{sobject}/{record_id}"}

    def query(self, soql: Soql) -> list[dict[str, Any]]:
        if soql.sobject not in STANDARD and soql.sobject not in self.objects:
            raise SoqlError("INVALID_TYPE", f"sObject type '{soql.sobject}' is not supported.")
        rows = self.objects.get(soql.sobject, [])
        for name in soql.fields:
            if rows:
                self.value(soql.sobject, rows[0], name)
            elif "." not in name and name not in self.fields_of(soql.sobject):
                raise SoqlError("INVALID_FIELD", f"No such column '{name}' on entity '{soql.sobject}'.")
        kept = [row for row in rows if soql.where is None or self.holds(soql.sobject, row, soql.where)]
        for name, descending in reversed(soql.order):
            kept.sort(
                key=lambda row, n=name: _SortKey(_comparable(self.value(soql.sobject, row, n))),
                reverse=descending,
            )
        if soql.limit is not None:
            kept = kept[: soql.limit]
        return [self.shape(soql.sobject, row, soql.fields) for row in kept]

    def holds(self, sobject: str, row: dict[str, Any], condition: Any) -> bool:
        """Whether a row meets a parsed WHERE condition."""
        if condition[0] == "cond":
            _, name, operator, wanted = condition
            return _matches(self.value(sobject, row, name), operator, wanted)
        results = (self.holds(sobject, row, term) for term in condition[1])
        return all(results) if condition[0] == "and" else any(results)

    def create(self, records: list[dict[str, Any]], all_or_none: bool) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        made: list[tuple[str, dict[str, Any]]] = []
        with self._lock:
            for record in records:
                sobject = (record.get("attributes") or {}).get("type", "")
                row = {k: v for k, v in record.items() if k != "attributes"}
                unknown = [k for k in row if k not in self.fields_of(sobject)]
                duplicate = next(
                    (
                        (name, other["Id"])
                        for name in self.unique.get(sobject, [])
                        if row.get(name)
                        for other in [*self.objects.get(sobject, []), *(r for t, r in made if t == sobject)]
                        if str(other.get(name, "")).lower() == str(row[name]).lower()
                    ),
                    None,
                )
                if not sobject:
                    results.append(_failure("INVALID_TYPE", "sObject type is missing in attributes", []))
                elif unknown:
                    results.append(_failure("INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type "
                                            f"{sobject}", [unknown[0]]))  # fmt: skip
                elif duplicate:
                    results.append(_failure("DUPLICATE_VALUE", f"duplicate value found: {duplicate[0]} duplicates "
                                            f"value on record with id: {duplicate[1]}", [duplicate[0]]))  # fmt: skip
                else:
                    row["Id"] = f"{KEY_PREFIXES.get(sobject, 'a00')}EMU{next(self._ids):09d}AAA"
                    made.append((sobject, row))
                    results.append({"id": row["Id"], "success": True, "errors": []})
            if all_or_none and any(not r["success"] for r in results):
                rolled = _failure("ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back because not all records "
                                  "were valid and the request was using AllOrNone header", [])  # fmt: skip
                return [r if not r["success"] else rolled for r in results]
            for sobject, row in made:
                self._fields.pop(sobject, None)
                self.objects.setdefault(sobject, []).append(row)
                self._index[row["Id"]] = (sobject, row)
        return results

    def describe(self, sobject: str) -> dict[str, Any]:
        """The object's describe: its fields the user can see, a reference field with its relationship
        name and the object it points to (`referenceTo`), as Salesforce describes them."""
        unique = set(self.unique.get(sobject, []))
        fields = []
        for name in sorted(self.fields_of(sobject)):
            field: dict[str, Any] = {"name": name, "type": "id" if name == "Id" else "string",
                                     "unique": name in unique, "externalId": name in unique, "nillable": name != "Id"}  # fmt: skip
            target = self.reference_target(sobject, name)
            if target:
                relationship = name[:-3] + "__r" if name.endswith("__c") else name.removesuffix("Id")
                field.update(type="reference", relationshipName=relationship, referenceTo=[target])
            fields.append(field)
        return {"name": sobject, "queryable": True, "fields": fields}

    def reference_target(self, sobject: str, name: str) -> str | None:
        """The object a reference field points to (None for a field that is no reference)."""
        known = REFERENCES.get(sobject, {}).get(name)
        if known or not (name.endswith("__c") or (name.endswith("Id") and name != "Id")):
            return known
        found = (self._index.get(row.get(name) or "") for row in self.objects.get(sobject, ()))
        return next((target[0] for target in found if target), None)

    def hide_fields(self, sobject: str, *names: str) -> None:
        """Fields the integration user cannot see (field-level security): left out of describe, and a
        query naming one is INVALID_FIELD, as for a field the org lacks."""
        with self._lock:
            self.hidden_fields.setdefault(sobject, set()).update(names)
            self._fields.pop(sobject, None)

    # -- auth --------------------------------------------------------------------------------------

    def grant(self, form: dict[str, str], basic: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type")
        if grant == "client_credentials":
            client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
            if client_id != CONSUMER_KEY or secret != CLIENT_SECRET:
                return 400, {"error": "invalid_client", "error_description": "invalid client credentials"}
        elif grant == JWT_GRANT:
            if self.public_key is None:
                return 400, {"error": "invalid_grant", "error_description": "invalid assertion"}
            try:
                claims = jwt.decode(form.get("assertion", ""), self.public_key, algorithms=["RS256"],
                                    audience=self.audience, options={"require": ["exp", "iss", "sub", "aud"]})  # fmt: skip
            except jwt.ExpiredSignatureError:
                return 400, {"error": "invalid_grant", "error_description": "expired authorization code"}
            except jwt.PyJWTError:
                return 400, {"error": "invalid_grant", "error_description": "invalid assertion"}
            if claims["iss"] != CONSUMER_KEY:
                return 400, {"error": "invalid_client_id", "error_description": "client identifier invalid"}
            if claims["sub"] != USERNAME:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "user hasn't approved this consumer",
                }
        else:
            return 400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}
        token = f"00DEMU000000001!AQ{next(self._ids):06d}.{base64.urlsafe_b64encode(bytes(12)).decode()}"
        with self._lock:
            self.tokens[token] = -1
        issued = str(int(time.time() * 1000))
        return 200, {"access_token": token, "instance_url": self.url, "token_type": "Bearer",
                     "id": f"{LOGIN_HOST}/id/00DEMU000000001AAA/005EMU000000001AAA", "issued_at": issued,
                     "signature": base64.b64encode(issued.encode()).decode()}  # fmt: skip

    def authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        token = header[len("Bearer ") :]
        with self._lock:
            if self.faults.expire_after is not None:
                if self.faults.expire_after == 0:
                    self.tokens = {known: 0 for known in self.tokens}
                    self.faults.expire_after = None
                else:
                    self.faults.expire_after -= 1
            left = self.tokens.get(token)
            if left is None or left == 0:
                return False
            if left > 0:
                self.tokens[token] = left - 1
            return True


def _failure(code: str, message: str, fields: list[str]) -> dict[str, Any]:
    return {"success": False, "errors": [{"statusCode": code, "message": message, "fields": fields}]}


class _SortKey:
    """Nulls first, then values in order (mixed types compared as text)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _SortKey) -> bool:
        if self.value is None or other.value is None:
            return self.value is None and other.value is not None
        try:
            return bool(self.value < other.value)
        except TypeError:
            return str(self.value) < str(other.value)


class _Handler(Handler):
    emulator: SalesforceEmulator

    def _handle(self, method: str) -> None:
        emulator = self.emulator
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        emulator.requests.append(Recorded(method, parts.path, query, dict(self.headers.items()), body))
        if parts.path == "/services/oauth2/token" and method == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            status, reply = emulator.grant(form, _basic(self.headers.get("Authorization")))
            self._reply(status, reply, limit=False)
            return
        prefix = f"/services/data/v{VERSION}/"
        if not parts.path.startswith(prefix):
            self._reply(404, error("The requested resource does not exist", "NOT_FOUND"))
            return
        if not emulator.authorized(self.headers.get("Authorization")):
            self._reply(401, error("Session expired or invalid", "INVALID_SESSION_ID"))
            return
        if self._fault():
            return
        route = parts.path[len(prefix) :].strip("/").split("/")
        try:
            self._route(method, route, query, body)
        except SoqlError as exc:
            self._reply(400, error(str(exc), exc.code))

    def _fault(self) -> bool:
        emulator, faults = self.emulator, self.emulator.faults
        with emulator._lock:
            emulator.used += 1
            if emulator.used > emulator.daily_max or (faults.limit and faults.daily):
                faults.limit = max(0, faults.limit - 1)
                self._reply(403, error("TotalRequests Limit exceeded.", "REQUEST_LIMIT_EXCEEDED"))
                return True
            if faults.limit:
                faults.limit -= 1
                self._reply(403, error("ConcurrentPerOrgLongTxn Limit exceeded.", "REQUEST_LIMIT_EXCEEDED"))
                return True
            if faults.fail:
                faults.fail -= 1
                self._send(faults.status, b"Service Unavailable", {"Retry-After": str(faults.retry_after),
                                                                     "Content-Type": "text/plain"})  # fmt: skip
                return True
            slow = faults.slow > 0
            if slow:
                faults.slow -= 1
            malform = faults.malform > 0
            if malform:
                faults.malform -= 1
        if slow:
            time.sleep(faults.slow_seconds)
        if malform:
            self._send(
                200,
                b'{"totalSize": 3, "done": true, "records": [{"attri',
                {"Content-Type": "application/json"},
            )
            return True
        return False

    def _route(self, method: str, route: list[str], query: dict[str, str], body: bytes) -> None:
        emulator = self.emulator
        if method == "GET" and route == ["query"]:
            soql = Soql.parse(query.get("q", ""))
            batch = _batch_size(self.headers.get("Sforce-Query-Options", ""))
            rows = emulator.query(soql)
            locator = f"01gEMU{next(emulator._ids):09d}"
            emulator._cursors[locator] = rows
            self._reply(200, _page(locator, rows, 0, batch))
        elif method == "GET" and len(route) == 2 and route[0] == "query" and "-" in route[1]:
            locator, _, offset = route[1].rpartition("-")
            rows = emulator._cursors.get(locator)
            if rows is None or not offset.isdigit():
                self._reply(400, error("invalid query locator", "INVALID_QUERY_LOCATOR"))
                return
            batch = _batch_size(self.headers.get("Sforce-Query-Options", ""))
            self._reply(200, _page(locator, rows, int(offset), batch))
        elif method == "POST" and route == ["composite", "sobjects"]:
            try:
                payload = json.loads(body)
                records = payload["records"]
            except (ValueError, KeyError, TypeError):
                self._reply(400, error("Json Deserialization failed on token 'null'", "JSON_PARSER_ERROR"))
                return
            if len(records) > MAX_COLLECTION:
                self._reply(400, error(f"Maximum number of records: {MAX_COLLECTION}", "EXCEEDED_ID_LIMIT"))
                return
            self._reply(200, emulator.create(records, bool(payload.get("allOrNone", False))))
        elif method == "GET" and len(route) == 3 and route[0] == "sobjects" and route[2] == "describe":
            if route[1] not in STANDARD and route[1] not in emulator.objects:
                self._reply(404, error(f"The requested resource does not exist: {route[1]}", "NOT_FOUND"))
                return
            self._reply(200, emulator.describe(route[1]))
        elif method == "GET" and route == ["limits"]:
            daily = {"Max": emulator.daily_max, "Remaining": max(0, emulator.daily_max - emulator.used)}
            self._reply(200, {"DailyApiRequests": daily})
        else:
            self._reply(404, error("The requested resource does not exist", "NOT_FOUND"))

    def _reply(self, status: int, body: Any, limit: bool = True) -> None:
        headers = {"Content-Type": "application/json;charset=UTF-8"}
        if limit:
            headers["Sforce-Limit-Info"] = f"api-usage={self.emulator.used}/{self.emulator.daily_max}"
        self._send(status, json.dumps(body).encode(), headers)

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    return user, secret


def _batch_size(header: str) -> int:
    match = re.search(r"batchSize=(\d+)", header)
    return min(2000, max(200, int(match.group(1)))) if match else 2000


def _page(locator: str, rows: list[dict[str, Any]], offset: int, batch: int) -> dict[str, Any]:
    end = offset + batch
    page: dict[str, Any] = {"totalSize": len(rows), "done": end >= len(rows)}
    if end < len(rows):
        page["nextRecordsUrl"] = f"/services/data/v{VERSION}/query/{locator}-{end}"
    page["records"] = rows[offset:end]
    return page


def serve(objects: dict[str, list[dict[str, Any]]] | None = None, **options: Any) -> Callable[[], Any]:
    """A pytest fixture function serving `objects` (see SalesforceEmulator's options)."""

    def emulator() -> Iterator[SalesforceEmulator]:
        with SalesforceEmulator(objects, **options) as running:
            yield running

    return emulator
