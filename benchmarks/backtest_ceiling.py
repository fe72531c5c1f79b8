"""How low can the 2000–2023 log loss go?  Each model scored on launches it was fitted on.

The backtest (``launchcast backtest``) scores each year with a fit on the years
before it: an honest forecast.  This script fits each model once on the whole
history (1957–2023) and scores the same 2,220 launches of 2000–2023 *in sample*
— every outcome it scores is in its training data, so its vehicle effects and
era level already know them.  No forecaster can count on that, so the in-sample
score is an optimistic floor for the model, and the gap between it and the
backtest is what hindsight is worth.  It puts the issue-7 goal (35% below
Laplace's backtest log loss) in context: a goal below the floor is out of
reach for that model, whatever its sampler settings.

    .venv/bin/python benchmarks/backtest_ceiling.py [--backtest docs/backtest]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

warnings.simplefilter("ignore")

import pandas as pd  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from launchcast.model.record.history import load_history  # noqa: E402
from launchcast.model.stats.models import MODEL_NAMES, make_model  # noqa: E402
from launchcast.model.stats.scoring import log_loss, predict  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backtest", type=Path, default=REPO / "docs" / "backtest")
    parser.add_argument("--start", type=int, default=2000)
    args = parser.parse_args()
    history = load_history(REPO / "data")
    scored = history.launches[history.launches["year"] >= args.start]
    outcomes = scored["success"].to_numpy()
    scores = pd.read_csv(args.backtest / "scores.csv")
    overall = scores[(scores["subset"] == "all") & (scores["year"] == "all")].set_index("model")
    table = Table(title=f"Log loss on {len(scored):,} launches {args.start}–{int(scored['year'].max())}")
    for column in ("model", "backtest (fit on earlier years)", "in sample (fit on all years)"):
        table.add_column(column, justify="left" if column == "model" else "right")
    in_sample = {}
    for name in MODEL_NAMES:
        fit = make_model(name).fit(history)
        in_sample[name] = log_loss(predict(fit, scored), outcomes)
        backtest = overall["log_loss"].get(name, float("nan"))
        table.add_row(name, f"{backtest:.4f}", f"{in_sample[name]:.4f}")
    Console().print(table)
    laplace, eb = overall["log_loss"]["laplace"], overall["log_loss"]["eb-beta"]
    print(f"goal: <= {0.65 * laplace:.4f} (35% below Laplace) and <= {0.85 * eb:.4f} (15% below eb-beta)")
    print(
        f"hierarchical in sample: {in_sample['hierarchical']:.4f} "
        f"({1 - in_sample['hierarchical'] / laplace:.1%} below Laplace's backtest)"
    )


if __name__ == "__main__":
    main()
