"""Reliability diagrams by the CORP approach: readable where the forecasts crowd near 1.

Dimitriadis, Gneiting & Jordan, "Stable reliability diagrams for probabilistic
classifiers", *PNAS* 118(8), 2021 (CORP: Consistent, Optimally binned, Reproducible,
PAV-based).  Instead of equal-count bins — which put 9 of 10 points of a launch
backtest between 0.9 and 1.0 and hide the maiden flights — the recalibrated curve is
the isotonic (non-decreasing) regression of the outcomes on the forecasts, by the
pool-adjacent-violators algorithm: the data choose the bins.  Consistency bands show
where the curve would lie if the forecasts were calibrated (outcomes resampled as
Bernoulli(p)), and the Brier score splits exactly into miscalibration (MCB),
discrimination (DSC) and uncertainty (UNC): Brier = MCB − DSC + UNC.

``reliability_figure`` draws it on a logit axis, which spreads out the region near 1
where launch forecasts live, with a histogram of the forecasts beneath.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def pav(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Isotonic regression of ``y`` on ``x`` (pool adjacent violators); fitted values in ``x``'s order.

    Equal forecasts are pooled first (weighted by their count), so the fit is a function
    of the forecast; SciPy's ``isotonic_regression`` does the pooling of violators (the
    same answer as the loop it replaced, 6× faster: ``benchmarks/libraries.py``).
    """
    from scipy.optimize import isotonic_regression

    order = np.argsort(x, kind="stable")
    xs, ys = np.asarray(x, dtype=float)[order], np.asarray(y, dtype=float)[order]
    _, start, counts = np.unique(xs, return_index=True, return_counts=True)
    means = np.add.reduceat(ys, start) / counts
    fitted_sorted = np.repeat(isotonic_regression(means, weights=counts.astype(float)).x, counts)
    fitted = np.empty_like(fitted_sorted)
    fitted[order] = fitted_sorted
    return fitted


@dataclass(frozen=True)
class Corp:
    """A CORP reliability curve and the score decomposition."""

    forecast: np.ndarray  # sorted unique forecasts
    recalibrated: np.ndarray  # the isotonic curve at each
    band_low: np.ndarray  # 90% consistency band under calibration, at each
    band_high: np.ndarray
    brier: float
    miscalibration: float  # MCB
    discrimination: float  # DSC
    uncertainty: float  # UNC
    n: int


def corp(p: np.ndarray, y: np.ndarray, resamples: int = 200, seed: int = 0) -> Corp:
    """The CORP curve of forecasts ``p`` for binary outcomes ``y``, with 90% consistency bands."""
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    fitted = pav(p, y)
    forecast, first = np.unique(p, return_index=True)
    rng = np.random.default_rng(seed)
    curves = np.empty((resamples, len(forecast)))
    for b in range(resamples):
        curves[b] = pav(p, (rng.random(len(p)) < p).astype(float))[first]
    low, high = np.quantile(curves, [0.05, 0.95], axis=0)
    base = y.mean()
    score = float(np.mean((p - y) ** 2))
    recalibrated_score = float(np.mean((fitted - y) ** 2))
    climatology = float(np.mean((base - y) ** 2))
    return Corp(
        forecast,
        fitted[first],
        low,
        high,
        score,
        score - recalibrated_score,
        climatology - recalibrated_score,
        climatology,
        len(p),
    )


#: Ticks on the logit axes: even spacing in odds, so 0.9, 0.99 and 0.998 are as far apart as 0.1 and 0.5.
TICKS = (0.05, 0.2, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995)


def reliability_figure(panels: list[tuple[str, np.ndarray, np.ndarray]], title: str, credit: str = "") -> Any:
    """One CORP diagram per (label, forecasts, outcomes), on a logit axis, each with its histogram."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter

    figure = Figure(figsize=(4.6 * len(panels), 5.2), dpi=110)
    grid = figure.add_gridspec(
        2,
        len(panels),
        height_ratios=(4, 1),
        hspace=0.08,
        wspace=0.3,
        left=0.15,
        right=0.97,
        bottom=0.1,
        top=0.88,
    )
    lo, hi = 0.02, 0.998
    for column, (label, p, y) in enumerate(panels):
        curve = corp(p, y)
        top = figure.add_subplot(grid[0, column])
        bottom = figure.add_subplot(grid[1, column], sharex=top)
        for panel in (top, bottom):
            panel.set_xscale("logit")
            panel.set_xlim(lo, hi)
            panel.set_xticks(TICKS, [f"{t:g}" for t in TICKS], fontsize=7)
            panel.minorticks_off()
        top.set_yscale("logit")
        top.set_ylim(lo, hi)
        top.set_yticks(TICKS, [f"{t:g}" for t in TICKS], fontsize=7)
        for axis in (top.xaxis, top.yaxis, bottom.xaxis):
            axis.set_minor_formatter(NullFormatter())

        def clip(v: np.ndarray) -> np.ndarray:
            return np.clip(v, lo, hi)

        top.plot([lo, hi], [lo, hi], color="grey", linestyle=":", linewidth=1)
        top.fill_between(
            clip(curve.forecast),
            clip(curve.band_low),
            clip(curve.band_high),
            step="post",
            color="#9ecae1",
            alpha=0.5,
            label="90% consistency band",
            gid="band",
        )
        top.step(
            clip(curve.forecast),
            clip(curve.recalibrated),
            where="post",
            color="#08306b",
            label="CORP (isotonic) curve",
            gid="corp",
        )
        top.set(title=f"{label} (n={curve.n})", ylabel="observed rate (recalibrated)")
        top.text(
            0.03,
            0.97,
            f"Brier {curve.brier:.4f}\nMCB {curve.miscalibration:.4f}\n"
            f"DSC {curve.discrimination:.4f}\nUNC {curve.uncertainty:.4f}",
            transform=top.transAxes,
            va="top",
            fontsize=8,
            family="monospace",
        )
        top.legend(loc="lower right", fontsize=7)
        top.tick_params(labelbottom=False)
        bottom.hist(clip(p), bins=list(_logit_bins(lo, hi)), color="#6baed6", gid="histogram")
        bottom.set(xlabel="forecast P(success)", ylabel="launches")
    figure.suptitle(title, fontsize=10)
    if credit:
        figure.text(0.01, 0.005, credit, fontsize=6.5, color="#444")
    return figure


def _logit_bins(lo: float, hi: float, n: int = 30) -> np.ndarray:
    edges = np.linspace(np.log(lo / (1 - lo)), np.log(hi / (1 - hi)), n + 1)
    return 1 / (1 + np.exp(-edges))
