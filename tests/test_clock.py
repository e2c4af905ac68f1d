"""The business clock (DESIGN.md "Clock", "Durations"; docs/clock.md).

Every expected instant below is computed by hand and written as a literal UTC datetime, with the
arithmetic in a comment; none comes from the code under test. Offsets: Europe/Berlin CET +01 / CEST +02
(DST 2026-03-29 to 2026-10-25), America/New_York EST -05 / EDT -04 (2026-03-08 to 2026-11-01),
Australia/Sydney AEDT +11 until 2026-04-05, AEST +10 until 2026-10-04, then AEDT again.
The property tests at the end compare the clock with a minute-by-minute reference written here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fsmkit.clock import BusinessClock, local_midnight
from fsmkit.errors import InputError, RecordError
from fsmkit.model import Calendar, parse_calendar

BER, NY, SYD = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Australia/Sydney")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
H, M, S, US = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1), timedelta(microseconds=1)


def record(tz: str, weekly: dict, holidays: tuple[str, ...] = (), id: str = "cal-test") -> dict:
    return {"id": id, "timezone": tz, "weekly": weekly, "holidays": list(holidays)}


def clock(tz: str, weekly: dict, holidays: tuple[str, ...] = (), id: str = "cal-test") -> BusinessClock:
    return BusinessClock.from_record(record(tz, weekly, holidays, id))


def on(days: tuple[str, ...], *spans: tuple[str, str]) -> dict:
    return {day: [list(span) for span in spans] for day in days}


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def at(tz: ZoneInfo, *fields: int) -> datetime:
    return datetime(*fields, tzinfo=tz)


WORKDAYS = DAYS[:5]
ALWAYS = on(DAYS, ("00:00", "24:00"))
# Good Friday (a Friday) and Easter Monday (a Monday) in Germany and New South Wales.
EASTER_2026 = ("2026-04-03", "2026-04-06")
BERLIN = clock("Europe/Berlin", on(WORKDAYS, ("08:00", "18:00")), EASTER_2026, "cal-berlin")
# Martin Luther King Day (a Monday) and Independence Day observed (a Friday).
NEW_YORK = clock("America/New_York", on(WORKDAYS, ("09:00", "17:00")), ("2026-01-19", "2026-07-03"))
SYDNEY = clock("Australia/Sydney", on(WORKDAYS, ("08:30", "17:00")), EASTER_2026)
# A night shift: Monday 22:00 to Tuesday 06:00, ..., Friday 22:00 to Saturday 06:00.
NIGHTS = clock(
    "Europe/Berlin",
    {"mon": [["22:00", "24:00"]]}
    | on(DAYS[1:5], ("00:00", "06:00"), ("22:00", "24:00"))
    | {"sat": [["00:00", "06:00"]]},
)
WALL = BusinessClock.wall()


# ---------------------------------------------------------------------------------------------------
# 24x7 calendars: the real time of a local day, across DST


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        ("Europe/Berlin", date(2026, 3, 29), 23),  # 03-28 23:00Z (00:00 CET) to 03-29 22:00Z (24:00 CEST)
        ("Europe/Berlin", date(2026, 10, 25), 25),  # 10-24 22:00Z (00:00 CEST) to 10-25 23:00Z (24:00 CET)
        ("Europe/Berlin", date(2026, 6, 1), 24),
        ("America/New_York", date(2026, 3, 8), 23),  # 05:00Z (00:00 EST) to 03-09 04:00Z (24:00 EDT)
        ("America/New_York", date(2026, 11, 1), 25),  # 04:00Z (00:00 EDT) to 11-02 05:00Z (24:00 EST)
        ("Australia/Sydney", date(2026, 4, 5), 25),  # 04-04 13:00Z (00:00 AEDT) to 04-05 14:00Z (24:00 AEST)
        ("Australia/Sydney", date(2026, 10, 4), 23),  # 10-03 14:00Z (00:00 AEST) to 10-04 13:00Z (24:00 AEDT)
    ],
)
def test_a_24x7_local_day_lasts_its_real_length(tz: str, day: date, hours: int) -> None:
    always = clock(tz, ALWAYS)
    midnight, next_midnight = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
    assert always.elapsed(midnight, next_midnight) == timedelta(hours=hours)
    assert always.add(midnight, timedelta(hours=hours)) == next_midnight


@pytest.mark.parametrize(
    ("tz", "start", "duration", "due"),
    [
        # 2026-03-28 12:00 CET = 11:00Z; + 24 h = 03-29 11:00Z, which is 13:00 CEST (not 12:00 local)
        ("Europe/Berlin", at(BER, 2026, 3, 28, 12), 24 * H, utc(2026, 3, 29, 11)),
        # 2026-10-24 12:00 CEST = 10:00Z; + 24 h = 10-25 10:00Z = 11:00 CET
        ("Europe/Berlin", at(BER, 2026, 10, 24, 12), 24 * H, utc(2026, 10, 25, 10)),
        # 2026-03-08 01:30 EST = 06:30Z; + 1 h = 07:30Z = 03:30 EDT (02:xx does not exist)
        ("America/New_York", at(NY, 2026, 3, 8, 1, 30), H, utc(2026, 3, 8, 7, 30)),
        # 2026-11-01 00:30 EDT = 04:30Z; + 2 h = 06:30Z = 01:30 EST (the second 01:30)
        ("America/New_York", at(NY, 2026, 11, 1, 0, 30), 2 * H, utc(2026, 11, 1, 6, 30)),
        # 2026-04-05 02:30 (ambiguous; fold=0 is the first, AEDT) = 04-04 15:30Z; + 1 h = 16:30Z = 02:30 AEST
        ("Australia/Sydney", at(SYD, 2026, 4, 5, 2, 30), H, utc(2026, 4, 4, 16, 30)),
        # 2026-10-04 01:00 AEST = 10-03 15:00Z; + 2 h = 17:00Z = 04:00 AEDT
        ("Australia/Sydney", at(SYD, 2026, 10, 4, 1), 2 * H, utc(2026, 10, 3, 17)),
    ],
)
def test_a_24x7_clock_counts_real_time_across_dst(
    tz: str, start: datetime, duration: timedelta, due: datetime
) -> None:
    always = clock(tz, ALWAYS)
    assert always.add(start, duration) == due
    assert always.elapsed(start, due) == duration


# ---------------------------------------------------------------------------------------------------
# Business hours: starts before, inside and after hours, weekends, holidays, DST weekends


@pytest.mark.parametrize(
    ("business", "start", "duration", "due"),
    [
        # Berlin Mon-Fri 08:00-18:00, Good Friday and Easter Monday closed.
        # inside hours: Mon 2026-03-02 10:00 CET + 4 h = 14:00 CET = 13:00Z
        (BERLIN, at(BER, 2026, 3, 2, 10), 4 * H, utc(2026, 3, 2, 13)),
        # exactly to closing: 14:00 + 4 h = 18:00 CET = 17:00Z, not Tuesday 08:00
        (BERLIN, at(BER, 2026, 3, 2, 14), 4 * H, utc(2026, 3, 2, 17)),
        # one microsecond more runs into Tuesday: 08:00:00.000001 CET = 07:00:00.000001Z
        (BERLIN, at(BER, 2026, 3, 2, 14), 4 * H + US, utc(2026, 3, 3, 7, 0, 0, 1)),
        # before hours: Mon 06:30 counts from 08:00; + 1 h = 09:00 CET = 08:00Z
        (BERLIN, at(BER, 2026, 3, 2, 6, 30), H, utc(2026, 3, 2, 8)),
        # after hours: Mon 19:00 counts from Tue 08:00; + 1 h = 09:00 CET = 08:00Z
        (BERLIN, at(BER, 2026, 3, 2, 19), H, utc(2026, 3, 3, 8)),
        # weekend: Sat 2026-03-07 12:00 counts from Mon 03-09 08:00; + 2 h = 10:00 CET = 09:00Z
        (BERLIN, at(BER, 2026, 3, 7, 12), 2 * H, utc(2026, 3, 9, 9)),
        # seconds kept: Mon 10:00:01 + 26 min 35 s = 10:26:36 CET = 09:26:36Z
        (BERLIN, at(BER, 2026, 3, 2, 10, 0, 1), 26 * M + 35 * S, utc(2026, 3, 2, 9, 26, 36)),
        # spring DST weekend: Fri 03-27 16:00 CET, 2 h to 18:00; Mon 03-30 08:00 CEST + 2 h = 10:00 CEST = 08:00Z
        (BERLIN, at(BER, 2026, 3, 27, 16), 4 * H, utc(2026, 3, 30, 8)),
        # autumn DST weekend: Fri 10-23 17:00 CEST, 1 h; Mon 10-26 08:00 CET + 2 h = 10:00 CET = 09:00Z
        (BERLIN, at(BER, 2026, 10, 23, 17), 3 * H, utc(2026, 10, 26, 9)),
        # Good Friday and Easter Monday: Thu 04-02 16:00 CEST, 2 h; Fri, Sat, Sun, Mon closed;
        # Tue 04-07 08:00 CEST + 2 h = 10:00 CEST = 08:00Z
        (BERLIN, at(BER, 2026, 4, 2, 16), 4 * H, utc(2026, 4, 7, 8)),
        # start on Easter Monday: counts from Tue 08:00; + 1 h = 09:00 CEST = 07:00Z
        (BERLIN, at(BER, 2026, 4, 6, 10), H, utc(2026, 4, 7, 7)),
        # start on Good Friday, 10 h: all of Tuesday 04-07, to 18:00 CEST = 16:00Z
        (BERLIN, at(BER, 2026, 4, 3, 9), 10 * H, utc(2026, 4, 7, 16)),
        # 30 business days (300 h) from Mon 03-02 08:00: days 1-20 are 03-02..03-27, 21-24 03-30..04-02,
        # (04-03 closed), 25-28 04-07..04-10 (04-06 closed), 29-30 04-13..04-14: Tue 18:00 CEST = 16:00Z
        (BERLIN, at(BER, 2026, 3, 2, 8), 300 * H, utc(2026, 4, 14, 16)),
        # New York Mon-Fri 09:00-17:00.
        # spring DST weekend: Fri 03-06 15:00 EST, 2 h; Mon 03-09 09:00 EDT + 2 h = 11:00 EDT = 15:00Z
        (NEW_YORK, at(NY, 2026, 3, 6, 15), 4 * H, utc(2026, 3, 9, 15)),
        # autumn DST weekend: Fri 10-30 16:00 EDT, 1 h; Mon 11-02 09:00 EST + 1 h = 10:00 EST = 15:00Z
        (NEW_YORK, at(NY, 2026, 10, 30, 16), 2 * H, utc(2026, 11, 2, 15)),
        # MLK Monday: Fri 01-16 16:00 EST, 1 h; Mon 01-19 closed; Tue 09:00 + 1 h = 10:00 EST = 15:00Z
        (NEW_YORK, at(NY, 2026, 1, 16, 16), 2 * H, utc(2026, 1, 20, 15)),
        # Independence Day observed (Fri): Thu 07-02 16:30 EDT, 30 min; Mon 07-06 09:30 EDT = 13:30Z
        (NEW_YORK, at(NY, 2026, 7, 2, 16, 30), H, utc(2026, 7, 6, 13, 30)),
        # Sydney Mon-Fri 08:30-17:00.
        # Easter and the end of DST: Thu 04-02 15:00 AEDT, 2 h; Fri, Sat, Sun, Mon closed;
        # Tue 04-07 08:30 AEST + 2 h = 10:30 AEST = 00:30Z
        (SYDNEY, at(SYD, 2026, 4, 2, 15), 4 * H, utc(2026, 4, 7, 0, 30)),
        # start of DST: Fri 10-02 16:00 AEST, 1 h; Mon 10-05 08:30 AEDT + 30 min = 09:00 AEDT = 10-04 22:00Z
        (SYDNEY, at(SYD, 2026, 10, 2, 16), 90 * M, utc(2026, 10, 4, 22)),
    ],
)
def test_add_on_business_hours(
    business: BusinessClock, start: datetime, duration: timedelta, due: datetime
) -> None:
    assert business.add(start, duration) == due
    assert business.elapsed(start, due) == duration


@pytest.mark.parametrize(
    ("business", "start", "end", "open_time"),
    [
        # Mon 03-02 14:00 to Mon 03-09 10:00: 4 h + Tue-Fri 40 h + 2 h
        (BERLIN, at(BER, 2026, 3, 2, 14), at(BER, 2026, 3, 9, 10), 46 * H),
        # over the spring DST weekend: Fri 03-27 17:00 to Mon 03-30 09:00 = 1 h + 1 h
        (BERLIN, at(BER, 2026, 3, 27, 17), at(BER, 2026, 3, 30, 9), 2 * H),
        # Thu 04-02 12:00 to Tue 04-07 12:00 over Easter: 6 h + 4 h
        (BERLIN, at(BER, 2026, 4, 2, 12), at(BER, 2026, 4, 7, 12), 10 * H),
        # all of 2026: 261 weekdays (52 weeks and a Thursday), 2 holidays, 259 days of 10 h
        (BERLIN, at(BER, 2026, 1, 1), at(BER, 2027, 1, 1), 2590 * H),
        # both ends outside hours, a weekend between: Fri 19:00 to Mon 07:00
        (BERLIN, at(BER, 2026, 3, 6, 19), at(BER, 2026, 3, 9, 7), timedelta(0)),
        # Fri 01-16 12:00 to Tue 01-20 12:00 over MLK Monday: 5 h + 3 h
        (NEW_YORK, at(NY, 2026, 1, 16, 12), at(NY, 2026, 1, 20, 12), 8 * H),
        # Fri 10-30 12:00 EDT to Mon 11-02 12:00 EST: 5 h + 3 h (DST ends on the Sunday between)
        (NEW_YORK, at(NY, 2026, 10, 30, 12), at(NY, 2026, 11, 2, 12), 8 * H),
        # Thu 04-02 12:00 AEDT to Tue 04-07 12:00 AEST: 5 h + 3.5 h
        (SYDNEY, at(SYD, 2026, 4, 2, 12), at(SYD, 2026, 4, 7, 12), 8 * H + 30 * M),
    ],
)
def test_elapsed_on_business_hours(
    business: BusinessClock, start: datetime, end: datetime, open_time: timedelta
) -> None:
    assert business.elapsed(start, end) == open_time


def test_elapsed_is_zero_when_end_is_not_after_start() -> None:
    monday_ten = at(BER, 2026, 3, 2, 10)
    assert BERLIN.elapsed(monday_ten, monday_ten) == timedelta(0)
    assert BERLIN.elapsed(monday_ten, monday_ten - 3 * H) == timedelta(0)
    assert BERLIN.elapsed(monday_ten + 48 * H, monday_ten) == timedelta(0)
    assert WALL.elapsed(monday_ten, monday_ten - H) == timedelta(0)


@pytest.mark.parametrize(
    ("start", "instant"),
    [
        (at(BER, 2026, 3, 7, 12), utc(2026, 3, 7, 11)),  # Saturday
        (at(BER, 2026, 3, 2, 19), utc(2026, 3, 2, 18)),  # after hours
        (at(BER, 2026, 3, 2, 18), utc(2026, 3, 2, 17)),  # exactly at closing
        (
            at(BER, 2026, 3, 2, 10, 30, 15, 7),
            utc(2026, 3, 2, 9, 30, 15, 7),
        ),  # inside hours, to the microsecond
        (at(BER, 2026, 4, 3, 12), utc(2026, 4, 3, 10)),  # Good Friday
        # 02:30 does not exist on 2026-03-29; fold=0 reads it as +01:00. (Python's == is always False
        # between such a datetime and another zone's, so the instant is compared in UTC.)
        (at(BER, 2026, 3, 29, 2, 30), utc(2026, 3, 29, 1, 30)),
    ],
)
def test_add_zero_is_the_start_itself(start: datetime, instant: datetime) -> None:
    result = BERLIN.add(start, timedelta(0))
    assert result == instant
    assert result.tzinfo is UTC


def test_add_returns_utc() -> None:
    due = BERLIN.add(at(BER, 2026, 3, 2, 10), H)
    assert due.tzinfo is UTC
    assert due == utc(2026, 3, 2, 10)  # 11:00 CET


def test_inputs_in_any_offset_are_the_same_instants() -> None:
    # 10:00 CET written as 09:00Z, as 04:00 EST and as +01:00 text: one instant, one deadline
    starts = [at(BER, 2026, 3, 2, 10), utc(2026, 3, 2, 9), at(NY, 2026, 3, 2, 4)]
    starts.append(datetime.fromisoformat("2026-03-02T10:00:00+01:00"))
    assert {BERLIN.add(start, 4 * H) for start in starts} == {utc(2026, 3, 2, 13)}


# ---------------------------------------------------------------------------------------------------
# Spans ending at 24:00, a night shift, and local times that DST makes missing or ambiguous


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        # Mon 2026-03-02 23:00 CET + 2 h: 23:00-24:00, then Tuesday 00:00-01:00 (midnight is no break)
        (at(BER, 2026, 3, 2, 23), 2 * H, utc(2026, 3, 3, 0)),  # Tue 01:00 CET
        # Mon 12:00 counts from 22:00; 8 h is the whole shift, to Tue 06:00 CET = 05:00Z
        (at(BER, 2026, 3, 2, 12), 8 * H, utc(2026, 3, 3, 5)),
        # Sat 03-07 05:00: 1 h to 06:00, no shift Sat or Sun night; Mon 03-09 22:00 + 1 h = 23:00 CET = 22:00Z
        (at(BER, 2026, 3, 7, 5), 2 * H, utc(2026, 3, 9, 22)),
        # Fri 03-06 23:30 CET + 1 h: 30 min to 24:00, then Saturday 00:00-00:30 CET = Fri 23:30Z
        (at(BER, 2026, 3, 6, 23, 30), H, utc(2026, 3, 6, 23, 30)),
        # Fri 03-06 21:00 + 8 h: the shift from 22:00 CET (21:00Z), to Sat 06:00 CET = 05:00Z
        (at(BER, 2026, 3, 6, 21), 8 * H, utc(2026, 3, 7, 5)),
    ],
)
def test_a_night_shift_runs_across_midnight(start: datetime, duration: timedelta, due: datetime) -> None:
    assert NIGHTS.add(start, duration) == due
    assert NIGHTS.elapsed(start, due) == duration


def test_a_span_ending_at_24_00_closes_at_midnight() -> None:
    fridays = clock("Europe/Berlin", {"fri": [["20:00", "24:00"]]})
    # Fri 03-06 23:00 CET + 1 h = 24:00 = Sat 03-07 00:00 CET = Fri 23:00Z, not next Friday 20:00
    assert fridays.add(at(BER, 2026, 3, 6, 23), H) == utc(2026, 3, 6, 23)
    # + 1 h 1 s: the next Friday, 03-13 20:00:01 CET = 19:00:01Z
    assert fridays.add(at(BER, 2026, 3, 6, 23), H + S) == utc(2026, 3, 13, 19, 0, 1)


@pytest.mark.parametrize(
    ("span", "day", "open_hours"),
    [
        # 01:00 CET = 00:00Z to 04:00 CEST = 02:00Z
        (("01:00", "04:00"), date(2026, 3, 29), 2),
        # 01:00 CEST = 10-24 23:00Z to 04:00 CET = 03:00Z
        (("01:00", "04:00"), date(2026, 10, 25), 4),
        (("01:00", "04:00"), date(2026, 3, 22), 3),
        # 02:30 does not exist on 03-29; fold=0 reads it with the offset before the gap (+01): 01:30Z,
        # which is 03:30 CEST; to 05:00 CEST = 03:00Z: 1.5 h (a normal Sunday has 2.5 h)
        (("02:30", "05:00"), date(2026, 3, 29), 1.5),
        (("02:30", "05:00"), date(2026, 3, 22), 2.5),
        # the whole span lies in the gap: 02:00 (+01) = 01:00Z to 03:00 CEST = 01:00Z: nothing
        (("02:00", "03:00"), date(2026, 3, 29), 0),
        # 02:30 on 10-25 happens twice; fold=0 is the first (CEST): 00:30Z; from 00:00 CEST = 10-24 22:00Z
        (("00:00", "02:30"), date(2026, 10, 25), 2.5),
        # from the first 02:30 (00:30Z) to 04:00 CET (03:00Z): 2.5 h (a normal Sunday has 1.5 h)
        (("02:30", "04:00"), date(2026, 10, 25), 2.5),
    ],
)
def test_spans_on_dst_sundays_count_real_time(span: tuple[str, str], day: date, open_hours: float) -> None:
    sundays = clock("Europe/Berlin", {"sun": [list(span)]})
    start, end = (
        local_midnight(day, "Europe/Berlin"),
        local_midnight(day + timedelta(days=1), "Europe/Berlin"),
    )
    assert sundays.elapsed(start, end) == timedelta(hours=open_hours)


def test_nonexistent_and_ambiguous_span_bounds_resolve_like_fold_0() -> None:
    gap = clock("Europe/Berlin", {"sun": [["02:30", "05:00"]]})
    # opens at 01:30Z on 2026-03-29 (03:30 CEST): one minute in is 01:31Z
    assert gap.add(at(BER, 2026, 3, 29, 0), M) == utc(2026, 3, 29, 1, 31)
    repeat = clock("Europe/Berlin", {"sun": [["02:30", "04:00"]]})
    # opens at the first 02:30 on 2026-10-25, CEST = 00:30Z
    assert repeat.add(at(BER, 2026, 10, 25, 0), M) == utc(2026, 10, 25, 0, 31)
    in_gap = clock("Europe/Berlin", {"sun": [["02:00", "03:00"]]})
    # 03-29 has no open time; next Sunday 04-05 02:00 CEST = 00:00Z, + 1 min
    assert in_gap.add(at(BER, 2026, 3, 28, 12), M) == utc(2026, 4, 5, 0, 1)


def test_a_night_shift_over_dst_nights() -> None:
    every_night = clock("Europe/Berlin", on(DAYS, ("22:00", "24:00"), ("00:00", "06:00")))
    # Sat 03-28 22:00 CET (21:00Z) to Sun 06:00 CEST (04:00Z): 7 h
    assert every_night.elapsed(at(BER, 2026, 3, 28, 12), at(BER, 2026, 3, 29, 12)) == 7 * H
    # Sat 10-24 22:00 CEST (20:00Z) to Sun 06:00 CET (05:00Z): 9 h
    assert every_night.elapsed(at(BER, 2026, 10, 24, 12), at(BER, 2026, 10, 25, 12)) == 9 * H
    # from Sat 03-28 22:00 CET (21:00Z) + 6 h = 03:00Z = 05:00 CEST
    assert every_night.add(at(BER, 2026, 3, 28, 12), 6 * H) == utc(2026, 3, 29, 3)


def test_local_midnight() -> None:
    assert local_midnight(date(2026, 3, 2), "Europe/Berlin") == utc(2026, 3, 1, 23)
    assert local_midnight(date(2026, 7, 1), "America/New_York") == utc(2026, 7, 1, 4)
    assert local_midnight(date(2026, 3, 2), "UTC") == utc(2026, 3, 2)
    # Santiago springs forward at 00:00 (2026-09-06): fold=0 reads 00:00 with -04, = 04:00Z, which is
    # the real local time 01:00 -03
    midnight = local_midnight(date(2026, 9, 6), "America/Santiago")
    assert midnight == utc(2026, 9, 6, 4)
    assert (midnight.hour, midnight.utcoffset()) == (1, timedelta(hours=-3))


# ---------------------------------------------------------------------------------------------------
# Pauses: only open time inside them counts, overlapping ones are merged


MONDAY_TEN = at(BER, 2026, 3, 2, 10)  # 09:00Z; + 4 h with no pause = 14:00 CET = 13:00Z


@pytest.mark.parametrize(
    ("start", "pauses", "due"),
    [
        # 11:00-12:00 stops an hour: 15:00 CET = 14:00Z
        (MONDAY_TEN, [(at(BER, 2026, 3, 2, 11), at(BER, 2026, 3, 2, 12))], utc(2026, 3, 2, 14)),
        # 11:00-12:00 and 11:30-12:30 overlap: 1.5 h, so 15:30 CET = 14:30Z
        (MONDAY_TEN, [(at(BER, 2026, 3, 2, 11, 30), at(BER, 2026, 3, 2, 12, 30)),
                      (at(BER, 2026, 3, 2, 11), at(BER, 2026, 3, 2, 12))], utc(2026, 3, 2, 14, 30)),
        # ... and 12:30-13:00 touches them: 2 h, so 16:00 CET = 15:00Z
        (MONDAY_TEN, [(at(BER, 2026, 3, 2, 11), at(BER, 2026, 3, 2, 12)),
                      (at(BER, 2026, 3, 2, 11, 30), at(BER, 2026, 3, 2, 12, 30)),
                      (at(BER, 2026, 3, 2, 12, 30), at(BER, 2026, 3, 2, 13))], utc(2026, 3, 2, 15)),
        # a pause that ends before it starts is empty
        (MONDAY_TEN, [(at(BER, 2026, 3, 2, 12), at(BER, 2026, 3, 2, 11))], utc(2026, 3, 2, 13)),
        # a pause that starts just when the budget runs out changes nothing: 14:00 CET
        (MONDAY_TEN, [(at(BER, 2026, 3, 2, 14), at(BER, 2026, 3, 2, 15))], utc(2026, 3, 2, 13)),
        # a pause over the whole budget, from before the start to Wed 03-04 10:00: counting starts
        # Wed 10:00, + 4 h = 14:00 CET = 13:00Z
        (MONDAY_TEN, [(at(BER, 2026, 3, 2, 9), at(BER, 2026, 3, 4, 10))], utc(2026, 3, 4, 13)),
        # Mon 16:00: 1 h to 17:00, paused Mon 17:00 - Tue 09:00 (1 h open each side of the night),
        # Tue 09:00 + 3 h = 12:00 CET = 11:00Z (without the pause: Tue 10:00)
        (at(BER, 2026, 3, 2, 16), [(at(BER, 2026, 3, 2, 17), at(BER, 2026, 3, 3, 9))], utc(2026, 3, 3, 11)),
        # paused only overnight, Mon 19:00 - Tue 07:00: costs nothing, Tue 10:00 CET = 09:00Z
        (at(BER, 2026, 3, 2, 16), [(at(BER, 2026, 3, 2, 19), at(BER, 2026, 3, 3, 7))], utc(2026, 3, 3, 9)),
        # paused over the weekend and Monday morning: Fri 03-06 16:00, 2 h; Mon 03-09 08:00-09:00 paused;
        # 09:00 + 2 h = 11:00 CET = 10:00Z
        (at(BER, 2026, 3, 6, 16), [(at(BER, 2026, 3, 6, 18), at(BER, 2026, 3, 9, 9))], utc(2026, 3, 9, 10)),
    ],
)  # fmt: skip
def test_pauses_push_the_deadline_by_their_open_time(start: datetime, pauses: list, due: datetime) -> None:
    assert BERLIN.add(start, 4 * H, pauses) == due
    assert BERLIN.elapsed(start, due, pauses) == 4 * H


def test_a_start_inside_a_pause() -> None:
    pause = [(at(BER, 2026, 3, 2, 9), at(BER, 2026, 3, 2, 11))]
    assert BERLIN.add(MONDAY_TEN, timedelta(0), pause) == MONDAY_TEN
    # counting starts when the pause ends, 11:00; + 1 h = 12:00 CET = 11:00Z
    assert BERLIN.add(MONDAY_TEN, H, pause) == utc(2026, 3, 2, 11)


def test_elapsed_with_pauses() -> None:
    start, end = at(BER, 2026, 3, 2, 10), at(BER, 2026, 3, 3, 12)  # 8 h + 4 h = 12 h
    pauses = [
        (at(BER, 2026, 3, 2, 9), at(BER, 2026, 3, 2, 11)),  # 1 h of it inside [start, end)
        (at(BER, 2026, 3, 2, 17), at(BER, 2026, 3, 3, 9)),  # 17:00-18:00 and 08:00-09:00: 2 h
        (at(BER, 2026, 3, 3, 8, 30), at(BER, 2026, 3, 3, 9, 30)),  # overlaps the last: 30 min more
        (at(BER, 2026, 3, 3, 11), at(BER, 2026, 3, 3, 14)),  # 1 h of it inside
    ]
    assert BERLIN.elapsed(start, end, pauses) == 12 * H - (H + 2 * H + 30 * M + H)
    # all paused: zero, never negative
    assert BERLIN.elapsed(start, end, [(start - H, end + H), (start, end)]) == timedelta(0)


def test_the_wall_clock_counts_all_time_minus_pauses() -> None:
    start = at(BER, 2026, 3, 28, 12)  # Saturday before the spring DST change, 11:00Z
    assert WALL.add(start, 24 * H) == utc(2026, 3, 29, 11)  # real hours: 13:00 CEST
    assert WALL.elapsed(start, at(BER, 2026, 3, 29, 12)) == 23 * H  # 11:00Z to 10:00Z
    pauses = [(start + H, start + 2 * H), (start + 90 * M, start + 3 * H), (start + 10 * H, start + 9 * H)]
    # merged pause 12:00Z-14:00Z: 3 h of counting from 11:00Z ends at 16:00Z
    assert WALL.add(start, 3 * H, pauses) == utc(2026, 3, 28, 16)
    assert WALL.elapsed(start, utc(2026, 3, 28, 16), pauses) == 3 * H
    assert WALL.add(start, timedelta(0), [(start - H, start + H)]) == start


# ---------------------------------------------------------------------------------------------------
# The upstream engines' own test scenarios (shared/reference/sla-kpi-briefs.md Part A)

# Their calendars are naive Mon-Fri 10:00-18:00; here the same in UTC.
TEN_TO_SIX = on(WORKDAYS, ("10:00", "18:00"))


@pytest.mark.parametrize(
    ("created", "responded", "seconds"),
    [
        # ERPNext TestFirstResponseTime, week of Mon 2026-06-01; ERPNext stores 1.0 s for zero, fsmkit 0
        ((1, 11), (1, 12), 3600), ((1, 12), (1, 20), 21600), ((1, 6), (1, 12), 7200), ((1, 19), (1, 20), 0),
        ((0, 10), (0, 11), 0), ((1, 6), (2, 6), 28800), ((1, 6), (2, 11), 32400), ((1, 6), (2, 20), 57600),
        ((5, 6), (6, 11), 28800), ((1, 12), (2, 6), 21600), ((1, 12), (2, 11), 25200), ((1, 12), (2, 20), 50400),
        ((5, 12), (6, 11), 21600), ((1, 20), (2, 6), 0), ((1, 20), (2, 11), 3600), ((1, 20), (2, 20), 28800),
        ((5, 20), (6, 11), 0), ((1, 6), (4, 6), 86400), ((1, 6), (4, 11), 90000), ((1, 6), (4, 20), 115200),
        ((5, 6), (7, 11), 28800), ((1, 12), (4, 6), 79200), ((1, 12), (4, 11), 82800), ((1, 12), (4, 20), 108000),
        ((5, 12), (7, 11), 21600), ((1, 20), (4, 6), 57600), ((1, 20), (4, 11), 61200), ((1, 20), (4, 20), 86400),
        ((5, 20), (7, 11), 0),
    ],
)  # fmt: skip
def test_erpnext_first_response_times(
    created: tuple[int, int], responded: tuple[int, int], seconds: int
) -> None:
    erpnext = clock("UTC", TEN_TO_SIX)
    monday = utc(2026, 6, 1)  # (day, hour): day 1 is Monday, 0 the Sunday before, 6 Saturday, 7 Sunday
    a = monday + timedelta(days=created[0] - 1, hours=created[1])
    b = monday + timedelta(days=responded[0] - 1, hours=responded[1])
    assert erpnext.elapsed(a, b) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("created", "hours", "due"),
    [
        # ERPNext deadlines: Mon 2019-03-04, Tue 03-05 a holiday
        (utc(2019, 3, 4, 12), 2, utc(2019, 3, 4, 14)), (utc(2019, 3, 4, 12), 3, utc(2019, 3, 4, 15)),
        (utc(2019, 3, 4, 12), 4, utc(2019, 3, 4, 16)), (utc(2019, 3, 4, 12), 6, utc(2019, 3, 4, 18)),
        (utc(2019, 3, 4, 7), 4, utc(2019, 3, 4, 14)), (utc(2019, 3, 4, 7), 6, utc(2019, 3, 4, 16)),
        (utc(2019, 3, 4, 20), 4, utc(2019, 3, 6, 14)), (utc(2019, 3, 4, 20), 6, utc(2019, 3, 6, 16)),
        (utc(2019, 3, 4, 14), 4, utc(2019, 3, 4, 18)), (utc(2019, 3, 4, 14), 6, utc(2019, 3, 6, 12)),
    ],
)  # fmt: skip
def test_erpnext_deadlines(created: datetime, hours: int, due: datetime) -> None:
    erpnext = clock("UTC", TEN_TO_SIX, ("2019-03-05",))
    assert erpnext.add(created, timedelta(hours=hours)) == due


@pytest.mark.parametrize(
    ("created", "minutes", "due", "holidays"),
    [
        # Frappe Helpdesk, week of Mon 2025-06-02: working day, High 60/240 min
        (utc(2025, 6, 2, 11), 60, utc(2025, 6, 2, 12), ()), (utc(2025, 6, 2, 11), 240, utc(2025, 6, 2, 15), ()),
        # before working hours
        (utc(2025, 6, 2, 8), 60, utc(2025, 6, 2, 11), ()), (utc(2025, 6, 2, 8), 240, utc(2025, 6, 2, 14), ()),
        # after working hours, Urgent 30/120
        (utc(2025, 6, 2, 20), 30, utc(2025, 6, 3, 10, 30), ()), (utc(2025, 6, 2, 20), 120, utc(2025, 6, 3, 12), ()),
        # Saturday, Low 1440/4320: 3 and 9 days of 8 h, each ending at 18:00
        (utc(2025, 6, 7, 15), 1440, utc(2025, 6, 11, 18), ()), (utc(2025, 6, 7, 15), 4320, utc(2025, 6, 19, 18), ()),
        # Friday in working hours, Urgent; Friday after working hours, High
        (utc(2025, 6, 6, 17), 30, utc(2025, 6, 6, 17, 30), ()), (utc(2025, 6, 6, 17), 120, utc(2025, 6, 9, 11), ()),
        (utc(2025, 6, 6, 19), 60, utc(2025, 6, 9, 11), ()), (utc(2025, 6, 6, 19), 240, utc(2025, 6, 9, 14), ()),
        # Thursday and Friday holidays, Urgent
        (utc(2025, 6, 5, 15), 30, utc(2025, 6, 9, 10, 30), ("2025-06-05", "2025-06-06")),
        (utc(2025, 6, 5, 15), 120, utc(2025, 6, 9, 12), ("2025-06-05", "2025-06-06")),
    ],
)  # fmt: skip
def test_frappe_helpdesk_deadlines(
    created: datetime, minutes: int, due: datetime, holidays: tuple[str, ...]
) -> None:
    frappe = clock("UTC", TEN_TO_SIX, holidays)
    assert frappe.add(created, timedelta(minutes=minutes)) == due


def test_frappe_helpdesk_hold_time() -> None:
    frappe = clock("UTC", TEN_TO_SIX)
    thursday = utc(2025, 6, 5, 15)  # Urgent resolution 120 min: 17:00 without hold
    # 3600 s on hold (in business time) -> 18:00, the closing time; 3601 s -> Fri 10:00:01
    assert frappe.add(thursday, 2 * H, [(utc(2025, 6, 5, 15, 30), utc(2025, 6, 5, 16, 30))]) == utc(
        2025, 6, 5, 18
    )
    hold = [(utc(2025, 6, 5, 15, 30), utc(2025, 6, 5, 16, 30, 1))]
    assert frappe.add(thursday, 2 * H, hold) == utc(2025, 6, 6, 10, 0, 1)
    # hold over a holiday Friday: Thu 17:30, Replied 17:50 to Mon 12:30 = 10 + 150 min = 9600 s of hold;
    # resolved Mon 13:00: 12600 s elapsed, 3000 s once the hold is taken out
    with_holiday = clock("UTC", TEN_TO_SIX, ("2025-06-06",))
    created, resolved = utc(2025, 6, 5, 17, 30), utc(2025, 6, 9, 13)
    replied = [(utc(2025, 6, 5, 17, 50), utc(2025, 6, 9, 12, 30))]
    assert with_holiday.elapsed(*replied[0]) == timedelta(seconds=9600)
    assert with_holiday.elapsed(created, resolved) == timedelta(seconds=12600)
    assert with_holiday.elapsed(created, resolved, replied) == timedelta(seconds=3000)


# ---------------------------------------------------------------------------------------------------
# Long durations: bounded by arithmetic, across the years the clock builds on demand


def test_durations_of_years_on_business_hours() -> None:
    # Mon-Fri 08:00-18:00 is 50 h every week, DST weeks too (the changes fall on Sunday nights).
    monday = at(BER, 2027, 1, 4, 8)
    # 520 weeks of 50 h end on the Friday of the 520th week: 2027-01-04 + 519 weeks + 4 days =
    # 2036-12-19, 18:00 CET = 17:00Z
    assert BERLIN.add(monday, 520 * 50 * H) == utc(2036, 12, 19, 17)
    # 52,000 weeks (a thousand years, past 2500 where the clock folds into its 400-year cycle):
    # 2027-01-04 + 51,999 weeks + 4 days = 3023-08-08, a Friday, 18:00 CEST = 16:00Z
    assert BERLIN.add(monday, 52_000 * 50 * H) == utc(3023, 8, 8, 16)
    # and back: Mon 3023-08-11 08:00 CEST = 06:00Z is 52,000 weeks after the start
    assert BERLIN.elapsed(monday, utc(3023, 8, 11, 6)) == 52_000 * 50 * H


def test_durations_of_millennia_on_a_24x7_clock() -> None:
    always = clock("Europe/Berlin", ALWAYS)
    start = utc(2026, 1, 1)
    # 1,000,000 days after 2026-01-01 is 4763-11-29 (date arithmetic); plus 7 microseconds
    assert always.add(start, timedelta(days=1_000_000, microseconds=7)) == utc(4763, 11, 29, 0, 0, 0, 7)
    # 2026-01-01 to 3026-01-01: 1000 years of 365 days and 242 leap days
    assert always.elapsed(start, utc(3026, 1, 1)) == timedelta(days=365_242)


def test_a_deadline_past_the_year_9999_is_an_input_error() -> None:
    with pytest.raises(InputError, match="9999"):
        BERLIN.add(MONDAY_TEN, timedelta.max)
    with pytest.raises(InputError, match="9999"):
        BERLIN.add(MONDAY_TEN, timedelta(days=1_000_000))  # 24 M open hours: about 9,200 years
    with pytest.raises(InputError, match="9999"):
        WALL.add(MONDAY_TEN, timedelta(days=3_000_000))


# ---------------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize(
    "weekly", [{}, on(DAYS), {"mon": [], "sat": []}], ids=["no weekdays", "all empty", "some empty"]
)
def test_a_calendar_with_no_open_hours_is_an_input_error_naming_it(weekly: dict) -> None:
    with pytest.raises(InputError, match="calendar cal-closed has no open hours"):
        clock("Europe/Berlin", weekly, id="cal-closed")
    with pytest.raises(InputError, match="cal-closed"):
        BusinessClock.from_calendar(parse_calendar(record("Europe/Berlin", weekly, id="cal-closed")))


def test_from_record_accepts_a_parsed_calendar() -> None:
    parsed = parse_calendar(record("Europe/Berlin", on(WORKDAYS, ("08:00", "18:00")), EASTER_2026))
    assert BusinessClock.from_record(parsed).add(at(BER, 2026, 3, 2, 14), 4 * H) == utc(2026, 3, 2, 17)


@pytest.mark.parametrize(
    ("weekly", "timezone_name", "message"),
    [
        (
            {"mon": [("18:00", "08:00")]},
            "Europe/Berlin",
            "weekly.mon span 18:00-08:00 is not HH:MM to a later HH:MM",
        ),
        ({"tue": [("08:00", "24:30")]}, "Europe/Berlin", "weekly.tue span 08:00-24:30"),
        ({"wed": [("8h", "17:00")]}, "Europe/Berlin", "weekly.wed span 8h-17:00"),
        ({"mon": [("08:00", "17:00")]}, "Europe/Munich", "unknown time zone 'Europe/Munich'"),
    ],
)
def test_a_calendar_built_in_code_is_checked_too(weekly: dict, timezone_name: str, message: str) -> None:
    with pytest.raises(InputError, match=f"calendar cal-code: {message}"):
        BusinessClock.from_calendar(Calendar("cal-code", timezone_name, weekly))


def test_a_pause_without_an_end_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="pause end must be an aware datetime, not None"):
        BERLIN.elapsed(MONDAY_TEN, MONDAY_TEN + H, [(MONDAY_TEN, None)])


def test_a_bad_record_is_a_record_error() -> None:
    with pytest.raises(RecordError):
        BusinessClock.from_record(record("Europe/Berlin", {"mon": [["18:00", "08:00"]]}))


@pytest.mark.parametrize(
    "call",
    [
        lambda: BERLIN.add(datetime(2026, 3, 2, 10), H),
        lambda: BERLIN.add(datetime(2026, 3, 2, 10), timedelta(0)),
        lambda: BERLIN.elapsed(datetime(2026, 3, 2, 10), MONDAY_TEN),
        lambda: BERLIN.elapsed(MONDAY_TEN, datetime(2026, 3, 2, 12)),
        lambda: BERLIN.add(MONDAY_TEN, H, [(datetime(2026, 3, 2, 11), MONDAY_TEN + H)]),
        lambda: BERLIN.elapsed(MONDAY_TEN, MONDAY_TEN + H, [(MONDAY_TEN, datetime(2026, 3, 2, 12))]),
        lambda: WALL.add(datetime(2026, 3, 2, 10), H),
    ],
)
def test_naive_datetimes_are_refused(call) -> None:
    with pytest.raises(InputError, match="no UTC offset"):
        call()


def test_a_negative_duration_is_refused() -> None:
    with pytest.raises(InputError, match="negative"):
        BERLIN.add(MONDAY_TEN, -S)
    with pytest.raises(InputError, match="negative"):
        WALL.add(MONDAY_TEN, -US)


# ---------------------------------------------------------------------------------------------------
# Properties


CLOCKS = [
    BERLIN, NEW_YORK, SYDNEY, NIGHTS, WALL,
    clock("Europe/Berlin", ALWAYS), clock("Australia/Sydney", ALWAYS),
    clock("Europe/Berlin", {"sun": [["02:30", "05:00"]], "wed": [["09:00", "09:01"]]}),
    clock("Australia/Lord_Howe", on(DAYS, ("01:00", "03:00"), ("12:00", "24:00")), EASTER_2026),
]  # fmt: skip
ZONES = [UTC, BER, NY, SYD, timezone(timedelta(hours=5, minutes=30))]
instants = st.datetimes(datetime(2025, 12, 1), datetime(2027, 2, 1), timezones=st.sampled_from(ZONES))
durations = st.one_of(
    st.timedeltas(timedelta(0), timedelta(hours=12)), st.timedeltas(timedelta(0), timedelta(days=90))
)
pause_lists = st.lists(st.tuples(instants, instants), max_size=4)
PROPERTY = settings(derandomize=True, deadline=None, max_examples=150)


@PROPERTY
@given(st.sampled_from(CLOCKS), instants, durations, pause_lists)
def test_add_is_the_earliest_instant_with_that_much_elapsed(
    business: BusinessClock, start: datetime, duration: timedelta, pauses: list
) -> None:
    due = business.add(start, duration, pauses)
    assert due >= start
    assert business.elapsed(start, due, pauses) == duration
    if duration:
        assert business.elapsed(start, due - US, pauses) < duration


@PROPERTY
@given(st.sampled_from(CLOCKS), instants, instants, durations, durations, pause_lists)
def test_add_is_monotonic(
    business: BusinessClock, s1: datetime, s2: datetime, d1: timedelta, d2: timedelta, pauses: list
) -> None:
    s1, s2 = sorted((s1, s2))
    d1, d2 = sorted((d1, d2))
    assert business.add(s1, d1, pauses) <= business.add(s1, d2, pauses)
    assert business.add(s1, d1, pauses) <= business.add(s2, d1, pauses)


@PROPERTY
@given(st.sampled_from(CLOCKS), instants, instants, instants, pause_lists)
def test_elapsed_is_additive_and_bounded(
    business: BusinessClock, a: datetime, b: datetime, c: datetime, pauses: list
) -> None:
    a, b, c = sorted((a, b, c))
    ab, bc = business.elapsed(a, b, pauses), business.elapsed(b, c, pauses)
    assert ab + bc == business.elapsed(a, c, pauses)
    # Real time between a and b: two datetimes in the same zone subtract as wall times in Python.
    assert timedelta(0) <= ab <= business.elapsed(a, b) <= b.astimezone(UTC) - a.astimezone(UTC)
    assert business.elapsed(c, a, pauses) == timedelta(0)


# A minute-by-minute reference on small random calendars. It is slow and obviously right: a minute
# counts when a span of its local day (or of the day before, for 24:00) holds it and no pause does,
# each span read the way the clock is specified to read it (datetime with tzinfo, fold=0).

REFERENCE_ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
]
DST_DAYS = [date(2026, 3, 8), date(2026, 3, 29), date(2026, 4, 5), date(2026, 10, 4), date(2026, 10, 25),
            date(2026, 11, 1), date(2026, 6, 15)]  # fmt: skip
WINDOW = timedelta(days=6)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def minute_of(moment: datetime) -> int:
    return (moment - EPOCH) // M


@st.composite
def small_calendars(draw: st.DrawFn) -> tuple[dict, date]:
    """A calendar of 0-2 random spans a day (overlapping, touching, up to 24:00) in a zone with DST or a
    half-hour offset, a few holidays, and the day around which to test it."""
    times = st.builds(lambda half_hours, extra: min(half_hours * 30 + extra, 1440), st.integers(0, 48),
                      st.sampled_from([0, 7]))  # fmt: skip
    weekly = {}
    for day in DAYS:
        spans = (sorted((draw(times), draw(times))) for _ in range(draw(st.integers(0, 2))))
        weekly[day] = [
            [f"{a // 60:02d}:{a % 60:02d}", f"{b // 60:02d}:{b % 60:02d}"] for a, b in spans if a < b
        ]
    if not any(weekly.values()):
        weekly["mon"] = [["09:00", "17:00"]]
    around = draw(st.sampled_from(DST_DAYS))
    holidays = draw(st.lists(st.integers(-3, 9).map(lambda n: str(around + timedelta(days=n))), max_size=3))
    return record(draw(st.sampled_from(REFERENCE_ZONES)), weekly, tuple(holidays)), around


def reference_open_minutes(calendar: dict, start: datetime, end: datetime) -> set[int]:
    """The minutes (since the epoch) that some span of some local day holds."""
    tz = ZoneInfo(calendar["timezone"])
    minutes: set[int] = set()
    day = start.astimezone(tz).date() - timedelta(days=2)
    while day <= end.astimezone(tz).date() + timedelta(days=1):
        if str(day) not in calendar["holidays"]:
            for a, b in calendar["weekly"][DAYS[day.weekday()]]:
                open_at = datetime(day.year, day.month, day.day, *map(int, a.split(":")), tzinfo=tz)
                close_day, close_clock = (day + timedelta(days=1), "00:00") if b == "24:00" else (day, b)
                close_at = datetime(close_day.year, close_day.month, close_day.day, *map(int, close_clock.split(":")),
                                    tzinfo=tz)  # fmt: skip
                minutes.update(range(minute_of(open_at), minute_of(close_at)))
        day += timedelta(days=1)
    return minutes


def reference_minutes(calendar: dict, start: datetime, end: datetime, pauses: list) -> list[int]:
    """The counted minutes in [start, end), in order: open and in no pause."""
    open_minutes = reference_open_minutes(calendar, start, end)
    paused = [(minute_of(a), minute_of(b)) for a, b in pauses]
    return [
        minute
        for minute in range(minute_of(start), minute_of(end))
        if minute in open_minutes and not any(a <= minute < b for a, b in paused)
    ]


@settings(derandomize=True, deadline=None, max_examples=120)
@given(small_calendars(), st.data())
def test_against_a_minute_by_minute_reference(
    calendar_around: tuple[dict, date], data: st.DataObject
) -> None:
    calendar, around = calendar_around
    base = datetime.combine(around - timedelta(days=2), datetime.min.time(), UTC)
    minute_in = st.integers(0, 4 * 24 * 60).map(lambda n: base + n * M)
    start = data.draw(minute_in)
    end = start + data.draw(st.integers(0, 2 * 24 * 60)) * M
    pauses = data.draw(st.lists(st.tuples(minute_in, minute_in), max_size=3))
    business = BusinessClock.from_record(calendar)
    counted = reference_minutes(calendar, start, start + WINDOW, pauses)
    assert business.elapsed(start, end, pauses) == sum(1 for m in counted if m < minute_of(end)) * M
    need = data.draw(st.integers(0, 600))
    due = business.add(start, need * M, pauses)
    if need == 0:
        assert due == start
    elif need <= len(counted):
        assert due == EPOCH + (counted[need - 1] + 1) * M  # the end of the minute that completes the budget
    else:
        assert due > start + WINDOW
