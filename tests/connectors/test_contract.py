"""One conformance suite for every connector: same canonical dataset in, same records and behaviour out.

Each entry of SERVERS turns a canonical dataset into a connector serving it (a folder for `files`; the
platform connectors add an emulator loaded with the same records).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import builders
import pytest

from fsmkit.connectors.base import Connector
from fsmkit.connectors.files import FilesConnector
from fsmkit.model import PARSERS, Task

DATASET: dict[str, list[dict[str, Any]]] = {
    "account": [builders.account(), builders.account(id="acc-2", name="Hotel Adler", timezone="America/New_York")],
    "asset": [builders.asset(), builders.asset(id="ast-2", account_id="acc-2", contract_id=None, installed_on=None)],
    "calendar": [builders.calendar()],
    "contract": [builders.contract()],
    "knowledge": [builders.knowledge()],
    "work_order": [
        builders.work_order(id="wo-1", number="WO-0001", opened_at="2026-03-01T08:00:00+01:00"),
        builders.work_order(id="wo-2", number="WO-0002", opened_at="2026-03-02T02:00:00-05:00", account_id="acc-2",
                            asset_id="ast-2", contract_id=None, state="open", resolved_at=None, closed_at=None,
                            visits=[], pauses=[{"start": "2026-03-02T03:00:00-05:00", "end": None, "reason": "On Hold"}]),
        builders.work_order(id="wo-3", number="WO-0003", opened_at="2026-03-02T08:00:00+01:00", kind="preventive",
                            priority=None),
    ],
}  # fmt: skip


def files_connector(tmp_path: Path, dataset: dict[str, list[dict[str, Any]]]) -> Connector:
    return FilesConnector(builders.write_folder(tmp_path / "data", **dataset))


def servicenow_connector(tmp_path: Path, dataset: dict[str, list[dict[str, Any]]]) -> Connector:
    """The dataset converted to ServiceNow tables, served by the emulator until the connector is gone."""
    import weakref

    from emulators.demo_to_servicenow import MAPPING, convert
    from emulators.servicenow import PASSWORD, USERNAME, ServiceNowEmulator

    from fsmkit.connectors._rest import load_mapping
    from fsmkit.connectors.servicenow import MAPPING_FILE, ServiceNowConnector
    from fsmkit.http import BasicAuth, Client

    emulator = ServiceNowEmulator(convert(dataset)).__enter__()
    # wo-2 is open with the status label "Closed Complete", which one ServiceNow state cannot say: read u_state.
    mapping = {**MAPPING, "work_order": {"fields": {**MAPPING["work_order"]["fields"], "state": "u_state"}}}
    client = Client(emulator.url, BasicAuth(USERNAME, PASSWORD))
    connector = ServiceNowConnector(client, load_mapping(MAPPING_FILE, mapping))
    weakref.finalize(connector, emulator.__exit__, None, None, None)
    return connector


def salesforce_connector(tmp_path: Path, dataset: dict[str, list[dict[str, Any]]]) -> Connector:
    """The dataset converted to Salesforce sObjects, served by the emulator until the connector is gone."""
    import weakref

    from emulators.demo_to_salesforce import CUSTOM_FIELDS, MAPPING, convert, promises_file
    from emulators.salesforce import CLIENT_SECRET, CONSUMER_KEY, SalesforceEmulator

    from fsmkit.connectors._rest import load_mapping
    from fsmkit.connectors.salesforce import MAPPING_FILE, TOKEN_PATH, SalesforceConnector
    from fsmkit.http import Client, OAuth
    from fsmkit.promises import overlay

    emulator = SalesforceEmulator(convert(dataset), custom_fields=CUSTOM_FIELDS).__enter__()
    # wo-2 is open with the status "Closed Complete", which one status category cannot say: read State__c.
    mapping = {**MAPPING, "work_order": {"fields": {**MAPPING["work_order"]["fields"], "state": "State__c"}}}
    client = Client(emulator.url, OAuth(TOKEN_PATH, "client_credentials", CONSUMER_KEY, CLIENT_SECRET))
    connector = SalesforceConnector(client, load_mapping(MAPPING_FILE, mapping), pause_statuses=["On Hold"])
    weakref.finalize(connector, emulator.__exit__, None, None, None)
    # Salesforce keeps promises in entitlement process metadata: they come from the promises file.
    promises = tmp_path / "promises.json"
    promises.write_text(json.dumps(promises_file(dataset)))
    return overlay(connector, promises)


SERVERS: dict[str, Callable[[Path, dict[str, list[dict[str, Any]]]], Connector]] = {
    "files": files_connector,
    "servicenow": servicenow_connector,
    "salesforce": salesforce_connector,
}


@pytest.fixture(params=sorted(SERVERS))
def connector(request: pytest.FixtureRequest, tmp_path: Path) -> Connector:
    return SERVERS[request.param](tmp_path, DATASET)


def expected(kind: str, **where: str) -> list[Any]:
    return [PARSERS[kind](r) for r in DATASET[kind] if all(r.get(k) == v for k, v in where.items())]


def test_reads_every_kind_as_canonical_records(connector: Connector) -> None:
    assert list(connector.accounts()) == expected("account")
    assert list(connector.assets()) == expected("asset")
    assert list(connector.calendars()) == expected("calendar")
    assert list(connector.contracts()) == expected("contract")
    assert list(connector.knowledge()) == expected("knowledge")
    assert list(connector.work_orders(None)) == expected("work_order")


def test_filters_by_account_and_asset(connector: Connector) -> None:
    assert list(connector.accounts(["acc-2"])) == expected("account", id="acc-2")
    assert list(connector.assets(["acc-2"])) == expected("asset", account_id="acc-2")
    assert list(connector.contracts(["acc-2"])) == []
    assert [w.id for w in connector.work_orders(None, account_ids=["acc-1"])] == ["wo-1", "wo-3"]
    assert [w.id for w in connector.work_orders(None, asset_ids=["ast-2"])] == ["wo-2"]
    assert [w.id for w in connector.work_orders(None, kinds=["preventive"])] == ["wo-3"]


def test_work_orders_by_opened_at_window(connector: Connector) -> None:
    # wo-2 opened 07:00Z and wo-3 07:00Z: the same instant, ordered by id.
    since, until = datetime(2026, 3, 2, 7, 0, tzinfo=UTC), datetime(2026, 3, 2, 7, 0, 1, tzinfo=UTC)
    assert [w.id for w in connector.work_orders(since, until)] == ["wo-2", "wo-3"]
    assert [w.id for w in connector.work_orders(None, since)] == ["wo-1"]


def test_one_work_order_by_id_or_number(connector: Connector) -> None:
    assert connector.work_order("wo-2") == expected("work_order", id="wo-2")[0]
    assert connector.work_order("WO-0003").id == "wo-3"
    assert connector.work_order("nope") is None


def test_push_is_idempotent_by_key(connector: Connector) -> None:
    tasks = [Task(key=f"fsmkit-{n:024x}", subject=f"Follow up {n}") for n in (1, 2)]
    assert connector.existing_task_keys([t.key for t in tasks]) == set()
    assert [r.outcome for r in connector.push_tasks(tasks)] == ["created", "created"]
    assert [r.outcome for r in connector.push_tasks(tasks)] == ["exists", "exists"]
    assert connector.existing_task_keys([tasks[0].key, "fsmkit-" + "f" * 24]) == {tasks[0].key}


def test_checks_pass(connector: Connector) -> None:
    assert [c for c in connector.check() if not c.ok] == []
