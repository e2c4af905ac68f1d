"""Work split over processes: `in_processes(work, count, jobs)` runs work(0) ... work(count - 1) in
`jobs` forked processes and yields the results in index order, as they become available in order.

Forked, so that a worker starts with everything the parent built (connector, engine, reference data)
without pickling it; only the index goes out and the result comes back. Where the platform cannot
fork, or one job is asked for, the work runs here, in this process, one index after another. An
exception in a worker is raised here, at its index; a worker that dies (killed, out of memory) raises
concurrent.futures.process.BrokenProcessPool rather than leaving the parent waiting.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

R = TypeVar("R")

# The work of the pool being started: workers inherit it at fork; only indices are sent to them.
_work: Callable[[int], object] | None = None


def available_jobs() -> int:
    """How many processes can run at once here: the CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether worker processes can be forked on this platform."""
    return "fork" in multiprocessing.get_all_start_methods()


def in_processes(work: Callable[[int], R], count: int, jobs: int) -> Iterator[R]:
    """work(i) for i in range(count), in order, computed by up to `jobs` forked processes.

    The processes are forked when this is called (not when the results are first asked for), so a
    caller may start threads (a progress display) afterwards. Standard streams are flushed first, as a
    forked worker flushes what it inherits.
    """
    jobs = min(jobs, count)
    if jobs <= 1 or not can_fork():
        return (work(index) for index in range(count))
    global _work
    sys.stdout.flush()
    sys.stderr.flush()
    _work = work
    try:
        # With fork, the executor forks all its workers on the first submit, before any thread of its own.
        executor = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
        results = executor.map(_call, range(count))
    finally:
        _work = None
    return _results(executor, results)


def _results(executor: ProcessPoolExecutor, results: Iterator[R]) -> Iterator[R]:
    try:
        yield from results
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _call(index: int) -> object:
    assert _work is not None, "a worker runs the work its parent set before forking it"
    return _work(index)
