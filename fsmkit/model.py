"""Canonical records: typed dataclasses, and parsers that validate a JSON object into one.

Every connector yields these records (DESIGN.md "Canonical records"). A parser first checks the object
against its schema with the compiled validator (cheap), then turns strings into typed values:
datetimes must carry an offset (a naive one is an input error), dates are YYYY-MM-DD, durations are
ISO 8601 in weeks, days, hours, minutes and seconds. A problem raises RecordError naming the field;
the reader that knows the file and line (or platform object and id) adds where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from fsmkit import schema
from fsmkit.errors import RecordError
from fsmkit.validator import Invalid

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# ---------------------------------------------------------------------------------------------------
# Values


def parse_datetime(text: str, where: str) -> datetime:
    """The instant of ISO 8601 text with an offset or Z, as a UTC datetime; a naive one is a RecordError.

    Every instant read is kept in UTC: the offset it was written with says nothing that a zone (the
    site's, the calendar's) does not say better, and datetimes sharing the one UTC tzinfo compare,
    subtract and convert several times faster than datetimes with offsets of their own.
    """
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise RecordError(f"{text!r} is not an ISO 8601 datetime", where) from None
    tz = value.tzinfo
    if tz is None:
        raise RecordError(f"{text!r} has no UTC offset; write it with Z or an offset such as +01:00", where)
    try:
        return value if tz is UTC else value.astimezone(UTC)
    except OverflowError:
        raise RecordError(f"{text!r} is out of range in UTC", where) from None


def _optional_datetime(text: str | None, where: str) -> datetime | None:
    return None if text is None else parse_datetime(text, where)


def parse_date(text: str, where: str) -> date:
    """A date from YYYY-MM-DD text."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise RecordError(f"{text!r} is not a date (YYYY-MM-DD)", where) from None


def _optional_date(text: str | None, where: str) -> date | None:
    return None if text is None else parse_date(text, where)


_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)
_CALENDAR_UNITS = re.compile(r"P(?:\d+Y)|P(?:\d+Y)?\d+M|P[^T]*M")


def parse_duration(text: str, where: str = "duration") -> timedelta:
    """A timedelta from an ISO 8601 duration such as PT4H, PT30M, P1DT2H, P90D or P2W.

    Years and months are refused: they have no fixed length, and a promise must be exact (write P30D
    or P90D instead). P1D is 24 hours of counted time, never "one business day".
    """
    match = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if not match or text in ("P", "PT") or text.endswith("T"):
        if isinstance(text, str) and _CALENDAR_UNITS.match(text):
            raise RecordError(
                f"{text!r} uses years or months, which have no fixed length; write days instead (P30D, P90D)",
                where,
            )
        raise RecordError(f"{text!r} is not an ISO 8601 duration such as PT4H, P1DT2H or P90D", where)
    parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
    return timedelta(**parts)


def _optional_duration(text: str | None, where: str) -> timedelta | None:
    return None if text is None else parse_duration(text, where)


def format_duration(value: timedelta) -> str:
    """ISO 8601 text for a timedelta, in days, hours, minutes and seconds (P1DT2H, PT30M, PT0S)."""
    seconds = value.total_seconds()
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    date_part = f"{int(days)}D" if days else ""
    time_part = "".join(
        f"{int(n) if float(n).is_integer() else n}{unit}"
        for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S"))
        if n
    )
    if not date_part and not time_part:
        return "PT0S"
    return f"{sign}P{date_part}{'T' + time_part if time_part else ''}"


@cache
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; an unknown name is a ValueError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)") from None


def _timezone(name: str | None, where: str) -> str | None:
    if name is not None:
        try:
            zone(name)
        except ValueError as exc:
            raise RecordError(str(exc), where) from None
    return name


# ---------------------------------------------------------------------------------------------------
# Records


@dataclass(slots=True)
class Site:
    name: str | None = None
    address: str | None = None
    timezone: str | None = None
    access_notes: str | None = None


