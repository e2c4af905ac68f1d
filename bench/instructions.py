"""Benchmark: machine instructions per work order of the audit's hot path, counted by valgrind.

    python bench/instructions.py --work-orders 4000

Reads, evaluates and writes (JSON Lines, to /dev/null) a slice of the 100,000-work-order synthetic
business in this process, as one part of `fsmkit audit --all --jobs N` does, under
`valgrind --tool=callgrind`, once with the slice and once without it; the difference, divided by the
slice's size, is the instructions a work order costs. An instruction count is not a time, but unlike
a time it is the same from run to run (to 0.01% here) whatever else the machine is doing, so a change
worth 1% can be seen on a machine whose timings vary by 10%. Check a change that lowers the count
with `end_to_end.py` too: one that saves instructions can still lose time (bench/README.md has an
example). Needs valgrind (Debian's package of that name).
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from end_to_end import dataset  # noqa: E402

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
SINCE = datetime(2024, 1, 1, tzinfo=UTC)


def run_slice(count: int) -> None:
    """Set up an audit of the synthetic business, then read, evaluate and write `count` work orders."""
    import gc

    from fsmkit.audit import KINDS, Audit
    from fsmkit.commands.audit import _in_batches
    from fsmkit.connectors.files import FilesConnector
    from fsmkit.output import write_jsonl

    connector = FilesConnector(dataset(100_000))
    engine = Audit(
        as_of=AS_OF,
        since=SINCE,
        until=AS_OF,
        accounts={a.id: a for a in connector.accounts()},
        assets={a.id: a for a in connector.assets()},
        contracts=list(connector.contracts()),
        calendars={c.id: c for c in connector.calendars()},
        kinds=KINDS,
    )
    window = engine.read_window()
    parts = connector.work_order_partitions(8)  # about 12,500 work orders each
    for _ in itertools.islice(connector.work_orders_in(parts[0], *window), 10):
        pass  # builds what is built once (schemas, decoders, clocks), outside the count
    gc.freeze()
    gc.disable()  # collections come at moments that differ between the two runs
    with open(os.devnull, "w") as out:
        work_orders = itertools.islice(connector.work_orders_in(parts[1], *window), count)
        write_jsonl(_in_batches(engine, work_orders), out)


def instructions(count: int) -> int:
    """Instructions valgrind counts for a process that runs `run_slice(count)`."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--slice",
        str(count),
    ]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}  # string hashes, and so dict probes, alike
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind printed no count:\n{done.stderr}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=4000, help="the slice (at most 12,000)")
    parser.add_argument("--slice", type=int, help=argparse.SUPPRESS)  # the process valgrind runs
    args = parser.parse_args()
    if args.slice is not None:
        run_slice(args.slice)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    dataset(100_000)  # generated outside valgrind, if it is not there yet
    per_work_order = (instructions(args.work_orders) - instructions(0)) / args.work_orders
    print(f"read, evaluate and write: {per_work_order:,.0f} instructions per work order")


if __name__ == "__main__":
    main()
