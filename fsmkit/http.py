"""HTTP for every platform connector, written once: sessions, retries, auth and redaction.

* `session()` builds a requests.Session: TLS verification always on (a `ca_bundle` may replace the
  system roots; there is no switch to turn it off), a User-Agent naming fsmkit and its version; it reads
  the environment's proxy and CA settings once per host, not on every request (`Session`).
* `Client` sends requests with a timeout on every call, and retries connection errors, timeouts, 429,
  500, 502, 503 and 504 with exponential backoff and jitter, honouring Retry-After (seconds or an HTTP
  date), bounded by `retry_attempts` and `retry_max_seconds`. Only reads and idempotent writes are
  retried; a create that is not idempotent goes through `Client.create`, which looks its key up again
  before each new attempt, so a lost reply never makes a second record. The final failure is a
  PlatformError (exit 3) saying what was tried. Sleep, clock and jitter are injectable: tests never sleep.
* Auth strategies: `BasicAuth`, `OAuth` (token endpoint grants password, client_credentials,
  refresh_token) and `JwtBearer` (RFC 7523, an RS256 assertion), the token cached for the run and
  refreshed once on a 401.
* Hooks for a platform's own rules: `on_request` runs before every request (an API budget may stop it),
  `on_response` sees every reply (usage headers) and may ask for a retry (a concurrency limit) or stop.
* Query parameters are form-encoded by `query_string`, which leaves the characters a query may hold
  as they are (commas, quotes, parentheses: long IN queries stay short and need no re-checking).
* `Redactor` scrubs every secret the client knows (passwords, client secrets, tokens, Authorization
  values) from every log line (logger `fsmkit.http`) and every exception message.

Connectors merge `HTTP_SETTINGS` into their own settings schema and build a client with `from_settings`.
"""

from __future__ import annotations

import base64
import logging
import os
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus, urljoin, urlsplit

import orjson
import requests
from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception_type

from fsmkit import __version__
from fsmkit.errors import ConfigError, PlatformError

log = logging.getLogger("fsmkit.http")

T = TypeVar("T")

RETRIABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
REDACTED = "[REDACTED]"

# Profile settings of the HTTP layer (DESIGN.md "Profile settings"); connectors merge them into theirs.
HTTP_SETTINGS: dict[str, dict[str, Any]] = {
    "instance_url": {
        "type": "string",
        "pattern": "^https?://",
        "description": "the platform's base URL",
        "examples": ["https://acme.service-now.com"],
    },
    "auth": {
        "type": "string",
        "enum": ["basic", "oauth", "jwt"],
        "description": "how to sign in: basic (username and password), oauth (token endpoint) or jwt "
        "(the OAuth JWT bearer flow: client_id, username, private_key_file)",
        "examples": ["oauth"],
    },
    "grant_type": {
        "type": "string",
        "enum": ["password", "client_credentials", "refresh_token"],
        "description": "oauth: the grant asked of the token endpoint",
        "examples": ["client_credentials"],
    },
    "username": {
        "type": "string",
        "description": "basic auth or the oauth password grant: the API user's name",
        "examples": ["fsmkit.api"],
    },
    "password_env": {
        "type": "string",
        "description": "the environment variable holding the API user's password",
        "examples": ["FSMKIT_SN_PASSWORD"],
    },
    "client_id": {
        "type": "string",
        "description": "oauth: the client (application) id",
        "examples": ["3f1c0a9b5e2d4c7a8b6e0f1d2c3b4a59"],
    },
    "client_secret_env": {
        "type": "string",
        "description": "oauth: the environment variable holding the client secret",
        "examples": ["FSMKIT_SN_CLIENT_SECRET"],
    },
    "refresh_token_env": {
        "type": "string",
        "description": "oauth refresh_token grant: the environment variable holding the refresh token",
        "examples": ["FSMKIT_SN_REFRESH_TOKEN"],
    },
    "private_key_file": {
        "type": "string",
        "description": "jwt: the PEM file of the private key that signs the assertion (RS256)",
        "examples": ["~/.config/fsmkit/salesforce.key"],
    },
    "jwt_audience": {
        "type": "string",
        "pattern": "^https?://",
        "description": "jwt: the assertion's aud, the login host even when tokens come from another one",
        "examples": ["https://login.salesforce.com"],
    },
    "page_size": {
        "type": "integer",
        "minimum": 1,
        "description": "records asked for per request (default 1000)",
        "examples": [1000],
    },
    "timeout_seconds": {
        "type": "number",
        "exclusiveMinimum": 0,
        "description": "the timeout of every request, in seconds (default 30)",
        "examples": [30],
    },
    "retry_attempts": {
        "type": "integer",
        "minimum": 1,
        "description": "attempts per request, the first included, before giving up (default 5)",
        "examples": [5],
    },
    "retry_max_seconds": {
        "type": "number",
        "minimum": 0,
        "description": "the most time one request may spend retrying, in seconds (default 120)",
        "examples": [120],
    },
    "ca_bundle": {
        "type": "string",
        "description": "a CA bundle (PEM) to verify the platform's certificate with, instead of the system's",
        "examples": ["/etc/ssl/certs/corp-ca.pem"],
    },
}


