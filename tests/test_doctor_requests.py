"""The exact requests `doctor` makes on the platform connectors, with `responses` and bodies shaped like
real ones (../shared/reference): one row per ServiceNow kind, one describe per Salesforce object."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import responses

from fsmkit.connectors._rest import load_mapping
from fsmkit.connectors.base import Check
from fsmkit.connectors.salesforce import MAPPING_FILE as SF_MAPPING
from fsmkit.connectors.salesforce import TOKEN_PATH, SalesforceConnector
from fsmkit.connectors.servicenow import MAPPING_FILE as SN_MAPPING
from fsmkit.connectors.servicenow import ServiceNowConnector
from fsmkit.http import BasicAuth, Client, OAuth

INSTANCE = "https://acme.service-now.com"
MY_DOMAIN = "https://acme.my.salesforce.com"
DATA = f"{MY_DOMAIN}/services/data/v62.0"


def query(call: Any) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(call.request.url).query))


# -- ServiceNow --------------------------------------------------------------------------------------


def sn_row(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
    """One row holding every asked field (dot-walked keys literal, as ServiceNow returns them) but those
    the instance lacks; no follow-up task yet."""
    table = urlsplit(request.url).path.rsplit("/", 1)[-1]
    asked = dict(parse_qsl(urlsplit(request.url).query))["sysparm_fields"].split(",")
    lacking = {"wm_task": {"close_notes"}, "contract_rel_contract_sla": {"contract_sla.duration"}}
    rows = [] if table == "sn_customerservice_task" else [
        {f: "" for f in asked if f not in lacking.get(table, set())}
    ]  # fmt: skip
    return 200, {"X-Total-Count": str(len(rows))}, json.dumps({"result": rows})


@responses.activate
def test_servicenow_doctor_reads_one_row_of_every_kind_with_the_fields_it_reads() -> None:
    responses.add_callback("GET", re.compile(f"{INSTANCE}/api/now/table/.*"), callback=sn_row)
    client = Client(INSTANCE, BasicAuth("fsmkit.api", "pw"), sleep=lambda seconds: None)
    checks = ServiceNowConnector(client, load_mapping(SN_MAPPING, None)).check()
    sent = [(urlsplit(c.request.url).path.removeprefix("/api/now/table/"), query(c)) for c in responses.calls]
    common = {"sysparm_exclude_reference_link": "true", "sysparm_limit": "1"}
    assert [table for table, _ in sent] == [
        "customer_account", "customer_contact", "alm_asset", "cmn_schedule", "cmn_schedule_span", "ast_contract",
        "contract_rel_contract_sla", "wm_order", "wm_task", "sys_audit", "sn_customerservice_task",
    ]  # fmt: skip
    assert all(params.items() >= common.items() for _, params in sent)
    by_table = dict(sent)
    assert by_table["customer_contact"]["sysparm_fields"] == "name,title,phone,email,account"
    assert by_table["cmn_schedule"]["sysparm_fields"] == "sys_id,time_zone,parent,type"
    assert by_table["wm_task"]["sysparm_fields"] == (
        "sys_id,assigned_to.name,window_start,window_end,actual_work_start,actual_work_end,state,close_notes,parent"
    )
    assert by_table["sys_audit"]["sysparm_query"] == "tablename=wm_order^fieldname=state"
    assert "sysparm_query" not in by_table["wm_order"]  # no filter mapped: none sent
    failed = [(c.name, c.detail, c.kind) for c in checks if not c.ok]
    assert failed == [
        ("fields contract_rel_contract_sla", "promise: not returned: contract_sla.duration", "input"),
        ("fields wm_task", "visit: not returned: close_notes", "input"),
    ]
    said = next(c for c in checks if c.name == "fields sn_customerservice_task")
    assert said.ok and said.detail.startswith("task: no row to check the mapped fields against")


# -- Salesforce --------------------------------------------------------------------------------------

# Describes as Salesforce gives them (trimmed to what doctor reads): a reference field names its
# relationship and the objects it points to; WhatId is polymorphic. An object not here is one the user
# cannot see (404 NOT_FOUND).
OBJECTS: dict[str, list[dict[str, Any]]] = {
    "Account": [{"name": "Id"}, {"name": "Name"}, {"name": "Description"}],
    "Asset": [
        {"name": "Id"}, {"name": "AccountId", "relationshipName": "Account", "referenceTo": ["Account"]},
        {"name": "Name"}, {"name": "SerialNumber"},
        {"name": "Product2Id", "relationshipName": "Product2", "referenceTo": ["Product2"]},
    ],
    "Product2": [{"name": "Id"}, {"name": "Name"}],
    "Task": [
        {"name": "Id"}, {"name": "Subject"}, {"name": "Fsmkit_Key__c", "unique": True, "externalId": True},
        *({"name": name} for name in ("Description", "ActivityDate", "Priority", "OwnerId")),
        {"name": "WhatId", "relationshipName": "What", "referenceTo": ["WorkOrder", "Account"]},
    ],
}  # fmt: skip


def sf_describe(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
    sobject = urlsplit(request.url).path.split("/")[-2]
    limit = {"Sforce-Limit-Info": "api-usage=25/15000"}
    if sobject not in OBJECTS:
        body = [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]
        return 404, limit, json.dumps(body)
    return 200, limit, json.dumps({"name": sobject, "queryable": True, "fields": OBJECTS[sobject]})


def sf_checks(overrides: dict[str, Any], kinds: tuple[str, ...]) -> dict[str, Check]:
    """The doctor checks of a Salesforce connector reading only these kinds, against OBJECTS."""
    responses.post(
        f"{MY_DOMAIN}{TOKEN_PATH}", json={"access_token": "00Dxx!AQ-token", "instance_url": MY_DOMAIN}
    )
    responses.add_callback("GET", re.compile(f"{DATA}/sobjects/.*/describe"), callback=sf_describe)
    mapping = {kind: entry for kind, entry in load_mapping(SF_MAPPING, overrides).items() if kind in kinds}
    client = Client(MY_DOMAIN, OAuth(TOKEN_PATH, "client_credentials", "key", "secret"), sleep=lambda s: None)
    return {c.name: c for c in SalesforceConnector(client, mapping).check()}


@responses.activate
def test_salesforce_doctor_describes_each_object_once_and_follows_relationships() -> None:
    overrides = {
        "account": {"fields": {"notes": "description"}},  # SOQL names compare without regard to case
        "asset": {"fields": {"model": "Product2.Family", "serial": "SerialNumber", "site.name": "Name",
                             "site.timezone": "Name", "installed_on": "Name", "warranty_ends": "Name",
                             "status": "Name"}},
        "task": {"fields": {"related.work_order_id": "What.Name"}},
    }  # fmt: skip
    checks = sf_checks(overrides, ("account", "asset", "task"))
    paths = [urlsplit(c.request.url).path for c in responses.calls]
    assert paths == [TOKEN_PATH, *(f"/services/data/v62.0/sobjects/{o}/describe" for o in
                                   ("Account", "Asset", "Product2", "Task", "WorkOrder"))]  # fmt: skip
    # (Account is not asked again for What.Name: each object once)
    assert checks["fields Account"].ok
    assert (
        checks["fields Asset"].detail == "asset: no such field, or not visible to the user: Product2.Family"
    )
    assert checks["fields Task"].ok  # What.Name: Account has Name (WorkOrder, which the user cannot see, not)
    assert checks["Task.Fsmkit_Key__c"].ok
    assert checks["api usage"].detail == "api-usage 25/15000 (0.2%)"


@responses.activate
def test_salesforce_doctor_reports_an_object_the_user_cannot_see_as_a_mapping_problem() -> None:
    overrides = {"knowledge": {"object": "Known_Issue__c", "fields": {"id": "Id", "model": "Model__c"}}}
    checks = sf_checks(overrides, ("account", "knowledge", "task"))
    failed = checks["read Known_Issue__c"]
    assert (failed.ok, failed.kind) == (False, "input")
    assert failed.detail.endswith("NOT_FOUND - The requested resource does not exist")
    assert failed.hint == "correct the mapping's object (or give the integration user access to it)"
    assert checks["fields Account"].ok and checks["fields Task"].ok
