"""Which model terms earn their place?  Each variant of the hierarchical model, backtested.

Every variant runs the rolling 2000–2023 backtest (each year fitted only on the
years before it) with *quick* fits — 2 chains × (400 warm-up + 400 draws), no
retry — so that a variant costs minutes, not the ~17 of a full backtest.  Quick
rows compare with each other; the chosen model is then backtested with full fits
(``launchcast backtest``).  Quick fits are not gated: at 800 draws the gate's ESS
floor fails by design.

    .venv/bin/python benchmarks/ablation.py [--variants 2.0,3.0] [--workers 2] [--out DIR]

Variants tried and dropped (early flights of new designs, a 1-year era, likelihood
half-lives, modern variants' first flights) were measured with this script at
commits a25e859 and 0316871, where their switches still existed; ``BENCHMARKS.md``
has their rows.

Prints, per variant: log loss, expected / observed failures, ECE, log loss on
maiden flights and on a vehicle's first five flights.  With ``--out`` each
variant's predictions are written as CSV, to compare later without refitting.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

warnings.simplefilter("ignore")

import pandas as pd  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from launchcast.model import backtest  # noqa: E402
from launchcast.model.hierarchical import V2_TERMS  # noqa: E402
from launchcast.model.history import load_history  # noqa: E402
from launchcast.model.scoring import expected_calibration_error, log_loss  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
QUICK = {"draws": 400, "tune": 400, "chains": 2, "retries": 0}
TWO = V2_TERMS  # the 2.0 model's terms
VARIANTS: dict[str, dict[str, object]] = {
    "2.0": TWO,
    "+ assistance (documented + reported)": {**TWO, "assistance": "reported"},
    "3.0": {},
}


def scores(predictions: pd.DataFrame) -> dict[str, float]:
    p, y = predictions["p"].to_numpy(), predictions["outcome"].to_numpy()
    maiden = predictions["vehicle_flight"].to_numpy() == 1
    early = predictions["vehicle_flight"].to_numpy() <= 5
    return {
        "log loss": log_loss(p, y),
        "failures expected / observed": float((1 - p).sum() / (1 - y).sum()),
        "ECE": expected_calibration_error(p, y),
        "maiden log loss": log_loss(p[maiden], y[maiden]),
        "first five log loss": log_loss(p[early], y[early]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated names")
    parser.add_argument("--start", type=int, default=2000)
    parser.add_argument("--end", type=int, default=2023)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    history = load_history(REPO / "data")
    chosen = [v.strip() for v in args.variants.split(",")]
    rows = {}
    for name in chosen:
        started = time.perf_counter()
        options = {"hierarchical": {**QUICK, **VARIANTS[name]}}
        jobs = backtest.jobs_for(["hierarchical"], args.start, args.end, "none", options)
        predictions, _ = backtest.run(history, jobs, workers=args.workers)
        rows[name] = scores(predictions)
        print(f"{name}: " + ", ".join(f"{k} {v:.4f}" for k, v in rows[name].items())
              + f" ({time.perf_counter() - started:.0f} s)", flush=True)  # fmt: skip
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            predictions.to_csv(args.out / f"{name.replace(' ', '_').replace('/', '-')}.csv", index=False)
    table = Table(title=f"Quick backtest {args.start}–{args.end}, hierarchical variants")
    table.add_column("variant")
    for column in next(iter(rows.values())):
        table.add_column(column, justify="right")
    for name, row in rows.items():
        table.add_row(name, *(f"{v:.4f}" for v in row.values()))
    Console().print(table)


if __name__ == "__main__":
    main()
