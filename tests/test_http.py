"""The shared HTTP layer: exact requests, retries and backoff, auth and refresh, redaction, paging."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import pytest
import requests
import responses

from fsmkit import __version__
from fsmkit.connectors._rest import NextUrlPaginator, OffsetPaginator, chunks, records
from fsmkit.errors import ConfigError, ExitStatus, PlatformError
from fsmkit.http import (
    HTTP_SETTINGS,
    Backoff,
    BasicAuth,
    Client,
    Created,
    Found,
    HttpOptions,
    OAuth,
    Redactor,
    RequestFailed,
    Session,
    auth_from_settings,
    query_string,
    retry_after_seconds,
)

BASE = "https://acme.example.com"
PASSWORD = "s3cret-Pa55word!"
CLIENT_SECRET = "cl1ent-S3cret-value"
ACCESS = ["tok-AAAA-first-access", "tok-BBBB-second-access"]
REFRESH = "rfr-CCCC-refresh-token"
NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
SECRETS = [PASSWORD, CLIENT_SECRET, *ACCESS, REFRESH, base64.b64encode(f"api:{PASSWORD}".encode()).decode()]


class FakeTime:
    """A monotonic clock that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def make_client(fake_time: FakeTime, auth: Any = None, **options: Any) -> Client:
    return Client(
        BASE,
        auth if auth is not None else BasicAuth("api", PASSWORD),
        HttpOptions(**options),
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        now=lambda: NOW,
        backoff=Backoff(rng=lambda: 0.5),
    )


def oauth(grant: str = "password") -> OAuth:
    return OAuth("/oauth_token.do", grant, "client-1", CLIENT_SECRET, "api", PASSWORD)


def token_reply(access: str) -> dict[str, Any]:
    return {"scope": "useraccount", "token_type": "Bearer", "expires_in": 1799, "refresh_token": REFRESH,
            "access_token": access}  # fmt: skip


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


# -- requests sent ---------------------------------------------------------------------------------


@responses.activate
def test_get_sends_exact_headers_timeout_and_verifies_tls(fake_time: FakeTime) -> None:
    responses.get(f"{BASE}/api/now/table/wm_order", json={"result": []})
    client = make_client(fake_time, timeout_seconds=12.5)
    _, body = client.get_json("/api/now/table/wm_order", {"sysparm_limit": 2})
    assert body == {"result": []}
    (call,) = responses.calls
    assert call.request.url == f"{BASE}/api/now/table/wm_order?sysparm_limit=2"
    headers = dict(call.request.headers)
    assert headers.pop("Authorization") == "Basic " + base64.b64encode(f"api:{PASSWORD}".encode()).decode()
    assert headers == {
        "User-Agent": f"fsmkit/{__version__}",
        "Accept": "application/json",
        "Accept-Encoding": requests.utils.DEFAULT_ACCEPT_ENCODING,
        "Connection": "keep-alive",
    }
    assert call.request.req_kwargs["timeout"] == 12.5
    assert call.request.req_kwargs["verify"] not in (False, None)  # True, or the environment's CA bundle


def test_session_uses_the_ca_bundle_and_never_turns_verification_off() -> None:
    client = Client(BASE, options=HttpOptions(ca_bundle="/etc/corp-ca.pem"))
    assert client.http is not None and client.http.verify == "/etc/corp-ca.pem"
    assert Client(BASE).http.verify is True  # type: ignore[union-attr]


QUERIES = [
    {"q": "SELECT Id FROM WorkOrder WHERE Id IN ('0WO1', '0WO2') AND Subject = 'a&b+c;d#e%f' ORDER BY Id"},
    {"sysparm_query": "parentIN0a1b,2c3d^opened_at>=javascript:gs.dateGenerate('2026-03-01','07:00:00')",
     "sysparm_limit": 1000, "sysparm_offset": 0},
    {"name": "Müller €", "empty": "", "none": None, "many": ["x", "y z"], "raw": b"\xff \x00", "slash/key": "?=!"},
]  # fmt: skip


