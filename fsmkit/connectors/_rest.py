"""The page loop of every REST connector, written once, and its paginator strategies.

A paginator knows one platform's paging: the first request, where the records sit in a page, and the
next request (or None when done). `records()` runs the loop and yields records as each page arrives, so
no connector ever holds all pages in memory:

* OffsetPaginator (ServiceNow): `sysparm_offset`/`sysparm_limit`; done when the offset reaches
  `X-Total-Count` or a page is empty, never on a short page (the platform applies the limit before
  access rules, so a short page may be followed by more rows). When the platform cancels a page for
  taking too long, the page size is halved and the same offset asked again.
* NextUrlPaginator (Salesforce): follows `nextRecordsUrl` until `done`.

The mapping machinery is here too: `load_mapping` reads a connector's default field map (data, in
fsmkit/connectors/mappings/), merges a profile's overrides and checks the result against
schemas/mapping.schema.json; `KindMap.read` turns a platform row into a canonical object.
"""

from __future__ import annotations

import tomllib
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

import orjson
import requests

from fsmkit import schema
from fsmkit.connectors.base import Connector
from fsmkit.errors import ConfigError, RecordError
from fsmkit.http import Client, PageTooLarge, RequestFailed

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One page's request: a path (or absolute URL) and its query parameters."""

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)


class Paginator(Protocol):
    """A platform's paging strategy."""

    def first(self, path: str, params: Mapping[str, Any]) -> PageRequest:
        """The request of the first page."""

    def records(self, body: Any, request: PageRequest) -> list[dict[str, Any]]:
        """The records of a page's body."""

    def next(
        self, request: PageRequest, response: requests.Response, body: Any, count: int
    ) -> PageRequest | None:
        """The next page's request, or None when the last page has been read."""

    def smaller(self, request: PageRequest) -> PageRequest | None:
        """The same page asked with a smaller size, or None when it cannot shrink."""


