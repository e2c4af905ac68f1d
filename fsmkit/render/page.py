"""A brief in words: `page(brief)` turns a `fsmkit.brief.Brief` into a `Page` of sections and blocks.

Every sentence of the printed brief is written here, once, with every time in the site's zone; the
writers (fsmkit.render.text for text and markdown, fsmkit.render.html for HTML and PDF) only lay the
blocks out. A section or a block with nothing to say is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from fsmkit.audit import amount
from fsmkit.brief import Aged, Brief, Customer, Ending, Equipment, Job, Nearby, Promised
from fsmkit.model import Feedback, Finding, Visit, zone

RULE_WORDS = {  # in the order deadlines come
    "response": "on-site response",
    "resolution": "fix",
    "arrival": "arrival window",
    "pm_interval": "preventive maintenance",
}
T = TypeVar("T")
CLOCK_LABELS = {"response": "Respond by", "resolution": "Resolve by", "arrival": "Arrive by"}


@dataclass(slots=True)
class Fact:
    """A label and its value ("Site", "Meridian SEC1 Data Center"); `urgent` ones are highlighted."""

    label: str
    value: str
    urgent: bool = False


@dataclass(slots=True)
class Facts:
    """Label and value pairs, in order."""

    rows: list[Fact]


@dataclass(slots=True)
class Para:
    """A paragraph; `strong` ones are set in bold."""

    text: str
    strong: bool = False


@dataclass(slots=True)
class Alert:
    """Something the technician must not miss: a repeat failure, a callback, a fleet defect, no contract."""

    text: str


@dataclass(slots=True)
class Item:
    """One bullet, with an optional second line of detail."""

    text: str
    detail: str | None = None


@dataclass(slots=True)
class Items:
    """A titled bullet list."""

    title: str
    items: list[Item]


@dataclass(slots=True)
class Table:
    """A titled table of text cells; where space is short, column `flex` gives way (it wraps)."""

    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    flex: int = -1


Block = Facts | Para | Alert | Items | Table


@dataclass(slots=True)
class Section:
    """A titled part of the brief."""

    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(slots=True)
class Page:
    """The printed brief: a title, a line saying when and in which zone, and the sections with content."""

    title: str
    subtitle: str
    sections: list[Section]


def page(brief: Brief) -> Page:
    """The brief in words, times in the site's zone; empty sections and blocks left out."""
    words = _Words(brief.timezone)
    job = brief.job
    kind = " ".join(filter(None, (job.priority, job.kind)))
    sections = [
        Section("The job", _job(job, words)),
        Section("The customer", _customer(brief.customer, words) if brief.customer else []),
        Section("What we promised", _promised(brief.promised)),
        Section("The equipment", _equipment(brief.equipment, words) if brief.equipment else []),
        Section("While you are there", _nearby(brief.nearby, words)),
    ]
    zone_name = words.local(brief.as_of).tzname()
    return Page(
        title=f"Pre-visit brief: {job.number or job.work_order_id} ({kind})",
        subtitle=f"As of {words.moment(brief.as_of)}. Times are local to the site: {brief.timezone} "
        f"({zone_name}).",
        sections=[s for s in sections if s.blocks],
    )


class _Words:
    """Instants and dates as the site reads them."""

    def __init__(self, timezone: str) -> None:
        self.zone = zone(timezone)

    def local(self, moment: datetime) -> datetime:
        """The instant in the site's zone."""
        return moment.astimezone(self.zone)

    def moment(self, moment: datetime) -> str:
        """'2026-10-30 10:10 EDT'."""
        local = self.local(moment)
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"

    def day(self, moment: datetime) -> str:
        """'2026-10-30', the local date."""
        return f"{self.local(moment):%Y-%m-%d}"

    def window(self, start: datetime | None, end: datetime | None) -> str:
        """'2026-10-30 10:00-12:00 EDT'; 'by ...' without a start, 'from ...' without an end."""
        if start is None:
            return f"by {self.moment(end)}" if end else ""
        if end is None:
            return f"from {self.moment(start)}"
        first, last = self.local(start), self.local(end)
        if first.date() == last.date():
            return f"{first:%Y-%m-%d %H:%M}-{last:%H:%M} {last.tzname()}"
        return f"{self.moment(start)} to {self.moment(end)}"


