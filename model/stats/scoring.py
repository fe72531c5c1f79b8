"""Scoring probabilistic forecasts of launch outcomes against what happened.

Proper scoring rules (Gneiting & Raftery, JASA 102, 2007): log loss and Brier
score, per launch and on average; the calibration table (equal-count bins, or
fixed edges where a reader compares tiers with few launches); and expected
calibration error over equal-count bins (Naeini et al., AAAI 2015).  The one
place these rules are written: backtests, the ledger and the notebook call them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from launchcast.model.record.catalogue import LaunchQuery
from launchcast.model.stats.fit import Fit

#: Probabilities are clipped away from 0 and 1 so one confident miss is costly, not infinite.
EPSILON = 1e-6


def launch_query(row: Any) -> LaunchQuery:
    """The query for one launch with the record as it stood just before it.

    ``row`` is a row of ``LaunchHistory.launches.itertuples()`` (a namedtuple, typed by pandas as Any).
    """
    return LaunchQuery(
        vehicle=row.vehicle,
        family=row.family,
        state=row.vehicle_state,
        vehicle_flight=int(row.vehicle_flight),
        family_flight=int(row.family_flight),
        state_flight=int(row.state_flight),
        previous_failed=bool(row.previous_failed),
        year=float(row.year),
    )


def predict(fit: Fit, launches: pd.DataFrame) -> np.ndarray:
    """Posterior predictive P(success) for each launch (rows of ``LaunchHistory.launches``)."""
    return np.array(
        [fit.success_probability(launch_query(row)).mean() for row in launches.itertuples(index=False)]
    )


def log_losses(p: np.ndarray | float, y: np.ndarray | int) -> np.ndarray:
    """Each forecast's log loss, −log P(what happened)."""
    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)
    y = np.asarray(y, dtype=float)
    return np.asarray(-(y * np.log(p) + (1 - y) * np.log(1 - p)))


def briers(p: np.ndarray | float, y: np.ndarray | int) -> np.ndarray:
    """Each forecast's Brier score, (p − outcome)²."""
    return np.asarray((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2)


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(log_losses(p, y)))


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(briers(p, y)))


def calibration_bins(
    p: np.ndarray, y: np.ndarray, bins: int = 10, edges: tuple[float, ...] | None = None
) -> pd.DataFrame:
    """The calibration table: per bin its range, mean forecast, observed frequency and count.

    By default ``bins`` equal-count bins sorted by forecast; with ``edges``, fixed
    intervals ``[low, high)`` (the last closed), empty ones left out.
    """
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    if edges is None:
        order = np.argsort(p, kind="stable")
        groups = [g for g in np.array_split(order, min(bins, len(p))) if len(g)]
    else:
        where = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
        groups = [np.flatnonzero(where == i) for i in range(len(edges) - 1)]
    kept = [(i, g) for i, g in enumerate(groups) if len(g)]
    return pd.DataFrame(
        {
            "low": [edges[i] if edges else p[g].min() for i, g in kept],
            "high": [edges[i + 1] if edges else p[g].max() for i, g in kept],
            "forecast": [p[g].mean() for _, g in kept],
            "observed": [y[g].mean() for _, g in kept],
            "count": [len(g) for _, g in kept],
        }
    )


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    table = calibration_bins(p, y, bins)
    if table.empty:
        return float("nan")
    weights = table["count"] / table["count"].sum()
    return float(np.sum(weights * np.abs(table["forecast"] - table["observed"])))
