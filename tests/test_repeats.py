"""The repeats engine on hand-built histories: window edges, merged clusters, callbacks, model defects."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import builders
import pytest

from fsmkit.model import parse_account, parse_asset, parse_work_order
from fsmkit.repeats import Repeats, binomial_tail, poisson_rate_test

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
AS_OF = datetime(2026, 12, 31, tzinfo=UTC)


def failure(n: int, opened: datetime, asset: str = "ast-1", resolved: timedelta | None = timedelta(hours=4),
            **fields: object) -> dict:  # fmt: skip
    return builders.work_order(**{
        "id": f"wo-{n:03}", "number": f"WO-{n:03}", "asset_id": asset, "kind": "corrective",
        "opened_at": opened.isoformat(), "resolved_at": (opened + resolved).isoformat() if resolved is not None else None,
        "closed_at": None, "state": "closed" if resolved is not None else "open", "pauses": [],
        "visits": [builders.visit(id=f"v-{n}", technician="Jana Novak", outcome="fixed")], "failure_code": "COMP-RELAY",
        **fields,
    })  # fmt: skip


def run(work_orders: list[dict], *, assets: list[dict] | None = None, since: datetime = datetime(2026, 1, 1, tzinfo=UTC),
        as_of: datetime = AS_OF, **kwargs: object):  # fmt: skip
    engine = Repeats(
        as_of=as_of, since=since, accounts={"acc-1": parse_account(builders.account())},
        assets={a["id"]: parse_asset(a) for a in (assets or [builders.asset()])}, **kwargs,
    )  # fmt: skip
    engine.feed(sorted((parse_work_order(w) for w in work_orders), key=lambda w: (w.opened_at, w.id)))
    return engine.findings()


def of(findings: list, rule: str) -> list:
    return [f for f in findings if f.rule == rule]


def days(n: float) -> timedelta:
    return timedelta(days=n)


# -- repeat_failure --------------------------------------------------------------------------------


def test_three_failures_exactly_a_window_apart_are_a_repeat_failure() -> None:
    found = of(run([failure(1, T0), failure(2, T0 + days(40)), failure(3, T0 + days(90))]), "repeat_failure")
    assert [(f.subject.id, f.work_order_id, f.severity) for f in found] == [("ast-1", "wo-001", "high")]
    assert found[0].evidence == [
        {"work_order_id": "wo-001", "number": "WO-001", "opened_at": T0, "failure_code": "COMP-RELAY"},
        {
            "work_order_id": "wo-002",
            "number": "WO-002",
            "opened_at": T0 + days(40),
            "failure_code": "COMP-RELAY",
        },
        {
            "work_order_id": "wo-003",
            "number": "WO-003",
            "opened_at": T0 + days(90),
            "failure_code": "COMP-RELAY",
        },
    ]


def test_one_second_past_the_window_is_not() -> None:
    late = T0 + days(90) + timedelta(seconds=1)
    assert of(run([failure(1, T0), failure(2, T0 + days(40)), failure(3, late)]), "repeat_failure") == []


def test_overlapping_windows_merge_into_one_finding() -> None:
    # {1,2,3} within 90 days and {2,3,4} within 90 days share work orders: one cluster of four.
    opened = [T0, T0 + days(80), T0 + days(90), T0 + days(170)]
    found = of(run([failure(i + 1, t) for i, t in enumerate(opened)]), "repeat_failure")
    assert len(found) == 1
    assert [e["work_order_id"] for e in found[0].evidence] == ["wo-001", "wo-002", "wo-003", "wo-004"]


def test_separate_clusters_on_one_asset_are_separate_findings() -> None:
    opened = [T0, T0 + days(10), T0 + days(20), T0 + days(200), T0 + days(210), T0 + days(220)]
    found = of(run([failure(i + 1, t) for i, t in enumerate(opened)]), "repeat_failure")
    assert [[e["work_order_id"] for e in f.evidence] for f in found] == [
        ["wo-001", "wo-002", "wo-003"],
        ["wo-004", "wo-005", "wo-006"],
    ]


def test_only_corrective_uncancelled_work_orders_in_the_window_count() -> None:
    work_orders = [
        failure(1, T0),
        failure(2, T0 + days(1), kind="preventive"),
        failure(3, T0 + days(2), state="cancelled"),
        failure(4, T0 + days(3)),
        failure(5, datetime(2025, 12, 30, tzinfo=UTC)),
    ]
    assert of(run(work_orders), "repeat_failure") == []
    assert len(of(run(work_orders, threshold=2), "repeat_failure")) == 1


def test_threshold_and_window_are_parameters() -> None:
    work_orders = [
        failure(1, T0),
        failure(2, T0 + days(20)),
        failure(3, T0 + days(40)),
        failure(4, T0 + days(60)),
    ]
    assert of(run(work_orders, threshold=4, window=days(59)), "repeat_failure") == []
    assert len(of(run(work_orders, threshold=4, window=days(60)), "repeat_failure")) == 1


# -- callback --------------------------------------------------------------------------------------


def test_callback_counts_from_resolution_not_opening() -> None:
    # wo-1 opened day 0, resolved day 10; wo-2 opened day 35: 35 days after opening, 25 after the fix.
    found = of(run([failure(1, T0, resolved=days(10)), failure(2, T0 + days(35))]), "callback")
    assert [(f.subject.type, f.subject.id, f.work_order_id, f.severity) for f in found] == [
        ("work_order", "wo-002", "wo-002", "medium")
    ]
    earlier, later = found[0].evidence
    assert (earlier["work_order_id"], earlier["resolved_at"], earlier["technician"]) == (
        "wo-001",
        T0 + days(10),
        "Jana Novak",
    )
    assert later["work_order_id"] == "wo-002"
    assert "25.0 days after WO-001 was fixed by Jana Novak" in found[0].message


@pytest.mark.parametrize(
    ("gap", "is_callback"), [(days(30), True), (days(30) + timedelta(seconds=1), False), (days(0), True)]
)
def test_callback_days_is_inclusive(gap: timedelta, is_callback: bool) -> None:
    found = of(run([failure(1, T0, resolved=days(1)), failure(2, T0 + days(1) + gap)]), "callback")
    assert bool(found) is is_callback


def test_opened_while_the_earlier_job_was_unresolved_is_not_a_callback() -> None:
    assert of(run([failure(1, T0, resolved=days(10)), failure(2, T0 + days(5))]), "callback") == []
    assert of(run([failure(1, T0, resolved=None), failure(2, T0 + days(5))]), "callback") == []


def test_a_fix_after_as_of_has_not_happened() -> None:
    work_orders = [failure(1, T0, resolved=days(10)), failure(2, T0 + days(20))]
    assert of(run(work_orders, as_of=T0 + days(25)), "callback")
    assert of(run([*work_orders[:1], failure(2, T0 + days(9))], as_of=T0 + days(9.5)), "callback") == []


# -- repeat_account --------------------------------------------------------------------------------


def test_repeat_account_counts_affected_assets_and_fleet_rate() -> None:
    assets = [builders.asset(), builders.asset(id="ast-2"), builders.asset(id="ast-3", account_id="acc-2")]
    work_orders = [failure(1, T0), failure(2, T0 + days(10)), failure(3, T0 + days(20)),
                   failure(4, T0 + days(30), asset="ast-2", resolved=days(1)), failure(5, T0 + days(40), asset="ast-2"),
                   failure(6, T0 + days(50), asset="ast-3", account_id="acc-2")]  # fmt: skip
    [account] = of(run(work_orders, assets=assets, callback_days=days(30)), "repeat_account")
    assert (account.subject.id, account.account_id, account.severity) == ("acc-1", "acc-1", "high")
    assert account.evidence == [{"affected_assets": ["ast-1", "ast-2"], "failures": 5, "assets": 2,
                                 "failures_per_asset": 2.5, "fleet_failures_per_asset": 2.0}]  # fmt: skip


# -- model_defect_suspect ------------------------------------------------------------------------


def reference_tail(k: int, n: int, p: Fraction) -> float:
    """P(Y >= k), Y ~ Binomial(n, p), in exact rational arithmetic: an independent reference."""
    return float(sum(math.comb(n, y) * p**y * (1 - p) ** (n - y) for y in range(k, n + 1)))


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [
        (5, 9, Fraction(1, 3)),
        (0, 4, Fraction(1, 2)),
        (12, 40, Fraction(1, 10)),
        (70, 110, Fraction(10, 57)),
        (3, 3, Fraction(1, 7)),
        (4, 3, Fraction(1, 2)),
    ],
)
def test_binomial_tail_matches_exact_arithmetic(k: int, n: int, p: Fraction) -> None:
    assert binomial_tail(k, n, float(p)) == pytest.approx(reference_tail(k, n, p), rel=1e-9, abs=1e-300)


def test_poisson_rate_test_is_the_conditional_binomial_test() -> None:
    # R's poisson.test(c(10, 20), c(2, 20), alternative = "greater") conditions on the 30 events:
    # P(Y >= 10), Y ~ Binomial(30, 2 / 22) = 0.000209226...
    assert poisson_rate_test(10, 2.0, 20, 20.0) == pytest.approx(0.00020922601417225, rel=1e-9)
    assert poisson_rate_test(10, 2.0, 20, 20.0) == pytest.approx(
        reference_tail(10, 30, Fraction(1, 11)), rel=1e-9
    )


def fleet() -> tuple[list[dict], list[dict]]:
    """Ten units of a flawed model failing twice a quarter, forty healthy units failing once a year,
    and two units of a small model with three failures between them: one year, from 2026-01-01."""
    assets, work_orders, n = [], [], 0
    for i in range(10):
        assets.append(builders.asset(id=f"flaw-{i}", model="ArcticFlow CU-7", serial=f"AF-{i}", installed_on="2025-01-01",
                                     account_id=f"acc-{i % 4}"))  # fmt: skip
        for q in range(8):
            n += 1
            work_orders.append(failure(n, T0 + days(45 * q + i), asset=f"flaw-{i}"))
    for i in range(40):
        assets.append(
            builders.asset(id=f"ok-{i}", model="FrostLine RC-400", installed_on=None, account_id="acc-9")
        )
        n += 1
        work_orders.append(failure(n, T0 + days(i), asset=f"ok-{i}", kind="install"))
        n += 1
        work_orders.append(failure(n, T0 + days(100 + i), asset=f"ok-{i}"))
    for i in range(2):
        assets.append(
            builders.asset(
                id=f"small-{i}", model="ChillPro WCC-900", installed_on="2026-07-01", account_id="acc-9"
            )
        )
    for t in (200, 230, 260):
        n += 1
        work_orders.append(failure(n, T0 + days(t), asset="small-0"))
    return assets, work_orders


def test_flawed_model_is_flagged_and_the_small_noisy_one_is_not() -> None:
    assets, work_orders = fleet()
    since, as_of = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    [finding] = of(run(work_orders, assets=assets, since=since, as_of=as_of), "model_defect_suspect")
    evidence = finding.evidence[0]
    # Flawed: 10 units x 365 days = 3650 days = 9.9932 unit-years, 80 failures. Rest: the healthy units
    # from their first (install) work order, 2026-01-05 + i days, and the small model from 2026-07-01
    # 00:00 Berlin (its site's zone): their exposure, summed by hand below.
    healthy = sum((as_of - (T0 + days(i))) / days(365.25) for i in range(40))
    small = 2 * (as_of - datetime(2026, 6, 30, 22, 0, tzinfo=UTC)) / days(365.25)
    assert (finding.subject.id, finding.severity, finding.account_id) == ("ArcticFlow CU-7", "critical", None)
    assert evidence["failures"] == 80
    assert evidence["unit_years"] == round(3650 / 365.25, 4)
    assert evidence["rest_failures"] == 43
    assert evidence["rest_unit_years"] == pytest.approx(healthy + small, abs=1e-4)
    p = Fraction(3650 / 365.25) / (Fraction(3650 / 365.25) + Fraction(healthy + small))
    assert evidence["p_value"] == pytest.approx(reference_tail(80, 123, p), rel=1e-6)
    assert evidence["accounts"] == ["acc-0", "acc-1", "acc-2", "acc-3"]
    assert evidence["serials"] == [f"AF-{i}" for i in range(10)]
    assert evidence["failure_codes"] == [{"code": "COMP-RELAY", "count": 80}]


def test_findings_come_by_rule_then_subject() -> None:
    assets, work_orders = fleet()
    found = run(
        work_orders,
        assets=assets,
        since=datetime(2026, 1, 1, tzinfo=UTC),
        as_of=datetime(2027, 1, 1, tzinfo=UTC),
    )
    keys = [(f.rule, f.subject.id) for f in found]
    assert keys == sorted(keys)
    assert {f.rule for f in found} == {"callback", "model_defect_suspect", "repeat_account", "repeat_failure"}
