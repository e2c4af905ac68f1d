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
schemas/mapping.schema.json; `KindMap.read` turns a platform row into a canonical object (typed, for
`MappedConnector`), through one function per kind that `compile_reader` generates from its field specs
on the first read.

`MappedConnector` is what the ServiceNow and Salesforce connectors share beyond that: rows to records
with errors naming the platform object, accounts joined to their contacts, pauses from status changes
(`pause_spans`), a task's values for the task mapping, and the push lock.
"""

from __future__ import annotations

import fcntl
import itertools
import linecache
import tomllib
from abc import abstractmethod
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar
from urllib.parse import urlsplit

import orjson
import requests

from fsmkit import schema
from fsmkit.config import data_dir
from fsmkit.connectors.base import Connector, PushResult
from fsmkit.errors import ConfigError, RecordError
from fsmkit.http import Client, PageTooLarge, RequestFailed
from fsmkit.model import Account, Task, parse_account

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
    """How one canonical field is read from a platform row (see the mapping file's header).

    An empty value reads as None unless the value map says otherwise; a value the map lacks passes
    through (and fails validation by name) unless the map has a default; with `label`, a choice value is
    read as its label; with a `fallback`, an empty value is read from another field (only while the
    `fallback_if` field's label is one of `fallback_labels`, when that is set). `KindMap` compiles these
    rules into one function per kind (`compile_reader`).
    """

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

    def write(self, value: Any) -> str:
        """The platform value of a canonical one (for records fsmkit writes): the map read forwards."""
        text = "" if value is None else str(value)
        if self.values is not None and text in self.values:
            return self.values[text] or ""
        return text


def raw_value(row: Mapping[str, Any], name: str) -> str:
    """A platform field's raw value as text: "" when absent, a reference's sys_id even with its link."""
    value = row.get(name, "")
    return value if value.__class__ is str else _text(value)


def _text(value: Any) -> str:
    """`raw_value` of a value that is not a plain string (a reference with its link, None, a number)."""
    if isinstance(value, dict):  # a reference with its link
        value = value.get("value", "")
    return "" if value is None else str(value)


def plain(field: str, value: str) -> str:
    """The label of a value where the platform has no choice labels: the value itself."""
    return value


#: A compiled reader (see compile_reader): (row, label, to_datetime or None) -> the row's canonical object.
Reader = Callable[
    [Mapping[str, Any], Callable[[str, str], str], Callable[[str, str], "str | None"] | None], dict[str, Any]
]


@dataclass(frozen=True, slots=True)
class KindMap:
    """Where one canonical kind lives on the platform, and how each of its fields is read."""

    kind: str
    table: str
    fields: tuple[FieldSpec, ...]
    filter: str = ""
    parent: str | None = None
    span_table: str | None = None
    # Derived, not compared: the specs by canonical name, and the reader compiled on the first read.
    _by_name: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)
    _reader: Reader | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, FieldSpec] = {}
        for spec in self.fields:
            by_name.setdefault(spec.name, spec)  # the first of a name, as a search in order finds it
        object.__setattr__(self, "_by_name", by_name)

    @property
    def link(self) -> str:
        """The field linking a child row to its parent record (`parent` in the mapping)."""
        if not self.parent:
            raise ConfigError(f"mapping: {self.kind}.parent is missing")
        return self.parent

    def spec(self, name: str) -> FieldSpec | None:
        """The spec of a canonical field, if mapped."""
        return self._by_name.get(name)

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

    def read(
        self,
        row: Mapping[str, Any],
        label: Callable[[str, str], str] = plain,
        to_datetime: Callable[[str, str], str | None] | None = None,
    ) -> dict[str, Any]:
        """The canonical object of a row: each field read by its spec (FieldSpec), dotted names nested,
        a nested object of nulls left null; with `to_datetime`, typed as `typed` types it.

        `label(field, value)` gives a choice value's label. A field holding bad JSON, or (typed) a value
        of the wrong shape, is a RecordError naming the canonical field. The rules are compiled once per
        kind into one function (`compile_reader`), which this calls.
        """
        reader = self._reader
        if reader is None:
            reader = compile_reader(self)
            object.__setattr__(self, "_reader", reader)
        return reader(row, label, to_datetime)


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


# ---------------------------------------------------------------------------------------------------
# Compiled readers: one function per kind, generated once from its specs
#
# Reading a row spec by spec (a call per field, each looking up what its spec asks for) was most of a
# connector's cost per record. `compile_reader` writes, once per KindMap, the Python source of a single
# function that does for one row what the specs say, in straight-line code: each platform field read
# once, each canonical field decided by exactly the steps its spec has (fallback, label, value map,
# empty as None, JSON), dotted names nested (a nested object of nulls left null), then, when asked, each
# value typed by its canonical name as `typed` would. The source is registered with linecache, so a
# traceback through a reader shows its lines; `reader_source(kind)` returns it for reading.

_reader_numbers = itertools.count(1)


def compile_reader(kind: KindMap) -> Reader:
    """The function `KindMap.read` runs for `kind`: (row, label, to_datetime or None) -> canonical object.

    A canonical name that is both a field and the parent of dotted ones (`site` and `site.name`) has no
    single reading: it is a ConfigError here.
    """
    source, namespace = _ReaderSource(kind).build()
    filename = f"<fsmkit reader {next(_reader_numbers)}: {kind.kind} from {kind.table}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)  # source written above from the mapping, not input
    return namespace["read"]


def reader_source(kind: KindMap) -> str:
    """The Python source `compile_reader` generates for `kind` (for reading and debugging)."""
    return _ReaderSource(kind).build()[0]


class _ReaderSource:
    """Writes the source of one kind's reader (see compile_reader); string constants appear as literals,
    value maps and label sets as names bound in the reader's namespace."""

    def __init__(self, kind: KindMap) -> None:
        self.kind = kind
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "_text": _text,
            "_loads": orjson.loads,
            "_JSONDecodeError": orjson.JSONDecodeError,
            "_typed_value": _typed_value,
            "_number": _number,
            "RecordError": RecordError,
            "raw_value": raw_value,
        }
        self.raw: dict[str, str] = {}  # platform field -> the local holding its raw text

    def build(self) -> tuple[str, dict[str, Any]]:
        """The source and the namespace it runs in."""
        specs = self.kind.fields
        heads = self._heads()
        self.lines = ["def read(row, label, to_datetime):", "    get = row.get"]
        for spec in specs:  # every platform field read unconditionally, once, first
            self._raw_local(spec.field)
        for index, spec in enumerate(specs):
            self._field(index, spec)
        nulls = {head: f"n{n}" for n, (head, members) in enumerate(heads.items()) if members[0][1]}
        for head, flag in nulls.items():
            test = " and ".join(f"v{index} is None" for index, _ in heads[head])
            self.lines.append(f"    {flag} = {test}  # {head!r} is null when every field in it is")
        typing = [
            line
            for head, members in heads.items()
            for index, rest in members
            for line in self._typing(index, specs[index], rest or head, f"{head}.{rest}" if rest else head)
        ]
        if typing:
            self.lines += ["    if to_datetime is not None:", *typing]
        self.lines.append("    return {")
        for head, members in heads.items():
            if head in nulls:
                nested = ", ".join(f"{rest!r}: v{index}" for index, rest in members)
                self.lines.append(f"        {head!r}: None if {nulls[head]} else {{{nested}}},")
            else:
                self.lines.append(f"        {head!r}: v{members[0][0]},")
        self.lines.append("    }")
        return "\n".join(self.lines) + "\n", self.namespace

    def _heads(self) -> dict[str, list[tuple[int, str]]]:
        """Top-level canonical names in order, each with (spec index, nested name or "") of its fields."""
        heads: dict[str, list[tuple[int, str]]] = {}
        for index, spec in enumerate(self.kind.fields):
            head, _, rest = spec.name.partition(".")
            members = heads.setdefault(head, [])
            if members and (not rest or not members[0][1]):
                names = [self.kind.fields[i].name for i, _ in members] + [spec.name]
                raise ConfigError(
                    f"mapping: {self.kind.kind}.fields: {', '.join(names)} cannot all be read into {head!r}"
                )
            members.append((index, rest))
        return heads

    def _constant(self, value: Any) -> str:
        name = f"_c{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def _raw_local(self, field: str) -> str:
        """The local holding a platform field's raw text (as raw_value reads it), read on first need."""
        if field not in self.raw:
            local = self.raw[field] = f"r{len(self.raw)}"
            self.lines += [
                f"    {local} = get({field!r}, '')",
                f"    if {local}.__class__ is not str:",
                f"        {local} = _text({local})",
            ]
        return self.raw[field]

    def _field(self, index: int, spec: FieldSpec) -> None:
        """Lines computing `v<index>`, the canonical value of one field (before typing)."""
        value, add = f"v{index}", self.lines.append
        add(f"    # {spec.name!r}")  # names are data: shown as literals, never as code
        if not (spec.fallback or spec.label or spec.values is not None or spec.json):  # most fields
            add(f"    {value} = {self.raw[spec.field]} or None")
            return
        add(f"    {value} = {self.raw[spec.field]}")
        if spec.fallback:
            condition = f"{value} == ''"
            if spec.fallback_if:
                labels = self._constant(spec.fallback_labels)
                condition += f" and label({spec.fallback_if!r}, {self._raw(spec.fallback_if)}) in {labels}"
            add(f"    if {condition}:")
            add(f"        {value} = {self._raw(spec.fallback)}")
        if spec.label:
            add(f"    if {value} != '':")
            add(f"        {value} = label({spec.field!r}, {value})")
        if spec.values is not None:
            values = self._constant(dict(spec.values))
            if spec.has_default:
                add(f"    {value} = {values}.get({value}, {spec.default!r})")
                return
            add(f"    if {value} in {values}:")
            add(f"        {value} = {values}[{value}]")
            add("    else:")
            self._finish(spec, value, "        ")
            return
        self._finish(spec, value, "    ")

    def _finish(self, spec: FieldSpec, value: str, indent: str) -> None:
        """Lines turning a read text into the canonical value: "" is None, JSON text parsed."""
        if spec.json:
            message = f"{spec.field} does not hold JSON text"
            self.lines += [
                f"{indent}if {value} == '':",
                f"{indent}    {value} = None",
                f"{indent}else:",
                f"{indent}    try:",
                f"{indent}        {value} = _loads({value})",
                f"{indent}    except _JSONDecodeError:",
                f"{indent}        raise RecordError({message!r}, {spec.name!r}) from None",
            ]
        elif spec.label:  # a label is any text
            self.lines += [f"{indent}if {value} == '':", f"{indent}    {value} = None"]
        else:  # a raw text: only "" is falsy
            self.lines.append(f"{indent}{value} = {value} or None")

    def _raw(self, field: str) -> str:
        """A fallback's raw text: its local when the field is read anyway, else read only when needed."""
        return self.raw.get(field) or f"raw_value(row, {field!r})"

    @staticmethod
    def _typing(index: int, spec: FieldSpec, name: str, where: str) -> list[str]:
        """Lines typing `v<index>` as `typed` types a value called `name` at `where`."""
        value = f"v{index}"
        if spec.json:  # any JSON value: typed as typed() would type it
            return [f"        {value} = _typed_value({value}, {name!r}, {where!r}, to_datetime)"]
        if name in DATETIMES:
            step = f"to_datetime({value}, {where!r})"
        elif name in DATES:
            step = f"{value}[:10]"
        elif name in NUMBERS:
            step = f"_number({value}, {where!r})"
        else:
            return []
        return [f"        if {value} is not None:", f"            {value} = {step}"]


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
    `to_datetime(text, where)` (ISO 8601 with an offset), dates cut to YYYY-MM-DD, numbers parsed,
    nested objects likewise; a bad number is a RecordError naming the field. (Compiled readers type
    their fields the same way without calling this, except values read as JSON.)"""
    for name, value in record.items():
        record[name] = _typed_value(value, name, f"{prefix}{name}", to_datetime)
    return record


def _typed_value(value: Any, name: str, where: str, to_datetime: Callable[[str, str], str | None]) -> Any:
    """One value of `typed`: an object typed field by field, a string by its name, anything else as is."""
    if isinstance(value, dict):
        return typed(value, to_datetime, f"{where}.")
    if not isinstance(value, str):
        return value
    if name in DATETIMES:
        return to_datetime(value, where)
    if name in DATES:
        return value[:10]
    if name in NUMBERS:
        return _number(value, where)
    return value


def _number(value: str, where: str) -> float | int:
    """A number's text as a float (with a point) or an int; anything else is a RecordError at `where`."""
    try:
        return float(value) if "." in value else int(value)
    except ValueError:
        raise RecordError(f"{value!r} is not a number", where) from None


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
            return kind.read(row, label, self.to_datetime)
        except RecordError as exc:
            raise exc.located(self.where(kind, row)) from None

    def _parsed(
        self, parse: Callable[[dict[str, Any]], Any], kind: KindMap, row: Mapping[str, Any], data: dict
    ) -> Any:
        try:
            return parse(data)
        except RecordError as exc:
            raise exc.located(self.where(kind, row)) from None

    # -- what both platform connectors do alike ------------------------------------------------------

    #: Ids per IN query; the connector's mapping, client, default time zone and queues (its settings).
    in_chunk: ClassVar[int]
    mapping: dict[str, KindMap]
    client: Client
    default_timezone: str | None
    queues: Mapping[str, str]

    @abstractmethod
    def _rows_in(
        self, kind: KindMap, field: str, values: Iterable[str] | None, *args: Any, extra: Iterable[str] = ()
    ) -> Iterator[dict[str, Any]]:
        """Rows of `kind` whose `field` is one of `values` (all rows for None), by IN queries in chunks."""

    @abstractmethod
    def _task_rows(self, keys: Iterable[str]) -> dict[str, str]:
        """Task key -> platform id of the tasks already pushed with these keys."""

    def _label(self, table: str) -> Callable[[str, str], str]:
        """Choice labels of a table's values (`plain` where the platform has none)."""
        return plain

    def accounts(self, ids: Iterable[str] | None = None) -> Iterator[Account]:
        """Accounts, a chunk at a time, each with its contacts (one IN query per chunk) and the
        profile's default time zone where the account has none."""
        kind, contact = self.mapping["account"], self.mapping["contact"]
        label = self._label(kind.table)
        for batch in chunks(self._rows_in(kind, kind.platform("id"), ids), self.in_chunk):
            found = [(row, self._canonical(kind, row, label)) for row in batch]
            contacts: dict[str, list[dict[str, Any]]] = defaultdict(list)
            contact_label = self._label(contact.table)
            owners = [data["id"] for _, data in found]
            for row in self._rows_in(contact, contact.link, owners, extra=[contact.link]):
                contacts[raw_value(row, contact.link)].append(self._canonical(contact, row, contact_label))
            for row, data in found:
                data["contacts"] = contacts.get(data["id"], [])
                if data.get("timezone") is None:
                    data["timezone"] = self.default_timezone
                yield self._parsed(parse_account, kind, row, data)

    def existing_task_keys(self, keys: Iterable[str]) -> set[str]:
        return set(self._task_rows(list(keys)))

    def push_task(self, task: Task) -> PushResult:
        return self.push_tasks([task])[0]

    def _task_values(self, task: Task) -> dict[str, Any]:
        """A task's values by canonical task field (the mapping's `task` kind says where each goes)."""
        return {
            "key": task.key,
            "subject": task.subject,
            "description": task.description,
            "due_on": task.due_on.isoformat() if task.due_on else None,
            "priority": task.priority,
            "queue": self.queues.get(task.queue, task.queue) if task.queue else None,
            "related.account_id": task.related.account_id,
            "related.asset_id": task.related.asset_id,
            "related.work_order_id": task.related.work_order_id,
            "rule": task.rule,
        }

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The profile-wide push lock of this platform instance (a file lock in the user's data folder)."""
        host = urlsplit(self.client.base_url).netloc.replace(":", "_")
        path = data_dir() / "locks" / f"{self.platform_name.lower()}-{host}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def pause_spans(
    changes: Iterable[tuple[str, str | None, str]], pause_statuses: Container[str]
) -> dict[str, list[dict[str, Any]]]:
    """Pauses per work order from its status changes, (work order key, at, new status) in time order
    per work order: a pause runs from entering a pause status until the status changes again (a change
    into another pause status starts a new pause); one still running has no end."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    open_pause: dict[str, dict[str, Any]] = {}
    for key, at, status in changes:
        running = open_pause.get(key)
        if running is not None and status != running["reason"]:
            running["end"] = at
            del open_pause[key]
        if status in pause_statuses and key not in open_pause:
            open_pause[key] = {"start": at, "end": None, "reason": status}
            found[key].append(open_pause[key])
    return found
