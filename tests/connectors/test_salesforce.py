"""The Salesforce connector: auth and limits, exact requests and mappings (responses), and the real CLI
against the emulator."""

from __future__ import annotations

import json
import logging
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
import responses
from click.testing import Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from emulators.demo_to_salesforce import CUSTOM_FIELDS, MAPPING, convert, load_folder, promises_file
from emulators.salesforce import CLIENT_SECRET as EMULATOR_SECRET
from emulators.salesforce import CONSUMER_KEY as EMULATOR_KEY
from emulators.salesforce import USERNAME, SalesforceEmulator, Soql
from emulators.salesforce import key_pair as emulator_key_pair

from fsmkit.connectors._rest import load_mapping
from fsmkit.connectors.salesforce import MAPPING_FILE, TOKEN_PATH, ApiLimits, SalesforceConnector
from fsmkit.demo import AS_OF, DATA_DIR
from fsmkit.errors import ConfigError, InputError, RecordError
from fsmkit.http import JWT_BEARER_GRANT, Backoff, Client, JwtBearer, OAuth, RequestFailed, auth_from_settings
from fsmkit.model import (
    Account,
    Asset,
    Calendar,
    Contact,
    Contract,
    Feedback,
    Pause,
    Related,
    Site,
    Task,
    Visit,
    WorkOrder,
)

