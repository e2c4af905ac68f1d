"""A synthetic service business of any size, in the files connector's format, for benchmarks.

    python bench/synthetic.py --work-orders 100000 --out bench/data/100k

Accounts, assets, calendars and contracts stay fixed while work orders grow, so that memory
measured at different sizes shows what grows with work orders alone. Seeded: the same arguments
give the same files. Work orders look like the demo's: one to three visits, some pauses, mixed kinds.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Europe/London"]
MODELS = ["FrostLine RC-400", "ArcticFlow CU-7", "PolarAir RTU-12", "IceMaster IM-300", "ChillPro WCC-900"]
TECHS = ["Jana Novak", "Omar Haddad", "Lena Vogel", "Sam Carter", "Priya Nair", "Tom Becker"]
CODES = ["COMP-RELAY", "EXV-STICK", "FAN-MOTOR", "REFRIG-LEAK", "CTRL-BOARD", "DOOR-GASKET"]
START = datetime(2024, 1, 1, tzinfo=UTC)


def write(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records), encoding="utf-8")


def iso(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def generate(
    out: Path, work_orders: int, seed: int = 7, accounts: int = 200, assets_per_account: int = 10
) -> None:
    """Write accounts, assets, calendars, contracts and `work_orders` work orders to `out`."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    hours = [["08:00", "18:00"]]
    calendars = [
        {
            "id": f"cal-{i}",
            "timezone": zone,
            "holidays": ["2024-12-25", "2025-01-01", "2025-12-25"],
            "weekly": {d: hours for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [], "sun": []},
        }
        for i, zone in enumerate(ZONES)
    ]
    account_records, asset_records, contract_records = [], [], []
    for a in range(accounts):
        zone = ZONES[a % len(ZONES)]
        account_records.append(
            {"id": f"acc-{a:05}", "name": f"Customer {a}", "tier": "gold", "timezone": zone}
        )
        contract_records.append(
            {
                "id": f"con-{a:05}",
                "number": f"SC-{a:05}",
                "account_id": f"acc-{a:05}",
                "name": "Care",
                "starts_on": "2024-01-01",
                "ends_on": "2030-12-31",
                "calendar_id": f"cal-{a % len(ZONES)}",
                "promises": [
                    {
                        "id": "resp-p1",
                        "kind": "response",
                        "target": "PT4H",
                        "priorities": ["P1"],
                        "work_kinds": ["corrective"],
                    },
                    {
                        "id": "resp",
                        "kind": "response",
                        "target": "PT8H",
                        "priorities": ["P2", "P3", "P4"],
                        "work_kinds": ["corrective"],
                    },
                    {"id": "fix", "kind": "resolution", "target": "PT16H", "work_kinds": ["corrective"]},
                    {"id": "window", "kind": "arrival", "grace": "PT15M"},
                    {"id": "pm", "kind": "pm_interval", "target": "P90D", "clock": "wall"},
                ],
            }
        )
        for s in range(assets_per_account):
            asset_records.append(
                {
                    "id": f"ast-{a:05}-{s:02}",
                    "account_id": f"acc-{a:05}",
                    "model": MODELS[(a + s) % len(MODELS)],
                    "serial": f"SN{a:05}{s:02}",
                    "installed_on": "2022-06-01",
                    "contract_id": f"con-{a:05}",
                    "site": {
                        "name": f"Site {a}-{s % 3}",
                        "address": None,
                        "timezone": zone,
                        "access_notes": None,
                    },
                }
            )
    write(out / "accounts.jsonl", account_records)
    write(out / "assets.jsonl", asset_records)
    write(out / "calendars.jsonl", calendars)
    write(out / "contracts.jsonl", contract_records)
    with (out / "work_orders.jsonl").open("w", encoding="utf-8") as handle:
        for record in _work_orders(rng, work_orders, accounts, assets_per_account):
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")


def _work_orders(rng: random.Random, count: int, accounts: int, assets_per_account: int) -> Iterator[dict]:
    """Work orders over two years from START, in (opened_at, id) order, streamed."""
    step = timedelta(days=730) / max(count, 1)
    for n in range(count):
        a = rng.randrange(accounts)
        zone = ZoneInfo(ZONES[a % len(ZONES)])
        opened = START + step * n
        kind = rng.choices(["corrective", "preventive", "install"], [70, 25, 5])[0]
        visits = []
        moment = opened + timedelta(hours=rng.uniform(1, 30))
        for v in range(rng.choice([1, 1, 1, 2, 3])):
            window_end = moment + timedelta(hours=2)
            arrived = moment + timedelta(minutes=rng.uniform(-20, 150))
            visits.append(
                {
                    "id": f"v-{n:07}-{v}",
                    "technician": rng.choice(TECHS),
                    "window_start": iso(moment, zone),
                    "window_end": iso(window_end, zone),
                    "arrived_at": iso(arrived, zone),
                    "departed_at": iso(arrived + timedelta(minutes=rng.uniform(20, 180)), zone),
                    "outcome": "parts_needed" if v == 0 else "fixed",
                    "notes": None,
                }
            )
            moment += timedelta(days=rng.uniform(1, 4))
        resolved = moment
        pauses = []
        if rng.random() < 0.3:
            pause_start = opened + timedelta(hours=rng.uniform(2, 20))
            pauses.append(
                {
                    "start": iso(pause_start, zone),
                    "end": iso(pause_start + timedelta(hours=rng.uniform(1, 40)), zone),
                    "reason": "Awaiting Parts",
                }
            )
        yield {
            "id": f"wo-{n:08}",
            "number": f"WO{n:08}",
            "account_id": f"acc-{a:05}",
            "asset_id": f"ast-{a:05}-{rng.randrange(assets_per_account):02}",
            "contract_id": f"con-{a:05}",
            "site": None,
            "kind": kind,
            "priority": rng.choice(["P1", "P2", "P2", "P3", "P3", "P4"]),
            "state": "closed",
            "status": "Closed Complete",
            "summary": "Unit not cooling",
            "description": "Case temperature above set point; alarm raised by the controller.",
            "opened_at": iso(opened, zone),
            "resolved_at": iso(resolved, zone),
            "closed_at": iso(resolved, zone),
            "pauses": pauses,
            "visits": visits,
            "failure_code": rng.choice(CODES) if kind == "corrective" else None,
            "resolution_code": "REPAIRED" if kind == "corrective" else None,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, required=True, help="how many work orders")
    parser.add_argument("--out", type=Path, required=True, help="the folder to write")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--assets-per-account", type=int, default=10, help="assets of each of the 200 accounts"
    )
    args = parser.parse_args()
    generate(args.out, args.work_orders, args.seed, assets_per_account=args.assets_per_account)


if __name__ == "__main__":
    main()
