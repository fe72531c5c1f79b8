"""Hand-written pieces against the well-kept library that could replace each: measured, then decided.

Run from the repository: ``.venv/bin/python benchmarks/libraries.py``.  A candidate that is
not installed is reported as such (``pip install`` it into the venv to compare; the
project's locks hold only the ones it uses).  Times are per call, medians of repeats on
this machine; each comparison is made in the same run.  The decisions are in BENCHMARKS.md.
"""

from __future__ import annotations

import difflib
import fcntl
import importlib.util
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def per_call(fn: Callable[[], object], n: int = 2000, repeats: int = 5) -> float:
    """Median seconds per call over ``repeats`` runs of ``n`` calls."""
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - started) / n)
    return statistics.median(runs)


def have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs"


def locks() -> None:
    print("\n## file locks: fcntl.flock (kept) vs filelock")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ".lock"
        path.touch()
        fd = os.open(path, os.O_RDONLY)

        def flock_shared() -> None:
            fcntl.flock(fd, fcntl.LOCK_SH)
            fcntl.flock(fd, fcntl.LOCK_UN)

        print(f"flock shared, on a read-only descriptor: {us(per_call(flock_shared))}")
        if not have("filelock"):
            print("filelock: not installed")
            return
        import filelock

        exclusive = filelock.FileLock(str(Path(tmp) / "x.lock"))

        def filelock_exclusive() -> None:
            exclusive.acquire()
            exclusive.release()

        print(f"filelock.FileLock (exclusive only): {us(per_call(filelock_exclusive))}")
        os.close(fd)


def fuzzy() -> None:
    print("\n## suggestions for a misspelt name: difflib (was) vs rapidfuzz (now)")
    from launchcast.model.record.history import load_history
    from launchcast.model.record.names import closest

    history = load_history(REPO / "data")
    names = sorted(set(history.vehicles["vehicle"]) | set(history.vehicles["display_name"]))
    for typed in ("Chollma", "Electon", "Falcon9", "Unha3", "KSLV"):
        old = difflib.get_close_matches(typed, names, n=5, cutoff=0.4)
        print(f"{typed!r}: difflib {old}; rapidfuzz {closest(typed, names)}")
    old_time = per_call(lambda: difflib.get_close_matches("Chollma", names, n=5, cutoff=0.4), 200)
    new_time = per_call(lambda: closest("Chollma", names), 200)
    print(f"time over {len(names)} names: difflib {us(old_time)}, rapidfuzz {us(new_time)}")


def cron() -> None:
    print("\n## the refit schedule: APScheduler's crontab reading (was) vs croniter (now)")
    from apscheduler.triggers.cron import CronTrigger
    from croniter import croniter

    start = datetime(2026, 1, 1, tzinfo=UTC)  # a Thursday
    for line in ("0 3 * * 1", "0 3 * * 0-7", "0 3 * * */2", "0 3 * * 1-5/2", "0 3 1 * 1"):
        truth = croniter(line, start).get_next(datetime)
        try:
            theirs = CronTrigger.from_crontab(line, timezone="UTC").get_next_fire_time(None, start)
            shown = f"{theirs:%a %Y-%m-%d}"
        except ValueError as exc:
            shown = f"refused ({exc})"
        print(f"{line!r}: cron fires {truth:%a %Y-%m-%d}; APScheduler {shown}")


def caches() -> None:
    print("\n## chart and page caches: a dict dropping the oldest (was) vs cachetools.LRUCache (now)")
    import threading

    from cachetools import LRUCache

    plain: dict[int, bytes] = {}
    lru: LRUCache[int, bytes] = LRUCache(512)
    lock = threading.Lock()
    keys = iter(range(10**9))

    def dict_put_get() -> None:
        key = next(keys) % 2048
        if plain.get(key) is None:
            plain[key] = b"x"
            while len(plain) > 512:
                plain.pop(next(iter(plain)))

    def lru_put_get() -> None:
        key = next(keys) % 2048
        with lock:
            found = lru.get(key)
        if found is None:
            with lock:
                lru[key] = b"x"

    print(f"dict: {us(per_call(dict_put_get))}; LRUCache with its lock: {us(per_call(lru_put_get))}")


