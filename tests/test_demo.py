"""The built-in demo dataset: reproducible byte for byte, valid, and carrying the stories it promises.

The story tests recompute each planted fact from the records with small independent helpers (a
minute-by-minute business clock, a Poisson rate test), so they hold whatever the engines do.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fsmkit.connectors.files import FILE_NAMES, FilesConnector
from fsmkit.demo import AS_OF, DATA_DIR
from fsmkit.demo import generate as gen
from fsmkit.model import PARSERS, Account, Asset, Calendar, Contract, Knowledge, WorkOrder, parse_datetime

NOW = parse_datetime(AS_OF, "AS_OF")
SINCE = NOW - timedelta(days=365)
KIND_OF_FILE = {name.removesuffix(".jsonl"): kind for kind, name in FILE_NAMES.items()}


class Demo:
    """Every record of the committed dataset, parsed, with a few indexes."""

    def __init__(self) -> None:
        records: dict[str, list[Any]] = {}
        for name, kind in KIND_OF_FILE.items():
            lines = (DATA_DIR / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            records[kind] = [PARSERS[kind](json.loads(line)) for line in lines]
        self.accounts: list[Account] = records["account"]
        self.assets: list[Asset] = records["asset"]
        self.calendars: list[Calendar] = records["calendar"]
        self.contracts: list[Contract] = records["contract"]
        self.work_orders: list[WorkOrder] = records["work_order"]
        self.knowledge: list[Knowledge] = records["knowledge"]
        self.asset = {a.id: a for a in self.assets}
        self.calendar = {c.id: c for c in self.calendars}
        self.wo = {w.id: w for w in self.work_orders}

    def story(self, key: str) -> WorkOrder:
        return self.wo[gen.STORY_WORK_ORDERS[key]]

    def corrective(self, asset_id: str) -> list[WorkOrder]:
        """The asset's corrective work orders that count for repeats (not cancelled), by opened_at."""
        found = [w for w in self.work_orders if w.asset_id == asset_id and w.kind == "corrective"]
        return [w for w in found if w.state != "cancelled"]

    def contract_of(self, wo: WorkOrder) -> Contract | None:
        """DESIGN "Contract matching": contract_id, else the account's contract in force on the local date."""
        if wo.contract_id:
            return next(c for c in self.contracts if c.id == wo.contract_id)
        found = []
        for c in self.contracts:
            day = wo.opened_at.astimezone(ZoneInfo(self.calendar[c.calendar_id].timezone)).date()
            if c.account_id == wo.account_id and c.starts_on <= day <= c.ends_on:
                found.append(c)
        return max(found, key=lambda c: c.starts_on, default=None)

    def site_name(self, wo: WorkOrder) -> str | None:
        return wo.site.name if wo.site else self.asset[wo.asset_id].site.name


@pytest.fixture(scope="module")
def demo() -> Demo:
    return Demo()


