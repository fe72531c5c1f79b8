"""Scoring probabilistic forecasts of launch outcomes against what happened.

Proper scoring rules (Gneiting & Raftery, JASA 102, 2007): log loss and Brier
score; plus expected calibration error over equal-count bins (Naeini et al.,
AAAI 2015), and the bins themselves for a reliability diagram.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from launchcast.model.stats.fit import Fit, LaunchQuery

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


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)
    y = np.asarray(y, dtype=float)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2))


def calibration_bins(p: np.ndarray, y: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Equal-count bins sorted by forecast: mean forecast, observed frequency, count."""
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    order = np.argsort(p, kind="stable")
    groups = [g for g in np.array_split(order, min(bins, len(p))) if len(g)]
    return pd.DataFrame(
        {
            "forecast": [p[g].mean() for g in groups],
            "observed": [y[g].mean() for g in groups],
            "count": [len(g) for g in groups],
        }
    )


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    table = calibration_bins(p, y, bins)
    if table.empty:
        return float("nan")
    weights = table["count"] / table["count"].sum()
    return float(np.sum(weights * np.abs(table["forecast"] - table["observed"])))
