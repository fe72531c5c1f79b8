"""Fit benchmark: hierarchical model on the full 1957–2023 history, nutpie vs PyMC's NUTS.

Prints wall time, whether the gate passed, and min bulk ESS per second for each
sampler on the same model, data, draws and seed, in the same run, plus the ratio.

    .venv/bin/python benchmarks/fit.py [--seed N] [--samplers nutpie] [--draws N] [--tune N]

The defaults are the model's (``HierarchicalConfig``); the gate's retry is part of the wall
time, and ``attempts`` says whether one was needed.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from pathlib import Path

warnings.simplefilter("ignore")

from launchcast.model.record.history import load_history  # noqa: E402
from launchcast.model.stats.hierarchical import HierarchicalConfig, HierarchicalModel  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=HierarchicalConfig.draws)
    parser.add_argument("--tune", type=int, default=HierarchicalConfig.tune)
    parser.add_argument("--samplers", default="nutpie,pymc")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target-accept", type=float, default=HierarchicalConfig.target_accept)
    args = parser.parse_args()
    history = load_history(DATA)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {history.n_launches} launches"
    )
    results = {}
    for sampler in args.samplers.split(","):
        config = HierarchicalConfig(
            draws=args.draws,
            tune=args.tune,
            sampler=sampler,
            seed=args.seed,
            target_accept=args.target_accept,
        )
        started = time.perf_counter()
        fit = HierarchicalModel(config).fit(history)
        wall = time.perf_counter() - started
        d = fit.manifest["diagnostics"]
        results[sampler] = d["min_ess_bulk"] / wall
        print(
            f"{sampler:7s} wall {wall:6.1f} s  gate {'passed' if d['passed'] else 'FAILED'}  "
            f"max R-hat {d['max_rhat']:.4f}  min ESS bulk {d['min_ess_bulk']:.0f} "
            f"tail {d['min_ess_tail']:.0f}  divergences {d['divergences']}  "
            f"min ESS bulk/s {results[sampler]:.1f}  attempts {len(fit.manifest['attempts'])}"
        )
        if not d["passed"]:
            print("         failures:", "; ".join(d["failures"][:5]))
    if {"nutpie", "pymc"} <= set(results):
        print(f"ratio: nutpie min-ESS/s = {results['nutpie'] / results['pymc']:.1f} x PyMC NUTS")


if __name__ == "__main__":
    main()