# ---------------------------------------------------------------------------------------------------
# Redaction


class Redactor:
    """Scrubs known secret values, and anything shaped like a credential, from text."""

    _PATTERNS = (
        (
            re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:[a-z]+\s+)?[^\s'\",;}]+"),
            rf"\1{REDACTED}",
        ),
        (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]{8,}=*"), rf"\1 {REDACTED}"),
        (
            re.compile(r"(?i)\b(password|client_secret|access_token|refresh_token|assertion)=[^&\s'\";,]+"),
            rf"\1={REDACTED}",
        ),
        (
            re.compile(r"(?i)(['\"](?:password|client_secret|access_token|refresh_token)['\"]\s*:\s*)"
                       r"['\"][^'\"]*['\"]"),
            rf"\1'{REDACTED}'",
        ),
    )  # fmt: skip

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, *secrets: str | None) -> None:
        """Remember secret values (and their URL-encoded forms) to scrub wherever they appear."""
        for secret in secrets:
            if secret:
                self._secrets.update({secret, quote(secret, safe=""), quote_plus(secret), _escape(secret)})

    def __call__(self, text: str) -> str:
        """`text` with every known secret and credential-shaped value replaced by [REDACTED]."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        for pattern, replacement in self._PATTERNS:
            text = pattern.sub(replacement, text)
        return text


# ---------------------------------------------------------------------------------------------------
# Errors


class RequestFailed(PlatformError):
    """A request that failed for good; `status` is the last HTTP status (None: no reply)."""

    def __init__(self, message: str, status: int | None = None, retriable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retriable = retriable


class PageTooLarge(RequestFailed):
    """The platform cancelled the request for taking too long (a smaller page may pass)."""


class _Transient(Exception):
    """An attempt failed in a way worth retrying: what to say, and how long the platform asks to wait."""

    def __init__(self, summary: str, status: int | None, retry_after: float | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.status = status
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_summary(response: requests.Response) -> str:
    """'HTTP 403 Forbidden: message (detail)' from a reply, reading the platforms' error envelopes."""
    head = f"HTTP {response.status_code}{' ' + response.reason if response.reason else ''}"
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return head
    parts: list[str] = []
    if isinstance(body, dict) and isinstance(body.get("error"), dict):  # ServiceNow
        parts = [str(body["error"].get(k)) for k in ("message", "detail") if body["error"].get(k)]
    elif isinstance(body, dict) and body.get("error"):  # OAuth token endpoints
        parts = [str(body[k]) for k in ("error", "error_description") if body.get(k)]
    elif isinstance(body, list) and body and isinstance(body[0], dict):  # Salesforce
        parts = [str(body[0].get(k)) for k in ("errorCode", "message") if body[0].get(k)]
    return f"{head}: {' - '.join(parts)}" if parts else head