@dataclass(slots=True)
class Contact:
    name: str
    role: str | None = None
    phone: str | None = None
    email: str | None = None
    preferred_channel: str | None = None
    notes: str | None = None


@dataclass(slots=True)
class Feedback:
    at: datetime
    score: int
    comment: str | None = None


@dataclass(slots=True)
class Account:
    id: str
    name: str
    tier: str | None = None
    timezone: str | None = None
    contacts: list[Contact] = field(default_factory=list)
    notes: str | None = None
    feedback: list[Feedback] = field(default_factory=list)
    extra: dict[str, Any] | None = None


@dataclass(slots=True)
class Asset:
    id: str
    account_id: str
    name: str | None = None
    model: str | None = None
    serial: str | None = None
    site: Site | None = None
    installed_on: date | None = None
    warranty_ends: date | None = None
    expected_life_years: float | None = None
    contract_id: str | None = None
    status: str | None = None
    extra: dict[str, Any] | None = None


@dataclass(slots=True)
class Calendar:
    id: str
    timezone: str
    weekly: dict[str, list[tuple[str, str]]]
    holidays: list[date] = field(default_factory=list)
    extra: dict[str, Any] | None = None


@dataclass(slots=True)
class Promise:
    id: str
    kind: Literal["response", "resolution", "arrival", "pm_interval"]
    target: timedelta | None = None
    clock: Literal["business", "wall"] = "business"
    priorities: tuple[str, ...] = ()
    work_kinds: tuple[str, ...] = ()
    pausable: bool = False
    grace: timedelta = timedelta(0)

    def applies_to(self, priority: str | None, work_kind: str) -> bool:
        """Whether this promise covers a work order of this priority and kind (empty lists cover all)."""
        return (not self.priorities or priority in self.priorities) and (
            not self.work_kinds or work_kind in self.work_kinds
        )


@dataclass(slots=True)
class Contract:
    id: str
    account_id: str
    starts_on: date
    ends_on: date
    number: str | None = None
    name: str | None = None
    calendar_id: str | None = None
    promises: list[Promise] = field(default_factory=list)
    extra: dict[str, Any] | None = None


@dataclass(slots=True)
class Pause:
    start: datetime
    end: datetime | None = None
    reason: str | None = None


@dataclass(slots=True)
class Visit:
    id: str
    technician: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    arrived_at: datetime | None = None
    departed_at: datetime | None = None
    outcome: str | None = None
    notes: str | None = None


@dataclass(slots=True)
class WorkOrder:
    id: str
    account_id: str
    kind: Literal["corrective", "preventive", "install", "other"]
    state: Literal["open", "closed", "cancelled"]
    opened_at: datetime
    number: str | None = None
    asset_id: str | None = None
    contract_id: str | None = None
    site: Site | None = None
    priority: str | None = None
    status: str | None = None
    summary: str | None = None
    description: str | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    pauses: list[Pause] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    failure_code: str | None = None
    resolution_code: str | None = None
    extra: dict[str, Any] | None = None


@dataclass(slots=True)
class Knowledge:
    id: str
    model: str
    title: str
    summary: str | None = None
    link: str | None = None
    extra: dict[str, Any] | None = None


# Findings and their subjects keep a __dict__ (no slots): orjson writes a plain dataclass about twice as
# fast as a slotted one, and the audit writes several findings per work order.
@dataclass
class Subject:
    type: Literal["work_order", "visit", "asset", "contract", "account", "model"]
    id: str


@dataclass(kw_only=True)
class Finding:
    """One evaluation of a rule; machine output writes every field, null when it does not apply."""

    rule: str
    status: str
    severity: str | None = None
    account_id: str | None = None
    subject: Subject
    work_order_id: str | None = None
    promise_id: str | None = None
    due_at: datetime | None = None
    actual_at: datetime | None = None
    late_by_minutes: int | None = None
    remaining_minutes: int | None = None
    clock: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    message: str | None = None


