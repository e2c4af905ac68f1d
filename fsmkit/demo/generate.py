"""Generate the built-in demo dataset: `python -m fsmkit.demo.generate [--out DIR]`.

Northwind Cooling Service, a commercial refrigeration and HVAC service company, over twelve months:
2025-11-01 (local) to AS_OF = 2026-10-30T16:00:00Z, a Friday (17:00 in Berlin, 16:00 in London, 12:00 in
New York, 11:00 in Chicago, 03:00 on Saturday in Sydney). Nothing in the data happens after AS_OF.

The output is deterministic byte for byte: one `random.Random(SEED)` consumed in a fixed order, no clock,
no set iteration, fixed record and file order. tests/test_demo.py checks that a fresh run reproduces the
committed files in fsmkit/demo/data/; after changing this module, run it and commit the data with it.

Shape. 12 accounts in 5 time zones (Europe/Berlin, Europe/London, America/New_York, America/Chicago,
Australia/Sydney, whose DST changes on 2026-04-05 and 2026-10-04 fall inside the year); 87 assets of 6
models on 21 sites; 8 calendars (24x7 in UTC, business hours per zone with public holidays, the London one
with a Saturday half day); 12 contracts in three tiers:
  gold    24x7 calendar: response P1 PT4H, P2 PT8H; resolution P1 PT24H, P2 PT48H (pausable); arrival
          grace PT15M; pm_interval P90D (wall). CON-005 counts on a business clock over the 24x7 calendar.
  silver  Mon-Fri 08:00-18:00 local with holidays: response P1 PT4H, P2-P3 PT8H; resolution P1-P3 PT16H
          (pausable); arrival grace PT30M; pm_interval P90D (wall).
  bronze  Mon-Fri 08:00-17:00 local (London also Saturday 09:00-13:00): response PT16H, resolution PT40H
          (pausable), arrival grace PT60M; no PM.
About 540 work orders: quarterly PM of every asset on a PM contract (one visit per site, one work order per
asset), corrective calls, a few installs and other jobs; 24 knowledge articles. Failure rates are those of
a real fleet (under 2 calls per unit-year for healthy models) rather than a target volume, so that the
planted stories stand out: a healthy asset never fails twice within 46 days by chance, so its only repeat
failures and callbacks are planted. About one corrective call in eight carries no contract_id (the
platform did not link it; contract matching by date finds it).

Ids. Accounts ACC-NNN, assets AST-NNNN, contracts CON-NNN, knowledge KB-NNNN. Work orders are numbered in
file order, sorted by (opened_at, ...): id wo-NNNNNN, number WO00NNNNN, visits <wo id>-vN. The planted
work orders are pinned in STORY_WORK_ORDERS and checked on every run, so a change that moves them fails
loudly (update the constants and this docstring).

Planted stories
---------------
repeats (since = AS_OF - 365 days; every work order is inside)
* model_defect_suspect: FLAWED_MODEL "ArcticFlow CU-7", failure code COMP-RELAY. 10 units at 5 accounts
  (ACC-001 x3, ACC-004 x2, ACC-007 x2, ACC-009, ACC-010 x2) fail about 7 times per unit-year against under 2
  for the other models: flagged (rate ratio about 4, p below 1e-15). Most CU-7 units are repeat_failure
  assets and nearly all callbacks are on them. KB-0001 is the service bulletin with the lasting fix.
* NOT flagged, the noisy small model: NOISY_MODEL "ChillPro WCC-900", chillers AST-0043 and AST-0044 at
  ACC-005, installed 2026-07-01 (install wo-000319, wo-000320), 4 failures (wo-000381, wo-000412, wo-000440,
  wo-000467): rate ratio above 2, but fewer than 5 failures and p about 0.08. No contract_id, so no PM.
* repeat_failure with callbacks: REPEAT_ASSET AST-0021 (ACC-002 central kitchen walk-in), 4 corrective WOs
  in 70 days: wo-000151; wo-000174, a callback 6 days after that fix, by the same technician (Lukas
  Hoffmann); wo-000210, a callback 23 days after the previous fix, by another technician; wo-000245, 38
  days later (not a callback). ACC-002's complaints follow them.
* repeat_failure on the window edge: REPEAT_EDGE_ASSET AST-0025 (ACC-003 rooftop unit): wo-000206,
  wo-000249, wo-000318; the third is opened exactly 90 days after the first (2026-03-10T10:00+01:00 and
  2026-06-08T11:00+02:00, across the EU DST change): flagged, the window is inclusive. No callbacks.
* NOT a repeat_failure: NEAR_MISS_ASSET AST-0078 (ACC-010 ice machine): wo-000274, wo-000332, wo-000411
  span 90 days and 1 minute; wo-000304 between them is cancelled and must be ignored (counting it would
  make 3 in 42 days and a callback).
* callback on a healthy model: CALLBACK_ASSET AST-0045 (ACC-006, bronze): wo-000468 opened 29 days after
  wo-000443 was resolved, same technician (Diego Alvarez).
* NOT a callback: OVERLAP_ASSET AST-0033 (ACC-004): wo-000433 was opened while wo-000432 was still
  unresolved (awaiting parts).
* repeat_account: ACC-002 (AST-0021), ACC-003 (AST-0025), ACC-006 (AST-0045) and the CU-7 accounts.

audit: open at AS_OF
* P1 overdue: wo-000532 (ACC-005 gold, AST-0041), opened 2026-10-30T06:10-04:00, nobody on site: response
  due 10:10-04:00, breached by 110 minutes (critical); its visit's window ends at AS_OF, so the arrival is
  still pending (due 12:15-04:00); resolution pending.
* at_risk: wo-000529 (ACC-004 silver, AST-0039, P2), opened Thursday 2026-10-29T14:30-04:00: 450 of its
  480 business minutes used, 30 left.
* pending: wo-000535 (ACC-008 gold, P1, opened 01:30 on Saturday in Sydney, 150 minutes left) and
  wo-000531 (ACC-012 bronze, opened Friday 15:20 in Sydney; the clock resumes on Monday).
* running pause: wo-000533 (ACC-001, AST-0013) awaits parts since 16:10 local, pause end null; response
  met, resolution pending.
* technician on site: wo-000534 (ACC-010, AST-0080), arrived, not departed ("In Progress").
* pm_due_on_site: PM_DUE_SITE "Hansa Frischmarkt Charlottenburg" (AST-0011..AST-0015): last PM 2026-08-11,
  due 2026-11-09 (at_risk) while wo-000533 is open there. Also "Riverside Grocers - Hoboken" (AST-0037..0039,
  due 2026-11-11) with wo-000529 open.
* pm_interval overdue: PM_OVERDUE_ASSET AST-0029 (ACC-003): last PM 2026-07-14, due 2026-10-12; its PM of
  2026-10-08 failed for no access and wo-000478 is on hold (pause "Awaiting Customer" still running).
audit: closed work
* P1 breached twice: wo-000109 (ACC-002 gold, AST-0017), opened 02:10 on a Saturday: first arrival after
  4h55m (response breached by 55 minutes), resolved after 32h10m without a pause (resolution breached).
* holidays and DST: wo-000218 (ACC-007, contract_id null, matched by date to CON-007 silver) opened Thursday
  2026-04-02T16:30+11:00; its PT8H business response runs over Good Friday, the weekend on which Sydney's
  DST ends and Easter Monday, due Tuesday 2026-04-07T14:30+10:00; arrival 10:15: met (a calendar without
  those holidays would call it breached). wo-000091 (ACC-003 silver) opened on Christmas Day at 19:40; the
  technician came on Boxing Day, before the business clock even started: met.
* arrival: wo-000457 (ACC-009 bronze) arrived 80 minutes after window end + grace, with no parts (and a
  complaint); wo-000354 (ACC-004) 22 minutes late; wo-000339 (ACC-002) early, before its window: met.
* no-show: wo-000335 (ACC-006 bronze): first visit never arrived (breached no-show), second visit next
  day; response breached by 45 business minutes. Complaint follows.
* remote fix: wo-000286 (ACC-008) resolved by phone with no visit; response actual_at = resolved_at.
* coverage: NO_CONTRACT_ACCOUNT ACC-011 has no contract; all its work orders (e.g. wo-000199, the quote
  wo-000313) are not covered.
* contract_ending: ENDING_CONTRACTS CON-002 (ends 2026-10-31), CON-006 (2026-12-31), CON-010 (2027-01-15)
  lapse within 90 days after AS_OF; NOT_ENDING_CONTRACT CON-009 (2027-01-31) lapses just after. Renewal:
  RENEWED_ACCOUNT ACC-007's silver CON-007 ended 2026-05-31 and gold CON-013 started 2026-06-01.
* Random work adds the expected noise: about 15% of responses breached, a few late PM quarters, some
  no-shows and late arrivals.
assets and accounts (for brief)
* installed_on unknown: AST-0053, AST-0083, AST-0085; past expected life: AST-0016, AST-0028, AST-0071;
  warranty ending within 90 days: AST-0032, AST-0052, AST-0079 (CU-7), AST-0056.
* Complaints (score 1-2) cluster on the accounts with repeat failures (ACC-001, ACC-002, ACC-004, ACC-006,
  ACC-007, ACC-009); praise (4-5) is spread over most accounts.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fsmkit.demo import AS_OF as AS_OF_TEXT
from fsmkit.demo import DATA_DIR

SEED = 20261030
AS_OF = datetime.fromisoformat(AS_OF_TEXT)
FIRST_DAY = date(2025, 11, 1)  # the dataset covers FIRST_DAY (local) .. AS_OF
FILES = ("accounts", "assets", "calendars", "contracts", "work_orders", "knowledge")

# ------------------------------------------------------------------------------------------------
# Story constants: the ids that carry each planted story (see the module docstring).

FLAWED_MODEL = "ArcticFlow CU-7"
FLAWED_FAILURE_CODE = "COMP-RELAY"
NOISY_MODEL = "ChillPro WCC-900"
NO_CONTRACT_ACCOUNT = "ACC-011"
RENEWED_ACCOUNT = "ACC-007"  # CON-007 (silver) ended 2026-05-31, CON-013 (gold) from 2026-06-01
ENDING_CONTRACTS = ("CON-002", "CON-006", "CON-010")  # lapse within 90 days after AS_OF
NOT_ENDING_CONTRACT = "CON-009"  # lapses 2027-02-01, just outside the 90 days

REPEAT_ASSET = "AST-0021"  # 4 corrective WOs in 70 days, two of them callbacks
REPEAT_EDGE_ASSET = "AST-0025"  # 3 corrective WOs, last - first == exactly 90 days
NEAR_MISS_ASSET = "AST-0078"  # 3 corrective WOs spanning 90 days + 1 minute, and a cancelled one
CALLBACK_ASSET = "AST-0045"  # callback 29 days after the first fix
OVERLAP_ASSET = "AST-0033"  # second WO opened while the first was unresolved: not a callback
PM_DUE_SITE = "Hansa Frischmarkt Charlottenburg"  # last PM 2026-08-11, due 2026-11-09
PM_DUE_SITE_ASSETS = ("AST-0011", "AST-0012", "AST-0013", "AST-0014", "AST-0015")
PM_OVERDUE_ASSET = "AST-0029"  # last PM 2026-07-14, due 2026-10-12, skipped on 2026-10-08

# work-order story key -> id; ids are numbered by (opened_at, ...) and checked on every run
STORY_WORK_ORDERS = {
    "holiday": "wo-000091",
    "p1-breach": "wo-000109",
    "repeat-1": "wo-000151",
    "install-AST-0015": "wo-000152",
    "repeat-2-callback": "wo-000174",
    "not-covered": "wo-000199",
    "edge-1": "wo-000206",
    "repeat-3-callback": "wo-000210",
    "easter-dst": "wo-000218",
    "repeat-4": "wo-000245",
    "edge-2": "wo-000249",
    "near-1": "wo-000274",
    "remote-fix": "wo-000286",
    "near-cancelled": "wo-000304",
    "not-covered-quote": "wo-000313",
    "edge-3": "wo-000318",
    "install-AST-0043": "wo-000319",
    "install-AST-0044": "wo-000320",
    "near-2": "wo-000332",
    "no-show": "wo-000335",
    "early-arrival": "wo-000339",
    "slightly-late": "wo-000354",
    "chiller-1": "wo-000381",
    "near-3": "wo-000411",
    "chiller-2": "wo-000412",
    "overlap-1": "wo-000432",
    "overlap-2": "wo-000433",
    "chiller-3": "wo-000440",
    "callback-1": "wo-000443",
    "late-arrival": "wo-000457",
    "chiller-4": "wo-000467",
    "callback-2": "wo-000468",
    "pm-overdue-open": "wo-000478",
    "at-risk": "wo-000529",
    "pending-sydney": "wo-000531",
    "p1-overdue": "wo-000532",
    "pm-site-open": "wo-000533",
    "in-progress": "wo-000534",
    "p1-pending": "wo-000535",
}

# ------------------------------------------------------------------------------------------------
# Time


_ZONES: dict[str, ZoneInfo] = {}


def zone(name: str) -> ZoneInfo:
    if name not in _ZONES:
        _ZONES[name] = ZoneInfo(name)
    return _ZONES[name]


def at_local(day: date, minutes: int, tz: str) -> datetime:
    """The UTC instant of local wall time `minutes` after midnight of `day` in zone `tz`."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone(tz))
    return (midnight + timedelta(minutes=minutes)).astimezone(UTC)


def local(text: str, tz: str) -> datetime:
    """The UTC instant of local wall time 'YYYY-MM-DD HH:MM' in zone `tz`."""
    day, clock = text.split(" ")
    hours, minutes = clock.split(":")
    return at_local(date.fromisoformat(day), int(hours) * 60 + int(minutes), tz)


def local_date(t: datetime, tz: str) -> date:
    return t.astimezone(zone(tz)).date()


def iso(t: datetime | None, tz: str) -> str | None:
    """ISO 8601 text with the local offset of zone `tz` (every instant is on a whole minute)."""
    if t is None:
        return None
    if t.second or t.microsecond:
        raise AssertionError(f"{t} is not on a whole minute")
    return t.astimezone(zone(tz)).isoformat()


def to_minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def minutes(n: int | float) -> timedelta:
    return timedelta(minutes=n)


def hours(n: int | float) -> timedelta:
    return timedelta(hours=n)


_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?")


