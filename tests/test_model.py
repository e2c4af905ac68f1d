"""Parsing canonical records: datetimes, dates, durations, defaults, and errors that name the field."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import builders
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fsmkit.errors import RecordError
from fsmkit.model import (
    Finding,
    Subject,
    format_duration,
    iso_to_utc,
    make_finding,
    parse_account,
    parse_calendar,
    parse_contract,
    parse_datetime,
    parse_duration,
    parse_promise,
    parse_work_order,
    to_plain,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T09:15:00+01:00", datetime(2026, 3, 2, 8, 15, tzinfo=UTC)),
        ("2026-03-02T08:15:00Z", datetime(2026, 3, 2, 8, 15, tzinfo=UTC)),
        ("2026-03-02T08:15:00.250Z", datetime(2026, 3, 2, 8, 15, 0, 250000, tzinfo=UTC)),
        ("2026-03-29T03:30:00+02:00", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        ("2026-10-04T02:30:00+11:00", datetime(2026, 10, 3, 15, 30, tzinfo=UTC)),
        ("2026-03-02T09:15-05:00", datetime(2026, 3, 2, 14, 15, tzinfo=UTC)),
    ],
)
def test_datetimes_with_offsets(text: str, expected: datetime) -> None:
    value = parse_datetime(text, "opened_at")
    assert value == expected
    assert value.tzinfo is UTC  # every instant read is kept in UTC
    assert iso_to_utc(text) == value and iso_to_utc(text).tzinfo is UTC


def test_a_datetime_out_of_range_in_utc_is_a_record_error() -> None:
    with pytest.raises(RecordError, match="'0001-01-01T00:00:00\\+11:00' is out of range in UTC"):
        parse_datetime("0001-01-01T00:00:00+11:00", "opened_at")
    with pytest.raises(OverflowError):
        iso_to_utc("0001-01-01T00:00:00+11:00")


_SUFFIXES = st.one_of(
    st.sampled_from(
        ["Z", "z", "+00:00", "-00:00", "+05:30", "-03:00", "+14:00", "+0530", "+05", "+05:30:15", ""]
    ),
    st.tuples(st.sampled_from("+-"), st.integers(0, 25), st.integers(0, 61)).map(
        lambda t: f"{t[0]}{t[1]:02}:{t[2]:02}"
    ),
)


@settings(derandomize=True, deadline=None, max_examples=400)
@given(
    moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    timespec=st.sampled_from(["hours", "minutes", "seconds", "milliseconds", "microseconds"]),
    separator=st.sampled_from(["T", " ", "t"]),
    suffix=_SUFFIXES,
    cut=st.integers(0, 3),
)
def test_the_fast_datetime_reader_agrees_with_parse_datetime(
    moment: datetime, timespec: str, separator: str, suffix: str, cut: int
) -> None:
    text = moment.isoformat(sep=separator, timespec=timespec)[: -cut or None] + suffix
    try:
        expected: object = parse_datetime(text, "at")
    except RecordError:
        expected = RecordError
    try:
        fast: object = iso_to_utc(text)
    except (ValueError, TypeError, OverflowError):
        fast = RecordError
    assert fast == expected
    if isinstance(fast, datetime):
        assert fast.tzinfo is UTC


@pytest.mark.parametrize("text", ["2026-03-02T09:15:00", "2026-03-02", "2026-03-02 09:15"])
def test_naive_datetimes_are_refused(text: str) -> None:
    with pytest.raises(RecordError, match="has no UTC offset; write it with Z or an offset") as caught:
        parse_datetime(text, "opened_at")
    assert caught.value.field == "opened_at"


@pytest.mark.parametrize("text", ["yesterday", "2026-02-30T10:00:00Z", "2026-03-02T25:00:00Z", ""])
def test_garbage_datetimes_are_refused(text: str) -> None:
    with pytest.raises(RecordError, match="is not an ISO 8601 datetime"):
        parse_datetime(text, "opened_at")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT4H", timedelta(hours=4)),
        ("PT30M", timedelta(minutes=30)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("P90D", timedelta(days=90)),
        ("P2W", timedelta(days=14)),
        ("PT0S", timedelta(0)),
        ("PT1H30M15S", timedelta(hours=1, minutes=30, seconds=15)),
        ("PT0.5S", timedelta(milliseconds=500)),
        ("PT36H", timedelta(hours=36)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["P1M", "P1Y", "P1Y2M", "P2M10D"])
def test_months_and_years_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(RecordError, match="years or months, which have no fixed length; write days instead"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P", "PT", "P1DT", "4H", "PT4", "P1.5D", "pt4h", "-PT4H", "P1H"])
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(RecordError, match="is not an ISO 8601 duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [(timedelta(hours=4), "PT4H"), (timedelta(days=1, hours=2), "P1DT2H"), (timedelta(0), "PT0S"),
     (timedelta(days=90), "P90D"), (timedelta(minutes=90), "PT1H30M"), (timedelta(seconds=1.5), "PT1.5S")],
)  # fmt: skip
def test_format_duration_round_trips(value: timedelta, text: str) -> None:
    assert format_duration(value) == text
    assert parse_duration(text) == value


def test_work_order_parses_into_typed_record() -> None:
    record = parse_work_order(builders.work_order())
    assert record.opened_at == datetime(2026, 3, 2, 9, 15, tzinfo=timezone(timedelta(hours=1)))
    assert record.visits[0].arrived_at == datetime(2026, 3, 2, 9, 20, tzinfo=UTC)
    assert record.pauses[0].end == datetime(2026, 3, 2, 9, 45, tzinfo=UTC)
    assert record.site is None
    assert (record.kind, record.priority, record.state) == ("corrective", "P1", "closed")


def test_work_order_errors_name_nested_fields() -> None:
    bad = builders.work_order(
        visits=[builders.visit(), builders.visit(id="v-2", arrived_at="2026-03-02T10:00:00")]
    )
    with pytest.raises(RecordError, match="has no UTC offset") as caught:
        parse_work_order(bad)
    assert caught.value.field == "visits[1].arrived_at"
    with pytest.raises(RecordError) as caught:
        parse_work_order(builders.work_order(state="done"))
    assert caught.value.field == "state"


def test_unknown_time_zone_is_an_error() -> None:
    with pytest.raises(RecordError, match="unknown time zone 'Europe/Berln'") as caught:
        parse_account(builders.account(timezone="Europe/Berln"))
    assert caught.value.field == "timezone"


def test_calendar_spans_and_holidays() -> None:
    record = parse_calendar(builders.calendar(holidays=["2026-04-06", "2026-04-03", "2026-04-06"]))
    assert record.weekly["mon"] == [("08:00", "18:00")]
    assert record.weekly["sat"] == []
    assert record.holidays == [date(2026, 4, 3), date(2026, 4, 6)]
    with pytest.raises(RecordError, match="span 18:00-08:00 does not end after it starts") as caught:
        parse_calendar(builders.calendar(weekly={"tue": [["18:00", "08:00"]]}))
    assert caught.value.field == "weekly.tue[0]"


@pytest.mark.parametrize(
    ("kind", "pausable"), [("response", False), ("resolution", True), ("pm_interval", False)]
)
def test_pausable_defaults_by_kind(kind: str, pausable: bool) -> None:
    assert parse_promise(builders.promise(kind=kind)).pausable is pausable
    assert parse_promise(builders.promise(kind=kind, pausable=not pausable)).pausable is (not pausable)


def test_promise_defaults_and_target_rules() -> None:
    arrival = parse_promise({"id": "p", "kind": "arrival", "grace": "PT15M"})
    assert (arrival.target, arrival.grace, arrival.clock) == (None, timedelta(minutes=15), "business")
    with pytest.raises(RecordError, match="a response promise needs a target") as caught:
        parse_promise({"id": "p", "kind": "response"}, "promises[0]")
    assert caught.value.field == "promises[0].target"
    with pytest.raises(RecordError, match="years or months") as caught:
        parse_contract(builders.contract(promises=[builders.promise(target="P1M")]))
    assert caught.value.field == "promises[0].target"


def test_promise_applies_to_priorities_and_kinds() -> None:
    p = parse_promise(builders.promise(priorities=["P1", "P2"], work_kinds=["corrective"]))
    assert p.applies_to("P1", "corrective")
    assert not p.applies_to("P3", "corrective")
    assert not p.applies_to("P1", "preventive")
    assert parse_promise(builders.promise(priorities=[])).applies_to(None, "install")


def test_contract_dates() -> None:
    record = parse_contract(builders.contract())
    assert (record.starts_on, record.ends_on) == (date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(RecordError, match="ends_on 2025-12-31 is before starts_on 2026-01-01"):
        parse_contract(builders.contract(ends_on="2025-12-31"))


def test_to_plain_writes_z_and_every_field() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    finding = Finding(rule="response", status="breached", subject=Subject("work_order", "w"),
                      due_at=datetime(2026, 7, 1, 12, 0, tzinfo=berlin).astimezone(UTC), late_by_minutes=5)  # fmt: skip
    plain = to_plain(finding)
    assert list(plain) == ["rule", "status", "severity", "account_id", "subject", "work_order_id", "promise_id",
                           "due_at", "actual_at", "late_by_minutes", "remaining_minutes", "clock", "evidence",
                           "message"]  # fmt: skip
    assert plain["due_at"] == "2026-07-01T10:00:00Z"
    assert plain["actual_at"] is None
    assert plain["subject"] == {"type": "work_order", "id": "w"}


def test_make_finding_takes_the_fields_of_finding_in_order_with_their_defaults() -> None:
    parameters = list(inspect.signature(make_finding).parameters.values())
    fields = dataclasses.fields(Finding)
    assert [p.name for p in parameters] == [f.name for f in fields]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters)
    for parameter, field in zip(parameters, fields, strict=True):
        required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        default = None if field.default_factory is not dataclasses.MISSING else field.default
        assert parameter.default is (inspect.Parameter.empty if required else default), field.name


def test_make_finding_builds_what_finding_builds() -> None:
    every = {
        "rule": "arrival",
        "status": "breached",
        "severity": "medium",
        "account_id": "ACC-1",
        "subject": Subject("visit", "V-1"),
        "work_order_id": "WO-1",
        "promise_id": "window",
        "due_at": datetime(2026, 3, 2, 10, tzinfo=UTC),
        "actual_at": datetime(2026, 3, 2, 11, tzinfo=UTC),
        "late_by_minutes": 45,
        "remaining_minutes": None,
        "clock": "wall",
        "evidence": [{"visit_id": "V-1"}],
        "message": "Sam arrived 45 minutes after the window.",
    }
    assert make_finding(**every) == Finding(**every)
    assert to_plain(make_finding(**every)) == to_plain(Finding(**every))
    least = {"rule": "coverage", "status": "not_covered", "subject": Subject("work_order", "WO-2")}
    made, built = make_finding(**least), make_finding(**least)
    assert made == Finding(**least)
    assert made.evidence == [] and made.evidence is not built.evidence  # a new list each time
