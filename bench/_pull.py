"""The timing harness bench/servicenow.py and bench/salesforce.py share.

A platform emulator serves N work orders from a child process (forked, so that the server and the client
do not share a GIL). An untimed first pull through the connector fills the server's query cache and
records what the connector asked for; the plain requests.get loop must then read as many work orders
from those requests. Then the two run alternately, best of `repeat` each, and last the connector pulls
once more under tracemalloc (which slows Python down, so that run is not timed) for its peak memory.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

#: (base URL, list to record the requests into, or None) -> work orders read through the connector.
Pull = Callable[[str, "list[str] | None"], int]
#: (base URL, the recorded requests) -> work orders read by the plain loop.
Plain = Callable[[str, list[str]], int]
#: (number of work orders, the pipe to send the server's URL on) -> None, serving until the pipe closes.
Serve = Callable[[int, Connection], None]


@dataclass(frozen=True)
class Timings:
    """What `measure` found: the recorded requests, best seconds of each side, the connector's peak."""

    requests: list[str]
    plain: float
    connector: float
    peak_bytes: int


def serve_until_closed(emulator: Any, pipe: Connection) -> None:
    """In the child: start the emulator, send its URL, and serve until the parent closes its end."""
    with emulator:
        pipe.send(emulator.url)
        with contextlib.suppress(EOFError):
            pipe.recv()


def measure(serve: Serve, size: int, pull: Pull, plain: Plain, repeat: int) -> Timings:
    """Time `pull` against `plain` on a server `serve(size, pipe)` runs in a child process."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    server = context.Process(target=serve, args=(size, child), daemon=True)
    server.start()
    url = parent.recv()
    try:
        requests: list[str] = []
        warm = pull(url, requests)  # untimed: fills the server's query cache, records the requests
        assert warm == size, warm
        assert plain(url, requests) == warm
        best_plain = best_connector = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            plain(url, requests)
            best_plain = min(best_plain, time.perf_counter() - start)
            start = time.perf_counter()
            pull(url, None)
            best_connector = min(best_connector, time.perf_counter() - start)
        tracemalloc.start()
        pull(url, None)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        parent.close()
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()
    return Timings(requests, best_plain, best_connector, peak)


def report(platform: str, size: int, timings: Timings) -> None:
    """Print both sides' times and records per second, their ratio, and the connector's peak memory."""
    plain, connector = timings.plain, timings.connector
    print(f"baseline requests.get loop: {plain:.2f} s ({size / plain:,.0f} records/s)")
    print(f"fsmkit {platform} connector: {connector:.2f} s ({size / connector:,.0f} records/s)")
    print(f"ratio connector / baseline records per second: {plain / connector:.2f} (target >= 0.80)")
    print(f"connector peak memory (tracemalloc): {timings.peak_bytes / 2**20:.1f} MB")
