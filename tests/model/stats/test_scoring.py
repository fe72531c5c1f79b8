from __future__ import annotations

import math

import numpy as np
import pytest

from launchcast.model.stats.scoring import brier, calibration_bins, expected_calibration_error, log_loss


def test_log_loss_by_hand() -> None:
    p, y = np.array([0.9, 0.2, 0.5]), np.array([1, 0, 1])
    expected = -(math.log(0.9) + math.log(0.8) + math.log(0.5)) / 3
    assert log_loss(p, y) == pytest.approx(expected)


def test_log_loss_is_finite_for_confident_misses() -> None:
    assert log_loss(np.array([1.0]), np.array([0])) == pytest.approx(-math.log(1e-6))


def test_brier_by_hand() -> None:
    assert brier(np.array([0.9, 0.2, 0.5]), np.array([1, 0, 1])) == pytest.approx((0.01 + 0.04 + 0.25) / 3)


def test_equal_count_bins_and_ece_by_hand() -> None:
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9])
    y = np.array([0, 0, 1, 0, 1, 1, 1, 1])
    table = calibration_bins(p, y, bins=2)
    assert list(table["count"]) == [4, 4]
    assert table["forecast"].tolist() == pytest.approx([0.25, 0.75])
    assert table["observed"].tolist() == pytest.approx([0.25, 1.0])
    # ECE = 0.5 * |0.25 - 0.25| + 0.5 * |0.75 - 1.0| = 0.125
    assert expected_calibration_error(p, y, bins=2) == pytest.approx(0.125)


def test_perfectly_calibrated_forecasts_have_small_ece() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 200_000)
    y = rng.uniform(0, 1, 200_000) < p
    assert expected_calibration_error(p, y) < 0.01
