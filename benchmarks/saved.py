"""Saved-fit benchmark: the size of a version, and its forecasts against keeping every draw.

One full-history hierarchical fit keeps every draw (8,000); from the same sampling run the
kept draws the model saves by default (``HierarchicalConfig.kept_draws``: thinned, float32)
are taken.  Both are saved and loaded; the script prints each file's size, load time and
next-launch time, and how far the compact fit's forecasts are from the full one's over a
probe set (every vehicle flown in the data's last 5 years, and a new vehicle of each state).

    .venv/bin/python benchmarks/saved.py [--seed N]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import timeit
import warnings
from dataclasses import replace
from pathlib import Path

warnings.simplefilter("ignore")

import numpy as np  # noqa: E402

from launchcast.model.record.history import load_history  # noqa: E402
from launchcast.model.stats.hierarchical import HierarchicalConfig, HierarchicalModel, kept  # noqa: E402
from launchcast.model.stats.saved import POSTERIOR_FILE, load_fit, save_fit  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    history = load_history(DATA)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    full = HierarchicalModel(HierarchicalConfig(seed=args.seed, kept_draws=10**9)).fit(history)
    chains = full.chains
    as_chains = {k: v.reshape(chains, -1, *v.shape[1:]) for k, v in full.posterior.items()}
    posterior, stats, step = kept(as_chains, full.sample_stats, HierarchicalConfig.kept_draws)
    compact = replace(
        full, posterior={k: v.reshape(-1, *v.shape[2:]) for k, v in posterior.items()}, sample_stats=stats
    )
    # The full fit as it was saved before: every draw, float64.
    full = replace(full, posterior={k: v.astype(np.float64) for k, v in full.posterior.items()})
    root = Path(tempfile.mkdtemp(prefix="launchcast-saved-"))
    loaded = {}
    print(f"{'':>24} {'draws':>6} {'dtype':>8} {'MB':>6} {'load s':>7} {'next ms':>8}")
    for name, fit in (("every draw, float64", full), (f"kept (1 in {step}), float32", compact)):
        directory = save_fit(fit, root / name.split()[0])
        started = time.perf_counter()
        back = load_fit(directory)
        seconds = time.perf_counter() - started
        query = back.catalogue.next_launch_query("Cheonlima-1")
        per_call = timeit.timeit(lambda b=back, q=query: b.success_probability(q), number=300) / 300
        size = (directory / POSTERIOR_FILE).stat().st_size / 1e6
        dtype = next(iter(back.posterior.values())).dtype
        print(
            f"{name:>24} {back.n_draws:>6} {dtype!s:>8} {size:>6.1f} {seconds:>7.2f} {per_call * 1e3:>8.3f}"
        )
        loaded[name.split()[0]] = back
    a, b = loaded["every"], loaded["kept"]
    recent = [r.vehicle for r in a.records.values() if r.last_launch >= str(int(a.as_of_year) - 5)]
    queries = [a.catalogue.next_launch_query(v) for v in recent]
    queries += [a.catalogue.new_vehicle_query(s) for s in sorted({r.state for r in a.records.values()})]
    p_full = np.array([a.success_probability(q).mean() for q in queries])
    p_kept = np.array([b.success_probability(q).mean() for q in queries])
    difference = np.abs(p_kept - p_full)
    print(
        f"{len(queries)} forecasts: largest difference {100 * difference.max():.2f} points "
        f"(relative {100 * (difference / p_full).max():.2f}%), mean {100 * difference.mean():.3f} points"
    )


if __name__ == "__main__":
    main()
