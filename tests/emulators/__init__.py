"""Local HTTP emulators of the FSM platforms, for tests and benchmarks (real servers on 127.0.0.1).

`LocalServer` is what every emulator shares: a threaded HTTP server on a free port, started and stopped
by the emulator's `with` block, and the record of the requests it received; `Handler` is the base of
their request handlers.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    """One request an emulator received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""


class Handler(BaseHTTPRequestHandler):
    """An emulator's request handler: HTTP/1.1 keep-alive, silent, GET and POST to `_handle(method)`."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read `requests` instead
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        raise NotImplementedError


class LocalServer:
    """A real HTTP server on 127.0.0.1 whose handler class reaches this emulator as `emulator`."""

    requests: list[Recorded]
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def _serve(self, handler: type[BaseHTTPRequestHandler], poll_seconds: float = 0.01) -> None:
        bound = type(handler.__name__, (handler,), {"emulator": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
        self._server.daemon_threads = True
        self._server.block_on_close = False  # keep-alive connections may stay open after the test
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        threading.Thread(target=self._server.serve_forever, args=(poll_seconds,), daemon=True).start()

    def _stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def counts(self) -> Counter[str]:
        """Requests received per path."""
        return Counter(r.path for r in self.requests)
