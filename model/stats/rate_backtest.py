"""Scoring the launch-rate model as a forecaster would have used it: a rolling origin.

For each year ``Y``, the model is fitted on launches before 1 January ``Y``
(``LaunchHistory.before``) and forecasts the year: every state's, vehicle's and
operator's launch count (its one-year negative binomial predictive) and every state's
P(at least one successful launch in the year).  Beside it, in the same run, the two
rules of thumb people use:

- **last year**: Poisson with last year's count ("as many as last year");
- **5-year mean**: Poisson with the mean of the five years before (the rate the
  product's earlier cadence model used).

A Poisson with mean 0 gives a count of one probability 0 (an infinite log score), so
both rules use at least ``FLOOR`` launches a year.  Scored series: those that launched
in the five years before the year (``rates.ACTIVE_YEARS``; a series that never flew,
or stopped long ago, is scored by no rule).  P(success) per launch, for the success
question, is the state's Laplace rate over the five years before, the same for every
rule, so the comparison is about launch counts only.

Scores: mean log score of the count (higher is better), coverage of the central 90%
interval, the PIT histogram (randomised, for counts: Czado, Gneiting & Held,
*Biometrics* 65(4), 2009), the year's total forecast vs observed, and the log loss
and Brier score of P(at least one success in the year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.rates import ACTIVE_YEARS, KINDS, fit_rates, negative_binomial_logpmf, series_key

RULES = ("model", "last year", "5-year mean")
FLOOR = 0.5


@dataclass(frozen=True)
class RateForecasts:
    """One row per (year, kind, series, rule): the predictive's shape (inf: Poisson) and mean,
    the observed count, and for states P(≥1 success) and whether one happened."""

    rows: pd.DataFrame


def rate_forecasts(history: LaunchHistory, start: int, end: int) -> RateForecasts:
    """Forecasts for every year ``start``–``end`` from the launches before each year."""
    launches = history.launches
    year_of = np.floor(launches["year"].to_numpy()).astype(int)
    rows = []
    for year in range(start, end + 1):
        past = history.before(date(year, 1, 1))
        rates = fit_rates(past, end=float(year))
        this_year = launches[year_of == year]
        before = launches[(year_of < year) & (year_of >= year - ACTIVE_YEARS)]
        for kind in KINDS:
            observed = series_key(kind, this_year).value_counts()
            recent_key = series_key(kind, before)
            recent = pd.crosstab(recent_key, np.floor(before["year"]).astype(int))
            recent = recent.reindex(columns=range(year - ACTIVE_YEARS, year), fill_value=0)
            success = before.groupby(recent_key)["success"].agg(["sum", "size"]) if kind == "state" else None
            won = this_year.groupby(series_key(kind, this_year))["success"].max() if kind == "state" else None
            for name, counts in recent.iterrows():
                if not name:
                    continue
                y = int(observed.get(name, 0))
                last, mean5 = float(counts.iloc[-1]), float(counts.mean())
                shape, rate = (
                    rates.rate_parameters(kind, str(name)) if str(name) in rates.series[kind] else (0.5, 0.5)
                )
                p = np.nan
                any_success = np.nan
                if success is not None and won is not None:
                    s = success.loc[name]
                    p = (s["sum"] + 1) / (s["size"] + 2)
                    any_success = float(won.get(name, 0))
                for rule, r, mu in (
                    ("model", shape, shape / rate),
                    ("last year", np.inf, max(FLOOR, last)),
                    ("5-year mean", np.inf, max(FLOOR, mean5)),
                ):
                    rows.append((year, kind, str(name), rule, r, mu, y, p, any_success))
    frame = pd.DataFrame(
        rows,
        columns=["year", "kind", "series", "rule", "shape", "mean", "observed", "p_success", "any_success"],
    )
    return RateForecasts(frame)


def _log_score(frame: pd.DataFrame) -> np.ndarray:
    from scipy.stats import poisson

    k, shape, mean = frame["observed"].to_numpy(), frame["shape"].to_numpy(), frame["mean"].to_numpy()
    poisson_rows = np.isinf(shape)
    out = np.empty(len(frame))
    out[poisson_rows] = poisson.logpmf(k[poisson_rows], mean[poisson_rows])
    out[~poisson_rows] = negative_binomial_logpmf(k[~poisson_rows], shape[~poisson_rows], mean[~poisson_rows])
    return out


def _cdf(frame: pd.DataFrame, k: np.ndarray) -> np.ndarray:
    from scipy.stats import nbinom, poisson

    shape, mean = frame["shape"].to_numpy(), frame["mean"].to_numpy()
    out = np.empty(len(frame))
    pois = np.isinf(shape)
    out[pois] = poisson.cdf(k[pois], mean[pois])
    r = shape[~pois]
    out[~pois] = nbinom.cdf(k[~pois], r, r / (r + mean[~pois]))
    return out


def _quantile(frame: pd.DataFrame, q: float) -> np.ndarray:
    from scipy.stats import nbinom, poisson

    shape, mean = frame["shape"].to_numpy(), frame["mean"].to_numpy()
    out = np.empty(len(frame))
    pois = np.isinf(shape)
    out[pois] = poisson.ppf(q, mean[pois])
    r = shape[~pois]
    out[~pois] = nbinom.ppf(q, r, r / (r + mean[~pois]))
    return out


def p_any_success(frame: pd.DataFrame) -> np.ndarray:
    """P(at least one success in the year): the count predictive thinned by P(success)."""
    shape, mean, p = frame["shape"].to_numpy(), frame["mean"].to_numpy(), frame["p_success"].to_numpy()
    thinned = mean * p
    with np.errstate(divide="ignore", invalid="ignore"):
        none = np.where(np.isinf(shape), np.exp(-thinned), (shape / (shape + thinned)) ** shape)
    return 1 - none


@dataclass(frozen=True)
class RateScores:
    """The backtest's table: per kind, period and rule."""

    table: pd.DataFrame
    totals: pd.DataFrame
    pit: dict[str, np.ndarray]


