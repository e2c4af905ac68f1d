"""Benchmark: reading work orders through the files connector against parsing their lines with json.loads.

    python bench/read_work_orders.py --work-orders 100000

Both sides run in this process on the same file, alternating, best of --repeat runs each, so that the
ratio (fsmkit / baseline) is measured on one machine at one moment. fsmkit's side is the full hot path:
orjson parse, compiled schema validation, datetimes parsed, typed records built. Target: ratio <= 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import generate

from fsmkit.connectors.files import FilesConnector


def baseline(folder: Path) -> int:
    count = 0
    with (folder / "work_orders.jsonl").open("rb") as handle:
        for line in handle:
            json.loads(line)
            count += 1
    return count


def through_connector(folder: Path) -> int:
    count = 0
    for _ in FilesConnector(folder).work_orders(None):
        count += 1
    return count


def best_of(function, folder: Path, repeat: int) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = function(folder)
        times.append(time.perf_counter() - start)
    return min(times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, args.work_orders)
        size = (folder / "work_orders.jsonl").stat().st_size
        through_connector(folder)  # warm up: compile the validators once
        results = {"baseline": [], "fsmkit": []}
        for _ in range(args.repeat):
            results["baseline"].append(best_of(baseline, folder, 1)[0])
            results["fsmkit"].append(best_of(through_connector, folder, 1)[0])
        assert baseline(folder) == through_connector(folder) == args.work_orders
    base, ours = min(results["baseline"]), min(results["fsmkit"])
    print(f"work orders: {args.work_orders:,} ({size / 1e6:.1f} MB), best of {args.repeat}")
    print(f"baseline json.loads per line: {base:.3f} s ({base / args.work_orders * 1e6:.2f} us/record)")
    print(f"fsmkit files connector:       {ours:.3f} s ({ours / args.work_orders * 1e6:.2f} us/record)")
    print(f"ratio fsmkit / baseline:      {ours / base:.2f} (target <= 2.00)")


if __name__ == "__main__":
    main()
