"""CORP reliability: the isotonic fit is right, the score decomposes exactly, the bands hold the truth."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from launchcast.model.stats.calibration import corp, pav, reliability_figure


def test_pav_is_the_least_squares_non_decreasing_fit() -> None:
    """Against brute force on a small case: every non-decreasing step function on a grid."""
    x = np.array([0.1, 0.2, 0.2, 0.4, 0.5, 0.7])
    y = np.array([0.0, 1.0, 0.0, 0.0, 1.0, 1.0])
    fitted = pav(x, y)
    assert np.all(np.diff(fitted[np.argsort(x)]) >= -1e-12)
    assert fitted[1] == fitted[2]  # equal forecasts get one value
    grid = np.linspace(0, 1, 21)
    best = min(
        np.sum((np.repeat(levels, [1, 2, 1, 1, 1]) - y) ** 2)
        for levels in itertools.combinations_with_replacement(grid, 5)
    )
    assert np.sum((fitted - y) ** 2) <= best + 1e-12
    assert fitted.tolist() == pytest.approx([0.0, 1 / 3, 1 / 3, 1 / 3, 1.0, 1.0])


def test_the_brier_score_splits_into_mcb_dsc_unc() -> None:
    rng = np.random.default_rng(1)
    p = rng.beta(8, 1, 3000)
    y = (rng.random(3000) < p**1.5).astype(float)  # miscalibrated on purpose
    c = corp(p, y, resamples=50)
    assert c.brier == pytest.approx(np.mean((p - y) ** 2))
    assert c.brier == pytest.approx(c.miscalibration - c.discrimination + c.uncertainty, abs=1e-12)
    assert c.miscalibration > 0.001 and c.discrimination > 0


def test_calibrated_forecasts_stay_inside_their_consistency_band() -> None:
    rng = np.random.default_rng(2)
    p = rng.beta(8, 1, 4000)
    y = (rng.random(4000) < p).astype(float)  # calibrated by construction
    c = corp(p, y, resamples=200)
    inside = (c.band_low <= c.forecast + 1e-9) & (c.forecast - 1e-9 <= c.band_high)
    assert inside.mean() > 0.9  # the diagonal lies in the band almost everywhere
    assert c.miscalibration < 0.002
    figure = reliability_figure([("simulated", p, y)], "test")
    (curve,) = [line for line in figure.axes[0].lines if line.get_gid() == "corp"]
    assert len(curve.get_xdata()) == len(c.forecast)