@pytest.mark.parametrize("params", QUERIES)
def test_query_string_is_requests_encoding_with_the_safe_sub_delimiters_kept(params: dict[str, Any]) -> None:
    theirs = requests.models.RequestEncodingMixin._encode_params(params)
    ours = query_string(params)
    assert parse_qsl(ours, keep_blank_values=True, encoding="latin-1") == parse_qsl(
        theirs, keep_blank_values=True, encoding="latin-1"
    )
    for char in "!$'()*,/:@":  # what a query may hold as it is; "&", "=", "+", ";", "#", "%" stay escaped
        theirs = theirs.replace(f"%{ord(char):02X}", char)
    assert ours == theirs


@responses.activate
def test_a_long_in_query_is_sent_short_and_unchanged(fake_time: FakeTime) -> None:
    responses.get(f"{BASE}/services/data/v62.0/query", json={"done": True, "records": []})
    soql = "SELECT Id FROM ServiceAppointment WHERE ParentRecordId IN ('0WO1', '0WO2') ORDER BY Id"
    make_client(fake_time).get_json("/services/data/v62.0/query", {"q": soql})
    (call,) = responses.calls
    assert call.request.url == (
        f"{BASE}/services/data/v62.0/query?q=SELECT+Id+FROM+ServiceAppointment+WHERE+ParentRecordId+IN+"
        "('0WO1',+'0WO2')+ORDER+BY+Id"
    )
    assert parse_qs(call.request.url.split("?")[1]) == {"q": [soql]}


def test_the_session_reads_the_environment_once_per_origin_as_requests_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example.com")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/corp-ca.pem")
    cached, plain = Session(), requests.Session()
    urls = [f"{BASE}/a?x=1", "https://internal.example.com/b", f"{BASE}/c", "https://internal.example.com/d"]
    for url in urls:
        expected = plain.merge_environment_settings(url, {}, None, None, None)
        assert cached.merge_environment_settings(url, {}, None, None, None) == expected
    assert len(cached._environment) == 2
    monkeypatch.setenv("HTTPS_PROXY", "http://other.corp:3128")  # read once: the session keeps what it read
    assert cached.merge_environment_settings(f"{BASE}/e", {}, None, None, None)["proxies"]["https"] == (
        "http://proxy.corp:3128"
    )
    own = {"https": "http://own:1"}  # a request's own proxies are merged afresh, as requests does it
    assert cached.merge_environment_settings(f"{BASE}/f", dict(own), None, None, None) == (
        plain.merge_environment_settings(f"{BASE}/f", dict(own), None, None, None)
    )
    cached.verify = "/etc/other-ca.pem"  # the session's own settings are part of what is kept
    assert cached.merge_environment_settings(f"{BASE}/g", {}, None, False, None)["verify"] is False


def test_options_from_settings_with_defaults() -> None:
    assert HttpOptions.from_settings({}) == HttpOptions(30.0, 5, 120.0, None)
    assert HttpOptions.from_settings({"timeout_seconds": 5, "retry_attempts": 2, "retry_max_seconds": 9,
                                      "ca_bundle": "x.pem", "page_size": 10}) == HttpOptions(5, 2, 9, "x.pem")  # fmt: skip


def test_http_settings_are_documented() -> None:
    for name, prop in HTTP_SETTINGS.items():
        assert prop["description"] and prop["examples"], name


# -- retries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
@responses.activate
def test_retries_each_retriable_status_with_exponential_backoff(fake_time: FakeTime, status: int) -> None:
    url = f"{BASE}/api/now/table/wm_order"
    for _ in range(3):
        responses.get(
            url, status=status, json={"error": {"message": "busy", "detail": ""}, "status": "failure"}
        )
    responses.get(url, json={"result": [{"sys_id": "1"}]})
    _, body = make_client(fake_time).get_json("/api/now/table/wm_order")
    assert body == {"result": [{"sys_id": "1"}]}
    assert len(responses.calls) == 4
    assert fake_time.sleeps == [1.5, 2.5, 4.5]  # 1, 2, 4 seconds plus jitter (0.5 of 1 s)


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectionError("connection refused"),
        requests.ConnectTimeout("slow"),
        requests.ReadTimeout("slow"),
    ],
)
@responses.activate
def test_retries_connection_errors_and_timeouts(fake_time: FakeTime, failure: Exception) -> None:
    url = f"{BASE}/x"
    responses.get(url, body=failure)
    responses.get(url, json={"ok": True})
    assert make_client(fake_time).get_json("/x")[1] == {"ok": True}
    assert fake_time.sleeps == [1.5]