@dataclass(frozen=True, slots=True)
class OffsetPaginator:
    """Offset paging with a total-count header (ServiceNow Table API)."""

    limit: int = 1000
    offset_param: str = "sysparm_offset"
    limit_param: str = "sysparm_limit"
    total_header: str = "X-Total-Count"
    records_key: str = "result"

    def first(self, path: str, params: Mapping[str, Any]) -> PageRequest:
        """Offset 0 with the configured limit."""
        return PageRequest(path, {**params, self.limit_param: self.limit, self.offset_param: 0})

    def records(self, body: Any, request: PageRequest) -> list[dict[str, Any]]:
        """`body["result"]`, which must be a list of objects."""
        return _list_of_objects(body, self.records_key, request)

    def next(
        self, request: PageRequest, response: requests.Response, body: Any, count: int
    ) -> PageRequest | None:
        """Advance by the limit (not by the rows returned); stop at the total or on an empty page."""
        if count == 0:
            return None
        params = request.params
        offset = int(params[self.offset_param]) + int(params[self.limit_param])
        total = response.headers.get(self.total_header)
        if total is not None and total.strip().isdigit() and offset >= int(total):
            return None
        return replace(request, params={**params, self.offset_param: offset})

    def smaller(self, request: PageRequest) -> PageRequest | None:
        """Half the limit (at least 1) at the same offset."""
        limit = int(request.params[self.limit_param])
        if limit <= 1:
            return None
        return replace(request, params={**request.params, self.limit_param: limit // 2})


@dataclass(frozen=True, slots=True)
class NextUrlPaginator:
    """Cursor paging by a next-page URL in the body (Salesforce query results)."""

    records_key: str = "records"
    next_key: str = "nextRecordsUrl"
    done_key: str = "done"

    def first(self, path: str, params: Mapping[str, Any]) -> PageRequest:
        """The query as given."""
        return PageRequest(path, dict(params))

    def records(self, body: Any, request: PageRequest) -> list[dict[str, Any]]:
        """`body["records"]`, which must be a list of objects."""
        return _list_of_objects(body, self.records_key, request)

    def next(
        self, request: PageRequest, response: requests.Response, body: Any, count: int
    ) -> PageRequest | None:
        """The next-records URL until the body says it is done."""
        url = body.get(self.next_key)
        if body.get(self.done_key, True) or not url:
            return None
        return PageRequest(url)

    def smaller(self, request: PageRequest) -> PageRequest | None:
        """A cursor's page size is the platform's: it cannot shrink."""
        return None


def records(
    client: Client, paginator: Paginator, path: str, params: Mapping[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """Every record of a paged query, yielded as each page arrives."""
    request: PageRequest | None = paginator.first(path, params or {})
    while request is not None:
        try:
            response, body = client.get_json(request.path, request.params)
        except PageTooLarge as exc:
            smaller = paginator.smaller(request)
            if smaller is None:
                raise
            client.note(f"{exc}; asking again with a smaller page")
            request = smaller
            continue
        page = paginator.records(body, request)
        client.log_page(request.path, len(page))
        yield from page
        request = paginator.next(request, response, body, len(page))


def chunks(values: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` values, for IN queries on many ids."""
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _list_of_objects(body: Any, key: str, request: PageRequest) -> list[dict[str, Any]]:
    page = body.get(key) if isinstance(body, dict) else None
    if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
        raise RequestFailed(f"GET {request.path}: the reply has no list of records under {key!r}")
    return page


# ---------------------------------------------------------------------------------------------------
# Field mappings as data (fsmkit/connectors/mappings/<connector>.toml, schemas/mapping.schema.json)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one canonical field is read from a platform row (see the mapping file's header)."""

    name: str
    field: str
    label: bool = False
    values: Mapping[str, str | None] | None = None
    default: str | None = None
    has_default: bool = False
    json: bool = False
    fallback: str | None = None
    fallback_if: str | None = None
    fallback_labels: tuple[str, ...] = ()

    @classmethod
    def parse(cls, name: str, spec: str | Mapping[str, Any]) -> FieldSpec:
        """A spec from its mapping entry: a field name, or an object (already schema-checked)."""
        if isinstance(spec, str):
            return cls(name, spec)
        fallback = spec.get("fallback") or {}
        when = fallback.get("when") or {}
        return cls(
            name,
            spec["field"],
            label=spec.get("label", False),
            values=spec.get("map"),
            default=spec.get("default"),
            has_default="default" in spec,
            json=spec.get("json", False),
            fallback=fallback.get("field"),
            fallback_if=when.get("field"),
            fallback_labels=tuple(when.get("labels", ())),
        )

    def platform_fields(self) -> list[str]:
        """Every platform field this spec reads."""
        return [f for f in (self.field, self.fallback, self.fallback_if) if f]

    def read(self, row: Mapping[str, Any], label: Callable[[str, str], str]) -> Any:
        """The canonical value (a string, None, or parsed JSON) of this field in `row`.

        `label(field, value)` gives a choice value's label. An empty value reads as None unless the
        value map says otherwise; a value the map lacks passes through (and fails validation by name)
        unless the map has a default.
        """
        raw = raw_value(row, self.field)
        if (
            raw == ""
            and self.fallback
            and (
                not self.fallback_if
                or label(self.fallback_if, raw_value(row, self.fallback_if)) in self.fallback_labels
            )
        ):
            raw = raw_value(row, self.fallback)
        value = label(self.field, raw) if self.label and raw != "" else raw
        if self.values is not None:
            if value in self.values:
                return self.values[value]
            if self.has_default:
                return self.default
        if value == "":
            return None
        if self.json:
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                raise RecordError(f"{self.field} does not hold JSON text", self.name) from None
        return value

    def write(self, value: Any) -> str:
        """The platform value of a canonical one (for records fsmkit writes): the map read forwards."""
        text = "" if value is None else str(value)
        if self.values is not None and text in self.values:
            return self.values[text] or ""
        return text


def raw_value(row: Mapping[str, Any], name: str) -> str:
    """A platform field's raw value as text: "" when absent, a reference's sys_id even with its link."""
    value = row.get(name, "")
    if isinstance(value, dict):  # a reference with its link
        value = value.get("value", "")
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class KindMap:
    """Where one canonical kind lives on the platform, and how each of its fields is read."""

    kind: str
    table: str
    fields: tuple[FieldSpec, ...]
    filter: str = ""
    parent: str | None = None
    span_table: str | None = None

    @property
    def link(self) -> str:
        """The field linking a child row to its parent record (`parent` in the mapping)."""
        if not self.parent:
            raise ConfigError(f"mapping: {self.kind}.parent is missing")
        return self.parent

    def spec(self, name: str) -> FieldSpec | None:
        """The spec of a canonical field, if mapped."""
        return next((s for s in self.fields if s.name == name), None)

    def platform(self, name: str) -> str:
        """The platform field of a canonical field, for queries (an unmapped one is a ConfigError)."""
        spec = self.spec(name)
        if spec is None:
            raise ConfigError(f"mapping: {self.kind}.fields.{name} is needed but not mapped")
        return spec.field

    def platform_fields(self, *extra: str) -> list[str]:
        """Every platform field to ask for, in mapping order, without repeats."""
        names = [f for spec in self.fields for f in spec.platform_fields()]
        return list(dict.fromkeys([*names, *(e for e in extra if e)]))

    def read(self, row: Mapping[str, Any], label: Callable[[str, str], str]) -> dict[str, Any]:
        """The canonical object of a row: dotted names nested, a nested object of nulls left null."""
        record: dict[str, Any] = {}
        for spec in self.fields:
            head, _, rest = spec.name.partition(".")
            value = spec.read(row, label)
            if not rest:
                record[head] = value
            else:
                nested = record.setdefault(head, {})
                nested[rest] = value
        for key, value in record.items():
            if isinstance(value, dict) and all(v is None for v in value.values()) and self.spec(key) is None:
                record[key] = None
        return record


def load_mapping(defaults: Path, overrides: Mapping[str, Any] | None) -> dict[str, KindMap]:
    """The connector's default mapping file with a profile's overrides merged in, checked by its schema.

    An override replaces `table` (or `object`), `filter`, `parent` and each field it names; other fields
    keep their defaults. A problem is a ConfigError naming the place in the mapping.
    """
    with defaults.open("rb") as handle:
        merged: dict[str, Any] = tomllib.load(handle)
    for kind, override in (overrides or {}).items():
        if not isinstance(override, dict):
            raise ConfigError(f"mapping.{kind}: expected a table of table, filter and fields")
        base = dict(merged.get(kind, {}))
        fields = {**base.get("fields", {}), **override.get("fields", {})}
        merged[kind] = {**base, **override, "fields": fields}
    problem = schema.first_error("mapping", merged)
    if problem:
        where, message = problem
        raise ConfigError(f"mapping{'.' + where if where else ''}: {message}")
    kinds = {}
    for kind, entry in merged.items():
        table = entry.get("table", entry.get("object"))  # `object` for Salesforce, the same thing
        if table is None:
            raise ConfigError(f"mapping.{kind}: table is missing")
        specs = tuple(FieldSpec.parse(name, spec) for name, spec in entry.get("fields", {}).items())
        kinds[kind] = KindMap(
            kind, table, specs, entry.get("filter", ""), entry.get("parent"), entry.get("span_table")
        )
    return kinds


# Canonical fields whose mapped platform strings become typed values (the rest stay strings).
DATETIMES = frozenset(
    {"opened_at", "resolved_at", "closed_at", "window_start", "window_end", "arrived_at", "departed_at"}
)
DATES = frozenset({"installed_on", "warranty_ends", "starts_on", "ends_on"})
NUMBERS = frozenset({"expected_life_years"})


def typed(
    record: dict[str, Any], to_datetime: Callable[[str, str], str | None], prefix: str = ""
) -> dict[str, Any]:
    """Canonical types for a mapped record's strings, in place: datetimes through the platform's
    `to_datetime(text, where)` (ISO 8601 with an offset), dates cut to YYYY-MM-DD, numbers parsed;
    a bad number is a RecordError naming the field."""
    for name, value in record.items():
        where = f"{prefix}{name}"
        if isinstance(value, dict):
            typed(value, to_datetime, f"{where}.")
        elif value is None or not isinstance(value, str):
            continue
        elif name in DATETIMES:
            record[name] = to_datetime(value, where)
        elif name in DATES:
            record[name] = value[:10]
        elif name in NUMBERS:
            try:
                record[name] = float(value) if "." in value else int(value)
            except ValueError:
                raise RecordError(f"{value!r} is not a number", where) from None
    return record


def plain(field: str, value: str) -> str:
    """The label of a value where the platform has no choice labels: the value itself."""
    return value


class MappedConnector(Connector):
    """What every connector with a field mapping shares: a platform row becomes a canonical object
    through the mapping, then a typed record through fsmkit.model, and a bad row names the platform
    object it came from ("ServiceNow wm_order 6f2a...: field opened_at: ...")."""

    #: How messages name the platform, and the field holding a row's own id.
    platform_name: ClassVar[str]
    id_field: ClassVar[str]

    @staticmethod
    @abstractmethod
    def to_datetime(text: str, where: str) -> str | None:
        """ISO 8601 with an offset of one of the platform's date-time strings (None when empty)."""

    def where(self, kind: KindMap, row: Mapping[str, Any]) -> str:
        """The platform object a row is, for error messages."""
        return f"{self.platform_name} {kind.table} {raw_value(row, self.id_field) or f'(no {self.id_field})'}"

    def _canonical(
        self, kind: KindMap, row: Mapping[str, Any], label: Callable[[str, str], str] = plain
    ) -> dict[str, Any]:
        try:
            return typed(kind.read(row, label), self.to_datetime)
        except RecordError as exc:
            raise exc.located(self.where(kind, row)) from None

    def _parsed(
        self, parse: Callable[[dict[str, Any]], Any], kind: KindMap, row: Mapping[str, Any], data: dict
    ) -> Any:
        try:
            return parse(data)
        except RecordError as exc:
            raise exc.located(self.where(kind, row)) from None
