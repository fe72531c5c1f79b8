"""What-if scenarios: checked against brute-force simulation and the model's own terms."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from launchcast.model.errors import LaunchcastError
from launchcast.model.questions.asking import Programme
from launchcast.model.questions.scenario import after_outcome, foreign_help
from launchcast.model.stats.hierarchical import HierarchicalFit
from tests.model.stats.test_hierarchical import _truth_fit, simulate_history

NOW = datetime(2020, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def uncertain() -> HierarchicalFit:
    """The simulation's true parameters, widened to 4,000 draws that disagree about the level
    and the foreign-help effect: an outcome then teaches something about the vehicle."""
    history, truth = simulate_history(0)
    fit = _truth_fit(history, truth)
    rng = np.random.default_rng(5)
    n = 4000
    posterior = {k: np.repeat(v, n, axis=0) for k, v in fit.posterior.items()}
    posterior["mu"] = rng.normal(2.0, 0.8, n)
    posterior["b_assist"] = rng.normal(-0.8, 0.5, n)
    manifest = {**fit.manifest, "as_of": history.launches["time_utc"].iloc[-1]}
    return replace(fit, posterior=posterior, manifest=manifest)


def test_the_flight_after_a_failure_matches_brute_force_simulation(uncertain: HierarchicalFit) -> None:
    answer = after_outcome(uncertain, Programme(vehicle="V03"), now=NOW)
    # Brute force: per posterior draw, fly two launches many times; keep the branches.
    first = uncertain.catalogue.next_launch_query("V03")
    p1 = uncertain.success_probability(first)
    second = first.advanced(1)
    p2f = uncertain.success_probability(replace(second, previous_failed=True))
    p2s = uncertain.success_probability(replace(second, previous_failed=False))
    rng = np.random.default_rng(1)
    draw = rng.integers(0, len(p1), 2_000_000)
    one = rng.uniform(size=draw.size) < p1[draw]
    two = rng.uniform(size=draw.size) < np.where(one, p2s[draw], p2f[draw])
    assert answer.first_flight == pytest.approx(p1.mean())
    assert answer.after_failure.probability == pytest.approx(two[~one].mean(), abs=0.004)
    assert answer.after_success.probability == pytest.approx(two[one].mean(), abs=0.002)
    # A failure lowers the odds twice: the return-to-flight term, and the evidence that this
    # vehicle is weaker (the branch's draws lean to low mu) — so the predictive gap is wider
    # than the term's own effect.
    assert answer.failure_effect.mean == pytest.approx((p2f - p2s).mean())
    gap = answer.after_failure.probability - answer.after_success.probability
    assert gap < answer.failure_effect.mean < 0
    low, high = (
        answer.after_failure.reliability.interval_90.low,
        answer.after_failure.reliability.interval_90.high,
    )
    assert low < answer.after_failure.probability < high


def test_foreign_help_isolates_the_assistance_term(uncertain: HierarchicalFit) -> None:
    answer = foreign_help(uncertain, "S1", family="F3", now=NOW)
    assert [a.name for a in answer.arms] == ["indigenous", "with help", "foreign family"]
    # The arms share every other draw: the helped arm's logit is the indigenous one plus b_assist.
    indigenous = uncertain.catalogue.new_vehicle_query("S1")
    base = uncertain.logit(replace(indigenous, assisted=False))
    helped = uncertain.logit(replace(indigenous, assisted=True))
    assert np.allclose(helped - base, uncertain.posterior["b_assist"])
    expected = 1 / (1 + np.exp(-helped)) - 1 / (1 + np.exp(-base))
    difference = answer.differences[0]
    assert difference.arm == "with help" and difference.mean == pytest.approx(expected.mean())
    assert difference.probability_higher == pytest.approx((expected > 0).mean())
    # The variant arm flies family F3's learning curve for variants, not a new design's.
    variant = answer.arms[2]
    assert variant.probability > answer.arms[0].probability
    # Evidence: the term's posterior, and a verdict that follows its interval.
    evidence = answer.evidence
    assert evidence.effect_logit.mean == pytest.approx(uncertain.posterior["b_assist"].mean())
    assert len(evidence.rows) == 16
    covers_zero = evidence.effect_logit.interval_90.low < 0 < evidence.effect_logit.interval_90.high
    assert evidence.verdict.startswith("Too thin to tell") == covers_zero


def test_a_model_without_the_term_says_so(history) -> None:  # type: ignore[no-untyped-def]
    from launchcast.model.stats.baselines import eb_beta

    fit = eb_beta().fit(history)
    with pytest.raises(LaunchcastError, match="no foreign-help term"):
        foreign_help(fit, "KP", now=datetime(2024, 6, 1, tzinfo=UTC))
    # The conditional campaign works for every model: for eb-beta only the evidence moves it.
    answer = after_outcome(fit, Programme(state="KP"), now=datetime(2024, 6, 1, tzinfo=UTC))
    assert answer.after_failure.probability < answer.after_success.probability
    assert answer.failure_effect.mean == pytest.approx(0.0, abs=1e-9)


def test_unknown_names_get_suggestions(uncertain: HierarchicalFit) -> None:
    with pytest.raises(LaunchcastError, match="unknown family 'F33'"):
        foreign_help(uncertain, "S1", family="F33", now=NOW)
