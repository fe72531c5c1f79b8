"""Explanations add up to the forecasts they explain, against the model's known parameters."""

from __future__ import annotations

import numpy as np
import pytest

from launchcast.model.questions.explain import explain
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.baselines import eb_beta, laplace
from tests.model.stats.test_hierarchical import _truth_fit, simulate_history


@pytest.fixture(scope="module")
def truth_fit():  # type: ignore[no-untyped-def]
    history, truth = simulate_history(0)
    fit = _truth_fit(history, truth)
    rng = np.random.default_rng(3)  # 400 jittered draws: terms with spread, still the model's arithmetic
    fit.posterior = {
        k: np.repeat(v, 400, axis=0) + 0.05 * rng.standard_normal((400, *v.shape[1:]))
        for k, v in fit.posterior.items()
    }
    return fit, truth


def test_terms_add_up_to_the_forecast_draw_for_draw(truth_fit) -> None:  # type: ignore[no-untyped-def]
    fit, truth = truth_fit
    for query in (
        fit.catalogue.next_launch_query("V00"),
        fit.catalogue.new_vehicle_query("S1", "F1"),
        fit.catalogue.new_vehicle_query(),
    ):
        e = explain(fit, query)
        assert e.adds_up
        assert [t.name for t in e.terms] == [
            "level",
            "state",
            "family",
            "vehicle",
            "infancy",
            "modern_maiden",
            "state_experience",
            "previous_outcome",
            "assistance",
            "era",
        ]
        assert sum(t.mean for t in e.terms) == pytest.approx(e.logit_mean, abs=1e-9)
        assert e.logit_mean == pytest.approx(fit.logit(query).mean(), abs=1e-9)
        # The probability is the mean of the logistic of each draw's summed terms.
        assert np.mean(1 / (1 + np.exp(-fit.logit(query)))) == pytest.approx(
            fit.success_probability(query).mean()
        )
        assert all(t.low_90 <= t.mean <= t.high_90 for t in e.terms)
    level = explain(fit, fit.catalogue.next_launch_query("V00")).terms[0]
    assert level.mean == pytest.approx(float(truth["mu"]), abs=0.01)  # the known overall level


def test_a_maiden_flight_names_its_design_penalty(truth_fit) -> None:  # type: ignore[no-untyped-def]
    fit, _ = truth_fit
    e = explain(fit, fit.catalogue.new_vehicle_query("S1"))
    infancy = next(t for t in e.terms if t.name == "infancy")
    assert infancy.label.startswith("flight 1 of") and infancy.label in e.sentence
    # In words and percentage points, for a reader (logits stay in the terms, for the API).
    assert e.sentence.startswith("Moved most by") and "points" in e.sentence and "logit" not in e.sentence
    assert f"{infancy.points:+.0f} points" in e.sentence


def test_points_are_the_forecast_with_a_term_minus_without_it(truth_fit) -> None:  # type: ignore[no-untyped-def]
    fit, _ = truth_fit
    query = fit.catalogue.new_vehicle_query("S1")
    e = explain(fit, query)
    terms = fit.logit_terms(query)
    total = np.sum(list(terms.values()), axis=0)

    def p(x: np.ndarray) -> float:
        return float(np.mean(1 / (1 + np.exp(-x))))

    for t in e.terms:
        assert t.points == pytest.approx(100 * (p(total) - p(total - terms[t.name])), abs=1e-9)
    infancy = next(t for t in e.terms if t.name == "infancy")
    assert infancy.points < 0  # a maiden flight: the infancy curve lowers the forecast


def test_baselines_explain_themselves_as_counts(history: LaunchHistory) -> None:
    for model in (laplace(), eb_beta()):
        fit = model.fit(history)
        e = explain(fit, fit.catalogue.next_launch_query("Cheonlima-1"))
        assert e.terms == [] and e.counts is not None
        assert (e.counts.successes, e.counts.attempts) == (1, 3)  # Chollima-1: 1 of 3 by 2023-12-30
        assert e.counts.posterior_alpha == pytest.approx(e.counts.prior_alpha + 1)
        assert e.counts.posterior_beta == pytest.approx(e.counts.prior_beta + 2)
        assert "1 of 3 launches succeeded" in e.sentence


def test_help_on_record_but_not_counted_is_said(full_fit) -> None:  # type: ignore[no-untyped-def]
    """Chollima-1: Russia's alleged help is in data/assistance.csv, left out at the default level."""
    e = explain(full_fit, full_fit.catalogue.next_launch_query("Cheonlima-1"))
    labels = {t.name: t.label for t in e.terms}
    assert (
        "alleged help from RU on record" in labels["assistance"]
        and "'reported' level" in labels["assistance"]
    )
    assert "alone in its family" in labels["vehicle"]  # no effect of its own, said so instead of +0.00
