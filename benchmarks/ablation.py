"""Which model terms earn their place?  Each variant of the hierarchical model, backtested.

Every variant runs the rolling 2000–2023 backtest (each year fitted only on the
years before it) with *quick* fits — 2 chains × (400 warm-up + 400 draws), no
retry — so that a variant costs minutes, not the ~17 of a full backtest.  Quick
rows compare with each other; the chosen model is then backtested with full fits
(``launchcast backtest``).  Quick fits are not gated: at 800 draws the gate's ESS
floor fails by design.

    .venv/bin/python benchmarks/ablation.py [--variants 2.0,3.0] [--workers 2] [--out DIR]
    .venv/bin/python benchmarks/ablation.py --offsets docs/backtest/predictions.csv

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

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from launchcast.model.record.history import LaunchHistory, load_history  # noqa: E402
from launchcast.model.stats import backtest  # noqa: E402
from launchcast.model.stats.hierarchical import V2_TERMS  # noqa: E402
from launchcast.model.stats.scoring import expected_calibration_error, log_loss  # noqa: E402

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


def offset_checks(predictions: pd.DataFrame, history: LaunchHistory) -> None:
    """What could a feature add, at most?  Refit one logit offset per feature *on the scored
    launches themselves*, over the backtest's forecasts: an in-sample upper bound on its value
    (a real term must learn the offset from earlier years), and where the calibration gap sits."""
    from scipy.optimize import minimize

    from launchcast.model.stats.hierarchical import novelty

    launches = history.launches
    orgs = pd.read_csv(REPO / "data" / "orgs.csv").set_index("code")["class"]
    extra = launches.assign(
        operator_class=launches["agency"].map(lambda a: orgs.get(str(a).split("/")[0], "?")),
        operator_flight=launches.groupby("agency").cumcount() + 1,
        first_year=launches.groupby("vehicle")["year"].transform("min"),
    )[["launch_tag", "family_flight", "operator_class", "operator_flight", "first_year"]]
    m = predictions.merge(extra, on="launch_tag")
    y, p = m["outcome"].to_numpy(), m["p"].to_numpy()
    offset = np.log(p / (1 - p))
    flight = m["vehicle_flight"].to_numpy()
    variant = novelty(m["family_flight"].to_numpy(), flight) < 0.5
    known = m["first_year"].to_numpy() < m["year"].to_numpy()

    def loss(eta: np.ndarray) -> float:
        return float(-np.mean(y * -np.logaddexp(0, -eta) + (1 - y) * -np.logaddexp(0, eta)))

    features = {
        "none (the forecasts as they are)": None,
        "one constant (recalibration)": np.ones(len(m)),
        "variant, flights 1-5": variant & (flight <= 5),
        "new design, flights 2-5": ~variant & (flight >= 2) & (flight <= 5),
        "business operator's first 10 launches (GCAT class B)": (
            (m["operator_class"] == "B") & (m["operator_flight"] <= 10)
        ).to_numpy(),
        "flight 20 and later": flight >= 20,
    }
    table = Table(title="In-sample offsets on the backtest's forecasts (upper bounds)")
    for column in ("feature", "log loss", "offset (logits)"):
        table.add_column(column, justify="left" if column == "feature" else "right")
    for name, feature in features.items():
        if feature is None:
            table.add_row(name, f"{loss(offset):.4f}", "")
            continue
        x = np.asarray(feature, dtype=float)
        best = minimize(lambda b, x=x: loss(offset + b[0] * x), np.zeros(1))
        table.add_row(name, f"{best.fun:.4f}", f"{best.x[0]:+.2f}")
    Console().print(table)
    gap = Table(title="Where the failures forecast and observed differ")
    for column in ("launches", "count", "failures observed", "failures expected"):
        gap.add_column(column, justify="left" if column == "launches" else "right")
    for label, chosen in (
        ("vehicle flown before the year, variant", known & variant),
        ("vehicle flown before the year, new design", known & ~variant),
        ("vehicle new in the year, variant", ~known & variant),
        ("vehicle new in the year, new design", ~known & ~variant),
    ):
        gap.add_row(
            label, str(int(chosen.sum())), str(int((1 - y[chosen]).sum())), f"{(1 - p[chosen]).sum():.1f}"
        )
    Console().print(gap)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated names")
    parser.add_argument("--start", type=int, default=2000)
    parser.add_argument("--end", type=int, default=2023)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--offsets", type=Path, help="only the offset checks, on this predictions CSV")
    args = parser.parse_args()
    history = load_history(REPO / "data")
    if args.offsets:
        predictions = pd.read_csv(args.offsets)
        offset_checks(predictions[predictions["model"] == "hierarchical"], history)
        return
    chosen = [v.strip() for v in args.variants.split(",")]
    rows = {}
    for name in chosen:
        started = time.perf_counter()
        options = {"hierarchical": {**QUICK, **VARIANTS[name]}}
        jobs = backtest.jobs_for(["hierarchical"], args.start, args.end, "none", options)
        predictions, _ = backtest.run(history, jobs, workers=args.workers)
        rows[name] = scores(predictions)
        print(
            f"{name}: "
            + ", ".join(f"{k} {v:.4f}" for k, v in rows[name].items())
            + f" ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
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