# ---------------------------------------------------------------------------------------------------
# Settings and the session


@dataclass(frozen=True, slots=True)
class HttpOptions:
    """The HTTP behaviour a profile sets (defaults: DESIGN.md)."""

    timeout_seconds: float = 30.0
    retry_attempts: int = 5
    retry_max_seconds: float = 120.0
    ca_bundle: str | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> HttpOptions:
        """The options named in a profile's settings, defaults for the rest."""
        names = ("timeout_seconds", "retry_attempts", "retry_max_seconds", "ca_bundle")
        return cls(**{name: settings[name] for name in names if settings.get(name) is not None})


class Session(requests.Session):
    """A requests.Session that reads the environment's proxy and CA bundle settings once per origin.

    requests reads them again for every request (os.environ, no_proxy matching: a few percent of a
    request to a nearby server); a connector's requests all go to one instance, so what they give is kept
    per scheme and host (and the session's own settings), for the session's life.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[Any, ...], dict[str, Any]] = {}

    def merge_environment_settings(
        self, url: str | bytes | None, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        """requests' merge of a request's settings with the environment's and the session's, cached."""
        if proxies or not isinstance(url, str):  # a request's own proxies: read everything, as requests does
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        own = (self.trust_env, self.stream, self.verify, self.cert, tuple(self.proxies.items()))
        key = (parts.scheme, parts.netloc, stream, verify, cert, *own)
        if key not in self._environment:
            self._environment[key] = super().merge_environment_settings(url, {}, stream, verify, cert)
        settings = self._environment[key]
        return {**settings, "proxies": dict(settings["proxies"])}


def session(options: HttpOptions) -> requests.Session:
    """A requests.Session that verifies TLS (against `ca_bundle` if set) and names fsmkit."""
    made = Session()
    made.verify = os.path.expanduser(options.ca_bundle) if options.ca_bundle else True
    made.headers.update({"User-Agent": f"fsmkit/{__version__}", "Accept": "application/json"})
    return made


def secret_from_env(settings: Mapping[str, Any], name: str) -> str:
    """The secret whose environment variable the setting `<name>_env` names."""
    variable = settings.get(f"{name}_env")
    if not variable:
        raise ConfigError(f"set {name}_env to the environment variable holding the {name.replace('_', ' ')}")
    value = os.environ.get(variable)
    if not value:
        raise ConfigError(f"environment variable {variable} (named by {name}_env) is not set")
    return value


# ---------------------------------------------------------------------------------------------------
# Auth


class BasicAuth:
    """HTTP basic auth: a fixed Authorization header."""

    def __init__(self, username: str, password: str) -> None:
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self._header = f"Basic {token}"
        self.secrets = (password, token)

    def headers(self, client: Client) -> dict[str, str]:
        """The Authorization header."""
        return {"Authorization": self._header}

    def refresh(self, client: Client) -> bool:
        """Basic credentials cannot be refreshed."""
        return False


class OAuth:
    """OAuth 2.0 at a token endpoint; the access token is cached for the run and refreshed on a 401."""

    def __init__(
        self,
        token_path: str,
        grant_type: str,
        client_id: str,
        client_secret: str,
        username: str | None = None,
        password: str | None = None,
        refresh_token: str | None = None,
    ) -> None:
        self.token_path = token_path
        self.grant_type = grant_type
        self._form = {"grant_type": grant_type, "client_id": client_id, "client_secret": client_secret}
        if grant_type == "password":
            self._form.update(username=username or "", password=password or "")
        elif grant_type == "refresh_token":
            self._form["refresh_token"] = refresh_token or ""
        self._access_token: str | None = None
        self._refresh_token = refresh_token
        self.secrets = (client_secret, password, refresh_token)

    def headers(self, client: Client) -> dict[str, str]:
        """The bearer Authorization header, asking for a token first if there is none yet."""
        if self._access_token is None:
            self._fetch(client, self._form)
        return {"Authorization": f"Bearer {self._access_token}"}

    def refresh(self, client: Client) -> bool:
        """Get a new access token: by the refresh token the endpoint gave (password grant), else the grant."""
        if self._refresh_token and self.grant_type == "password":
            form = {**self._form, "grant_type": "refresh_token", "refresh_token": self._refresh_token}
            for key in ("username", "password"):
                form.pop(key, None)
            try:
                self._fetch(client, form)
                return True
            except RequestFailed as exc:
                if exc.status not in (400, 401):
                    raise
                client.note(f"POST {self.token_path}: the refresh token was refused; signing in again")
        self._fetch(client, self._form)
        return True

    def _fetch(self, client: Client, form: dict[str, str]) -> None:
        response = client.send("POST", self.token_path, data=form, authenticate=False, idempotent=True)
        body = client.json(response, "POST", self.token_path)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise RequestFailed(f"POST {self.token_path}: the token endpoint's reply has no access_token")
        self._access_token = token
        self._refresh_token = body.get("refresh_token") or self._refresh_token
        if self.grant_type == "refresh_token" and self._refresh_token:
            self._form["refresh_token"] = self._refresh_token  # a rotated refresh token replaces the old
        client.redact.add(token, self._refresh_token)


JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class JwtBearer:
    """The OAuth 2.0 JWT bearer flow: an RS256 assertion (iss, sub, aud, exp) for an access token.

    There is no refresh token: the token is cached for the run and a new assertion minted on a 401.
    `aud` is the login host even when the token endpoint is on another one (a My Domain).
    """

    def __init__(
        self,
        token_path: str,
        client_id: str,
        username: str,
        private_key: str,
        audience: str,
        lifetime_seconds: int = 180,
    ) -> None:
        self.token_path = token_path
        self.client_id = client_id
        self.username = username
        self.audience = audience
        self.lifetime_seconds = lifetime_seconds
        self._private_key = private_key
        self._access_token: str | None = None
        self.secrets = (private_key,)

    def assertion(self, now: datetime) -> str:
        """The signed assertion, valid from `now` for `lifetime_seconds`."""
        import jwt  # PyJWT, imported only by runs that sign in this way

        claims = {
            "iss": self.client_id,
            "sub": self.username,
            "aud": self.audience,
            "exp": int(now.timestamp()) + self.lifetime_seconds,
        }
        try:
            return jwt.encode(claims, self._private_key, algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            reason = type(exc).__name__
            raise ConfigError(f"private_key_file: cannot sign the JWT assertion ({reason})") from None

    def headers(self, client: Client) -> dict[str, str]:
        """The bearer Authorization header, asking for a token first if there is none yet."""
        if self._access_token is None:
            self.refresh(client)
        return {"Authorization": f"Bearer {self._access_token}"}

    def refresh(self, client: Client) -> bool:
        """Mint a new assertion and exchange it for a new access token."""
        assertion = self.assertion(client.now())
        client.redact.add(assertion)
        form = {"grant_type": JWT_BEARER_GRANT, "assertion": assertion}
        response = client.send("POST", self.token_path, data=form, authenticate=False, idempotent=True)
        body = client.json(response, "POST", self.token_path)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise RequestFailed(f"POST {self.token_path}: the token endpoint's reply has no access_token")
        self._access_token = token
        client.redact.add(token)
        return True


Auth = BasicAuth | OAuth | JwtBearer


def auth_from_settings(settings: Mapping[str, Any], token_path: str) -> Auth:
    """The auth strategy a profile names (`auth`, default basic), its secrets read from the environment."""
    if settings.get("auth", "basic") == "basic":
        if not settings.get("username"):
            raise ConfigError("set username (and password_env) for basic auth")
        return BasicAuth(settings["username"], secret_from_env(settings, "password"))
    if settings.get("auth") == "jwt":
        needed = ("client_id", "username", "private_key_file", "jwt_audience")
        missing = [name for name in needed if not settings.get(name)]
        if missing:
            raise ConfigError(f"set {', '.join(missing)} for the jwt bearer flow")
        path = os.path.expanduser(settings["private_key_file"])
        try:
            with open(path, encoding="utf-8") as handle:
                key = handle.read()
        except OSError as exc:
            raise ConfigError(f"private_key_file: cannot read {path} ({exc.strerror})") from None
        audience = settings["jwt_audience"]
        return JwtBearer(token_path, settings["client_id"], settings["username"], key, audience)
    grant = settings.get("grant_type", "client_credentials")
    if not settings.get("client_id"):
        raise ConfigError("set client_id (and client_secret_env) for oauth")
    password = refresh_token = None
    if grant == "password":
        if not settings.get("username"):
            raise ConfigError("set username (and password_env) for the oauth password grant")
        password = secret_from_env(settings, "password")
    elif grant == "refresh_token":
        refresh_token = secret_from_env(settings, "refresh_token")
    return OAuth(
        token_path,
        grant,
        settings["client_id"],
        secret_from_env(settings, "client_secret"),
        settings.get("username"),
        password,
        refresh_token,
    )


# ---------------------------------------------------------------------------------------------------
# The client


@dataclass
class Backoff:
    """Exponential backoff with jitter, or the platform's Retry-After when it gives one."""

    initial: float = 1.0
    cap: float = 60.0
    jitter: float = 1.0
    rng: Callable[[], float] = random.random

    def __call__(self, state: RetryCallState) -> float:
        """Seconds to wait before the next attempt."""
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _Transient) and failure.retry_after is not None:
            return failure.retry_after
        exponential = min(self.cap, self.initial * 2 ** (state.attempt_number - 1))
        return exponential + self.jitter * self.rng()


