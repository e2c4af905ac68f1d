"""Repeat-failure detection (pure: records in, findings out).

Four rules over the corrective work orders opened in [since, as_of) (DESIGN.md "repeats"):

* repeat_failure (subject asset): at least `threshold` work orders on one asset whose opened_at lie
  within `window` of each other (last - first <= window); qualifying groups that share a work order
  merge into one finding listing the whole cluster.
* callback (subject the later work order): opened at or after the previous corrective work order's
  resolved_at on the same asset, and within `callback_days` of it: the fix did not stick.
* repeat_account (subject account): accounts with a repeat_failure or a callback, with their failures
  per asset against the fleet's.
* model_defect_suspect (subject model): failures per installed unit-year against all other models
  pooled, by the exact conditional test for two Poisson rates; flagged at rate ratio >= 2, p < 0.01
  and at least 5 failures.

Work orders stream past `Repeats.feed` in (opened_at, id) order; per asset the engine keeps only the
work orders inside the window, the cluster being built, and the previous fix, so memory grows with
assets and clusters, not with work orders.
"""

from __future__ import annotations

import math
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fsmkit.model import Account, Asset, Finding, Subject, WorkOrder, zone

UNIT_YEAR = timedelta(days=365.25)
RULES = ("callback", "model_defect_suspect", "repeat_account", "repeat_failure")
BY = {
    "asset": ("repeat_failure", "callback"),
    "account": ("repeat_account",),
    "model": ("model_defect_suspect",),
    "all": RULES,
}
MIN_FAILURES, MIN_RATE_RATIO, MAX_P_VALUE = 5, 2.0, 0.01


@dataclass(frozen=True, slots=True)
class Failure:
    """What the rules keep of one corrective work order."""

    work_order_id: str
    number: str | None
    opened_at: datetime
    failure_code: str | None

    def evidence(self) -> dict[str, Any]:
        return {
            "work_order_id": self.work_order_id,
            "number": self.number,
            "opened_at": self.opened_at.astimezone(UTC),
            "failure_code": self.failure_code,
        }


@dataclass(slots=True)
class _Fix:
    """The previous corrective work order on an asset, for the callback rule."""

    failure: Failure
    resolved_at: datetime | None
    technician: str | None


@dataclass(frozen=True, slots=True)
class _Callback:
    """A failure that came too soon after the previous fix on the same asset."""

    account_id: str
    asset_id: str
    failure: Failure
    previous: _Fix


@dataclass(slots=True)
class _AssetState:
    # Failures within `window` of the latest: a few at most, so a list (a deque costs 600 bytes an asset).
    recent: list[Failure] = field(default_factory=list)
    cluster: list[Failure] = field(default_factory=list)  # the repeat-failure cluster being built
    previous: _Fix | None = None
    failures: int = 0  # corrective work orders in the window
    exposed_failures: int = 0  # of those, the ones after the exposure start (model_defect_suspect)
    first_seen: datetime | None = None  # opened_at of the asset's first work order of any kind


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(Y >= k) for Y ~ Binomial(n, p), summed exactly in log space (no scipy needed)."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    log_n = math.lgamma(n + 1)
    terms = []
    for y in range(k, n + 1):
        term = log_n - math.lgamma(y + 1) - math.lgamma(n - y + 1) + y * log_p + (n - y) * log_q
        terms.append(term)
        if y > n * p and term < terms[0] - 50:  # past the mode and below 1e-21 of the first term: done
            break
    top = max(terms)
    return min(1.0, math.exp(top) * math.fsum(math.exp(t - top) for t in terms))


def poisson_rate_test(k_model: int, exposure_model: float, k_rest: int, exposure_rest: float) -> float:
    """One-sided p-value that the model's failure rate exceeds the rest's (R's poisson.test with two
    rates, alternative = "greater"): P(Y >= k_model), Y ~ Binomial(k_model + k_rest, E_m / (E_m + E_r))."""
    return binomial_tail(k_model, k_model + k_rest, exposure_model / (exposure_model + exposure_rest))


