"""Brief assembly: everything a technician should know before walking in (pure: records in, a Brief out).

`assemble` takes one work order and the records of its account (accounts, assets, contracts, calendars,
the model's knowledge records, the account's work orders over `read_window`) and returns a `Brief`: the
data of the one-page pre-visit brief, in the issue's order (the job, the customer, what we promised, the
equipment, while you are there). Renderers (fsmkit.render) turn it into text, markdown, HTML or PDF;
`fsmkit.model.to_json` writes it as JSON (schemas/brief.schema.json). Every datetime in a Brief is UTC;
renderers show them in `Brief.timezone`, the site's zone.

Nothing here re-implements a rule: the promise clock, the 12-month breaches, the 90-day compliance, PM
due dates and ending contracts come from `fsmkit.audit.Audit` run over the account's records, so they
match `fsmkit audit --account ID` exactly; the repeat-failure and callback flags come from
`fsmkit.repeats.Repeats` run over the asset's own history. Facts stamped after as_of have not happened.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fsmkit.audit import (
    CONTRACT_ENDING_HORIZON,
    PM_ON_SITE_HORIZON,
    WORK_ORDER_RULES,
    Audit,
    amount,
)
from fsmkit.clock import local_midnight
from fsmkit.model import (
    WEEKDAYS,
    Account,
    Asset,
    Calendar,
    Contact,
    Contract,
    Feedback,
    Finding,
    Knowledge,
    Pause,
    Promise,
    Site,
    Visit,
    WorkOrder,
    utc,
)
from fsmkit.repeats import UNIT_YEAR, Repeats

HISTORY_SPAN = timedelta(days=365)  # breaches counted, feedback shown, repeats looked for
COMPLIANCE_SPAN = timedelta(days=90)
HISTORY_ROWS = 10
TICK = timedelta(microseconds=1)
MINUTE = timedelta(minutes=1)


# ---------------------------------------------------------------------------------------------------
# The brief's data, section by section (the JSON schema mirrors these field for field)


@dataclass(slots=True)
class Job:
    """1. The job: the work order, where, when the tech is booked, and its promise clock."""

    work_order_id: str
    number: str | None
    kind: str
    priority: str | None
    state: str  # at as_of: open, closed or cancelled
    status: str | None  # the platform's label, null when as_of replays a state it no longer has
    summary: str | None
    description: str | None
    opened_at: datetime
    site: Site | None
    booked: Visit | None  # the next visit not yet arrived, else the latest one
    pauses: list[Pause]  # begun by as_of; an end after as_of is null (still running)
    clock: list[Finding]  # response, resolution, the booked visit's arrival, or coverage


@dataclass(slots=True)
class Breaches:
    """Promises breached for the account among the audit's evaluations since `since`."""

    since: datetime
    total: int
    by_rule: dict[str, int]


@dataclass(slots=True)
class Customer:
    """2. The customer: who they are, how to reach them, what annoyed them and what they praised."""

    account_id: str
    name: str | None
    tier: str | None
    notes: str | None
    contacts: list[Contact]
    complaints: list[Feedback]  # scored 1-2 in the last 12 months, newest first
    praise: list[Feedback]  # scored 4-5 in the last 12 months, newest first
    breaches: Breaches


@dataclass(slots=True)
class PromiseText:
    """One contract promise in plain words."""

    id: str
    kind: str
    text: str


@dataclass(slots=True)
class ContractTerms:
    """The contract in force for the work order, its calendar and its promises in plain words."""

    id: str
    number: str | None
    name: str | None
    starts_on: date
    ends_on: date
    hours: str  # "Mon-Fri 08:00-18:00 Europe/Berlin, holidays excepted", or "24/7"
    promises: list[PromiseText]


@dataclass(slots=True)
class Compliance:
    """The account's promises kept over the last 90 days, per rule and overall (met / (met + breached))."""

    since: datetime
    met: int
    breached: int
    compliance: float | None
    rules: list[dict[str, Any]]  # fsmkit.audit.Audit.summary() rows of the account


