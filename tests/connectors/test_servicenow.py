"""The ServiceNow connector: exact requests and mappings (responses), and the real CLI against the emulator."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses
from click.testing import Result
from emulators.demo_to_servicenow import MAPPING, convert, load_folder, promises_file
from emulators.servicenow import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, ServiceNowEmulator

from fsmkit.connectors._rest import load_mapping
from fsmkit.connectors.servicenow import MAPPING_FILE, ServiceNowConnector, _kind_term
from fsmkit.demo import AS_OF, DATA_DIR
from fsmkit.errors import ConfigError, InputError
from fsmkit.http import BasicAuth, Client
from fsmkit.model import Contact, Pause, Related, Site, Task, Visit, WorkOrder

BASE = "https://acme.service-now.com"
BASIC = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
COMMON = {"sysparm_exclude_reference_link": "true", "sysparm_display_value": "false"}
TABLE = f"{BASE}/api/now/table"


def connector(
    page_size: int = 1000, mapping: dict[str, Any] | None = None, **options: Any
) -> ServiceNowConnector:
    client = Client(BASE, BasicAuth(USERNAME, PASSWORD), sleep=lambda seconds: None)
    return ServiceNowConnector(client, load_mapping(MAPPING_FILE, mapping), page_size=page_size, **options)


def table(name: str, rows: list[dict[str, str]], total: int | None = None) -> None:
    """Mock one page of a table, with its X-Total-Count (as ServiceNow always sends)."""
    count = len(rows) if total is None else total
    responses.get(f"{TABLE}/{name}", json={"result": rows}, headers={"X-Total-Count": str(count)})


def sent() -> list[tuple[str, str, dict[str, str]]]:
    """(method, path, query) of every request made."""
    return [(c.request.method, urlsplit(c.request.url).path, dict(parse_qsl(urlsplit(c.request.url).query)))
            for c in responses.calls]  # fmt: skip


def read(query: str, fields: str, page_size: int = 1000, offset: int = 0) -> dict[str, str]:
    return {"sysparm_query": query, "sysparm_fields": fields, **COMMON, "sysparm_limit": str(page_size),
            "sysparm_offset": str(offset)}  # fmt: skip


WO_FIELDS = ("sys_id,number,company,asset,contract,maintenance_plan,priority,state,short_description,description,"
             "opened_at,work_end,closed_at,close_code,location.name,location.street,location.time_zone")  # fmt: skip
VISIT_FIELDS = "sys_id,assigned_to.name,window_start,window_end,actual_work_start,actual_work_end,state,close_notes,parent"
ORDER_ROW = {
    "sys_id": "9d3c1f2a4f1e1210a1b2c3d4e5f60718", "number": "WO0010042", "company": "a1", "asset": "s1",
    "contract": "c1", "maintenance_plan": "", "priority": "2", "state": "21", "short_description": "Cold room at 9°C",
    "description": "Alarm E42", "opened_at": "2026-03-02 08:15:00", "work_end": "", "closed_at": "",
    "close_code": "", "location.name": "Huber Schwabing", "location.street": "Leopoldstr. 1",
    "location.time_zone": "Europe/Berlin",
}  # fmt: skip
CHOICES = [
    {"element": "state", "value": "21", "label": "On Hold"},
    {"element": "state", "value": "20", "label": "Work in Progress"},
    {"element": "state", "value": "3", "label": "Closed Complete"},
]


def mock_work_order_tables(orders: list[dict[str, str]], total: int | None = None) -> None:
    table("sys_choice", CHOICES)
    table("wm_order", orders, total)
    table("sys_choice", [{"element": "state", "value": "3", "label": "Closed Complete"}])
    table("wm_task", [
        {"sys_id": "t1", "assigned_to.name": "Jana Novak", "window_start": "2026-03-02 09:00:00",
         "window_end": "2026-03-02 11:00:00", "actual_work_start": "2026-03-02 09:20:00", "actual_work_end": "",
         "state": "3", "close_notes": "", "parent": ORDER_ROW["sys_id"]},
    ])  # fmt: skip
    table("sys_audit", [
        {"sys_created_on": "2026-03-02 10:30:00", "newvalue": "21", "documentkey": ORDER_ROW["sys_id"], "sys_id": "x1"},
        {"sys_created_on": "2026-03-02 10:45:00", "newvalue": "20", "documentkey": ORDER_ROW["sys_id"], "sys_id": "x2"},
        {"sys_created_on": "2026-03-02 11:00:00", "newvalue": "21", "documentkey": ORDER_ROW["sys_id"], "sys_id": "x3"},
    ])  # fmt: skip


@responses.activate
def test_work_orders_send_exact_queries_and_map_every_field() -> None:
    mock_work_order_tables([ORDER_ROW])
    since, until = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    (work_order,) = connector(user_timezone="Europe/Berlin").work_orders(since, until)
    assert work_order == WorkOrder(
        id=ORDER_ROW["sys_id"], account_id="a1", kind="corrective", state="open",
        opened_at=datetime(2026, 3, 2, 8, 15, tzinfo=UTC), number="WO0010042", asset_id="s1", contract_id="c1",
        site=Site("Huber Schwabing", "Leopoldstr. 1", "Europe/Berlin", None), priority="P2", status="On Hold",
        summary="Cold room at 9°C", description="Alarm E42", resolved_at=None, closed_at=None,
        pauses=[Pause(datetime(2026, 3, 2, 10, 30, tzinfo=UTC), datetime(2026, 3, 2, 10, 45, tzinfo=UTC), "On Hold"),
                Pause(datetime(2026, 3, 2, 11, 0, tzinfo=UTC), None, "On Hold")],
        visits=[Visit("t1", "Jana Novak", datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 2, 11, tzinfo=UTC),
                      datetime(2026, 3, 2, 9, 20, tzinfo=UTC), None, "fixed", None)],
        failure_code=None, resolution_code=None,
    )  # fmt: skip
    wo_id = ORDER_ROW["sys_id"]
    assert sent() == [
        ("GET", "/api/now/table/sys_choice", read("name=wm_order^elementINstate^language=en^ORDERBYsys_id",
                                                   "element,value,label")),
        ("GET", "/api/now/table/wm_order", read(
            "opened_at>=javascript:gs.dateGenerate('2026-03-01','01:00:00')"
            "^opened_at<javascript:gs.dateGenerate('2026-04-01','02:00:00')^ORDERBYopened_at^ORDERBYsys_id", WO_FIELDS)),
        ("GET", "/api/now/table/sys_choice", read("name=wm_task^elementINstate^language=en^ORDERBYsys_id",
                                                   "element,value,label")),
        ("GET", "/api/now/table/wm_task", read(f"parentIN{wo_id}^ORDERBYparent^ORDERBYwindow_start^ORDERBYsys_id",
                                               VISIT_FIELDS)),
        ("GET", "/api/now/table/sys_audit", read(
            f"tablename=wm_order^fieldname=state^documentkeyIN{wo_id}^ORDERBYsys_created_on^ORDERBYsys_id",
            "sys_created_on,newvalue,documentkey,sys_id")),
    ]  # fmt: skip
    for call in responses.calls:
        headers = dict(call.request.headers)
        assert headers.pop("Authorization") == BASIC
        assert headers == {"User-Agent": "fsmkit/0.1.0", "Accept": "application/json",
                           "Accept-Encoding": requests.utils.DEFAULT_ACCEPT_ENCODING, "Connection": "keep-alive"}  # fmt: skip


@responses.activate
def test_one_work_order_by_number() -> None:
    mock_work_order_tables([ORDER_ROW])
    found = connector().work_order("WO0010042")
    assert found is not None and found.id == ORDER_ROW["sys_id"]
    assert sent()[0] == (
        "GET",
        "/api/now/table/wm_order",
        read("sys_id=WO0010042^ORnumber=WO0010042^ORDERBYsys_id", WO_FIELDS),
    )
    assert connector().work_order("x^ORsys_idISNOTEMPTY") is None
    assert len(responses.calls) == 5


@responses.activate
def test_paging_goes_on_after_short_pages_until_the_total() -> None:
    rows = [{**ORDER_ROW, "sys_id": f"w{n}", "opened_at": f"2026-03-0{n} 08:00:00"} for n in range(1, 4)]
    table("sys_choice", CHOICES)
    table("wm_order", rows[:1], total=4)  # one hidden by ACLs
    table("wm_order", rows[1:], total=4)
    for name in ("sys_choice", "wm_task", "sys_audit"):
        table(name, [])
    assert [w.id for w in connector(page_size=2).work_orders(None)] == ["w1", "w2", "w3"]
    offsets = [
        (q["sysparm_limit"], q["sysparm_offset"]) for _, path, q in sent() if path.endswith("wm_order")
    ]
    assert offsets == [("2", "0"), ("2", "2")]


@pytest.mark.parametrize(
    ("override", "kinds", "term"),
    [
        (None, ["preventive"], "maintenance_planISNOTEMPTY"),
        (None, ["corrective"], "maintenance_planISEMPTY"),
        (None, ["install"], "sys_idISEMPTY"),
        ("u_kind", ["preventive", "install"], "u_kindINinstall,preventive"),
        (
            {
                "field": "u_type",
                "map": {"PM": "preventive", "INST": "install", "": "other"},
                "default": "corrective",
            },
            ["corrective", "other"],
            "u_typeNOT ININST,PM^ORu_typeISEMPTY",
        ),
        (
            {"field": "u_type", "map": {"PM": "preventive", "INST": "install"}, "default": "corrective"},
            ["corrective"],
            "u_typeNOT ININST,PM^ORu_typeISEMPTY",
        ),
        (
            {"field": "u_type", "map": {"PM": "preventive", "": "other"}, "default": "corrective"},
            ["corrective"],
            "u_typeNOT INPM^u_typeISNOTEMPTY",
        ),
        (
            {"field": "u_type", "map": {"PM": "preventive", "INST": "install"}, "default": "corrective"},
            ["preventive", "install"],
            "u_typeININST,PM",
        ),
        (
            {"field": "state", "label": True, "map": {"PM": "preventive"}, "default": "corrective"},
            ["preventive"],
            "",
        ),
    ],
)
def test_kinds_narrow_the_query_where_the_mapping_allows(override: Any, kinds: list[str], term: str) -> None:
    mapping = {"work_order": {"fields": {"kind": override}}} if override else None
    kind = load_mapping(MAPPING_FILE, mapping)["work_order"]
    assert _kind_term(kind, kinds) == term


@responses.activate
def test_many_ids_are_read_in_chunks_of_in_queries_merged_in_order() -> None:
    accounts = [f"a{n:03}" for n in range(150)]
    table("sys_choice", CHOICES)
    table("wm_order", [{**ORDER_ROW, "sys_id": "w2", "opened_at": "2026-03-02 08:00:00"}])
    table("wm_order", [{**ORDER_ROW, "sys_id": "w1", "opened_at": "2026-03-01 08:00:00"}])
    for name in ("sys_choice", "wm_task", "sys_audit"):
        table(name, [])
    assert [w.id for w in connector().work_orders(None, account_ids=accounts)] == ["w1", "w2"]
    queries = [q["sysparm_query"] for _, path, q in sent() if path.endswith("wm_order")]
    assert queries == [f"companyIN{','.join(accounts[:100])}^ORDERBYopened_at^ORDERBYsys_id",
                       f"companyIN{','.join(accounts[100:])}^ORDERBYopened_at^ORDERBYsys_id"]  # fmt: skip


@responses.activate
def test_accounts_with_contacts() -> None:
    table("customer_account", [{"sys_id": "a1", "name": "Bäckerei Huber", "notes": ""}])
    table("customer_contact", [
        {"name": "Anna Huber", "title": "Owner", "phone": "+49 89 1234", "email": "anna@example.com", "account": "a1"}])  # fmt: skip
    (account,) = connector(default_timezone="Europe/Berlin").accounts(["a1"])
    assert (account.id, account.name, account.notes, account.timezone, account.contacts) == (
        "a1", "Bäckerei Huber", None, "Europe/Berlin", [Contact("Anna Huber", "Owner", "+49 89 1234", "anna@example.com")]
    )  # fmt: skip
    assert sent() == [
        ("GET", "/api/now/table/customer_account", read("sys_idINa1^ORDERBYsys_id", "sys_id,name,notes")),
        (
            "GET",
            "/api/now/table/customer_contact",
            read("accountINa1^ORDERBYsys_id", "name,title,phone,email,account"),
        ),
    ]


@responses.activate
def test_assets_map_every_field() -> None:
    table("alm_asset", [
        {"sys_id": "s1", "company": "a1", "display_name": "Cold room 1", "model_id.name": "ArcticFlow CU-7",
         "serial_number": "AF7-001", "install_date": "2023-05-01", "warranty_expiration": "2026-05-01",
         "location.name": "", "location.street": "", "location.time_zone": ""}])  # fmt: skip
    (asset,) = connector().assets(["a1"])
    assert (asset.id, asset.account_id, asset.name, asset.model, asset.serial, asset.installed_on, asset.warranty_ends,
            asset.site) == ("s1", "a1", "Cold room 1", "ArcticFlow CU-7", "AF7-001", date(2023, 5, 1), date(2026, 5, 1), None)  # fmt: skip
    assert sent()[0][2]["sysparm_fields"] == (
        "sys_id,company,display_name,model_id.name,serial_number,install_date,warranty_expiration,"
        "location.name,location.street,location.time_zone"
    )


@responses.activate
def test_calendars_from_schedule_entries_and_excluded_children() -> None:
    table("cmn_schedule", [
        {"sys_id": "cal", "time_zone": "Europe/Berlin", "name": "Berlin 8-18", "parent": "", "type": ""},
        {"sys_id": "hol", "time_zone": "Europe/Berlin", "name": "Holidays", "parent": "cal", "type": "excluded"}])  # fmt: skip
    table("cmn_schedule_span", [
        {"schedule": "cal", "start_date_time": "20250101T080000", "end_date_time": "20250101T180000",
         "days_of_week": "12345", "repeat_type": "weekly", "all_day": "false"},
        {"schedule": "cal", "start_date_time": "20250101T090000", "end_date_time": "20250102T000000",
         "days_of_week": "6", "repeat_type": "weekly", "all_day": "false"},
        {"schedule": "hol", "start_date_time": "20260403T000000", "end_date_time": "20260404T000000",
         "days_of_week": "", "repeat_type": "", "all_day": "true"},
        {"schedule": "hol", "start_date_time": "20261224T000000", "end_date_time": "20261227T000000",
         "days_of_week": "", "repeat_type": "", "all_day": "true"}])  # fmt: skip
    (calendar,) = connector().calendars()
    hours = [("08:00", "18:00")]
    assert calendar.weekly == {"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours,
                               "sat": [("09:00", "24:00")], "sun": []}  # fmt: skip
    assert calendar.holidays == [date(2026, 4, 3), date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)]
    assert sent()[1][2]["sysparm_query"] == "scheduleINcal,hol^ORDERBYsys_id"


@responses.activate
def test_contracts_with_sla_definitions_as_promises() -> None:
    table("ast_contract", [
        {"sys_id": "c1", "number": "CNTR0001", "short_description": "Gold care", "account": "a1",
         "starts": "2026-01-01", "ends": "2026-12-31"}])  # fmt: skip
    table("contract_rel_contract_sla", [
        {"contract_sla": "sla1", "contract_sla.target": "response", "contract_sla.duration": "1970-01-01 04:00:00",
         "contract_sla.schedule": "cal", "contract_sla.start_condition": "priority=1^active=true",
         "contract_sla.pause_condition": "", "contract": "c1"},
        {"contract_sla": "sla2", "contract_sla.target": "resolution", "contract_sla.duration": "1970-01-03 00:00:00",
         "contract_sla.schedule": "", "contract_sla.start_condition": "priorityIN1,2",
         "contract_sla.pause_condition": "stateIN21", "contract": "c1"}])  # fmt: skip
    (contract,) = connector().contracts()
    assert (contract.number, contract.name, contract.calendar_id) == ("CNTR0001", "Gold care", "cal")
    assert [(p.id, p.kind, str(p.target), p.clock, p.priorities, p.pausable) for p in contract.promises] == [
        ("sla1", "response", "4:00:00", "business", ("P1",), False),
        ("sla2", "resolution", "2 days, 0:00:00", "wall", ("P1", "P2"), True),
    ]


@responses.activate
def test_a_row_that_cannot_be_mapped_names_table_id_and_field() -> None:
    mock_work_order_tables([{**ORDER_ROW, "priority": "7"}])
    with pytest.raises(InputError) as caught:
        list(connector().work_orders(None))
    assert str(caught.value) == (
        f"ServiceNow wm_order {ORDER_ROW['sys_id']}: field priority: '7' is not one of ['P1', 'P2', 'P3', 'P4', 'P5', None]"
    )


def test_profile_mapping_overrides_merge_over_the_defaults() -> None:
    mapping = load_mapping(
        MAPPING_FILE, {"work_order": {"filter": "active=true", "fields": {"resolved_at": "u_restored_at"}}}
    )
    work_order = mapping["work_order"]
    assert (work_order.table, work_order.filter, work_order.platform("resolved_at")) == (
        "wm_order",
        "active=true",
        "u_restored_at",
    )
    assert work_order.platform("summary") == "short_description"
    with pytest.raises(
        ConfigError, match=r"^mapping\.work_order\.fields\.priority: 'map' is a required property|^mapping"
    ):
        load_mapping(MAPPING_FILE, {"work_order": {"fields": {"priority": {"map": {"1": "P1"}}}}})
    with pytest.raises(ConfigError, match=r"^mapping: unknown field wrok_order$"):
        load_mapping(MAPPING_FILE, {"wrok_order": {"table": "x"}})


# -- tasks -----------------------------------------------------------------------------------------


TASKS = [
    Task(key="fsmkit-" + "1" * 24, subject="Call the customer", description="Response breached", due_on=date(2026, 11, 2),
         priority="P2", queue="service_manager", related=Related("a1", None, "w1"), rule="response"),
    Task(key="fsmkit-" + "2" * 24, subject="Escalate the asset"),
]  # fmt: skip


@responses.activate
def test_push_looks_keys_up_in_one_batch_then_creates_the_missing() -> None:
    table("sn_customerservice_task", [{"correlation_id": TASKS[1].key, "sys_id": "old"}])
    responses.post(
        f"{TABLE}/sn_customerservice_task",
        status=201,
        json={"result": {"sys_id": "new", "number": "CSTASK1"}},
    )
    results = connector(queues={"service_manager": "grp1"}).push_tasks(TASKS)
    assert [(r.outcome, r.platform_id) for r in results] == [("created", "new"), ("exists", "old")]
    assert sent()[0] == ("GET", "/api/now/table/sn_customerservice_task",
                         read(f"correlation_idIN{TASKS[0].key},{TASKS[1].key}^ORDERBYsys_id", "correlation_id,sys_id"))  # fmt: skip
    assert json.loads(responses.calls[1].request.body) == {
        "correlation_id": TASKS[0].key, "short_description": "Call the customer", "description": "Response breached",
        "due_date": "2026-11-02", "priority": "2", "assignment_group": "grp1", "account": "a1", "parent": "w1",
    }  # fmt: skip


@responses.activate
def test_a_lost_create_reply_is_found_by_its_key_not_created_twice() -> None:
    url = f"{TABLE}/sn_customerservice_task"
    table("sn_customerservice_task", [])
    responses.post(url, body=requests.ConnectionError("reset"))
    table("sn_customerservice_task", [{"correlation_id": TASKS[1].key, "sys_id": "made"}])
    (result,) = connector().push_tasks(TASKS[1:])
    assert (result.outcome, result.platform_id) == ("exists", "made")
    assert [m for m, _, _ in sent()] == ["GET", "POST", "GET"]


@responses.activate
def test_existing_task_keys_and_a_custom_key_field() -> None:
    table("x_tasks", [{"u_key": TASKS[0].key, "sys_id": "t"}])
    settings_connector = connector()
    settings_connector.mapping["task"] = load_mapping(
        MAPPING_FILE, {"task": {"table": "x_tasks", "fields": {"key": "u_key"}}}
    )["task"]
    assert settings_connector.existing_task_keys([t.key for t in TASKS]) == {TASKS[0].key}
    assert sent()[0][2]["sysparm_query"] == f"u_keyIN{TASKS[0].key},{TASKS[1].key}^ORDERBYsys_id"


def test_from_settings_reads_task_table_and_key_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SN_PW", PASSWORD)
    made = ServiceNowConnector.from_settings({"connector": "servicenow", "instance_url": BASE, "username": USERNAME,
                                              "password_env": "SN_PW", "task_table": "x_tasks", "task_key_field": "u_key"})  # fmt: skip
    assert (made.mapping["task"].table, made.mapping["task"].platform("key")) == ("x_tasks", "u_key")
    with pytest.raises(ConfigError, match="api_user_timezone: unknown time zone 'Mars/Base'"):
        ServiceNowConnector.from_settings({"instance_url": BASE, "username": "u", "password_env": "SN_PW",
                                           "api_user_timezone": "Mars/Base"})  # fmt: skip


# -- end to end: the real CLI against the emulator serving the demo business -------------------------


DEMO = load_folder(DATA_DIR)


@pytest.fixture
def emulator() -> Iterator[ServiceNowEmulator]:
    with ServiceNowEmulator(convert(DEMO)) as running:
        yield running


@pytest.fixture
def profile(
    emulator: ServiceNowEmulator, config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., None]:
    """Write a `sn` profile for the emulator (basic auth unless oauth=True)."""
    promises = tmp_path / "promises.json"
    promises.write_text(json.dumps(promises_file(DEMO)))
    monkeypatch.setenv("SN_PASSWORD", PASSWORD)
    monkeypatch.setenv("SN_CLIENT_SECRET", CLIENT_SECRET)

    def write(oauth: bool = False, **settings: Any) -> None:
        auth = (
            {
                "auth": "oauth",
                "grant_type": "password",
                "client_id": CLIENT_ID,
                "client_secret_env": "SN_CLIENT_SECRET",
            }
            if oauth
            else {}
        )
        values = {"connector": "servicenow", "instance_url": emulator.url, "username": USERNAME,
                  "password_env": "SN_PASSWORD", "promises_file": str(promises), "as_of": AS_OF,
                  "retry_max_seconds": 30, **auth, **settings}  # fmt: skip
        lines = [f"{key} = {json.dumps(value)}" for key, value in values.items()]
        tables = [f"[profiles.sn.mapping.{kind}]\n" + "".join(
            f"{k} = {json.dumps(v)}\n" for k, v in entry.items() if k != "fields") +
            f"[profiles.sn.mapping.{kind}.fields]\n" + "".join(f'"{k}" = {_toml(v)}\n' for k, v in entry.get("fields", {}).items())
            for kind, entry in MAPPING.items()]  # fmt: skip
        config_file.write_text("[profiles.sn]\n" + "\n".join(lines) + "\n" + "\n".join(tables))

    return write


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return "true" if value is True else json.dumps(value)


COMMANDS = [("audit", "--since", "2025-01-01"), ("repeats",)]


def findings(run: Callable[..., Result], profile: str, *command: str) -> dict[str, Any]:
    result = run("--profile", profile, *command, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("command", COMMANDS, ids=["audit", "repeats"])
def test_same_findings_as_the_files_connector(run: Callable[..., Result], profile: Callable[..., None],
                                              command: tuple[str, ...]) -> None:  # fmt: skip
    profile()
    expected = findings(run, "demo", *command)
    assert len(expected["findings"]) > 40
    assert findings(run, "sn", *command) == expected


@pytest.mark.parametrize("command", [*COMMANDS, ("doctor",)], ids=["audit", "repeats", "doctor"])
def test_same_results_under_rate_limits_and_token_expiry_without_a_secret_in_any_output(
    run: Callable[..., Result], profile: Callable[..., None], emulator: ServiceNowEmulator,
    caplog: pytest.LogCaptureFixture, command: tuple[str, ...],
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG, logger="fsmkit.http")
    profile(oauth=True)
    expected = run("--profile", "sn", *command, "--format", "json")
    emulator.rate_limit(3, retry_after=0)
    emulator.expire_tokens_after(4)
    result = run("-vv", "--profile", "sn", *command, "--format", "json")
    assert (result.exit_code, result.stdout) == (0, expected.stdout), result.stderr
    if command[0] != "doctor":
        assert json.loads(result.stdout) == findings(run, "demo", *command)
    assert emulator.counts()["/oauth_token.do"] == 3  # a token per run, and one refresh after the expiry
    everything = result.stdout + result.stderr + "\n".join(r.getMessage() for r in caplog.records)
    assert ": HTTP 429 Too Many Requests: Rate limit exceeded" in everything
    assert ": HTTP 401; refreshing the credentials once" in everything
    assert re.search(
        r"^fsmkit: GET /api/now/table/\w+ -> 200 in \d+ ms$", result.stderr, re.M
    )  # -v logs requests
    for secret in (PASSWORD, CLIENT_SECRET, "emu-access-", "emu-refresh-"):  # tokens the emulator issued
        assert secret not in everything


def test_doctor_passes_on_the_demo_instance(run: Callable[..., Result], profile: Callable[..., None],
                                           emulator: ServiceNowEmulator) -> None:  # fmt: skip
    profile()
    result = run("--profile", "sn", "doctor", "--format", "json")
    assert result.exit_code == 0, result.stdout
    checks = {c["name"]: (c["ok"], c["detail"]) for c in json.loads(result.stdout)["checks"]}
    kinds = {"customer_account": "account", "customer_contact": "contact", "alm_asset": "asset", "cmn_schedule": "calendar",
             "cmn_schedule_span": "calendar spans and holidays", "ast_contract": "contract",
             "contract_rel_contract_sla": "promise", "wm_order": "work_order", "wm_task": "visit", "sys_audit": "pause",
             "sn_customerservice_task": "task", "kb_knowledge": "knowledge"}  # every mapped kind, in order  # fmt: skip
    assert list(checks) == ["profile", *(f"{c} {t}" for t in kinds for c in ("read", "fields")),
                            "api_user_timezone"]  # fmt: skip
    assert all(ok for ok, _ in checks.values())
    for table, kind in kinds.items():
        assert checks[f"read {table}"][1] == f"{kind}: readable"
        if table != "sn_customerservice_task":
            assert checks[f"fields {table}"][1] == f"{kind}: every mapped field is there"
    # no follow-up task exists yet: its fields cannot be checked, which is said, not failed
    assert checks["fields sn_customerservice_task"][1] == (
        "task: no row to check the mapped fields against (none yet, or none matches the filter)"
    )
    assert result.stderr == "26 checks, all passed\n"
    # one request per kind (the audit rows narrowed to work order state changes) and one for the user
    queries = {r.path.removeprefix("/api/now/table/"): r.query for r in emulator.requests}
    assert list(queries) == [*kinds, "sys_user"] and len(emulator.requests) == len(queries)
    assert queries["sys_audit"] == {"sysparm_query": "tablename=wm_order^fieldname=state",
                                    "sysparm_fields": "sys_created_on,newvalue,documentkey,sys_id",
                                    "sysparm_exclude_reference_link": "true", "sysparm_limit": "1"}  # fmt: skip
    assert queries["cmn_schedule_span"]["sysparm_fields"] == (
        "schedule,start_date_time,end_date_time,days_of_week,repeat_type,all_day"
    )


def test_doctor_reports_a_wrong_password_as_a_platform_failure(run: Callable[..., Result], profile: Callable[..., None],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    profile()
    monkeypatch.setenv("SN_PASSWORD", "wrong")
    result = run("--profile", "sn", "doctor", "--format", "json")
    assert result.exit_code == 3
    failed = [c for c in json.loads(result.stdout)["checks"] if not c["ok"]]
    assert [(c["name"], c["detail"]) for c in failed] == [
        ("read customer_account", "GET /api/now/table/customer_account: HTTP 401 Unauthorized: User Not Authenticated - "
                                  "Required to provide Auth information; check the profile's credentials")
    ]  # fmt: skip


@pytest.mark.parametrize("fault", ["fail", "malform"])
def test_platform_failures_exit_3_with_one_line_and_no_output_file(run: Callable[..., Result], profile: Callable[..., None],
                                                                   emulator: ServiceNowEmulator, tmp_path: Path, fault: str) -> None:  # fmt: skip
    profile(
        retry_attempts=2, retry_max_seconds=0.5
    )  # the first backoff (over 1 s) exceeds the budget: no sleeping
    getattr(emulator, fault)(1000)
    output = tmp_path / "findings.json"
    result = run(
        "--profile", "sn", "audit", "--since", "2025-01-01", "--format", "json", "--output", str(output)
    )
    assert result.exit_code == 3
    assert not output.exists() and result.stdout == ""
    expected = {
        "fail": "GET /api/now/table/customer_account failed after 1 attempt over 0s; last: HTTP 503 Service "
                "Unavailable: Service Unavailable - the node is restarting",
        "malform": "GET /api/now/table/customer_account: the reply (HTTP 200, 26 bytes) is not valid JSON: "
                   "unexpected end of data: line 1 column 27 (char 26)",
    }[fault]  # fmt: skip
    assert result.stderr == f"fsmkit: error: {expected}\n"


def test_visits_joined_by_account_must_come_in_their_work_orders_order() -> None:
    from fsmkit.connectors.servicenow import _Join
    from fsmkit.errors import PlatformError

    def stream(*keys: tuple[str, str]) -> Iterator[tuple[tuple[str, str], dict[str, Any]]]:
        return ((key, {"sys_id": f"v{i}"}) for i, key in enumerate(keys))

    a, b, c = ("2026-01-01 08:00:00", "wa"), ("2026-01-02 08:00:00", "wb"), ("2026-01-03 08:00:00", "wc")
    joined = _Join(stream(a, b, b, c))
    assert [v["sys_id"] for v in joined.take(b)] == ["v1", "v2"]  # the visit of a, never asked for, skipped
    assert [v["sys_id"] for v in joined.take(c)] == ["v3"]
    # An instance that ignored ORDERBY on the dot-walked parent fields: c's visit before b's would be lost.
    with pytest.raises(
        PlatformError, match=r"visits out of their work orders' order.*work order wb after wc"
    ):
        _Join(stream(a, c, b)).take(c)
