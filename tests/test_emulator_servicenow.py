"""The ServiceNow emulator behaves as the Table API does (shapes, queries, paging, auth, faults)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests
from emulators.servicenow import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, ServiceNowEmulator, serve

from fsmkit.connectors._rest import OffsetPaginator, records
from fsmkit.http import Backoff, BasicAuth, Client, HttpOptions, OAuth

ACCOUNTS = [
    {"sys_id": "a1", "name": "Bäckerei Huber", "notes": ""},
    {"sys_id": "a2", "name": "Hotel Adler", "notes": "VIP"},
]
ASSETS = [
    {
        "sys_id": "s1",
        "display_name": "Cold room 1",
        "company": "a1",
        "model_id": "m1",
        "install_date": "2023-05-01",
    },
    {"sys_id": "s2", "display_name": "Oven", "company": "a2", "model_id": "", "install_date": ""},
]
MODELS = [{"sys_id": "m1", "name": "ArcticFlow CU-7"}]
ORDERS = [
    {"sys_id": f"w{n}", "number": f"WO00{n}", "priority": str(p), "state": s, "opened_at": at, "company": c, "asset": a}
    for n, p, s, at, c, a in [
        (1, 2, "3", "2026-03-01 07:00:00", "a1", "s1"),
        (2, 10, "16", "2026-03-01 23:30:00", "a1", ""),
        (3, 1, "3", "2026-03-02 08:00:00", "a2", "s2"),
        (4, 3, "7", "2026-03-03 09:15:00", "a2", "s2"),
    ]
]  # fmt: skip
TABLES = {"customer_account": ACCOUNTS, "alm_asset": ASSETS, "cmdb_model": MODELS, "wm_order": ORDERS,
          "sn_customerservice_task": []}  # fmt: skip
BASIC = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()

emulator = serve(TABLES, user_timezone="Europe/Berlin")


def get(emulator: ServiceNowEmulator, path: str, auth: str = BASIC, **params: Any) -> requests.Response:
    return requests.get(
        emulator.url + path, params=params, headers={"Authorization": auth, "Accept": "application/json"}
    )


def ids(response: requests.Response) -> list[str]:
    return [r["sys_id"] for r in response.json()["result"]]


def test_rows_come_as_strings_with_reference_links(emulator: ServiceNowEmulator) -> None:
    reply = get(emulator, "/api/now/table/alm_asset", sysparm_query="ORDERBYsys_id")
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/json"
    assert reply.json()["result"][0] == {
        "sys_id": "s1", "display_name": "Cold room 1", "install_date": "2023-05-01",
        "company": {"link": f"{emulator.url}/api/now/table/customer_account/a1", "value": "a1"},
        "model_id": {"link": f"{emulator.url}/api/now/table/cmdb_model/m1", "value": "m1"},
    }  # fmt: skip
    assert reply.json()["result"][1]["model_id"] == ""  # an empty reference is "", not an object


def test_fields_dot_walk_and_excluded_links(emulator: ServiceNowEmulator) -> None:
    reply = get(emulator, "/api/now/table/alm_asset", sysparm_fields="sys_id,company,model_id.name,company.name,nope",
                sysparm_exclude_reference_link="true")  # fmt: skip
    assert reply.json() == {"result": [
        {"sys_id": "s1", "company": "a1", "model_id.name": "ArcticFlow CU-7", "company.name": "Bäckerei Huber"},
        {"sys_id": "s2", "company": "a2", "model_id.name": "", "company.name": "Hotel Adler"},
    ]}  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("priority=1", ["w3"]),
        ("priority!=1", ["w1", "w2", "w4"]),
        ("priority<3", ["w1", "w3"]),  # numbers compare as numbers: 10 is not < 3
        ("priority<=3", ["w1", "w3", "w4"]),
        ("priority>3", ["w2"]),
        ("priority>=3", ["w2", "w4"]),
        ("stateIN3,7", ["w1", "w3", "w4"]),
        ("stateNOT IN3,7", ["w2"]),
        ("numberSTARTSWITHWO001", ["w1"]),
        ("assetISEMPTY", ["w2"]),
        ("assetISNOTEMPTY", ["w1", "w3", "w4"]),
        ("company=a1^priority=2", ["w1"]),
        ("priority=1^ORpriority=3^company=a2", ["w3", "w4"]),
        ("company.name=Hotel Adler", ["w3", "w4"]),
        ("asset.model_id.name=ArcticFlow CU-7", ["w1"]),
        # Date literals are read in the API user's zone (Europe/Berlin: UTC+1 in March).
        ("opened_at>=javascript:gs.dateGenerate('2026-03-02','00:00:00')", ["w2", "w3", "w4"]),
        ("opened_at<javascript:gs.dateGenerate('2026-03-02','09:00:00')", ["w1", "w2"]),
        ("ORDERBYDESCopened_at", ["w4", "w3", "w2", "w1"]),
        ("ORDERBYcompany^ORDERBYDESCpriority", ["w2", "w1", "w4", "w3"]),
        ("ORDERBYpriority", ["w3", "w1", "w4", "w2"]),
    ],
)
def test_encoded_queries(emulator: ServiceNowEmulator, query: str, expected: list[str]) -> None:
    assert ids(get(emulator, "/api/now/table/wm_order", sysparm_query=query)) == expected


def test_paging_headers(emulator: ServiceNowEmulator) -> None:
    reply = get(
        emulator, "/api/now/table/wm_order", sysparm_query="ORDERBYsys_id", sysparm_limit=1, sysparm_offset=1
    )
    assert ids(reply) == ["w2"]
    assert reply.headers["X-Total-Count"] == "4"
    base = f"{emulator.url}/api/now/table/wm_order?sysparm_query=ORDERBYsys_id"
    assert reply.headers["Link"] == ",".join(
        f'<{base}&sysparm_limit=1&sysparm_offset={o}>;rel="{rel}"'
        for rel, o in [("first", 0), ("prev", 0), ("next", 2), ("last", 3)]
    )
    one_page = get(emulator, "/api/now/table/wm_order", sysparm_limit=10)
    assert "Link" not in one_page.headers and one_page.headers["X-Total-Count"] == "4"


def test_hidden_rows_make_short_pages(emulator: ServiceNowEmulator) -> None:
    emulator.hide("w2")
    reply = get(emulator, "/api/now/table/wm_order", sysparm_query="ORDERBYsys_id", sysparm_limit=2)
    assert ids(reply) == ["w1"] and reply.headers["X-Total-Count"] == "4"
    assert get(emulator, "/api/now/table/wm_order/w2").status_code == 404


def test_one_row_and_missing_ones(emulator: ServiceNowEmulator) -> None:
    assert get(emulator, "/api/now/table/customer_account/a2").json() == {"result": ACCOUNTS[1]}
    missing = get(emulator, "/api/now/table/customer_account/zz")
    assert missing.status_code == 404 and missing.json()["status"] == "failure"
    assert get(emulator, "/api/now/table/nope").json() == {"error": {"message": "Invalid table nope", "detail": None},
                                                           "status": "failure"}  # fmt: skip


def test_post_creates_a_row(emulator: ServiceNowEmulator) -> None:
    reply = requests.post(f"{emulator.url}/api/now/table/sn_customerservice_task", headers={"Authorization": BASIC},
                          json={"short_description": "Call back", "account": "a1", "correlation_id": "fsmkit-1"})  # fmt: skip
    assert reply.status_code == 201
    created = reply.json()["result"]
    assert created["short_description"] == "Call back" and created["correlation_id"] == "fsmkit-1"
    assert created["account"] == {"link": f"{emulator.url}/api/now/table/customer_account/a1", "value": "a1"}
    assert created["sys_created_on"] == "2026-11-01 00:00:00"
    assert ids(
        get(emulator, "/api/now/table/sn_customerservice_task", sysparm_query="correlation_idINfsmkit-1")
    ) == [created["sys_id"]]


def test_authentication(emulator: ServiceNowEmulator) -> None:
    denied = get(emulator, "/api/now/table/wm_order", auth="")
    assert denied.status_code == 401
    assert denied.json() == {"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
                             "status": "failure"}  # fmt: skip
    wrong = "Basic " + base64.b64encode(f"{USERNAME}:nope".encode()).decode()
    assert get(emulator, "/api/now/table/wm_order", auth=wrong).status_code == 401


def token(emulator: ServiceNowEmulator, **form: str) -> requests.Response:
    return requests.post(
        f"{emulator.url}/oauth_token.do",
        data={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **form},
    )


def test_oauth_grants_and_token_expiry(emulator: ServiceNowEmulator) -> None:
    password = token(emulator, grant_type="password", username=USERNAME, password=PASSWORD).json()
    assert set(password) == {"scope", "token_type", "expires_in", "refresh_token", "access_token"}
    assert "refresh_token" not in token(emulator, grant_type="client_credentials").json()
    assert token(emulator, grant_type="password", username=USERNAME, password="x").status_code == 401
    assert token(emulator, grant_type="client_credentials", client_secret="x").status_code == 401
    bearer = f"Bearer {password['access_token']}"
    emulator.expire_tokens_after(1)
    assert get(emulator, "/api/now/table/wm_order", auth=bearer).status_code == 200
    assert get(emulator, "/api/now/table/wm_order", auth=bearer).status_code == 401
    refreshed = token(emulator, grant_type="refresh_token", refresh_token=password["refresh_token"]).json()
    assert (
        get(emulator, "/api/now/table/wm_order", auth=f"Bearer {refreshed['access_token']}").status_code
        == 200
    )


def test_fault_switches(emulator: ServiceNowEmulator) -> None:
    emulator.rate_limit(1, retry_after=3)
    limited = get(emulator, "/api/now/table/wm_order")
    assert limited.status_code == 429
    assert {k: limited.headers[k] for k in ("Retry-After", "X-RateLimit-Limit")} == {
        "Retry-After": "3",
        "X-RateLimit-Limit": "100",
    }
    assert limited.json()["error"]["message"] == "Rate limit exceeded"
    emulator.fail(2, status=500)
    assert [get(emulator, "/api/now/table/wm_order").status_code for _ in range(3)] == [500, 500, 200]
    emulator.cancel(1)
    cancelled = get(emulator, "/api/now/table/wm_order")
    assert cancelled.status_code == 500
    assert cancelled.json()["error"]["detail"].startswith(
        "Transaction cancelled: maximum execution time exceeded"
    )
    emulator.malform(1)
    with pytest.raises(requests.JSONDecodeError):
        get(emulator, "/api/now/table/wm_order").json()
    assert get(emulator, "/api/now/table/wm_order").status_code == 200
    assert emulator.counts() == {"/api/now/table/wm_order": 7}


def test_fsmkit_client_pages_through_faults(emulator: ServiceNowEmulator) -> None:
    sleeps: list[float] = []
    auth = OAuth("/oauth_token.do", "password", CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD)
    client = Client(emulator.url, auth, sleep=sleeps.append, backoff=Backoff(rng=lambda: 0.0))
    client.too_large_markers = ("Transaction cancelled: maximum execution time exceeded",)
    emulator.hide("w2")
    emulator.expire_tokens_after(1)
    emulator.rate_limit(1, retry_after=2)
    params = {"sysparm_query": "ORDERBYsys_id", "sysparm_fields": "sys_id"}
    got = records(client, OffsetPaginator(limit=2), "/api/now/table/wm_order", params)
    assert [r["sys_id"] for r in got] == ["w1", "w3", "w4"]
    assert sleeps == [2.0]
    assert emulator.counts() == {"/oauth_token.do": 2, "/api/now/table/wm_order": 4}


def test_basic_auth_client_survives_a_cancelled_page(emulator: ServiceNowEmulator) -> None:
    client = Client(emulator.url, BasicAuth(USERNAME, PASSWORD), sleep=lambda s: None)
    client.too_large_markers = ("Transaction cancelled: maximum execution time exceeded",)
    emulator.cancel(1)
    got = records(
        client, OffsetPaginator(limit=4), "/api/now/table/wm_order", {"sysparm_query": "ORDERBYsys_id"}
    )
    assert [r["sys_id"] for r in got] == ["w1", "w2", "w3", "w4"]
    assert [r.query["sysparm_limit"] for r in emulator.requests] == ["4", "2", "2"]


def test_a_slow_reply_times_out_and_is_asked_again(emulator: ServiceNowEmulator) -> None:
    sleeps: list[float] = []
    client = Client(
        emulator.url, BasicAuth(USERNAME, PASSWORD), HttpOptions(timeout_seconds=0.2), sleep=sleeps.append
    )
    emulator.slow(1, seconds=5)
    _, body = client.get_json("/api/now/table/customer_account", {"sysparm_query": "ORDERBYsys_id"})
    assert [r["sys_id"] for r in body["result"]] == ["a1", "a2"]
    assert len(sleeps) == 1