MY_DOMAIN = "https://acme.my.salesforce.com"
LOGIN = "https://login.salesforce.com"
TOKEN = f"{MY_DOMAIN}/services/oauth2/token"
QUERY = f"{MY_DOMAIN}/services/data/v62.0/query"
CONSUMER_KEY = "3MVG9consumer-key"
CLIENT_SECRET = "sf-Client-Secret-9876"
ACCESS = ["00Dxx!AQ-first-access-token", "00Dxx!AQ-second-access-token"]
NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
DAILY_LIMIT = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
CONCURRENCY = [{"message": "ConcurrentPerOrgLongTxn Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
EMPTY = {"totalSize": 0, "done": True, "records": []}


@pytest.fixture(scope="module")
def key_pair() -> tuple[str, Any]:
    """A private key (PEM text) and its public key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, key.public_key()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(auth: Any = None, limits: ApiLimits | None = None, sleeps: Sleeps | None = None) -> Client:
    limits = limits or ApiLimits()
    return Client(
        MY_DOMAIN,
        auth or OAuth("/services/oauth2/token", "client_credentials", CONSUMER_KEY, CLIENT_SECRET),
        sleep=sleeps if sleeps is not None else Sleeps(),
        now=lambda: NOW,
        backoff=Backoff(rng=lambda: 0.5),
        on_request=limits.before,
        on_response=limits.after,
    )


def token_reply(access: str) -> dict[str, str]:
    return {"access_token": access, "instance_url": MY_DOMAIN, "id": f"{LOGIN}/id/00Dxx/005xx",
            "token_type": "Bearer", "issued_at": "1772452800000", "signature": "c2lnbmF0dXJl"}  # fmt: skip


def form(call: Any) -> dict[str, str]:
    return dict(parse_qsl(call.request.body))


# -- auth ------------------------------------------------------------------------------------------


@responses.activate
def test_client_credentials_against_my_domain_token_cached_for_the_run() -> None:
    responses.post(TOKEN, json=token_reply(ACCESS[0]))
    responses.get(QUERY, json=EMPTY)
    made = client()
    made.get_json("/services/data/v62.0/query", {"q": "SELECT Id FROM Account"})
    made.get_json("/services/data/v62.0/query", {"q": "SELECT Id FROM Asset"})
    assert [c.request.url.split("?")[0] for c in responses.calls] == [TOKEN, QUERY, QUERY]
    assert form(responses.calls[0]) == {
        "grant_type": "client_credentials",
        "client_id": CONSUMER_KEY,
        "client_secret": CLIENT_SECRET,
    }
    assert responses.calls[1].request.headers["Authorization"] == f"Bearer {ACCESS[0]}"


@responses.activate
def test_jwt_bearer_assertion_has_the_login_host_as_audience(key_pair: tuple[str, Any]) -> None:
    pem, public = key_pair
    responses.post(TOKEN, json=token_reply(ACCESS[0]))
    responses.get(QUERY, json=EMPTY)
    auth = JwtBearer("/services/oauth2/token", CONSUMER_KEY, "api@acme.example", pem, LOGIN)
    made = client(auth)
    made.get_json("/services/data/v62.0/query", {"q": "SELECT Id FROM Account"})
    made.get_json("/services/data/v62.0/query", {"q": "SELECT Id FROM Account"})
    assert len(responses.calls) == 3
    sent = form(responses.calls[0])
    assert sent["grant_type"] == JWT_BEARER_GRANT == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = jwt.decode(sent["assertion"], public, algorithms=["RS256"], audience=LOGIN,
                        options={"verify_exp": False})  # fmt: skip
    assert claims == {"iss": CONSUMER_KEY, "sub": "api@acme.example", "aud": LOGIN,
                      "exp": int(NOW.timestamp()) + 180}  # fmt: skip
    assert jwt.get_unverified_header(sent["assertion"])["alg"] == "RS256"


@responses.activate
def test_invalid_session_mints_a_new_token_once_and_repeats(key_pair: tuple[str, Any]) -> None:
    responses.post(TOKEN, json=token_reply(ACCESS[0]))
    responses.post(TOKEN, json=token_reply(ACCESS[1]))
    responses.get(QUERY, json=INVALID_SESSION, status=401)
    responses.get(QUERY, json=EMPTY)
    auth = JwtBearer("/services/oauth2/token", CONSUMER_KEY, "api@acme.example", key_pair[0], LOGIN)
    _, body = client(auth).get_json("/services/data/v62.0/query", {"q": "SELECT Id FROM Account"})
    assert body == EMPTY
    assert [c.request.url.split("?")[0] for c in responses.calls] == [TOKEN, QUERY, TOKEN, QUERY]
    assert responses.calls[3].request.headers["Authorization"] == f"Bearer {ACCESS[1]}"


@responses.activate
def test_a_second_invalid_session_is_a_platform_error_without_secrets(key_pair: tuple[str, Any]) -> None:
    responses.post(TOKEN, json=token_reply(ACCESS[0]))
    responses.post(TOKEN, json=token_reply(ACCESS[1]))
    responses.get(QUERY, json=INVALID_SESSION, status=401)
    auth = JwtBearer("/services/oauth2/token", CONSUMER_KEY, "api@acme.example", key_pair[0], LOGIN)
    with pytest.raises(RequestFailed) as failed:
        client(auth).get_json("/services/data/v62.0/query", {"q": "SELECT Id FROM Account"})
    assert str(failed.value) == (
        "GET /services/data/v62.0/query: HTTP 401 Unauthorized: INVALID_SESSION_ID - Session expired or "
        "invalid; check the profile's credentials"
    )
    assert len(responses.calls) == 4


def test_jwt_settings_read_the_key_file(tmp_path: Path, key_pair: tuple[str, Any]) -> None:
    (tmp_path / "sf.key").write_text(key_pair[0])
    settings = {"auth": "jwt", "client_id": CONSUMER_KEY, "username": "api@acme.example",
                "private_key_file": str(tmp_path / "sf.key"), "jwt_audience": "https://test.salesforce.com"}  # fmt: skip
    auth = auth_from_settings(settings, "/services/oauth2/token")
    assert isinstance(auth, JwtBearer) and auth.audience == "https://test.salesforce.com"
    with pytest.raises(ConfigError, match=r"^set username, private_key_file for the jwt bearer flow$"):
        auth_from_settings({"auth": "jwt", "client_id": "x", "jwt_audience": LOGIN}, "/t")
    with pytest.raises(ConfigError, match=r"^private_key_file: cannot read .*nope\.key \(No such file"):
        auth_from_settings({**settings, "private_key_file": str(tmp_path / "nope.key")}, "/t")
    (tmp_path / "bad.key").write_text("not a key")
    bad = auth_from_settings({**settings, "private_key_file": str(tmp_path / "bad.key")}, "/t")
    with pytest.raises(ConfigError, match=r"^private_key_file: cannot sign the JWT assertion"):
        bad.assertion(NOW)


# -- limits ----------------------------------------------------------------------------------------


def usage(used: int, limit: int = 15000) -> dict[str, str]:
    return {"Sforce-Limit-Info": f"api-usage={used}/{limit}"}


@responses.activate
def test_usage_is_read_from_every_reply() -> None:
    responses.post(TOKEN, json=token_reply(ACCESS[0]))
    responses.get(QUERY, json=EMPTY, headers=usage(41))
    responses.get(QUERY, json=EMPTY, headers={"Sforce-Limit-Info": "api-usage=42/15000; api-bursts=1/750"})
    limits = ApiLimits()
    made = client(limits=limits)
    assert limits.describe() == "api-usage unknown (no reply carried Sforce-Limit-Info)"
    made.get_json("/services/data/v62.0/query")
    assert (limits.used, limits.max) == (41, 15000)
    made.get_json("/services/data/v62.0/query")
    assert limits.describe() == "api-usage 42/15000 (0.3%)"


@responses.activate
def test_the_budget_stops_before_a_request_that_would_pass_it() -> None:
    responses.post(TOKEN, json=token_reply(ACCESS[0]))
    responses.get(QUERY, json=EMPTY, headers=usage(1499))
    responses.get(QUERY, json=EMPTY, headers=usage(1500))
    limits = ApiLimits(budget=0.1)
    made = client(limits=limits)
    made.get_json("/services/data/v62.0/query")
    made.get_json("/services/data/v62.0/query")
    with pytest.raises(RequestFailed) as failed:
        made.get_json("/services/data/v62.0/query")
    assert str(failed.value) == (
        "GET /services/data/v62.0/query: not sent: the org's API usage is 1500 of 15000 and the profile's "
        "api_budget 0.1 allows fsmkit up to 1500; raise api_budget or try again when the org's 24-hour "
        "usage has fallen"
    )
    assert len(responses.calls) == 3


@responses.activate
def test_the_daily_limit_stops_at_once_with_a_clear_error() -> None:
    responses.post(TOKEN, json=token_reply(ACCESS[0]))
    responses.get(QUERY, json=DAILY_LIMIT, status=403, headers=usage(15000))
    sleeps = Sleeps()
    with pytest.raises(RequestFailed) as failed:
        client(sleeps=sleeps).get_json("/services/data/v62.0/query", {"q": "SELECT Id FROM Account"})
    assert str(failed.value) == (
        "GET /services/data/v62.0/query: Salesforce refused the request: the org's daily API allocation is "
        "used up (REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.; api-usage 15000/15000 (100.0%)); "
        "try again when the 24-hour usage has fallen, or ask the admin for a higher allocation"
    )
    assert failed.value.status == 403
    assert (len(responses.calls), sleeps) == (2, [])


@responses.activate
def test_the_concurrency_limit_backs_off_and_retries() -> None:
    responses.post(TOKEN, json=token_reply(ACCESS[0]))
    responses.get(QUERY, json=CONCURRENCY, status=403)
    responses.get(QUERY, json=CONCURRENCY, status=403)
    responses.get(QUERY, json=EMPTY)
    sleeps = Sleeps()
    _, body = client(sleeps=sleeps).get_json("/services/data/v62.0/query")
    assert body == EMPTY
    assert sleeps == [1.5, 2.5]


@responses.activate
@pytest.mark.parametrize("status", [503, 429])
def test_unavailable_and_too_many_requests_honour_retry_after(status: int) -> None:
    responses.post(TOKEN, json=token_reply(ACCESS[0]))
    responses.get(QUERY, body="Service Unavailable", status=status, headers={"Retry-After": "7"})
    responses.get(QUERY, json=EMPTY)
    sleeps = Sleeps()
    client(sleeps=sleeps).get_json("/services/data/v62.0/query")
    assert sleeps == [7.0]


@responses.activate
def test_other_forbidden_replies_are_not_retried() -> None:
    responses.post(TOKEN, json=token_reply(ACCESS[0]))
    error = [{"message": "insufficient access rights on object id", "errorCode": "INSUFFICIENT_ACCESS"}]
    responses.get(QUERY, json=error, status=403)
    with pytest.raises(RequestFailed, match=r"HTTP 403 Forbidden: INSUFFICIENT_ACCESS - insufficient"):
        client().get_json("/services/data/v62.0/query")
    assert len(responses.calls) == 2


@responses.activate
def test_no_secret_in_logs_or_errors(caplog: pytest.LogCaptureFixture, key_pair: tuple[str, Any]) -> None:
    responses.post(TOKEN, json=token_reply(ACCESS[0]))
    responses.post(TOKEN, json={"error": "invalid_grant", "error_description": "expired access/refresh token"},
                   status=400)  # fmt: skip
    responses.get(QUERY, json=INVALID_SESSION, status=401)
    auth = JwtBearer("/services/oauth2/token", CONSUMER_KEY, "api@acme.example", key_pair[0], LOGIN)
    made = client(auth)
    with caplog.at_level(logging.DEBUG, logger="fsmkit.http"), pytest.raises(RequestFailed) as failed:
        made.get_json("/services/data/v62.0/query", {"q": "SELECT Id FROM Account"})
    text = caplog.text + str(failed.value)
    assert "invalid_grant - expired access/refresh token" in text
    assertion = form(responses.calls[0])["assertion"]
    for secret in (ACCESS[0], assertion, key_pair[0].splitlines()[1]):
        assert secret not in text


# -- the connector's requests and mappings (responses) ---------------------------------------------


def sf_connector(mapping: dict[str, Any] | None = None, **options: Any) -> SalesforceConnector:
    made = Client(
        MY_DOMAIN,
        OAuth(TOKEN_PATH, "client_credentials", CONSUMER_KEY, CLIENT_SECRET),
        sleep=lambda seconds: None,
    )
    return SalesforceConnector(made, load_mapping(MAPPING_FILE, mapping), **options)


def page(sobject: str, rows: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    """A query page in the reference shape (attributes on every record)."""
    records = [{"attributes": {"type": sobject, "url": f"/services/data/v62.0/sobjects/{sobject}/{r['Id']}"}, **r}
               for r in rows]  # fmt: skip
    body: dict[str, Any] = {"totalSize": len(rows), "done": next_url is None, "records": records}
    if next_url:
        body["nextRecordsUrl"] = next_url
    return body


def mock_query(*pages: dict[str, Any]) -> None:
    responses.post(TOKEN, json=token_reply(ACCESS[0]))
    for body in pages:
        url = QUERY + (body.pop("_path", "") if "_path" in body else "")
        responses.get(url, json=body, headers=usage(10))


def queries() -> list[str]:
    """The SOQL of every query request, and the path of every page request, in order."""
    out = []
    for call in responses.calls:
        parts = urlsplit(call.request.url)
        if parts.path.endswith("/query"):
            out.append(dict(parse_qsl(parts.query))["q"])
        elif "/query/" in parts.path:
            out.append(parts.path)
    return out


WO_FIELDS = ("Id, WorkOrderNumber, AccountId, AssetId, ServiceContractId, MaintenancePlanId, Priority, StatusCategory, "
             "Status, Subject, Description, CreatedDate, EndDate, Location.Name, Location.TimeZone")  # fmt: skip
WORK_ORDER = {
    "Id": "0WO5g00000AbCdEFGH", "WorkOrderNumber": "00001042", "AccountId": "001A", "AssetId": "02iA",
    "ServiceContractId": "810A", "MaintenancePlanId": None, "Priority": "Critical", "StatusCategory": "Closed",
    "Status": "Closed", "Subject": "Walk-in cooler warm", "Description": "Alarm E42 at 05:10",
    "CreatedDate": "2026-03-02T07:00:00.000+0000", "EndDate": "2026-03-02T11:30:00.000+0000",
    "Location": {"attributes": {"type": "Location", "url": "/services/data/v62.0/sobjects/Location/131A"},
                 "Name": "Store 3", "TimeZone": "Europe/Berlin"},
}  # fmt: skip
# The reference ServiceAppointment record (../shared/reference/salesforce/serviceappointment-record.json), trimmed.
APPOINTMENT = {
    "attributes": {"type": "ServiceAppointment", "url": "/services/data/v57.0/sobjects/ServiceAppointment/08pS7000000019BIAQ"},
    "Id": "08pS7000000019BIAQ", "AppointmentNumber": "SA-0004", "ParentRecordId": "001S7000001pFlJIAU",
    "ParentRecordType": "Account", "EarliestStartTime": "2023-03-13T17:31:23.000+0000",
    "DueDate": "2023-03-20T17:31:23.000+0000", "ArrivalWindowStartTime": "2023-03-15T18:00:00.000+0000",
    "ArrivalWindowEndTime": "2023-03-15T19:00:00.000+0000", "Status": "Scheduled",
    "SchedStartTime": "2023-03-15T18:00:00.000+0000", "SchedEndTime": "2023-03-15T19:00:00.000+0000",
    "ActualStartTime": None, "ActualEndTime": None, "StatusCategory": "Scheduled", "ServiceNote": None,
}  # fmt: skip


@responses.activate
def test_work_orders_send_exact_queries_and_map_every_field() -> None:
    later = {**WORK_ORDER, "Id": "0WO5g00000AbCdEFGI", "WorkOrderNumber": "00001043", "MaintenancePlanId": "1MPA",
             "Priority": "Low", "StatusCategory": "InProgress", "Status": "On Hold", "EndDate": "2026-03-09T10:00:00.000+0000",
             "CreatedDate": "2026-03-03T07:00:00.000+0000", "Location": None}  # fmt: skip
    appointment = {**APPOINTMENT, "ParentRecordId": WORK_ORDER["Id"], "ActualStartTime": "2023-03-15T18:20:00.000+0000",
                   "ActualEndTime": "2023-03-15T19:40:00.000+0000", "ServiceNote": "Relay replaced"}  # fmt: skip
    mock_query(
        {**page("WorkOrder", [WORK_ORDER], "/services/data/v62.0/query/01gEMU-1")},
        {**page("WorkOrder", [later]), "_path": "/01gEMU-1"},
        page("ServiceAppointment", [appointment]),
        page(
            "AssignedResource",
            [
                {
                    "Id": "03rA",
                    "ServiceAppointmentId": APPOINTMENT["Id"],
                    "ServiceResource": {
                        "attributes": {"type": "ServiceResource", "url": "x"},
                        "Name": "Jonas Weber",
                    },
                }
            ],
        ),
        page(
            "WorkOrderHistory",
            [
                {
                    "Id": "0whA",
                    "WorkOrderId": later["Id"],
                    "CreatedDate": "2026-03-03T09:00:00.000+0000",
                    "NewValue": "On Hold",
                },
                {
                    "Id": "0whB",
                    "WorkOrderId": later["Id"],
                    "CreatedDate": "2026-03-03T10:00:00.000+0000",
                    "NewValue": "In Progress",
                },
                {
                    "Id": "0whC",
                    "WorkOrderId": later["Id"],
                    "CreatedDate": "2026-03-04T08:00:00.000+0000",
                    "NewValue": "On Hold",
                },
            ],
        ),
    )
    since, until = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, 0, 0, 0, 500, tzinfo=UTC)
    orders = list(sf_connector().work_orders(since, until, account_ids=["001A"]))
    ids = f"'{WORK_ORDER['Id']}', '{later['Id']}'"
    assert queries() == [
        f"SELECT {WO_FIELDS} FROM WorkOrder WHERE CreatedDate >= 2026-03-01T00:00:00Z AND CreatedDate < "
        "2026-04-01T00:00:01Z AND AccountId IN ('001A') ORDER BY CreatedDate, Id",
        "/services/data/v62.0/query/01gEMU-1",
        "SELECT Id, ArrivalWindowStartTime, ArrivalWindowEndTime, ActualStartTime, ActualEndTime, ServiceNote, "
        f"ParentRecordId FROM ServiceAppointment WHERE ParentRecordId IN ({ids}) ORDER BY ParentRecordId, "
        "ArrivalWindowStartTime, Id",
        "SELECT ServiceResource.Name, ServiceAppointmentId FROM AssignedResource WHERE "
        f"ServiceAppointment.ParentRecordId IN ({ids}) ORDER BY ServiceAppointmentId, Id",
        "SELECT CreatedDate, NewValue, WorkOrderId FROM WorkOrderHistory WHERE Field = 'Status' AND WorkOrderId IN "
        f"({ids}) ORDER BY WorkOrderId, CreatedDate, Id",
    ]
    headers = responses.calls[1].request.headers
    assert (headers["Sforce-Query-Options"], headers["Authorization"]) == (
        "batchSize=2000",
        f"Bearer {ACCESS[0]}",
    )
    berlin = datetime.fromisoformat
    assert orders == [
        WorkOrder(id=WORK_ORDER["Id"], account_id="001A", kind="corrective", state="closed",
                  opened_at=berlin("2026-03-02T07:00:00+00:00"), number="00001042", asset_id="02iA", contract_id="810A",
                  site=Site(name="Store 3", timezone="Europe/Berlin"), priority="P1", status="Closed",
                  summary="Walk-in cooler warm", description="Alarm E42 at 05:10",
                  resolved_at=berlin("2026-03-02T11:30:00+00:00"),
                  visits=[Visit(id=APPOINTMENT["Id"], technician="Jonas Weber",
                                window_start=berlin("2023-03-15T18:00:00+00:00"),
                                window_end=berlin("2023-03-15T19:00:00+00:00"),
                                arrived_at=berlin("2023-03-15T18:20:00+00:00"),
                                departed_at=berlin("2023-03-15T19:40:00+00:00"), notes="Relay replaced")]),
        WorkOrder(id=later["Id"], account_id="001A", kind="preventive", state="open",
                  opened_at=berlin("2026-03-03T07:00:00+00:00"), number="00001043", asset_id="02iA", contract_id="810A",
                  priority="P4", status="On Hold", summary="Walk-in cooler warm", description="Alarm E42 at 05:10",
                  resolved_at=None,  # EndDate counts only once the status category is Completed or Closed
                  pauses=[Pause(start=berlin("2026-03-03T09:00:00+00:00"), end=berlin("2026-03-03T10:00:00+00:00"),
                                reason="On Hold"),
                          Pause(start=berlin("2026-03-04T08:00:00+00:00"), reason="On Hold")]),
    ]  # fmt: skip


@responses.activate
def test_one_work_order_by_number_then_by_id() -> None:
    mock_query(page("WorkOrder", []), page("WorkOrder", []))
    assert sf_connector().work_order("WO-1'; x") is None
    assert queries() == [
        f"SELECT {WO_FIELDS} FROM WorkOrder WHERE WorkOrderNumber = 'WO-1\\'; x' ORDER BY Id",
        f"SELECT {WO_FIELDS} FROM WorkOrder WHERE (Id = 'WO-1\\'; x' OR WorkOrderNumber = 'WO-1\\'; x') ORDER BY Id",
    ]


@responses.activate
def test_accounts_with_contacts_and_custom_fields_by_mapping() -> None:
    mock_query(
        page("Account", [{"Id": "001A", "Name": "Hansa", "Description": "Three stores", "Tier__c": "gold",
                          "Feedback__c": '[{"at": "2026-02-12T09:10:00+01:00", "score": 1}]'}]),
        page("Contact", [{"Id": "003A", "Name": "Petra Vogel", "Title": "Head of Facilities", "Phone": "+49 30 1",
                          "Email": "p@example.com", "AccountId": "001A"}]),
    )  # fmt: skip
    mapping = {"account": {"fields": {"tier": "Tier__c", "feedback": {"field": "Feedback__c", "json": True}}}}
    accounts = list(sf_connector(mapping, default_timezone="Europe/Berlin").accounts(["001A"]))
    assert queries() == [
        "SELECT Id, Name, Description, Tier__c, Feedback__c FROM Account WHERE Id IN ('001A') ORDER BY Id",
        "SELECT Name, Title, Phone, Email, AccountId FROM Contact WHERE AccountId IN ('001A') ORDER BY Id",
    ]
    assert accounts == [
        Account(id="001A", name="Hansa", tier="gold", timezone="Europe/Berlin", notes="Three stores",
                contacts=[Contact(name="Petra Vogel", role="Head of Facilities", phone="+49 30 1", email="p@example.com")],
                feedback=[Feedback(at=datetime.fromisoformat("2026-02-12T09:10:00+01:00"), score=1)])
    ]  # fmt: skip


@responses.activate
def test_assets_with_product_and_contract_line_items() -> None:
    mock_query(
        page("Asset", [{"Id": "02iA", "AccountId": "001A", "Name": "Chiller 1", "SerialNumber": "S-1",
                        "InstallDate": "2022-09-11", "UsageEndDate": "2025-09-10", "Status": "Installed",
                        "Product2": {"attributes": {"type": "Product2", "url": "x"}, "Name": "ArcticFlow CU-7"},
                        "Location": None}]),
        page("ContractLineItem", [{"Id": "811A", "ServiceContractId": "810A", "AssetId": "02iA"}]),
    )  # fmt: skip
    assets = list(sf_connector().assets(["001A"]))
    assert queries() == [
        "SELECT Id, AccountId, Name, Product2.Name, SerialNumber, InstallDate, UsageEndDate, Status, Location.Name, "
        "Location.TimeZone FROM Asset WHERE AccountId IN ('001A') ORDER BY Id",
        "SELECT ServiceContractId, AssetId FROM ContractLineItem WHERE AssetId IN ('02iA') ORDER BY Id",
    ]
    assert assets == [Asset(id="02iA", account_id="001A", name="Chiller 1", model="ArcticFlow CU-7", serial="S-1",
                            installed_on=date(2022, 9, 11), warranty_ends=date(2025, 9, 10), contract_id="810A",
                            status="Installed")]  # fmt: skip


@responses.activate
def test_business_hours_and_holidays() -> None:
    times = {f"{d}{e}Time": None for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                           "Sunday") for e in ("Start", "End")}  # fmt: skip
    times.update(MondayStartTime="08:00:00.000Z", MondayEndTime="18:00:00.000Z", SundayStartTime="00:00:00.000Z",
                 SundayEndTime="00:00:00.000Z")  # fmt: skip
    mock_query(
        page("BusinessHours", [{"Id": "01mA", "TimeZoneSidKey": "Europe/Berlin", **times}]),
        page("Holiday", [{"Id": "0C0A", "ActivityDate": "2026-12-25"}, {"Id": "0C0B", "ActivityDate": "2026-10-03"}]),
    )  # fmt: skip
    calendars = list(sf_connector().calendars())
    day_fields = ", ".join(times)
    assert queries() == [
        f"SELECT Id, TimeZoneSidKey, {day_fields} FROM BusinessHours ORDER BY Id",
        "SELECT ActivityDate FROM Holiday ORDER BY Id",
    ]
    assert calendars == [Calendar(id="01mA", timezone="Europe/Berlin",
                                  weekly={"mon": [("08:00", "18:00")], "tue": [], "wed": [], "thu": [], "fri": [],
                                          "sat": [], "sun": [("00:00", "24:00")]},
                                  holidays=[date(2026, 10, 3), date(2026, 12, 25)])]  # fmt: skip


@responses.activate
def test_contracts_take_the_calendar_of_their_entitlement() -> None:
    mock_query(
        page("ServiceContract", [{"Id": "810A", "ContractNumber": "00000031", "Name": "Gold Care", "AccountId": "001A",
                                  "StartDate": "2025-10-01", "EndDate": "2027-09-30"}]),
        page("Entitlement", [{"Id": "550A", "BusinessHoursId": "01mA", "ServiceContractId": "810A"}]),
    )  # fmt: skip
    contracts = list(sf_connector().contracts())
    assert queries() == [
        "SELECT Id, ContractNumber, Name, AccountId, StartDate, EndDate FROM ServiceContract ORDER BY Id",
        "SELECT BusinessHoursId, ServiceContractId FROM Entitlement WHERE ServiceContractId IN ('810A') ORDER BY Id",
    ]
    assert contracts == [Contract(id="810A", account_id="001A", starts_on=date(2025, 10, 1), ends_on=date(2027, 9, 30),
                                  number="00000031", name="Gold Care", calendar_id="01mA")]  # fmt: skip


COLLECTIONS = f"{MY_DOMAIN}/services/data/v62.0/composite/sobjects"


@responses.activate
def test_push_queries_keys_with_in_then_creates_in_collections_of_200() -> None:
    tasks = [Task(key=f"fsmkit-{n:04d}", subject=f"Follow up {n}", priority="P1", queue="service_manager",
                  due_on=date(2026, 3, 9), related=Related(account_id="001A", work_order_id="0WOA" if n else None))
             for n in range(203)]  # fmt: skip
    mock_query(page("Task", [{"Id": "00TA", "Fsmkit_Key__c": "fsmkit-0002"}]), page("Task", []))
    duplicate = {"success": False, "errors": [{"statusCode": "DUPLICATE_VALUE", "fields": ["Fsmkit_Key__c"],
                 "message": "duplicate value found: Fsmkit_Key__c duplicates value on record with id: 00TB"}]}  # fmt: skip
    refused = {"success": False, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields "
               "are missing: [Subject]", "fields": ["Subject"]}]}  # fmt: skip
    first = [{"id": f"00T{n:03d}", "success": True, "errors": []} for n in range(200)]
    first[0], first[1] = duplicate, refused
    responses.post(COLLECTIONS, json=first)
    responses.post(
        COLLECTIONS,
        json=[{"id": "00TZ", "success": True, "errors": []}, {"id": "00TY", "success": True, "errors": []}],
    )
    results = sf_connector(queues={"service_manager": "00G5g000004XyZa"}).push_tasks(tasks)
    assert queries()[0].startswith(
        "SELECT Fsmkit_Key__c, Id FROM Task WHERE Fsmkit_Key__c IN ('fsmkit-0000', "
    )
    assert (
        queries()[1]
        == "SELECT Fsmkit_Key__c, Id FROM Task WHERE Fsmkit_Key__c IN ('fsmkit-0200', 'fsmkit-0201', 'fsmkit-0202') ORDER BY Id"
    )
    posts = [
        json.loads(c.request.body)
        for c in responses.calls
        if c.request.method == "POST" and "composite" in c.request.url
    ]
    assert [len(p["records"]) for p in posts] == [200, 2] and all(p["allOrNone"] is False for p in posts)
    assert posts[0]["records"][0] == {"attributes": {"type": "Task"}, "Fsmkit_Key__c": "fsmkit-0000", "Subject": "Follow up 0",
                                      "ActivityDate": "2026-03-09", "Priority": "High", "OwnerId": "00G5g000004XyZa",
                                      "WhatId": "001A"}  # fmt: skip
    assert posts[0]["records"][1]["WhatId"] == "0WOA"
    assert [r.outcome for r in results[:4]] == ["exists", "failed", "exists", "created"]
    assert results[1].error == "REQUIRED_FIELD_MISSING: Required fields are missing: [Subject]"
    assert (results[2].platform_id, results[3].platform_id, results[202].platform_id) == (
        "00TA",
        "00T002",
        "00TY",
    )


@responses.activate
def test_existing_task_keys_with_a_custom_key_field(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SF_SECRET", CLIENT_SECRET)
    connector = SalesforceConnector.from_settings({"connector": "salesforce", "instance_url": MY_DOMAIN, "auth": "oauth",
                                                   "client_id": CONSUMER_KEY, "client_secret_env": "SF_SECRET",
                                                   "task_key_field": "Key__c", "api_version": "61.0"})  # fmt: skip
    responses.post(TOKEN, json=token_reply(ACCESS[0]))
    responses.get(
        f"{MY_DOMAIN}/services/data/v61.0/query", json=page("Task", [{"Id": "00TA", "Key__c": "k1"}])
    )
    assert connector.existing_task_keys(["k1", "k2"]) == {"k1"}
    assert dict(parse_qsl(urlsplit(responses.calls[1].request.url).query))["q"] == (
        "SELECT Key__c, Id FROM Task WHERE Key__c IN ('k1', 'k2') ORDER BY Id"
    )
    with pytest.raises(ConfigError, match=r"^set auth to oauth \(client credentials\) or jwt"):
        SalesforceConnector.from_settings(
            {"connector": "salesforce", "instance_url": MY_DOMAIN, "auth": "basic"}
        )


@responses.activate
def test_a_record_that_cannot_be_mapped_names_object_id_and_field() -> None:
    mock_query(page("WorkOrder", [{**WORK_ORDER, "CreatedDate": "yesterday"}]))
    with pytest.raises(InputError) as caught:
        list(sf_connector().work_orders(None))
    assert str(caught.value) == (
        "Salesforce WorkOrder 0WO5g00000AbCdEFGH: field opened_at: 'yesterday' is not a Salesforce date-time "
        "(2026-03-01T07:00:00.000+0000)"
    )


# -- end to end: the real CLI against the emulator serving the demo business -------------------------


DEMO = load_folder(DATA_DIR)
EMULATOR_KEYS = emulator_key_pair()
PAUSING = ["On Hold", "Awaiting Parts", "Awaiting Customer"]


@pytest.fixture
def org() -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator(
        convert(DEMO), custom_fields=CUSTOM_FIELDS, public_key=EMULATOR_KEYS[1]
    ) as running:
        yield running


@pytest.fixture
def profile(
    org: SalesforceEmulator, config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., None]:
    """Write an `sf` profile for the emulator (client credentials unless jwt=True)."""
    promises = tmp_path / "promises.json"
    promises.write_text(json.dumps(promises_file(DEMO)))
    key_file = tmp_path / "sf.key"
    key_file.write_text(EMULATOR_KEYS[0])
    monkeypatch.setenv("SF_CLIENT_SECRET", EMULATOR_SECRET)

    def write(jwt: bool = False, **settings: Any) -> None:
        auth = (
            {"auth": "jwt", "username": USERNAME, "private_key_file": str(key_file)}
            if jwt
            else {"auth": "oauth", "client_secret_env": "SF_CLIENT_SECRET"}
        )
        values = {"connector": "salesforce", "instance_url": org.url, "client_id": EMULATOR_KEY,
                  "promises_file": str(promises), "as_of": AS_OF, "pause_statuses": PAUSING,
                  "retry_max_seconds": 30, **auth, **settings}  # fmt: skip
        lines = [f"{key} = {json.dumps(value)}" for key, value in values.items()]
        tables = [f"[profiles.sf.mapping.{kind}]\n" + "".join(
            f"{k} = {json.dumps(v)}\n" for k, v in entry.items() if k != "fields") +
            f"[profiles.sf.mapping.{kind}.fields]\n" + "".join(f'"{k}" = {_toml(v)}\n' for k, v in entry.get("fields", {}).items())
            for kind, entry in MAPPING.items()]  # fmt: skip
        config_file.write_text("[profiles.sf]\n" + "\n".join(lines) + "\n" + "\n".join(tables))

    return write


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return "true" if value is True else json.dumps(value)


COMMANDS = [("audit", "--since", "2025-01-01"), ("repeats",), ("brief", "wo-000532"), ("brief", "WO0010245")]
IDS = ["audit", "repeats", "brief-by-id", "brief-by-number"]


def output(run: Callable[..., Result], profile: str, *command: str) -> Any:
    result = run("--profile", profile, *command, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_same_findings_as_the_files_connector(
    run: Callable[..., Result], profile: Callable[..., None], command: tuple[str, ...]
) -> None:
    profile()
    expected = output(run, "demo", *command)
    if command[0] != "brief":
        assert len(expected["findings"]) > 40
    assert output(run, "sf", *command) == expected


@pytest.mark.parametrize("command", [COMMANDS[0], COMMANDS[2], ("doctor",)], ids=["audit", "brief", "doctor"])
def test_same_results_under_token_expiry_and_503s_without_a_secret_in_any_output(
    run: Callable[..., Result], profile: Callable[..., None], org: SalesforceEmulator,
    caplog: pytest.LogCaptureFixture, command: tuple[str, ...],
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG, logger="fsmkit.http")
    profile(jwt=True)
    expected = run("--profile", "sf", *command, "--format", "json")
    assert expected.exit_code == 0, expected.stdout + expected.stderr
    tokens_before = org.counts()["/services/oauth2/token"]
    org.fail(2, 503, retry_after=0)
    org.limit_exceeded(1)
    org.expire_tokens_after(4)
    result = run("-vv", "--profile", "sf", *command, "--format", "json")
    assert result.exit_code == 0, result.stderr
    if command[0] == "doctor":  # the usage it reports has grown; everything else is the same
        usage_free = re.compile(r"api-usage \d+/15000 \(\d+\.\d%\)")
        assert usage_free.sub("", result.stdout) == usage_free.sub("", expected.stdout)
    else:
        assert result.stdout == expected.stdout
        assert json.loads(result.stdout) == output(run, "demo", *command)
    assert org.counts()["/services/oauth2/token"] - tokens_before == 2  # one per run, one after the expiry
    everything = result.stdout + result.stderr + "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP 503 Service Unavailable; retrying in 0.0s" in everything
    assert "REQUEST_LIMIT_EXCEEDED - ConcurrentPerOrgLongTxn Limit exceeded.; retrying in" in everything
    assert ": HTTP 401; refreshing the credentials once" in everything
    read = r"(query|sobjects/\w+/describe)"  # doctor describes the objects
    assert re.search(rf"^fsmkit: GET /services/data/v62\.0/{read} -> 200 in \d+ ms$", result.stderr, re.M)
    secrets = [EMULATOR_SECRET, "00DEMU000000001!AQ", EMULATOR_KEYS[0].splitlines()[1]]
    secrets += [recorded_form(r)["assertion"] for r in org.requests if r.path == "/services/oauth2/token"]
    for secret in secrets:
        assert secret not in everything


def recorded_form(recorded: Any) -> dict[str, str]:
    return dict(parse_qsl(recorded.body.decode()))


def test_doctor_passes_and_shows_api_usage(run: Callable[..., Result], profile: Callable[..., None],
                                           org: SalesforceEmulator) -> None:  # fmt: skip
    profile(api_budget=0.5)
    result = run("--profile", "sf", "doctor", "--format", "json")
    assert result.exit_code == 0, result.stdout
    checks = {c["name"]: (c["ok"], c["detail"]) for c in json.loads(result.stdout)["checks"]}
    kinds = {"Account": "account", "Contact": "contact", "Asset": "asset", "ContractLineItem": "contract_line",
             "BusinessHours": "calendar", "Holiday": "holiday", "ServiceContract": "contract",
             "Entitlement": "entitlement", "WorkOrder": "work_order", "ServiceAppointment": "visit",
             "AssignedResource": "assignment", "WorkOrderHistory": "pause", "Task": "task",
             "Knowledge_Note__c": "knowledge"}  # every object a mapped kind reads, in mapping order  # fmt: skip
    assert list(checks) == ["profile", *(f"{c} {o}" for o in kinds for c in ("read", "fields")),
                            "Task.Fsmkit_Key__c", "api usage"]  # fmt: skip
    for sobject, kind in kinds.items():
        assert checks[f"read {sobject}"] == (True, f"{kind}: readable")
        assert checks[f"fields {sobject}"] == (True, f"{kind}: every mapped field is there")
    assert checks["Task.Fsmkit_Key__c"] == (True, "exists and is Unique")
    assert checks["api usage"] == (True, "api-usage 17/15000 (0.1%); api_budget 0.5 allows 7500")
    # one describe per object, and per object a relationship field leads to (Product2.Name, Location.*,
    # ServiceResource.Name); the holidays carry their business hours (a custom lookup): nothing to say
    described = [r.path.split("/")[-2] for r in org.requests if r.path.endswith("/describe")]
    assert described == [*list(kinds)[:3], "Product2", "Location", *list(kinds)[3:11], "ServiceResource",
                         *list(kinds)[11:]]  # fmt: skip
    assert len(org.requests) == len(described) + 1  # and the token


def test_doctor_finds_a_key_field_that_is_not_unique(
    run: Callable[..., Result], profile: Callable[..., None], org: SalesforceEmulator
) -> None:
    org.unique = {}
    profile()
    result = run("--profile", "sf", "doctor", "--format", "json")
    failed = [(c["name"], c["detail"], c["hint"]) for c in json.loads(result.stdout)["checks"] if not c["ok"]]
    assert failed == [("Task.Fsmkit_Key__c", "Fsmkit_Key__c is not Unique: a push could create a task twice",
                       "mark Fsmkit_Key__c Unique (and External ID)")]  # fmt: skip
    assert result.exit_code == 2


def test_push_creates_tasks_once(
    run: Callable[..., Result], profile: Callable[..., None], org: SalesforceEmulator
) -> None:
    profile()
    audit = run("--profile", "sf", "audit", "--since", "2025-01-01", "--format", "jsonl").stdout
    first = run("--profile", "sf", "push", "-", "--format", "jsonl", input=audit)
    assert first.exit_code == 0, first.stderr
    created = [json.loads(line) for line in first.stdout.splitlines()]
    assert first.stderr == f"{len(created)} created, 0 exists, 0 failed of {len(created)} tasks from stdin\n"
    assert len(org.objects["Task"]) == len(created) > 100
    assert {t["Fsmkit_Key__c"] for t in org.objects["Task"]} == {r["key"] for r in created}
    posts = [r for r in org.requests if r.path.endswith("/composite/sobjects")]
    assert len(posts) == 1
    second = run("--profile", "sf", "push", "-", "--format", "jsonl", input=audit)
    assert second.stderr == f"0 created, {len(created)} exists, 0 failed of {len(created)} tasks from stdin\n"
    assert (
        len(org.objects["Task"]) == len(created)
        and len([r for r in org.requests if r.path.endswith("/composite/sobjects")]) == 1
    )


FAULTS = {
    "unavailable": (lambda org: org.fail(1000, 503, retry_after=0),
                    "GET /services/data/v62.0/query failed after 2 attempts over 0s; last: HTTP 503 Service Unavailable"),
    "malformed": (lambda org: org.malform(1000),
                  "GET /services/data/v62.0/query: the reply (HTTP 200, 50 bytes) is not valid JSON: unexpected end of "
                  "data: line 1 column 51 (char 50)"),
    "daily limit": (lambda org: org.limit_exceeded(1000, daily=True),
                    "GET /services/data/v62.0/query: Salesforce refused the request: the org's daily API allocation is "
                    "used up (REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.; api-usage 1/15000 (0.0%); api_budget 0.5 "
                    "allows 7500); try "
                    "again when the 24-hour usage has fallen, or ask the admin for a higher allocation"),
    "slow": (lambda org: org.slow(1000, 0.6),
             "GET /services/data/v62.0/query failed after 1 attempt over 0s; last: no reply within 0.25s"),
    "budget": (lambda org: setattr(org, "used", 7499),
               "GET /services/data/v62.0/query: not sent: the org's API usage is 7500 of 15000 and the profile's "
               "api_budget 0.5 allows fsmkit up to 7500; raise api_budget or try again when the org's 24-hour usage "
               "has fallen"),
}  # fmt: skip


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_faults_exit_3_with_one_line_and_no_output_file(
    run: Callable[..., Result],
    profile: Callable[..., None],
    org: SalesforceEmulator,
    tmp_path: Path,
    fault: str,
) -> None:
    # Retry-After 0 makes 503 retries instant; a timeout is tried once (its backoff would really sleep).
    profile(
        retry_attempts=1 if fault == "slow" else 2, retry_max_seconds=5, timeout_seconds=0.25, api_budget=0.5
    )
    switch, message = FAULTS[fault]
    switch(org)
    target = tmp_path / "findings.json"
    result = run(
        "--profile", "sf", "audit", "--since", "2025-01-01", "--format", "json", "--output", str(target)
    )
    assert (result.exit_code, result.stdout) == (3, "")
    assert not target.exists()
    assert result.stderr == f"fsmkit: error: {message}\n"


# -- what a brief costs --------------------------------------------------------------------------------


# The work order by number, then by id (the demo's ids are not Salesforce-shaped), then the account's history.
BRIEF_COST = {"WorkOrder": 3, "ServiceAppointment": 2, "AssignedResource": 2, "WorkOrderHistory": 2, "Account": 1,
              "Contact": 1, "Asset": 1, "ContractLineItem": 1, "ServiceContract": 1, "Entitlement": 1,
              "BusinessHours": 1, "Holiday": 1, "Knowledge_Note__c": 1}  # fmt: skip


def lengthen_history(org: SalesforceEmulator, account: str, copies: int) -> int:
    """Copy every work order of the account (with its appointments, resources and history) `copies` times."""
    orders = [w for w in list(org.objects["WorkOrder"]) if w["AccountId"] == account]
    ids = {w["Id"] for w in orders}
    for n in range(1, copies + 1):
        for order in orders:
            org.add(
                "WorkOrder",
                {**order, "Id": f"{order['Id']}-x{n}", "WorkOrderNumber": f"{order['WorkOrderNumber']}-x{n}"},
            )
        for visit in [v for v in list(org.objects["ServiceAppointment"]) if v["ParentRecordId"] in ids]:
            org.add(
                "ServiceAppointment",
                {**visit, "Id": f"{visit['Id']}-x{n}", "ParentRecordId": f"{visit['ParentRecordId']}-x{n}"},
            )
            for resource in [
                r for r in list(org.objects["AssignedResource"]) if r["ServiceAppointmentId"] == visit["Id"]
            ]:
                org.add("AssignedResource", {**resource, "Id": f"{resource['Id']}-x{n}",
                                             "ServiceAppointmentId": f"{visit['Id']}-x{n}"})  # fmt: skip
        for change in [h for h in list(org.objects["WorkOrderHistory"]) if h["WorkOrderId"] in ids]:
            org.add(
                "WorkOrderHistory",
                {**change, "Id": f"{change['Id']}-x{n}", "WorkOrderId": f"{change['WorkOrderId']}-x{n}"},
            )
    return len(orders) * (copies + 1)  # fmt: skip


@pytest.mark.parametrize("copies", [0, 6], ids=["demo history", "seven times the history"])
def test_a_brief_costs_a_fixed_number_of_requests(
    run: Callable[..., Result], profile: Callable[..., None], org: SalesforceEmulator, copies: int
) -> None:
    assert lengthen_history(org, "ACC-005", copies) == 26 * (copies + 1)
    profile()
    result = run("--profile", "sf", "brief", "wo-000532", "--format", "json")
    assert result.exit_code == 0, result.stderr
    per_object: Counter[str] = Counter()
    for request in org.requests:
        if request.path.endswith("/query"):
            per_object[Soql.parse(request.query["q"]).sobject] += 1
        else:
            per_object[request.path] += 1
    assert per_object == {**BRIEF_COST, "/services/oauth2/token": 1}
    assert sum(BRIEF_COST.values()) == 18
    history = json.loads(result.stdout)
    assert history  # the brief itself is compared with the files connector's in test_same_findings_...


def test_doctor_reports_a_wrong_secret_as_a_platform_failure(
    run: Callable[..., Result], profile: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    profile()
    monkeypatch.setenv("SF_CLIENT_SECRET", "wrong-Secret-123")
    result = run("--profile", "sf", "doctor", "--format", "json")
    assert result.exit_code == 3
    failed = [(c["name"], c["detail"]) for c in json.loads(result.stdout)["checks"] if not c["ok"]]
    assert failed == [
        (
            "read Account",
            "POST /services/oauth2/token: HTTP 400 Bad Request: invalid_client - invalid client credentials",
        )
    ]
    assert "wrong-Secret-123" not in result.stdout + result.stderr


def test_salesforce_datetimes_read_as_iso_8601_with_an_offset() -> None:
    from fsmkit.connectors.salesforce import _SF_DATETIME, _datetime

    def by_the_pattern(text: str) -> str:  # the definition: the general pattern, its groups re-joined
        match = _SF_DATETIME.fullmatch(text)
        if not match:
            return "refused"
        zone = match.group(2)
        zone = "+00:00" if zone == "Z" else (zone if ":" in zone else f"{zone[:3]}:{zone[3:]}")
        return f"{match.group(1)}{zone}"

    assert _datetime("2026-03-01T07:00:00.000+0000", "x") == "2026-03-01T07:00:00+00:00"
    assert _datetime("2026-03-01T07:00:00.000-0500", "x") == "2026-03-01T07:00:00-05:00"
    assert _datetime("2026-03-01T07:00:00Z", "x") == "2026-03-01T07:00:00+00:00"
    # The fast path for the REST API's own form agrees with the pattern on every near miss.
    rng = random.Random(7)
    for _ in range(20_000):
        chars = list("2026-03-01T07:00:00.000+0000")
        for _ in range(rng.randint(1, 3)):
            chars[rng.randrange(len(chars))] = rng.choice("0123456789-T:.+Z x\u0663")
        text = "".join(chars)
        try:
            ours = _datetime(text, "x")
        except RecordError:
            ours = "refused"
        assert ours == by_the_pattern(text), text


def test_query_records_flatten_relationships_and_drop_attributes() -> None:
    from fsmkit.connectors.salesforce import _flat

    record = {
        "attributes": {"type": "Asset", "url": "/services/data/v62.0/sobjects/Asset/02i1"},
        "Id": "02i1",
        "SerialNumber": None,
        "Product2": {"attributes": {"type": "Product2"}, "Name": "CX-400", "Family": {"Code": "R"}},
        "IsCompetitorProduct": False,
        "Quantity": 2.0,
        "Price": 2.5,
    }
    assert _flat(record) == {
        "Id": "02i1",
        "SerialNumber": None,
        "Product2.Name": "CX-400",
        "Product2.Family.Code": "R",
        "IsCompetitorProduct": "false",
        "Quantity": "2",
        "Price": 2.5,
    }
