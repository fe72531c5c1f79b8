"""Bounded work: the costliest questions allowed, and the service under a flood of them.

Two figures (issue 22):

1. **The most expensive request allowed**: for each time question, the costliest
   parameters the launch-step budget (``model.questions.budget``) still accepts, and the CPU time
   they take on the registry's current fit, in this process (target: ≤ 2 CPU-seconds).
2. **Probes under a flood**: a real server (``launchcast serve`` on loopback) while
   ``--clients`` threads (default 8) send expensive, never-cached requests (charts, 120-month
   outlooks, versus, by-date; a new ``as_of`` each time) for ``--duration`` seconds; a
   probe thread asks ``/healthz`` and a well-behaved client asks ``next`` 20 times a second.
   Prints the probes' slowest and p99 latency (target ≤ 100 ms) and next's p99 (target
   ≤ 100 ms), and how the flood was answered (200, or 503 with Retry-After).

    .venv/bin/python benchmarks/bounded.py [--duration 30] [--clients 8]

Serves the registry's current fit (``LAUNCHCAST_VAR_DIR``; a hierarchical refit runs first
if there is none).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from multiprocessing import Process, Queue
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.http_load import serving  # noqa: E402
from tests.faults.test_bounded_work import Flood  # noqa: E402


def costliest() -> None:
    from launchcast.model.errors import BudgetExceeded
    from launchcast.model.questions import budget
    from launchcast.model.questions import forecast as questions
    from launchcast.model.questions.asking import Programme
    from launchcast.service.settings import Settings

    fit = Settings().registry().load_current()
    print(
        f"fit: {fit.model} {fit.version}, {fit.n_draws:,} draws; "
        f"budget {budget.MAX_LAUNCH_STEPS:,} launch-steps"
    )
    us, cn = Programme(state="US"), Programme(state="CN")
    cases = [
        ("versus US v CN", lambda now, paths: questions.versus(fit, us, cn, paths, 0, now=now)),
        ("by-month US, 120 months", lambda now, paths: questions.by_month(fit, us, 120, paths, 0, now=now)),
        (
            "by-date CN to 2040",
            lambda now, paths: questions.by_date(fit, cn, datetime(2040, 1, 1).date(), paths, 0, now=now),
        ),
        (
            "campaign Nuri, 100 launches",
            lambda now, paths: questions.campaign(fit, Programme("Nuri"), 100, paths, 0, now=now),
        ),
    ]
    for name, ask in cases:
        worst = 0.0
        for year in (2026, 2030, 2035):
            now = datetime(year, 1, 1, tzinfo=UTC)
            paths = questions.MAX_PATHS
            while paths >= questions.MIN_PATHS:
                try:
                    started = time.process_time()
                    ask(now, paths)
                    worst = max(worst, time.process_time() - started)
                    break
                except BudgetExceeded:
                    paths = int(paths * 0.8)
        print(f"  {name:32s} costliest allowed: {worst:5.2f} CPU-s (target <= 2)")


def _flood_process(url: str, clients: int, duration: float, out: Queue[list[int]]) -> None:
    load = Flood(url, clients)
    with load:
        time.sleep(duration)
    out.put(load.statuses)


def flood(duration: int, clients: int) -> None:
    """The flood runs in a process of its own, so its threads never delay the probes' client."""
    with serving() as url, httpx.Client(base_url=url, timeout=10) as client:
        results: Queue[list[int]] = Queue()
        load = Process(target=_flood_process, args=(url, clients, duration + 2, results))
        load.start()
        time.sleep(2)
        probes, nexts = [], []
        deadline = time.monotonic() + duration
        while time.monotonic() < deadline:
            for path, into, params in (
                ("/healthz", probes, {}),
                ("/readyz", probes, {}),
                ("/v1/forecast/next", nexts, {"vehicle": "Nuri"}),
            ):
                started = time.perf_counter()
                assert client.get(path, params=params).status_code == 200
                into.append(time.perf_counter() - started)
            time.sleep(0.05)
        statuses = Counter(results.get(timeout=120))
        load.join()
    ms = 1000.0
    print(
        f"flood: {clients} clients x {duration} s of expensive uncached requests: "
        + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
    )
    print(
        f"  /healthz and /readyz: {len(probes)} probes, median {statistics.median(probes) * ms:.1f} ms, "
        f"p99 {np.quantile(probes, 0.99) * ms:.1f} ms, slowest {max(probes) * ms:.1f} ms (target <= 100)"
    )
    print(
        f"  next (a client that behaves): {len(nexts)} requests, p99 {np.quantile(nexts, 0.99) * ms:.1f} ms "
        f"(target <= 100)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )
    flood(args.duration, args.clients)
    costliest()


if __name__ == "__main__":
    main()
