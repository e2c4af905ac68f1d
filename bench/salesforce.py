"""Benchmark: work orders pulled through the Salesforce connector against a plain requests.get loop.

    python bench/salesforce.py --work-orders 100000 --repeat 3

The Salesforce emulator (tests/emulators/salesforce.py) serves N work orders from a child process, so
that the server and the client do not share a GIL. Both sides run against that same server, alternating,
best of --repeat (the harness both connector benchmarks share: bench/_pull.py):

* the connector: `SalesforceConnector.work_orders(None)` with the default mapping and batchSize 2000,
  every record flattened, mapped, typed and validated into a WorkOrder (with the ServiceAppointment and
  WorkOrderHistory `IN` queries per 200 work orders that this costs);
* the baseline: a plain loop of `requests.get` (one keep-alive session, a bearer token) over the same
  queries the connector sent (recorded in an untimed first run), following each one's `nextRecordsUrl`
  until `done`, each body parsed with `.json()`. Like bench/servicenow.py, it asks exactly the URLs
  the connector asked (so both send the same bytes: fsmkit.http.query_string's form, which leaves
  quotes, commas and parentheses unescaped, as RFC 3986 allows in a query).

The ratio is connector records per second / baseline records per second (target >= 0.8). Peak memory
is tracemalloc's peak in this process while the connector pulls every work order (a separate, untimed
run: tracemalloc slows Python down). The appointment and history objects are empty; the server caches
each query's shaped rows (pages of one query share them), so a page costs only its slice and its JSON,
and it turns Nagle's algorithm off (see bench/servicenow.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]  # the shared harness, the emulators

from _pull import measure, report, serve_until_closed  # noqa: E402
from emulators.salesforce import CLIENT_SECRET, CONSUMER_KEY, SalesforceEmulator, Soql  # noqa: E402

PRIORITIES = ("Critical", "High", "Medium", "Low")


class CachingEmulator(SalesforceEmulator):
    """The emulator, remembering the shaped rows of each query (its cursors then share one list)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answered: dict[str, list[dict[str, Any]]] = {}

    def query(self, soql: Soql) -> list[dict[str, Any]]:
        key = repr(soql)
        if key not in self._answered:
            self._answered[key] = super().query(soql)
        return self._answered[key]


def objects(size: int) -> dict[str, list[dict[str, Any]]]:
    """`size` work orders over two years for 200 accounts, as Salesforce records."""
    orders = []
    start = 1_704_067_200  # 2024-01-01T00:00:00Z
    for n in range(size):
        opened = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime(start + n * 2 * 365 * 86400 // size))
        closed = n % 5 != 0
        orders.append({
            "Id": f"0WO{n:012d}AAA", "WorkOrderNumber": f"{n:08d}", "AccountId": f"001{n % 200:012d}",
            "AssetId": f"02i{n % 2000:012d}", "ServiceContractId": f"810{n % 200:012d}",
            "MaintenancePlanId": "1MP000000000001" if n % 4 == 0 else None, "Priority": PRIORITIES[n % 4],
            "StatusCategory": "Closed" if closed else "InProgress",
            "Status": "Closed" if closed else "In Progress",
            "Subject": f"Unit {n % 2000} alarm", "Description": "Compressor trips on high pressure",
            "CreatedDate": opened, "EndDate": opened if closed else None, "LocationId": None,
        })  # fmt: skip
    return {"WorkOrder": orders, "ServiceAppointment": [], "AssignedResource": [], "WorkOrderHistory": []}


def serve(size: int, pipe: Any) -> None:
    """The child: serve the org until the parent closes its end of the pipe."""
    from emulators import salesforce

    salesforce._Handler.disable_nagle_algorithm = True
    serve_until_closed(CachingEmulator(objects(size), daily_max=10_000_000), pipe)


def connector(url: str) -> Any:
    from fsmkit.connectors.salesforce import SalesforceConnector

    return SalesforceConnector.from_settings(
        {
            "instance_url": url,
            "auth": "oauth",
            "client_id": CONSUMER_KEY,
            "client_secret_env": "BENCH_SF_SECRET",
        }
    )


def pull(url: str, queries: list[str] | None = None) -> int:
    """Work orders read through the connector (recording the URL of each query it sends into `queries`)."""
    made = connector(url)
    if queries is not None:

        def record(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            if urlsplit(response.url).path.endswith("/query"):
                queries.append(response.url)

        made.client.http.hooks["response"].append(record)
    return sum(1 for _ in made.work_orders(None))


def plain(url: str, queries: list[str]) -> int:
    """Work order records of the same queries with a plain requests.get loop following nextRecordsUrl."""
    count = 0
    with requests.Session() as session:
        form = {"grant_type": "client_credentials", "client_id": CONSUMER_KEY, "client_secret": CLIENT_SECRET}
        token = session.post(f"{url}/services/oauth2/token", data=form, timeout=30).json()["access_token"]
        session.headers.update({"Authorization": f"Bearer {token}", "Sforce-Query-Options": "batchSize=2000"})
        for query in queries:
            response = session.get(query, timeout=30)
            soql = dict(parse_qsl(urlsplit(query).query))["q"]
            while True:
                response.raise_for_status()
                body = response.json()
                if "FROM WorkOrder " in soql:
                    count += len(body["records"])
                if body["done"]:
                    break
                response = session.get(url + body["nextRecordsUrl"], timeout=30)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work-orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["BENCH_SF_SECRET"] = CLIENT_SECRET
    n = args.work_orders
    timings = measure(serve, n, pull, plain, args.repeat)
    pages = -(-n // 2000)
    queries = len(timings.requests)
    print(f"{n:,} work orders, {queries:,} queries ({pages} WorkOrder pages of 2000 by nextRecordsUrl)")
    report("Salesforce", n, timings)


if __name__ == "__main__":
    main()
