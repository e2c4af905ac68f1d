"""A brief through ServiceNow costs a fixed number of requests, whatever the length of the account's
history, while each kind fits one page: the real CLI against the emulator, counted per path."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from emulators.demo_to_servicenow import MAPPING, convert, load_folder, promises_file
from emulators.servicenow import PASSWORD, USERNAME, ServiceNowEmulator

from fsmkit.connectors.servicenow import ServiceNowConnector
from fsmkit.demo import AS_OF, DATA_DIR

DEMO = load_folder(DATA_DIR)
TARGET = "wo-000532"  # account ACC-005, asset AST-0041

# Requests of one brief, per table, while each kind fits one page (basic auth: no token requests).
EXPECTED = Counter(
    {
        "wm_order": 2,  # the work order itself, then the account's history in the read window
        "sys_choice": 1,  # state labels of wm_order, once per run (this mapping reads no wm_task label)
        "wm_task": 2,  # the work order's visits (IN on its id), then the history's (one dot-walked query)
        "sys_audit": 2,  # pauses: the work order's, then the history's (IN of up to 300 ids)
        "customer_account": 1,
        "customer_contact": 1,
        "alm_asset": 1,
        "ast_contract": 1,
        "contract_rel_contract_sla": 1,
        "cmn_schedule": 1,
        "cmn_schedule_span": 1,
        "kb_knowledge": 1,
    }
)
FIXED = sum(EXPECTED.values())


def history(extra: int) -> dict[str, list[dict[str, Any]]]:
    """The demo business with `extra` more closed work orders of the target's account and asset, one
    every day back from as_of, each with a visit and an On Hold pause."""
    as_of = datetime.fromisoformat(AS_OF)
    orders = []
    for n in range(extra):
        opened = as_of - timedelta(days=2 + n % 300, hours=n % 7)
        at = opened.isoformat()
        later = (opened + timedelta(hours=5)).isoformat()
        orders.append({
            "id": f"wo-x{n:05}", "number": f"WOX{n:05}", "account_id": "ACC-005", "asset_id": "AST-0041",
            "contract_id": "CON-005", "site": None, "kind": "corrective", "priority": "P3", "state": "closed",
            "status": "Closed Complete", "summary": "Filter change", "description": None, "opened_at": at,
            "resolved_at": later, "closed_at": later, "failure_code": None, "resolution_code": None,
            "pauses": [{"start": (opened + timedelta(hours=1)).isoformat(),
                        "end": (opened + timedelta(hours=2)).isoformat(), "reason": "On Hold"}],
            "visits": [{"id": f"wo-x{n:05}-v1", "technician": "Marcus Reed", "window_start": at,
                        "window_end": later, "arrived_at": at, "departed_at": later, "outcome": "fixed",
                        "notes": None}],
        })  # fmt: skip
    return convert({**DEMO, "work_order": [*DEMO["work_order"], *orders]})


@pytest.fixture
def profile(
    config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[ServiceNowEmulator, int], None]:
    promises = tmp_path / "promises.json"
    promises.write_text(json.dumps(promises_file(DEMO)))
    monkeypatch.setenv("SN_PASSWORD", PASSWORD)

    def write(emulator: ServiceNowEmulator, page_size: int = 1000) -> None:
        lines = [
            "[profiles.sn]",
            'connector = "servicenow"',
            f'instance_url = "{emulator.url}"',
            f'username = "{USERNAME}"',
            'password_env = "SN_PASSWORD"',
            f"promises_file = {json.dumps(str(promises))}",
            f'as_of = "{AS_OF}"',
            f"page_size = {page_size}",
            f"mapping = {_toml(MAPPING)}",
        ]
        config_file.write_text("\n".join(lines) + "\n")

    return write


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    return "true" if value is True else json.dumps(value)


@pytest.fixture
def serve() -> Iterator[Callable[[dict[str, list[dict[str, Any]]]], ServiceNowEmulator]]:
    running: list[ServiceNowEmulator] = []

    def start(tables: dict[str, list[dict[str, Any]]]) -> ServiceNowEmulator:
        emulator = ServiceNowEmulator(tables).__enter__()
        running.append(emulator)
        return emulator

    yield start
    for emulator in running:
        emulator.__exit__(None, None, None)


def brief_requests(run: Callable[..., Result], emulator: ServiceNowEmulator) -> tuple[Counter[str], str]:
    """(requests per table, the brief as JSON) of one `fsmkit brief` run."""
    emulator.requests.clear()
    result = run("--profile", "sn", "brief", TARGET, "--format", "json")
    assert result.exit_code == 0, result.stderr
    counts = Counter({path.removeprefix("/api/now/table/"): n for path, n in emulator.counts().items()})
    return counts, result.stdout


def test_a_short_history_costs_the_fixed_count_and_reads_as_the_files_connector(
    run: Callable[..., Result], profile: Callable[..., None], serve: Callable[..., ServiceNowEmulator]
) -> None:
    emulator = serve(convert(DEMO))
    profile(emulator)
    counts, brief = brief_requests(run, emulator)
    assert counts == EXPECTED
    assert sum(counts.values()) == FIXED == 15
    expected = run("--profile", "demo", "brief", TARGET, "--format", "json")
    assert json.loads(brief) == json.loads(expected.stdout)


@pytest.mark.parametrize("extra", [150, 270])  # with the demo's 26: up to 296 work orders
def test_a_long_history_costs_the_same(
    run: Callable[..., Result], profile: Callable[..., None], serve: Callable[..., ServiceNowEmulator],
    extra: int,
) -> None:  # fmt: skip
    emulator = serve(history(extra))
    profile(emulator)
    counts, brief = brief_requests(run, emulator)
    assert counts == EXPECTED
    past = json.loads(brief)["equipment"]["history"]
    assert any(job["number"].startswith("WOX") for job in past)  # the added work orders were read
    # ... each with its visit and its pause, joined from the dot-walked and the IN query
    connector = ServiceNowConnector.from_settings(
        {
            "instance_url": emulator.url,
            "username": USERNAME,
            "password_env": "SN_PASSWORD",
            "mapping": MAPPING,
        }
    )
    read = [w for w in connector.work_orders(None, account_ids=["ACC-005"]) if w.id.startswith("wo-x")]
    assert len(read) == extra
    assert all(len(w.visits) == 1 and w.visits[0].id == f"{w.id}-v1" for w in read)
    assert all(len(w.pauses) == 1 and w.pauses[0].reason == "On Hold" for w in read)


def test_past_300_work_orders_pauses_take_one_more_request_per_300(
    run: Callable[..., Result], profile: Callable[..., None], serve: Callable[..., ServiceNowEmulator]
) -> None:
    emulator = serve(history(600))  # 626 work orders in the read window: pause IN lists of 300, 300, 26
    profile(emulator)
    counts, _ = brief_requests(run, emulator)
    assert counts == EXPECTED + Counter({"sys_audit": 2})