@responses.activate
def test_retry_after_seconds_is_honoured(fake_time: FakeTime) -> None:
    url = f"{BASE}/x"
    responses.get(url, status=429, headers={"Retry-After": "7"}, json=rate_limited())
    responses.get(url, json={})
    make_client(fake_time).get_json("/x")
    assert fake_time.sleeps == [7.0]


@responses.activate
def test_retry_after_http_date_is_honoured(fake_time: FakeTime) -> None:
    url = f"{BASE}/x"
    later = NOW.replace(second=42)
    responses.get(url, status=503, headers={"Retry-After": format_datetime(later, usegmt=True)})
    responses.get(url, json={})
    make_client(fake_time).get_json("/x")
    assert fake_time.sleeps == [42.0]


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("120", NOW) == 120.0
    assert retry_after_seconds("Mon, 02 Mar 2026 12:01:00 GMT", NOW) == 60.0
    assert retry_after_seconds("Mon, 02 Mar 2026 11:00:00 GMT", NOW) == 0.0
    assert retry_after_seconds("soon", NOW) is None
    assert retry_after_seconds(None, NOW) is None


def rate_limited() -> dict[str, Any]:
    return {"error": {"message": "Rate limit exceeded", "detail": "Rate limit of 100 requests per hour for Table API exceeded"},
            "status": "failure"}  # fmt: skip


@responses.activate
def test_gives_up_after_the_attempts_with_a_platform_error(fake_time: FakeTime) -> None:
    responses.get(f"{BASE}/api/now/table/wm_order", status=503,
                  json={"error": {"message": "Service Unavailable", "detail": "node restarting"}, "status": "failure"})  # fmt: skip
    with pytest.raises(PlatformError) as caught:
        make_client(fake_time, retry_attempts=3).get_json("/api/now/table/wm_order", {"sysparm_limit": 5})
    assert caught.value.exit_status == ExitStatus.PLATFORM_ERROR
    assert str(caught.value) == (
        "GET /api/now/table/wm_order failed after 3 attempts over 4s; "
        "last: HTTP 503 Service Unavailable: Service Unavailable - node restarting"
    )
    assert len(responses.calls) == 3
    assert fake_time.sleeps == [1.5, 2.5]


@responses.activate
def test_total_retry_time_is_bounded(fake_time: FakeTime) -> None:
    responses.get(f"{BASE}/x", status=429, headers={"Retry-After": "100"}, json=rate_limited())
    with pytest.raises(RequestFailed) as caught:
        make_client(fake_time, retry_attempts=10, retry_max_seconds=150).get_json("/x")
    # The first wait (100 s) fits in 150 s; a second would end at 200 s, so fsmkit stops there.
    assert fake_time.sleeps == [100.0]
    assert len(responses.calls) == 2
    assert str(caught.value) == (
        "GET /x failed after 2 attempts over 100s; last: HTTP 429 Too Many Requests: "
        "Rate limit exceeded - Rate limit of 100 requests per hour for Table API exceeded"
    )
    assert caught.value.status == 429


@responses.activate
def test_errors_that_retrying_cannot_fix_fail_at_once(fake_time: FakeTime) -> None:
    responses.get(f"{BASE}/api/now/table/wm_order", status=403,
                  json={"error": {"message": "User Not Authorized", "detail": "ACL denied"}, "status": "failure"})  # fmt: skip
    with pytest.raises(
        PlatformError,
        match=r"^GET /api/now/table/wm_order: HTTP 403 Forbidden: User Not Authorized - ACL denied$",
    ):
        make_client(fake_time).get_json("/api/now/table/wm_order")
    assert len(responses.calls) == 1 and fake_time.sleeps == []