@dataclass(slots=True)
class Promised:
    """3. What we promised: the contract (null when none is in force) and the account's track record."""

    contract: ContractTerms | None
    compliance: Compliance


@dataclass(slots=True)
class PastJob:
    """One row of the asset's history, as it stood at as_of."""

    work_order_id: str
    number: str | None
    opened_at: datetime
    kind: str
    priority: str | None
    state: str
    summary: str | None
    failure_code: str | None
    resolution_code: str | None
    outcome: str | None  # the last visit's outcome
    technicians: list[str]


@dataclass(slots=True)
class Equipment:
    """4. The asset, its coverage and history, its flags, and the known issues of its model."""

    asset_id: str
    name: str | None
    model: str | None
    serial: str | None
    installed_on: date | None
    age_years: float | None
    expected_life_years: float | None
    past_expected_life: bool
    warranty_ends: date | None
    in_warranty: bool | None
    contract_id: str | None
    contract_number: str | None
    covered: bool  # by a contract in force at as_of
    history: list[PastJob]  # the last 10 work orders before this one, newest first
    flags: list[Finding]  # repeat_failure and callback, from the asset's own history
    fleet_defects: list[dict[str, Any]]  # model_defect_suspect findings of --findings for the model
    knowledge: list[Knowledge]


@dataclass(slots=True)
class OpenJob:
    """Another work order open at as_of at the account."""

    work_order_id: str
    number: str | None
    kind: str
    priority: str | None
    status: str | None
    summary: str | None
    opened_at: datetime
    site_name: str | None
    same_site: bool


@dataclass(slots=True)
class PmDue:
    """Preventive maintenance of equipment at the site, overdue or due within 14 days."""

    asset_id: str
    name: str | None
    model: str | None
    due_at: datetime
    overdue: bool


@dataclass(slots=True)
class SiteAsset:
    """Another piece of equipment at the site and what covers it."""

    asset_id: str
    name: str | None
    model: str | None
    serial: str | None
    contract_number: str | None
    warranty_ends: date | None


@dataclass(slots=True)
class Ending:
    """A contract of the account, or a warranty of equipment at the site, lapsing within 90 days."""

    kind: str  # contract or warranty
    id: str  # the contract's or the asset's
    number: str | None  # the contract's number or the asset's serial
    name: str | None
    ends_on: date


@dataclass(slots=True)
class Aged:
    """Equipment at the site at or past its expected life."""

    asset_id: str
    name: str | None
    model: str | None
    age_years: float
    expected_life_years: float


@dataclass(slots=True)
class Nearby:
    """5. While you are there."""

    open_work_orders: list[OpenJob]
    pm_due: list[PmDue]
    covered_equipment: list[SiteAsset]
    ending: list[Ending]
    past_expected_life: list[Aged]


@dataclass(slots=True)
class Brief:
    """The one-page pre-visit brief of one work order, as of one instant."""

    as_of: datetime
    timezone: str  # the zone every time is shown in: the site's, else the account's, else UTC
    job: Job
    customer: Customer | None
    promised: Promised
    equipment: Equipment | None
    nearby: Nearby


# ---------------------------------------------------------------------------------------------------
# Assembly


def read_window(
    work_order: WorkOrder,
    as_of: datetime,
    assets: Sequence[Asset],
    contracts: Sequence[Contract],
    calendars: Sequence[Calendar],
) -> tuple[datetime, datetime]:
    """The opened_at range [lower, upper) of the account's work orders `assemble` needs: 12 months back
    from as_of, or back to the earliest PM-covered contract start (as `fsmkit audit` reads), or to the
    work order itself if it is older; up to just after as_of."""
    lower, upper = _Records(as_of, None, assets, contracts, calendars).audit(HISTORY_SPAN).read_window()
    return min(lower, work_order.opened_at), upper