@dataclass
class Created:
    """`Client.create` made the record: its reply."""

    response: requests.Response


@dataclass
class Found:
    """`Client.create` found the record made by an attempt whose reply was lost: what `find` returned."""

    existing: Any


@dataclass
class Client:
    """Requests to one platform: base URL, session, auth, retries, redaction, logging.

    `sleep`, `clock` (monotonic seconds), `now` (for Retry-After dates) and `backoff` are injectable so
    that tests never wait.
    """

    base_url: str
    auth: Auth | None = None
    options: HttpOptions = field(default_factory=HttpOptions)
    http: requests.Session | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    backoff: Backoff = field(default_factory=Backoff)
    #: Body texts meaning "the platform gave up on this request: ask for less" (PageTooLarge).
    too_large_markers: tuple[str, ...] = ()
    redact: Redactor = field(default_factory=Redactor)
    #: Called with (method, path) before every request is sent; may raise a PlatformError to stop.
    on_request: Callable[[str, str], None] | None = None
    #: Called with every reply; True means "retry this one" (with backoff); may raise to stop.
    on_response: Callable[[requests.Response], bool] | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if self.http is None:
            self.http = session(self.options)
        if self.auth is not None:
            self.redact.add(*self.auth.secrets)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], token_path: str, **extra: Any) -> Client:
        """A client for a profile: its instance_url, auth and HTTP options."""
        if not settings.get("instance_url"):
            raise ConfigError("set instance_url to the platform's base URL")
        options = HttpOptions.from_settings(settings)
        return cls(settings["instance_url"], auth_from_settings(settings, token_path), options, **extra)

    # -- public ------------------------------------------------------------------------------------

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> tuple[requests.Response, Any]:
        """GET `path` (relative to the base URL, or absolute on it), retried; the reply and its JSON body."""
        response = self.send("GET", path, params=params)
        return response, self.json(response, "GET", path)

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        authenticate: bool = True,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """Send a request and return its successful reply; retried when `idempotent` (default: by method).

        A failure after retries, an error reply or a second 401 raises RequestFailed (a PlatformError).
        """
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        attempts = self.options.retry_attempts if idempotent else 1

        def attempt() -> requests.Response:
            return self._send_once(method, path, params, json, data, authenticate)

        return self._retrying(method, path, attempts, attempt)

    def create(
        self, path: str, json: Any, find: Callable[[], T | None], *, params: Mapping[str, Any] | None = None
    ) -> Created | Found:
        """POST a record that must exist once: before every retry, `find` looks it up again.

        Returns Created with the reply, or Found with what `find` returned when an earlier attempt's
        reply was lost but the record was made.
        """

        def attempt() -> Created | Found:
            if state["tried"]:
                existing = find()
                if existing is not None:
                    return Found(existing)
            state["tried"] = True
            return Created(self._send_once("POST", path, params, json, None, True))

        state = {"tried": False}
        return self._retrying("POST", path, self.options.retry_attempts, attempt)

    def json(self, response: requests.Response, method: str, path: str) -> Any:
        """The JSON body of a reply; an unparseable one is a RequestFailed naming the request."""
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise self._failed(
                f"{method} {_display(path)}: the reply (HTTP {response.status_code}, "
                f"{len(response.content)} bytes) is not valid JSON: {exc}",
                response.status_code,
            ) from None

    # -- internals ---------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return (
            path
            if path.startswith(("http://", "https://"))
            else urljoin(self.base_url + "/", path.lstrip("/"))
        )

    def _retrying(self, method: str, path: str, attempts: int, attempt: Callable[[], T]) -> T:
        started = self.clock()

        def stop(state: RetryCallState) -> bool:
            spent = self.clock() - started + state.upcoming_sleep
            return state.attempt_number >= attempts or spent > self.options.retry_max_seconds

        def before_sleep(state: RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome else None
            self._log(
                logging.INFO,
                f"{method} {_display(path)}: {getattr(failure, 'summary', failure)}; "
                f"retrying in {state.upcoming_sleep:.1f}s (attempt {state.attempt_number + 1} of {attempts})",
            )

        retrying = Retrying(
            stop=stop,
            wait=self.backoff,
            retry=retry_if_exception_type(_Transient),
            sleep=self.sleep,
            before_sleep=before_sleep,
        )
        try:
            return retrying(attempt)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            assert isinstance(last, _Transient)
            tries = exc.last_attempt.attempt_number
            raise self._failed(
                f"{method} {_display(path)} failed after {tries} attempt{'s' if tries > 1 else ''} "
                f"over {self.clock() - started:.0f}s; last: {last.summary}",
                last.status,
                retriable=True,
            ) from None

    def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Mapping[str, str] | None,
        authenticate: bool,
    ) -> requests.Response:
        response = self._exchange(method, path, params, json, data, authenticate)
        if response.status_code == 401 and authenticate and self.auth is not None:
            self._log(logging.INFO, f"{method} {_display(path)}: HTTP 401; refreshing the credentials once")
            if self.auth.refresh(self):
                response = self._exchange(method, path, params, json, data, authenticate)
        if response.status_code >= 400 and any(m in response.text for m in self.too_large_markers):
            message = f"{method} {_display(path)}: {error_summary(response)}"
            raise PageTooLarge(self.redact(message), response.status_code)
        if response.status_code in RETRIABLE_STATUSES:
            after = retry_after_seconds(response.headers.get("Retry-After"), self.now())
            raise _Transient(error_summary(response), response.status_code, after)
        if response.status_code >= 400:
            summary = error_summary(response)
            hint = "; check the profile's credentials" if response.status_code == 401 else ""
            raise self._failed(f"{method} {_display(path)}: {summary}{hint}", response.status_code)
        return response

    def _exchange(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Mapping[str, str] | None,
        authenticate: bool,
    ) -> requests.Response:
        assert self.http is not None
        headers = self.auth.headers(self) if authenticate and self.auth is not None else {}
        if self.on_request is not None:
            self.on_request(method, path)
        started = self.clock()
        try:
            response = self.http.request(
                method,
                self._url(path),
                params=query_string(params) if params else None,
                json=json,
                data=data,
                headers=headers,
                timeout=self.options.timeout_seconds,
            )
        except requests.Timeout:
            raise _Transient(f"no reply within {self.options.timeout_seconds:g}s", None) from None
        except requests.ConnectionError as exc:
            raise _Transient(f"cannot connect ({type(exc).__name__})", None) from None
        except requests.RequestException as exc:
            raise self._failed(f"{method} {_display(path)}: {exc}") from None
        if log.isEnabledFor(logging.INFO):  # the message is built only when it is shown (-v)
            took = f"{(self.clock() - started) * 1e3:.0f} ms"
            self._log(logging.INFO, f"{method} {_display(path)} -> {response.status_code} in {took}")
            self._log(logging.DEBUG, f"{method} {response.url}")
        if self.on_response is not None and self.on_response(response):
            after = retry_after_seconds(response.headers.get("Retry-After"), self.now())
            raise _Transient(error_summary(response), response.status_code, after)
        return response

    def _failed(self, message: str, status: int | None = None, retriable: bool = False) -> RequestFailed:
        return RequestFailed(self.redact(message), status, retriable)

    def _log(self, level: int, message: str) -> None:
        if log.isEnabledFor(level):
            log.log(level, "%s", self.redact(message))

    def note(self, message: str) -> None:
        """Log a message about this client's requests (redacted, at INFO: shown with -v)."""
        self._log(logging.INFO, message)

    def log_page(self, path: str, size: int) -> None:
        """Log a page's record count (the page loop calls this)."""
        if log.isEnabledFor(logging.INFO):
            self.note(f"GET {_display(path)}: page of {size} record{'' if size == 1 else 's'}")