@responses.activate
def test_malformed_json_is_a_platform_error_naming_the_request(fake_time: FakeTime) -> None:
    responses.get(
        f"{BASE}/api/now/table/wm_order", body='{"result": [{"sys_id": "1"', content_type="application/json"
    )
    with pytest.raises(
        PlatformError,
        match=r"^GET /api/now/table/wm_order: the reply \(HTTP 200, 26 bytes\) is not valid JSON",
    ):
        make_client(fake_time).get_json("/api/now/table/wm_order")


@responses.activate
def test_a_cancelled_transaction_is_page_too_large_not_retried(fake_time: FakeTime) -> None:
    from fsmkit.http import PageTooLarge

    detail = "Transaction cancelled: maximum execution time exceeded Check logs for error trace"
    responses.get(f"{BASE}/x", status=500, json={"error": {"message": "Transaction cancelled: maximum executio", "detail": detail},
                                                   "status": "failure"})  # fmt: skip
    client = make_client(fake_time)
    client.too_large_markers = ("Transaction cancelled: maximum execution time exceeded",)
    with pytest.raises(PageTooLarge):
        client.get_json("/x")
    assert len(responses.calls) == 1


# -- writes ----------------------------------------------------------------------------------------


@responses.activate
def test_post_is_not_retried_blindly(fake_time: FakeTime) -> None:
    responses.post(f"{BASE}/api/now/table/task", status=503)
    with pytest.raises(RequestFailed) as caught:
        make_client(fake_time).send("POST", "/api/now/table/task", json={"short_description": "x"})
    assert len(responses.calls) == 1 and fake_time.sleeps == []
    assert (
        str(caught.value)
        == "POST /api/now/table/task failed after 1 attempt over 0s; last: HTTP 503 Service Unavailable"
    )
    assert caught.value.retriable


@responses.activate
def test_create_looks_the_key_up_again_before_retrying(fake_time: FakeTime) -> None:
    url = f"{BASE}/api/now/table/task"
    responses.post(url, status=502)
    responses.post(url, status=201, json={"result": {"sys_id": "new"}})
    lookups: list[str] = []
    result = make_client(fake_time).create(
        "/api/now/table/task", {"correlation_id": "k"}, lambda: lookups.append("k")
    )
    assert isinstance(result, Created) and result.response.json() == {"result": {"sys_id": "new"}}
    assert lookups == ["k"] and len(responses.calls) == 2
    assert responses.calls[1].request.body == b'{"correlation_id": "k"}'


@responses.activate
def test_create_finds_the_record_a_lost_reply_made(fake_time: FakeTime) -> None:
    responses.post(f"{BASE}/api/now/table/task", body=requests.ConnectionError("reset by peer"))
    result = make_client(fake_time).create("/api/now/table/task", {"correlation_id": "k"}, lambda: "sys-id-1")
    assert result == Found("sys-id-1")
    assert len(responses.calls) == 1


# -- OAuth -----------------------------------------------------------------------------------------


@responses.activate
def test_oauth_password_grant_token_is_cached_for_the_run(fake_time: FakeTime) -> None:
    token = responses.post(f"{BASE}/oauth_token.do", json=token_reply(ACCESS[0]))
    responses.get(f"{BASE}/x", json={})
    client = make_client(fake_time, oauth())
    client.get_json("/x")
    client.get_json("/x")
    assert token.call_count == 1
    assert parse_qs(responses.calls[0].request.body) == {
        "grant_type": ["password"], "client_id": ["client-1"], "client_secret": [CLIENT_SECRET],
        "username": ["api"], "password": [PASSWORD],
    }  # fmt: skip
    assert "Authorization" not in responses.calls[0].request.headers
    assert [c.request.headers["Authorization"] for c in responses.calls[1:]] == [f"Bearer {ACCESS[0]}"] * 2


