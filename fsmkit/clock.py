"""Business-time arithmetic: open time on a calendar's weekly hours, in its zone, minus holidays and pauses.

A `BusinessClock` answers two questions exactly (DESIGN.md "Clock", "Durations"; docs/clock.md):

* `elapsed(start, end, pauses)`: the open, unpaused time in [start, end); zero when end <= start.
* `add(start, duration, pauses)`: the earliest instant t >= start with elapsed(start, t) == duration, so
  a budget used up exactly at closing time is that closing time, a start outside open hours begins
  counting at the next opening, and add(start, 0) == start wherever start is.

Open time is a set of instants. Each weekly span ("08:00"-"18:00"; "24:00" is 00:00 of the next day) of
each local day that is not a holiday becomes the interval [datetime(y, m, d, h, mi, tzinfo=zone), ...)
with zoneinfo's default fold=0, and the real time inside it counts: a local day from 00:00 to 24:00 lasts
23 hours on a spring-forward day. fold=0 puts a local time that does not exist (in a spring-forward gap)
one gap later (02:30 in Berlin on 2026-03-29 is 03:30 CEST) and an ambiguous one (in a fall-back
repeat) at its first occurrence (02:30 on 2026-10-25 is 02:30 CEST). Pauses remove only the open time
inside them; the wall clock (`BusinessClock.wall()`) counts all time, minus pauses.

Speed: the clock keeps, per calendar, one sorted array of open intervals (as timedeltas since the Unix
epoch) with the open time accumulated before each one (a "position"), built lazily one UTC year at a
time, so add and elapsed are a bisect and a subtraction whatever the duration. From 2100 (or the year
after the last holiday) zoneinfo's offsets follow the zone's POSIX rule, which repeats with the
Gregorian calendar every 400 years, so open time does too: instants further out are folded back into
one 400-year cycle by arithmetic, and durations of thousands of years cost no more than building that
cycle once. Instants and durations stay timedeltas, which are exact integer microseconds: no float
ever touches one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fsmkit.errors import InputError
from fsmkit.model import WEEKDAYS, Calendar, format_duration, parse_calendar, zone

Pauses = Iterable[tuple[datetime, datetime]]

# Inside the clock an instant is the timedelta since the Unix epoch: exact, and compared, added and
# subtracted in C. A position (open time from the clock's origin) is a timedelta too.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_ZERO = timedelta(0)
_TICK = timedelta(microseconds=1)
_CYCLE = timedelta(days=146_097)  # 400 Gregorian years: weekdays, dates and POSIX DST rules all repeat
_RULES_FROM = 2100  # from here on zoneinfo derives offsets from the zone's rule, never from its table
_FIRST_YEAR, _LAST_YEAR = 2, 9998  # UTC years a calendar can be built for (their local days exist)


def local_midnight(day: date, tz_name: str) -> datetime:
    """00:00 of `day` in zone `tz_name`, aware (DESIGN.md "Dates as instants").

    Where midnight falls in a spring-forward gap (America/Santiago, 2026-09-06), the instant is the one
    zoneinfo's fold=0 gives, as for every local time the clock converts, and it is returned as the real
    local time it is (01:00 -03:00 there), never as a nonexistent one, which Python would compare as
    unequal to every other datetime.
    """
    tz = zone(tz_name)
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC).astimezone(tz)


def _year_start(year: int) -> timedelta:
    """00:00 UTC on 1 January of `year` (any year, proleptic Gregorian) as an instant."""
    before = year - 1
    return timedelta(days=before * 365 + before // 4 - before // 100 + before // 400 + 1 - _EPOCH_ORDINAL)


def _instant(moment: datetime, what: str) -> timedelta:
    try:
        return moment - _EPOCH
    except TypeError:
        if not isinstance(moment, datetime):
            raise TypeError(f"{what} must be an aware datetime, not {moment!r}") from None
        raise InputError(
            f"{what} {moment.isoformat()} has no UTC offset; the clock needs aware datetimes"
        ) from None


def _merged_pauses(pauses: Pauses) -> list[tuple[timedelta, timedelta]]:
    """Pauses as sorted, disjoint instants; empty ones (end <= start) dropped, overlapping ones merged."""
    spans = sorted((_instant(start, "pause start"), _instant(end, "pause end")) for start, end in pauses)
    merged: list[tuple[timedelta, timedelta]] = []
    for start, end in spans:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _span(calendar_id: str, day: str, start: str, end: str) -> tuple[int, int]:
    """A weekly span as minutes of the local day (24:00 is 1440); one that does not end after it
    starts is an InputError (parse_calendar refuses it too; this guards Calendars built in code)."""
    try:
        (h1, m1), (h2, m2) = (map(int, text.split(":")) for text in (start, end))
    except ValueError:
        h1 = m1 = h2 = m2 = -1
    first, last = h1 * 60 + m1, h2 * 60 + m2
    if not (0 <= m1 < 60 and 0 <= m2 < 60 and 0 <= first < last <= 1440):
        raise InputError(
            f"calendar {calendar_id}: weekly.{day} span {start}-{end} is not HH:MM to a later HH:MM"
        )
    return first, last


class BusinessClock:
    """Open time of one calendar: `add` and `elapsed`, exact to the microsecond, pauses honoured."""

    def __init__(
        self, calendar_id: str, tz: ZoneInfo, weekly: list[list[tuple[int, int]]], holidays: frozenset[int]
    ) -> None:
        """Prefer `from_record`, `from_calendar` or `wall`. `weekly[i]` are weekday i's spans in minutes
        of the local day (Monday first; an end of 1440 is 24:00); `holidays` are date ordinals."""
        self.calendar_id: str | None = calendar_id
        self._zone = tz
        self._weekly = weekly
        self._holidays = holidays
        # Open intervals [starts[i], ends[i]), sorted and disjoint, of the UTC years built so far,
        # [first_year, next_year), whose instants are [lo, hi]; positions[i] is the open time before
        # starts[i] counted from an arbitrary origin, position_ends[i] the open time before ends[i].
        # Each year begins with an interval at its first instant (empty, unless open then).
        self._starts: list[timedelta] = []
        self._ends: list[timedelta] = []
        self._positions: list[timedelta] = []
        self._position_ends: list[timedelta] = []
        self._first_year = self._next_year = 0
        self._lo, self._hi = _ZERO, -_CYCLE  # nothing built yet: no instant is inside
        last_holiday = date.fromordinal(max(holidays)).year if holidays else 0
        self._cycle_start = _year_start(max(_RULES_FROM, last_holiday + 2))
        self._cycle_end = self._cycle_start + _CYCLE
        self._cycle_open: timedelta | None = None

    # -- construction -----------------------------------------------------------------------------

    @classmethod
    def from_record(cls, record: dict | Calendar) -> BusinessClock:
        """The clock of a canonical calendar record (a JSON object, validated here) or a parsed Calendar.

        Raises RecordError for a record that does not fit its schema, InputError for a calendar with no
        open hours.
        """
        return cls.from_calendar(record if isinstance(record, Calendar) else parse_calendar(record))

    @classmethod
    def from_calendar(cls, calendar: Calendar) -> BusinessClock:
        """The clock of a parsed Calendar; a calendar with no weekly open hours is an InputError naming it."""
        try:
            tz = zone(calendar.timezone)
        except ValueError as exc:
            raise InputError(f"calendar {calendar.id}: {exc}") from None
        weekly = [
            [_span(calendar.id, day, a, b) for a, b in calendar.weekly.get(day) or ()] for day in WEEKDAYS
        ]
        if not any(weekly):
            raise InputError(
                f"calendar {calendar.id} has no open hours: every weekday is empty, so no deadline could "
                'ever fall due; give it spans such as "mon": [["08:00", "17:00"]]'
            )
        return cls(calendar.id, tz, weekly, frozenset(d.toordinal() for d in calendar.holidays))

    @classmethod
    def wall(cls) -> BusinessClock:
        """The wall clock: all time counts (pauses still do not)."""
        return _WALL

    # -- the two questions ------------------------------------------------------------------------

    def elapsed(self, start: datetime, end: datetime, pauses: Pauses = ()) -> timedelta:
        """The open time in [start, end) outside every pause; zero when end <= start, never negative.

        start, end and the pause bounds must be aware (a naive one is an InputError); pauses may overlap
        each other or closed hours, and a pause whose end is not after its start is empty.
        """
        a, b = _instant(start, "start"), _instant(end, "end")
        merged = _merged_pauses(pauses) if pauses else ()
        if b <= a:
            return _ZERO
        total = self._position(b) - self._position(a)
        for pause_start, pause_end in merged:
            lo, hi = max(pause_start, a), min(pause_end, b)
            if hi > lo:
                total -= self._position(hi) - self._position(lo)
        return total

    def add(self, start: datetime, duration: timedelta, pauses: Pauses = ()) -> datetime:
        """The earliest instant t >= start with elapsed(start, t, pauses) == duration, as a UTC datetime.

        A start outside open hours (or in a pause) counts from the next opening (or the pause's end); a
        budget used up exactly at closing time gives that closing time; add(start, 0) == start. A
        negative duration, a naive datetime, or a deadline after the year 9999 is an InputError.
        """
        current = _instant(start, "start")
        if duration <= _ZERO:
            if duration:
                raise InputError(f"duration {format_duration(duration)} is negative")
            return _EPOCH + current
        need = duration
        if pauses:
            current, need = self._through_pauses(current, need, _merged_pauses(pauses))
        try:
            deadline = self._at(self._position(current) + need)
            return _EPOCH + (deadline if deadline > current else current)
        except OverflowError:
            raise InputError(
                f"{format_duration(duration)} after {start.isoformat()} falls after the year 9999"
            ) from None

    def _through_pauses(
        self, current: timedelta, need: timedelta, pauses: list[tuple[timedelta, timedelta]]
    ) -> tuple[timedelta, timedelta]:
        """Walk `need` of open time from `current` past the (merged) pauses: the instant after the last
        pause that `need` outlasts, and the open time still needed from there."""
        for pause_start, pause_end in pauses:
            if pause_end <= current:
                continue
            if pause_start > current:
                before_pause = self._position(pause_start) - self._position(current)
                if need <= before_pause:
                    break
                need -= before_pause
            current = pause_end
        return current, need

    # -- positions: the open time from the origin to an instant, and back -----------------------

    def _position(self, t: timedelta) -> timedelta:
        """The open time before instant t, from this clock's origin."""
        if not self._lo <= t <= self._hi:
            return self._position_outside(t)
        i = bisect_right(self._starts, t) - 1
        if t >= self._ends[i]:
            return self._position_ends[i]
        return self._positions[i] + (t - self._starts[i])

    def _position_outside(self, t: timedelta) -> timedelta:
        """_position of an instant outside the years built: fold it into the 400-year cycle, or build."""
        if t >= self._cycle_end:
            cycles = (t - self._cycle_start) // _CYCLE
            return self._position(t - cycles * _CYCLE) + cycles * self._open_per_cycle()
        self._cover(t)
        return self._position(t)

    def _at(self, position: timedelta) -> timedelta:
        """The earliest instant whose position is `position` (not before the first instant built)."""
        while position > self._position_ends[-1]:
            if self._hi == self._cycle_end:
                base = self._position(self._cycle_start)
                cycles = (position - base - _TICK) // self._open_per_cycle()
                return self._at(position - cycles * self._open_per_cycle()) + cycles * _CYCLE
            self._append()
        i = bisect_left(self._position_ends, position)
        return self._starts[i] + (position - self._positions[i])

    def _open_per_cycle(self) -> timedelta:
        """The open time in the 400 years from `_cycle_start` (built the first time it is asked for)."""
        if self._cycle_open is None:
            self._cover(self._cycle_end - _TICK)  # builds up to _cycle_end exactly: it starts a year
            self._cycle_open = self._position_ends[-1] - self._position(self._cycle_start)
        return self._cycle_open

    # -- building the interval array, one UTC year at a time -----------------------------------

    def _cover(self, t: timedelta) -> None:
        """Build whole UTC years onto the array until [_lo, _hi] holds instant t."""
        if not self._starts:
            ordinal = min(max(_EPOCH_ORDINAL + t.days, 1), date.max.toordinal())
            self._first_year = self._next_year = date.fromordinal(ordinal).year
            self._lo = _year_start(self._first_year)
            self._append()
        while t > self._hi:
            self._append()
        while t < self._lo:
            self._prepend()

    def _append(self) -> None:
        position = self._position_ends[-1] if self._position_ends else _ZERO
        for start, end in self._year(self._next_year):
            self._starts.append(start)
            self._ends.append(end)
            self._positions.append(position)
            position += end - start
            self._position_ends.append(position)
        self._next_year += 1
        self._hi = _year_start(self._next_year)

    def _prepend(self) -> None:
        self._first_year -= 1
        intervals = self._year(self._first_year)
        position = self._positions[0] - sum((end - start for start, end in intervals), _ZERO)
        positions, position_ends = [], []
        for start, end in intervals:
            positions.append(position)
            position += end - start
            position_ends.append(position)
        self._starts[:0] = [start for start, _ in intervals]
        self._ends[:0] = [end for _, end in intervals]
        self._positions[:0] = positions
        self._position_ends[:0] = position_ends
        self._lo = _year_start(self._first_year)

    def _year(self, year: int) -> list[tuple[timedelta, timedelta]]:
        """Open intervals of UTC year `year`, merged and clipped to it, led by one at its first instant."""
        if not _FIRST_YEAR <= year <= _LAST_YEAR:
            raise InputError(f"calendar {self.calendar_id}: the year {year} is out of the clock's range")
        lo, hi = _year_start(year), _year_start(year + 1)
        spans = []
        for ordinal in range(date(year - 1, 12, 31).toordinal(), date(year + 1, 1, 1).toordinal() + 1):
            if ordinal in self._holidays:
                continue
            day = date.fromordinal(ordinal)
            spans.extend((self._local(day, a), self._local(day, b)) for a, b in self._weekly[day.weekday()])
        merged = [(lo, lo)]
        for start, end in sorted(spans):
            start, end = max(start, lo), min(end, hi)
            if end <= start:
                continue
            if start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    def _local(self, day: date, minute: int) -> timedelta:
        """The instant of local wall time `minute` (1440 is 24:00) on `day`, resolved with fold=0."""
        day += timedelta(days=minute // 1440)
        return (
            datetime(day.year, day.month, day.day, minute % 1440 // 60, minute % 60, tzinfo=self._zone)
            - _EPOCH
        )


class _WallClock(BusinessClock):
    """All time is open: an instant's position is the instant itself."""

    def __init__(self) -> None:
        self.calendar_id = None

    def _position(self, t: timedelta) -> timedelta:
        return t

    def _at(self, position: timedelta) -> timedelta:
        return position


_WALL = _WallClock()
