"""The brief engine on hand-built records: the promise clock, the customer, the contract in words, the
equipment and its history, and what else to do while there, all as of one instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import builders
import pytest

from fsmkit.audit import Audit
from fsmkit.brief import Brief, assemble, hours_in_words, promise_in_words, read_window
from fsmkit.model import (
    parse_account,
    parse_asset,
    parse_calendar,
    parse_contract,
    parse_knowledge,
    parse_promise,
    parse_work_order,
    zone,
)

BERLIN = zone("Europe/Berlin")
AS_OF = datetime(2026, 3, 2, 14, 0, tzinfo=BERLIN)  # a Monday
OTHER_SITE = {"name": "Huber Giesing", "address": "Tegernseer Landstr. 2", "timezone": "Europe/Berlin",
              "access_notes": None}  # fmt: skip
PROMISES = [
    builders.promise(),  # response P1 PT4H business
    builders.promise(id="p-resolution-p1", kind="resolution", target="PT8H"),
    builders.promise(id="p-arrival", kind="arrival", target=None, clock="wall", priorities=[], grace="PT15M"),
    builders.promise(id="p-pm", kind="pm_interval", target="P90D", clock="wall", priorities=[]),
]


def at(text: str) -> str:
    """A Berlin wall time in March 2026 (CET) as ISO text: at("02 09:15") is 2026-03-02T09:15+01:00."""
    return f"2026-03-{text[:2]}T{text[3:]}:00+01:00"


def target(**fields: Any) -> dict:
    """The job being briefed: an open P1 on ast-1, opened Monday 09:15, booked 14:30-16:30."""
    return builders.work_order(**{
        "state": "open", "status": "Dispatched", "opened_at": at("02 09:15"), "resolved_at": None, "closed_at": None,
        "pauses": [], "failure_code": None, "resolution_code": None,
        "visits": [builders.visit(window_start=at("02 14:30"), window_end=at("02 16:30"), arrived_at=None,
                                  departed_at=None, outcome=None)],
        **fields,
    })  # fmt: skip


def job(n: int, opened: str, asset: str = "ast-1", **fields: Any) -> dict:
    """A closed corrective job, fixed two hours after it was opened by Jana Novak."""
    opened_at = datetime.fromisoformat(opened)
    fixed = (opened_at + timedelta(hours=2)).isoformat()
    return builders.work_order(**{
        "id": f"wo-{n:03}", "number": f"WO-{n:03}", "asset_id": asset, "priority": "P2", "opened_at": opened,
        "resolved_at": fixed, "closed_at": fixed, "pauses": [],
        "visits": [builders.visit(id=f"v-{n}", window_start=None, window_end=None, arrived_at=opened, departed_at=fixed)],
        **fields,
    })  # fmt: skip


def brief(
    work_order: dict,
    others: list[dict] = (),
    *,
    as_of: datetime = AS_OF,
    account: dict | None = None,
    assets: list[dict] | None = None,
    contracts: list[dict] | None = None,
    knowledge: list[dict] = (),
    fleet_findings: list[dict] = (),
) -> Brief:
    """assemble() over parsed records, the work orders sorted as a connector yields them."""
    work_orders = sorted(
        (parse_work_order(w) for w in [work_order, *others]), key=lambda w: (w.opened_at, w.id)
    )
    return assemble(
        parse_work_order(work_order),
        as_of=as_of,
        account=parse_account(account or builders.account()),
        assets=[parse_asset(a) for a in (assets if assets is not None else [builders.asset()])],
        contracts=[parse_contract(c) for c in (contracts if contracts is not None else [builders.contract(promises=PROMISES)])],
        calendars=[parse_calendar(builders.calendar())],
        knowledge=[parse_knowledge(k) for k in knowledge],
        work_orders=work_orders,
        fleet_findings=fleet_findings,
    )  # fmt: skip


# -- 1. the job --------------------------------------------------------------------------------------


def test_the_promise_clock_is_the_audits_at_as_of() -> None:
    result = brief(target())
    clock = {f.rule: (f.status, f.due_at, f.late_by_minutes, f.remaining_minutes) for f in result.job.clock}
    assert clock == {
        "response": ("breached", datetime(2026, 3, 2, 12, 15, tzinfo=UTC), 45, None),
        "resolution": ("pending", datetime(2026, 3, 2, 16, 15, tzinfo=UTC), None, 195),
        "arrival": ("pending", datetime(2026, 3, 2, 15, 45, tzinfo=UTC), None, 165),
    }
    audit = Audit(as_of=AS_OF, since=AS_OF - timedelta(days=1), until=AS_OF, accounts={},
                  assets={"ast-1": parse_asset(builders.asset())},
                  contracts=[parse_contract(builders.contract(promises=PROMISES))],
                  calendars={"cal-berlin": parse_calendar(builders.calendar())},
                  kinds=("response", "resolution", "arrival"))  # fmt: skip
    assert result.job.clock == list(audit.evaluate([parse_work_order(target())]))
    assert (result.timezone, result.as_of) == ("Europe/Berlin", datetime(2026, 3, 2, 13, 0, tzinfo=UTC))
    assert (result.job.state, result.job.status, result.job.site.name) == (
        "open",
        "Dispatched",
        "Huber Schwabing",
    )


def test_the_booked_window_is_the_next_visit_not_yet_arrived_else_the_latest() -> None:
    visits = [
        builders.visit(id="v-1", window_start=at("02 10:00"), window_end=at("02 12:00"), arrived_at=at("02 10:20"),
                       departed_at=at("02 11:00"), outcome="parts_needed"),
        builders.visit(id="v-3", window_start=at("04 08:00"), window_end=at("04 10:00"), arrived_at=at("04 08:30"),
                       departed_at=at("04 09:30"), outcome="fixed"),
        builders.visit(id="v-2", window_start=at("03 08:00"), window_end=at("03 10:00"), arrived_at=at("03 09:00"),
                       departed_at=None, outcome=None),
    ]  # fmt: skip
    work_order = target(visits=visits)
    assert brief(work_order).job.booked.id == "v-2"  # v-1 arrived; v-2 is next, before v-3
    later = brief(work_order, as_of=datetime(2026, 3, 5, 12, 0, tzinfo=BERLIN)).job.booked
    assert (later.id, later.outcome) == ("v-3", "fixed")  # all arrived: the latest
    earlier = brief(work_order, as_of=datetime(2026, 3, 2, 10, 10, tzinfo=BERLIN)).job.booked
    assert (earlier.id, earlier.window_end, earlier.arrived_at, earlier.outcome) == (
        "v-1",
        datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
        None,  # arrived at 10:20, after as_of
        None,
    )


def test_a_past_as_of_replays_a_closed_job_as_open() -> None:
    pauses = [{"start": at("02 09:30"), "end": at("02 09:40"), "reason": "On Hold"},
              {"start": at("02 09:50"), "end": at("02 10:20"), "reason": "Awaiting Parts"},
              {"start": at("02 10:30"), "end": at("02 10:40"), "reason": "On Hold"}]  # fmt: skip
    closed = job(1, at("02 09:15"), priority="P1", status="Closed Complete", state="closed", pauses=pauses)
    replay = brief(closed, as_of=datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN)).job
    assert (replay.state, replay.status) == ("open", None)
    assert [(p.start.hour, p.start.minute, p.end, p.reason) for p in replay.pauses] == [
        (8, 30, datetime(2026, 3, 2, 8, 40, tzinfo=UTC), "On Hold"),
        (8, 50, None, "Awaiting Parts"),  # still running at as_of
    ]
    assert [(f.rule, f.status) for f in replay.clock] == [("resolution", "pending"), ("response", "met")]
    now = brief(closed).job
    assert (now.state, now.status) == ("closed", "Closed Complete")


def test_a_job_with_no_contract_in_force_is_not_covered() -> None:
    result = brief(target(contract_id=None), contracts=[])
    assert [(f.rule, f.status) for f in result.job.clock] == [("coverage", "not_covered")]
    assert result.promised.contract is None
    assert (result.promised.compliance.compliance, result.promised.compliance.rules[0]["not_covered"]) == (
        None,
        1,
    )


# -- 2. the customer ---------------------------------------------------------------------------------


def test_feedback_and_breaches_of_the_last_12_months() -> None:
    feedback = [
        {"at": "2025-02-01T10:00:00+01:00", "score": 1, "comment": "too old to mention"},
        {"at": "2025-09-01T10:00:00+02:00", "score": 5, "comment": "quick and tidy"},
        {"at": "2026-01-10T10:00:00+01:00", "score": 2, "comment": "late again"},
        {"at": "2026-02-10T10:00:00+01:00", "score": 1, "comment": "fridge failed twice"},
        {"at": "2026-02-11T10:00:00+01:00", "score": 3, "comment": "fine"},
        {"at": "2026-03-02T15:00:00+01:00", "score": 1, "comment": "after as_of: not yet said"},
    ]
    late = job(5, "2026-01-05T09:00:00+01:00", priority="P1", resolved_at="2026-01-05T15:00:00+01:00", visits=[
        builders.visit(id="v-5", window_start=None, window_end=None, arrived_at="2026-01-05T14:00:00+01:00")])  # fmt: skip
    customer = brief(target(), [late], account=builders.account(feedback=feedback)).customer
    assert [(f.score, f.comment) for f in customer.complaints] == [
        (1, "fridge failed twice"),
        (2, "late again"),
    ]
    assert [f.comment for f in customer.praise] == ["quick and tidy"]
    assert customer.complaints[0].at == datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
    # the late job: response due 13:00, arrived 14:00; the target's response is overdue too
    assert (customer.breaches.total, customer.breaches.by_rule) == (2, {"response": 2})
    assert customer.breaches.since == datetime(2025, 3, 2, 13, 0, tzinfo=UTC)
    assert [c.name for c in customer.contacts] == ["Anna Huber"]


# -- 3. what we promised -----------------------------------------------------------------------------


def test_promises_in_plain_words() -> None:
    calendar = parse_calendar(builders.calendar(holidays=[]))
    hours = hours_in_words(calendar)
    assert hours == "Mon-Fri 08:00-18:00 Europe/Berlin"
    words = [promise_in_words(parse_promise(p), hours) for p in PROMISES]
    assert words == [
        "on site within 4 business hours for P1, Mon-Fri 08:00-18:00 Europe/Berlin",
        "fixed within 8 business hours for P1, Mon-Fri 08:00-18:00 Europe/Berlin; the clock stops while the job "
        "is on hold",
        "arrive inside the booked window, 15 minutes grace",
        "preventive maintenance every 90 days",
    ]
    several = parse_promise(builders.promise(priorities=["P3", "P2"], target="PT16H", work_kinds=["install"]))
    assert promise_in_words(several, hours) == (
        "on site within 16 business hours for P2-P3 (install work), Mon-Fri 08:00-18:00 Europe/Berlin"
    )
    wall = parse_promise(builders.promise(clock="wall", priorities=["P1", "P3"]))
    assert promise_in_words(wall, hours) == "on site within 4 hours for P1, P3, around the clock"
    london = builders.calendar(timezone="Europe/London", weekly={
        **{d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}, "sat": [["09:00", "13:00"]]})  # fmt: skip
    assert hours_in_words(parse_calendar(london)) == (
        "Mon-Fri 08:00-17:00, Sat 09:00-13:00 Europe/London, holidays excepted"
    )
    always = builders.calendar(timezone="UTC", weekly={d: [["00:00", "24:00"]] for d in
                                                       ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}, holidays=[])  # fmt: skip
    assert hours_in_words(parse_calendar(always)) == "24/7"


def test_the_contract_and_the_90_day_compliance_of_the_account() -> None:
    kept = job(7, "2026-02-02T09:00:00+01:00", priority="P1")  # on site and fixed in 2 hours
    missed = job(8, "2026-02-09T09:00:00+01:00", priority="P1", resolved_at="2026-02-10T09:00:00+01:00",
                 closed_at="2026-02-10T09:00:00+01:00")  # fixed after 10 business hours  # fmt: skip
    old = job(9, "2025-10-01T09:00:00+02:00", priority="P1")  # before the 90 days
    promised = brief(target(), [old, kept, missed], contracts=[builders.contract(promises=PROMISES, starts_on="2025-01-01")]).promised  # fmt: skip
    assert (promised.contract.number, promised.contract.hours) == ("SC-2026-001", "Mon-Fri 08:00-18:00 Europe/Berlin, holidays excepted")  # fmt: skip
    assert [p.kind for p in promised.contract.promises] == [
        "response",
        "resolution",
        "arrival",
        "pm_interval",
    ]
    compliance = promised.compliance
    assert (compliance.met, compliance.breached, compliance.compliance) == (3, 3, 0.5)
    by_rule = {r["rule"]: (r["met"], r["breached"], r["pending"]) for r in compliance.rules}
    # the target's response is overdue; no PM was ever done (first due 2025-04-01): overdue
    assert by_rule == {
        "resolution": (1, 1, 1),
        "response": (2, 1, 0),
        "arrival": (0, 0, 1),
        "pm_interval": (0, 1, 0),
    }
    assert compliance.since == datetime(2025, 12, 2, 13, 0, tzinfo=UTC)


# -- 4. the equipment --------------------------------------------------------------------------------


def test_age_warranty_coverage_and_known_issues() -> None:
    knowledge = [builders.knowledge(id="kb-2", title="Fan capacitor"), builders.knowledge(id="kb-1")]
    equipment = brief(target(), knowledge=knowledge).equipment
    # 2023-05-01 00:00 CEST to 2026-03-02 14:00 CET: 1037 days 15 hours
    assert (equipment.age_years, equipment.past_expected_life) == (2.8, False)
    assert (equipment.in_warranty, equipment.covered, equipment.contract_number) == (
        True,
        True,
        "SC-2026-001",
    )
    assert [k.id for k in equipment.knowledge] == ["kb-1", "kb-2"]
    ended = brief(target(), assets=[builders.asset(warranty_ends="2026-03-01", installed_on=None)]).equipment
    assert (ended.in_warranty, ended.age_years, ended.past_expected_life) == (False, None, False)
    lapsed = brief(target(contract_id=None), contracts=[builders.contract(ends_on="2026-02-28")]).equipment
    assert (lapsed.covered, lapsed.contract_number) == (False, "SC-2026-001")


def test_history_is_the_last_10_jobs_newest_first_as_known_at_as_of() -> None:
    history = [job(n, f"2025-{n:02}-03T09:00:00+01:00") for n in range(1, 13)]
    history[0]["state"] = "cancelled"
    history.append(job(20, "2026-02-27T09:00:00+01:00", resolved_at=at("02 15:00"), closed_at=at("02 16:00"),
                       resolution_code="REPLACED", visits=[
        builders.visit(id="v-20a", technician="Jana Novak", arrived_at="2026-02-27T10:00:00+01:00",
                       departed_at="2026-02-27T11:00:00+01:00", outcome="parts_needed"),
        builders.visit(id="v-20b", technician="Ali Kaya", arrived_at=at("02 15:00"), departed_at=at("02 15:30"),
                       outcome="fixed")]))  # fmt: skip
    history.append(job(21, "2026-01-05T09:00:00+01:00", asset="ast-2"))  # another asset
    rows = brief(target(), history, assets=[builders.asset(), builders.asset(id="ast-2")]).equipment.history
    assert [r.work_order_id for r in rows] == ["wo-020", "wo-012", "wo-011", "wo-010", "wo-009", "wo-008",
                                               "wo-007", "wo-006", "wo-005", "wo-004"]  # fmt: skip
    latest = rows[0]
    # as of 14:00 the second visit had not happened and the job was not resolved
    assert (latest.state, latest.resolution_code, latest.outcome, latest.technicians) == (
        "open",
        None,
        "parts_needed",
        ["Jana Novak"],
    )
    assert (rows[1].state, rows[1].failure_code, rows[1].resolution_code, rows[1].technicians) == (
        "closed",
        "COMP-RELAY",
        "REPLACED",
        ["Jana Novak"],
    )


def test_repeat_failure_and_callback_flags_come_from_the_assets_own_history() -> None:
    failures = [job(1, "2026-01-05T09:00:00+01:00"), job(2, "2026-01-20T09:00:00+01:00"),
                job(3, "2026-02-20T09:00:00+01:00"), job(4, "2026-02-21T09:00:00+01:00", asset="ast-2")]  # fmt: skip
    flags = brief(target(), failures, assets=[builders.asset(), builders.asset(id="ast-2")]).equipment.flags
    # the job being briefed is itself a callback: wo-003 was fixed 10 days before
    assert [(f.rule, f.subject.id) for f in flags] == [("callback", "wo-002"), ("callback", "wo-1"),
                                                       ("repeat_failure", "ast-1")]  # fmt: skip
    assert [e["work_order_id"] for e in flags[2].evidence] == ["wo-001", "wo-002", "wo-003", "wo-1"]
    assert flags[0].message == (
        "WO-002 on Cold room 1 (ArcticFlow CU-7) came 14.9 days after WO-001 was fixed by Jana Novak: the fix did not stick."
    )


def test_a_fleet_defect_is_flagged_only_for_the_assets_model() -> None:
    findings = [
        {"rule": "model_defect_suspect", "status": "flagged", "subject": {"type": "model", "id": "ArcticFlow CU-7"},
         "message": "ArcticFlow CU-7 fails 3.9x as often as the rest of the fleet"},
        {"rule": "model_defect_suspect", "status": "flagged", "subject": {"type": "model", "id": "FrostLine RC-400"}},
        {"rule": "repeat_failure", "status": "flagged", "subject": {"type": "asset", "id": "ArcticFlow CU-7"}},
    ]  # fmt: skip
    assert brief(target(), fleet_findings=findings).equipment.fleet_defects == [findings[0]]
    other = brief(target(), assets=[builders.asset(model="PolarAir RTU-12")], fleet_findings=findings)
    assert other.equipment.fleet_defects == []


# -- 5. while you are there --------------------------------------------------------------------------


def test_while_you_are_there() -> None:
    assets = [
        builders.asset(),  # PM due 2026-03-01 00:00 (90 days after the contract start): overdue
        builders.asset(id="ast-2", name="Cold room 2", serial="AF7-002", installed_on="2010-01-01",
                       warranty_ends="2026-04-30"),  # PM done 2025-12-10 12:00, next due in 8 days
        builders.asset(id="ast-3", name="Freezer", site=OTHER_SITE),  # other site: none of this
        builders.asset(id="ast-4", name="Old display", contract_id=None, warranty_ends="2020-01-01"),  # not covered
    ]  # fmt: skip
    contracts = [builders.contract(promises=PROMISES, starts_on="2025-12-01"),
                 builders.contract(id="con-2", number="SC-2026-002", name="Bronze", starts_on="2025-06-01",
                                   ends_on="2026-05-15", promises=[])]  # fmt: skip
    others = [
        job(2, "2025-12-10T10:00:00+01:00", asset="ast-2", kind="preventive"),
        job(3, "2026-02-20T09:00:00+01:00", asset="ast-2", state="open", status="On Hold", resolved_at=None,
            closed_at=None, summary="Door heater"),
        job(4, "2026-02-25T09:00:00+01:00", asset="ast-3", state="open", status="Scheduled", resolved_at=None,
            closed_at=None),
        job(5, "2026-02-26T09:00:00+01:00", asset="ast-3"),  # closed
    ]  # fmt: skip
    nearby = brief(target(), others, assets=assets, contracts=contracts).nearby
    assert [(j.work_order_id, j.same_site, j.site_name, j.status) for j in nearby.open_work_orders] == [
        ("wo-003", True, "Huber Schwabing", "On Hold"),
        ("wo-004", False, "Huber Giesing", "Scheduled"),
    ]
    assert [(p.asset_id, p.due_at, p.overdue) for p in nearby.pm_due] == [
        ("ast-1", datetime(2026, 2, 28, 23, 0, tzinfo=UTC), True),
        ("ast-2", datetime(2026, 3, 10, 11, 0, tzinfo=UTC), False),
    ]
    assert [(a.asset_id, a.contract_number, a.warranty_ends) for a in nearby.covered_equipment] == [
        ("ast-2", "SC-2026-001", date(2026, 4, 30))
    ]
    assert [(e.kind, e.id, e.number, e.ends_on) for e in nearby.ending] == [
        ("warranty", "ast-2", "AF7-002", date(2026, 4, 30)),
        ("warranty", "ast-1", "AF7-001", date(2026, 5, 1)),
        ("contract", "con-2", "SC-2026-002", date(2026, 5, 15)),
    ]
    assert [(a.asset_id, a.age_years, a.expected_life_years) for a in nearby.past_expected_life] == [
        ("ast-2", 16.2, 10)
    ]


def test_a_preventive_job_does_not_list_its_own_pm_as_due() -> None:
    pm = target(kind="preventive", priority="P4", contract_id="con-1")
    contracts = [builders.contract(promises=PROMISES, starts_on="2025-12-01")]
    assert brief(pm, contracts=contracts).nearby.pm_due == []


# -- reading -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_on", "opened_at", "lower"),
    [
        ("2026-01-01", at("02 09:15"), datetime(2025, 3, 2, 13, 0, tzinfo=UTC)),  # 365 days back
        ("2024-06-01", at("02 09:15"), datetime(2024, 5, 31, 22, 0, tzinfo=UTC)),  # the PM contract's start
        (
            "2026-01-01",
            "2024-01-10T08:00:00+01:00",
            datetime(2024, 1, 10, 7, 0, tzinfo=UTC),
        ),  # the job itself
    ],
)
def test_read_window(starts_on: str, opened_at: str, lower: datetime) -> None:
    window = read_window(
        parse_work_order(target(opened_at=opened_at)),
        AS_OF,
        [parse_asset(builders.asset())],
        [parse_contract(builders.contract(promises=PROMISES, starts_on=starts_on))],
        [parse_calendar(builders.calendar())],
    )
    assert window == (lower, AS_OF + timedelta(microseconds=1))


# -- the JSON schema ---------------------------------------------------------------------------------


def test_both_validators_accept_a_brief_and_refuse_a_broken_one() -> None:
    from fsmkit import schema
    from fsmkit.model import to_plain
    from fsmkit.validator import Invalid

    full = to_plain(brief(target(), [job(2, "2026-01-05T09:00:00+01:00")], knowledge=[builders.knowledge()]))
    minimal = to_plain(brief(target(asset_id=None, site=None, contract_id=None), contracts=[], assets=[]))
    for good in (full, minimal):
        schema.compiled("brief")(good)
        assert schema.first_error("brief", good) is None
    assert (minimal["equipment"], minimal["promised"]["contract"]) == (None, None)
    broken = [
        {**full, "job": {**full["job"], "state": "done"}},
        {**full, "promised": {**full["promised"], "compliance": {**full["promised"]["compliance"], "compliance": 1.5}}},
        {**full, "equipment": {**full["equipment"], "history": full["equipment"]["history"] * 11}},
        {**full, "nearby": {**full["nearby"], "parking": []}},
        {key: value for key, value in full.items() if key != "job"},
    ]  # fmt: skip
    for bad in broken:
        with pytest.raises(Invalid):
            schema.compiled("brief")(bad)
        assert schema.first_error("brief", bad) is not None