@dataclass
class Repeats:
    """One repeats run. Feed it the work orders opened in [since, as_of), then ask for `findings`."""

    as_of: datetime
    since: datetime
    accounts: dict[str, Account]
    assets: dict[str, Asset]
    window: timedelta = timedelta(days=90)
    threshold: int = 3
    callback_days: timedelta = timedelta(days=30)
    _states: dict[str, _AssetState] = field(default_factory=lambda: defaultdict(_AssetState))
    _clusters: dict[str, list[list[Failure]]] = field(default_factory=lambda: defaultdict(list))
    _callbacks: list[_Callback] = field(default_factory=list)
    _callback_assets: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _codes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def __post_init__(self) -> None:
        self._installed = {a.id: self._installed_at(a) for a in self.assets.values()}

    def feed(self, work_orders: Iterable[WorkOrder]) -> None:
        """Consume work orders in (opened_at, id) order (cancelled ones and those outside the window
        are skipped)."""
        for work_order in work_orders:
            if work_order.state == "cancelled" or work_order.asset_id is None:
                continue
            if not self.since <= work_order.opened_at < self.as_of:
                continue
            state = self._states[work_order.asset_id]
            if state.first_seen is None:
                state.first_seen = work_order.opened_at
            if work_order.kind == "corrective":
                self._failure(work_order, state)

    def _failure(self, work_order: WorkOrder, state: _AssetState) -> None:
        code = sys.intern(work_order.failure_code) if work_order.failure_code else None
        failure = Failure(work_order.id, work_order.number, work_order.opened_at, code)
        state.failures += 1
        installed = self._installed.get(work_order.asset_id or "")
        if installed is None or work_order.opened_at >= installed:
            state.exposed_failures += 1
            asset = self.assets.get(work_order.asset_id or "")
            if asset is not None and asset.model and work_order.failure_code:
                self._codes[asset.model][work_order.failure_code] += 1
        self._callback(work_order, failure, state)
        resolved = (
            work_order.resolved_at
            if work_order.resolved_at and work_order.resolved_at <= self.as_of
            else None
        )
        state.previous = _Fix(failure, resolved, _fixer(work_order))
        recent = state.recent
        recent.append(failure)
        stale = 0
        while failure.opened_at - recent[stale].opened_at > self.window:
            stale += 1
        del recent[:stale]
        if len(recent) >= self.threshold:
            if state.cluster and recent[0].opened_at <= state.cluster[-1].opened_at:
                seen = {f.work_order_id for f in state.cluster}
                state.cluster.extend(f for f in recent if f.work_order_id not in seen)
            else:
                self._close_cluster(work_order.asset_id or "", state)
                state.cluster = list(recent)

    def _close_cluster(self, asset_id: str, state: _AssetState) -> None:
        if state.cluster:
            self._clusters[asset_id].append(state.cluster)
            state.cluster = []

    def _callback(self, work_order: WorkOrder, failure: Failure, state: _AssetState) -> None:
        previous = state.previous
        if previous is None or previous.resolved_at is None:
            return  # no earlier fix, or opened while the earlier job was still unresolved
        if not timedelta(0) <= work_order.opened_at - previous.resolved_at <= self.callback_days:
            return
        asset_id = work_order.asset_id or ""
        self._callback_assets[work_order.account_id].add(asset_id)
        # Kept small until the end: the finding is built when findings are asked for.
        self._callbacks.append(_Callback(work_order.account_id, asset_id, failure, previous))

    def _callback_finding(self, callback: _Callback) -> Finding:
        later, previous = callback.failure, callback.previous
        assert previous.resolved_at is not None
        days = (later.opened_at - previous.resolved_at) / timedelta(days=1)
        who = f" by {previous.technician}" if previous.technician else ""
        asset = self.assets.get(callback.asset_id)
        earlier = previous.failure
        return Finding(
            rule="callback",
            status="flagged",
            severity="medium",
            account_id=callback.account_id,
            subject=Subject("work_order", later.work_order_id),
            work_order_id=later.work_order_id,
            message=(
                f"{later.number or later.work_order_id} on {_asset_name(asset, callback.asset_id)} came "
                f"{days:.1f} days after {earlier.number or earlier.work_order_id} was fixed{who}: "
                "the fix did not stick."
            ),
            evidence=[
                {
                    **earlier.evidence(),
                    "resolved_at": previous.resolved_at.astimezone(UTC),
                    "technician": previous.technician,
                },
                later.evidence(),
            ],
        )

    # -- findings ---------------------------------------------------------------------------------

    def findings(self, rules: Sequence[str] = RULES) -> list[Finding]:
        """Every finding of the rules asked for, by rule, then subject id (DESIGN.md "Machine output")."""
        for asset_id, state in self._states.items():
            self._close_cluster(asset_id, state)
        repeat_failures = [
            self._repeat_failure(a, c) for a, clusters in self._clusters.items() for c in clusters
        ]
        found: list[Finding] = []
        if "repeat_failure" in rules:
            found += repeat_failures
        if "callback" in rules:
            found += [self._callback_finding(c) for c in self._callbacks]
        if "repeat_account" in rules:
            found += self._repeat_accounts(repeat_failures)
        if "model_defect_suspect" in rules:
            found += self._model_defects()
        found.sort(key=lambda f: (f.rule, f.subject.id, f.work_order_id or ""))
        return found

    def _repeat_failure(self, asset_id: str, cluster: list[Failure]) -> Finding:
        asset = self.assets.get(asset_id)
        span = (cluster[-1].opened_at - cluster[0].opened_at) / timedelta(days=1)
        return Finding(
            rule="repeat_failure",
            status="flagged",
            severity="high",
            account_id=asset.account_id if asset else None,
            subject=Subject("asset", asset_id),
            work_order_id=cluster[0].work_order_id,
            message=(
                f"{_asset_name(asset, asset_id)} failed {len(cluster)} times in {span:.0f} days "
                f"({', '.join(f.number or f.work_order_id for f in cluster)})."
            ),
            evidence=[f.evidence() for f in cluster],
        )

    def _repeat_accounts(self, repeat_failures: list[Finding]) -> list[Finding]:
        affected: dict[str, set[str]] = defaultdict(set)
        for finding in repeat_failures:
            affected[finding.account_id or ""].add(finding.subject.id)
        for account_id, asset_ids in self._callback_assets.items():
            affected[account_id] |= asset_ids
        failures_by_account: Counter[str] = Counter()
        for asset_id, state in self._states.items():
            if asset_id in self.assets:
                failures_by_account[self.assets[asset_id].account_id] += state.failures
        assets_by_account = Counter(a.account_id for a in self.assets.values())
        fleet_rate = sum(failures_by_account.values()) / max(1, len(self.assets))
        findings = []
        for account_id, asset_ids in affected.items():
            failures = failures_by_account[account_id]
            rate = failures / max(1, assets_by_account[account_id])
            name = self.accounts[account_id].name if account_id in self.accounts else account_id
            findings.append(
                Finding(
                    rule="repeat_account",
                    status="flagged",
                    severity="high",
                    account_id=account_id,
                    subject=Subject("account", account_id),
                    message=(
                        f"{name}: {len(asset_ids)} asset{'s' if len(asset_ids) != 1 else ''} failing again "
                        f"and again, {failures} failures in the window: {rate:.2f} per asset against "
                        f"{fleet_rate:.2f} across the fleet."
                    ),
                    evidence=[
                        {
                            "affected_assets": sorted(asset_ids),
                            "failures": failures,
                            "assets": assets_by_account[account_id],
                            "failures_per_asset": round(rate, 4),
                            "fleet_failures_per_asset": round(fleet_rate, 4),
                        }
                    ],
                )
            )
        return findings

    def _model_defects(self) -> list[Finding]:
        exposure: dict[str, float] = defaultdict(float)
        failures: Counter[str] = Counter()
        units: dict[str, list[Asset]] = defaultdict(list)
        for asset in self.assets.values():
            start = self._exposure_start(asset)
            if not asset.model or start is None or start >= self.as_of:
                continue
            exposure[asset.model] += (self.as_of - start) / UNIT_YEAR
            state = self._states.get(asset.id)
            failures[asset.model] += state.exposed_failures if state else 0
            units[asset.model].append(asset)
        total_exposure, total_failures = sum(exposure.values()), sum(failures.values())
        findings = []
        for model, exposed in exposure.items():
            k, k_rest, rest = failures[model], total_failures - failures[model], total_exposure - exposed
            if k < MIN_FAILURES or rest <= 0:
                continue
            rate, rest_rate = k / exposed, k_rest / rest
            ratio = math.inf if rest_rate == 0 else rate / rest_rate
            p_value = poisson_rate_test(k, exposed, k_rest, rest)
            if ratio < MIN_RATE_RATIO or p_value >= MAX_P_VALUE:
                continue
            findings.append(
                self._model_finding(model, units[model], k, exposed, k_rest, rest, ratio, p_value)
            )
        return findings

    def _model_finding(
        self,
        model: str,
        units: list[Asset],
        k: int,
        exposed: float,
        k_rest: int,
        rest: float,
        ratio: float,
        p_value: float,
    ) -> Finding:
        accounts = sorted({a.account_id for a in units})
        codes = self._codes[model].most_common(3)
        top = ", ".join(f"{code} ({n})" for code, n in codes) or "none recorded"
        return Finding(
            rule="model_defect_suspect",
            status="flagged",
            severity="critical",
            subject=Subject("model", model),
            message=(
                f"{model} fails {ratio:.1f}x as often as the rest of the fleet ({k} failures in "
                f"{exposed:.1f} unit-years, p = {p_value:.2g}) across {len(accounts)} accounts; most "
                f"common failures: {top}."
            ),
            evidence=[
                {
                    "model": model,
                    "failures": k,
                    "unit_years": round(exposed, 4),
                    "failures_per_unit_year": round(k / exposed, 4),
                    "rest_failures": k_rest,
                    "rest_unit_years": round(rest, 4),
                    "rest_failures_per_unit_year": round(k_rest / rest, 4),
                    "rate_ratio": None if math.isinf(ratio) else round(ratio, 4),
                    "p_value": p_value,
                    "accounts": accounts,
                    "serials": sorted(a.serial or a.id for a in units),
                    "failure_codes": [{"code": code, "count": n} for code, n in codes],
                }
            ],
        )

    def _installed_at(self, asset: Asset) -> datetime | None:
        """installed_on as an instant: 00:00 in the site's zone, else UTC (DESIGN.md "Dates as instants")."""
        if asset.installed_on is None:
            return None
        tz = asset.site.timezone if asset.site and asset.site.timezone else "UTC"
        day = asset.installed_on
        return datetime(day.year, day.month, day.day, tzinfo=zone(tz))

    def _exposure_start(self, asset: Asset) -> datetime | None:
        """The later of installation (else the asset's first work order in the window) and since."""
        installed = self._installed.get(asset.id)
        if installed is None:
            state = self._states.get(asset.id)
            installed = state.first_seen if state else None
        return None if installed is None else max(installed, self.since)


def _asset_name(asset: Asset | None, asset_id: str | None) -> str:
    if asset is None:
        return asset_id or "an asset"
    return f"{asset.name or asset.id} ({asset.model})" if asset.model else asset.name or asset.id


def _fixer(work_order: WorkOrder) -> str | None:
    """The technician of a work order's fix: the visit that fixed it, else the last visit on site."""
    fixed = [v for v in work_order.visits if v.outcome == "fixed" and v.technician]
    if fixed:
        return fixed[-1].technician
    on_site = [v for v in work_order.visits if v.arrived_at is not None and v.technician]
    return on_site[-1].technician if on_site else None


def iter_shown(
    findings: Iterable[Finding], accounts: set[str] | None, models: set[str] | None
) -> Iterator[Finding]:
    """Findings narrowed to --account (model findings stay when the model is installed there)."""
    for finding in findings:
        if accounts is None:
            yield finding
        elif finding.rule == "model_defect_suspect":
            if models and finding.subject.id in models:
                yield finding
        elif finding.account_id in accounts:
            yield finding
