"""The audit engine on hand-built histories: exact deadlines, statuses, minutes, order and summary.

The calendar is Europe/Berlin, Mon-Fri 08:00-18:00, with Good Friday (2026-04-03) and Easter Monday
(2026-04-06) closed. March 2026 is CET (+01:00) until the 29th; expected instants are computed by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import builders
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fsmkit.audit import SHOWN_BY_DEFAULT, Audit, _local, minutes_down, minutes_up, severity
from fsmkit.errors import InputError
from fsmkit.model import parse_account, parse_asset, parse_calendar, parse_contract, parse_work_order

CET = "+01:00"
PROMISES = [
    builders.promise(id="resp-p1", kind="response", target="PT4H", priorities=["P1"]),
    builders.promise(id="fix", kind="resolution", target="PT8H", priorities=[]),
    builders.promise(id="window", kind="arrival", target=None, grace="PT15M", priorities=[]),
]


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def audit(
    work_orders: list[dict],
    as_of: str,
    *,
    contracts: list[dict] | None = None,
    assets: list[dict] | None = None,
    since: str = "2026-01-01T00:00:00Z",
    until: str | None = None,
    kinds: tuple[str, ...] | None = None,
):
    engine = Audit(
        as_of=z(as_of),
        since=z(since),
        until=z(until or as_of),
        accounts={
            "acc-1": parse_account(builders.account()),
            "acc-2": parse_account(builders.account(id="acc-2", name="Hotel Adler")),
        },
        assets={
            a["id"]: parse_asset(a)
            for a in (assets if assets is not None else [builders.asset(contract_id=None)])
        },
        contracts=[
            parse_contract(c)
            for c in (contracts if contracts is not None else [builders.contract(promises=PROMISES)])
        ],
        calendars={"cal-berlin": parse_calendar(builders.calendar())},
        **({"kinds": kinds} if kinds else {}),
    )
    findings = list(engine.evaluate(parse_work_order(w) for w in work_orders))
    return findings, engine


def wo(**fields: object) -> dict:
    base = {"visits": [], "pauses": [], "resolved_at": None, "closed_at": None, "state": "open"}
    return builders.work_order(**{**base, **fields})


def one(findings: list, rule: str):
    [found] = [f for f in findings if f.rule == rule]
    return found


# -- response --------------------------------------------------------------------------------------


def test_response_met_by_arrival() -> None:
    w = wo(
        opened_at=f"2026-03-02T09:15:00{CET}", visits=[builders.visit(arrived_at=f"2026-03-02T10:20:00{CET}")]
    )
    f = one(audit([w], "2026-03-05T12:00:00Z")[0], "response")
    assert (f.status, f.due_at, f.actual_at) == (
        "met",
        z(f"2026-03-02T13:15:00{CET}"),
        z(f"2026-03-02T10:20:00{CET}"),
    )
    assert (f.late_by_minutes, f.remaining_minutes, f.severity, f.clock) == (None, None, None, "business")


def test_response_breached_counts_business_minutes_late() -> None:
    # Due Mon 13:15; arrived Tue 08:30: 4h45 of Monday's open time (13:15-18:00) + 30 min Tuesday = 315 min.
    w = wo(
        opened_at=f"2026-03-02T09:15:00{CET}", visits=[builders.visit(arrived_at=f"2026-03-03T08:30:00{CET}")]
    )
    f = one(audit([w], "2026-03-05T12:00:00Z")[0], "response")
    assert (f.status, f.late_by_minutes, f.severity) == ("breached", 315, "critical")


def test_response_met_by_remote_resolution_without_visit() -> None:
    w = wo(opened_at=f"2026-03-02T09:15:00{CET}", resolved_at=f"2026-03-02T09:45:00{CET}", state="closed")
    f = one(audit([w], "2026-03-05T12:00:00Z")[0], "response")
    assert (f.status, f.actual_at) == ("met", z(f"2026-03-02T09:45:00{CET}"))


def test_response_opened_friday_evening_counts_from_monday() -> None:
    # Opened Fri 17:00: one open hour Friday, three on Monday: due Mon 2026-03-09 11:00.
    w = wo(opened_at=f"2026-03-06T17:00:00{CET}")
    f = one(audit([w], f"2026-03-09T10:00:00{CET}", kinds=("response",))[0], "response")
    assert (f.status, f.due_at, f.remaining_minutes) == ("pending", z(f"2026-03-09T11:00:00{CET}"), 60)


@pytest.mark.parametrize(
    ("as_of", "status", "remaining"),
    [(f"2026-03-02T10:00:00{CET}", "pending", 195), (f"2026-03-02T12:16:00{CET}", "at_risk", 59),
     (f"2026-03-02T12:15:00{CET}", "pending", 60)],  # exactly 25% left is not at risk
)  # fmt: skip
def test_response_pending_and_at_risk(as_of: str, status: str, remaining: int) -> None:
    f = one(audit([wo(opened_at=f"2026-03-02T09:15:00{CET}")], as_of)[0], "response")
    assert (f.status, f.remaining_minutes, f.late_by_minutes, f.actual_at) == (status, remaining, None, None)
    assert f.severity == ("medium" if status == "at_risk" else None)


def test_response_unanswered_past_due_is_breached_until_as_of() -> None:
    f = one(audit([wo(opened_at=f"2026-03-02T09:15:00{CET}")], f"2026-03-02T14:00:01{CET}")[0], "response")
    assert (f.status, f.actual_at, f.late_by_minutes) == ("breached", None, 46)  # 45 min 1 s, rounded up


def test_arrival_after_as_of_has_not_happened_yet() -> None:
    w = wo(
        opened_at=f"2026-03-02T09:15:00{CET}", visits=[builders.visit(arrived_at=f"2026-03-02T12:00:00{CET}")]
    )
    f = one(audit([w], f"2026-03-02T11:00:00{CET}", kinds=("response",))[0], "response")
    assert (f.status, f.actual_at, f.remaining_minutes) == ("pending", None, 135)


def test_response_is_not_paused_by_default() -> None:
    w = wo(opened_at=f"2026-03-02T09:15:00{CET}",
           pauses=[{"start": f"2026-03-02T10:00:00{CET}", "end": f"2026-03-02T11:00:00{CET}", "reason": "On Hold"}])  # fmt: skip
    f = one(audit([w], "2026-03-10T00:00:00Z")[0], "response")
    assert f.due_at == z(f"2026-03-02T13:15:00{CET}")


# -- resolution ------------------------------------------------------------------------------------


def test_resolution_honours_pauses_in_business_time() -> None:
    # PT8H from Mon 09:15; paused 10:00-12:00 (2 open hours) and overnight 17:00-09:00 (1 open hour
    # Mon 17-18, 1 open hour Tue 08-09): Monday gives 8h45 - 2h - 1h = 5h45, Tuesday from 09:00
    # needs 2h15 more: due Tue 11:15.
    pauses = [{"start": f"2026-03-02T10:00:00{CET}", "end": f"2026-03-02T12:00:00{CET}", "reason": "Awaiting Parts"},
              {"start": f"2026-03-02T17:00:00{CET}", "end": f"2026-03-03T09:00:00{CET}", "reason": "Awaiting Customer"}]  # fmt: skip
    w = wo(
        opened_at=f"2026-03-02T09:15:00{CET}",
        pauses=pauses,
        resolved_at=f"2026-03-03T11:20:00{CET}",
        state="closed",
    )
    f = one(audit([w], "2026-03-10T00:00:00Z")[0], "resolution")
    assert (f.status, f.due_at, f.late_by_minutes, f.severity) == (
        "breached",
        z(f"2026-03-03T11:15:00{CET}"),
        5,
        "critical",
    )


def test_running_pause_runs_to_as_of() -> None:
    # Paused since Mon 10:00 with no end; as_of Mon 16:00: 6 open hours paused, 45 min counted,
    # 7h15 remain: pending. Due: 2h on Monday (16-18), then 5h15 on Tuesday from 08:00.
    w = wo(opened_at=f"2026-03-02T09:15:00{CET}", priority="P3",
           pauses=[{"start": f"2026-03-02T10:00:00{CET}", "end": None, "reason": "Awaiting Parts"}])  # fmt: skip
    f = one(audit([w], f"2026-03-02T16:00:00{CET}")[0], "resolution")
    assert (f.status, f.remaining_minutes) == ("pending", 435)
    assert f.due_at == z(f"2026-03-03T13:15:00{CET}")


# -- arrival ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrived", "status", "late_by", "sev"),
    [("09:50", "met", None, None), ("12:15", "met", None, None), ("12:16", "breached", 1, "low"),
     ("13:15", "breached", 60, "low"), ("13:16", "breached", 61, "medium")],
)  # fmt: skip
def test_arrival_window_with_grace(arrived: str, status: str, late_by: int | None, sev: str | None) -> None:
    visit = builders.visit(arrived_at=f"2026-03-02T{arrived}:00{CET}")  # window 10:00-12:00, grace 15 min
    f = one(
        audit([wo(opened_at=f"2026-03-02T09:15:00{CET}", visits=[visit])], "2026-03-10T00:00:00Z")[0],
        "arrival",
    )
    assert (f.status, f.late_by_minutes, f.severity, f.clock) == (status, late_by, sev, "wall")
    assert (f.subject.type, f.subject.id, f.work_order_id, f.due_at) == (
        "visit",
        "v-1",
        "wo-1",
        z(f"2026-03-02T12:15:00{CET}"),
    )
    if arrived == "09:50":
        assert "arrived early" in f.message


def test_arrival_no_show_and_pending() -> None:
    visit = builders.visit(arrived_at=None, departed_at=None)
    late = one(
        audit([wo(opened_at=f"2026-03-02T09:15:00{CET}", visits=[visit])], f"2026-03-02T12:15:01{CET}")[0],
        "arrival",
    )
    assert (late.status, late.actual_at, late.late_by_minutes, late.severity) == (
        "breached",
        None,
        None,
        "medium",
    )
    assert "no-show" in late.message
    soon = one(
        audit([wo(opened_at=f"2026-03-02T09:15:00{CET}", visits=[visit])], f"2026-03-02T11:00:00{CET}")[0],
        "arrival",
    )
    assert (soon.status, soon.remaining_minutes) == ("pending", 75)


def test_visit_without_window_has_no_arrival_finding() -> None:
    visit = builders.visit(window_start=None, window_end=None)
    findings, _ = audit([wo(opened_at=f"2026-03-02T09:15:00{CET}", visits=[visit])], "2026-03-10T00:00:00Z")
    assert [f.rule for f in findings] == ["resolution", "response"]


# -- coverage and matching ----------------------------------------------------------------------


def test_no_contract_is_not_covered() -> None:
    w = wo(account_id="acc-2", asset_id=None, contract_id=None, opened_at=f"2026-03-02T09:15:00{CET}")
    [f] = audit([w], "2026-03-10T00:00:00Z")[0]
    assert (f.rule, f.status, f.severity, f.subject.id, f.promise_id) == (
        "coverage",
        "not_covered",
        "low",
        "wo-1",
        None,
    )


def test_contract_matched_on_the_local_date_latest_start_wins() -> None:
    # 2026-03-01 00:30 in Berlin is still Feb 28 in UTC: the local date picks the contract.
    old = builders.contract(
        id="con-old", starts_on="2025-03-01", ends_on="2026-02-28", promises=[PROMISES[0]]
    )
    new = builders.contract(id="con-new", starts_on="2026-03-01", ends_on="2027-02-28",
                            promises=[builders.promise(id="new-resp", target="PT2H")])  # fmt: skip
    w = wo(contract_id=None, opened_at="2026-02-28T23:30:00Z")
    f = one(audit([w], "2026-03-10T00:00:00Z", contracts=[old, new])[0], "response")
    assert f.promise_id == "new-resp"
    overlap = builders.contract(id="con-overlap", starts_on="2026-02-01", ends_on="2026-12-31",
                                promises=[builders.promise(id="overlap-resp")])  # fmt: skip
    f = one(audit([w], "2026-03-10T00:00:00Z", contracts=[old, new, overlap])[0], "response")
    assert f.promise_id == "new-resp"  # starts latest


def test_promise_filters_by_priority_and_kind() -> None:
    w = wo(opened_at=f"2026-03-02T09:15:00{CET}", priority="P3", kind="preventive")
    assert sorted(f.rule for f in audit([w], "2026-03-10T00:00:00Z")[0]) == ["resolution"]


def test_business_promise_without_calendar_is_an_input_error() -> None:
    contract = builders.contract(calendar_id=None, promises=PROMISES)
    with pytest.raises(
        InputError,
        match="contract con-1: promise resp-p1 counts business time but the contract has no calendar",
    ):
        audit([wo(opened_at=f"2026-03-02T09:15:00{CET}")], "2026-03-10T00:00:00Z", contracts=[contract])


def test_cancelled_and_out_of_window_work_orders_are_left_out() -> None:
    inside = wo(id="wo-2", opened_at=f"2026-03-02T09:15:00{CET}")
    before = wo(id="wo-1", opened_at=f"2026-02-02T09:15:00{CET}")
    cancelled = wo(id="wo-3", opened_at=f"2026-03-02T09:16:00{CET}", state="cancelled")
    findings, _ = audit([before, inside, cancelled], "2026-03-10T00:00:00Z", since="2026-03-01T00:00:00Z")
    assert {f.work_order_id for f in findings} == {"wo-2"}


def test_order_within_a_work_order_and_summary() -> None:
    visits = [builders.visit(id="v-2", arrived_at=f"2026-03-02T12:30:00{CET}"), builders.visit(id="v-1")]
    w1 = wo(
        opened_at=f"2026-03-02T09:15:00{CET}",
        visits=visits,
        resolved_at=f"2026-03-02T12:30:00{CET}",
        state="closed",
    )
    w2 = wo(
        id="wo-2", account_id="acc-2", asset_id=None, contract_id=None, opened_at=f"2026-03-02T09:16:00{CET}"
    )
    findings, engine = audit([w1, w2], "2026-03-10T00:00:00Z")
    assert [(f.rule, f.subject.id, f.status) for f in findings] == [
        ("arrival", "v-1", "met"),
        ("arrival", "v-2", "breached"),
        ("resolution", "wo-1", "met"),
        ("response", "wo-1", "met"),
        ("coverage", "wo-2", "not_covered"),
    ]
    assert engine.summary() == [
        {
            "account_id": "acc-1",
            "rule": "arrival",
            "evaluated": 2,
            "met": 1,
            "breached": 1,
            "at_risk": 0,
            "pending": 0,
            "not_covered": 0,
            "compliance": 0.5,
        },
        {
            "account_id": "acc-1",
            "rule": "resolution",
            "evaluated": 1,
            "met": 1,
            "breached": 0,
            "at_risk": 0,
            "pending": 0,
            "not_covered": 0,
            "compliance": 1.0,
        },
        {
            "account_id": "acc-1",
            "rule": "response",
            "evaluated": 1,
            "met": 1,
            "breached": 0,
            "at_risk": 0,
            "pending": 0,
            "not_covered": 0,
            "compliance": 1.0,
        },
        {
            "account_id": "acc-2",
            "rule": "coverage",
            "evaluated": 1,
            "met": 0,
            "breached": 0,
            "at_risk": 0,
            "pending": 0,
            "not_covered": 1,
            "compliance": None,
        },
    ]


# -- preventive maintenance -----------------------------------------------------------------------

PM = builders.promise(id="pm", kind="pm_interval", target="P90D", clock="wall", priorities=[])


def pm_audit(completions: list[str], as_of: str, since: str = "2026-01-01T00:00:00Z", **kwargs: object):
    contract = builders.contract(starts_on="2026-01-01", ends_on="2026-12-31", promises=[PM])
    asset = builders.asset(installed_on="2025-06-01")
    work_orders = [wo(id=f"pm-{i}", kind="preventive", priority=None, opened_at=done, resolved_at=done, state="closed")
                   for i, done in enumerate(completions)]  # fmt: skip
    return audit(work_orders, as_of, contracts=[contract], assets=[asset], since=since, **kwargs)


def test_pm_interval_chain_of_completions_and_the_open_interval() -> None:
    # Anchor 2026-01-01 00:00 Berlin; +90 days (wall) = 2026-04-01 00:00+02:00 (CEST by then: 89 days
    # of 24 h plus the 23-hour spring-forward day... wall time is exact: 90 x 24 h after 2025-12-31T23:00Z
    # is 2026-03-31T23:00Z). Done 2026-03-15: met. Next due 90 x 24 h later, 2026-06-13T11:00Z; done
    # 2026-06-20T11:00Z: 7 days late. Next due 2026-09-18T11:00Z; as_of 2026-09-30: overdue 12 days.
    findings, _ = pm_audit(["2026-03-15T12:00:00+01:00", "2026-06-20T13:00:00+02:00"], "2026-09-30T11:00:00Z")
    pm = [f for f in findings if f.rule == "pm_interval"]
    assert [(f.status, f.due_at, f.actual_at, f.late_by_minutes, f.work_order_id) for f in pm] == [
        ("met", z("2026-03-31T23:00:00Z"), z("2026-03-15T11:00:00Z"), None, "pm-0"),
        ("breached", z("2026-06-13T11:00:00Z"), z("2026-06-20T11:00:00Z"), 7 * 1440, "pm-1"),
        ("breached", z("2026-09-18T11:00:00Z"), None, 12 * 1440, None),
    ]
    assert {(f.subject.type, f.subject.id, f.severity) for f in pm[1:]} == {("asset", "ast-1", "medium")}


def test_pm_completion_reported_only_when_due_in_window_open_interval_always() -> None:
    findings, _ = pm_audit(
        ["2026-03-15T12:00:00+01:00"], "2026-05-01T00:00:00Z", since="2026-04-15T00:00:00Z"
    )
    assert [(f.rule, f.status, f.due_at) for f in findings] == [
        ("pm_interval", "pending", z("2026-06-13T11:00:00Z"))
    ]


def test_no_pm_falls_due_after_the_contract_ends() -> None:
    contract = builders.contract(starts_on="2026-01-01", ends_on="2026-03-30", promises=[PM])
    findings, _ = audit(
        [], "2026-06-30T00:00:00Z", contracts=[contract], assets=[builders.asset(installed_on=None)]
    )
    assert findings == []  # first due 2026-03-31T23:00Z, after the lapse 2026-03-30T22:00Z


def test_pm_at_risk_and_due_on_site_with_an_open_job() -> None:
    # Due 2026-06-13T11:00Z; as_of 2026-06-05T11:00Z: 8 days of 90 left (< 25%): at_risk; within 14 days
    # and a corrective job is open on the same site: flagged to do both on one visit.
    job = wo(id="wo-open", opened_at="2026-06-04T08:00:00Z")
    contract = builders.contract(starts_on="2026-01-01", ends_on="2026-12-31", promises=[PM])
    done = wo(id="pm-0", kind="preventive", priority=None, opened_at="2026-03-15T11:00:00Z",
              resolved_at="2026-03-15T11:00:00Z", state="closed")  # fmt: skip
    findings, _ = audit([done, job], "2026-06-05T11:00:00Z", contracts=[contract], assets=[builders.asset()],
                        since="2026-06-01T00:00:00Z",
                        kinds=("pm_interval", "pm_due_on_site"))  # fmt: skip
    assert [(f.rule, f.status, f.due_at, f.work_order_id, f.remaining_minutes) for f in findings] == [
        ("pm_due_on_site", "flagged", z("2026-06-13T11:00:00Z"), "wo-open", 8 * 1440),  # same due_at: by rule
        ("pm_interval", "at_risk", z("2026-06-13T11:00:00Z"), None, 8 * 1440),
    ]
    assert findings[0].promise_id == "pm"


def test_contract_ending_needs_recent_work() -> None:
    contract = builders.contract(ends_on="2026-12-31", promises=[])
    busy, _ = audit([wo(opened_at="2026-10-20T08:00:00Z")], "2026-11-01T00:00:00Z", contracts=[contract],
                    since="2026-10-01T00:00:00Z", kinds=("contract_ending",))  # fmt: skip
    [f] = busy
    assert (f.rule, f.status, f.severity, f.subject.type, f.due_at) == (
        "contract_ending",
        "flagged",
        "low",
        "contract",
        z("2026-12-31T23:00:00Z"),
    )  # 2027-01-01 00:00 Berlin
    quiet, _ = audit([], "2026-11-01T00:00:00Z", contracts=[contract], since="2026-10-01T00:00:00Z",
                     kinds=("contract_ending",))  # fmt: skip
    assert quiet == []


def test_severity_table() -> None:
    assert severity("response", "breached", "P1") == "critical"
    assert severity("resolution", "breached", "P2") == "high"
    assert severity("response", "breached", "P4") == "medium"
    assert severity("response", "met", "P1") is None
    assert severity("arrival", "breached", late_by=None) == "medium"
    assert severity("model_defect_suspect", "flagged") == "critical"
    assert severity("repeat_failure", "flagged") == "high"
    assert severity("callback", "flagged") == "medium"
    assert severity("coverage", "not_covered") == "low"


@pytest.mark.parametrize("statuses", [SHOWN_BY_DEFAULT, ("breached",), ()])
def test_findings_left_unbuilt_are_still_counted(statuses: tuple[str, ...]) -> None:
    from fsmkit.connectors.files import FilesConnector
    from fsmkit.demo import AS_OF, DATA_DIR

    demo = FilesConnector(DATA_DIR)

    def run(statuses: tuple[str, ...] | None) -> tuple[list, list]:
        engine = Audit(
            as_of=z(AS_OF),
            since=z("2025-01-01T00:00:00Z"),
            until=z(AS_OF),
            accounts={a.id: a for a in demo.accounts()},
            assets={a.id: a for a in demo.assets()},
            contracts=list(demo.contracts()),
            calendars={c.id: c for c in demo.calendars()},
            statuses=statuses,
        )
        findings = list(engine.evaluate(demo.work_orders(*engine.read_window())))
        return findings, engine.summary()

    every, summary = run(None)
    assert {f.status for f in every} >= {"met", "pending", "breached", "at_risk", "not_covered", "flagged"}
    some, same_summary = run(statuses)
    assert some == [f for f in every if f.status in statuses]
    assert same_summary == summary


_ZONES = [
    None,
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Africa/Monrovia",
    "Europe/Amsterdam",
    "Pacific/Apia",
]


@settings(derandomize=True, deadline=None, max_examples=300)
@given(
    moment=st.datetimes(
        min_value=datetime(1900, 1, 2), max_value=datetime(2300, 1, 1), timezones=st.just(UTC)
    ),
    tz=st.sampled_from(_ZONES),
)
def test_message_times_are_the_wall_time_of_the_zone(moment: datetime, tz: str | None) -> None:
    # Messages read local time through a cache of each zone's offset per UTC hour; it must say what
    # astimezone says, also in hours when the offset changes and for offsets with seconds (LMT).
    local = moment.astimezone(ZoneInfo(tz) if tz else UTC)
    assert _local(moment, tz) == f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


@pytest.mark.parametrize(
    ("tz", "moment", "expected"),
    [
        ("Europe/Berlin", datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), "2026-03-29 01:59 CET"),
        ("Europe/Berlin", datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "2026-03-29 03:00 CEST"),
        ("Europe/Berlin", datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "2026-10-25 02:30 CEST"),
        ("Europe/Berlin", datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "2026-10-25 02:30 CET"),
        # half an hour forward at 02:00 local, in the middle of a UTC hour
        ("Australia/Lord_Howe", datetime(2026, 10, 3, 15, 29, 59, tzinfo=UTC), "2026-10-04 01:59 +1030"),
        ("Australia/Lord_Howe", datetime(2026, 10, 3, 15, 30, tzinfo=UTC), "2026-10-04 02:30 +11"),
        ("Asia/Kathmandu", datetime(1985, 12, 31, 18, 29, tzinfo=UTC), "1985-12-31 23:59 +0530"),
        ("Asia/Kathmandu", datetime(1985, 12, 31, 18, 31, tzinfo=UTC), "1986-01-01 00:16 +0545"),
        ("Africa/Monrovia", datetime(1971, 6, 1, 12, 0, tzinfo=UTC), "1971-06-01 11:15 MMT"),  # -00:44:30
        (None, datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "2026-03-29 01:00 UTC"),
    ],
)
def test_message_times_across_offset_changes(tz: str | None, moment: datetime, expected: str) -> None:
    assert _local(moment, tz) == expected


@settings(derandomize=True, deadline=None, max_examples=300)
@given(span=st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=400)))
def test_minutes_are_rounded_exactly(span: timedelta) -> None:
    micros = span // timedelta(microseconds=1)
    assert minutes_up(span) == max(1, -(-micros // 60_000_000))
    assert minutes_down(span) == max(0, micros // 60_000_000)