def assemble(
    work_order: WorkOrder,
    *,
    as_of: datetime,
    account: Account | None,
    assets: Sequence[Asset],
    contracts: Sequence[Contract],
    calendars: Sequence[Calendar],
    knowledge: Sequence[Knowledge],
    work_orders: Sequence[WorkOrder],
    fleet_findings: Sequence[Mapping[str, Any]] = (),
) -> Brief:
    """The brief of `work_order` as of `as_of`.

    `assets` and `contracts` are the account's; `work_orders` are the account's over `read_window`,
    ordered by (opened_at, id); `knowledge` holds the records of the asset's model; `fleet_findings` are
    findings of `fsmkit repeats` (only a model_defect_suspect finding for the asset's model is used).
    """
    records = _Records(as_of, account, assets, contracts, calendars)
    asset = records.assets.get(work_order.asset_id or "")
    site = work_order.site or (asset.site if asset else None)
    timezone = (site.timezone if site else None) or (account.timezone if account else None) or "UTC"
    year_findings = list(records.audit(HISTORY_SPAN).evaluate(work_orders))
    here = [a for a in assets if _same_site(a, site, work_order.account_id)]
    job, contract = _job(work_order, records, site)
    return Brief(
        as_of=as_of.astimezone(UTC),
        timezone=timezone,
        job=job,
        customer=_customer(account, as_of, year_findings) if account else None,
        promised=Promised(records.terms(contract) if contract else None, _compliance(records, work_orders)),
        equipment=(
            _equipment(asset, work_order, records, knowledge, work_orders, fleet_findings) if asset else None
        ),
        nearby=Nearby(
            open_work_orders=_open_elsewhere(work_order, as_of, work_orders, records, site),
            pm_due=_pm_due(year_findings, here, as_of, work_order),
            covered_equipment=[
                _site_asset(a, records) for a in here if a is not asset and records.covered(a)
            ],
            ending=_ending(year_findings, here, as_of),
            past_expected_life=_aged(here, as_of),
        ),
    )


class _Records:
    """The account's reference records, indexed, and the audits run over them."""

    def __init__(
        self,
        as_of: datetime,
        account: Account | None,
        assets: Sequence[Asset],
        contracts: Sequence[Contract],
        calendars: Sequence[Calendar],
    ) -> None:
        self.as_of = as_of
        self.account = account
        self.contract_list = contracts
        self.assets = {a.id: a for a in assets}
        self.contracts = {c.id: c for c in contracts}
        self.calendars = {c.id: c for c in calendars}

    def audit(self, span: timedelta) -> Audit:
        """An audit of the account's work orders opened in [as_of - span, as_of), as `fsmkit audit`."""
        return Audit(
            as_of=self.as_of,
            since=self.as_of - span,
            until=self.as_of,
            accounts={self.account.id: self.account} if self.account else {},
            assets=self.assets,
            contracts=self.contract_list,
            calendars=self.calendars,
        )

    def zone_of(self, contract: Contract, asset: Asset | None = None) -> str:
        """DESIGN.md "Dates as instants": the contract calendar's zone, else the site's, else UTC."""
        calendar = self.calendars.get(contract.calendar_id or "")
        if calendar is not None:
            return calendar.timezone
        return (asset.site.timezone if asset and asset.site else None) or "UTC"

    def in_force(self, contract: Contract, asset: Asset | None = None) -> bool:
        """Whether as_of lies inside the contract: from 00:00 of starts_on to 00:00 after ends_on."""
        tz = self.zone_of(contract, asset)
        return (
            local_midnight(contract.starts_on, tz)
            <= self.as_of
            < local_midnight(contract.ends_on + timedelta(days=1), tz)
        )

    def covered(self, asset: Asset) -> bool:
        """Whether a contract in force or a running warranty covers the asset at as_of."""
        contract = self.contracts.get(asset.contract_id or "")
        return bool(contract and self.in_force(contract, asset)) or bool(in_warranty(asset, self.as_of))

    def terms(self, contract: Contract) -> ContractTerms:
        """The contract with its calendar and promises in plain words."""
        calendar = self.calendars.get(contract.calendar_id or "")
        hours = hours_in_words(calendar) if calendar else "no business-hours calendar"
        return ContractTerms(
            id=contract.id,
            number=contract.number,
            name=contract.name,
            starts_on=contract.starts_on,
            ends_on=contract.ends_on,
            hours=hours,
            promises=[PromiseText(p.id, p.kind, promise_in_words(p, hours)) for p in contract.promises],
        )


