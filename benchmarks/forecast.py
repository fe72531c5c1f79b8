"""Forecast benchmark: next-launch latency and a 50-launch x 100,000-path campaign.

Uses the registry's current fit (LAUNCHCAST_REGISTRY_DIR, default var/registry),
running a hierarchical refit first if there is none.  The floor, measured in the same run,
is the time numpy takes merely to draw the same number of uniform random numbers.

    .venv/bin/python benchmarks/forecast.py
"""

from __future__ import annotations

import os
import platform
import statistics
import time
import tracemalloc
import warnings
from datetime import UTC, datetime

import numpy as np

warnings.simplefilter("ignore")

from model.forecast import Programme, campaign, next_launch  # noqa: E402
from model.refit import refit  # noqa: E402
from service.settings import get_settings  # noqa: E402


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    settings = get_settings()
    registry = settings.registry()
    if registry.current_id() is None:
        refit(settings.data_dir, registry)
    fit = registry.load_current()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; fit {fit.model} {fit.version}, {fit.n_draws} draws")  # fmt: skip
    chollima = Programme(vehicle="Cheonlima-1")
    now = datetime.now(UTC)
    next_launch(fit, chollima, now=now)
    latencies = timed(lambda: next_launch(fit, chollima, now=now), 2000)
    print(
        f"next launch: median {1e3 * statistics.median(latencies):.3f} ms, "
        f"p99 {1e3 * np.quantile(latencies, 0.99):.3f} ms (target <= 1 ms median)"
    )

    launches, paths = 50, 100_000
    campaign(fit, chollima, launches, paths, now=now)
    times = timed(lambda: campaign(fit, chollima, launches, paths, now=now), 10)
    rng = np.random.default_rng(0)
    floor = timed(lambda: rng.random(launches * paths), 10)
    tracemalloc.start()
    campaign(fit, chollima, launches, paths, now=now)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    median, floor_median = statistics.median(times), statistics.median(floor)
    print(f"campaign {launches} x {paths:,}: median {1e3 * median:.1f} ms, peak "
          f"{peak / 2**20:.1f} MiB (targets <= 100 ms, <= 200 MB)")  # fmt: skip
    print(
        f"floor (numpy drawing {launches * paths:,} uniforms): {1e3 * floor_median:.1f} ms; "
        f"campaign / floor = {median / floor_median:.1f}x"
    )


if __name__ == "__main__":
    main()