def make_finding(
    *,
    rule: str,
    status: str,
    severity: str | None = None,
    account_id: str | None = None,
    subject: Subject,
    work_order_id: str | None = None,
    promise_id: str | None = None,
    due_at: datetime | None = None,
    actual_at: datetime | None = None,
    late_by_minutes: int | None = None,
    remaining_minutes: int | None = None,
    clock: str | None = None,
    evidence: list[dict[str, Any]] | None = None,
    message: str | None = None,
) -> Finding:
    """`Finding(...)`, equal in every field, built in less than half the time: a class called with
    keywords packs them into a dict for its __init__, a function does not. The audit builds several
    findings per work order (bench/README.md); tests keep the two in step."""
    made = _new(Finding)
    made.rule = rule
    made.status = status
    made.severity = severity
    made.account_id = account_id
    made.subject = subject
    made.work_order_id = work_order_id
    made.promise_id = promise_id
    made.due_at = due_at
    made.actual_at = actual_at
    made.late_by_minutes = late_by_minutes
    made.remaining_minutes = remaining_minutes
    made.clock = clock
    made.evidence = [] if evidence is None else evidence
    made.message = message
    return made


_new = object.__new__


@dataclass(slots=True)
class Related:
    account_id: str | None = None
    asset_id: str | None = None
    work_order_id: str | None = None


@dataclass(slots=True)
class Task:
    """A follow-up task; `key` makes pushing it idempotent."""

    key: str
    subject: str
    description: str | None = None
    due_on: date | None = None
    priority: str | None = None
    queue: str | None = None
    related: Related = field(default_factory=Related)
    rule: str | None = None


# ---------------------------------------------------------------------------------------------------
# Parsers: JSON object -> record


def validate(kind: str, data: Any) -> None:
    """Check `data` against schema `kind`; on failure raise RecordError naming the field."""
    try:
        schema.compiled(kind)(data)
    except Invalid:
        problem = schema.first_error(kind, data) or (None, "does not match its schema")
        raise RecordError(problem[1], problem[0]) from None


def _site(data: dict | None, where: str) -> Site | None:
    if data is None:
        return None
    return Site(
        data.get("name"),
        data.get("address"),
        _timezone(data.get("timezone"), f"{where}.timezone"),
        data.get("access_notes"),
    )


def parse_account(data: dict) -> Account:
    """An Account from its canonical JSON object."""
    validate("account", data)
    feedback = [
        Feedback(parse_datetime(f["at"], f"feedback[{i}].at"), f["score"], f.get("comment"))
        for i, f in enumerate(data.get("feedback") or ())
    ]
    return Account(
        id=data["id"],
        name=data["name"],
        tier=data.get("tier"),
        timezone=_timezone(data.get("timezone"), "timezone"),
        contacts=[Contact(**c) for c in data.get("contacts") or ()],
        notes=data.get("notes"),
        feedback=feedback,
        extra=data.get("extra"),
    )


def parse_asset(data: dict) -> Asset:
    """An Asset from its canonical JSON object."""
    validate("asset", data)
    return Asset(
        id=data["id"],
        account_id=data["account_id"],
        name=data.get("name"),
        model=data.get("model"),
        serial=data.get("serial"),
        site=_site(data.get("site"), "site"),
        installed_on=_optional_date(data.get("installed_on"), "installed_on"),
        warranty_ends=_optional_date(data.get("warranty_ends"), "warranty_ends"),
        expected_life_years=data.get("expected_life_years"),
        contract_id=data.get("contract_id"),
        status=data.get("status"),
        extra=data.get("extra"),
    )


def parse_calendar(data: dict) -> Calendar:
    """A Calendar from its canonical JSON object; every span must end after it starts."""
    validate("calendar", data)
    weekly: dict[str, list[tuple[str, str]]] = {day: [] for day in WEEKDAYS}
    for day, spans in data["weekly"].items():
        for i, (start, end) in enumerate(spans):
            if start >= end or start == "24:00":
                raise RecordError(f"span {start}-{end} does not end after it starts", f"weekly.{day}[{i}]")
            weekly[day].append((start, end))
    holidays = [parse_date(d, f"holidays[{i}]") for i, d in enumerate(data.get("holidays") or ())]
    return Calendar(
        id=data["id"],
        timezone=_timezone(data["timezone"], "timezone"),
        weekly=weekly,
        holidays=sorted(set(holidays)),
        extra=data.get("extra"),
    )