# Bytes a query value keeps as they are: RFC 3986's unreserved characters and the sub-delimiters that
# mean nothing in a form-encoded query (so not "&", "=", "+" or ";"); every other byte is escaped as
# %XX, a space as "+". Python's urlencode escapes the sub-delimiters too; leaving them as they are makes
# the long IN queries shorter (commas, quotes and parentheses) and lets requests and urllib3 pass a
# query without "%" through their fast paths instead of re-checking it byte by byte.
_QUERY_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$'()*,/:@"
_QUERY_BYTES = tuple(
    chr(byte) if chr(byte) in _QUERY_SAFE else "+" if byte == 0x20 else f"%{byte:02X}" for byte in range(256)
)
_QUERY_ESCAPE = re.compile(f"[^{re.escape(_QUERY_SAFE)} ]+")  # runs to escape (a space becomes "+" apart)


def query_string(params: Mapping[str, Any]) -> str:
    """`params` form-encoded as a URL query (what `requests` makes of a params mapping: None values left
    out, a list or tuple as one pair per item), with the sub-delimiters that are safe in a query left as
    they are (see _QUERY_SAFE)."""
    pairs = []
    for key, value in params.items():
        for item in value if isinstance(value, list | tuple) else (value,):
            if item is not None:
                pairs.append(f"{_escape(key)}={_escape(item)}")
    return "&".join(pairs)


def _escape(value: Any) -> str:
    if isinstance(value, bytes):
        return _escaped(value)
    # Characters to escape are rare in long queries (ids and commas): find their runs by regex.
    return _QUERY_ESCAPE.sub(lambda run: _escaped(run.group().encode()), str(value)).replace(" ", "+")


def _escaped(data: bytes) -> str:
    return "".join(map(_QUERY_BYTES.__getitem__, data))


def _display(path: str) -> str:
    """The path of a URL or path, without scheme, host or query (what messages show)."""
    return urlsplit(path).path or path