def json_logs() -> None:
    print("\n## JSON log lines: launchcast's formatter (kept) vs python-json-logger")
    from launchcast.service.logs import JsonFormatter

    record = logging.LogRecord("launchcast", logging.INFO, __file__, 1, "answered %s", ("next",), None)
    ours = JsonFormatter()
    print(f"ours: {us(per_call(lambda: ours.format(record)))}  {ours.format(record)}")
    if not have("pythonjsonlogger"):
        print("python-json-logger: not installed")
        return
    from pythonjsonlogger.json import JsonFormatter as TheirFormatter

    theirs = TheirFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    print(f"python-json-logger: {us(per_call(lambda: theirs.format(record)))}  {theirs.format(record)}")


def isotonic() -> None:
    print("\n## isotonic regression (CORP diagrams): SciPy's (now) vs the loop it replaced vs scikit-learn")
    from launchcast.model.stats.calibration import pav

    rng = np.random.default_rng(0)
    p = rng.uniform(0.5, 1, 20_000)
    y = (rng.uniform(0, 1, p.size) < p).astype(float)
    print(f"pav (SciPy) on 20,000 forecasts: {per_call(lambda: pav(p, y), 20, 3) * 1e3:.1f} ms")
    loop = per_call(lambda: pav_loop(p, y), 20, 3)
    gap = np.abs(pav(p, y) - pav_loop(p, y)).max()
    print(f"the loop it replaced: {loop * 1e3:.1f} ms; largest difference {gap:.1e}")
    if not have("sklearn"):
        print("scikit-learn: not installed")
        return
    from sklearn.isotonic import IsotonicRegression

    def theirs() -> np.ndarray:
        return np.asarray(IsotonicRegression(out_of_bounds="clip").fit_transform(p, y))

    gap = np.abs(pav(p, y) - theirs()).max()
    print(f"scikit-learn: {per_call(theirs, 20, 3) * 1e3:.1f} ms; largest difference {gap:.1e}")


def pav_loop(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The pool-adjacent-violators loop ``calibration.pav`` held before SciPy's (for the comparison)."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    _, start = np.unique(xs, return_index=True)
    sums = np.add.reduceat(ys, start)
    counts = np.diff(np.append(start, len(xs))).astype(float)
    means: list[float] = []
    weights: list[float] = []
    sizes: list[int] = []
    for total, n in zip(sums, counts, strict=True):
        means.append(total / n)
        weights.append(n)
        sizes.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            w = weights[-2] + weights[-1]
            means[-2] = (means[-2] * weights[-2] + means[-1] * weights[-1]) / w
            weights[-2], sizes[-2] = w, sizes[-2] + sizes[-1]
            del means[-1], weights[-1], sizes[-1]
    fitted_sorted = np.repeat(np.repeat(means, sizes), counts.astype(int))
    fitted = np.empty_like(fitted_sorted)
    fitted[order] = fitted_sorted
    return fitted


def accept() -> None:
    print("\n## Accept negotiation: a substring rule (was) vs python-mimeparse (now)")
    import mimeparse

    offered = ["image/svg+xml", "image/png", "application/json"]

    def substring_rule(header: str) -> str:
        for media in offered[:2]:
            if media in header and "application/json" not in header.split(media)[0]:
                return media
        return "application/json"

    for header in ("application/json;q=0.1, image/png", "image/*", "image/png;q=0, application/json"):
        best = mimeparse.best_match(offered, header)
        print(f"{header!r}: substring {substring_rule(header)}; mimeparse {best}")


def metrics_labels() -> None:
    print("\n## request metrics: launchcast's middleware (kept) vs prometheus-fastapi-instrumentator")
    if not have("prometheus_fastapi_instrumentator"):
        print("prometheus-fastapi-instrumentator: not installed")
        return
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from prometheus_client import REGISTRY
    from prometheus_fastapi_instrumentator import Instrumentator

    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    Instrumentator().instrument(app)
    client = TestClient(app)
    for n in range(50):
        client.request(f"MADEUP{n}", "/healthz")
    methods = {
        sample.labels.get("method")
        for family in REGISTRY.collect()
        if family.name == "http_requests"
        for sample in family.samples
    }
    print(f"instrumentator: {len(methods)} method labels after 50 made-up methods (ours: 1, 'other')")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d}")
    for section in (locks, fuzzy, cron, caches, json_logs, isotonic, accept, metrics_labels):
        section()
