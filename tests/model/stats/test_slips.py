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


def test_slips_are_read_from_the_schedules_own_record(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Announcements whose launches the record later shows: each matched once, its delay measured."""
    import shutil
    from datetime import UTC, datetime, timedelta

    from launchcast.model.record.history import load_history
    from launchcast.model.record.ingest import add_launch
    from launchcast.model.record.schedule import add, read_schedule, user_entry
    from launchcast.model.stats.slips import observed_slips, slips_for
    from tests.conftest import DATA

    data = shutil.copytree(DATA, tmp_path / "data")
    t0 = datetime(2024, 1, 10, tzinfo=UTC)
    opens = datetime(2024, 3, 1, tzinfo=UTC)
    entries = [
        user_entry(
            rocket="Nuri", net=opens, window_end=opens + timedelta(days=7), source="t", entry_id="a", now=t0
        ),
        user_entry(
            rocket="Nuri", net=opens + timedelta(days=60), source="t", status="TBD", entry_id="b", now=t0
        ),
        user_entry(rocket="Unha-3", net=opens, source="t", entry_id="never", now=t0),
    ]
    add(data, entries, t0)
    add_launch(data, "2024-03-04T00:00Z", "Nuri", "success", tag="N1")  # inside a's window: 3 days
    add_launch(data, "2024-05-20T00:00Z", "Nuri", "success", tag="N2")  # b's NET + 20 days
    seen = observed_slips(read_schedule(data), load_history(data))
    assert seen == {"TBC": [(7.0, 3.0)], "TBD": [(0.0, 20.0)]}
    assert slips_for(read_schedule(data), load_history(data)).slip("TBC", False) == PRIOR["TBC"]  # too few
