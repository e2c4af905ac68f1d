"""The Salesforce emulator behaves as the reference bodies and research say the platform does."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import requests
from emulators.salesforce import (
    CLIENT_SECRET,
    CONSUMER_KEY,
    JWT_GRANT,
    LOGIN_HOST,
    USERNAME,
    VERSION,
    SalesforceEmulator,
    Soql,
    SoqlError,
    key_pair,
)

DATA = f"/services/data/v{VERSION}"
KEYS = key_pair()
OBJECTS: dict[str, list[dict[str, Any]]] = {
    "Account": [{"Id": "001A", "Name": "Stadtwerke"}, {"Id": "001B", "Name": "Hotel Adler"}],
    "Product2": [{"Id": "01tP", "Name": "Chiller X200"}],
    "Asset": [
        {"Id": "02iA", "AccountId": "001A", "Name": "Chiller 1", "Product2Id": "01tP", "SerialNumber": "S-1"},
        {"Id": "02iB", "AccountId": "001B", "Name": "Pump", "Product2Id": None, "SerialNumber": "S-2"},
    ],
    "WorkOrder": [
        {"Id": f"0WO{n:03d}", "WorkOrderNumber": f"{n:08d}", "AccountId": "001A" if n % 2 else "001B",
         "Priority": "High" if n % 3 else "Low", "CreatedDate": f"2026-03-{1 + n % 28:02d}T08:00:00.000+0000"}
        for n in range(450)
    ],
}  # fmt: skip


@pytest.fixture
def org() -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator(OBJECTS, public_key=KEYS[1]) as running:
        yield running


def token(org: SalesforceEmulator) -> str:
    form = {"grant_type": "client_credentials", "client_id": CONSUMER_KEY, "client_secret": CLIENT_SECRET}
    reply = requests.post(f"{org.url}/services/oauth2/token", data=form, timeout=5)
    assert reply.status_code == 200
    return reply.json()["access_token"]


def get(org: SalesforceEmulator, path: str, access: str, **headers: str) -> requests.Response:
    return requests.get(
        f"{org.url}{path}", headers={"Authorization": f"Bearer {access}", **headers}, timeout=5
    )


def query(org: SalesforceEmulator, soql: str, access: str, **headers: str) -> requests.Response:
    return requests.get(f"{org.url}{DATA}/query", params={"q": soql},
                        headers={"Authorization": f"Bearer {access}", **headers}, timeout=5)  # fmt: skip


def test_client_credentials_token_in_the_reference_shape(org: SalesforceEmulator) -> None:
    form = {"grant_type": "client_credentials", "client_id": CONSUMER_KEY, "client_secret": CLIENT_SECRET}
    body = requests.post(f"{org.url}/services/oauth2/token", data=form, timeout=5).json()
    assert set(body) == {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"}
    assert (body["instance_url"], body["token_type"]) == (org.url, "Bearer")
    wrong = requests.post(f"{org.url}/services/oauth2/token", data={**form, "client_secret": "x"}, timeout=5)
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_client")


def assertion(**claims: Any) -> str:
    exp = int((datetime.now(UTC) + timedelta(minutes=3)).timestamp())
    return jwt.encode({"iss": CONSUMER_KEY, "sub": USERNAME, "aud": LOGIN_HOST, "exp": exp, **claims}, KEYS[0],
                      algorithm="RS256")  # fmt: skip


@pytest.mark.parametrize(
    ("claims", "status", "error"),
    [
        ({}, 200, None),
        ({"aud": "https://acme.my.salesforce.com"}, 400, "invalid_grant"),
        ({"sub": "someone@else"}, 400, "invalid_grant"),
        ({"iss": "other-app"}, 400, "invalid_client_id"),
        ({"exp": 1000}, 400, "invalid_grant"),
    ],
)
def test_jwt_bearer_checks_signature_audience_subject_and_expiry(
    org: SalesforceEmulator, claims: dict[str, Any], status: int, error: str | None
) -> None:
    form = {"grant_type": JWT_GRANT, "assertion": assertion(**claims)}
    reply = requests.post(f"{org.url}/services/oauth2/token", data=form, timeout=5)
    assert reply.status_code == status
    assert reply.json().get("error") == error


def test_pages_follow_next_records_url_with_the_batch_size(org: SalesforceEmulator) -> None:
    access = token(org)
    first = query(
        org, "SELECT Id FROM WorkOrder ORDER BY Id", access, **{"Sforce-Query-Options": "batchSize=200"}
    )
    body = first.json()
    assert (body["totalSize"], body["done"], len(body["records"])) == (450, False, 200)
    assert body["nextRecordsUrl"].startswith(f"{DATA}/query/01g") and body["nextRecordsUrl"].endswith("-200")
    assert body["records"][0] == {
        "attributes": {"type": "WorkOrder", "url": f"{DATA}/sobjects/WorkOrder/0WO000"},
        "Id": "0WO000",
    }
    ids = [r["Id"] for r in body["records"]]
    while not body["done"]:
        body = get(org, body["nextRecordsUrl"], access, **{"Sforce-Query-Options": "batchSize=200"}).json()
        ids += [r["Id"] for r in body["records"]]
    assert ids == [f"0WO{n:03d}" for n in range(450)]
    assert "nextRecordsUrl" not in body
    assert first.headers["Sforce-Limit-Info"] == "api-usage=1/15000"


def test_where_in_order_by_limit_and_relationship_fields(org: SalesforceEmulator) -> None:
    access = token(org)
    soql = ("SELECT Id, SerialNumber, Product2.Name FROM Asset WHERE AccountId IN ('001A', '001B') "
            "AND SerialNumber != null ORDER BY SerialNumber DESC LIMIT 5")  # fmt: skip
    records = query(org, soql, access).json()["records"]
    assert [(r["Id"], r["Product2"]) for r in records] == [
        ("02iB", None),
        ("02iA", {"attributes": {"type": "Product2", "url": f"{DATA}/sobjects/Product2/01tP"}, "Name": "Chiller X200"}),
    ]  # fmt: skip
    soql = ("SELECT Id FROM WorkOrder WHERE CreatedDate >= 2026-03-27T08:00:00Z AND CreatedDate < 2026-03-28T08:00:00Z "
            "AND (Priority = 'High' OR WorkOrderNumber = '00000026') ORDER BY CreatedDate, Id")  # fmt: skip
    ids = [r["Id"] for r in query(org, soql, access).json()["records"]]
    assert ids == [f"0WO{n:03d}" for n in range(26, 450, 28) if n % 3 or n == 26]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Nope FROM Asset", "INVALID_FIELD"),
        ("SELECT Id FROM Nope__x", "INVALID_TYPE"),
        ("SELECT Id FROM Asset WHERE", "MALFORMED_QUERY"),
        ("SELEKT Id FROM Asset", "MALFORMED_QUERY"),
    ],
)
def test_bad_queries_are_400_in_the_error_envelope(org: SalesforceEmulator, soql: str, code: str) -> None:
    reply = query(org, soql, token(org))
    assert reply.status_code == 400
    assert reply.json()[0]["errorCode"] == code and set(reply.json()[0]) == {"message", "errorCode"}


def test_soql_parser_subset() -> None:
    parsed = Soql.parse("SELECT Id, A.Name FROM X WHERE B NOT IN ('1','2') AND (C LIKE 'ab%' OR E = null) "
                        "ORDER BY D DESC, Id LIMIT 3")  # fmt: skip
    assert parsed == Soql(["Id", "A.Name"], "X", ("and", [("cond", "B", "NOT IN", ["1", "2"]),
                          ("or", [("cond", "C", "LIKE", "ab%"), ("cond", "E", "=", None)])]),
                          [("D", True), ("Id", False)], 3)  # fmt: skip
    for bad in ("SELECT Id FROM X WHERE A ~ 1", "SELECT Id FROM X WHERE A = 1 AND B = 2 OR C = 3"):
        with pytest.raises(SoqlError):
            Soql.parse(bad)


def test_collections_create_with_a_unique_external_id(org: SalesforceEmulator) -> None:
    access = token(org)
    headers = {"Authorization": f"Bearer {access}"}
    records = [
        {"attributes": {"type": "Task"}, "Subject": "Call", "Fsmkit_Key__c": f"k-{n}"} for n in (1, 2, 1)
    ]
    reply = requests.post(f"{org.url}{DATA}/composite/sobjects", json={"allOrNone": False, "records": records},
                          headers=headers, timeout=5)  # fmt: skip
    results = reply.json()
    assert reply.status_code == 200
    assert [r["success"] for r in results] == [True, True, False]
    assert results[0]["id"].startswith("00T") and results[0]["errors"] == []
    assert results[2] == {"success": False, "errors": [{"statusCode": "DUPLICATE_VALUE", "fields": ["Fsmkit_Key__c"],
                          "message": f"duplicate value found: Fsmkit_Key__c duplicates value on record with id: "
                          f"{results[0]['id']}"}]}  # fmt: skip
    upper = [
        {"attributes": {"type": "Task"}, "Fsmkit_Key__c": "K-2"},
        {"attributes": {"type": "Task"}, "Fsmkit_Key__c": "k-3"},
    ]
    rolled = requests.post(f"{org.url}{DATA}/composite/sobjects", json={"allOrNone": True, "records": upper},
                           headers=headers, timeout=5).json()  # fmt: skip
    assert [e["statusCode"] for r in rolled for e in r["errors"]] == [
        "DUPLICATE_VALUE",
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    ]
    assert len(org.objects["Task"]) == 2
    many = {"allOrNone": False, "records": [{"attributes": {"type": "Task"}}] * 201}
    refused = requests.post(f"{org.url}{DATA}/composite/sobjects", json=many, headers=headers, timeout=5)
    assert (refused.status_code, refused.json()[0]["errorCode"]) == (400, "EXCEEDED_ID_LIMIT")


def test_describe_limits_and_usage(org: SalesforceEmulator) -> None:
    access = token(org)
    fields = {f["name"]: f for f in get(org, f"{DATA}/sobjects/Task/describe", access).json()["fields"]}
    assert fields["Fsmkit_Key__c"]["unique"] and not fields["Subject"]["unique"]
    limits = get(org, f"{DATA}/limits", access)
    assert limits.json() == {"DailyApiRequests": {"Max": 15000, "Remaining": 14998}}
    assert limits.headers["Sforce-Limit-Info"] == "api-usage=2/15000"
    assert org.counts()[f"{DATA}/limits"] == 1 and org.counts()["/services/oauth2/token"] == 1


def test_fault_switches(org: SalesforceEmulator) -> None:
    access = token(org)
    soql = "SELECT Id FROM Account"
    org.expire_tokens_after(1)
    assert query(org, soql, access).status_code == 200
    expired = query(org, soql, access)
    assert (expired.status_code, expired.json()) == (401, [{"message": "Session expired or invalid",
                                                            "errorCode": "INVALID_SESSION_ID"}])  # fmt: skip
    access = token(org)
    org.limit_exceeded(1)
    assert query(org, soql, access).json()[0]["message"] == "ConcurrentPerOrgLongTxn Limit exceeded."
    org.limit_exceeded(1, daily=True)
    limited = query(org, soql, access)
    assert (limited.status_code, limited.json()[0]) == (403, {"message": "TotalRequests Limit exceeded.",
                                                              "errorCode": "REQUEST_LIMIT_EXCEEDED"})  # fmt: skip
    org.fail(1, 503, retry_after=4)
    failed = query(org, soql, access)
    assert (failed.status_code, failed.headers["Retry-After"]) == (503, "4")
    org.malform(1)
    with pytest.raises(json.JSONDecodeError):
        query(org, soql, access).json()
    org.slow(1, 0.3)
    started = time.monotonic()
    assert query(org, soql, access).status_code == 200
    assert time.monotonic() - started >= 0.3
    org.exhaust()
    assert query(org, soql, access).json()[0]["message"] == "TotalRequests Limit exceeded."
    assert query(org, soql, access).headers["Sforce-Limit-Info"] == "api-usage=15002/15000"