def parse_promise(data: dict, where: str = "promise") -> Promise:
    """A Promise from its canonical JSON object, defaults filled in (DESIGN.md: pausable, clock)."""
    kind = data["kind"]
    target = _optional_duration(data.get("target"), f"{where}.target")
    if target is None and kind != "arrival":
        raise RecordError(f"a {kind} promise needs a target duration such as PT4H", f"{where}.target")
    pausable = data.get("pausable")
    return Promise(
        id=data["id"],
        kind=kind,
        target=target,
        clock=data.get("clock") or "business",
        priorities=tuple(data.get("priorities") or ()),
        work_kinds=tuple(data.get("work_kinds") or ()),
        pausable=(kind == "resolution") if pausable is None else pausable,
        grace=_optional_duration(data.get("grace"), f"{where}.grace") or timedelta(0),
    )


def parse_contract(data: dict) -> Contract:
    """A Contract (with its promises) from its canonical JSON object."""
    validate("contract", data)
    starts_on = parse_date(data["starts_on"], "starts_on")
    ends_on = parse_date(data["ends_on"], "ends_on")
    if ends_on < starts_on:
        raise RecordError(f"ends_on {ends_on} is before starts_on {starts_on}", "ends_on")
    promises = [parse_promise(p, f"promises[{i}]") for i, p in enumerate(data.get("promises") or ())]
    return Contract(
        id=data["id"],
        account_id=data["account_id"],
        starts_on=starts_on,
        ends_on=ends_on,
        number=data.get("number"),
        name=data.get("name"),
        calendar_id=data.get("calendar_id"),
        promises=promises,
        extra=data.get("extra"),
    )


# Work orders are the hot path: parse optimistically (compiled validator, datetimes converted without
# building field paths), and only when that fails parse again carefully to name the culprit field.


def iso_to_utc(text: str) -> datetime:
    """What `parse_datetime` returns for `text`, faster, or a ValueError (or TypeError) naming nothing.

    Text ending in an offset "+HH:MM" is read as UTC ("Z") and the offset subtracted: converting an
    offset datetime with astimezone costs twice as much as reading it.
    """
    offset = _OFFSETS.get(text[-6:])
    if offset is not None:
        return _fromisoformat(text[:-6] + "Z") - offset
    value = _fromisoformat(text)
    tz = value.tzinfo
    if tz is None:
        raise ValueError(text)
    return value if tz is UTC else value.astimezone(UTC)


_fromisoformat = datetime.fromisoformat
_OFFSETS = {
    f"{sign}{hours:02}:{minutes:02}": timedelta(hours=hours, minutes=minutes) * (1 if sign == "+" else -1)
    for sign in "+-"
    for hours in range(24)
    for minutes in range(60)
}


def _fast_datetime(text: str | None, name: str) -> datetime | None:
    return None if text is None else iso_to_utc(text)


_careful_datetime = _optional_datetime


def _each(items: list[dict] | None, build: Any, prefix: str, to_datetime: Any) -> list[Any]:
    if not items:
        return []
    if to_datetime is _fast_datetime:
        return [build(item, to_datetime) for item in items]
    built = []
    for i, item in enumerate(items):
        try:
            built.append(build(item, to_datetime))
        except RecordError as exc:
            raise RecordError(exc.message, f"{prefix}[{i}].{exc.field}") from None
    return built


def _pause(data: dict, to_datetime: Any) -> Pause:
    return Pause(to_datetime(data["start"], "start"), to_datetime(data.get("end"), "end"), data.get("reason"))


def _visit(data: dict, to_datetime: Any) -> Visit:
    get = data.get
    return Visit(
        data["id"],
        get("technician"),
        to_datetime(get("window_start"), "window_start"),
        to_datetime(get("window_end"), "window_end"),
        to_datetime(get("arrived_at"), "arrived_at"),
        to_datetime(get("departed_at"), "departed_at"),
        get("outcome"),
        get("notes"),
    )