def duration(text: str) -> timedelta:
    days, hrs, mins = (int(g or 0) for g in _DURATION.fullmatch(text).groups())
    return timedelta(days=days, hours=hrs, minutes=mins)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Hours:
    """Open hours of a calendar (weekly spans in a zone, holidays closed): add and elapsed."""

    def __init__(self, tz: str, weekly: dict[str, list[list[str]]], holidays: Sequence[str]) -> None:
        self.tz = tz
        self.spans = [[(_clock(a), _clock(b)) for a, b in weekly.get(day, [])] for day in WEEKDAYS]
        self.holidays = {date.fromisoformat(h): True for h in holidays}

    def _intervals(self, t: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = local_date(t, self.tz) - timedelta(days=1)
        for _ in range(1000):
            if day not in self.holidays:
                for a, b in self.spans[day.weekday()]:
                    yield at_local(day, a, self.tz), at_local(day, b, self.tz)
            day += timedelta(days=1)
        raise RuntimeError("no open hours within 1000 days")

    def add(self, t: datetime, span: timedelta) -> datetime:
        """The instant when `span` of open time has passed since `t` (the next opening if span is 0)."""
        left = span
        for start, end in self._intervals(t):
            if end <= t:
                continue
            start = max(start, t)
            if start + left <= end:
                return start + left
            left -= end - start
        raise AssertionError

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        total = timedelta(0)
        for start, end in self._intervals(a):
            if start >= b:
                return total
            start, end = max(start, a), min(end, b)
            if end > start:
                total += end - start
        raise AssertionError


class Wall:
    """The wall clock: every minute counts."""

    def add(self, t: datetime, span: timedelta) -> datetime:
        return t + span

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        return max(b - a, timedelta(0))


def _clock(text: str) -> int:
    hh, mm = text.split(":")
    return int(hh) * 60 + int(mm)


# ------------------------------------------------------------------------------------------------
# Calendars


def _days(text: str) -> list[str]:
    return text.split()


# public holidays by region (whole local days closed)
HOLIDAYS = {
    "DE": _days(
        "2025-12-25 2025-12-26 2026-01-01 2026-04-03 2026-04-06 2026-05-01 2026-05-14 2026-05-25 "
        "2026-10-03 2026-12-25 2026-12-26 2027-01-01 2027-03-26 2027-03-29 2027-05-01 2027-05-06 "
        "2027-05-17 2027-10-03 2027-12-25 2027-12-26"
    ),
    "US": _days(
        "2025-11-27 2025-12-25 2026-01-01 2026-01-19 2026-02-16 2026-05-25 2026-06-19 2026-07-03 "
        "2026-09-07 2026-11-26 2026-12-25 2027-01-01 2027-01-18 2027-02-15 2027-05-31 2027-06-18 "
        "2027-07-05 2027-09-06 2027-11-25 2027-12-24"
    ),
    "AU-NSW": _days(
        "2025-12-25 2025-12-26 2026-01-01 2026-01-26 2026-04-03 2026-04-04 2026-04-05 2026-04-06 "
        "2026-04-25 2026-06-08 2026-10-05 2026-12-25 2026-12-26 2026-12-28 2027-01-01 2027-01-26 "
        "2027-03-26 2027-03-27 2027-03-28 2027-03-29 2027-04-25 2027-06-14 2027-10-04 2027-12-25 "
        "2027-12-26 2027-12-27 2027-12-28"
    ),
    "UK": _days(
        "2025-12-25 2025-12-26 2026-01-01 2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31 "
        "2026-12-25 2026-12-28 2027-01-01 2027-03-26 2027-03-29 2027-05-03 2027-05-31 2027-08-30 "
        "2027-12-27 2027-12-28"
    ),
}


def _weekdays(start: str, end: str, saturday: list[list[str]] | None = None) -> dict[str, list[list[str]]]:
    weekly = {day: [[start, end]] for day in WEEKDAYS[:5]}
    weekly["sat"] = saturday or []
    weekly["sun"] = []
    return weekly


CALENDARS = [
    {
        "id": "24x7",
        "timezone": "UTC",
        "weekly": {day: [["00:00", "24:00"]] for day in WEEKDAYS},
        "holidays": [],
    },
    {
        "id": "de-business-0818",
        "timezone": "Europe/Berlin",
        "weekly": _weekdays("08:00", "18:00"),
        "holidays": HOLIDAYS["DE"],
    },
    {
        "id": "us-ny-business-0818",
        "timezone": "America/New_York",
        "weekly": _weekdays("08:00", "18:00"),
        "holidays": HOLIDAYS["US"],
    },
    {
        "id": "us-ny-business-0817",
        "timezone": "America/New_York",
        "weekly": _weekdays("08:00", "17:00"),
        "holidays": HOLIDAYS["US"],
    },
    {
        "id": "us-chi-business-0818",
        "timezone": "America/Chicago",
        "weekly": _weekdays("08:00", "18:00"),
        "holidays": HOLIDAYS["US"],
    },
    {
        "id": "au-nsw-business-0818",
        "timezone": "Australia/Sydney",
        "weekly": _weekdays("08:00", "18:00"),
        "holidays": HOLIDAYS["AU-NSW"],
    },
    {
        "id": "au-nsw-business-0817",
        "timezone": "Australia/Sydney",
        "weekly": _weekdays("08:00", "17:00"),
        "holidays": HOLIDAYS["AU-NSW"],
    },
    {
        "id": "uk-business-0817-sat",
        "timezone": "Europe/London",
        "weekly": _weekdays("08:00", "17:00", saturday=[["09:00", "13:00"]]),
        "holidays": HOLIDAYS["UK"],
    },
]

# ------------------------------------------------------------------------------------------------
# Accounts, sites, assets


def _contact(name, role, phone, email, channel, notes=None) -> dict[str, Any]:
    return {
        "name": name,
        "role": role,
        "phone": phone,
        "email": email,
        "preferred_channel": channel,
        "notes": notes,
    }


ACCOUNTS: list[dict[str, Any]] = [
    {
        "id": "ACC-001",
        "name": "Hansa Frischmarkt GmbH",
        "tier": "gold",
        "timezone": "Europe/Berlin",
        "region": "DE",
        "holidays": "DE",
        "notes": "Supermarket chain, three Berlin stores. Procurement reviews all service contracts every "
        "September. Store managers want work on the sales floor done before 10:00.",
        "contacts": [
            _contact(
                "Petra Vogel",
                "Head of Facilities",
                "+49 30 5557 2210",
                "p.vogel@hansa-frischmarkt.example",
                "email",
                "Owns the service contract; wants a monthly list of open jobs.",
            ),
            _contact(
                "Murat Yilmaz",
                "Store Manager, Prenzlauer Berg",
                "+49 171 555 0192",
                "m.yilmaz@hansa-frischmarkt.example",
                "phone",
                "Call before 8am, store opens at 8.",
            ),
            _contact(
                "Sabine Krüger",
                "Store Manager, Charlottenburg",
                "+49 172 555 0388",
                "s.krueger@hansa-frischmarkt.example",
                "sms",
                "In meetings most mornings; text first.",
            ),
        ],
    },
    {
        "id": "ACC-002",
        "name": "Klinikum Rheinaue",
        "tier": "gold",
        "timezone": "Europe/Berlin",
        "region": "DE",
        "holidays": "DE",
        "notes": "Hospital, 620 beds. Kitchen and pharmacy cold chain are audited; every outage needs a "
        "written incident report within 24 hours.",
        "contacts": [
            _contact(
                "Dr. Heike Brandt",
                "Technical Director",
                "+49 228 555 4100",
                "h.brandt@klinikum-rheinaue.example",
                "email",
                "Escalations and incident reports.",
            ),
            _contact(
                "Stefan Maier",
                "Duty Engineer",
                "+49 228 555 4199",
                "technik@klinikum-rheinaue.example",
                "phone",
                "24/7 duty phone; always call before arriving after 20:00.",
            ),
            _contact(
                "Olga Petrenko",
                "Head of Catering",
                "+49 228 555 4312",
                "o.petrenko@klinikum-rheinaue.example",
                "in_person",
                "Find her in the central kitchen office; she signs off kitchen jobs.",
            ),
        ],
    },
    {
        "id": "ACC-003",
        "name": "Hotel Elbblick Hamburg",
        "tier": "silver",
        "timezone": "Europe/Berlin",
        "region": "DE",
        "holidays": "DE",
        "notes": "Four-star hotel with restaurant, bar and banquet floor. Banquet season Nov-Dec; no noisy "
        "rooftop work during weddings (Saturdays).",
        "contacts": [
            _contact(
                "Jan Petersen",
                "Chief Engineer",
                "+49 40 555 7450",
                "engineering@elbblick-hotel.example",
                "phone",
                "Ask reception for ext. 450.",
            ),
            _contact(
                "Clara Hoffmann",
                "General Manager",
                "+49 40 555 7400",
                "gm@elbblick-hotel.example",
                "email",
                "Escalations only.",
            ),
        ],
    },
    {
        "id": "ACC-004",
        "name": "Riverside Grocers Inc.",
        "tier": "silver",
        "timezone": "America/New_York",
        "region": "US-E",
        "holidays": "US",
        "notes": "Two neighborhood grocery stores (Upper West Side and Hoboken). Receiving closes at 10am.",
        "contacts": [
            _contact(
                "Angela Russo",
                "Director of Operations",
                "+1 212 555 0137",
                "arusso@riversidegrocers.example",
                "email",
                "Approves quotes over $1,500.",
            ),
            _contact(
                "Kevin Park",
                "Store Manager, Upper West Side",
                "+1 917 555 0164",
                "kpark@riversidegrocers.example",
                "sms",
                "Text before arriving; receiving closes at 10am.",
            ),
            _contact(
                "Luis Ortega",
                "Store Manager, Hoboken",
                "+1 201 555 0119",
                "lortega@riversidegrocers.example",
                "phone",
                None,
            ),
        ],
    },
    {
        "id": "ACC-005",
        "name": "Meridian Data Centers LLC",
        "tier": "gold",
        "timezone": "America/New_York",
        "region": "US-E",
        "holidays": "US",
        "notes": "Colocation data center SEC1. Cooling is N+1; any CRAC outage is a P1. Two new ChillPro "
        "chillers commissioned July 2026, not yet added to the contract schedule.",
        "contacts": [
            _contact(
                "Raj Mehta",
                "Facilities Manager",
                "+1 201 555 0171",
                "rmehta@meridian-dc.example",
                "email",
                "Planned work only in the Tue/Thu change window, 22:00-02:00.",
            ),
            _contact(
                "Meridian NOC",
                "Network Operations Center",
                "+1 201 555 0144",
                "noc@meridian-dc.example",
                "phone",
                "Staffed 24x7; book site access 2 hours ahead.",
            ),
        ],
    },
    {
        "id": "ACC-006",
        "name": "Harbor Bistro Group",
        "tier": "bronze",
        "timezone": "America/New_York",
        "region": "US-E",
        "holidays": "US",
        "notes": "Three Boston restaurants. Owner-run; price sensitive, on a bronze plan since 2023.",
        "contacts": [
            _contact(
                "Nina Castellano",
                "Owner",
                "+1 617 555 0128",
                "nina@harborbistro.example",
                "phone",
                "Hates email; call after 3pm when lunch service is over.",
            ),
            _contact(
                "Sam O'Brien",
                "Kitchen Manager, Seaport",
                "+1 617 555 0183",
                "sam@harborbistro.example",
                "in_person",
                "Find him in the kitchen; never interrupt during service.",
            ),
        ],
    },
    {
        "id": "ACC-007",
        "name": "Bondi Fresh Markets Pty Ltd",
        "tier": "gold",
        "timezone": "Australia/Sydney",
        "region": "AU",
        "holidays": "AU-NSW",
        "notes": "Two fresh-food markets in Sydney's east. Upgraded from silver to gold at the June 2026 "
        "renewal after a bad summer with the condensing units.",
        "contacts": [
            _contact(
                "Emma Walsh",
                "Operations Manager",
                "+61 2 5550 1234",
                "emma.walsh@bondifresh.example",
                "email",
                "Wants a call after every P1 or P2.",
            ),
            _contact(
                "Ravi Singh",
                "Store Manager, Bondi Junction",
                "+61 412 555 019",
                "ravi.singh@bondifresh.example",
                "phone",
                "Call before 7am, store opens at 7.",
            ),
        ],
    },
    {
        "id": "ACC-008",
        "name": "Harbourside University - School of Biosciences",
        "tier": "gold",
        "timezone": "Australia/Sydney",
        "region": "AU",
        "holidays": "AU-NSW",
        "notes": "Research building B14. Cold room 3.12 holds long-term samples; any alarm there is urgent.",
        "contacts": [
            _contact(
                "Prof. Alan Kerr",
                "Lab Director",
                "+61 2 5550 8812",
                "alan.kerr@harbourside.example",
                "email",
                "Notify him of any outage in cold room 3.12.",
            ),
            _contact(
                "Jess Tran",
                "Lab Manager",
                "+61 2 5550 8830",
                "jess.tran@harbourside.example",
                "chat",
                "Teams chat is fastest.",
            ),
            _contact(
                "Campus Security",
                "Security Control Room",
                "+61 2 5550 8000",
                None,
                "phone",
                "Badge and escort after 18:00 and on weekends.",
            ),
        ],
    },
    {
        "id": "ACC-009",
        "name": "Thames Deli & Bakery Ltd",
        "tier": "bronze",
        "timezone": "Europe/London",
        "region": "UK",
        "holidays": "UK",
        "notes": "Deli and bakery, Borough Market and Islington. Saturdays are their busiest day; the "
        "contract includes Saturday morning cover.",
        "contacts": [
            _contact(
                "Oliver Bennett",
                "Owner",
                "+44 20 5550 1122",
                "oliver@thamesdeli.example",
                "phone",
                "Prefers a call to an email.",
            ),
            _contact(
                "Priya Shah", "Operations", "+44 20 5550 1123", "priya@thamesdeli.example", "email", None
            ),
        ],
    },
    {
        "id": "ACC-010",
        "name": "Lakeshore Foods Co.",
        "tier": "silver",
        "timezone": "America/Chicago",
        "region": "US-C",
        "holidays": "US",
        "notes": "Two grocery stores, Lincoln Park and Evanston. Contract term aligned to the calendar year "
        "from January 2027.",
        "contacts": [
            _contact(
                "Dana Whitfield",
                "Facilities Coordinator",
                "+1 312 555 0155",
                "dwhitfield@lakeshorefoods.example",
                "email",
                None,
            ),
            _contact(
                "Mike Kowalczyk",
                "Store Manager, Lincoln Park",
                "+1 773 555 0102",
                "mkowalczyk@lakeshorefoods.example",
                "phone",
                "Call before 8am, store opens at 9.",
            ),
        ],
    },
    {
        "id": "ACC-011",
        "name": "Café Rosenthal",
        "tier": None,
        "timezone": "Europe/Berlin",
        "region": "DE",
        "holidays": "DE",
        "notes": "Pay-per-call customer in Munich, no service contract. Quote a bronze contract at the "
        "next visit.",
        "contacts": [
            _contact(
                "Franziska Rosenthal",
                "Owner",
                "+49 89 555 3310",
                "hallo@cafe-rosenthal.example",
                "phone",
                "Send a quote before fitting any part over 200 EUR.",
            ),
        ],
    },
    {
        "id": "ACC-012",
        "name": "Coogee Surf Club Kitchen",
        "tier": "bronze",
        "timezone": "Australia/Sydney",
        "region": "AU",
        "holidays": "AU-NSW",
        "notes": "Club kitchen and bar, busy weekends and summer.",
        "contacts": [
            _contact(
                "Brad Mitchell",
                "Kitchen Manager",
                "+61 413 555 208",
                "kitchen@coogeesurfclub.example",
                "sms",
                "Text first; he is on the pass from 11am.",
            ),
        ],
    },
]

TECHNICIANS = {
    "DE": ["Jonas Becker", "Aylin Demir", "Lukas Hoffmann", "Marta Nowak"],
    "US-E": ["Marcus Reed", "Priya Natarajan", "Diego Alvarez"],
    "US-C": ["Tom Kowalski", "Keisha Williams"],
    "UK": ["Callum Hughes", "Fiona Walsh"],
    "AU": ["Liam O'Connor", "Mei Chen", "Jack Nguyen"],
}

# key -> (model, serial prefix, expected life in years, warranty years, install years, yearly failure rate)
MODELS = {
    "RC": ("FrostLine RC-400", "FL4", 10, 2, (2017, 2024), 1.7),
    "CU": (FLAWED_MODEL, "AF7", 12, 3, (2021, 2024), 7.5),
    "RTU": ("PolarAir RTU-12", "PA12", 15, 2, (2012, 2022), 1.6),
    "IM": ("IceMaster IM-300", "IM3", 8, 3, (2019, 2024), 2.0),
    "WCC": (NOISY_MODEL, "CP9", 20, 2, (2026, 2026), 0.0),
    "WIC": ("CoolVault WIC-20", "CV20", 15, 2, (2013, 2023), 1.6),
}

UNKNOWN = "unknown"  # installed_on not recorded
HEALTHY_GAP = timedelta(days=46)

# (account, site name, address, access notes, [(asset id, model key, name, overrides)])
SITES: list[tuple[str, str, str, str, list[tuple[str, str, str, dict[str, Any]]]]] = [
    (
        "ACC-001",
        "Hansa Frischmarkt Prenzlauer Berg",
        "Schönhauser Allee 112, 10439 Berlin",
        "Loading dock B on Kastanienallee; badge at the dock office. Deliveries block the dock 06:00-08:00.",
        [
            ("AST-0001", "CU", "Dairy aisle condensing unit", {}),
            ("AST-0002", "RC", "Deli reach-in 1", {}),
            ("AST-0003", "RC", "Deli reach-in 2", {}),
            ("AST-0004", "WIC", "Produce walk-in cooler", {}),
            ("AST-0005", "IM", "Fish counter ice machine", {}),
        ],
    ),
    (
        "ACC-001",
        "Hansa Frischmarkt Kreuzberg",
        "Oranienstraße 45, 10969 Berlin",
        "Parking behind the bakery; plant room key at the customer service desk.",
        [
            ("AST-0006", "CU", "Frozen food condensing unit", {}),
            ("AST-0007", "RC", "Beverage reach-in", {}),
            ("AST-0008", "RC", "Bakery reach-in", {}),
            ("AST-0009", "WIC", "Meat walk-in cooler", {}),
            ("AST-0010", "RTU", "Sales floor rooftop unit", {}),
        ],
    ),
    (
        "ACC-001",
        PM_DUE_SITE,
        "Kantstraße 88, 10627 Berlin",
        "Roof access via stairwell C; sign in with the store manager first.",
        [
            ("AST-0011", "CU", "Dairy aisle condensing unit", {}),
            ("AST-0012", "RC", "Deli reach-in", {}),
            ("AST-0013", "WIC", "Produce walk-in cooler", {}),
            ("AST-0014", "RTU", "Sales floor rooftop unit", {}),
            ("AST-0015", "RC", "Salad bar reach-in", {"installed_on": date(2026, 2, 20)}),
        ],
    ),
    (
        "ACC-002",
        "Klinikum Rheinaue - Main Building",
        "Kennedyallee 40, 53175 Bonn",
        "Badge at security gate 2; sign the infection-control log in the basement before any ward visit.",
        [
            ("AST-0016", "RTU", "RTU-1 ward block A", {"installed_on": date(2008, 5, 14)}),
            ("AST-0017", "RTU", "RTU-2 operating theatres", {}),
            ("AST-0018", "WIC", "Pharmacy cold room", {}),
            ("AST-0019", "IM", "Ward B ice machine", {}),
            ("AST-0020", "RC", "Ward kitchen reach-in", {}),
        ],
    ),
    (
        "ACC-002",
        "Klinikum Rheinaue - Central Kitchen",
        "Kennedyallee 46, 53175 Bonn",
        "Kitchen entrance at the rear; hairnet and shoe covers required.",
        [
            ("AST-0021", "WIC", "Central kitchen walk-in cooler", {}),
            ("AST-0022", "RC", "Cook line reach-in 1", {}),
            ("AST-0023", "RC", "Cook line reach-in 2", {}),
            ("AST-0024", "IM", "Kitchen ice machine", {}),
        ],
    ),
    (
        "ACC-003",
        "Hotel Elbblick",
        "Große Elbstraße 21, 22767 Hamburg",
        "Service entrance on the Fischmarkt side; ask reception for the duty engineer (ext. 450).",
        [
            ("AST-0025", "RTU", "Rooftop unit 1 - restaurant", {}),
            ("AST-0026", "RTU", "Rooftop unit 2 - ballroom", {}),
            ("AST-0027", "WIC", "Kitchen walk-in cooler", {}),
            ("AST-0028", "IM", "Bar ice machine", {"installed_on": date(2016, 4, 18)}),
            ("AST-0029", "IM", "Banquet ice machine", {}),
            ("AST-0030", "RC", "Bar reach-in", {}),
            ("AST-0031", "RC", "Room-service reach-in", {}),
        ],
    ),
    (
        "ACC-004",
        "Riverside Grocers - Upper West Side",
        "2450 Broadway, New York, NY 10024",
        "Loading dock on W 91st St, 6-10am only; ring the receiving bell.",
        [
            ("AST-0032", "CU", "Dairy case condensing unit", {}),
            ("AST-0033", "RC", "Dairy reach-in 1", {}),
            ("AST-0034", "RC", "Dairy reach-in 2", {}),
            ("AST-0035", "WIC", "Produce walk-in cooler", {}),
            ("AST-0036", "IM", "Seafood ice machine", {}),
        ],
    ),
    (
        "ACC-004",
        "Riverside Grocers - Hoboken",
        "300 Washington St, Hoboken, NJ 07030",
        "Park in the back lot; the night manager holds the alarm code.",
        [
            ("AST-0037", "CU", "Frozen case condensing unit", {}),
            ("AST-0038", "RC", "Deli reach-in", {}),
            ("AST-0039", "WIC", "Meat walk-in cooler", {}),
        ],
    ),
    (
        "ACC-005",
        "Meridian SEC1 Data Center",
        "1 Enterprise Ave, Secaucus, NJ 07094",
        "Photo ID and escort required; book access 2 hours ahead via the NOC (+1 201 555 0144).",
        [
            ("AST-0040", "RTU", "CRAC-1 rooftop unit (data hall 1)", {}),
            ("AST-0041", "RTU", "CRAC-2 rooftop unit (UPS room)", {}),
            ("AST-0042", "RTU", "CRAC-3 rooftop unit (data hall 2)", {}),
            ("AST-0043", "WCC", "Chiller 1", {"installed_on": date(2026, 7, 1), "contract": False}),
            ("AST-0044", "WCC", "Chiller 2", {"installed_on": date(2026, 7, 1), "contract": False}),
        ],
    ),
    (
        "ACC-006",
        "Harbor Bistro - Seaport",
        "60 Seaport Blvd, Boston, MA 02210",
        "Kitchen door in the alley behind the building; never during lunch service (11:30-14:30).",
        [
            ("AST-0045", "RC", "Line reach-in 1", {}),
            ("AST-0046", "RC", "Line reach-in 2", {}),
            ("AST-0047", "WIC", "Walk-in cooler", {}),
            ("AST-0048", "IM", "Bar ice machine", {}),
        ],
    ),
    (
        "ACC-006",
        "Harbor Bistro - Back Bay",
        "222 Newbury St, Boston, MA 02116",
        "Basement kitchen; stairs only, no elevator for parts over 50 lb.",
        [
            ("AST-0049", "RC", "Line reach-in", {}),
            ("AST-0050", "RC", "Dessert reach-in", {}),
            ("AST-0051", "IM", "Bar ice machine", {}),
        ],
    ),
    (
        "ACC-006",
        "Harbor Bistro - Brookline",
        "1410 Beacon St, Brookline, MA 02446",
        "Back gate on the side street; dog in the yard - ring first.",
        [
            ("AST-0052", "RC", "Line reach-in", {}),
            ("AST-0053", "WIC", "Walk-in cooler", {"installed_on": UNKNOWN}),
        ],
    ),
    (
        "ACC-007",
        "Bondi Fresh - Bondi Junction",
        "500 Oxford St, Bondi Junction NSW 2022",
        "Loading bay off Spring St; sign in with centre security.",
        [
            ("AST-0054", "CU", "Dairy case condensing unit", {}),
            ("AST-0055", "RC", "Deli reach-in", {}),
            (
                "AST-0056",
                "RC",
                "Sushi bar reach-in",
                {"installed_on": date(2024, 1, 20), "warranty_years": 3},
            ),
            ("AST-0057", "WIC", "Produce walk-in cooler", {}),
            ("AST-0058", "IM", "Seafood ice machine", {}),
        ],
    ),
    (
        "ACC-007",
        "Bondi Fresh - Randwick",
        "73 Belmore Rd, Randwick NSW 2031",
        "Parking behind the bakery; plant deck key from the duty manager.",
        [
            ("AST-0059", "CU", "Dairy case condensing unit", {}),
            ("AST-0060", "RC", "Deli reach-in", {}),
            ("AST-0061", "WIC", "Meat walk-in cooler", {}),
        ],
    ),
    (
        "ACC-008",
        "Harbourside University - Building B14",
        "14 Science Rd, Camperdown NSW 2050",
        "Badge at loading dock B; lab induction card required for level 3.",
        [
            ("AST-0062", "RTU", "Rooftop unit L3 labs", {}),
            ("AST-0063", "RTU", "Rooftop unit L4 offices", {}),
            ("AST-0064", "WIC", "Cold room 3.12", {}),
            ("AST-0065", "RC", "Reagent fridge 3.04", {}),
            ("AST-0066", "RC", "Reagent fridge 3.07", {}),
            ("AST-0067", "IM", "Lab ice flaker", {}),
        ],
    ),
    (
        "ACC-009",
        "Thames Deli - Borough",
        "12 Stoney St, London SE1 9AD",
        "Market traffic until 10am; use the Park St entrance.",
        [
            ("AST-0068", "CU", "Display counter condensing unit", {}),
            ("AST-0069", "RC", "Cheese reach-in", {}),
            ("AST-0070", "RC", "Charcuterie reach-in", {}),
            ("AST-0071", "IM", "Ice machine", {"installed_on": date(2013, 6, 10)}),
        ],
    ),
    (
        "ACC-009",
        "Thames Deli - Islington",
        "88 Upper St, London N1 0NP",
        "Deliveries through the courtyard; code from the shop.",
        [
            ("AST-0072", "RC", "Bakery reach-in", {}),
            ("AST-0073", "WIC", "Walk-in cooler", {}),
        ],
    ),
    (
        "ACC-010",
        "Lakeshore Foods - Lincoln Park",
        "2300 N Clark St, Chicago, IL 60614",
        "Call before 8am, store opens at 9; dock bell on the alley side.",
        [
            ("AST-0074", "CU", "Dairy case condensing unit", {}),
            ("AST-0075", "RC", "Deli reach-in 1", {}),
            ("AST-0076", "RC", "Deli reach-in 2", {}),
            ("AST-0077", "WIC", "Meat walk-in cooler", {}),
            ("AST-0078", "IM", "Deli ice machine", {}),
        ],
    ),
    (
        "ACC-010",
        "Lakeshore Foods - Evanston",
        "1600 Sherman Ave, Evanston, IL 60201",
        "Roof ladder key at the office; park in the customer lot.",
        [
            ("AST-0079", "CU", "Frozen case condensing unit", {"installed_on": date(2023, 12, 15)}),
            ("AST-0080", "RC", "Beverage reach-in", {}),
            ("AST-0081", "RTU", "Sales floor rooftop unit", {}),
        ],
    ),
    (
        "ACC-011",
        "Café Rosenthal",
        "Rosenheimer Str. 14, 81669 München",
        "Dog in the yard - ring first; the owner lives upstairs.",
        [
            ("AST-0082", "RC", "Cake display reach-in", {}),
            ("AST-0083", "IM", "Bar ice machine", {"installed_on": UNKNOWN}),
        ],
    ),
    (
        "ACC-012",
        "Coogee Surf Club Kitchen",
        "Arden St, Coogee NSW 2034",
        "Gate code from the duty manager; no parking on Arden St at weekends.",
        [
            ("AST-0084", "RC", "Line reach-in 1", {}),
            ("AST-0085", "RC", "Line reach-in 2", {"installed_on": UNKNOWN}),
            ("AST-0086", "WIC", "Walk-in cooler", {}),
            ("AST-0087", "IM", "Bar ice machine", {}),
        ],
    ),
]

# ------------------------------------------------------------------------------------------------
# Contracts and their promises


def _promise(pid, kind, target, clock, priorities=(), work_kinds=(), pausable=False, grace=None):
    return {
        "id": pid,
        "kind": kind,
        "target": target,
        "clock": clock,
        "priorities": list(priorities),
        "work_kinds": list(work_kinds),
        "pausable": pausable,
        "grace": grace,
    }


def gold_promises(cid: str, clock: str) -> list[dict[str, Any]]:
    fix = ("corrective",)
    return [
        _promise(f"{cid}-response-p1", "response", "PT4H", clock, ["P1"], fix),
        _promise(f"{cid}-response-p2", "response", "PT8H", clock, ["P2"], fix),
        _promise(f"{cid}-resolution-p1", "resolution", "PT24H", clock, ["P1"], fix, pausable=True),
        _promise(f"{cid}-resolution-p2", "resolution", "PT48H", clock, ["P2"], fix, pausable=True),
        _promise(f"{cid}-arrival", "arrival", None, "wall", grace="PT15M"),
        _promise(f"{cid}-pm", "pm_interval", "P90D", "wall", work_kinds=["preventive"]),
    ]


def silver_promises(cid: str) -> list[dict[str, Any]]:
    fix = ("corrective",)
    return [
        _promise(f"{cid}-response-p1", "response", "PT4H", "business", ["P1"], fix),
        _promise(f"{cid}-response-p2p3", "response", "PT8H", "business", ["P2", "P3"], fix),
        _promise(
            f"{cid}-resolution", "resolution", "PT16H", "business", ["P1", "P2", "P3"], fix, pausable=True
        ),
        _promise(f"{cid}-arrival", "arrival", None, "wall", grace="PT30M"),
        _promise(f"{cid}-pm", "pm_interval", "P90D", "wall", work_kinds=["preventive"]),
    ]


def bronze_promises(cid: str) -> list[dict[str, Any]]:
    fix = ("corrective",)
    return [
        _promise(f"{cid}-response", "response", "PT16H", "business", (), fix),
        _promise(f"{cid}-resolution", "resolution", "PT40H", "business", (), fix, pausable=True),
        _promise(f"{cid}-arrival", "arrival", None, "wall", grace="PT60M"),
    ]


# (id, number, account, tier, starts_on, ends_on, calendar, clock of gold promises)
CONTRACTS = [
    ("CON-001", "SC-2025-0031", "ACC-001", "gold", "2025-10-01", "2027-09-30", "24x7", "wall"),
    ("CON-002", "SC-2025-0038", "ACC-002", "gold", "2025-11-01", "2026-10-31", "24x7", "wall"),
    ("CON-003", "SC-2025-0024", "ACC-003", "silver", "2025-09-01", "2027-08-31", "de-business-0818", None),
    ("CON-004", "SC-2025-0035", "ACC-004", "silver", "2025-10-15", "2027-10-14", "us-ny-business-0818", None),
    ("CON-005", "SC-2025-0019", "ACC-005", "gold", "2025-08-20", "2027-08-19", "24x7", "business"),
    ("CON-006", "SC-2025-0022", "ACC-006", "bronze", "2025-09-01", "2026-12-31", "us-ny-business-0817", None),
    (
        "CON-007",
        "SC-2025-0023",
        "ACC-007",
        "silver",
        "2025-09-01",
        "2026-05-31",
        "au-nsw-business-0818",
        None,
    ),
    ("CON-008", "SC-2025-0030", "ACC-008", "gold", "2025-10-01", "2027-09-30", "24x7", "wall"),
    (
        "CON-009",
        "SC-2025-0004",
        "ACC-009",
        "bronze",
        "2025-02-01",
        "2027-01-31",
        "uk-business-0817-sat",
        None,
    ),
    (
        "CON-010",
        "SC-2025-0036",
        "ACC-010",
        "silver",
        "2025-10-16",
        "2027-01-15",
        "us-chi-business-0818",
        None,
    ),
    (
        "CON-012",
        "SC-2025-0015",
        "ACC-012",
        "bronze",
        "2025-07-01",
        "2027-06-30",
        "au-nsw-business-0817",
        None,
    ),
    ("CON-013", "SC-2026-0011", "ACC-007", "gold", "2026-06-01", "2027-05-31", "24x7", "wall"),
]

TIER_NAMES = {"gold": "Gold Care 24/7", "silver": "Silver Business Hours", "bronze": "Bronze Essentials"}

# ------------------------------------------------------------------------------------------------
# Text pools

# failure code -> (summaries, descriptions, part, fixes [(resolution code, visit note)])
FAILURES: dict[str, tuple[list[str], list[str], str, list[tuple[str, str]]]] = {
    "COMP-RELAY": (
        [
            "Compressor short-cycling, cases warming",
            "Condensing unit tripping, compressor will not start",
            "Cases rising, compressor clicking",
        ],
        [
            "{served} at {temp}C. Compressor clicks and trips after a few seconds; alarm E42 on the unit "
            "controller.",
            "Store reports {served} warming overnight. Condensing unit cycling on and off every couple "
            "of minutes, alarm E42.",
            "Compressor not starting; start relay chattering audibly. Product moved to the backup cases.",
        ],
        "compressor start relay",
        [
            ("REPLACED-RELAY", "Replaced compressor start relay; unit restarted and cases pulling down."),
            (
                "REPLACED-RELAY",
                "Start relay contacts burnt; fitted new relay, checked amps, holding temperature.",
            ),
            (
                "RESET-RELAY",
                "Relay contacts pitted; cleaned and reset, monitored 40 min, holding temperature.",
            ),
        ],
    ),
    "CONDENSER-FAN": (
        ["Condenser fan failed, high head pressure", "High-pressure alarm on condensing unit"],
        [
            "High-pressure alarm HP1; condenser fan not turning, head pressure {psi} bar.",
            "Condensing unit tripping on high pressure in the afternoon heat; fan motor hot to the touch.",
        ],
        "condenser fan motor",
        [("REPLACED-FAN-MOTOR", "Replaced condenser fan motor and capacitor; head pressure back to normal.")],
    ),
    "REFRIG-LEAK": (
        ["Low refrigerant charge, not cooling", "Refrigerant leak suspected"],
        [
            "Sight glass bubbling, suction pressure low; {served} at {temp}C.",
            "Unit running continuously without reaching setpoint; oil stain at a flare joint.",
        ],
        "flare fitting and refrigerant",
        [
            (
                "LEAK-REPAIRED",
                "Found leak at a flare joint; repaired, pressure tested, recharged and logged the "
                "refrigerant added.",
            )
        ],
    ),
    "DOOR-GASKET": (
        ["Door gasket torn, not holding temperature", "Door not sealing, ice on the frame"],
        [
            "Cabinet at {temp}C (setpoint 3C). Gasket torn at the hinge side, condensation inside.",
            "Door does not seal; frost building on the frame and product at {temp}C.",
        ],
        "door gasket",
        [
            (
                "REPLACED-GASKET",
                "Fitted new door gasket and adjusted the hinge; door seals, temperature recovering.",
            )
        ],
    ),
    "EVAP-FAN": (
        ["Evaporator fan noisy or stopped", "Evaporator fan not running, cabinet warm"],
        [
            "Evaporator fan grinding; cabinet at {temp}C, alarm {alarm}.",
            "No airflow inside the cabinet; fan motor seized, product at {temp}C.",
        ],
        "evaporator fan motor",
        [("REPLACED-FAN-MOTOR", "Replaced evaporator fan motor; airflow restored, cabinet pulling down.")],
    ),
    "THERMOSTAT": (
        ["Controller reading wrong, product freezing", "Temperature probe fault"],
        [
            "Product freezing on the top shelf while the display shows {temp}C; probe suspected.",
            "Controller alarm {alarm}; display jumps between values.",
        ],
        "temperature probe",
        [
            (
                "REPLACED-PROBE",
                "Replaced the air probe and recalibrated the controller; readings match the "
                "reference thermometer.",
            )
        ],
    ),
    "DRAIN-CLOG": (
        ["Water pooling under the cabinet", "Condensate drain blocked"],
        [
            "Water on the floor in front of the unit, slip hazard; condensate drain blocked.",
            "Ice in the drain pan, water overflowing onto the floor.",
        ],
        "drain heater",
        [
            (
                "CLEARED-DRAIN",
                "Cleared and flushed the condensate drain, checked the drain heater; no more "
                "water on the floor.",
            )
        ],
    ),
    "BELT": (
        ["Supply fan belt broken, no airflow", "No airflow from the diffusers"],
        [
            "No airflow in {area}; supply fan belt snapped.",
            "Squealing from the roof, then airflow stopped in {area}.",
        ],
        "fan belt",
        [("REPLACED-BELT", "Replaced the supply fan belt and tensioned it; airflow restored.")],
    ),
    "IGNITER": (
        ["No heat, burner will not light", "Heating lockout on rooftop unit"],
        [
            "Unit calls for heat but the burner does not light; {area} at 16C.",
            "Heating lockout after three ignition attempts, alarm {alarm}.",
        ],
        "igniter",
        [("REPLACED-IGNITER", "Replaced the cracked hot-surface igniter; three good ignition cycles.")],
    ),
    "ECONOMIZER": (
        ["Economizer damper stuck", "Too much outside air, space too warm"],
        [
            "Outside air damper stuck fully open; {area} at {temp2}C.",
            "Economizer actuator not responding to the controller.",
        ],
        "damper actuator",
        [("REPAIRED-ACTUATOR", "Replaced the damper actuator linkage and tested the economizer sequence.")],
    ),
    "CONTROL-BOARD": (
        ["Rooftop unit offline, control board fault", "Unit not responding to the BMS"],
        [
            "BMS shows the unit offline; controller alarm {alarm}, board LED flashing 3x.",
            "Unit dead after a power dip; control board not booting.",
        ],
        "control board",
        [("REPLACED-BOARD", "Replaced the unit control board and restored the BMS settings.")],
    ),
    "WATER-VALVE": (
        ["Ice machine not filling, no ice", "Water inlet valve fault"],
        [
            "Bin empty; water inlet valve not opening, error {alarm}.",
            "Machine runs but no water enters the trough.",
        ],
        "water inlet valve",
        [("REPLACED-VALVE", "Replaced the water inlet valve; two harvest cycles observed.")],
    ),
    "SCALE": (
        ["Slow ice production, heavy scale", "Ice machine making thin ice"],
        [
            "Production down to about {pct}% of rated; heavy scale on the evaporator plate.",
            "Thin, cloudy ice and long freeze cycles.",
        ],
        "water filter cartridge",
        [
            (
                "DESCALED",
                "Descaled and sanitized the machine, replaced the water filter; production back to rated.",
            )
        ],
    ),
    "HARVEST-SENSOR": (
        ["Ice machine stuck in harvest", "Ice slab not releasing"],
        [
            "Machine stuck in harvest; ice slab not releasing, sensor reads open.",
            "Error {alarm}: harvest timeout, machine shut down.",
        ],
        "harvest sensor",
        [("REPLACED-SENSOR", "Replaced the harvest assist sensor; machine cycling normally.")],
    ),
    "PUMP": (
        ["Ice machine water pump failed", "Ice machine shut down on pump fault"],
        [
            "Water pump humming but not circulating; machine shut down on fault {alarm}.",
            "No water over the evaporator; pump seized.",
        ],
        "water pump",
        [("REPLACED-PUMP", "Replaced the water pump; full freeze and harvest cycle verified.")],
    ),
    "DEFROST-HEATER": (
        ["Walk-in coil iced up, defrost not working", "Walk-in warm, evaporator blocked with ice"],
        [
            "Evaporator coil fully iced; room at {temp}C. Defrost heater suspected open circuit.",
            "Room at {temp}C, ice on the coil and the fan guards.",
        ],
        "defrost heater",
        [("REPLACED-HEATER", "Replaced the defrost heater, manual defrost, coil clear; room pulling down.")],
    ),
    "CONTROLLER": (
        ["Walk-in controller alarm", "Walk-in controller display blank"],
        [
            "Controller alarm {alarm}; display goes blank intermittently.",
            "Controller lost its setpoints after a power cut; room at {temp}C.",
        ],
        "room controller",
        [
            (
                "REPLACED-CONTROLLER",
                "Replaced the room controller and programmed setpoints and defrost schedule.",
            )
        ],
    ),
    "FLOW-SWITCH": (
        ["Chiller tripped on low flow", "Chiller lockout, flow switch alarm"],
        [
            "Chiller locked out on the flow switch alarm while condenser water flow looks normal on the BMS.",
            "Nuisance low-flow trips on the new chiller, three in one night.",
        ],
        "paddle flow switch",
        [("REPLACED-FLOW-SWITCH", "Replaced the paddle flow switch and re-set the flow proving delay.")],
    ),
    "CONTROLS": (
        ["Chiller controller rebooting", "Chiller controls fault after commissioning"],
        [
            "Controller reboots every few hours and loses the leaving-water setpoint.",
            "Chiller stages erratically; firmware mismatch between the controller and the expansion module.",
        ],
        "controller firmware",
        [
            (
                "FIRMWARE-UPDATED",
                "Updated the controller firmware to the vendor's current release and re-ran "
                "the start-up checks.",
            )
        ],
    ),
}

# model key -> [(failure code, weight)]
MODEL_FAILURES = {
    "RC": [("DOOR-GASKET", 3), ("EVAP-FAN", 3), ("THERMOSTAT", 2), ("DRAIN-CLOG", 2)],
    "CU": [("COMP-RELAY", 14), ("CONDENSER-FAN", 3), ("REFRIG-LEAK", 3)],
    "RTU": [("BELT", 3), ("IGNITER", 2), ("ECONOMIZER", 2), ("CONTROL-BOARD", 2), ("REFRIG-LEAK", 1)],
    "IM": [("WATER-VALVE", 3), ("SCALE", 3), ("HARVEST-SENSOR", 2), ("PUMP", 2)],
    "WIC": [("DEFROST-HEATER", 3), ("DOOR-GASKET", 2), ("EVAP-FAN", 2), ("CONTROLLER", 2)],
    "WCC": [("FLOW-SWITCH", 1), ("CONTROLS", 1)],
}

PM_TASKS = {
    "RC": "clean the condenser coil, check door gaskets and hinges, verify the controller setpoint and "
    "alarms",
    "CU": "check pressures and superheat, inspect the start relay and contactor, clean the condenser coil",
    "RTU": "replace filters, check belts and bearings, test the economizer and the heating sequence",
    "IM": "descale and sanitize, replace the water filter, check the harvest cycle",
    "WCC": "check flow proving, log approach temperatures, inspect the controller alarms",
    "WIC": "check the defrost heater and timer, door heaters and gaskets, clean the evaporator",
}

PM_OBSERVATIONS = [
    "No issues found.",
    "No issues found.",
    "No issues found.",
    "Door gasket starting to wear; quote to follow.",
    "Condenser coil heavily soiled; recommend more frequent cleaning.",
    "Customer asked for a quote on a second unit.",
    "Filter was overdue; stock more on the van for this site.",
]

PARTS_NOTES = [
    "Diagnosed a failed {part}; not on the van. Ordered, ETA {eta} working days.",
    "{part} faulty; supplier has it in the central warehouse. Temporary measures in place, return visit "
    "booked.",
]
FOLLOW_UP_NOTES = [
    "Temporary repair done; return visit needed to finish the job with the correct {part}.",
    "Unit running again; coming back to re-check pressures and temperatures after 24 hours.",
]
NO_ACCESS_NOTES = [
    "No access: plant room locked and no key holder on site.",
    "No access: store manager not on site and staff would not let us on the roof.",
    "No access: roof hatch key missing.",
]
NO_SHOW_NOTES = [
    "Technician reassigned to an emergency call; customer not informed.",
    "Van broke down on the way; visit rebooked.",
    None,
]

GOOD_COMMENTS = [
    "{tech} was quick and explained everything to the manager on duty.",
    "Fixed on the first visit, thank you.",
    "Arrived early and left the area clean. Great service.",
    "Very professional, kept us updated the whole time.",
    "Good job, unit has been fine since.",
]
NEUTRAL_COMMENTS = [
    "Job done, but it took two visits waiting for parts.",
    "Fine in the end, but nobody told us when the part would arrive.",
]
BAD_COMMENTS = {
    "late": [
        "Technician arrived {late} late{parts}.",
        "Booked for the morning, the tech turned up {late} late.",
    ],
    "no_show": [
        "Nobody showed up in the booked window; we had to chase the dispatcher twice.",
        "Waited all morning, nobody came and nobody called.",
    ],
    "callback": [
        "Same fault again {days} days after the last repair. The fix did not stick.",
        "The {asset} is down again, {days} days after you fixed it.",
    ],
    "visits": ["Three visits for one fault. We lost a day of sales on that {asset}."],
    "slow": [
        "Took far too long to get someone here; we lost product.",
        "Urgent call, and nobody came until the next day.",
        "Your response time on the {asset} was not what the contract promises.",
    ],
}

KNOWLEDGE = [
    (
        "ArcticFlow CU-7",
        "CU-7: compressor start relay fails early (service bulletin SB-AF7-014)",
        "Units built 2021-2024 use a start relay rated too close to the compressor's locked-rotor current; "
        "the contacts pit and the compressor short-cycles (alarm E42). Replacing the relay with the same "
        "part buys weeks, not months. Fit the revised relay kit RK-7B and update the controller to "
        "firmware 2.3 "
        "(longer anti-short-cycle delay). Warranty covers the kit until the unit's warranty ends.",
        "https://kb.example.com/arcticflow/cu-7/sb-af7-014",
    ),
    (
        "ArcticFlow CU-7",
        "CU-7: condenser fan capacitor failures in hot weather",
        "Fan motor capacitors drift out of tolerance above 35C ambient. Replace the capacitor with the "
        "5 uF/440 V part, not the original 4 uF.",
        "https://kb.example.com/arcticflow/cu-7/fan-capacitor",
    ),
    (
        "ArcticFlow CU-7",
        "CU-7: reading the E42 alarm history",
        "Hold SET + DOWN for 5 s to show the last 10 alarms with timestamps; more than three E42 in a week "
        "points to the start relay (SB-AF7-014).",
        "https://kb.example.com/arcticflow/cu-7/alarm-history",
    ),
    (
        "ArcticFlow CU-7",
        "CU-7: leak check points",
        "The suction line flare at the service valve is the "
        "usual leak point; use the nitrogen pressure test, not bubbles alone.",
        "https://kb.example.com/arcticflow/cu-7/leak-points",
    ),
    (
        "FrostLine RC-400",
        "RC-400: door gasket replacement without removing the door",
        "The magnetic gasket is push-fit; warm the new one with a heat gun so it seats evenly. Check the "
        "hinge cam if the door sags.",
        "https://kb.example.com/frostline/rc-400/gasket",
    ),
    (
        "FrostLine RC-400",
        "RC-400: evaporator fan motor upgrade",
        "Early motors have sleeve bearings that grind after 3-4 years; the ball-bearing replacement is part "
        "FL-EFM-22.",
        "https://kb.example.com/frostline/rc-400/evap-fan",
    ),
    (
        "FrostLine RC-400",
        "RC-400: frozen product on the top shelf",
        "Usually a drifting air probe; swap the probe before the controller. Calibrate against an ice bath.",
        "https://kb.example.com/frostline/rc-400/probe",
    ),
    (
        "FrostLine RC-400",
        "RC-400: water under the cabinet",
        "The drain line freezes when the drain heater fails; check the heater before clearing the drain.",
        "https://kb.example.com/frostline/rc-400/drain",
    ),
    (
        "PolarAir RTU-12",
        "RTU-12: belt tension and alignment",
        "Belts on the supply fan fail early if the motor base is not locked after tensioning; check "
        "alignment with a straight edge.",
        "https://kb.example.com/polarair/rtu-12/belt",
    ),
    (
        "PolarAir RTU-12",
        "RTU-12: economizer actuator linkage",
        "The linkage clamp slips on units before 2015; replace with the keyed clamp kit PA-ECO-7.",
        "https://kb.example.com/polarair/rtu-12/economizer",
    ),
    (
        "PolarAir RTU-12",
        "RTU-12: control board recovery after a power dip",
        "Hold the reset button 10 s to restore defaults, then reload the BMS profile from the commissioning "
        "sheet.",
        "https://kb.example.com/polarair/rtu-12/board-reset",
    ),
    (
        "PolarAir RTU-12",
        "RTU-12: ignition lockout diagnosis",
        "Check the igniter resistance (40-90 ohm) before replacing the gas valve.",
        "https://kb.example.com/polarair/rtu-12/ignition",
    ),
    (
        "IceMaster IM-300",
        "IM-300: slow production and scale",
        "Descale every 6 months in hard-water areas (London, Chicago); fit the IM-FLT-3 filter.",
        "https://kb.example.com/icemaster/im-300/scale",
    ),
    (
        "IceMaster IM-300",
        "IM-300: stuck in harvest",
        "The harvest sensor magnet works loose; refit it with the "
        "stainless clip before replacing the sensor.",
        "https://kb.example.com/icemaster/im-300/harvest",
    ),
    (
        "IceMaster IM-300",
        "IM-300: no water fill",
        "Check the supply stop valve and strainer before replacing the inlet valve.",
        "https://kb.example.com/icemaster/im-300/water-fill",
    ),
    (
        "IceMaster IM-300",
        "IM-300: end of life",
        "Units past 8 years: compressor replacement rarely pays off; quote a replacement instead.",
        "https://kb.example.com/icemaster/im-300/end-of-life",
    ),
    (
        "ChillPro WCC-900",
        "WCC-900: nuisance low-flow trips after commissioning",
        "Set the flow proving delay to 20 s and use the revised paddle (CP-FS-9B).",
        "https://kb.example.com/chillpro/wcc-900/flow-switch",
    ),
    (
        "ChillPro WCC-900",
        "WCC-900: controller firmware",
        "Controllers shipped before August 2026 need firmware 4.1 to match the expansion module.",
        "https://kb.example.com/chillpro/wcc-900/firmware",
    ),
    (
        "ChillPro WCC-900",
        "WCC-900: commissioning checklist",
        "Approach temperatures, flow proving and sensor calibration to record at start-up.",
        "https://kb.example.com/chillpro/wcc-900/commissioning",
    ),
    (
        "ChillPro WCC-900",
        "WCC-900: condenser tube cleaning",
        "Brush the tubes yearly; never acid-clean without the vendor's approval.",
        "https://kb.example.com/chillpro/wcc-900/tubes",
    ),
    (
        "CoolVault WIC-20",
        "WIC-20: iced evaporator",
        "An open defrost heater or a failed termination "
        "thermostat both ice the coil; replace both if the coil has iced twice.",
        "https://kb.example.com/coolvault/wic-20/defrost",
    ),
    (
        "CoolVault WIC-20",
        "WIC-20: controller setpoints lost after power cuts",
        "Controllers before revision C lose settings; fit the revision C controller CV-CTL-C.",
        "https://kb.example.com/coolvault/wic-20/controller",
    ),
    (
        "CoolVault WIC-20",
        "WIC-20: door closer adjustment",
        "Adjust the closer so the door closes from 30 degrees; check the heater wire in the frame.",
        "https://kb.example.com/coolvault/wic-20/door",
    ),
    (
        "CoolVault WIC-20",
        "WIC-20: evaporator fan guard icing",
        "Fan guards ice when the drain line heater fails; check the heater tape.",
        "https://kb.example.com/coolvault/wic-20/fan-guard",
    ),
]

# ------------------------------------------------------------------------------------------------
# Work orders


class Generator:
    """Builds the records; `rng` is the one source of randomness, consumed in a fixed order."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.accounts = {a["id"]: a for a in ACCOUNTS}
        self.calendars = {c["id"]: c for c in CALENDARS}
        self.hours = {c["id"]: Hours(c["timezone"], c["weekly"], c["holidays"]) for c in CALENDARS}
        self.wall = Wall()
        self.contracts = self._contracts()
        self.assets = self._assets()
        self.sites = self._sites()
        self.tech_hours = {
            a["id"]: Hours(a["timezone"], _weekdays("07:30", "17:30"), HOLIDAYS[a["holidays"]])
            for a in ACCOUNTS
        }
        self.work_orders: list[dict[str, Any]] = []

    # -- static records -------------------------------------------------------------------------

    def _contracts(self) -> list[dict[str, Any]]:
        out = []
        for cid, number, account_id, tier, starts, ends, calendar_id, clock in CONTRACTS:
            if tier == "gold":
                promises = gold_promises(cid, clock)
            elif tier == "silver":
                promises = silver_promises(cid)
            else:
                promises = bronze_promises(cid)
            name = f"{TIER_NAMES[tier]} - {self.accounts[account_id]['name']}"
            out.append(
                {
                    "id": cid,
                    "number": number,
                    "account_id": account_id,
                    "name": name,
                    "starts_on": starts,
                    "ends_on": ends,
                    "calendar_id": calendar_id,
                    "promises": promises,
                    "extra": None,
                    "_tier": tier,
                }
            )
        return out

    def current_contract(self, account_id: str) -> dict[str, Any] | None:
        found = [c for c in self.contracts if c["account_id"] == account_id and c["ends_on"] >= "2026-10-30"]
        return found[-1] if found else None

    def contract_on(self, account_id: str, t: datetime) -> dict[str, Any] | None:
        """The account's contract in force at `t` (latest start wins), by the calendar's local date."""
        best = None
        for c in self.contracts:
            if c["account_id"] != account_id:
                continue
            day = local_date(t, self.calendars[c["calendar_id"]]["timezone"]).isoformat()
            if c["starts_on"] <= day <= c["ends_on"] and (best is None or c["starts_on"] > best["starts_on"]):
                best = c
        return best

    def _assets(self) -> dict[str, dict[str, Any]]:
        rng = self.rng
        out = {}
        for account_id, site_name, address, access, specs in SITES:
            tz = self.accounts[account_id]["timezone"]
            site = {"name": site_name, "address": address, "timezone": tz, "access_notes": access}
            contract = self.current_contract(account_id)
            for asset_id, key, name, over in specs:
                model, prefix, life, warranty_years, (y0, y1), _ = MODELS[key]
                installed = over.get("installed_on")
                if installed is None:
                    installed = date(rng.randint(y0, y1), rng.randint(1, 12), rng.randint(1, 28))
                if installed == UNKNOWN:
                    installed = None
                year = installed.year if installed else rng.randint(y0, y1)
                serial = f"{prefix}-{year}-{rng.randint(10000, 99999)}"
                years = over.get("warranty_years", warranty_years)
                warranty = (
                    installed.replace(year=installed.year + years) - timedelta(days=1) if installed else None
                )
                out[asset_id] = {
                    "id": asset_id,
                    "account_id": account_id,
                    "name": name,
                    "model": model,
                    "serial": serial,
                    "site": site,
                    "installed_on": installed,
                    "warranty_ends": warranty,
                    "expected_life_years": life,
                    "contract_id": contract["id"] if contract and over.get("contract", True) else None,
                    "status": "in_service",
                    "extra": None,
                    "_key": key,
                }
        return out

    def _sites(self) -> list[dict[str, Any]]:
        return [
            {"account_id": account_id, "name": name, "assets": [self.assets[spec[0]] for spec in specs]}
            for account_id, name, _, _, specs in SITES
        ]

    # -- helpers --------------------------------------------------------------------------------

    def tech(self, account_id: str) -> str:
        return self.rng.choice(TECHNICIANS[self.accounts[account_id]["region"]])

    def fill(self, text: str, asset: dict[str, Any]) -> str:
        rng = self.rng
        name = asset["name"]
        served = (
            name.replace(" condensing unit", "").replace(" case", "") + " cases"
            if asset["_key"] == "CU"
            else name
        )
        frozen = name.startswith("Frozen")
        return text.format(
            served=served,
            temp=rng.randint(-9, -4) if frozen else rng.randint(8, 14),
            temp2=rng.randint(27, 31),
            psi=rng.randint(24, 29),
            alarm=rng.choice(["E12", "E31", "A07", "HI-T", "E05"]),
            pct=rng.choice([40, 50, 60]),
            area=rng.choice(["the sales floor", "the east wing", "the restaurant", "level 3", "the lobby"]),
            asset=asset["name"].lower(),
        )

    def new_wo(
        self,
        asset: dict[str, Any] | None,
        kind: str,
        opened: datetime,
        priority: str | None,
        account_id: str | None = None,
        site: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        account_id = asset["account_id"] if asset else account_id
        contract = self.contract_on(account_id, opened)
        tz = (asset["site"] if asset else site)["timezone"]
        return {
            "key": None,
            "account_id": account_id,
            "asset_id": asset["id"] if asset else None,
            "contract_id": contract["id"] if contract else None,
            "site": site,
            "kind": kind,
            "priority": priority,
            "state": "closed",
            "status": None,
            "summary": None,
            "description": None,
            "opened_at": opened,
            "resolved_at": None,
            "closed_at": None,
            "pauses": [],
            "visits": [],
            "failure_code": None,
            "resolution_code": None,
            "_tz": tz,
            "_contract": contract,
        }

    def promise(self, contract: dict[str, Any] | None, kind: str, priority: str | None, work_kind: str):
        if contract is None:
            return None
        for p in contract["promises"]:
            if p["kind"] != kind:
                continue
            if (not p["priorities"] or priority in p["priorities"]) and (
                not p["work_kinds"] or work_kind in p["work_kinds"]
            ):
                return p
        return None

    def clock(self, contract: dict[str, Any], promise: dict[str, Any]) -> Hours | Wall:
        return self.hours[contract["calendar_id"]] if promise["clock"] == "business" else self.wall

    def grace(self, contract: dict[str, Any] | None) -> timedelta:
        p = self.promise(contract, "arrival", None, "corrective")
        return duration(p["grace"]) if p and p["grace"] else minutes(30)

    def window(self, planned: datetime, earliest: datetime) -> tuple[datetime, datetime]:
        """A booked window of 2-4 hours, on the hour, around `planned` and not before `earliest`."""
        rng = self.rng
        start = planned.replace(minute=0, second=0, microsecond=0) - hours(rng.choice([0, 0, 1]))
        while start < earliest:
            start += hours(1)
        length = hours(rng.choice([2, 2, 3, 4]))
        end = start + length
        while end < planned + minutes(15):
            end += hours(1)
        return start, end

    # -- corrective work ------------------------------------------------------------------------

    def corrective(self, asset: dict[str, Any], opened: datetime, priority: str, code: str) -> dict[str, Any]:
        """A corrective work order, simulated from the call to the fix (facts after AS_OF are cut later)."""
        rng = self.rng
        wo = self.new_wo(asset, "corrective", opened, priority)
        summaries, descriptions, part, fixes = FAILURES[code]
        wo["summary"] = rng.choice(summaries)
        wo["description"] = self.fill(rng.choice(descriptions), asset)
        wo["failure_code"] = code
        if rng.random() < 0.12:
            wo["contract_id"] = None  # the platform did not link it: matched by date
        contract = wo["_contract"]
        account_id = asset["account_id"]
        roll = rng.random()
        if roll < 0.025:
            wo["state"] = "cancelled"
            wo["closed_at"] = opened + minutes(rng.randint(20, 300))
            wo["description"] += rng.choice(
                [
                    " Cancelled: customer reset the breaker, unit running.",
                    " Cancelled: duplicate of an earlier call.",
                    " Cancelled: staff found the door left open.",
                ]
            )
            wo["failure_code"] = None
            return wo
        if roll < 0.065 and priority != "P1":
            wo["resolved_at"] = opened + minutes(rng.randint(15, 90))
            wo["closed_at"] = wo["resolved_at"] + minutes(rng.randint(30, 600))
            wo["resolution_code"] = "REMOTE-RESET"
            wo["description"] += " Talked the customer through a controller reset by phone; no visit needed."
            return wo
        tech_hours = self.tech_hours[account_id]
        response = self.promise(contract, "response", priority, "corrective")
        if response:
            clk = self.clock(contract, response)
            target = duration(response["target"])
            if rng.random() < 0.1:
                planned = clk.add(opened, target) + minutes(rng.randint(20, 300))
            else:
                planned = clk.add(opened, target * rng.uniform(0.15, 0.85))
        else:
            planned = tech_hours.add(opened, minutes(rng.randint(120, 1200)))
        planned = to_minute(max(planned, opened + minutes(30)))
        grace = self.grace(contract)
        tech = self.tech(account_id)
        earliest = opened + minutes(15)
        for attempt in range(4):
            ws, we = self.window(planned, earliest)
            if attempt == 0:
                kind = rng.choices(["in", "early", "late", "very_late", "no_show"], [75, 9, 9, 4, 3])[0]
            else:
                kind = rng.choices(["in", "early", "late"], [85, 8, 7])[0]
            if attempt and rng.random() < 0.3:
                tech = self.tech(account_id)
            visit = {
                "technician": tech,
                "window_start": ws,
                "window_end": we,
                "arrived_at": None,
                "departed_at": None,
                "outcome": None,
                "notes": None,
            }
            wo["visits"].append(visit)
            if kind == "no_show":
                visit["notes"] = rng.choice(NO_SHOW_NOTES)
                planned = to_minute(tech_hours.add(we, hours(rng.uniform(1, 8))))
                earliest = we
                continue
            if kind == "in":
                arrived = max(ws, min(planned, we - minutes(10))) + minutes(rng.randint(0, 40))
                arrived = min(arrived, we)
            elif kind == "early":
                arrived = ws - minutes(rng.randint(5, 40))
            elif kind == "late":
                arrived = we + grace + minutes(rng.randint(1, 55))
            else:
                arrived = we + grace + minutes(rng.randint(61, 170))
            arrived = max(arrived, earliest)
            departed = arrived + minutes(rng.randint(35, 150))
            visit["arrived_at"], visit["departed_at"] = arrived, departed
            last = attempt == 3
            weights = [62, 23, 10, 5] if attempt == 0 else [85, 10, 5, 0]
            outcome = (
                "fixed"
                if last
                else rng.choices(["fixed", "parts_needed", "follow_up", "no_access"], weights)[0]
            )
            visit["outcome"] = outcome
            if outcome == "fixed":
                resolution_code, note = rng.choice(fixes)
                visit["notes"] = note
                wo["resolution_code"] = resolution_code
                wo["resolved_at"] = departed + minutes(rng.randint(0, 15))
                wo["closed_at"] = wo["resolved_at"] + minutes(rng.randint(45, 2880))
                return wo
            if outcome == "parts_needed":
                eta = rng.randint(1, 4)
                visit["notes"] = rng.choice(PARTS_NOTES).format(part=part, eta=eta)
                visit["notes"] = visit["notes"][0].upper() + visit["notes"][1:]
                start = departed + minutes(rng.randint(5, 30))
                end = tech_hours.add(tech_hours.add(start, hours(10 * eta)), timedelta(0)) + minutes(
                    rng.randint(0, 90)
                )
                wo["pauses"].append({"start": start, "end": end, "reason": "Awaiting Parts"})
                planned = to_minute(tech_hours.add(end, hours(rng.uniform(1, 6))))
                earliest = end
            elif outcome == "follow_up":
                visit["notes"] = rng.choice(FOLLOW_UP_NOTES).format(part=part)
                resume = departed
                if rng.random() < 0.4:
                    start = departed + minutes(10)
                    resume = tech_hours.add(start + hours(rng.randint(18, 70)), timedelta(0))
                    reason = rng.choice(["Awaiting Customer", "Awaiting Customer", "On Hold"])
                    wo["pauses"].append({"start": start, "end": resume, "reason": reason})
                planned = to_minute(tech_hours.add(resume, hours(rng.uniform(3, 16))))
                earliest = resume
            else:
                visit["notes"] = rng.choice(NO_ACCESS_NOTES)
                visit["departed_at"] = arrived + minutes(rng.randint(10, 25))
                planned = to_minute(tech_hours.add(visit["departed_at"], hours(rng.uniform(2, 12))))
                earliest = visit["departed_at"]
        raise AssertionError("unreachable: the fourth visit always fixes")

    def background_failures(self, blocked: dict[str, list[tuple[datetime, datetime]]]) -> None:
        """Random corrective work: a Poisson process for the flawed model, a steadier one for the rest.

        Healthy models never fail twice within HEALTHY_GAP by chance, so their only repeat failures and
        callbacks are the planted ones; `blocked` holds the spans around planted work orders.
        """
        rng = self.rng
        for asset in self.assets.values():
            key = asset["_key"]
            rate = MODELS[key][5]
            if rate == 0 or asset["id"] in EXCLUDED_FROM_BACKGROUND:
                continue
            tz = asset["site"]["timezone"]
            begin = max(FIRST_DAY, asset["installed_on"] or FIRST_DAY)
            end = local_date(AS_OF, tz)
            mean_gap = 365.25 / rate
            if key == "CU":
                t = rng.expovariate(1 / mean_gap)
            else:
                t = rng.gammavariate(3, mean_gap / 3) - rng.uniform(0, mean_gap)
            while True:
                if t >= 0:
                    day = begin + timedelta(days=int(t))
                    if day > end:
                        break
                    opened = at_local(day, self.time_of_day(), tz)
                    spans = blocked.setdefault(asset["id"], [])
                    if opened < AS_OF and not any(a <= opened <= b for a, b in spans):
                        code = _weighted(rng, MODEL_FAILURES[key])
                        priority = rng.choices(
                            ["P1", "P2", "P3", "P4"], [3, 30 if key == "CU" else 22, 50, 20]
                        )[0]
                        self.work_orders.append(self.corrective(asset, opened, priority, code))
                        if key != "CU":  # healthy models: no clusters or callbacks by chance
                            spans.append((opened - HEALTHY_GAP, opened + HEALTHY_GAP))
                t += rng.expovariate(1 / mean_gap) if key == "CU" else rng.gammavariate(3, mean_gap / 3)

    def time_of_day(self) -> int:
        """Minutes after local midnight at which a call comes in: mostly in the day, some at night."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.68:
            return rng.randint(7 * 60, 17 * 60 + 30)
        if roll < 0.92:
            return rng.randint(17 * 60 + 30, 22 * 60 + 30)
        return rng.randint(0, 7 * 60)

    # -- preventive maintenance -----------------------------------------------------------------

    def preventive(self) -> None:
        """Quarterly PM visits per site for every asset on a contract with a pm_interval promise."""
        rng = self.rng
        for site in self.sites:
            assets = [a for a in site["assets"] if self._has_pm(a)]
            if not assets:
                continue
            account_id = site["account_id"]
            tz = self.accounts[account_id]["timezone"]
            tech_hours = self.tech_hours[account_id]
            fixed = PM_SCHEDULES.get(site["name"])
            if fixed:
                days = [date.fromisoformat(d) for d in fixed]
            else:
                first_due = min(
                    date.fromisoformat(c["starts_on"]) + timedelta(days=90)
                    for c in self.contracts
                    if c["account_id"] == account_id
                )
                latest = min(date(2025, 12, 12), first_due - timedelta(days=3))
                days = [
                    _workday(
                        date(2025, 11, 3) + timedelta(days=rng.randint(0, (latest - date(2025, 11, 3)).days)),
                        tech_hours,
                    )
                ]
                while True:
                    gap = rng.randint(92, 104) if rng.random() < 0.07 else rng.randint(76, 88)
                    nxt = _workday(days[-1] + timedelta(days=gap), tech_hours)
                    if nxt >= local_date(AS_OF, tz):
                        break
                    days.append(nxt)
            regular = self.tech(account_id)
            for day in days:
                tech = regular if rng.random() < 0.75 else self.tech(account_id)
                self.pm_visit(
                    site, [a for a in assets if not a["installed_on"] or a["installed_on"] < day], day, tech
                )

    def _has_pm(self, asset: dict[str, Any]) -> bool:
        contract = next((c for c in self.contracts if c["id"] == asset["contract_id"]), None)
        return contract is not None and any(p["kind"] == "pm_interval" for p in contract["promises"])

    def pm_visit(self, site: dict[str, Any], assets: list[dict[str, Any]], day: date, tech: str) -> None:
        rng = self.rng
        account_id = site["account_id"]
        tz = self.accounts[account_id]["timezone"]
        opened = at_local(max(day - timedelta(days=rng.randint(2, 9)), FIRST_DAY), 6 * 60, tz)
        ws = at_local(day, rng.choice([8, 8, 8, 12]) * 60, tz)
        we = ws + hours(4)
        grace = self.grace(self.contract_on(account_id, ws))
        kind = rng.choices(["in", "early", "late", "very_late"], [84, 8, 6, 2])[0]
        if kind == "in":
            arrived = ws + minutes(rng.randint(0, 150))
        elif kind == "early":
            arrived = ws - minutes(rng.randint(5, 30))
        elif kind == "late":
            arrived = we + grace + minutes(rng.randint(1, 50))
        else:
            arrived = we + grace + minutes(rng.randint(65, 120))
        t = arrived
        skip = PM_SKIPPED.get((site["name"], day.isoformat()))
        for asset in assets:
            model_key = asset["_key"]
            wo = self.new_wo(asset, "preventive", opened, "P4")
            wo["summary"] = f"Quarterly preventive maintenance - {asset['name']}"
            wo["description"] = f"Planned maintenance of the {asset['model']}: {PM_TASKS[model_key]}."
            visit = {
                "technician": tech,
                "window_start": ws,
                "window_end": we,
                "arrived_at": arrived,
                "departed_at": None,
                "outcome": "fixed",
                "notes": None,
            }
            wo["visits"].append(visit)
            if skip and skip[0] == asset["id"]:
                t += minutes(10)
                visit["departed_at"], visit["outcome"], visit["notes"] = t, "no_access", skip[1]
                wo["pauses"].append({"start": t + minutes(20), "end": None, "reason": "Awaiting Customer"})
                wo["state"], wo["key"] = "open", "pm-overdue-open"
                self.work_orders.append(wo)
                continue
            t += minutes(rng.randint(35, 75))
            visit["departed_at"] = t
            visit["notes"] = "PM completed. " + rng.choice(PM_OBSERVATIONS)
            wo["resolved_at"] = t
            wo["closed_at"] = t + minutes(rng.randint(60, 1800))
            wo["resolution_code"] = "PM-COMPLETE"
            self.work_orders.append(wo)

    # -- other work -----------------------------------------------------------------------------

    def other_work(self) -> None:
        rng = self.rng
        for site in self.sites:
            if rng.random() < 0.45:
                continue
            account_id = site["account_id"]
            tz = self.accounts[account_id]["timezone"]
            summary, description = rng.choice(OTHER_JOBS)
            day = FIRST_DAY + timedelta(days=rng.randint(10, 330))
            opened = at_local(day, rng.randint(8 * 60, 16 * 60), tz)
            site_record = site["assets"][0]["site"]
            wo = self.new_wo(None, "other", opened, "P4", account_id=account_id, site=site_record)
            wo["summary"], wo["description"] = summary, description
            ws = at_local(
                self.tech_hours[account_id]
                .add(opened, hours(rng.randint(10, 60)))
                .astimezone(zone(tz))
                .date(),
                rng.choice([9, 13]) * 60,
                tz,
            )
            arrived = ws + minutes(rng.randint(0, 90))
            departed = arrived + minutes(rng.randint(40, 120))
            wo["visits"].append(
                {
                    "technician": self.tech(account_id),
                    "window_start": ws,
                    "window_end": ws + hours(3),
                    "arrived_at": arrived,
                    "departed_at": departed,
                    "outcome": "other",
                    "notes": "Done; report sent to the customer.",
                }
            )
            wo["resolved_at"] = departed
            wo["closed_at"] = departed + minutes(rng.randint(120, 4000))
            wo["resolution_code"] = "COMPLETED"
            self.work_orders.append(wo)


OTHER_JOBS = [
    (
        "Annual refrigerant leak check records",
        "Yearly leak-check documentation for all units on site (F-gas log).",
    ),
    (
        "Site survey for an additional reach-in",
        "Customer plans a new display; survey power, space and heat load.",
    ),
    (
        "Quote: replace the ice machine",
        "Customer asked for a replacement quote; measure up and check the water supply.",
    ),
    ("Temperature logger calibration", "Calibrate the customer's temperature loggers against our reference."),
    (
        "Energy audit of the refrigeration plant",
        "Walk-through and report on energy savings (night blinds, EC fans).",
    ),
]

# Stories that need exact PM days per site (local dates of the PM visits)
PM_SCHEDULES = {
    PM_DUE_SITE: ["2025-11-25", "2026-02-19", "2026-05-19", "2026-08-11"],
    "Hotel Elbblick": ["2025-11-04", "2026-01-27", "2026-04-21", "2026-07-14", "2026-10-08"],
}
# (site, day) -> (asset whose PM could not be done, visit note)
PM_SKIPPED = {
    ("Hotel Elbblick", "2026-10-08"): (
        PM_OVERDUE_ASSET,
        "No access: banquet store room locked, key holder on leave until further notice.",
    ),
}
# assets whose whole history is planted (no random failures)
EXCLUDED_FROM_BACKGROUND = (
    REPEAT_ASSET,
    REPEAT_EDGE_ASSET,
    NEAR_MISS_ASSET,
    CALLBACK_ASSET,
    OVERLAP_ASSET,
    "AST-0043",
    "AST-0044",
)


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def _workday(day: date, hours_: Hours) -> date:
    while day.weekday() >= 5 or day in hours_.holidays:
        day += timedelta(days=1)
    return day


# ------------------------------------------------------------------------------------------------
# Planted stories: exact work orders, in the local time of the asset's site

# (technician, window start, window end, arrived, departed, outcome, notes), times 'YYYY-MM-DD HH:MM' local
VisitSpec = tuple[str, str, str, str | None, str | None, str | None, str | None]
AUTO = "auto"


def plant(
    g: Generator,
    key: str,
    asset_id: str,
    opened: str,
    priority: str | None,
    code: str | None,
    visits: Sequence[VisitSpec] = (),
    *,
    pauses: Sequence[tuple[str, str | None, str]] = (),
    resolved: str | None = None,
    closed: str | None = None,
    summary: str | None = None,
    description: str | None = None,
    resolution_code: str | None = None,
    contract_id: str | None = AUTO,
    state: str = "closed",
    kind: str = "corrective",
    status: str | None = None,
) -> dict[str, Any]:
    asset = g.assets[asset_id]
    tz = asset["site"]["timezone"]

    def at(text: str | None) -> datetime | None:
        return None if text is None else local(text, tz)

    wo = g.new_wo(asset, kind, at(opened), priority)
    wo["key"] = key
    if code is not None:
        summaries, descriptions, _, fixes = FAILURES[code]
        wo["summary"] = summary or summaries[0]
        wo["description"] = description or g.fill(descriptions[0], asset)
        wo["failure_code"] = code if kind == "corrective" else None
        wo["resolution_code"] = resolution_code or (fixes[0][0] if resolved else None)
    else:
        wo["summary"], wo["description"], wo["resolution_code"] = summary, description, resolution_code
    if contract_id != AUTO:
        wo["contract_id"] = contract_id
    for tech, ws, we, arrived, departed, outcome, notes in visits:
        wo["visits"].append(
            {
                "technician": tech,
                "window_start": at(ws),
                "window_end": at(we),
                "arrived_at": at(arrived),
                "departed_at": at(departed),
                "outcome": outcome,
                "notes": notes,
            }
        )
    wo["pauses"] = [{"start": at(start), "end": at(end), "reason": reason} for start, end, reason in pauses]
    wo["resolved_at"] = at(resolved)
    wo["state"] = state
    if state == "closed":
        wo["closed_at"] = at(closed) if closed else wo["resolved_at"] + hours(3)
    elif state == "cancelled":
        wo["closed_at"] = at(closed)
    wo["status"] = status
    g.work_orders.append(wo)
    return wo


def plant_stories(g: Generator) -> None:
    # Repeat failure with callbacks: the hospital's central kitchen walk-in, 4 corrective WOs in 70 days.
    kitchen = "AST-0021"
    plant(
        g,
        "repeat-1",
        kitchen,
        "2026-02-09 07:20",
        "P2",
        "DEFROST-HEATER",
        [
            (
                "Lukas Hoffmann",
                "2026-02-09 08:00",
                "2026-02-09 10:00",
                "2026-02-09 08:40",
                "2026-02-09 10:10",
                "fixed",
                "Replaced the defrost heater, manual defrost, coil clear; room pulling down.",
            ),
        ],
        resolved="2026-02-09 10:15",
        closed="2026-02-09 15:00",
    )
    plant(
        g,
        "repeat-2-callback",
        kitchen,
        "2026-02-16 06:50",
        "P2",
        "DEFROST-HEATER",
        [
            (
                "Lukas Hoffmann",
                "2026-02-16 08:00",
                "2026-02-16 10:00",
                "2026-02-16 09:05",
                "2026-02-16 10:20",
                "parts_needed",
                "Coil iced again a week after the new heater; defrost termination thermostat stuck "
                "closed. Not on the van; ordered, ETA 2 working days.",
            ),
            (
                "Lukas Hoffmann",
                "2026-02-18 10:00",
                "2026-02-18 12:00",
                "2026-02-18 10:20",
                "2026-02-18 11:55",
                "fixed",
                "Replaced the defrost termination thermostat; watched two defrost cycles.",
            ),
        ],
        pauses=[("2026-02-16 10:30", "2026-02-18 09:00", "Awaiting Parts")],
        resolved="2026-02-18 12:00",
        summary="Walk-in iced up again a week after the heater was replaced",
        resolution_code="REPLACED-THERMOSTAT",
    )
    plant(
        g,
        "repeat-3-callback",
        kitchen,
        "2026-03-13 14:10",
        "P2",
        "CONTROLLER",
        [
            (
                "Aylin Demir",
                "2026-03-13 16:00",
                "2026-03-13 18:00",
                "2026-03-13 16:25",
                "2026-03-13 17:40",
                "fixed",
                "Controller had lost its defrost schedule after a power cut; fitted a revision C controller.",
            ),
        ],
        resolved="2026-03-13 17:45",
    )
    plant(
        g,
        "repeat-4",
        kitchen,
        "2026-04-20 09:30",
        "P2",
        "DEFROST-HEATER",
        [
            (
                "Lukas Hoffmann",
                "2026-04-20 11:00",
                "2026-04-20 13:00",
                "2026-04-20 11:10",
                "2026-04-20 13:30",
                "fixed",
                "Heater element burnt again; replaced the heater and the fan-guard heater tape (KB: "
                "WIC-20 iced evaporator). Recommend replacing the evaporator at the next PM.",
            ),
        ],
        resolved="2026-04-20 13:35",
    )

    # Repeat failure exactly on the window edge: first and third WO exactly 90 days apart (inclusive).
    roof = "AST-0025"
    plant(
        g,
        "edge-1",
        roof,
        "2026-03-10 10:00",
        "P3",
        "BELT",
        [
            (
                "Marta Nowak",
                "2026-03-10 13:00",
                "2026-03-10 16:00",
                "2026-03-10 13:40",
                "2026-03-10 14:50",
                "fixed",
                "Replaced the supply fan belt and tensioned it; airflow restored.",
            ),
        ],
        resolved="2026-03-10 14:55",
    )
    plant(
        g,
        "edge-2",
        roof,
        "2026-04-21 15:30",
        "P3",
        "ECONOMIZER",
        [
            (
                "Marta Nowak",
                "2026-04-22 08:00",
                "2026-04-22 10:00",
                "2026-04-22 08:25",
                "2026-04-22 09:40",
                "fixed",
                "Replaced the damper actuator linkage and tested the economizer sequence.",
            ),
        ],
        resolved="2026-04-22 09:45",
    )
    plant(
        g,
        "edge-3",
        roof,
        "2026-06-08 11:00",
        "P2",
        "CONTROL-BOARD",
        [
            (
                "Jonas Becker",
                "2026-06-08 13:00",
                "2026-06-08 15:00",
                "2026-06-08 13:20",
                "2026-06-08 14:30",
                "parts_needed",
                "Control board fault; board ordered, ETA 1 working day. Restaurant on portable cooling.",
            ),
            (
                "Jonas Becker",
                "2026-06-10 08:00",
                "2026-06-10 10:00",
                "2026-06-10 08:15",
                "2026-06-10 10:05",
                "fixed",
                "Replaced the unit control board and restored the BMS settings.",
            ),
        ],
        pauses=[("2026-06-08 14:40", "2026-06-09 16:00", "Awaiting Parts")],
        resolved="2026-06-10 10:10",
    )

    # Near miss: three WOs spanning 90 days and 1 minute, and a cancelled call that must not count.
    ice = "AST-0078"
    plant(
        g,
        "near-1",
        ice,
        "2026-05-04 09:00",
        "P3",
        "WATER-VALVE",
        [
            (
                "Tom Kowalski",
                "2026-05-04 13:00",
                "2026-05-04 15:00",
                "2026-05-04 13:35",
                "2026-05-04 14:30",
                "fixed",
                "Replaced the water inlet valve; two harvest cycles observed.",
            ),
        ],
        resolved="2026-05-04 14:35",
    )
    plant(
        g,
        "near-cancelled",
        ice,
        "2026-05-20 08:15",
        "P3",
        None,
        state="cancelled",
        closed="2026-05-20 09:05",
        summary="Ice machine not making ice",
        description="Staff reported no ice again. Cancelled: the cleaners had closed the supply stop "
        "valve; the store reopened it.",
    )
    plant(
        g,
        "near-2",
        ice,
        "2026-06-15 13:00",
        "P3",
        "SCALE",
        [
            (
                "Keisha Williams",
                "2026-06-16 08:00",
                "2026-06-16 10:00",
                "2026-06-16 09:10",
                "2026-06-16 11:00",
                "fixed",
                "Descaled and sanitized the machine, replaced the water filter; production back to rated.",
            ),
        ],
        resolved="2026-06-16 11:05",
    )
    plant(
        g,
        "near-3",
        ice,
        "2026-08-02 09:01",
        "P3",
        "HARVEST-SENSOR",
        [
            (
                "Tom Kowalski",
                "2026-08-03 08:00",
                "2026-08-03 10:00",
                "2026-08-03 08:45",
                "2026-08-03 09:50",
                "fixed",
                "Harvest sensor magnet had worked loose; refitted with the stainless clip.",
            ),
        ],
        resolved="2026-08-03 09:55",
    )

    # Callback 29 days after the first fix, same technician, on a bronze account.
    line = "AST-0045"
    plant(
        g,
        "callback-1",
        line,
        "2026-09-01 11:00",
        "P3",
        "THERMOSTAT",
        [
            (
                "Diego Alvarez",
                "2026-09-01 14:00",
                "2026-09-01 17:00",
                "2026-09-01 15:10",
                "2026-09-01 16:00",
                "parts_needed",
                "Air probe reading 4 degrees off; not on the van. Ordered, ETA 1 working day.",
            ),
            (
                "Diego Alvarez",
                "2026-09-02 08:00",
                "2026-09-02 11:00",
                "2026-09-02 09:50",
                "2026-09-02 10:40",
                "fixed",
                "Replaced the air probe and recalibrated the controller.",
            ),
        ],
        pauses=[("2026-09-01 16:10", "2026-09-02 07:30", "Awaiting Parts")],
        resolved="2026-09-02 10:45",
    )
    plant(
        g,
        "callback-2",
        line,
        "2026-10-01 10:00",
        "P2",
        "THERMOSTAT",
        [
            (
                "Diego Alvarez",
                "2026-10-01 14:00",
                "2026-10-01 17:00",
                "2026-10-01 14:30",
                "2026-10-01 15:45",
                "fixed",
                "Probe was fine this time: the controller itself drifts. Replaced the controller.",
            ),
        ],
        resolved="2026-10-01 15:50",
        summary="Product freezing again in line reach-in 1",
        resolution_code="REPLACED-CONTROLLER",
    )

    # Opened while the first job was still unresolved: a duplicate, not a callback.
    dairy = "AST-0033"
    plant(
        g,
        "overlap-1",
        dairy,
        "2026-08-11 09:10",
        "P3",
        "EVAP-FAN",
        [
            (
                "Priya Natarajan",
                "2026-08-11 13:00",
                "2026-08-11 16:00",
                "2026-08-11 14:05",
                "2026-08-11 15:00",
                "parts_needed",
                "Evaporator fan motor seized; not on the van. Ordered, ETA 2 working days.",
            ),
            (
                "Priya Natarajan",
                "2026-08-14 10:00",
                "2026-08-14 13:00",
                "2026-08-14 10:35",
                "2026-08-14 11:50",
                "fixed",
                "Replaced the evaporator fan motor; airflow restored, cabinet pulling down.",
            ),
        ],
        pauses=[("2026-08-11 15:10", "2026-08-14 09:00", "Awaiting Parts")],
        resolved="2026-08-14 11:55",
    )
    plant(
        g,
        "overlap-2",
        dairy,
        "2026-08-12 19:40",
        "P2",
        "EVAP-FAN",
        [
            (
                "Marcus Reed",
                "2026-08-13 08:00",
                "2026-08-13 10:00",
                "2026-08-13 08:20",
                "2026-08-13 08:55",
                "follow_up",
                "Same fault as the open job: fan motor on order. Left a temporary fan in the cabinet; "
                "the permanent repair is under the earlier job.",
            ),
        ],
        resolved="2026-08-14 12:05",
        closed="2026-08-14 12:10",
        resolution_code="DUPLICATE",
        summary="Dairy reach-in 1 warm again (night manager)",
        description="Night manager reports dairy reach-in 1 at 11C and alarming; product moved to "
        "reach-in 2. Raised while the parts order on the earlier job was still open.",
    )

    # Open at AS_OF: a P1 past its response target with nobody on site yet.
    plant(
        g,
        "p1-overdue",
        "AST-0041",
        "2026-10-30 06:10",
        "P1",
        None,
        [
            ("Marcus Reed", "2026-10-30 10:00", "2026-10-30 12:00", None, None, None, None),
        ],
        state="open",
        status="Dispatched",
        summary="UPS room overheating - CRAC-2 down",
        description="NOC reports the UPS room at 31C and rising; CRAC-2 tripped on a high-pressure "
        "lockout and will not reset. Portable spot cooler deployed.",
    )
    # Open at AS_OF: 30 of its 480 business minutes left (at risk).
    plant(
        g,
        "at-risk",
        "AST-0039",
        "2026-10-29 14:30",
        "P2",
        "DOOR-GASKET",
        state="open",
        status="Scheduled",
        summary="Meat walk-in at 7C, door not closing",
        description="Door closer broken and the door drifts open; room at 7C (setpoint 2C). Staff are "
        "propping the door shut with a crate. Visit booked for Friday afternoon.",
    )
    # Open at AS_OF, awaiting parts (pause still running), at the site whose PMs fall due on 2026-11-09.
    plant(
        g,
        "pm-site-open",
        "AST-0013",
        "2026-10-30 13:30",
        "P2",
        "DEFROST-HEATER",
        [
            (
                "Aylin Demir",
                "2026-10-30 14:00",
                "2026-10-30 16:00",
                "2026-10-30 14:45",
                "2026-10-30 16:05",
                "parts_needed",
                "Defrost heater open circuit; not on the van. Ordered, ETA 1 working day. Produce moved "
                "to the back room.",
            ),
        ],
        pauses=[("2026-10-30 16:10", None, "Awaiting Parts")],
        state="open",
        status="Awaiting Parts",
    )
    # Open at AS_OF: the technician is on site right now (arrived, not yet departed).
    plant(
        g,
        "in-progress",
        "AST-0080",
        "2026-10-30 07:45",
        "P3",
        "EVAP-FAN",
        [
            ("Keisha Williams", "2026-10-30 09:00", "2026-10-30 11:00", "2026-10-30 10:20", None, None, None),
        ],
        state="open",
        status="In Progress",
    )
    # Open at AS_OF, pending: bronze business clock in Sydney, opened Friday afternoon.
    plant(
        g,
        "pending-sydney",
        "AST-0084",
        "2026-10-30 15:20",
        "P3",
        "DRAIN-CLOG",
        state="open",
        status="Scheduled",
    )
    # Open at AS_OF, pending: a P1 in Sydney's early Saturday (AS_OF is 03:00 there), 150 minutes left.
    plant(
        g,
        "p1-pending",
        "AST-0062",
        "2026-10-31 01:30",
        "P1",
        "BELT",
        state="open",
        status="Dispatched",
        summary="Level 3 labs at 29C, no airflow",
        description="Security reports level 3 at 29C and fume-hood "
        "airflow alarms; rooftop unit L3 running but no airflow at the diffusers.",
    )

    # Arrival: over an hour late (bronze grace 60 min), and no parts on the van.
    plant(
        g,
        "late-arrival",
        "AST-0069",
        "2026-09-22 07:45",
        "P3",
        "DOOR-GASKET",
        [
            (
                "Callum Hughes",
                "2026-09-22 10:00",
                "2026-09-22 12:00",
                "2026-09-22 14:20",
                "2026-09-22 14:50",
                "parts_needed",
                "Gasket torn along the full length; the right size is not on the van. Ordered, ETA 1 "
                "working day.",
            ),
            (
                "Callum Hughes",
                "2026-09-23 08:00",
                "2026-09-23 10:00",
                "2026-09-23 08:30",
                "2026-09-23 09:20",
                "fixed",
                "Fitted the new door gasket and adjusted the hinge; door seals.",
            ),
        ],
        pauses=[("2026-09-22 15:00", "2026-09-23 07:45", "Awaiting Parts")],
        resolved="2026-09-23 09:25",
    )
    # Arrival: 22 minutes late (silver grace 30 min).
    plant(
        g,
        "slightly-late",
        "AST-0035",
        "2026-07-07 08:40",
        "P3",
        "EVAP-FAN",
        [
            (
                "Marcus Reed",
                "2026-07-07 13:00",
                "2026-07-07 15:00",
                "2026-07-07 15:52",
                "2026-07-07 17:05",
                "fixed",
                "Replaced the evaporator fan motor; airflow restored.",
            ),
        ],
        resolved="2026-07-07 17:10",
    )
    # Arrival: early (before the window opened): met.
    plant(
        g,
        "early-arrival",
        "AST-0018",
        "2026-06-23 07:55",
        "P2",
        "CONTROLLER",
        [
            (
                "Jonas Becker",
                "2026-06-23 10:00",
                "2026-06-23 12:00",
                "2026-06-23 09:35",
                "2026-06-23 10:40",
                "fixed",
                "Replaced the room controller and programmed setpoints and defrost schedule.",
            ),
        ],
        resolved="2026-06-23 10:45",
    )
    # A no-show, then a second visit; the bronze response target is missed by 45 minutes.
    plant(
        g,
        "no-show",
        "AST-0051",
        "2026-06-16 10:05",
        "P3",
        "WATER-VALVE",
        [
            (
                "Diego Alvarez",
                "2026-06-17 08:00",
                "2026-06-17 12:00",
                None,
                None,
                None,
                "Technician reassigned to an emergency call; customer not informed.",
            ),
            (
                "Priya Natarajan",
                "2026-06-18 08:00",
                "2026-06-18 10:00",
                "2026-06-18 08:50",
                "2026-06-18 09:45",
                "fixed",
                "Replaced the water inlet valve; two harvest cycles observed.",
            ),
        ],
        resolved="2026-06-18 09:50",
    )
    # Response across Good Friday, the end of Sydney's daylight saving and Easter Monday: met on Tuesday.
    plant(
        g,
        "easter-dst",
        "AST-0055",
        "2026-04-02 16:30",
        "P2",
        "EVAP-FAN",
        [
            (
                "Mei Chen",
                "2026-04-07 09:00",
                "2026-04-07 12:00",
                "2026-04-07 10:15",
                "2026-04-07 11:35",
                "fixed",
                "Replaced the evaporator fan motor; cabinet back to 3C.",
            ),
        ],
        resolved="2026-04-07 11:40",
        contract_id=None,
        description="Deli reach-in at 9C, evaporator fan grinding. Store closed over Easter; the manager "
        "moved stock to the cold room and is happy with a visit on Tuesday.",
    )
    # Opened on Christmas Day evening; the technician came on Boxing Day, before the business clock started.
    plant(
        g,
        "holiday",
        "AST-0027",
        "2025-12-25 19:40",
        "P2",
        "DEFROST-HEATER",
        [
            (
                "Lukas Hoffmann",
                "2025-12-26 10:00",
                "2025-12-26 12:00",
                "2025-12-26 10:30",
                "2025-12-26 12:10",
                "fixed",
                "Replaced the defrost heater, manual defrost, coil clear; room pulling down.",
            ),
        ],
        resolved="2025-12-26 12:15",
    )
    # P1 at night: response missed by 55 minutes, resolution by over 8 hours (no pause).
    plant(
        g,
        "p1-breach",
        "AST-0017",
        "2026-01-17 02:10",
        "P1",
        "CONTROL-BOARD",
        [
            (
                "Jonas Becker",
                "2026-01-17 05:00",
                "2026-01-17 07:00",
                "2026-01-17 07:05",
                "2026-01-17 09:30",
                "parts_needed",
                "Control board dead after a power dip; no spare in the region. Board couriered overnight; "
                "theatres on RTU-1 and portable units.",
            ),
            (
                "Jonas Becker",
                "2026-01-18 08:00",
                "2026-01-18 10:00",
                "2026-01-18 08:30",
                "2026-01-18 10:15",
                "fixed",
                "Fitted the new control board and restored the BMS settings; theatre temperatures back "
                "in range.",
            ),
        ],
        resolved="2026-01-18 10:20",
    )
    # Fixed remotely by phone: resolved with no visit.
    plant(
        g,
        "remote-fix",
        "AST-0064",
        "2026-05-12 22:40",
        "P2",
        "CONTROLLER",
        resolved="2026-05-12 23:15",
        closed="2026-05-13 09:00",
        resolution_code="REMOTE-RESET",
        description="Security reports a high-temperature alarm (A07) on cold room 3.12. The on-call "
        "technician walked the guard through a controller restart by phone; room back to 4C by 23:10.",
    )
    # A pay-per-call job at the account without a contract.
    plant(
        g,
        "not-covered",
        "AST-0082",
        "2026-03-03 09:20",
        "P3",
        "DOOR-GASKET",
        [
            (
                "Marta Nowak",
                "2026-03-04 13:00",
                "2026-03-04 16:00",
                "2026-03-04 13:30",
                "2026-03-04 14:20",
                "fixed",
                "Fitted a new door gasket; quoted a bronze service contract to the owner.",
            ),
        ],
        resolved="2026-03-04 14:25",
    )
    plant(
        g,
        "not-covered-quote",
        "AST-0083",
        "2026-06-02 10:00",
        "P4",
        None,
        [
            (
                "Jonas Becker",
                "2026-06-09 09:00",
                "2026-06-09 12:00",
                "2026-06-09 09:40",
                "2026-06-09 10:30",
                "other",
                "Surveyed both units and left a bronze contract quote with the owner.",
            ),
        ],
        kind="other",
        resolved="2026-06-09 10:30",
        resolution_code="COMPLETED",
        summary="Quote: bronze service contract",
        description="Owner asked for a service contract quote after "
        "three pay-per-call visits; survey the reach-in and the ice machine.",
    )

    # The noisy small model: two new chillers, installed 2026-07-01, four failures since.
    for asset_id, name, techs in (
        ("AST-0043", "chiller 1", ("Marcus Reed", "Priya Natarajan")),
        ("AST-0044", "chiller 2", ("Priya Natarajan", "Marcus Reed")),
    ):
        plant(
            g,
            f"install-{asset_id}",
            asset_id,
            "2026-06-08 10:00",
            "P3",
            None,
            [
                (
                    techs[0],
                    "2026-06-29 08:00",
                    "2026-06-29 12:00",
                    "2026-06-29 08:10",
                    "2026-06-29 16:30",
                    "follow_up",
                    "Chiller set on its pads; piping connected.",
                ),
                (
                    techs[1],
                    "2026-06-30 08:00",
                    "2026-06-30 12:00",
                    "2026-06-30 08:05",
                    "2026-06-30 15:40",
                    "follow_up",
                    "Power and controls wiring terminated.",
                ),
                (
                    techs[0],
                    "2026-07-01 08:00",
                    "2026-07-01 12:00",
                    "2026-07-01 08:00",
                    "2026-07-01 16:20",
                    "fixed",
                    "Commissioned with the vendor's start-up engineer; start-up sheet attached.",
                ),
            ],
            kind="install",
            resolved="2026-07-01 16:30",
            resolution_code="INSTALLED",
            summary=f"Install and commission ChillPro WCC-900 {name}",
            description="New water-cooled chiller for data hall 2, replacing the old DX units.",
        )
    for key, asset_id, opened, code, tech in (
        ("chiller-1", "AST-0043", "2026-07-14 23:40", "FLOW-SWITCH", "Marcus Reed"),
        ("chiller-2", "AST-0044", "2026-08-03 14:15", "CONTROLS", "Priya Natarajan"),
        ("chiller-3", "AST-0043", "2026-08-27 03:20", "FLOW-SWITCH", "Marcus Reed"),
        ("chiller-4", "AST-0044", "2026-09-30 09:45", "CONTROLS", "Diego Alvarez"),
    ):
        start = local(opened, "America/New_York") + hours(2)
        ws = iso(start.replace(minute=0), "America/New_York")[:16].replace("T", " ")
        we = iso(start.replace(minute=0) + hours(2), "America/New_York")[:16].replace("T", " ")
        arrived = iso(start + minutes(25), "America/New_York")[:16].replace("T", " ")
        departed = iso(start + minutes(140), "America/New_York")[:16].replace("T", " ")
        plant(
            g,
            key,
            asset_id,
            opened,
            "P2",
            code,
            [(tech, ws, we, arrived, departed, "fixed", FAILURES[code][3][0][1])],
            resolved=departed,
        )

    # The install of the reach-in that joined the PM-due site mid-year.
    plant(
        g,
        "install-AST-0015",
        "AST-0015",
        "2026-02-09 09:00",
        "P3",
        None,
        [
            (
                "Marta Nowak",
                "2026-02-20 07:00",
                "2026-02-20 11:00",
                "2026-02-20 07:20",
                "2026-02-20 12:40",
                "fixed",
                "Installed and commissioned; old salad bar unit removed and refrigerant recovered.",
            ),
        ],
        kind="install",
        resolved="2026-02-20 12:45",
        resolution_code="INSTALLED",
        summary="Install new FrostLine RC-400 salad bar reach-in",
        description="Replace the old salad bar unit with a FrostLine RC-400; recover refrigerant from "
        "the old unit.",
    )


PLANTED_FEEDBACK = {
    "ACC-001": [
        (
            "2026-02-12 09:10",
            1,
            "The dairy unit at Charlottenburg failed for the fourth time this winter. We need a "
            "permanent fix for these condensing units, not another relay.",
        ),
        (
            "2026-07-16 14:30",
            2,
            "Relay replaced again on the Kreuzberg frozen food unit. Every few weeks the same story.",
        ),
    ],
    "ACC-002": [
        (
            "2026-01-19 08:30",
            2,
            "Operating theatre cooling down for over a day; two planned operations postponed.",
        ),
        (
            "2026-03-14 09:30",
            1,
            "Kitchen walk-in failed again - third time since February. We moved two days of "
            "patient meals to the ward fridges.",
        ),
        (
            "2026-04-22 11:00",
            2,
            "Fourth call for the central kitchen walk-in this year. We want a root cause, not "
            "another heater.",
        ),
    ],
    "ACC-003": [("2025-12-27 10:00", 5, "Came out on Boxing Day for the kitchen walk-in. Much appreciated.")],
    "ACC-005": [
        (
            "2026-09-30 18:00",
            2,
            "Fourth trip out for the new chillers since July. Is this a commissioning problem?",
        )
    ],
    "ACC-006": [
        (
            "2026-06-18 16:20",
            1,
            "Nobody showed up Wednesday morning and nobody called. The bar had no ice for two days.",
        ),
        ("2026-10-02 15:30", 2, "Same reach-in again a month after the last repair."),
    ],
    "ACC-007": [
        (
            "2026-01-28 07:40",
            1,
            "Dairy case unit at Randwick down again, the third time since Christmas. We are "
            "throwing out stock.",
        ),
        (
            "2026-05-20 10:00",
            2,
            "We will renew only if the condensing units get sorted and response gets faster.",
        ),
        (
            "2026-08-20 16:00",
            4,
            "Better since the upgrade - Mei had the dairy case running within two hours.",
        ),
    ],
    "ACC-010": [("2026-03-12 12:00", 5, "Keisha was quick and explained everything to the store manager.")],
    "ACC-012": [
        ("2026-01-10 15:00", 5, "Jack sorted the walk-in before the lunch rush on a 40-degree day. Legend.")
    ],
    "ACC-008": [
        ("2026-05-13 09:15", 5, "Thanks for the quick phone fix on the cold room last night - samples safe.")
    ],
    "ACC-009": [("2026-09-23 17:10", 1, "Technician arrived over two hours late and had no parts with him.")],
}

# ------------------------------------------------------------------------------------------------
# Finishing: cut at AS_OF, statuses, ids, feedback


def clip(wo: dict[str, Any]) -> None:
    """Remove every fact stamped after AS_OF (a running pause keeps end null)."""
    kept = []
    for v in wo["visits"]:
        if v["window_end"] is not None and v["window_end"] > AS_OF:
            continue
        if v["window_end"] is None and (v["arrived_at"] is None or v["arrived_at"] > AS_OF):
            continue
        if v["arrived_at"] is not None and v["arrived_at"] > AS_OF:
            v["arrived_at"] = v["departed_at"] = v["outcome"] = v["notes"] = None
        elif v["departed_at"] is not None and v["departed_at"] > AS_OF:
            v["departed_at"] = v["outcome"] = v["notes"] = None
        kept.append(v)
    wo["visits"] = kept
    wo["pauses"] = [p for p in wo["pauses"] if p["start"] <= AS_OF]
    for p in wo["pauses"]:
        if p["end"] is not None and p["end"] > AS_OF:
            p["end"] = None
    if wo["resolved_at"] is not None and wo["resolved_at"] > AS_OF:
        wo["resolved_at"] = wo["resolution_code"] = None
    if wo["closed_at"] is not None and wo["closed_at"] > AS_OF:
        wo["closed_at"] = None
        wo["state"] = "open"
    if wo["state"] == "open" and wo["status"] is None:
        running = [p for p in wo["pauses"] if p["end"] is None]
        if running:
            wo["status"] = "Awaiting Parts" if running[-1]["reason"] == "Awaiting Parts" else "On Hold"
        elif wo["resolved_at"] is not None:
            wo["status"] = "Resolved"
        elif any(v["arrived_at"] is not None and v["departed_at"] is None for v in wo["visits"]):
            wo["status"] = "In Progress"
        elif wo["visits"] and wo["visits"][-1]["arrived_at"] is None:
            wo["status"] = "Dispatched"
        else:
            wo["status"] = "Scheduled"
    elif wo["state"] == "closed":
        wo["status"] = "Closed Complete"
    elif wo["state"] == "cancelled":
        wo["status"] = "Cancelled"


KIND_ORDER = {"install": 0, "corrective": 1, "preventive": 2, "other": 3}


def number_work_orders(work_orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    work_orders.sort(
        key=lambda w: (w["opened_at"], KIND_ORDER[w["kind"]], w["asset_id"] or "", w["key"] or "")
    )
    for n, wo in enumerate(work_orders, 1):
        wo["id"] = f"wo-{n:06d}"
        wo["number"] = f"WO{10000 + n:07d}"
        for k, visit in enumerate(wo["visits"], 1):
            visit["id"] = f"{wo['id']}-v{k}"
    return work_orders


def feedback(g: Generator, work_orders: list[dict[str, Any]]) -> None:
    """Customer feedback: complaints after bad experiences, some praise after good ones."""
    rng = g.rng
    entries: dict[str, list[tuple[datetime, int, str]]] = {a["id"]: [] for a in ACCOUNTS}
    for account_id, items in PLANTED_FEEDBACK.items():
        tz = g.accounts[account_id]["timezone"]
        entries[account_id] += [(local(at, tz), score, comment) for at, score, comment in items]
    last_fix: dict[str, datetime] = {}
    for wo in work_orders:
        if wo["kind"] != "corrective" or wo["state"] == "cancelled":
            continue
        previous = last_fix.get(wo["asset_id"])
        if wo["resolved_at"] is not None:
            last_fix[wo["asset_id"]] = max(wo["resolved_at"], previous or wo["resolved_at"])
        if wo["key"] or wo["state"] != "closed":
            continue
        visits = wo["visits"]
        asset = g.assets[wo["asset_id"]]
        late = max(
            (v["arrived_at"] - v["window_end"] for v in visits if v["arrived_at"]), default=timedelta(0)
        )
        reasons = []
        if any(v["arrived_at"] is None for v in visits):
            reasons.append(("no_show", {}))
        if late > hours(1):
            text = f"{round(late.total_seconds() / 3600)} hours" if late >= hours(1.5) else "over an hour"
            parts = any(v["outcome"] == "parts_needed" for v in visits)
            reasons.append(("late", {"late": text, "parts": " and had no parts with him" if parts else ""}))
        if previous is not None and previous <= wo["opened_at"] <= previous + timedelta(days=30):
            reasons.append(
                ("callback", {"days": (wo["opened_at"] - previous).days, "asset": asset["name"].lower()})
            )
        if len(visits) >= 3:
            reasons.append(("visits", {"asset": asset["name"].lower()}))
        first = min((v["arrived_at"] for v in visits if v["arrived_at"]), default=None)
        if first is not None and first - wo["opened_at"] > hours(12) and wo["priority"] in ("P1", "P2"):
            reasons.append(("slow", {"asset": asset["name"].lower()}))
        tz = wo["_tz"]  # feedback comes in the customer's daytime, after the job is closed
        at = at_local(
            local_date(wo["closed_at"] + minutes(rng.randint(120, 2400)), tz), rng.randint(480, 1200), tz
        )
        at = max(at, wo["closed_at"] + minutes(rng.randint(60, 240)))
        if at > AS_OF:
            continue
        if reasons:
            if rng.random() < 0.2:
                reason, values = rng.choice(reasons)
                entries[wo["account_id"]].append(
                    (at, rng.choice([1, 2]), rng.choice(BAD_COMMENTS[reason]).format(**values))
                )
        elif len(visits) == 1 and late <= timedelta(0):
            if rng.random() < 0.1:
                tech = visits[0]["technician"].split()[0]
                comment = rng.choice(GOOD_COMMENTS).format(tech=tech)
                entries[wo["account_id"]].append((at, rng.choice([4, 5, 5]), comment))
        elif len(visits) == 2 and rng.random() < 0.08:
            entries[wo["account_id"]].append((at, 3, rng.choice(NEUTRAL_COMMENTS)))
    for account in ACCOUNTS:
        tz = account["timezone"]
        account["_feedback"] = [
            {"at": iso(at, tz), "score": score, "comment": comment}
            for at, score, comment in sorted(entries[account["id"]])
        ]


# ------------------------------------------------------------------------------------------------
# Records


def account_record(account: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": account["id"],
        "name": account["name"],
        "tier": account["tier"],
        "timezone": account["timezone"],
        "contacts": account["contacts"],
        "notes": account["notes"],
        "feedback": account["_feedback"],
        "extra": None,
    }


def asset_record(asset: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, date) else v) for k, v in asset.items() if not k.startswith("_")
    }


