"""Forecast benchmark: next-launch latency, a 50-launch x 100,000-path campaign, and the
time questions asked right at the data's end and three years after it (the unseen gap is
simulated launch by launch, so a stale fit costs more per question).

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
from functools import partial

import numpy as np

warnings.simplefilter("ignore")

from launchcast.model.operations.refit import refit  # noqa: E402
from launchcast.model.questions.asking import Programme  # noqa: E402
from launchcast.model.questions.counts import launches  # noqa: E402
from launchcast.model.questions.forecast import by_date, campaign, next_launch, versus  # noqa: E402
from launchcast.model.record.history import parse_time  # noqa: E402
from launchcast.service.settings import get_settings  # noqa: E402
from launchcast.service.state import Served  # noqa: E402


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
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; fit {fit.model} {fit.version}, {fit.n_draws} draws"
    )
    chollima = Programme(vehicle="Cheonlima-1")
    now = datetime.now(UTC)
    next_launch(fit, chollima, now=now)
    latencies = timed(lambda: next_launch(fit, chollima, now=now), 2000)
    print(
        f"next launch: median {1e3 * statistics.median(latencies):.3f} ms, "
        f"p99 {1e3 * np.quantile(latencies, 0.99):.3f} ms (target <= 1 ms median)"
    )

    served = Served.load(registry, str(registry.current_id()), settings.data_dir)
    served.next_json(chollima, now)
    cached = timed(lambda: served.next_json(chollima, now), 2000)
    print(
        f"next launch as the service answers it (cached, re-anchored, JSON): median "
        f"{1e3 * statistics.median(cached):.3f} ms"
    )

    data_end = parse_time(fit.as_of)
    kp, kr, f9 = Programme(state="KP"), Programme(state="KR"), Programme(vehicle="Falcon 9")
    for label, asked in (
        ("at the data's end", data_end),
        ("3 years later", data_end.replace(year=data_end.year + 3)),
    ):
        until = asked.date().replace(year=asked.year + 2)
        for name, question in (
            ("by-date KP, 2 years", partial(by_date, fit, kp, until, now=asked)),
            ("by-date Falcon 9, 2 years", partial(by_date, fit, f9, until, now=asked)),
            ("versus KP-KR", partial(versus, fit, kp, kr, now=asked)),
            (
                "launches SpaceX, 2 years",
                partial(launches, fit, operator="SPX", start=asked.date(), end=until, now=asked),
            ),
            (
                "launches KP, 2 years",
                partial(launches, fit, state="KP", start=asked.date(), end=until, now=asked),
            ),
        ):
            question()
            times = timed(question, 5)
            print(
                f"{name} ({label}), 20,000 paths: median {1e3 * statistics.median(times):.1f} ms "
                "(target at the data's end <= 50 ms)"
            )

    flights, paths = 50, 100_000
    campaign(fit, chollima, flights, paths, now=now)
    times = timed(lambda: campaign(fit, chollima, flights, paths, now=now), 10)
    rng = np.random.default_rng(0)
    floor = timed(lambda: rng.random(flights * paths), 10)
    tracemalloc.start()
    campaign(fit, chollima, flights, paths, now=now)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    median, floor_median = statistics.median(times), statistics.median(floor)
    print(
        f"campaign {flights} x {paths:,}: median {1e3 * median:.1f} ms, peak "
        f"{peak / 2**20:.1f} MiB (targets <= 100 ms, <= 200 MB)"
    )
    print(
        f"floor (numpy drawing {flights * paths:,} uniforms): {1e3 * floor_median:.1f} ms; "
        f"campaign / floor = {median / floor_median:.1f}x"
    )


if __name__ == "__main__":
    main()
