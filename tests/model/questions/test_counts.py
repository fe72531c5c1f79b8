"""How many launches: the answer against a Monte Carlo of the same model, and the record."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from launchcast.model.errors import LaunchcastError, NotFoundError
from launchcast.model.questions.counts import launches
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.baselines import BetaFit, laplace

NOW = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.fixture(scope="module")
def fit(history: LaunchHistory) -> BetaFit:
    return laplace(draws=4000).fit(history)


def test_counts_and_successes_match_a_simulation_of_the_same_model(fit: BetaFit) -> None:
    """Simulate: a rate from the model's Gamma, Poisson launches over the window, each a success
    with a posterior draw of P(success). The closed form must agree."""
    answer = launches(fit, state="KP", start=date(2024, 1, 1), end=date(2027, 1, 1), now=NOW, at_least=2)
    years = (date(2027, 1, 1) - date(2024, 1, 1)).days / 365.25
    ahead = (date(2024, 1, 1) - fit.data_end.date()).days / 365.25 + years / 2  # the window's middle
    shape, rate = fit.rates.rate_parameters("state", "KP", ahead)
    assert answer.launch_rate.startswith("the state North Korea's launch rate")
    rng = np.random.default_rng(1)
    n = 400_000
    count = rng.poisson(rng.gamma(shape, 1 / rate, n) * years)
    from launchcast.model.questions.asking import Programme, resolve

    p = fit.success_probability(resolve(fit, Programme(state="KP")).query)
    won = rng.binomial(count, p[rng.integers(0, len(p), n)])
    assert answer.launches.mean == pytest.approx(count.mean(), rel=0.03)
    assert answer.launches.at_least == pytest.approx(np.mean(count >= 2), abs=0.01)
    assert answer.successes.at_least == pytest.approx(np.mean(won >= 2), abs=0.01)
    simulated = np.bincount(count, minlength=len(answer.launches.pmf))[: len(answer.launches.pmf)] / n
    np.testing.assert_allclose(answer.launches.pmf, simulated, atol=0.01)
    assert sum(answer.launches.pmf) == pytest.approx(1, abs=1e-4)
    assert answer.launches.interval_90.low <= answer.launches.median <= answer.launches.interval_90.high


def test_a_window_before_the_data_end_counts_the_record(fit: BetaFit, history: LaunchHistory) -> None:
    answer = launches(
        fit, operator="spacex", start=date(2023, 1, 1), end=date(2024, 1, 1), now=NOW, history=history
    )
    in_record = history.launches[
        (history.launches["agency"].str.startswith("SPX")) & (history.launches["time_utc"].str[:4] == "2023")
    ]
    assert answer.name == "SPX" and answer.known_launches == len(in_record) == 98
    assert answer.launches.median >= 98 and answer.launches.pmf[:98] == [0.0] * 98
    assert any("counted from the record" in w for w in answer.warnings)
    with pytest.raises(LaunchcastError, match="the launch record is not available here"):
        launches(fit, operator="SPX", start=date(2023, 1, 1), end=date(2024, 1, 1), now=NOW)


def test_bad_windows_and_names_are_explained(fit: BetaFit) -> None:
    with pytest.raises(LaunchcastError, match="must be after"):
        launches(fit, state="KP", start=date(2025, 1, 1), end=date(2025, 1, 1), now=NOW)
    with pytest.raises(LaunchcastError, match="more than 30 years after the data's end"):
        launches(fit, state="KP", start=date(2025, 1, 1), end=date(2090, 1, 1), now=NOW)
    with pytest.raises(LaunchcastError, match="out of range"):
        launches(fit, state="KP", start=date(2025, 1, 1), end=date(9999, 1, 1), now=NOW)
    with pytest.raises(LaunchcastError, match="name one of"):
        launches(fit, state="KP", vehicle="Nuri", start=date(2025, 1, 1), end=date(2026, 1, 1), now=NOW)
    with pytest.raises(NotFoundError, match="SpaceX"):
        launches(fit, operator="SpaceY", start=date(2025, 1, 1), end=date(2026, 1, 1), now=NOW)
