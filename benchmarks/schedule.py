"""Schedule benchmark: reading Launch Library 2's pages, taking a schedule in, and what announced
launches cost the questions (ratios against the same question without them, same run).

A synthetic list of 300 upcoming launches in LL2's layout (the size of LL2's real list, 3 pages of
100), on the vehicles flown in the data's last five years, NETs spread over a year.  The fit is
the registry's current one (LAUNCHCAST_REGISTRY_DIR), else eb-beta fitted on the shipped data.
Then the same at the schedule's bound (``schedule.MAX_ENTRIES``, issue #34): what a schedule as
large as one may be costs a commit, a read and the manifest.

    .venv/bin/python benchmarks/schedule.py
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import tempfile
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

warnings.simplefilter("ignore")

from launchcast.model.questions.asking import Announcements, Programme  # noqa: E402
from launchcast.model.questions.counts import launches  # noqa: E402
from launchcast.model.questions.forecast import by_date, versus  # noqa: E402
from launchcast.model.questions.manifest import manifest  # noqa: E402
from launchcast.model.record.history import load_history  # noqa: E402
from launchcast.model.record.ll2 import parse_ll2_page  # noqa: E402
from launchcast.model.record.schedule import MAX_ENTRIES, read_schedule, take_in  # noqa: E402
from launchcast.model.stats.models import make_model  # noqa: E402
from launchcast.service.settings import get_settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def median_ms(fn, repeat: int = 20) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return 1e3 * statistics.median(times)


def page(vehicles: list[tuple[str, str]], now: datetime, n: int = 300) -> bytes:
    statuses = ("Go", "TBC", "TBD", "Hold")
    results = []
    for i in range(n):
        rocket, country = vehicles[i % len(vehicles)]
        net = now + timedelta(days=1 + 365 * i / n)
        results.append(
            {
                "id": f"00000000-0000-4000-8000-{i:012d}",
                "name": f"{rocket} | payload {i}",
                "status": {"abbrev": statuses[i % 4]},
                "last_updated": now.isoformat(),
                "net": net.isoformat(),
                "net_precision": {"abbrev": "DAY"},
                "window_start": net.isoformat(),
                "window_end": (net + timedelta(hours=2)).isoformat(),
                "launch_service_provider": {"name": "provider"},
                "rocket": {"configuration": {"name": rocket, "full_name": rocket, "families": []}},
                "pad": {"country": {"alpha_2_code": country}},
            }
        )
    return json.dumps({"count": n, "next": None, "results": results}).encode()


def main() -> None:
    settings = get_settings()
    registry = settings.registry()
    history = load_history(REPO / "data")
    fit = registry.load_current() if registry.current_id() else make_model("eb-beta").fit(history)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"fit {fit.model} {fit.version}, {fit.n_draws} draws"
    )
    now = (fit.data_end or datetime.now(UTC)) + timedelta(days=30)
    recent = [r for r in fit.records.values() if r.last_launch >= f"{now.year - 5}"]
    vehicles = [(r.display_name.split(" (")[0], r.state) for r in recent]
    raw = page(vehicles, now)
    parse = median_ms(lambda: parse_ll2_page(raw, "p"))
    print(f"parse a 300-entry page ({len(raw) / 1e6:.2f} MB): {parse:.1f} ms")
    entries = parse_ll2_page(raw, "p").entries
    workdir = Path(tempfile.mkdtemp())
    try:
        data = Path(shutil.copytree(REPO / "data", workdir / "data"))
        first = median_ms(lambda: take_in(data, entries, now), 1)
        again = median_ms(lambda: take_in(data, entries, now), 10)
        print(f"take in 300 entries (one commit): first {first:.1f} ms, unchanged again {again:.1f} ms")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    m = median_ms(lambda: manifest(fit, entries, now=now, paths=20_000), 5)
    print(f"manifest of 300 announced launches, 20,000 paths: {m:.0f} ms")
    kp_window = [e for e in entries if e.country == "KP"][:1] or entries[:1]
    announced = Announcements(kp_window)
    until = date(now.year + 2, 1, 1)
    kp = Programme(state="KP")
    plain = median_ms(lambda: by_date(fit, kp, until, now=now))
    counted = median_ms(lambda: by_date(fit, kp, until, now=now, announced=announced))
    print(
        f"by-date KP, 2 years: {plain:.1f} ms plain, {counted:.1f} ms with a window ({counted / plain:.2f}×)"
    )
    everything = Announcements(entries)
    plain = median_ms(lambda: versus(fit, kp, Programme(state="KR"), now=now))
    counted = median_ms(lambda: versus(fit, kp, Programme(state="KR"), now=now, announced=everything))
    print(f"versus KP–KR: {plain:.1f} ms plain, {counted:.1f} ms with all 300 ({counted / plain:.2f}×)")
    start, end = now.date(), until
    plain = median_ms(lambda: launches(fit, state="US", start=start, end=end, now=now))
    counted = median_ms(
        lambda: launches(fit, state="US", start=start, end=end, now=now, announced=everything)
    )
    print(f"launches US, to {end}: {plain:.1f} ms closed form, {counted:.1f} ms simulated with announced")
    at_the_bound(fit, vehicles, now)


def at_the_bound(fit, vehicles: list[tuple[str, str]], now: datetime) -> None:  # type: ignore[no-untyped-def]
    """A schedule as large as one may be (``MAX_ENTRIES``, all sources together)."""
    raw = page(vehicles, now, MAX_ENTRIES)
    entries = parse_ll2_page(raw, "p").entries
    workdir = Path(tempfile.mkdtemp())
    try:
        data = Path(shutil.copytree(REPO / "data", workdir / "data"))
        first = median_ms(lambda: take_in(data, entries, now), 1)
        again = median_ms(lambda: take_in(data, entries, now), 5)
        read = median_ms(lambda: read_schedule(data), 5)
        size = (data / "schedule.csv").stat().st_size
        print(
            f"at the bound, {MAX_ENTRIES:,} entries ({size / 1e6:.2f} MB schedule.csv): take in first "
            f"{first:.0f} ms, unchanged again {again:.0f} ms; read {read:.0f} ms"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    m = median_ms(lambda: manifest(fit, entries, now=now, paths=20_000), 3)
    print(f"manifest of {MAX_ENTRIES:,} announced launches, 20,000 paths: {m:.0f} ms")


if __name__ == "__main__":
    main()