def _facts(*rows: Fact | tuple[str, str | None]) -> list[Block]:
    """One Facts block of the rows that have a value, or nothing."""
    kept = [row if isinstance(row, Fact) else Fact(row[0], row[1] or "") for row in rows]
    kept = [row for row in kept if row.value]
    return [Facts(kept)] if kept else []


def _joined(*parts: str | None, sep: str = ", ") -> str:
    return sep.join(p for p in parts if p)


# -- 1. the job --------------------------------------------------------------------------------------


def _job(job: Job, words: _Words) -> list[Block]:
    blocks: list[Block] = []
    if job.summary:
        blocks.append(Para(job.summary, strong=True))
    if job.description:
        blocks.append(Para(job.description))
    site = job.site
    state = job.state + (f" ({job.status})" if job.status and job.status.lower() != job.state else "")
    blocks += _facts(
        ("Work order", _joined(job.number, job.work_order_id if job.number else None, sep=" / ")),
        ("Priority", job.priority),
        ("State", f"{state}, opened {words.moment(job.opened_at)}"),
        ("Site", site.name if site else None),
        ("Address", site.address if site else None),
        ("Time zone", site.timezone if site else None),
        ("Access", site.access_notes if site else None),
        ("Booked", _booked(job.booked, words) if job.booked else None),
        *(
            Fact("On hold", _joined(f"since {words.moment(p.start)}", p.reason), urgent=True)
            for p in job.pauses
            if p.end is None
        ),
        *(
            Fact(CLOCK_LABELS[f.rule], _clock(f, words), f.status in ("breached", "at_risk"))
            for f in _clock_order(job.clock)
        ),
    )
    return blocks


def _booked(visit: Visit, words: _Words) -> str:
    window = words.window(visit.window_start, visit.window_end) or "no window"
    arrived = f"arrived {words.moment(visit.arrived_at)}" if visit.arrived_at else None
    departed = f"left {words.moment(visit.departed_at)}" if visit.departed_at else None
    return _joined(window, visit.technician, arrived, departed)


def _clock_order(clock: list[Finding]) -> list[Finding]:
    """Response, resolution, arrival: the order the deadlines come in (coverage is section 3's)."""
    order = tuple(CLOCK_LABELS)
    return sorted((f for f in clock if f.rule in order), key=lambda f: order.index(f.rule))


def _clock(finding: Finding, words: _Words) -> str:
    """'2026-10-30 10:10 EDT: OVERDUE by 110 business minutes' and the like."""
    due = words.moment(finding.due_at) if finding.due_at else "no deadline"
    clock = finding.clock or "wall"
    if finding.status == "met":
        return f"{due}: met" + (f" ({words.moment(finding.actual_at)})" if finding.actual_at else "")
    if finding.status == "breached" and finding.actual_at is not None:
        late = amount(finding.late_by_minutes or 0, clock)
        return f"{due}: missed by {late} ({words.moment(finding.actual_at)})"
    if finding.status == "breached" and finding.late_by_minutes is None:
        return f"{due}: missed, nobody arrived"
    if finding.status == "breached":
        return f"{due}: OVERDUE by {amount(finding.late_by_minutes or 0, clock)}"
    left = amount(finding.remaining_minutes or 0, clock)
    return f"{due}: {'AT RISK, ' if finding.status == 'at_risk' else ''}{left} left"


# -- 2. the customer ---------------------------------------------------------------------------------


