"""The launch-rate model against truth we can compute: closed forms and simulated programmes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from launchcast.model.errors import LaunchcastError
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.rates import (
    A0,
    B0,
    LaunchRates,
    Yearly,
    _filter,
    fit_rates,
    negative_binomial_logpmf,
    negative_binomial_pmf,
)
from tests.conftest import make_history


def programme(
    counts: dict[int, int], vehicle: str = "V", state: str = "XX"
) -> list[tuple[str, str, str, str, str]]:
    """Launch rows: ``counts[year]`` launches spread over each year."""
    rows = []
    for year, n in sorted(counts.items()):
        for i in range(n):
            day = 1 + int(360 * (i + 0.5) / n)
            month, dom = 1 + (day - 1) // 30, 1 + (day - 1) % 30
            rows.append(
                (f"{year}-{min(month, 12):02d}-{min(dom, 28):02d}T12:00Z", vehicle, "F", state, "success")
            )
    return rows


def test_the_pmf_recurrence_is_the_negative_binomial() -> None:
    shape, mean = 3.7, 12.5
    pmf = negative_binomial_pmf(shape, mean, tail=1e-9)
    exact = stats.nbinom.pmf(np.arange(len(pmf)), shape, shape / (shape + mean))
    np.testing.assert_allclose(pmf, exact, rtol=1e-9, atol=1e-15)
    assert 1 - pmf.sum() < 1e-9
    logs = negative_binomial_logpmf(np.arange(5), np.full(5, shape), np.full(5, mean))
    np.testing.assert_allclose(logs, stats.nbinom.logpmf(np.arange(5), shape, shape / (shape + mean)))


def test_one_step_is_the_conjugate_update_with_a_discount() -> None:
    """Gamma(a, b) discounted by ω then updated by y over exposure e: Gamma(ω a + y, ω b + e);
    the predictive before each year is NB(ω a, mean a/b) — checked by hand for three years."""
    history = make_history(programme({2001: 2, 2002: 5, 2003: 1}))
    yearly = Yearly.of(history, "vehicle", 2004.0)
    shapes, means, _, final, _ = _filter(yearly, discount=0.5, damping=0.0)
    a, b = A0, B0
    for t, y in enumerate((2, 5, 1)):
        assert shapes[0, t] == pytest.approx(0.5 * a) and means[0, t] == pytest.approx(a / b)
        a, b = 0.5 * a + y, 0.5 * b + 1.0
    assert final[0, 0] == pytest.approx(a) and final[0, 1] == pytest.approx(b)


def test_a_steady_programme_is_recovered_with_a_calibrated_interval() -> None:
    """Simulated: Poisson(12) launches a year for 40 years. The one-year predictive's mean is
    near 12, and its 90% interval holds about 90% of fresh years."""
    rng = np.random.default_rng(3)
    counts = {1980 + i: int(n) for i, n in enumerate(rng.poisson(12, 40))}
    rates = fit_rates(make_history(programme(counts)), end=2020.0)
    shape, rate = rates.rate_parameters("vehicle", "V")
    assert shape / rate == pytest.approx(12, rel=0.25)
    fresh = rng.poisson(12, 4000)
    low, high = stats.nbinom.ppf([0.05, 0.95], shape, shape / (shape + shape / rate))
    covered = np.mean((fresh >= low) & (fresh <= high))
    assert 0.85 <= covered <= 0.99


def test_a_programme_that_doubled_is_read_at_its_new_tempo_and_a_retired_one_fades() -> None:
    """Before: a five-year mean read SpaceX-like growth at its past and kept expecting retired
    lines. The discounted level follows the change within two years."""
    grew = {2010 + i: 10 for i in range(10)} | {2020: 20, 2021: 20, 2022: 20}
    retired = {2010 + i: 10 for i in range(8)}
    rows = (
        programme(grew, "Grew", "AA")
        + programme(retired, "Retired", "BB")
        + programme({2022: 1}, "Other", "CC")
    )
    rates = fit_rates(make_history(rows), end=2023.0)
    five_year_mean = np.mean([grew[y] for y in range(2018, 2023)])
    assert rates.mean_rate("vehicle", "Grew") > 0.9 * 20 > five_year_mean
    assert rates.mean_rate("vehicle", "Retired") < 1.0
    far = rates.rate_parameters("vehicle", "Grew", years_ahead=4)[0]
    assert far < rates.rate_parameters("vehicle", "Grew")[0]  # further ahead, less certain


def test_rates_round_trip_typed_and_unknown_series_are_explained(history: LaunchHistory) -> None:
    rates = fit_rates(history)
    again = LaunchRates.from_dict(rates.to_dict())
    assert again == rates
    assert set(rates.discount) == {"state", "vehicle", "operator"}
    assert rates.operator_names["SPX"] == "SpaceX" and rates.operator_vehicles["SPX"] == "Falcon 9"
    with pytest.raises(LaunchcastError, match="no launch rate for state 'AU'"):
        rates.get("state", "AU")


def test_one_programme_one_rate_in_the_same_ballpark(history: LaunchHistory) -> None:
    """Before: Chollima-1 expected 10.2 launches since the data by vehicle and 2.0 by state.
    Now the vehicle and its state (which flies only it) have comparable rates."""
    rates = fit_rates(history)
    vehicle, state = rates.mean_rate("vehicle", "Cheonlima-1"), rates.mean_rate("state", "KP")
    assert 0.5 < vehicle / state < 2


def test_the_backtest_scores_the_model_above_both_rules_of_thumb(history: LaunchHistory) -> None:
    """The rolling-origin backtest on real launches (2015–2023, each year fitted on the years
    before it): the model's count log score beats last year's count and the five-year mean."""
    from launchcast.model.stats import rate_backtest

    forecasts = rate_backtest.rate_forecasts(history, 2015, 2023)
    assert forecasts.rows.groupby("rule")["year"].min().eq(2015).all()
    train = forecasts.rows[forecasts.rows["year"] == 2015]
    assert (train["series"] == "US").any() and not (train["observed"] < 0).any()
    scores = rate_backtest.score(forecasts, 2019).table
    overall = scores[scores["period"] == "all years"].set_index(["kind", "rule"])["log_score"]
    for kind in ("state", "vehicle", "operator"):
        assert overall[kind, "model"] > overall[kind, "last year"]
        assert overall[kind, "model"] > overall[kind, "5-year mean"]


def test_a_backtest_year_never_sees_its_own_launches_or_later_ones(history: LaunchHistory) -> None:
    """The 2020 forecasts are the same from the whole record and from launches before 2020
    plus a fabricated 2020: only what was known on 1 January 2020 shapes them."""
    from launchcast.model.stats import rate_backtest

    whole = rate_backtest.rate_forecasts(history, 2020, 2020).rows
    doubled = history.launches[history.launches["year"] >= 2020]
    padded = LaunchHistory.from_frames(
        pd.concat(
            [
                history.launches[history.launches["year"] < 2021],
                doubled.assign(launch_tag=doubled["launch_tag"] + "x"),
            ]
        ),
        history.vehicles,
        history.state_names,
    )
    fabricated = rate_backtest.rate_forecasts(padded, 2020, 2020).rows
    columns = ["kind", "series", "rule", "shape", "mean"]
    pd.testing.assert_frame_equal(whole[columns], fabricated[columns])
    assert (fabricated["observed"].sum()) > whole["observed"].sum()  # the year itself did change
