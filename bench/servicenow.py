"""Benchmark: work orders pulled through the ServiceNow connector against a plain loop of requests.get.

    python bench/servicenow.py --work-orders 100000 --repeat 3

The ServiceNow emulator (tests/emulators/servicenow.py) serves N work orders from a child process, so
that the server and the client do not share a GIL. Both sides run against that same server, alternating,
best of --repeat (the harness both connector benchmarks share: bench/_pull.py):

* the connector: `ServiceNowConnector.work_orders(None)` with the default mapping and page_size 1000,
  every record mapped, typed and validated into a WorkOrder;
* the baseline: a plain loop of `requests.get` (one keep-alive session, basic auth) over exactly the
  URLs the connector requested (recorded in an untimed first run: the wm_order pages and the wm_task
  and sys_audit IN queries per 100 work orders), each body parsed with `.json()`.

The ratio is connector records per second / baseline records per second (target >= 0.8). Peak memory
is tracemalloc's peak in this process while the connector pulls every work order (a separate, untimed
run: tracemalloc slows Python down). The visit and pause tables are empty, so the emulator's linear scans
of IN queries do not dominate; the server caches each query's sorted rows, so a page costs only its
slice and its JSON, and it turns Nagle's algorithm off (its handler writes headers and body apart, and
delayed ACKs would add about 40 ms to every request on both sides, hiding the client's cost).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]  # the shared harness, the emulators

from _pull import measure, report, serve_until_closed  # noqa: E402
from emulators.servicenow import PASSWORD, USERNAME, Query, ServiceNowEmulator  # noqa: E402

STATES = {"Work in Progress": "20", "On Hold": "21", "Closed Complete": "3", "Cancelled": "7"}


class CachingEmulator(ServiceNowEmulator):
    """The emulator, remembering the matching rows of each query (pages of one query share them)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._selected: dict[tuple[str, str], list[dict[str, str]]] = {}

    def select(self, table: str, query: Query) -> list[dict[str, str]]:
        key = (table, repr(query))
        if key not in self._selected:
            self._selected[key] = super().select(table, query)
        return self._selected[key]


def tables(size: int) -> dict[str, list[dict[str, str]]]:
    """`size` work orders over two years for 200 accounts, as ServiceNow rows, and the state choices."""
    orders = []
    for n in range(size):
        minutes = n * 2 * 365 * 24 * 60 // max(size, 1)
        day, minute = divmod(minutes, 24 * 60)
        year, day_of_year = divmod(day, 365)
        month, day_of_month = divmod(day_of_year, 28)  # 13 short months: keep it simple and valid
        clock = f"{minute // 60:02}:{minute % 60:02}:00"
        opened = f"{2024 + year}-{min(month, 11) + 1:02}-{day_of_month + 1:02} {clock}"
        closed = n % 5 != 0
        orders.append({
            "sys_id": f"{n:032x}", "number": f"WO{n:07}", "company": f"acc{n % 200:03}",
            "asset": f"ast{n % 2000:04}", "contract": f"con{n % 200:03}",
            "maintenance_plan": "PM" if n % 4 == 0 else "", "priority": str(n % 5 + 1),
            "state": STATES["Closed Complete"] if closed else STATES["Work in Progress"],
            "short_description": f"Unit {n % 2000} alarm", "description": "Compressor trips on high pressure",
            "opened_at": opened, "work_end": opened if closed else "", "closed_at": opened if closed else "",
            "close_code": "Solved (Permanently)" if closed else "", "location": "",
        })  # fmt: skip
    choices = [
        {"sys_id": f"wm_order-state-{value}", "name": "wm_order", "element": "state", "value": value,
         "label": label, "language": "en"}
        for label, value in STATES.items()
    ]  # fmt: skip
    return {"wm_order": orders, "wm_task": [], "sys_audit": [], "sys_choice": choices, "cmn_location": []}


def serve(size: int, pipe: Any) -> None:
    """The child: serve the tables until the parent closes its end of the pipe."""
    from emulators import servicenow

    # The handler writes headers and body apart; without this, Nagle's algorithm and delayed ACKs add
    # about 40 ms to every keep-alive request, which would hide the client's own cost.
    servicenow._Handler.disable_nagle_algorithm = True
    serve_until_closed(CachingEmulator(tables(size)), pipe)


def connector(url: str) -> Any:
    from fsmkit.connectors.servicenow import ServiceNowConnector

    return ServiceNowConnector.from_settings(
        {"instance_url": url, "username": USERNAME, "password_env": "BENCH_SN_PASSWORD", "page_size": 1000}
    )


def pull(url: str, urls: list[str] | None = None) -> int:
    """Work orders read through the connector (recording the URLs it asks for into `urls`)."""
    client = connector(url)
    if urls is not None:
        client.client.http.hooks["response"].append(lambda response, *a, **k: urls.append(response.url))
    return sum(1 for _ in client.work_orders(None))


def plain(url: str, urls: list[str]) -> int:
    """Records of the same URLs with a plain requests.get loop."""
    count = 0
    with requests.Session() as session:
        session.auth = (USERNAME, PASSWORD)
        for each in urls:
            response = session.get(each, timeout=30)
            response.raise_for_status()
            if "/wm_order" in each:
                count += len(response.json()["result"])
            else:
                response.json()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work-orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["BENCH_SN_PASSWORD"] = PASSWORD
    n = args.work_orders
    timings = measure(serve, n, pull, plain, args.repeat)
    pages = sum("/wm_order" in u for u in timings.requests)
    print(f"{n:,} work orders, {len(timings.requests):,} requests ({pages} wm_order pages of 1000)")
    report("ServiceNow", n, timings)


if __name__ == "__main__":
    main()