def _customer(customer: Customer, words: _Words) -> list[Block]:
    tier = f"tier {customer.tier}" if customer.tier else None
    blocks: list[Block] = _facts(("Account", _joined(customer.name, tier)))
    if customer.notes:
        blocks.append(Para(customer.notes))
    contacts = [
        Item(
            _joined(
                _joined(c.name, c.role),
                c.phone,
                c.email,
                f"prefers {c.preferred_channel.replace('_', ' ')}" if c.preferred_channel else None,
                sep=" | ",
            ),
            c.notes,
        )
        for c in customer.contacts
    ]
    if contacts:
        blocks.append(Items("Contacts", contacts))
    annoyed = [_feedback(f, words) for f in customer.complaints]
    breaches = customer.breaches
    if breaches.total:
        counts = ", ".join(
            f"{RULE_WORDS.get(rule, rule)} {n}" for rule, n in _by_rule(breaches.by_rule.items())
        )
        plural = "s" if breaches.total != 1 else ""
        annoyed.append(Item(f"{breaches.total} promise{plural} breached in the last 12 months: {counts}"))
    if annoyed:
        blocks.append(Items("What annoyed them (last 12 months)", annoyed))
    if customer.praise:
        blocks.append(Items("What they praised", [_feedback(f, words) for f in customer.praise]))
    return blocks


def _by_rule(pairs: Iterable[tuple[str, T]]) -> list[tuple[str, T]]:
    """(rule, value) pairs in the order deadlines come: response, resolution, arrival, PM, others."""
    order = list(RULE_WORDS)
    return sorted(pairs, key=lambda pair: order.index(pair[0]) if pair[0] in order else len(order))


def _feedback(feedback: Feedback, words: _Words) -> Item:
    return Item(f"{words.day(feedback.at)}, scored {feedback.score}/5: {feedback.comment or '(no comment)'}")


# -- 3. what we promised -----------------------------------------------------------------------------


def _promised(promised: Promised) -> list[Block]:
    blocks: list[Block] = []
    contract = promised.contract
    if contract is None:
        blocks.append(Alert("No contract was in force when this job was opened: the work is not covered."))
    else:
        blocks += _facts(
            ("Contract", _joined(contract.number, contract.name, sep=" ")),
            ("Runs", f"{contract.starts_on} to {contract.ends_on}"),
            ("Hours", contract.hours),
        )
        if contract.promises:
            blocks.append(Items("Promises", [Item(p.text) for p in contract.promises]))
    compliance = promised.compliance
    decided = compliance.met + compliance.breached
    facts: list[Fact] = []
    if decided:
        per_rule = ", ".join(
            f"{RULE_WORDS.get(rule, rule)} {r['met']}/{r['met'] + r['breached']}"
            for rule, r in _by_rule((r["rule"], r) for r in compliance.rules)
            if r["met"] + r["breached"]
        )
        share = f"{(compliance.compliance or 0) * 100:.0f}%"
        text = f"{compliance.met} of {decided} promises kept ({share}): {per_rule}"
        facts.append(Fact("Last 90 days", text))
    uncovered = sum(r["not_covered"] for r in compliance.rules)
    if uncovered:
        plural = "s" if uncovered != 1 else ""
        facts.append(Fact("Not covered", f"{uncovered} job{plural} in the last 90 days had no contract"))
    return blocks + _facts(*facts)


# -- 4. the equipment --------------------------------------------------------------------------------


def _equipment(equipment: Equipment, words: _Words) -> list[Block]:
    blocks: list[Block] = _facts(
        ("Asset", _joined(equipment.name, equipment.asset_id, sep=" / ")),
        ("Model", equipment.model),
        ("Serial", equipment.serial),
        Fact("Age", _age(equipment), equipment.past_expected_life),
        ("Warranty", _warranty(equipment)),
        ("Contract", _coverage(equipment)),
    )
    blocks += [Alert(_flag(f)) for f in sorted(equipment.flags, key=lambda f: f.rule != "repeat_failure")]
    blocks += [
        Alert(f"Fleet-wide defect suspected: {f.get('message') or equipment.model}")
        for f in equipment.fleet_defects
    ]
    if equipment.history:
        rows = [
            (
                words.day(j.opened_at),
                j.number or j.work_order_id,
                " ".join(filter(None, (j.priority, j.kind))),
                _joined(j.failure_code, _outcome(j.state, j.resolution_code, j.outcome), sep=" / "),
                ", ".join(j.technicians),
            )
            for j in equipment.history
        ]
        headers = ("Opened", "Job", "Kind", "Failure / fix", "Technicians")
        blocks.append(Table(f"History (last {len(rows)} jobs, newest first)", headers, rows, flex=3))
    if equipment.knowledge:
        items = [Item(k.title, _joined(k.summary, k.link, sep=" ")) for k in equipment.knowledge]
        blocks.append(Items(f"Known issues and fixes for the {equipment.model}", items))
    return blocks