def _job(work_order: WorkOrder, records: _Records, site: Site | None) -> tuple[Job, Contract | None]:
    """Section 1, and the contract the work order falls under (fsmkit.audit's contract matching)."""
    as_of = records.as_of
    audit = Audit(
        as_of=as_of,
        since=work_order.opened_at,
        until=work_order.opened_at + TICK,
        accounts={},
        assets=records.assets,
        contracts=records.contract_list,
        calendars=records.calendars,
        kinds=WORK_ORDER_RULES,
    )
    booked = _booked(work_order, as_of)
    clock = [
        f
        for f in audit.evaluate([work_order])
        if f.rule != "arrival" or (booked is not None and f.subject.id == booked.id)
    ]
    state = state_at(work_order, as_of)
    job = Job(
        work_order_id=work_order.id,
        number=work_order.number,
        kind=work_order.kind,
        priority=work_order.priority,
        state=state,
        status=work_order.status if state == work_order.state else None,
        summary=work_order.summary,
        description=work_order.description,
        opened_at=work_order.opened_at.astimezone(UTC),
        site=site,
        booked=booked,
        pauses=[
            Pause(p.start.astimezone(UTC), utc(p.end) if _happened(p.end, as_of) else None, p.reason)
            for p in work_order.pauses
            if p.start <= as_of
        ],
        clock=clock,
    )
    return job, audit.contract_for(work_order)


def _booked(work_order: WorkOrder, as_of: datetime) -> Visit | None:
    """The next visit not yet arrived at as_of (earliest window first), else the latest visit."""
    if not work_order.visits:
        return None
    far = datetime.max.replace(tzinfo=UTC)
    waiting = [v for v in work_order.visits if not _happened(v.arrived_at, as_of)]
    if waiting:
        visit = min(waiting, key=lambda v: v.window_start or v.window_end or far)
    else:
        visit = max(work_order.visits, key=lambda v: (v.window_start or v.arrived_at or far, v.id))
    return _visit_at(visit, as_of)


def _visit_at(visit: Visit, as_of: datetime) -> Visit:
    """The visit as it stood at as_of, datetimes in UTC."""
    arrived = visit.arrived_at if _happened(visit.arrived_at, as_of) else None
    departed = visit.departed_at if _happened(visit.departed_at, as_of) else None
    return replace(
        visit,
        window_start=utc(visit.window_start),
        window_end=utc(visit.window_end),
        arrived_at=utc(arrived),
        departed_at=utc(departed),
        outcome=visit.outcome if departed or arrived else None,
    )


def _customer(account: Account, as_of: datetime, year_findings: Sequence[Finding]) -> Customer:
    """Section 2: the account, its contacts, feedback of the last 12 months and breaches counted."""
    since = as_of - HISTORY_SPAN
    recent = sorted(
        (replace(f, at=f.at.astimezone(UTC)) for f in account.feedback if since < f.at <= as_of),
        key=lambda f: f.at,
        reverse=True,
    )
    breached = Counter(f.rule for f in year_findings if f.status == "breached")
    return Customer(
        account_id=account.id,
        name=account.name,
        tier=account.tier,
        notes=account.notes,
        contacts=account.contacts,
        complaints=[f for f in recent if f.score <= 2],
        praise=[f for f in recent if f.score >= 4],
        breaches=Breaches(since.astimezone(UTC), sum(breached.values()), dict(sorted(breached.items()))),
    )