@responses.activate
def test_oauth_client_credentials_grant(fake_time: FakeTime) -> None:
    responses.post(
        f"{BASE}/oauth_token.do", json={"access_token": ACCESS[0], "token_type": "Bearer", "expires_in": 1799}
    )
    responses.get(f"{BASE}/x", json={})
    auth = OAuth("/oauth_token.do", "client_credentials", "client-1", CLIENT_SECRET)
    make_client(fake_time, auth).get_json("/x")
    assert parse_qs(responses.calls[0].request.body) == {
        "grant_type": ["client_credentials"], "client_id": ["client-1"], "client_secret": [CLIENT_SECRET]
    }  # fmt: skip


@responses.activate
def test_a_401_refreshes_the_token_once_and_repeats_the_request(fake_time: FakeTime) -> None:
    responses.post(f"{BASE}/oauth_token.do", json=token_reply(ACCESS[0]))
    responses.post(f"{BASE}/oauth_token.do", json=token_reply(ACCESS[1]))
    responses.get(
        f"{BASE}/x",
        status=401,
        json={"error": {"message": "User is not authenticated", "detail": ""}, "status": "failure"},
    )
    responses.get(f"{BASE}/x", json={"result": []})
    assert make_client(fake_time, oauth()).get_json("/x")[1] == {"result": []}
    refresh = parse_qs(responses.calls[2].request.body)
    assert refresh == {"grant_type": ["refresh_token"], "client_id": ["client-1"], "client_secret": [CLIENT_SECRET],
                       "refresh_token": [REFRESH]}  # fmt: skip
    assert responses.calls[3].request.headers["Authorization"] == f"Bearer {ACCESS[1]}"
    assert fake_time.sleeps == []


@responses.activate
def test_a_refused_refresh_token_falls_back_to_the_grant(fake_time: FakeTime) -> None:
    responses.post(f"{BASE}/oauth_token.do", json=token_reply(ACCESS[0]))
    responses.post(
        f"{BASE}/oauth_token.do", status=401, json={"error": "invalid_grant", "error_description": "expired"}
    )
    responses.post(f"{BASE}/oauth_token.do", json=token_reply(ACCESS[1]))
    responses.get(f"{BASE}/x", status=401)
    responses.get(f"{BASE}/x", json={"result": []})
    assert make_client(fake_time, oauth()).get_json("/x")[1] == {"result": []}
    grants = [parse_qs(c.request.body)["grant_type"] for c in responses.calls if c.request.method == "POST"]
    assert grants == [["password"], ["refresh_token"], ["password"]]
    assert responses.calls[-1].request.headers["Authorization"] == f"Bearer {ACCESS[1]}"


@responses.activate
def test_a_second_401_is_a_platform_error(fake_time: FakeTime) -> None:
    responses.post(f"{BASE}/oauth_token.do", json=token_reply(ACCESS[0]))
    responses.post(f"{BASE}/oauth_token.do", json=token_reply(ACCESS[1]))
    responses.get(
        f"{BASE}/x",
        status=401,
        json={"error": {"message": "User is not authenticated", "detail": ""}, "status": "failure"},
    )
    with pytest.raises(PlatformError) as caught:
        make_client(fake_time, oauth()).get_json("/x")
    assert str(caught.value) == (
        "GET /x: HTTP 401 Unauthorized: User is not authenticated; check the profile's credentials"
    )
    assert len(responses.calls) == 4


@responses.activate
def test_a_refused_token_request_is_a_platform_error_without_secrets(fake_time: FakeTime) -> None:
    responses.post(f"{BASE}/oauth_token.do", status=401,
                   json={"error": "access_denied", "error_description": f"bad client_secret={CLIENT_SECRET}"})  # fmt: skip
    with pytest.raises(PlatformError) as caught:
        make_client(fake_time, oauth()).get_json("/x")
    assert str(caught.value) == (
        "POST /oauth_token.do: HTTP 401 Unauthorized: access_denied - bad client_secret=[REDACTED]; "
        "check the profile's credentials"
    )