def calendar_record(calendar: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": calendar["id"],
        "timezone": calendar["timezone"],
        "weekly": calendar["weekly"],
        "holidays": calendar["holidays"],
        "extra": None,
    }


def contract_record(contract: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in contract.items() if not k.startswith("_")}


def work_order_record(wo: dict[str, Any]) -> dict[str, Any]:
    tz = wo["_tz"]
    return {
        "id": wo["id"],
        "number": wo["number"],
        "account_id": wo["account_id"],
        "asset_id": wo["asset_id"],
        "contract_id": wo["contract_id"],
        "site": wo["site"],
        "kind": wo["kind"],
        "priority": wo["priority"],
        "state": wo["state"],
        "status": wo["status"],
        "summary": wo["summary"],
        "description": wo["description"],
        "opened_at": iso(wo["opened_at"], tz),
        "resolved_at": iso(wo["resolved_at"], tz),
        "closed_at": iso(wo["closed_at"], tz),
        "pauses": [
            {"start": iso(p["start"], tz), "end": iso(p["end"], tz), "reason": p["reason"]}
            for p in wo["pauses"]
        ],
        "visits": [
            {
                "id": v["id"],
                "technician": v["technician"],
                "window_start": iso(v["window_start"], tz),
                "window_end": iso(v["window_end"], tz),
                "arrived_at": iso(v["arrived_at"], tz),
                "departed_at": iso(v["departed_at"], tz),
                "outcome": v["outcome"],
                "notes": v["notes"],
            }
            for v in wo["visits"]
        ],
        "failure_code": wo["failure_code"],
        "resolution_code": wo["resolution_code"],
        "extra": None,
    }