def _compliance(records: _Records, work_orders: Sequence[WorkOrder]) -> Compliance:
    """The account's audit summary over the last 90 days (`fsmkit audit --since 90d --account ID`)."""
    audit = records.audit(COMPLIANCE_SPAN)
    for _ in audit.evaluate(work_orders):
        pass  # the summary counts every evaluation
    rules = audit.summary()
    met = sum(r["met"] for r in rules)
    breached = sum(r["breached"] for r in rules)
    return Compliance(
        since=audit.since.astimezone(UTC),
        met=met,
        breached=breached,
        compliance=round(met / (met + breached), 4) if met + breached else None,
        rules=rules,
    )


def _equipment(
    asset: Asset,
    work_order: WorkOrder,
    records: _Records,
    knowledge: Sequence[Knowledge],
    work_orders: Sequence[WorkOrder],
    fleet_findings: Sequence[Mapping[str, Any]],
) -> Equipment:
    """Section 4: the asset, its coverage, history and flags, and its model's known issues."""
    as_of = records.as_of
    own = [w for w in work_orders if w.asset_id == asset.id and w.opened_at <= as_of]
    history = [w for w in own if w.id != work_order.id and w.state != "cancelled"]
    repeats = Repeats(
        as_of=as_of,
        since=as_of - HISTORY_SPAN,
        accounts={records.account.id: records.account} if records.account else {},
        assets={asset.id: asset},
    )
    repeats.feed(own)
    contract = records.contracts.get(asset.contract_id or "")
    defects = [
        dict(f)
        for f in fleet_findings
        if f.get("rule") == "model_defect_suspect" and (f.get("subject") or {}).get("id") == asset.model
    ]
    age = age_years(asset, as_of)
    return Equipment(
        asset_id=asset.id,
        name=asset.name,
        model=asset.model,
        serial=asset.serial,
        installed_on=asset.installed_on,
        age_years=age,
        expected_life_years=asset.expected_life_years,
        past_expected_life=bool(
            age is not None and asset.expected_life_years and age >= asset.expected_life_years
        ),
        warranty_ends=asset.warranty_ends,
        in_warranty=in_warranty(asset, as_of),
        contract_id=asset.contract_id,
        contract_number=(contract.number or contract.id) if contract else None,
        covered=bool(contract and records.in_force(contract, asset)),
        history=[_past_job(w, as_of) for w in reversed(history[-HISTORY_ROWS:])],
        flags=repeats.findings(("repeat_failure", "callback")),
        fleet_defects=defects,
        knowledge=sorted((k for k in knowledge if k.model == asset.model), key=lambda k: k.id),
    )


def _past_job(work_order: WorkOrder, as_of: datetime) -> PastJob:
    """A history row: what was known of the work order at as_of."""
    visits = [_visit_at(v, as_of) for v in work_order.visits]
    technicians = list(dict.fromkeys(v.technician for v in visits if v.technician and v.arrived_at))
    outcomes = [v.outcome for v in visits if v.outcome]
    return PastJob(
        work_order_id=work_order.id,
        number=work_order.number,
        opened_at=work_order.opened_at.astimezone(UTC),
        kind=work_order.kind,
        priority=work_order.priority,
        state=state_at(work_order, as_of),
        summary=work_order.summary,
        failure_code=work_order.failure_code,
        resolution_code=work_order.resolution_code if _happened(work_order.resolved_at, as_of) else None,
        outcome=outcomes[-1] if outcomes else None,
        technicians=technicians,
    )