def _age(equipment: Equipment) -> str:
    if equipment.installed_on is None or equipment.age_years is None:
        return "installation date unknown"
    text = f"{equipment.age_years:g} years (installed {equipment.installed_on})"
    if equipment.expected_life_years:
        text += f", expected life {equipment.expected_life_years:g} years"
        if equipment.past_expected_life:
            text += ": PAST ITS EXPECTED LIFE"
    return text


def _warranty(equipment: Equipment) -> str | None:
    if equipment.warranty_ends is None:
        return None
    return f"{'until' if equipment.in_warranty else 'ended'} {equipment.warranty_ends}"


def _coverage(equipment: Equipment) -> str:
    if equipment.covered:
        return f"covered by {equipment.contract_number}"
    if equipment.contract_number:
        return f"{equipment.contract_number} is not in force"
    return "not on any contract"


def _flag(finding: Finding) -> str:
    label = "Repeat failure" if finding.rule == "repeat_failure" else "Callback"
    return f"{label}: {finding.message}"


def _outcome(state: str, resolution_code: str | None, outcome: str | None) -> str | None:
    if state != "closed":
        return state
    return resolution_code or (outcome or "").replace("_", " ") or None


# -- 5. while you are there --------------------------------------------------------------------------


def _nearby(nearby: Nearby, words: _Words) -> list[Block]:
    open_jobs = [
        Item(
            _joined(
                " ".join(filter(None, (j.number or j.work_order_id, j.priority, j.kind))),
                j.status,
                f"opened {words.day(j.opened_at)}",
                "this site" if j.same_site else j.site_name,
            ),
            j.summary,
        )
        for j in nearby.open_work_orders
    ]
    pm_due = [
        Item(
            f"{_asset(p.name, p.asset_id, p.model)}: "
            + (f"OVERDUE since {words.moment(p.due_at)}" if p.overdue else f"due {words.moment(p.due_at)}")
        )
        for p in nearby.pm_due
    ]
    covered = [
        Item(
            _joined(
                _asset(a.name, a.asset_id, a.model),
                a.serial,
                f"contract {a.contract_number}" if a.contract_number else None,
                f"warranty until {a.warranty_ends}" if a.warranty_ends else None,
            )
        )
        for a in nearby.covered_equipment
    ]
    ending = [Item(_ending(e)) for e in nearby.ending]
    aged = [Item(_aged(a)) for a in nearby.past_expected_life]
    lists = [
        ("Other open jobs at this account", open_jobs),
        ("Preventive maintenance due here within 14 days (do it now)", pm_due),
        ("Other covered equipment here", covered),
        ("Ending within 90 days (a conversation for sales)", ending),
        ("Past its expected life (suggest a replacement)", aged),
    ]
    return [Items(title, items) for title, items in lists if items]


def _ending(ending: Ending) -> str:
    if ending.kind == "contract":
        return f"Contract {_joined(ending.number or ending.id, ending.name, sep=' ')} ends {ending.ends_on}"
    serial = f"serial {ending.number}" if ending.number else None
    return f"Warranty of {_joined(_asset(ending.name, ending.id, None), serial)} ends {ending.ends_on}"


def _aged(aged: Aged) -> str:
    life = f"{aged.age_years:g} years, expected life {aged.expected_life_years:g} years"
    return f"{_asset(aged.name, aged.asset_id, aged.model)}: {life}"


def _asset(name: str | None, asset_id: str, model: str | None) -> str:
    label = f"{name} ({asset_id})" if name else asset_id
    return f"{label}, {model}" if model else label