def score(forecasts: RateForecasts, recent_from: int, seed: int = 0) -> RateScores:
    frame = forecasts.rows.copy()
    frame["log_score"] = _log_score(frame)
    frame["low"] = _quantile(frame, 0.05)
    frame["high"] = _quantile(frame, 0.95)
    frame["covered"] = (frame["observed"] >= frame["low"]) & (frame["observed"] <= frame["high"])
    rows = []
    for period, chosen in (("all years", frame), (f"{recent_from}+", frame[frame["year"] >= recent_from])):
        for (kind, rule), group in chosen.groupby(["kind", "rule"], sort=False):
            row = {
                "period": period,
                "kind": kind,
                "rule": rule,
                "series_years": len(group),
                "log_score": group["log_score"].mean(),
                "coverage_90": group["covered"].mean(),
            }
            if kind == "state":
                p = np.clip(p_any_success(group), 1e-6, 1 - 1e-6)
                o = group["any_success"].to_numpy()
                row["success_log_loss"] = float(-np.mean(o * np.log(p) + (1 - o) * np.log(1 - p)))
                row["success_brier"] = float(np.mean((p - o) ** 2))
            rows.append(row)
    states = frame[frame["kind"] == "state"]
    totals = states.groupby(["year", "rule"]).agg(forecast=("mean", "sum"), observed=("observed", "sum"))
    totals = totals.reset_index()
    rng = np.random.default_rng(seed)
    pit = {}
    for rule in RULES:
        chosen = frame[(frame["rule"] == rule) & (frame["kind"] != "operator")]
        k = chosen["observed"].to_numpy()
        upper, lower = _cdf(chosen, k), _cdf(chosen, k - 1)
        pit[rule] = lower + rng.random(len(k)) * (upper - lower)
    return RateScores(pd.DataFrame(rows), totals, pit)


def write_outputs(forecasts: RateForecasts, scores: RateScores, out_dir: Path) -> None:
    """rates/forecasts.csv, scores.csv, totals.csv; pit.png (PIT histograms) and totals.png."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    out = Path(out_dir) / "rates"
    out.mkdir(parents=True, exist_ok=True)
    forecasts.rows.to_csv(out / "forecasts.csv", index=False, float_format="%.6f")
    scores.table.to_csv(out / "scores.csv", index=False, float_format="%.6f")
    scores.totals.to_csv(out / "totals.csv", index=False, float_format="%.3f")
    credit = "Launch data: GCAT, © J. McDowell, CC BY 4.0"
    years = f"{forecasts.rows['year'].min()}–{forecasts.rows['year'].max()}"
    figure = Figure(figsize=(9, 3.2))
    for i, rule in enumerate(RULES):
        axis = figure.add_subplot(1, len(RULES), i + 1)
        axis.hist(scores.pit[rule], bins=10, range=(0, 1), density=True, color="#3182bd")
        axis.axhline(1.0, color="#444", linestyle="--", linewidth=0.8)
        axis.set(title=rule, xlabel="PIT", ylim=(0, 2.5))
    figure.suptitle(f"Launch counts {years} (states and vehicles): PIT histograms, flat is calibrated")
    figure.text(0.01, 0.01, credit, fontsize=6.5, color="#444")
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    figure.savefig(out / "pit.png", dpi=100)
    figure = Figure(figsize=(7, 3.6))
    axis = figure.add_subplot()
    observed = scores.totals[scores.totals["rule"] == "model"]
    axis.plot(observed["year"], observed["observed"], color="black", marker="o", label="observed")
    for rule in RULES:
        rows = scores.totals[scores.totals["rule"] == rule]
        axis.plot(rows["year"], rows["forecast"], marker=".", label=f"{rule} (forecast)")
    axis.set(
        xlabel="year",
        ylabel="orbital launch attempts",
        title=f"The year's total, forecast vs observed, {years}",
    )
    axis.legend(fontsize=8)
    figure.text(0.01, 0.01, credit, fontsize=6.5, color="#444")
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    figure.savefig(out / "totals.png", dpi=100)


def total_bias(scores: RateScores, since: int) -> dict[str, float]:
    """Mean of (forecast total / observed total − 1) over the years from ``since``, per rule."""
    rows = scores.totals[scores.totals["year"] >= since]
    return {rule: float((g["forecast"] / g["observed"]).mean() - 1) for rule, g in rows.groupby("rule")}
