"""The slip model: its prior's order, and recovery of simulated slips."""

from __future__ import annotations

import numpy as np
import pytest

from launchcast.model.stats.slips import MIN_MATCHED, PRIOR, Slip, SlipModel, fit_slips


def test_confirmed_dates_slip_less_than_rumoured_ones_and_maiden_flights_more() -> None:
    model, rng = SlipModel(), np.random.default_rng(0)
    go, tbd = (np.median(model.delays(s, False, 0.0, 20_000, rng)) for s in ("Go", "TBD"))
    maiden = np.median(model.delays("Go", True, 0.0, 20_000, rng))
    assert go < maiden < tbd
    # Within the window with probability on_time, the window's length being no slip.
    inside = model.delays("TBC", False, 7.0, 50_000, rng) <= 7.0
    assert inside.mean() == pytest.approx(PRIOR["TBC"].on_time, abs=0.01)
    assert "read as TBD" in model.describe("Success?", False)


def test_fitted_slips_recover_simulated_ones() -> None:
    truth = SlipModel({"TBC": Slip(0.3, 20.0, 1.0), "TBD": PRIOR["TBD"]})
    rng = np.random.default_rng(1)
    delays = truth.delays("TBC", False, 5.0, 2000, rng)
    fitted = fit_slips({"TBC": [(5.0, float(d)) for d in delays]}).slip("TBC", False)
    assert fitted.on_time == pytest.approx(0.3, abs=0.03)
    assert fitted.median_days == pytest.approx(20.0, rel=0.1)
    assert fitted.sigma == pytest.approx(1.0, abs=0.1) and fitted.basis == "fitted on 2000 launches"
    few = fit_slips({"TBC": [(5.0, 1.0)] * (MIN_MATCHED - 1)})
    assert few.slip("TBC", False) == PRIOR["TBC"]