def _open_elsewhere(
    work_order: WorkOrder,
    as_of: datetime,
    work_orders: Sequence[WorkOrder],
    records: _Records,
    site: Site | None,
) -> list[OpenJob]:
    """The account's other work orders open at as_of, those at the same site first."""
    found = []
    for other in work_orders:
        if other.id == work_order.id or other.opened_at > as_of or state_at(other, as_of) != "open":
            continue
        asset = records.assets.get(other.asset_id or "")
        other_site = other.site or (asset.site if asset else None)
        name = other_site.name if other_site else None
        same = bool(site and site.name and name == site.name)
        found.append(
            OpenJob(
                work_order_id=other.id,
                number=other.number,
                kind=other.kind,
                priority=other.priority,
                status=other.status if other.state == "open" else None,
                summary=other.summary,
                opened_at=other.opened_at.astimezone(UTC),
                site_name=name,
                same_site=same,
            )
        )
    found.sort(key=lambda j: not j.same_site)  # stable: (opened_at, id) within each group
    return found


def _pm_due(
    year_findings: Sequence[Finding], here: Sequence[Asset], as_of: datetime, work_order: WorkOrder
) -> list[PmDue]:
    """Open PM intervals (the audit's pm_interval findings without a completion) of equipment at the
    site that are overdue or fall due within 14 days; not the PM this work order is doing."""
    at_site = {a.id: a for a in here}
    if work_order.kind == "preventive":
        at_site.pop(work_order.asset_id or "", None)
    due = []
    for finding in year_findings:
        asset = at_site.get(finding.subject.id)
        if finding.rule != "pm_interval" or finding.actual_at is not None or asset is None:
            continue
        assert finding.due_at is not None
        if finding.due_at <= as_of + PM_ON_SITE_HORIZON:
            due.append(PmDue(asset.id, asset.name, asset.model, finding.due_at, finding.status == "breached"))
    return sorted(due, key=lambda d: (d.due_at, d.asset_id))


def _site_asset(asset: Asset, records: _Records) -> SiteAsset:
    contract = records.contracts.get(asset.contract_id or "")
    in_force = contract is not None and records.in_force(contract, asset)
    return SiteAsset(
        asset_id=asset.id,
        name=asset.name,
        model=asset.model,
        serial=asset.serial,
        contract_number=(contract.number or contract.id) if contract and in_force else None,
        warranty_ends=asset.warranty_ends if in_warranty(asset, records.as_of) else None,
    )


def _ending(year_findings: Sequence[Finding], here: Sequence[Asset], as_of: datetime) -> list[Ending]:
    """The audit's contract_ending findings, and warranties at the site lapsing within 90 days."""
    ending = [
        Ending(
            "contract", f.subject.id, f.evidence[0]["number"], f.evidence[0]["name"], f.evidence[0]["ends_on"]
        )
        for f in year_findings
        if f.rule == "contract_ending"
    ]
    for asset in here:
        if asset.warranty_ends is None:
            continue
        lapse = local_midnight(asset.warranty_ends + timedelta(days=1), _site_zone(asset))
        if as_of < lapse <= as_of + CONTRACT_ENDING_HORIZON:
            ending.append(Ending("warranty", asset.id, asset.serial, asset.name, asset.warranty_ends))
    return sorted(ending, key=lambda e: (e.ends_on, e.kind, e.id))


def _aged(here: Sequence[Asset], as_of: datetime) -> list[Aged]:
    """Equipment at the site at or past its expected life."""
    aged = []
    for asset in here:
        age = age_years(asset, as_of)
        if age is not None and asset.expected_life_years is not None and age >= asset.expected_life_years:
            aged.append(Aged(asset.id, asset.name, asset.model, age, asset.expected_life_years))
    return aged


# ---------------------------------------------------------------------------------------------------
# Facts about one record


def _happened(moment: datetime | None, as_of: datetime) -> bool:
    return moment is not None and moment <= as_of


def state_at(work_order: WorkOrder, as_of: datetime) -> str:
    """open, closed or cancelled at as_of: a work order closed (or resolved) after as_of was still open
    then (DESIGN.md "Which work orders")."""
    if work_order.state != "closed":
        return work_order.state
    ended = work_order.closed_at or work_order.resolved_at
    return "open" if ended is not None and ended > as_of else "closed"


