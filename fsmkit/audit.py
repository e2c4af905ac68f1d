"""Promise evaluation: every contract promise checked against what happened (pure: records in, findings out).

`Audit` holds what does not grow with work orders (accounts, assets, contracts, clocks) and evaluates a
stream of work orders one at a time, yielding findings in DESIGN.md's evaluation order:

1. per work order opened in [since, until), by (opened_at, id): its response, resolution, arrival and
   coverage findings, ordered by rule, subject id, promise id;
2. then the asset and contract findings (pm_interval, pm_due_on_site, contract_ending) by due_at
   (nulls last), rule, subject id.

Facts stamped after as_of (arrivals, resolutions, pause bounds, completions) have not happened yet, so
a past as_of replays the past. What is kept across the stream is small: preventive completions per
covered asset, the work orders open at as_of, and the accounts that had work in the window.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from array import array
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from fsmkit.clock import BusinessClock, local_midnight
from fsmkit.errors import InputError
from fsmkit.model import (
    Account,
    Asset,
    Calendar,
    Contract,
    Finding,
    Promise,
    Site,
    Subject,
    Visit,
    WorkOrder,
    format_duration,
    make_finding,
    utc,
    zone,
)

WORK_ORDER_RULES = ("response", "resolution", "arrival", "coverage")
KINDS = ("response", "resolution", "arrival", "pm_interval", "coverage", "contract_ending", "pm_due_on_site")
INFORMATION_RULES = ("contract_ending", "pm_due_on_site")
SHOWN_BY_DEFAULT = ("breached", "at_risk", "not_covered", "flagged")
AT_RISK_SHARE = 4  # at risk when the open time left is less than 1/4 of the target
CONTRACT_ENDING_HORIZON = timedelta(days=90)
PM_ON_SITE_HORIZON = timedelta(days=14)
MINUTE = timedelta(minutes=1)
WALL = BusinessClock.wall()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
Pauses = list[tuple[datetime, datetime]]
DueRange = tuple[datetime | None, datetime | None]  # [start, end), None unbounded


def severity(rule: str, status: str, priority: str | None = None, late_by: int | None = None) -> str | None:
    """DESIGN.md "Severity": null for met and pending, else by rule, status and priority."""
    if status in ("met", "pending"):
        return None
    if status == "at_risk":
        return "medium"
    if status in ("not_covered", "flagged"):
        return {
            "model_defect_suspect": "critical",
            "repeat_failure": "high",
            "repeat_account": "high",
            "callback": "medium",
        }.get(rule, "low")
    if rule in ("response", "resolution"):
        return {"P1": "critical", "P2": "high"}.get(priority or "", "medium")
    if rule == "arrival":
        return "medium" if late_by is None or late_by > 60 else "low"
    return "medium"


def minutes_up(span: timedelta) -> int:
    """Whole minutes, rounded up, at least 1 (a breach is never "0 minutes late")."""
    # In integers, from the timedelta's fields: dividing timedeltas costs twice as much.
    seconds = span.days * 86400 + span.seconds
    return max(1, (seconds + (span.microseconds > 0) + 59) // 60)


def minutes_down(span: timedelta) -> int:
    """Whole minutes, rounded down."""
    return max(0, (span.days * 86400 + span.seconds) // 60)


@lru_cache(maxsize=4096)
def amount(minutes: int, clock: str) -> str:
    """Minutes in words for a message: "45 business minutes", "6 hours 53 min", "12 days 3 h"."""
    unit = "business " if clock == "business" else ""
    if minutes < 120:
        return f"{minutes} {unit}minute{'' if minutes == 1 else 's'}"
    hours, rest = divmod(minutes, 60)
    if clock == "wall" and hours >= 48:
        days, hours = divmod(hours, 24)
        return f"{days} days" + (f" {hours} h" if hours else "")
    return f"{hours} {unit}hours" + (f" {rest} min" if rest else "")


def _local(moment: datetime, tz: str | None) -> str:
    """'2026-03-02 13:15 CET': an instant in a zone's wall time, for messages.

    Several per finding, so built from cached pieces: the zone's offset and abbreviation per UTC day,
    the dates, the clock faces (astimezone and strftime would cost more than the rest of a finding).
    """
    since_epoch = moment - _EPOCH
    seconds = since_epoch.days * 86400 + since_epoch.seconds
    key = (tz, since_epoch.days)
    offset = _zone_days.get(key) or _zone_day(key)
    if offset is _CHANGING:
        local = moment.astimezone(zone(tz) if tz else UTC)
        return f"{_day(local.toordinal())} {_CLOCK_FACES[local.hour * 60 + local.minute]} {local.tzname()}"
    minute = (seconds + offset[0]) // 60
    day = minute // 1440
    return f"{_days.get(day) or _day(day + _EPOCH_ORDINAL)} {_CLOCK_FACES[minute % 1440]} {offset[1]}"


def _zone_day(key: tuple[str | None, int]) -> tuple[int, str]:
    """(UTC offset in seconds, abbreviation) of zone `tz` through a whole UTC day (days since the
    epoch), remembered; `_CHANGING` for a day in which they change (or the offset has a fraction of a
    second). Checked at every hour and the day's last instant: zones change offset months apart, never
    twice in an hour. Bounded: the days asked for follow the work orders through time."""
    tz, day = key
    tzinfo = zone(tz) if tz else UTC
    start = _EPOCH + day * _DAY
    probes = [start + hour * _HOUR for hour in range(24)] + [start + _DAY - _MICROSECOND]
    seen = {(local.utcoffset(), local.tzname()) for local in (p.astimezone(tzinfo) for p in probes)}
    found = _CHANGING
    if len(seen) == 1:
        offset, name = seen.pop()
        if offset is not None and not offset.microseconds and name is not None:
            found = (offset.days * 86400 + offset.seconds, name)
    if len(_zone_days) >= 20_000:
        _zone_days.clear()
    _zone_days[key] = found
    return found


def _day(ordinal: int) -> str:
    """'2026-03-02', the date of a day ordinal, remembered by its day since the epoch."""
    text = date.fromordinal(ordinal).isoformat()
    if len(_days) >= 20_000:
        _days.clear()
    _days[ordinal - _EPOCH_ORDINAL] = text
    return text


_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_CHANGING = (0, "")
_zone_days: dict[tuple[str | None, int], tuple[int, str]] = {}
_days: dict[int, str] = {}
_CLOCK_FACES = [f"{h:02}:{m:02}" for h in range(24) for m in range(60)]


def _window(visit: Visit, tz: str | None) -> str:
    """'2026-03-02 10:00-12:00 CET', or 'by 2026-03-02 12:00 CET' without a start."""
    end = _local(visit.window_end, tz) if visit.window_end else ""
    if visit.window_start is None:
        return f"by {end}"
    return f"{_local(visit.window_start, tz)[:16]}-{end[11:]}"


@lru_cache(maxsize=64)
def _iso_duration(span: timedelta) -> str:
    return format_duration(span)


def _deadline_message(
    facts: _Facts,
    promise: Promise,
    status: str,
    actual: datetime | None,
    late_by: int | None,
    remaining: int | None,
    when: str,
) -> str:
    """One sentence a manager can read aloud about a response or resolution deadline."""
    what = "on site or resolved" if promise.kind == "response" else "resolved"
    deadline = f"{promise.kind} deadline of {_target(promise.target, promise.clock)} ({when})"
    if status == "met":
        return f"{facts.titled} was {what} before its {deadline}."
    if status == "breached" and actual is not None:
        return f"{facts.titled} was {what} {amount(late_by, promise.clock)} after its {deadline}."
    if status == "breached":
        return (
            f"{facts.titled} is still not {what}, {amount(late_by or 0, promise.clock)} past its {deadline}."
        )
    return f"{facts.titled} must be {what} within {amount(remaining or 0, promise.clock)}, by its {deadline}."


@lru_cache(maxsize=256)
def _target(target: timedelta | None, clock: str) -> str:
    return amount(int((target or timedelta(0)) / MINUTE), clock)


class _Completions:
    """The preventive completions of one asset, compactly: epoch microseconds and work order ids.

    They are the one thing the audit keeps per work order read (the PM chain is evaluated at the end,
    in due order across assets), so they are kept as machine integers, not datetime objects.
    """

    __slots__ = ("ids", "times")

    def __init__(self) -> None:
        self.times = array("q")
        self.ids: list[str] = []

    def add(self, moment: datetime, work_order_id: str) -> None:
        self.times.append((moment - _EPOCH) // _MICROSECOND)
        self.ids.append(work_order_id)

    def extend(self, other: _Completions) -> None:
        self.times.extend(other.times)
        self.ids.extend(other.ids)

    def sort(self) -> None:
        """Put the completions in order of time (then work order id), in place: no object per
        completion, which at a million work orders would weigh tens of megabytes."""
        times, ids = self.times, self.ids
        order = sorted(range(len(times)), key=lambda i: (times[i], ids[i]))
        self.times = array("q", [times[i] for i in order])
        self.ids = [ids[i] for i in order]


class OpenJob(NamedTuple):
    """A work order open at as_of, as much of it as pm_due_on_site needs (a whole one, with visits and
    texts, weighs ten times as much, and the jobs open at as_of grow with the history read)."""

    id: str
    number: str | None
    account_id: str
    asset_id: str | None
    kind: str
    site_name: str | None
    evidence: dict[str, Any]


@dataclass
class Memory:
    """What an audit remembers of the work orders streaming past, for the findings that come after
    them and for the summary: PM completions per covered asset, the work orders open at as_of (in
    stream order), the accounts with work in the window, and findings per (account, rule, status)."""

    completions: defaultdict[str, _Completions] = field(default_factory=lambda: defaultdict(_Completions))
    open_at_as_of: list[OpenJob] = field(default_factory=list)
    active_accounts: set[str] = field(default_factory=set)
    tally: dict[tuple[str, str, str], int] = field(default_factory=dict)


@dataclass
class Audit:
    """One audit run: the reference data, the window and as_of. Feed it work orders with `evaluate`.

    The records' datetimes are in UTC, as fsmkit reads every record (`model.parse_datetime`; a
    caller building records by hand converts with `model.utc`): findings carry them as they are.
    """

    as_of: datetime
    since: datetime
    until: datetime
    accounts: dict[str, Account]
    assets: dict[str, Asset]
    contracts: Sequence[Contract]
    calendars: dict[str, Calendar]
    kinds: Sequence[str] = KINDS
    #: The statuses of the findings `evaluate` yields (None: all). A work order's promise whose status
    #: is not among them is judged and counted in the summary, but its finding (message, evidence) is
    #: never built: a daily audit shows a few breaches among many promises kept.
    statuses: Collection[str] | None = None

    def __post_init__(self) -> None:
        self._contracts_by_account: dict[str, list[Contract]] = defaultdict(list)
        for contract in sorted(self.contracts, key=lambda c: (c.starts_on, c.id)):
            self._contracts_by_account[contract.account_id].append(contract)
        self._contracts_by_id = {c.id: c for c in self.contracts}
        self._clocks: dict[str, BusinessClock] = {}
        self._pm = {  # asset id -> (contract, pm promise) for assets a PM promise covers
            asset.id: (contract, promise)
            for contract in self.contracts
            for promise in contract.promises
            if promise.kind == "pm_interval"
            for asset in self.assets.values()
            if asset.contract_id == contract.id
        }
        self._memory = Memory()
        self._applicable_cache: dict[
            tuple[str, str | None, str], tuple[list[Promise], list[tuple[Promise, BusinessClock]]]
        ] = {}

    # -- what to read ---------------------------------------------------------------------------

    def read_window(self) -> tuple[datetime, datetime]:
        """The opened_at range of work orders `evaluate` needs: the audit window, plus history back to
        the earliest PM-covered contract start (completions, jobs still open), up to as_of."""
        starts = [self._instant(c.starts_on, c, None) for c, _ in self._pm.values()]
        upper = max(self.until, self.as_of + timedelta(microseconds=1))
        return min([self.since, *starts]), upper

    # -- clocks and instants --------------------------------------------------------------------

    def _zone_of(self, contract: Contract | None, site_zone: str | None) -> str | None:
        if contract is not None and contract.calendar_id in self.calendars:
            return self.calendars[contract.calendar_id].timezone
        return site_zone

    def _instant(self, day: date, contract: Contract | None, site_zone: str | None) -> datetime:
        """DESIGN.md "Dates as instants": 00:00 in the contract calendar's zone, else the site's, else UTC."""
        return local_midnight(day, self._zone_of(contract, site_zone) or "UTC")

    def clock(self, contract: Contract, promise: Promise) -> BusinessClock:
        """The clock a promise counts on: the contract's calendar for business, else wall."""
        if promise.clock == "wall":
            return WALL
        if contract.calendar_id is None:
            raise InputError(
                f"contract {contract.id}: promise {promise.id} counts business time but the contract has no "
                'calendar; set calendar_id (or use clock = "wall")'
            )
        if contract.calendar_id not in self._clocks:
            if contract.calendar_id not in self.calendars:
                raise InputError(
                    f"contract {contract.id}: calendar_id {contract.calendar_id!r} matches no calendar"
                )
            self._clocks[contract.calendar_id] = BusinessClock.from_calendar(
                self.calendars[contract.calendar_id]
            )
        return self._clocks[contract.calendar_id]

    def _site(self, work_order: WorkOrder) -> Site | None:
        """The work order's site, else its asset's."""
        if work_order.site is not None:
            return work_order.site
        asset = self.assets.get(work_order.asset_id or "")
        return asset.site if asset else None

    def _site_zone(self, work_order: WorkOrder) -> str | None:
        site = self._site(work_order)
        return site.timezone if site else None

    # -- contract matching ------------------------------------------------------------------------

    def contract_for(self, work_order: WorkOrder) -> Contract | None:
        """DESIGN.md "Contract matching": contract_id if set, else the account's contract in force on the
        local date of opened_at (latest start wins)."""
        if work_order.contract_id is not None:
            contract = self._contracts_by_id.get(work_order.contract_id)
            if contract is None:
                raise InputError(
                    f"work order {work_order.id}: contract_id {work_order.contract_id!r} matches no contract"
                )
            return contract
        site_zone = self._site_zone(work_order)
        found = None
        for contract in self._contracts_by_account.get(work_order.account_id, ()):
            tz = self._zone_of(contract, site_zone) or "UTC"
            day = work_order.opened_at.astimezone(zone(tz)).date()
            if contract.starts_on <= day <= contract.ends_on:
                found = contract  # sorted by start: the last match has the latest start
        return found

    # -- the stream -------------------------------------------------------------------------------

    def evaluate(self, work_orders: Iterable[WorkOrder]) -> Iterator[Finding]:
        """Findings of every work order in the window as they stream past, then the asset and contract
        findings. `work_orders` must be ordered by (opened_at, id) and cover `read_window()`."""
        yield from self.work_order_findings(work_orders)
        yield from self.later_findings()

    def work_order_findings(self, work_orders: Iterable[WorkOrder]) -> Iterator[Finding]:
        """The first part of `evaluate`: the findings of each work order in the window, as it streams
        past, remembering what the later findings need (see `take_memory` to evaluate in parts)."""
        for work_order in work_orders:
            yield from self.findings_of(work_order)

    def findings_of(self, work_order: WorkOrder) -> list[Finding]:
        """`work_order_findings` of one work order, as a list (for a caller that takes them in
        batches: cheaper than resuming a generator for each finding)."""
        if work_order.state == "cancelled" or work_order.opened_at > self.as_of:
            return []
        self._remember(work_order)
        if not self.since <= work_order.opened_at < self.until:
            return []
        self._memory.active_accounts.add(work_order.account_id)
        return self._work_order_findings(work_order)

    def later_findings(self, due: DueRange = (None, None)) -> Iterator[Finding]:
        """The second part of `evaluate`, once every work order has streamed past: the asset and
        contract findings by (due_at, rule, subject id), merged lazily from one sorted stream per asset,
        so that a year of PM completions never sits in memory as findings.

        `due` = (start, end) keeps those due in [start, end) (None: unbounded), evaluated and counted
        in the summary; the findings of consecutive ranges from `due_ranges`, one after another, are
        all the later findings in order.
        """
        for completions in self._memory.completions.values():
            completions.sort()  # for `_pm_intervals`
        streams: list[Iterable[Finding]] = [self._asset_findings(a, due) for a in sorted(self._pm)]
        if "contract_ending" in self.kinds:
            endings = (f for f in self._contract_ending() if f.due_at and _in_range(f.due_at, due))
            streams.append(sorted(endings, key=_due_order))
        for finding in heapq.merge(*streams, key=_due_order):
            if self.statuses is None or finding.status in self.statuses:
                yield finding

    def due_ranges(self, count: int) -> list[DueRange]:
        """`count` consecutive due ranges (fewer if there are few completions) that split the later
        findings' work about evenly, cut at quantiles of the due dates of the PM intervals whose
        findings will be built: the completed ones due in the window and each asset's open one. A
        due date is estimated as the completion the interval begins after plus the promised interval
        in wall time (the first interval of each asset, begun by the contract, is left out)."""
        window = ((self.since - _EPOCH) // _MICROSECOND, (self.until - _EPOCH) // _MICROSECOND)
        dues: list[int] = []
        for asset_id, (_, promise) in self._pm.items():
            kept, target = self._memory.completions.get(asset_id), promise.target
            if kept is not None and len(kept.times) and target is not None:
                span = target // _MICROSECOND
                *completed, open_one = sorted(t + span for t in kept.times)
                dues.extend(due for due in completed if window[0] <= due < window[1])
                dues.append(open_one)
        times = sorted(dues)
        ends = [i / count for i in range(1, count)]
        cuts = sorted({times[min(len(times) - 1, int(len(times) * e))] for e in ends} if times else set())
        bounds: list[datetime | None] = [None, *(_EPOCH + t * _MICROSECOND for t in cuts), None]
        return list(itertools.pairwise(bounds))

    def counts(self) -> dict[tuple[str, str, str], int]:
        """Evaluations counted so far, per (account id, rule, status): what `summary` is made of."""
        return dict(self._memory.tally)

    def take_memory(self) -> Memory:
        """What `work_order_findings` has remembered so far, handed over and forgotten here.

        This is how an audit runs in parts: each part's engine evaluates a consecutive slice of the
        work orders, and one engine `absorb`s the memories of all parts, in stream order, before its
        `later_findings` and `summary`.
        """
        memory, self._memory = self._memory, Memory()
        return memory

    def absorb(self, memory: Memory) -> None:
        """Add the memory of a part that followed every part absorbed (or evaluated) so far."""
        mine = self._memory
        for asset_id, completions in memory.completions.items():
            mine.completions[asset_id].extend(completions)
        mine.open_at_as_of += memory.open_at_as_of
        mine.active_accounts |= memory.active_accounts
        for key, count in memory.tally.items():
            mine.tally[key] = mine.tally.get(key, 0) + count

    def _remember(self, work_order: WorkOrder) -> None:
        if work_order.kind == "preventive" and work_order.asset_id in self._pm:
            resolved = work_order.resolved_at
            if resolved is not None and resolved <= self.as_of:
                self._memory.completions[work_order.asset_id].add(resolved, work_order.id)
        if self._is_open_at_as_of(work_order):
            site = self._site(work_order)
            self._memory.open_at_as_of.append(
                OpenJob(
                    work_order.id,
                    work_order.number,
                    work_order.account_id,
                    work_order.asset_id,
                    work_order.kind,
                    site.name if site else None,
                    _work_order_evidence(work_order),
                )
            )

    def _is_open_at_as_of(self, work_order: WorkOrder) -> bool:
        if work_order.state == "open":
            return True
        ended = work_order.closed_at or work_order.resolved_at
        return ended is not None and ended > self.as_of

    def _work_order_findings(self, work_order: WorkOrder) -> list[Finding]:
        """The work order's findings in evaluation order (rule, subject id, promise id), without a
        sort: promises come sorted by (kind, id), and arrivals visit by visit, in visit id order."""
        contract = self.contract_for(work_order)
        if contract is None:
            if "coverage" not in self.kinds:
                return []
            wanted = self._tally(work_order.account_id, "coverage", "not_covered")
            return [self._not_covered(work_order)] if wanted else []
        arrivals, deadlines = self._applicable(contract, work_order.priority, work_order.kind)
        facts = _Facts(work_order, self.as_of, self._site_zone(work_order))
        findings: list[Finding] = []
        if arrivals:
            visits = work_order.visits
            if len(visits) > 1:
                visits = sorted(visits, key=_visit_id)
            for visit in visits:
                if visit.window_end is not None:
                    for promise in arrivals:
                        finding = self._arrival(facts, visit, promise)
                        if finding is not None:
                            findings.append(finding)
        if deadlines:
            tz = self._zone_of(contract, facts.site_zone)
            for promise, clock in deadlines:
                finding = self._deadline(facts, promise, clock, tz)
                if finding is not None:
                    findings.append(finding)
        return findings

    def _applicable(
        self, contract: Contract, priority: str | None, kind: str
    ) -> tuple[list[Promise], list[tuple[Promise, BusinessClock]]]:
        """The contract's work-order promises that cover this priority and kind and that this audit
        evaluates, sorted by (kind, id): (arrival promises, [(response or resolution promise, its
        clock)]); cached, as few combinations recur."""
        key = (contract.id, priority, kind)
        if key not in self._applicable_cache:
            applicable = [
                p
                for p in contract.promises
                if p.kind in ("response", "resolution", "arrival")
                and p.kind in self.kinds
                and p.applies_to(priority, kind)
            ]
            # A contract that cannot count them fails here, in its promises' order.
            clocks = [self.clock(contract, promise) for promise in applicable]
            ordered = sorted(zip(applicable, clocks, strict=True), key=lambda pc: (pc[0].kind, pc[0].id))
            self._applicable_cache[key] = (
                [p for p, _ in ordered if p.kind == "arrival"],
                [(p, clock) for p, clock in ordered if p.kind != "arrival"],
            )
        return self._applicable_cache[key]

    def _tally(self, account_id: str | None, rule: str, status: str) -> bool:
        """Count an evaluation in the summary; whether its finding is wanted (see `statuses`)."""
        tally = self._memory.tally
        key = (account_id or "", rule, status)
        tally[key] = tally.get(key, 0) + 1
        return self.statuses is None or status in self.statuses

    # -- rules ------------------------------------------------------------------------------------

    def _deadline(
        self, facts: _Facts, promise: Promise, clock: BusinessClock, tz: str | None
    ) -> Finding | None:
        """A response or resolution promise: due = add(opened_at, target) on `clock`, pauses if
        pausable."""
        work_order = facts.work_order
        pauses = facts.pauses if promise.pausable else ()
        target = promise.target
        assert target is not None
        due = clock.add(work_order.opened_at, target, pauses)
        actual = facts.responded if promise.kind == "response" else facts.resolved
        status, late_by, remaining = self._judge(clock, pauses, due, actual, target)
        tally, key = self._memory.tally, (work_order.account_id, promise.kind, status)
        tally[key] = tally.get(key, 0) + 1  # `_tally`, inline: a call per finding costs 3% of an audit
        if self.statuses is not None and status not in self.statuses:
            return None
        return make_finding(
            rule=promise.kind,
            status=status,
            severity=_deadline_severity(promise.kind, status, work_order.priority),
            account_id=work_order.account_id,
            subject=facts.subject,
            work_order_id=work_order.id,
            promise_id=promise.id,
            due_at=due,
            actual_at=actual,
            late_by_minutes=late_by,
            remaining_minutes=remaining,
            clock=promise.clock,
            evidence=facts.evidence,
            message=_deadline_message(facts, promise, status, actual, late_by, remaining, _local(due, tz)),
        )

    def _judge(
        self, clock: BusinessClock, pauses: Pauses, due: datetime, actual: datetime | None, target: timedelta
    ) -> tuple[str, int | None, int | None]:
        """(status, late_by_minutes, remaining_minutes) of a deadline, minutes counted on `clock`."""
        if actual is not None:
            if actual <= due:
                return "met", None, None
            return "breached", minutes_up(clock.elapsed(due, actual, pauses)), None
        if self.as_of > due:
            return "breached", minutes_up(clock.elapsed(due, self.as_of, pauses)), None
        left = clock.elapsed(self.as_of, due, pauses)
        return ("at_risk" if left * AT_RISK_SHARE < target else "pending"), None, minutes_down(left)

    def _arrival(self, facts: _Facts, visit: Visit, promise: Promise) -> Finding | None:
        """An arrival promise, per visit with a booked window: due = window_end + grace (wall time)."""
        assert visit.window_end is not None
        work_order, tz = facts.work_order, facts.site_zone
        due = visit.window_end + promise.grace
        arrived = visit.arrived_at if visit.arrived_at and visit.arrived_at <= self.as_of else None
        late_by = remaining = None
        if arrived is not None and arrived <= due:
            status = "met"
        elif arrived is not None:
            status, late_by = "breached", minutes_up(arrived - due)
        elif self.as_of > due:
            status = "breached"
        else:
            status, remaining = "pending", minutes_down(due - self.as_of)
        tally, key = self._memory.tally, (work_order.account_id, "arrival", status)
        tally[key] = tally.get(key, 0) + 1  # `_tally`, inline (see `_deadline`)
        if self.statuses is not None and status not in self.statuses:
            return None
        name, window = facts.name, _window(visit, tz)
        who = visit.technician or "the technician"
        if status == "met":
            assert arrived is not None
            early = "early, " if visit.window_start is not None and arrived < visit.window_start else ""
            message = f"{name}: {who} arrived {early}at {_local(arrived, tz)[11:16]} for the window {window}."
        elif late_by is not None:
            late = amount(late_by, "wall")
            message = f"{name}: {who} arrived {late} after the window {window} and its grace."
        elif status == "breached":
            message = f"{name}: No arrival recorded for the window {window}: a no-show."
        else:
            message = f"{name}: {who} is booked for the window {window}."
        return make_finding(
            rule="arrival",
            status=status,
            severity=None
            if status == "pending" or status == "met"
            else severity("arrival", status, None, late_by),
            account_id=work_order.account_id,
            subject=Subject("visit", visit.id),
            work_order_id=work_order.id,
            promise_id=promise.id,
            due_at=due,
            actual_at=arrived,
            late_by_minutes=late_by,
            remaining_minutes=remaining,
            clock="wall",
            message=message,
            evidence=[
                {
                    "work_order_id": work_order.id,
                    "number": work_order.number,
                    "visit_id": visit.id,
                    "technician": visit.technician,
                    "window_start": visit.window_start,
                    "window_end": visit.window_end,
                    "grace": _iso_duration(promise.grace),
                }
            ],
        )

    def _not_covered(self, work_order: WorkOrder) -> Finding:
        return make_finding(
            rule="coverage",
            status="not_covered",
            severity="low",
            account_id=work_order.account_id,
            subject=Subject("work_order", work_order.id),
            work_order_id=work_order.id,
            message=f"{work_order.number or work_order.id} was opened with no contract in force.",
            evidence=[_work_order_evidence(work_order)],
        )

    # -- asset and contract findings ----------------------------------------------------------------

    def _asset_findings(self, asset_id: str, due_range: DueRange) -> Iterator[Finding]:
        """One asset's PM findings in due order: completions due in the window, then the open interval
        (preceded by pm_due_on_site when that applies: same due_at, and its rule sorts first); of
        those, the ones due in `due_range`. A finding whose status is not wanted (see `statuses`) is
        counted but not built."""
        contract, promise = self._pm[asset_id]
        asset = self.assets[asset_id]
        clock = self.clock(contract, promise)
        interval, on_site = "pm_interval" in self.kinds, "pm_due_on_site" in self.kinds
        start, end = due_range
        for due, completed, work_order_id in self._pm_intervals(asset, contract, promise, clock, start):
            if end is not None and due >= end:
                return  # an asset's intervals fall due in order
            if completed is None and on_site:
                yield from self._pm_due_on_site(asset, promise, due)
            if interval and (completed is None or self.since <= due < self.until):
                finding = self._pm_finding(asset, promise, clock, due, completed, work_order_id)
                if finding is not None:
                    yield finding

    def _pm_intervals(
        self, asset: Asset, contract: Contract, promise: Promise, clock: BusinessClock, start: datetime | None
    ) -> Iterator[tuple[datetime, datetime | None, str | None]]:
        """(due_at, completed_at, work order id) of each completed PM interval of the asset, then
        (due_at, None, None) for the open one, while they fall due before the contract lapses; from
        the first that falls due at `start` or later (None: from the first).

        Interval k runs from the completion before it (the contract's start, or the installation,
        for the first) to completion k, and falls due `target` after its beginning on `clock`. Due
        dates therefore rise with k, and the first interval of a range is found by bisection: a
        range late in the year does not walk the intervals before it."""
        target = promise.target
        assert target is not None
        site_zone = asset.site.timezone if asset.site else None
        anchor = self._instant(contract.starts_on, contract, site_zone)
        if asset.installed_on is not None:
            anchor = max(anchor, self._instant(asset.installed_on, contract, site_zone))
        lapse = self._instant(contract.ends_on + timedelta(days=1), contract, site_zone)
        completions = self._memory.completions[asset.id]  # in time order (`later_findings`)
        times, ids = completions.times, completions.ids
        # Completions before the first interval began do not count.
        skipped = bisect.bisect_left(times, (anchor - _EPOCH) // _MICROSECOND)
        count = len(times) - skipped

        def completed(k: int) -> datetime:
            return _EPOCH + times[skipped + k] * _MICROSECOND

        def due(k: int) -> datetime:
            return clock.add(completed(k - 1) if k else anchor, target)

        first = 0 if start is None else bisect.bisect_left(range(count + 1), start, key=due)
        for k in range(first, count + 1):
            due_at = due(k)
            if due_at > lapse:
                return
            yield (due_at, completed(k), ids[skipped + k]) if k < count else (due_at, None, None)

    def _pm_finding(
        self,
        asset: Asset,
        promise: Promise,
        clock: BusinessClock,
        due: datetime,
        completed: datetime | None,
        work_order_id: str | None,
    ) -> Finding | None:
        assert promise.target is not None
        status, late_by, remaining = self._judge(clock, [], due, completed, promise.target)
        if not self._tally(asset.account_id, "pm_interval", status):
            return None
        tz = asset.site.timezone if asset.site else None
        name = asset.name or asset.id
        if status == "met":
            message = f"Preventive maintenance of {name} was done before it fell due ({_local(due, tz)})."
        elif status == "breached" and completed is not None:
            late = amount(late_by or 0, promise.clock)
            message = f"Preventive maintenance of {name} was done {late} late (due {_local(due, tz)})."
        elif status == "breached":
            message = f"Preventive maintenance of {name} is overdue since {_local(due, tz)}."
        else:
            message = f"Preventive maintenance of {name} is due by {_local(due, tz)}."
        return make_finding(
            rule="pm_interval",
            status=status,
            severity=severity("pm_interval", status),
            account_id=asset.account_id,
            subject=Subject("asset", asset.id),
            work_order_id=work_order_id,
            promise_id=promise.id,
            due_at=due,
            actual_at=completed,
            late_by_minutes=late_by,
            remaining_minutes=remaining,
            clock=promise.clock,
            message=message,
            evidence=[
                {
                    "asset_id": asset.id,
                    "model": asset.model,
                    "serial": asset.serial,
                    "completed_by_work_order_id": work_order_id,
                }
            ],
        )

    def _pm_due_on_site(self, asset: Asset, promise: Promise, due: datetime) -> Iterator[Finding]:
        """pm_due_on_site for the asset's open PM interval, when it falls due within 14 days and a job
        is open at as_of on the same site (the asset's own preventive job aside)."""
        if self.as_of <= due <= self.as_of + PM_ON_SITE_HORIZON:
            here = [
                w
                for w in self._memory.open_at_as_of
                if self._same_site(w, asset) and not (w.asset_id == asset.id and w.kind == "preventive")
            ]
            if here:
                yield self._on_site(asset, promise, due, here)

    def _on_site(self, asset: Asset, promise: Promise, due: datetime, here: list[OpenJob]) -> Finding:
        """pm_due_on_site: the PM falls due soon and a job is open at the same site."""
        job = here[0]
        tz = asset.site.timezone if asset.site else None
        return make_finding(
            rule="pm_due_on_site",
            status="flagged",
            severity="low",
            account_id=asset.account_id,
            subject=Subject("asset", asset.id),
            work_order_id=job.id,
            promise_id=promise.id,
            due_at=due,
            remaining_minutes=minutes_down(due - self.as_of),
            clock="wall",
            message=(
                f"Preventive maintenance of {asset.name or asset.id} falls due {_local(due, tz)}, "
                f"and {job.number or job.id} is open at the same site: do both on one visit."
            ),
            evidence=[w.evidence for w in here],
        )

    def _same_site(self, job: OpenJob, asset: Asset) -> bool:
        if job.site_name and asset.site and asset.site.name:
            return job.site_name == asset.site.name
        return job.account_id == asset.account_id

    def _contract_ending(self) -> Iterator[Finding]:
        for contract in self.contracts:
            lapse = self._instant(contract.ends_on + timedelta(days=1), contract, None)
            if not (self.as_of < lapse <= self.as_of + CONTRACT_ENDING_HORIZON):
                continue
            if contract.account_id not in self._memory.active_accounts:
                continue
            account = self.accounts.get(contract.account_id)
            name = account.name if account else contract.account_id
            yield make_finding(
                rule="contract_ending",
                status="flagged",
                severity="low",
                account_id=contract.account_id,
                subject=Subject("contract", contract.id),
                due_at=utc(lapse),
                remaining_minutes=minutes_down(lapse - self.as_of),
                clock="wall",
                message=(
                    f"{name}'s contract {contract.number or contract.id} ends on {contract.ends_on}, "
                    f"in {amount(minutes_down(lapse - self.as_of), 'wall')}: time for a renewal conversation."
                ),
                evidence=[
                    {
                        "contract_id": contract.id,
                        "number": contract.number,
                        "name": contract.name,
                        "starts_on": contract.starts_on,
                        "ends_on": contract.ends_on,
                    }
                ],
            )

    # -- summary ----------------------------------------------------------------------------------

    def summary(self) -> list[dict[str, Any]]:
        """Per account and rule: evaluations in the window by status; compliance = met / (met + breached)."""
        per_rule: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for (account_id, rule, status), count in self._memory.tally.items():
            per_rule[(account_id, rule)][status] += count
        rows = []
        for (account_id, rule), counts in sorted(per_rule.items()):
            decided = counts["met"] + counts["breached"]
            rows.append(
                {
                    "account_id": account_id or None,
                    "rule": rule,
                    "evaluated": counts.total(),
                    "met": counts["met"],
                    "breached": counts["breached"],
                    "at_risk": counts["at_risk"],
                    "pending": counts["pending"],
                    "not_covered": counts["not_covered"],
                    "compliance": round(counts["met"] / decided, 4) if decided else None,
                }
            )
        return rows


def _in_range(moment: datetime, due_range: DueRange) -> bool:
    start, end = due_range
    return (start is None or start <= moment) and (end is None or moment < end)


def _due_order(finding: Finding) -> tuple[Any, ...]:
    return (
        finding.due_at is None,
        finding.due_at or datetime.max.replace(tzinfo=UTC),
        finding.rule,
        finding.subject.id,
    )


def _work_order_evidence(work_order: WorkOrder) -> dict[str, Any]:
    return {
        "work_order_id": work_order.id,
        "number": work_order.number,
        "priority": work_order.priority,
        "opened_at": work_order.opened_at,
    }


class _Facts:
    """What the findings of one work order share, worked out once: its site's zone, its name in
    messages, its resolution and first arrival as of the audit, its pauses cut at as_of, its subject
    and evidence (one object, referenced by each finding, written out per finding)."""

    __slots__ = (
        "evidence",
        "name",
        "pauses",
        "resolved",
        "responded",
        "site_zone",
        "subject",
        "titled",
        "work_order",
    )

    def __init__(self, work_order: WorkOrder, as_of: datetime, site_zone: str | None) -> None:
        self.work_order = work_order
        self.site_zone = site_zone
        self.name = work_order.number or work_order.id
        self.titled = f"{self.name} ({work_order.priority})" if work_order.priority else self.name
        resolved = work_order.resolved_at
        self.resolved = resolved if resolved is not None and resolved <= as_of else None
        responded = self.resolved
        for visit in work_order.visits:
            arrived = visit.arrived_at
            if arrived is not None and arrived <= as_of and (responded is None or arrived < responded):
                responded = arrived
        self.responded = responded
        self.pauses = [(p.start, min(p.end or as_of, as_of)) for p in work_order.pauses if p.start < as_of]
        self.subject = Subject("work_order", work_order.id)
        self.evidence = [_work_order_evidence(work_order)]


def _visit_id(visit: Visit) -> str:
    return visit.id


@lru_cache(maxsize=256)
def _deadline_severity(rule: str, status: str, priority: str | None) -> str | None:
    return severity(rule, status, priority)