def _work_order(data: dict, to_datetime: Any) -> WorkOrder:
    get = data.get
    site = get("site")
    return WorkOrder(
        data["id"],
        data["account_id"],
        data["kind"],
        data["state"],
        to_datetime(data["opened_at"], "opened_at"),
        get("number"),
        get("asset_id"),
        get("contract_id"),
        None if site is None else _site(site, "site"),
        get("priority"),
        get("status"),
        get("summary"),
        get("description"),
        to_datetime(get("resolved_at"), "resolved_at"),
        to_datetime(get("closed_at"), "closed_at"),
        _each(get("pauses"), _pause, "pauses", to_datetime),
        _each(get("visits"), _visit, "visits", to_datetime),
        get("failure_code"),
        get("resolution_code"),
        get("extra"),
    )


def parse_work_order(data: dict) -> WorkOrder:
    """A WorkOrder (visits, pauses) from its canonical JSON object. This is the hot path."""
    try:
        schema.compiled("work_order")(data)
        return _work_order(data, _fast_datetime)
    except (Invalid, ValueError, TypeError, OverflowError):
        pass
    validate("work_order", data)
    return _work_order(data, _careful_datetime)


def parse_knowledge(data: dict) -> Knowledge:
    """A Knowledge record from its canonical JSON object."""
    validate("knowledge", data)
    return Knowledge(
        id=data["id"],
        model=data["model"],
        title=data["title"],
        summary=data.get("summary"),
        link=data.get("link"),
        extra=data.get("extra"),
    )


def parse_task(data: dict) -> Task:
    """A Task from its canonical JSON object."""
    validate("task", data)
    return Task(
        key=data["key"],
        subject=data["subject"],
        description=data.get("description"),
        due_on=_optional_date(data.get("due_on"), "due_on"),
        priority=data.get("priority"),
        queue=data.get("queue"),
        related=Related(**(data.get("related") or {})),
        rule=data.get("rule"),
    )


PARSERS = {
    "account": parse_account,
    "asset": parse_asset,
    "calendar": parse_calendar,
    "contract": parse_contract,
    "work_order": parse_work_order,
    "knowledge": parse_knowledge,
    "task": parse_task,
}


# ---------------------------------------------------------------------------------------------------
# Records -> JSON-ready values (DESIGN.md "Machine output")


@cache
def field_names(record_type: type) -> tuple[str, ...]:
    """The fields of a record type, in output order."""
    return tuple(f.name for f in fields(record_type))


def utc(moment: datetime | None) -> datetime | None:
    """The same instant in UTC (records in output carry UTC datetimes; see `to_json`)."""
    return None if moment is None else moment.astimezone(UTC)


def _json_default(value: Any) -> Any:
    if isinstance(value, timedelta):
        return format_duration(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(value: Any, *, indent: bool = False, newline: bool = False) -> bytes:
    """JSON bytes of a record, a list or a document (DESIGN.md "Machine output").

    Every field of a record is present (null when absent), in field order; dates are YYYY-MM-DD and
    durations ISO 8601; `newline` ends it with a newline. Datetimes must already be in UTC, and are
    written with Z: whoever builds a record for output converts with `utc()`, so that the hot path
    serializes in C without a callback per datetime. The test suite checks machine output for any
    datetime written with an offset.
    """
    option = _OPTIONS[indent, newline]
    return orjson.dumps(value, default=_json_default, option=option)


_OPTIONS = {
    (indent, newline): orjson.OPT_UTC_Z
    | (orjson.OPT_INDENT_2 if indent else 0)
    | (orjson.OPT_APPEND_NEWLINE if newline else 0)
    for indent in (False, True)
    for newline in (False, True)
}


def to_plain(value: Any) -> Any:
    """A JSON-ready copy (dicts, lists, strings, numbers) of a record or value, via `to_json`."""
    return orjson.loads(to_json(value))
