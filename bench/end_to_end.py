"""Benchmark: fsmkit commands end to end against parsing the same files with json.loads.

    python bench/end_to_end.py --sizes 100000,1000000 --commands audit,repeats

For each size: a seeded synthetic business (bench/synthetic.py; accounts, assets and contracts fixed,
work orders growing) is written once to bench/data/<size>/ and reused. Every side runs as a fresh
process on the same files, alternating, best of --repeat: the baseline reads every line of every file
and json.loads it; `audit --all` reads, validates and evaluates every promise of every work order;
`audit-1` is the same audit in one process (`--jobs 1`; `audit` uses every CPU), `audit-shown` the
default audit (without --all: breaches, risks and flags only); `repeats` reads every
work order and runs the four repeat rules; each writes its findings as JSON Lines to a file. Peak RSS
is os.wait4's: the largest of the child and the workers it forked. Targets (issues 3 and 4): audit at
most 3x the baseline; peak RSS at 1M within 50 MB of that at 100k.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

AS_OF = "2026-01-01T00:00:00Z"
BASELINE = """
import json, sys, pathlib
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.jsonl")):
    with path.open("rb") as handle:
        for line in handle:
            json.loads(line)
"""


def dataset(size: int, assets_per_account: int = 10) -> Path:
    """The synthetic data of `size` work orders, generated once (in a child, so that this process,
    whose memory every child inherits at fork, stays small)."""
    folder = HERE / "data" / (str(size) if assets_per_account == 10 else f"{size}-{assets_per_account}")
    marker = folder / ".complete"
    if not marker.exists():
        command = [
            sys.executable,
            str(HERE / "synthetic.py"),
            "--work-orders",
            str(size),
            "--out",
            str(folder),
            "--assets-per-account",
            str(assets_per_account),
        ]
        subprocess.run(command, check=True)
        marker.write_text("seed 7\n")
    return folder


def run(command: list[str]) -> tuple[float, int]:
    """(seconds, peak RSS in MB) of one child process, which must succeed."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed: {child.stderr.read().decode() if child.stderr else ''}")
    return seconds, usage.ru_maxrss // 1024


COMMANDS = {
    "audit": ["audit", "--since", "2024-01-01", "--all"],
    "audit-1": ["audit", "--since", "2024-01-01", "--all", "--jobs", "1"],
    "audit-shown": ["audit", "--since", "2024-01-01"],
    "repeats": ["repeats", "--since", "2024-01-01"],
}


def measure(
    size: int, commands: list[str], repeat: int, assets_per_account: int
) -> dict[str, dict[str, float]]:
    """{side: {"seconds", "rss", "findings"}} for the baseline and each command, best of `repeat`."""
    folder = dataset(size, assets_per_account)
    fsmkit = str(Path(sys.executable).parent / "fsmkit")
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(f'[profiles.bench]\nconnector = "files"\npath = "{folder}"\nas_of = "{AS_OF}"\n')
        out = Path(tmp) / "findings.jsonl"
        options = ["--config", str(config), "--profile", "bench", "--no-progress"]
        sides = {"baseline": [sys.executable, "-c", BASELINE, str(folder)]}
        for name in commands:
            sides[name] = [fsmkit, *options, *COMMANDS[name], "--format", "jsonl", "--output", str(out)]
        for _ in range(repeat):
            for name, command in sides.items():
                seconds, rss = run(command)
                best = results.setdefault(name, {"seconds": seconds, "rss": rss, "findings": 0})
                best["seconds"], best["rss"] = min(best["seconds"], seconds), max(best["rss"], rss)
                if name != "baseline":
                    with out.open("rb") as handle:
                        best["findings"] = sum(1 for _ in handle)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="work-order counts, comma-separated")
    parser.add_argument(
        "--commands",
        default="audit,audit-1,repeats",
        help=f"commands to time, comma-separated: {', '.join(COMMANDS)}",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--assets-per-account",
        type=int,
        default=10,
        help="fleet size: 200 accounts of this many assets (default 10: 2,000 assets)",
    )
    args = parser.parse_args()
    commands = args.commands.split(",")
    by_size = {}
    for size in (int(s) for s in args.sizes.split(",")):
        results = by_size[size] = measure(size, commands, args.repeat, args.assets_per_account)
        base = results["baseline"]
        print(f"{size:>9,} work orders: baseline {base['seconds']:.2f} s, {base['rss']} MB", flush=True)
        for name in commands:
            r = results[name]
            print(
                f"    {name:8} {r['seconds']:7.2f} s  ratio {r['seconds'] / base['seconds']:5.2f}  "
                f"peak RSS {r['rss']:4} MB  {int(r['findings']):,} findings",
                flush=True,
            )
    if len(by_size) > 1:
        small, large = min(by_size), max(by_size)
        for name in commands:
            growth = by_size[large][name]["rss"] - by_size[small][name]["rss"]
            print(f"{name} peak RSS growth {small:,} -> {large:,} work orders: {growth} MB")


if __name__ == "__main__":
    main()