def business_minutes(calendar: Calendar, start: datetime, end: datetime) -> int:
    """Open minutes of `calendar` in [start, end), counted minute by minute (slow, obviously right)."""
    tz = ZoneInfo(calendar.timezone)
    holidays = set(calendar.holidays)
    total, t = 0, start
    while t < end:
        local = t.astimezone(tz)
        if local.date() not in holidays:
            spans = calendar.weekly[("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()]]
            clock = local.strftime("%H:%M")
            total += any(a <= clock < b for a, b in spans)
        t += timedelta(minutes=1)
    return total


def promise(contract: Contract, kind: str, priority: str | None = None):
    return next(p for p in contract.promises if p.kind == kind and p.applies_to(priority, "corrective"))


def datetimes(wo: WorkOrder) -> list[datetime]:
    values = [wo.opened_at, wo.resolved_at, wo.closed_at]
    values += [t for p in wo.pauses for t in (p.start, p.end)]
    values += [t for v in wo.visits for t in (v.window_start, v.window_end, v.arrived_at, v.departed_at)]
    return [t for t in values if t is not None]


# ---------------------------------------------------------------------------------------------------
# Reproducible and valid


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    counts = gen.generate(out)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.jsonl" for name in gen.FILES)
    for name in gen.FILES:
        fresh, committed = (out / f"{name}.jsonl").read_bytes(), (DATA_DIR / f"{name}.jsonl").read_bytes()
        assert fresh == committed, f"{name}.jsonl differs: run `python -m fsmkit.demo.generate` and commit"
        assert committed.endswith(b"\n") and committed.count(b"\n") == counts[name]
    assert sorted(p.name for p in DATA_DIR.glob("*.jsonl")) == sorted(f"{n}.jsonl" for n in gen.FILES)


def test_every_record_parses_and_the_files_connector_reads_them_all(demo: Demo) -> None:
    connector = FilesConnector(DATA_DIR)
    checks = connector.check()
    assert all(check.ok for check in checks), [c for c in checks if not c.ok]
    assert len(list(connector.accounts())) == len(demo.accounts) == 12
    assert len(list(connector.assets())) == len(demo.assets)
    assert len(list(connector.calendars())) == len(demo.calendars)
    assert len(list(connector.contracts())) == len(demo.contracts)
    assert len(list(connector.work_orders(None))) == len(demo.work_orders) > 400
    assert len(list(connector.knowledge())) == len(demo.knowledge)
    for records in (demo.accounts, demo.assets, demo.calendars, demo.contracts, demo.work_orders):
        ids = [r.id for r in records]
        assert len(set(ids)) == len(ids)
    visit_ids = [v.id for w in demo.work_orders for v in w.visits]
    assert len(set(visit_ids)) == len(visit_ids)
    keys = [(w.opened_at, w.id) for w in demo.work_orders]
    assert keys == sorted(keys)


def test_every_datetime_carries_the_local_offset_of_its_site(demo: Demo) -> None:
    for line in (DATA_DIR / "work_orders.jsonl").read_text(encoding="utf-8").splitlines()[:50]:
        data = json.loads(line)
        asset = demo.asset[data["asset_id"]] if data["asset_id"] else None
        tz = ZoneInfo((asset.site if asset else demo.wo[data["id"]].site).timezone)
        opened = datetime.fromisoformat(data["opened_at"])  # as written (fsmkit reads it as UTC)
        assert opened.utcoffset() == opened.astimezone(tz).utcoffset()


def test_story_ids_are_pinned(demo: Demo) -> None:
    for key, wo_id in gen.STORY_WORK_ORDERS.items():
        assert wo_id in demo.wo, key


# ---------------------------------------------------------------------------------------------------
# The business


def test_accounts_span_time_zones_tiers_and_contacts(demo: Demo) -> None:
    zones = {a.timezone for a in demo.accounts}
    assert {"Europe/Berlin", "America/New_York", "Australia/Sydney"} <= zones
    assert len(zones) >= 3
    assert {a.tier for a in demo.accounts} == {"gold", "silver", "bronze", None}
    channels = {c.preferred_channel for a in demo.accounts for c in a.contacts}
    assert {"phone", "email", "sms", "chat", "in_person"} <= channels
    assert all(1 <= len(a.contacts) <= 3 for a in demo.accounts)


def test_nothing_happens_after_as_of(demo: Demo) -> None:
    first_day = datetime(2025, 11, 1, tzinfo=UTC) - timedelta(hours=14)
    for wo in demo.work_orders:
        assert all(t <= NOW for t in datetimes(wo)), wo.id
        assert wo.opened_at >= first_day
        if wo.state == "open":
            assert wo.closed_at is None
    for account in demo.accounts:
        assert all(f.at <= NOW for f in account.feedback)


def test_work_mix(demo: Demo) -> None:
    kinds = defaultdict(int)
    for wo in demo.work_orders:
        kinds[wo.kind] += 1
    assert (
        kinds["corrective"] > 150
        and kinds["preventive"] > 200
        and kinds["install"] >= 1
        and kinds["other"] >= 1
    )
    assert sum(w.state == "cancelled" for w in demo.work_orders) >= 2
    assert sum(w.contract_id is None and demo.contract_of(w) is not None for w in demo.work_orders) >= 10
    outcomes = {v.outcome for w in demo.work_orders for v in w.visits}
    assert {"fixed", "parts_needed", "follow_up", "no_access", "other"} <= outcomes
    reasons = {p.reason for w in demo.work_orders for p in w.pauses}
    assert reasons == {"Awaiting Parts", "Awaiting Customer", "On Hold"}
    multi = [w for w in demo.work_orders if len(w.visits) >= 3 and w.kind == "corrective"]
    assert multi


# ---------------------------------------------------------------------------------------------------
# repeats


def _poisson_test(k_m: int, e_m: float, k_rest: int, e_rest: float) -> tuple[float, float]:
    """(rate ratio, p) of DESIGN's exact conditional test, as R's poisson.test(..., "greater")."""
    n, share = k_m + k_rest, e_m / (e_m + e_rest)
    p = sum(math.comb(n, i) * share**i * (1 - share) ** (n - i) for i in range(k_m, n + 1))
    return (k_m / e_m) / (k_rest / e_rest), p


def _model_rates(demo: Demo) -> dict[str, tuple[int, float]]:
    first_wo: dict[str, datetime] = {}
    for wo in demo.work_orders:
        first_wo.setdefault(wo.asset_id, wo.opened_at)
    exposure: dict[str, float] = defaultdict(float)
    failures: dict[str, int] = defaultdict(int)
    for asset in demo.assets:
        if asset.installed_on:
            day = asset.installed_on
            start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(asset.site.timezone))
        else:
            start = first_wo[asset.id]
        exposure[asset.model] += max((NOW - max(start, SINCE)).total_seconds(), 0) / 86400 / 365.25
        failures[asset.model] += sum(SINCE <= w.opened_at < NOW for w in demo.corrective(asset.id))
    return {model: (failures[model], exposure[model]) for model in exposure}


def test_the_flawed_model_is_flagged_and_the_noisy_small_model_is_not(demo: Demo) -> None:
    rates = _model_rates(demo)
    k_all, e_all = sum(k for k, _ in rates.values()), sum(e for _, e in rates.values())
    flagged = {}
    for model, (k, e) in rates.items():
        ratio, p = _poisson_test(k, e, k_all - k, e_all - e)
        flagged[model] = ratio >= 2 and p < 0.01 and k >= 5
        if model == gen.FLAWED_MODEL:
            assert ratio >= 3 and p < 1e-10 and k >= 50
        if model == gen.NOISY_MODEL:
            assert ratio >= 2 and k == 4 and p > 0.01  # high rate, thin evidence
    assert [m for m, f in flagged.items() if f] == [gen.FLAWED_MODEL]
    flawed = [w for a in demo.assets if a.model == gen.FLAWED_MODEL for w in demo.corrective(a.id)]
    assert len({w.account_id for w in flawed}) >= 4
    codes = defaultdict(int)
    for wo in flawed:
        codes[wo.failure_code] += 1
    assert max(codes, key=codes.get) == gen.FLAWED_FAILURE_CODE
    assert any(k.model == gen.FLAWED_MODEL and "relay" in k.title for k in demo.knowledge)


def _has_cluster(times: list[datetime], window: timedelta = timedelta(days=90), threshold: int = 3) -> bool:
    times = sorted(times)
    return any(times[i + threshold - 1] - times[i] <= window for i in range(len(times) - threshold + 1))


def test_repeat_failures_including_the_window_edge_and_the_near_miss(demo: Demo) -> None:
    repeaters = [a.id for a in demo.assets if _has_cluster([w.opened_at for w in demo.corrective(a.id)])]
    assert len(repeaters) >= 2
    assert gen.REPEAT_ASSET in repeaters and gen.REPEAT_EDGE_ASSET in repeaters
    healthy = [a for a in repeaters if demo.asset[a].model != gen.FLAWED_MODEL]
    assert sorted(healthy) == sorted([gen.REPEAT_ASSET, gen.REPEAT_EDGE_ASSET])

    kitchen = [w.id for w in demo.corrective(gen.REPEAT_ASSET)]
    assert kitchen == [
        demo.story(k).id for k in ("repeat-1", "repeat-2-callback", "repeat-3-callback", "repeat-4")
    ]

    edge = demo.corrective(gen.REPEAT_EDGE_ASSET)
    assert len(edge) == 3 and edge[2].opened_at - edge[0].opened_at == timedelta(days=90)
    site_zone = ZoneInfo(demo.asset[gen.REPEAT_EDGE_ASSET].site.timezone)
    first, last = (w.opened_at.astimezone(site_zone) for w in (edge[0], edge[2]))
    assert first.utcoffset() != last.utcoffset()  # across the DST change

    near = demo.corrective(gen.NEAR_MISS_ASSET)
    assert len(near) == 3 and near[2].opened_at - near[0].opened_at == timedelta(days=90, minutes=1)
    assert gen.NEAR_MISS_ASSET not in repeaters
    cancelled = demo.story("near-cancelled")
    assert cancelled.state == "cancelled" and cancelled.asset_id == gen.NEAR_MISS_ASSET
    assert _has_cluster([w.opened_at for w in near] + [cancelled.opened_at])  # if cancelled ones counted


def _callbacks(demo: Demo, days: int = 30) -> list[str]:
    found = []
    for asset in demo.assets:
        work = demo.corrective(asset.id)
        for before, after in pairwise(work):
            fixed = before.resolved_at
            if fixed and fixed <= after.opened_at <= fixed + timedelta(days=days):
                found.append(after.id)
    return found


def test_callbacks_and_the_duplicate_that_is_not_one(demo: Demo) -> None:
    callbacks = _callbacks(demo)
    for key in ("repeat-2-callback", "repeat-3-callback", "callback-2"):
        assert demo.story(key).id in callbacks
    for key in ("repeat-4", "overlap-2", "near-2", "near-3", "edge-2", "edge-3"):
        assert demo.story(key).id not in callbacks
    first, second = demo.story("repeat-1"), demo.story("repeat-2-callback")
    fixer = next(v.technician for v in first.visits if v.outcome == "fixed")
    assert second.visits[0].technician == fixer
    assert demo.story("callback-2").opened_at - demo.story("callback-1").resolved_at < timedelta(days=30)
    overlap_1, overlap_2 = demo.story("overlap-1"), demo.story("overlap-2")
    assert overlap_1.opened_at < overlap_2.opened_at < overlap_1.resolved_at


# ---------------------------------------------------------------------------------------------------
# audit: open work at AS_OF


def test_open_work_at_as_of(demo: Demo) -> None:
    open_now = [w for w in demo.work_orders if w.state == "open"]
    assert len(open_now) >= 5
    statuses = {w.status for w in open_now}
    assert {"Dispatched", "Scheduled", "Awaiting Parts", "In Progress", "On Hold"} <= statuses
    running = [w for w in open_now if any(p.end is None for p in w.pauses)]
    assert demo.story("pm-site-open") in running
    on_site = demo.story("in-progress").visits[-1]
    assert on_site.arrived_at is not None and on_site.departed_at is None


def test_a_p1_is_past_its_response_target(demo: Demo) -> None:
    wo = demo.story("p1-overdue")
    contract = demo.contract_of(wo)
    response = promise(contract, "response", "P1")
    assert wo.state == "open" and wo.priority == "P1" and response.target == timedelta(hours=4)
    assert all(v.arrived_at is None for v in wo.visits) and wo.resolved_at is None
    assert NOW - wo.opened_at == timedelta(hours=4, minutes=110)  # 24x7 calendar: business == wall
    grace = promise(contract, "arrival").grace
    assert wo.visits[0].window_end <= NOW < wo.visits[0].window_end + grace  # the arrival is still pending


def test_at_risk_and_pending_responses(demo: Demo) -> None:
    wo = demo.story("at-risk")
    contract = demo.contract_of(wo)
    response = promise(contract, "response", wo.priority)
    used = business_minutes(demo.calendar[contract.calendar_id], wo.opened_at, NOW)
    assert (response.target.total_seconds() // 60, used) == (480, 450)  # 30 minutes left: under 25%
    for key, left in (("p1-pending", 150), ("pending-sydney", 16 * 60 - 100)):
        wo = demo.story(key)
        contract = demo.contract_of(wo)
        response = promise(contract, "response", wo.priority)
        target = int(response.target.total_seconds() // 60)
        if response.clock == "wall":
            used = int((NOW - wo.opened_at).total_seconds() // 60)
        else:
            used = business_minutes(demo.calendar[contract.calendar_id], wo.opened_at, NOW)
        assert target - used == left and left > target / 4


def test_pm_due_on_site_and_pm_overdue(demo: Demo) -> None:
    def last_pm(asset_id: str) -> datetime:
        return max(
            w.resolved_at
            for w in demo.work_orders
            if w.asset_id == asset_id and w.kind == "preventive" and w.resolved_at
        )

    open_at_site = [w for w in demo.work_orders if w.state == "open" and demo.site_name(w) == gen.PM_DUE_SITE]
    assert demo.story("pm-site-open") in open_at_site
    for asset_id in gen.PM_DUE_SITE_ASSETS:
        assert demo.asset[asset_id].site.name == gen.PM_DUE_SITE
        due = last_pm(asset_id) + timedelta(days=90)
        assert NOW < due <= NOW + timedelta(days=14), asset_id
    overdue = gen.PM_OVERDUE_ASSET
    assert last_pm(overdue) + timedelta(days=90) < NOW
    pending_pm = demo.story("pm-overdue-open")
    assert pending_pm.asset_id == overdue and pending_pm.kind == "preventive" and pending_pm.state == "open"
    assert pending_pm.visits[0].outcome == "no_access"
    # most PM intervals are kept
    intervals = []
    for asset in demo.assets:
        pms = [w for w in demo.work_orders if w.asset_id == asset.id and w.kind == "preventive"]
        done = sorted(w.resolved_at for w in pms if w.resolved_at)
        intervals += [b - a for a, b in pairwise(done)]
    kept = sum(i <= timedelta(days=90) for i in intervals)
    assert kept / len(intervals) > 0.8 and kept < len(intervals)


# ---------------------------------------------------------------------------------------------------
# audit: closed work


def test_p1_breached_at_night(demo: Demo) -> None:
    wo = demo.story("p1-breach")
    first = min(v.arrived_at for v in wo.visits if v.arrived_at)
    assert first - wo.opened_at == timedelta(hours=4, minutes=55)
    assert wo.resolved_at - wo.opened_at > timedelta(hours=24) and not wo.pauses


def test_holidays_and_dst_are_honoured(demo: Demo) -> None:
    wo = demo.story("easter-dst")
    contract = demo.contract_of(wo)
    assert wo.contract_id is None and contract.id == "CON-007"
    calendar = demo.calendar[contract.calendar_id]
    arrived = wo.visits[0].arrived_at
    sydney = ZoneInfo(calendar.timezone)
    assert wo.opened_at.astimezone(sydney).utcoffset() == timedelta(hours=11)
    assert arrived.astimezone(sydney).utcoffset() == timedelta(hours=10)
    assert business_minutes(calendar, wo.opened_at, arrived) == 90 + 135  # met: target 480
    no_holidays = Calendar(calendar.id, calendar.timezone, calendar.weekly, [])
    assert business_minutes(no_holidays, wo.opened_at, arrived) > 480  # a calendar without them: breached
    christmas = demo.story("holiday")
    calendar = demo.calendar[demo.contract_of(christmas).calendar_id]
    assert christmas.opened_at.date() == date(2025, 12, 25)
    assert business_minutes(calendar, christmas.opened_at, christmas.visits[0].arrived_at) == 0


def test_arrivals_late_early_and_no_show(demo: Demo) -> None:
    def late_by(key: str) -> timedelta:
        wo = demo.story(key)
        visit = wo.visits[0]
        return visit.arrived_at - (visit.window_end + promise(demo.contract_of(wo), "arrival").grace)

    assert late_by("late-arrival") == timedelta(minutes=80)
    assert late_by("slightly-late") == timedelta(minutes=22)
    early = demo.story("early-arrival").visits[0]
    assert early.arrived_at < early.window_start
    no_show = demo.story("no-show")
    assert (
        no_show.visits[0].arrived_at is None and no_show.visits[0].window_end < no_show.visits[1].arrived_at
    )
    calendar = demo.calendar[demo.contract_of(no_show).calendar_id]
    assert business_minutes(calendar, no_show.opened_at, no_show.visits[1].arrived_at) == 16 * 60 + 45
    remote = demo.story("remote-fix")
    assert remote.resolved_at is not None and not remote.visits


def test_coverage_and_contracts(demo: Demo) -> None:
    assert not [c for c in demo.contracts if c.account_id == gen.NO_CONTRACT_ACCOUNT]
    uncovered = [w for w in demo.work_orders if w.account_id == gen.NO_CONTRACT_ACCOUNT]
    assert len(uncovered) >= 2 and all(demo.contract_of(w) is None for w in uncovered)
    others = [
        w for w in demo.work_orders if w.account_id != gen.NO_CONTRACT_ACCOUNT and w.state != "cancelled"
    ]
    assert all(demo.contract_of(w) is not None for w in others)

    def lapses(contract: Contract) -> datetime:
        day = contract.ends_on + timedelta(days=1)
        return datetime(
            day.year, day.month, day.day, tzinfo=ZoneInfo(demo.calendar[contract.calendar_id].timezone)
        )

    by_id = {c.id: c for c in demo.contracts}
    for cid in gen.ENDING_CONTRACTS:
        assert NOW < lapses(by_id[cid]) <= NOW + timedelta(days=90), cid
    assert lapses(by_id[gen.NOT_ENDING_CONTRACT]) > NOW + timedelta(days=90)
    renewed = sorted(
        (c for c in demo.contracts if c.account_id == gen.RENEWED_ACCOUNT), key=lambda c: c.starts_on
    )
    assert len(renewed) == 2 and renewed[0].ends_on + timedelta(days=1) == renewed[1].starts_on
    tiers = {len(c.promises) for c in demo.contracts}
    assert tiers == {3, 5, 6}  # bronze, silver, gold
    for asset in demo.assets:
        if asset.contract_id:
            assert by_id[asset.contract_id].account_id == asset.account_id


def test_assets_and_feedback_for_the_brief(demo: Demo) -> None:
    assert sum(a.installed_on is None for a in demo.assets) >= 3
    past_life = [
        a for a in demo.assets if a.installed_on and a.installed_on.year + a.expected_life_years < 2026
    ]
    assert len(past_life) >= 2
    soon = [
        a
        for a in demo.assets
        if a.warranty_ends and date(2026, 10, 30) < a.warranty_ends <= date(2027, 1, 28)
    ]
    assert len(soon) >= 2
    assert all(a.site and a.site.access_notes and a.site.timezone for a in demo.assets)
    complaints = {a.id for a in demo.accounts for f in a.feedback if f.score <= 2}
    praise = {a.id for a in demo.accounts for f in a.feedback if f.score >= 4}
    flawed_accounts = {a.account_id for a in demo.assets if a.model == gen.FLAWED_MODEL}
    assert flawed_accounts | {demo.asset[gen.REPEAT_ASSET].account_id} <= complaints
    assert len(praise) >= 4
    for model in {a.model for a in demo.assets}:
        assert sum(k.model == model for k in demo.knowledge) >= 4