def knowledge_records() -> list[dict[str, Any]]:
    return [
        {"id": f"KB-{n:04d}", "model": model, "title": title, "summary": summary, "link": link, "extra": None}
        for n, (model, title, summary, link) in enumerate(KNOWLEDGE, 1)
    ]


def build() -> dict[str, list[dict[str, Any]]]:
    """Every record of the dataset, per file name, in file order."""
    g = Generator()
    plant_stories(g)
    blocked: dict[str, list[tuple[datetime, datetime]]] = {}
    for wo in g.work_orders:
        if wo["asset_id"] is not None:
            end = AS_OF if wo["state"] == "open" else wo["opened_at"] + HEALTHY_GAP
            blocked.setdefault(wo["asset_id"], []).append((wo["opened_at"] - HEALTHY_GAP, end))
    g.background_failures(blocked)
    g.preventive()
    g.other_work()
    for wo in g.work_orders:
        clip(wo)
    work_orders = number_work_orders(g.work_orders)
    found = {wo["key"]: wo["id"] for wo in work_orders if wo["key"]}
    if found != STORY_WORK_ORDERS:
        changed = {k: v for k, v in found.items() if STORY_WORK_ORDERS.get(k) != v}
        raise AssertionError(
            f"story work orders moved; update STORY_WORK_ORDERS and the docstring: {changed}"
        )
    feedback(g, work_orders)
    return {
        "accounts": [account_record(a) for a in ACCOUNTS],
        "assets": [asset_record(a) for a in g.assets.values()],
        "calendars": [calendar_record(c) for c in CALENDARS],
        "contracts": [contract_record(c) for c in g.contracts],
        "work_orders": [work_order_record(w) for w in work_orders],
        "knowledge": knowledge_records(),
    }


def generate(out: Path = DATA_DIR) -> dict[str, int]:
    """Write the dataset into folder `out` (one .jsonl file per kind); returns the record count per file."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    data = build()
    for name in FILES:
        records = data[name]
        lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records]
        (out / f"{name}.jsonl").write_bytes("".join(lines).encode("utf-8"))
        counts[name] = len(records)
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fsmkit.demo.generate", description="Write the demo dataset, one .jsonl file per kind."
    )
    parser.add_argument(
        "--out", type=Path, default=DATA_DIR, metavar="DIR", help=f"output folder (default: {DATA_DIR})"
    )
    args = parser.parse_args(argv)
    counts = generate(args.out)
    print(f"wrote {args.out}: " + ", ".join(f"{name} {n}" for name, n in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
