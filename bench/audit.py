"""Benchmark: `fsmkit audit --all --format jsonl` end to end against parsing the same files with json.loads.

    python bench/audit.py --sizes 100000,1000000

For each size: a seeded synthetic business (bench/synthetic.py; accounts, assets and contracts fixed,
work orders growing) is written once to bench/data/<size>/ and reused. Both sides run as fresh
processes on the same files, alternating, best of --repeat: the baseline reads every line of every
file and json.loads it; the audit reads, validates, evaluates every promise of every work order and
writes every finding as JSON Lines to a file. Peak RSS is the child's own (os.wait4). Targets: audit at
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


def dataset(size: int) -> Path:
    """The synthetic data of `size` work orders, generated once (in a child, so that this process,
    whose memory every child inherits at fork, stays small)."""
    folder = HERE / "data" / str(size)
    marker = folder / ".complete"
    if not marker.exists():
        command = [
            sys.executable,
            str(HERE / "synthetic.py"),
            "--work-orders",
            str(size),
            "--out",
            str(folder),
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


def measure(size: int, repeat: int) -> dict[str, float]:
    folder = dataset(size)
    fsmkit = str(Path(sys.executable).parent / "fsmkit")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(f'[profiles.bench]\nconnector = "files"\npath = "{folder}"\nas_of = "{AS_OF}"\n')
        out = Path(tmp) / "findings.jsonl"
        audit = [fsmkit, "--config", str(config), "--profile", "bench", "--no-progress", "audit",
                 "--since", "2024-01-01", "--all", "--format", "jsonl", "--output", str(out)]  # fmt: skip
        baseline = [sys.executable, "-c", BASELINE, str(folder)]
        base_times, audit_times, base_rss, audit_rss = [], [], 0, 0
        for _ in range(repeat):
            seconds, rss = run(baseline)
            base_times.append(seconds)
            base_rss = max(base_rss, rss)
            seconds, rss = run(audit)
            audit_times.append(seconds)
            audit_rss = max(audit_rss, rss)
        with out.open("rb") as handle:
            findings = sum(1 for _ in handle)
    return {"baseline": min(base_times), "audit": min(audit_times), "baseline_rss": base_rss,
            "audit_rss": audit_rss, "findings": findings}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="work-order counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = {}
    for size in (int(s) for s in args.sizes.split(",")):
        r = measure(size, args.repeat)
        results[size] = r
        print(f"{size:>9,} work orders: baseline {r['baseline']:.2f} s, audit {r['audit']:.2f} s, "
              f"ratio {r['audit'] / r['baseline']:.2f} (target <= 3.00); {r['findings']:,} findings; "
              f"peak RSS audit {r['audit_rss']} MB, baseline {r['baseline_rss']} MB", flush=True)  # fmt: skip
    if len(results) > 1:
        small, large = min(results), max(results)
        growth = results[large]["audit_rss"] - results[small]["audit_rss"]
        print(f"audit peak RSS growth {small:,} -> {large:,} work orders: {growth} MB (target <= 50 MB)")


if __name__ == "__main__":
    main()