def test_auth_from_settings_reads_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SN_PW", PASSWORD)
    monkeypatch.setenv("SN_CS", CLIENT_SECRET)
    basic = auth_from_settings({"username": "api", "password_env": "SN_PW"}, "/oauth_token.do")
    assert isinstance(basic, BasicAuth) and PASSWORD in basic.secrets
    settings = {"auth": "oauth", "grant_type": "password", "client_id": "c", "client_secret_env": "SN_CS",
                "username": "api", "password_env": "SN_PW"}  # fmt: skip
    assert isinstance(auth_from_settings(settings, "/oauth_token.do"), OAuth)
    with pytest.raises(
        ConfigError, match=r"^environment variable SN_MISSING \(named by password_env\) is not set$"
    ):
        auth_from_settings({"username": "api", "password_env": "SN_MISSING"}, "/t")
    with pytest.raises(ConfigError, match="set client_secret_env"):
        auth_from_settings({"auth": "oauth", "client_id": "c"}, "/t")


# -- redaction -------------------------------------------------------------------------------------


def test_redactor_scrubs_known_secrets_and_credential_shapes() -> None:
    redact = Redactor()
    redact.add(PASSWORD)
    text = (
        f"pw {PASSWORD} / {requests.utils.quote(PASSWORD, safe='')} | Authorization: Basic YXBpOnNlY3JldA== | "
        "Bearer eyJhbGciOiJIUzI1NiJ9.abc | client_secret=abc123&x=1 | {'access_token': 'zzz'}"
    )
    assert redact(text) == (
        "pw [REDACTED] / [REDACTED] | Authorization: [REDACTED] | "
        "Bearer [REDACTED] | client_secret=[REDACTED]&x=1 | {'access_token': '[REDACTED]'}"
    )
    redact.add("pass, word!")  # in a query, neither quoted nor quote_plus-ed: "pass,+word!"
    assert redact(f"GET /x?{query_string({'q': 'pass, word!'})}") == "GET /x?q=[REDACTED]"


@responses.activate
def test_no_secret_in_any_log_record_or_exception(
    fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="fsmkit.http")
    responses.post(f"{BASE}/oauth_token.do", json=token_reply(ACCESS[0]))
    responses.post(f"{BASE}/oauth_token.do", json=token_reply(ACCESS[1]))
    responses.get(f"{BASE}/x", status=401)
    responses.get(f"{BASE}/x", status=429, headers={"Retry-After": "1"})
    echo = {
        "error": {"message": f"Bearer {ACCESS[1]} rejected", "detail": f"password {PASSWORD}"},
        "status": "failure",
    }
    responses.get(f"{BASE}/x", status=500, json=echo)
    with pytest.raises(PlatformError) as caught:
        make_client(fake_time, oauth(), retry_attempts=2).get_json("/x")
    messages = [r.getMessage() for r in caplog.records]
    assert messages[:3] == [
        "POST /oauth_token.do -> 200 in 0 ms",
        f"POST {BASE}/oauth_token.do",
        "GET /x -> 401 in 0 ms",
    ]
    assert "GET /x: HTTP 429 Too Many Requests; retrying in 1.0s (attempt 2 of 2)" in messages
    text = "\n".join([*messages, str(caught.value), repr(caught.value)])
    assert_no_secret(text)
    assert str(caught.value) == (
        "GET /x failed after 2 attempts over 1s; last: HTTP 500 Internal Server Error: "
        "Bearer [REDACTED] rejected - password [REDACTED]"
    )


# -- paging ----------------------------------------------------------------------------------------


def page(*ids: str) -> dict[str, Any]:
    return {"result": [{"sys_id": i} for i in ids]}


