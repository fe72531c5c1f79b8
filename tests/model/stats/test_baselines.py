from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.baselines import BetaFit, _fit_beta_prior, eb_beta, jeffreys, laplace
from tests.conftest import make_history


def test_laplace_is_the_rule_of_succession(history: LaunchHistory) -> None:
    fit = laplace().fit(history)
    assert isinstance(fit, BetaFit)
    a, b = fit.beta_parameters("Cheonlima-1")  # 1 success in 3
    assert (a, b) == (2.0, 3.0)
    p = fit.success_probability(fit.catalogue.next_launch_query("Chollima-1"))
    # Posterior mean (k+1)/(n+2) = 2/5, within Monte Carlo error of 4000 draws.
    assert abs(p.mean() - 0.4) < 4 * np.sqrt(0.4 * 0.6 / 5 / len(p))


def test_jeffreys_prior(history: LaunchHistory) -> None:
    fit = jeffreys().fit(history)
    assert fit.beta_parameters("Nuri") == (2.5, 1.5)
    assert fit.beta_parameters(None) == (0.5, 0.5)


def test_unseen_vehicle_gets_the_prior(history: LaunchHistory) -> None:
    fit = laplace().fit(history)
    draws = fit.success_probability(fit.catalogue.new_vehicle_query("KP"))
    assert stats.kstest(draws, stats.beta(1, 1).cdf).pvalue > 0.001


def test_empirical_bayes_recovers_a_known_prior() -> None:
    rng = np.random.default_rng(3)
    p = rng.beta(8.0, 2.0, size=3000)
    n = rng.integers(5, 40, size=3000)
    k = rng.binomial(n, p)
    a, b = _fit_beta_prior(k.astype(float), n.astype(float))
    assert a / (a + b) == pytest.approx(0.8, abs=0.01)
    assert a + b == pytest.approx(10.0, rel=0.15)


def test_eb_beta_shrinks_small_records_towards_the_world(history: LaunchHistory) -> None:
    fit = eb_beta().fit(history)
    a0, b0 = fit.beta_parameters(None)
    world_mean = a0 / (a0 + b0)
    assert 0.75 < world_mean < 0.95
    a, b = fit.beta_parameters("Cheonlima-1")
    assert (a, b) == pytest.approx((a0 + 1, b0 + 2))
    assert 1 / 3 < a / (a + b) < world_mean


def test_same_seed_same_draws() -> None:
    history = make_history([("2000-01-01", "A", "F", "S", "success")] * 1)
    one, two = laplace(seed=5).fit(history), laplace(seed=5).fit(history)
    assert np.array_equal(one.posterior["reliability"], two.posterior["reliability"])
    other = laplace(seed=6).fit(history)
    assert not np.array_equal(one.posterior["reliability"], other.posterior["reliability"])