def _site_zone(asset: Asset) -> str:
    return (asset.site.timezone if asset.site else None) or "UTC"


def age_years(asset: Asset, as_of: datetime) -> float | None:
    """Years from installed_on (00:00 in the site's zone) to as_of, in unit-years of 365.25 days, to
    one decimal; None when the installation date is unknown."""
    if asset.installed_on is None:
        return None
    return round((as_of - local_midnight(asset.installed_on, _site_zone(asset))) / UNIT_YEAR, 1)


def in_warranty(asset: Asset, as_of: datetime) -> bool | None:
    """Whether the warranty runs at as_of (it ends at 00:00 after warranty_ends, site's zone); None
    when the asset has no warranty date."""
    if asset.warranty_ends is None:
        return None
    return as_of < local_midnight(asset.warranty_ends + timedelta(days=1), _site_zone(asset))


def _same_site(asset: Asset, site: Site | None, account_id: str) -> bool:
    """As fsmkit.audit: the same site name when both have one, else the same account."""
    if site and site.name and asset.site and asset.site.name:
        return asset.site.name == site.name
    return asset.account_id == account_id


# ---------------------------------------------------------------------------------------------------
# Promises in plain words

_DAY_NAMES = {day: day.capitalize() for day in WEEKDAYS}


def hours_in_words(calendar: Calendar) -> str:
    """ "Mon-Fri 08:00-18:00, Sat 09:00-13:00 Europe/London, holidays excepted", or "24/7"."""
    if all(calendar.weekly.get(day) == [("00:00", "24:00")] for day in WEEKDAYS):
        return "24/7" + ("" if not calendar.holidays else ", holidays excepted")
    groups: list[tuple[list[str], list[tuple[str, str]]]] = []
    for day in WEEKDAYS:
        spans = calendar.weekly.get(day) or []
        if groups and groups[-1][1] == spans:
            groups[-1][0].append(day)
        else:
            groups.append(([day], spans))
    parts = []
    for days, spans in groups:
        if not spans:
            continue
        label = _DAY_NAMES[days[0]] + (f"-{_DAY_NAMES[days[-1]]}" if len(days) > 1 else "")
        parts.append(f"{label} {', '.join(f'{start}-{end}' for start, end in spans)}")
    text = f"{', '.join(parts) or 'never open'} {calendar.timezone}"
    return text + (", holidays excepted" if calendar.holidays else "")


def _priorities(promise: Promise) -> str:
    if not promise.priorities:
        return ""
    numbers = sorted(int(p[1:]) for p in promise.priorities)
    if len(numbers) > 1 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f" for P{numbers[0]}-P{numbers[-1]}"
    return " for " + ", ".join(f"P{n}" for n in numbers)


def _work_kinds(promise: Promise) -> str:
    kinds = [k for k in promise.work_kinds if k != "corrective"] if promise.kind != "pm_interval" else []
    return f" ({', '.join(promise.work_kinds)} work)" if kinds else ""


def promise_in_words(promise: Promise, hours: str) -> str:
    """One promise as a customer would say it: "on site within 4 business hours for P1, Mon-Fri
    08:00-18:00 Europe/Berlin"; wall-clock promises run around the clock."""
    target = amount(int((promise.target or timedelta(0)) / MINUTE), promise.clock)
    when = "around the clock" if promise.clock == "wall" else hours
    scope = _priorities(promise) + _work_kinds(promise)
    if promise.kind == "response":
        return f"on site within {target}{scope}, {when}"
    if promise.kind == "resolution":
        paused = "; the clock stops while the job is on hold" if promise.pausable else ""
        return f"fixed within {target}{scope}, {when}{paused}"
    if promise.kind == "arrival":
        grace = amount(int(promise.grace / MINUTE), "wall")
        return "arrive inside the booked window" + (f", {grace} grace" if promise.grace else "") + scope
    return f"preventive maintenance every {target}" + ("" if promise.clock == "wall" else f", {hours}")