@responses.activate
def test_offset_paging_goes_on_after_a_short_page_and_stops_at_the_total(fake_time: FakeTime) -> None:
    url = f"{BASE}/api/now/table/wm_order"
    total = {"X-Total-Count": "7"}
    responses.get(url, json=page("a", "b", "c"), headers=total)
    responses.get(url, json=page("d"), headers=total)  # short: access rules hid two rows
    responses.get(url, json=page("e", "f", "g"), headers=total)
    got = records(
        make_client(fake_time),
        OffsetPaginator(limit=3),
        "/api/now/table/wm_order",
        {"sysparm_query": "ORDERBYsys_id"},
    )
    assert [r["sys_id"] for r in got] == list("abcdefg")
    assert [parse_qs(c.request.url.split("?")[1]) for c in responses.calls] == [
        {"sysparm_query": ["ORDERBYsys_id"], "sysparm_limit": ["3"], "sysparm_offset": [str(o)]}
        for o in (0, 3, 6)
    ]


@responses.activate
def test_offset_paging_stops_on_an_empty_page_without_a_total(fake_time: FakeTime) -> None:
    url = f"{BASE}/t"
    responses.get(url, json=page("a", "b"))
    responses.get(url, json=page("c"))
    responses.get(url, json=page())
    assert [r["sys_id"] for r in records(make_client(fake_time), OffsetPaginator(limit=2), "/t")] == [
        "a",
        "b",
        "c",
    ]
    assert len(responses.calls) == 3


@responses.activate
def test_records_stream_page_by_page(fake_time: FakeTime) -> None:
    url = f"{BASE}/t"
    responses.get(url, json=page("a", "b"), headers={"X-Total-Count": "4"})
    responses.get(url, json=page("c", "d"), headers={"X-Total-Count": "4"})
    stream = records(make_client(fake_time), OffsetPaginator(limit=2), "/t")
    assert next(stream)["sys_id"] == "a"
    assert len(responses.calls) == 1
    assert [r["sys_id"] for r in stream] == ["b", "c", "d"]


@responses.activate
def test_a_cancelled_page_is_asked_again_at_half_the_size(fake_time: FakeTime) -> None:
    url = f"{BASE}/t"
    cancelled = {"error": {"message": "Transaction cancelled: maximum executio",
                           "detail": "Transaction cancelled: maximum execution time exceeded"}, "status": "failure"}  # fmt: skip
    responses.get(url, status=400, json=cancelled)
    responses.get(url, json=page("a", "b"), headers={"X-Total-Count": "3"})
    responses.get(url, json=page("c"), headers={"X-Total-Count": "3"})
    client = make_client(fake_time)
    client.too_large_markers = ("Transaction cancelled: maximum execution time exceeded",)
    assert [r["sys_id"] for r in records(client, OffsetPaginator(limit=4), "/t")] == ["a", "b", "c"]
    assert [(q["sysparm_limit"], q["sysparm_offset"]) for q in (parse_qs(c.request.url.split("?")[1]) for c in responses.calls)] == [
        (["4"], ["0"]), (["2"], ["0"]), (["2"], ["2"])
    ]  # fmt: skip


@responses.activate
def test_a_page_without_a_result_list_is_a_platform_error(fake_time: FakeTime) -> None:
    responses.get(f"{BASE}/t", json={"result": "oops"})
    with pytest.raises(PlatformError, match=r"^GET /t: the reply has no list of records under 'result'$"):
        list(records(make_client(fake_time), OffsetPaginator(), "/t"))


@responses.activate
def test_next_url_paging_follows_until_done(fake_time: FakeTime) -> None:
    first = f"{BASE}/services/data/v62.0/query"
    responses.get(
        first,
        json={
            "done": False,
            "nextRecordsUrl": "/services/data/v62.0/query/01g-2000",
            "records": [{"Id": "1"}],
        },
    )
    responses.get(f"{BASE}/services/data/v62.0/query/01g-2000", json={"done": True, "records": [{"Id": "2"}]})
    got = records(
        make_client(fake_time),
        NextUrlPaginator(),
        "/services/data/v62.0/query",
        {"q": "SELECT Id FROM WorkOrder"},
    )
    assert [r["Id"] for r in got] == ["1", "2"]
    assert responses.calls[0].request.url == f"{first}?q=SELECT+Id+FROM+WorkOrder"


def test_chunks() -> None:
    assert list(chunks(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunks([], 3)) == []
