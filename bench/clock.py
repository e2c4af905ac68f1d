"""Benchmark: fsmkit's business clock against pandas' CustomBusinessHour, per call of add and elapsed.

    python bench/clock.py --calls 20000

Needs pandas (the `bench` extra: pip install 'fsmkit[bench]'). One calendar, Europe/Berlin Mon-Fri
08:00-18:00 with the German national holidays of 2026 (and New Year 2027, where December deadlines
land); --calls seeded random starts over 2026 (whole minutes, as aware datetimes parsed from ISO text
with an offset, the way records arrive), each with a duration of 1 to 300 business hours
(CustomBusinessHour's n counts whole hours) and an end up to 60 days later.

pandas runs on tz-aware Timestamps in Europe/Berlin (the same instants), with one offset per duration
built before timing, so only `timestamp + offset` is timed; a second row gives tz-naive local times,
pandas' fastest case. pandas has no elapsed for business hours: its side is the usual idiom, both ends
rolled forward into business hours, numpy.busday_count on the offset's calendar for the whole days and
the time-of-day difference for the rest. fsmkit runs warm (the year already built); building a year
is timed on its own. Each side runs --repeat times, alternating, best run reported. Target: fsmkit at
least 30x faster on both add and elapsed.

Agreement: every deadline and every elapsed time of the two is compared. The only expected difference:
a budget used up exactly at closing time is 18:00 in fsmkit (DESIGN.md, as Frappe Helpdesk, ERPNext,
Zammad and biz) and the next opening in pandas; the benchmark checks that both are the same amount of
business time after the start.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from fsmkit.clock import BusinessClock

ZONE = "Europe/Berlin"
HOLIDAYS = [
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-10-03",
    "2026-12-25", "2026-12-26", "2027-01-01",
]  # fmt: skip
HOURS = [["08:00", "18:00"]]
CALENDAR = {
    "id": "bench-berlin",
    "timezone": ZONE,
    "weekly": {"mon": HOURS, "tue": HOURS, "wed": HOURS, "thu": HOURS, "fri": HOURS, "sat": [], "sun": []},
    "holidays": HOLIDAYS,
}
DAY_OPEN = pd.Timedelta(hours=10)


def inputs(calls: int, seed: int) -> tuple[list[datetime], list[int], list[datetime]]:
    """Starts (aware, fixed offsets as parsed from records), durations in hours, and ends."""
    rng = random.Random(seed)
    year_start = pd.Timestamp("2026-01-01", tz=ZONE)
    minutes_in_year = 365 * 24 * 60
    starts, hours, ends = [], [], []
    for _ in range(calls):
        start = year_start + pd.Timedelta(minutes=rng.randrange(minutes_in_year))
        starts.append(datetime.fromisoformat(start.isoformat()))
        hours.append(rng.randint(1, 300))
        ends.append(starts[-1] + timedelta(minutes=rng.randrange(60 * 24 * 60)))
    return starts, hours, ends


def pandas_elapsed(offset: pd.offsets.CustomBusinessHour, a: pd.Timestamp, b: pd.Timestamp) -> pd.Timedelta:
    """Business time in [a, b) with pandas: roll both ends into business hours, count whole days with
    numpy.busday_count on the offset's own calendar, add the difference in time of day."""
    a, b = offset.rollforward(a), offset.rollforward(b)
    if b <= a:
        return pd.Timedelta(0)
    days = int(np.busday_count(a.date(), b.date(), busdaycal=offset.calendar))
    return DAY_OPEN * days + ((b - b.normalize()) - (a - a.normalize()))


def timed(function: Callable[[], list], calls: int) -> tuple[float, list]:
    start = time.perf_counter()
    results = function()
    return (time.perf_counter() - start) / calls * 1e6, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    starts, hours, ends = inputs(args.calls, args.seed)
    durations = [timedelta(hours=h) for h in hours]
    offsets = {
        h: pd.offsets.CustomBusinessHour(n=h, start="08:00", end="18:00", holidays=HOLIDAYS) for h in hours
    }
    one_hour = pd.offsets.CustomBusinessHour(start="08:00", end="18:00", holidays=HOLIDAYS)
    aware = (
        [pd.Timestamp(s).tz_convert(ZONE) for s in starts],
        [pd.Timestamp(e).tz_convert(ZONE) for e in ends],
    )
    naive = ([s.tz_localize(None) for s in aware[0]], [e.tz_localize(None) for e in aware[1]])

    BusinessClock.from_record(CALENDAR)  # load the zone and compile the schema validator once
    build_start = time.perf_counter()
    clock = BusinessClock.from_record(CALENDAR)
    record_ms = (time.perf_counter() - build_start) * 1e3
    clock.elapsed(starts[0], starts[0] + timedelta(microseconds=1))
    build_ms = (time.perf_counter() - build_start) * 1e3 - record_ms
    clock.elapsed(starts[0], starts[0] + timedelta(days=800))  # warm: every year the inputs reach

    def pandas_elapsed_all(starts_and_ends: tuple[list, list]) -> list:
        return [pandas_elapsed(one_hour, s, e) for s, e in zip(*starts_and_ends, strict=True)]

    runs: dict[str, Callable[[], list]] = {
        "fsmkit add": lambda: [clock.add(s, d) for s, d in zip(starts, durations, strict=True)],
        "pandas add (aware)": lambda: [s + offsets[h] for s, h in zip(aware[0], hours, strict=True)],
        "pandas add (naive local)": lambda: [s + offsets[h] for s, h in zip(naive[0], hours, strict=True)],
        "fsmkit elapsed": lambda: [clock.elapsed(s, e) for s, e in zip(starts, ends, strict=True)],
        "pandas elapsed (aware)": lambda: pandas_elapsed_all(aware),
        "pandas elapsed (naive local)": lambda: pandas_elapsed_all(naive),
    }
    best: dict[str, float] = {}
    results: dict[str, list] = {}
    for _ in range(args.repeat):
        for name, run in runs.items():
            per_call, results[name] = timed(run, args.calls)
            best[name] = min(best.get(name, per_call), per_call)

    same_deadline = closing_rule = other = 0
    for ours, theirs in zip(results["fsmkit add"], results["pandas add (aware)"], strict=True):
        theirs = theirs.to_pydatetime()
        if ours == theirs:
            same_deadline += 1
        elif ours.astimezone(theirs.tzinfo).hour == 18 and clock.elapsed(ours, theirs) == timedelta(0):
            closing_rule += 1
        else:
            other += 1
    same_elapsed = sum(
        pd.Timedelta(ours) == theirs
        for ours, theirs in zip(results["fsmkit elapsed"], results["pandas elapsed (aware)"], strict=True)
    )

    print(f"calls: {args.calls:,} (seed {args.seed}), best of {args.repeat}; {ZONE} Mon-Fri 08:00-18:00")
    print(f"fsmkit: from_record {record_ms:.2f} ms, then building a year on the first call {build_ms:.2f} ms")
    for kind in ("add", "elapsed"):
        ours = best[f"fsmkit {kind}"]
        print(f"{kind}: fsmkit {ours:.2f} us/call")
        for variant in ("aware", "naive local"):
            theirs = best[f"pandas {kind} ({variant})"]
            print(f"  pandas ({variant}) {theirs:.1f} us/call, ratio {theirs / ours:.1f}x (target >= 30x)")
    print(f"agreement add: {same_deadline:,} same instant; {closing_rule:,} closing time in fsmkit, next")
    print(f"  opening in pandas (the same business time after the start); {other:,} other")
    print(f"agreement elapsed: {same_elapsed:,} of {args.calls:,} equal")


if __name__ == "__main__":
    main()
