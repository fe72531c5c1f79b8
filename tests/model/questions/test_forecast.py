from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from scipy import stats

from launchcast.model.errors import LaunchcastError, NotFoundError
from launchcast.model.questions.asking import Moment, Programme
from launchcast.model.questions.forecast import by_date, campaign, next_launch, versus, years_ahead
from launchcast.model.questions.paths import simulate
from launchcast.model.record.catalogue import LaunchQuery
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.baselines import BetaFit, laplace
from launchcast.model.stats.hierarchical import DIMS, HierarchicalFit

#: The time every question here is asked: explicit, so every answer is reproducible.
NOW = datetime(2026, 11, 23, tzinfo=UTC)
FUTURE = NOW.date() + timedelta(days=400)
DATA_END = datetime(2023, 12, 30, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def conjugate(history: LaunchHistory) -> BetaFit:
    return laplace(draws=20_000).fit(history)


def test_next_launch_equals_the_posterior_mean(conjugate: BetaFit) -> None:
    result = next_launch(conjugate, Programme(vehicle="Chollima-1"), now=NOW)
    assert result.vehicle == "Cheonlima-1" and result.display_name == "Chollima-1"
    assert result.flight_number == 4 and result.record.attempts == 3
    assert result.record.successes == 1
    exact = stats.beta(2, 3)
    assert abs(result.probability - exact.mean()) < 4 * exact.std() / np.sqrt(20_000)
    assert result.reliability.median == pytest.approx(exact.median(), abs=0.01)
    assert result.reliability.interval_90.low == pytest.approx(exact.ppf(0.05), abs=0.01)
    assert result.model.model == "laplace" and result.data_as_of == date(2023, 12, 30)


def test_campaign_is_beta_binomial(conjugate: BetaFit) -> None:
    paths = 200_000
    result = campaign(conjugate, Programme(vehicle="Nuri"), launches=5, paths=paths, seed=1, now=NOW)
    exact = stats.betabinom(5, 3, 2).pmf(np.arange(6))  # Nuri: 2 of 3 → Beta(3, 2)
    se = np.sqrt(exact * (1 - exact) / paths)
    assert np.all(np.abs(np.array(result.success_pmf) - exact) < 5 * se + 1e-3)
    assert result.at_least[0] == pytest.approx(1.0)
    assert result.probability_no_success == pytest.approx(exact[0], abs=5 * se[0] + 1e-3)


def test_at_least_one_never_decreases_with_n(conjugate: BetaFit) -> None:
    values = [
        campaign(conjugate, Programme(vehicle="Chollima-1"), n, 20_000, seed=3, now=NOW).at_least[1]
        for n in range(1, 12)
    ]
    assert all(b >= a for a, b in itertools.pairwise(values))


def test_by_date_never_decreases_with_the_date(conjugate: BetaFit) -> None:
    values = [
        by_date(
            conjugate, Programme(state="KP"), FUTURE + timedelta(days=90 * k), paths=5000, seed=2, now=NOW
        ).probability
        for k in range(8)
    ]
    assert all(b >= a for a, b in itertools.pairwise(values))
    assert values[-1] > values[0]


@pytest.mark.parametrize("now", [DATA_END, NOW])
def test_by_date_matches_poisson_thinning(conjugate: BetaFit, now: datetime) -> None:
    """Poisson(λT) launches, each a success w.p. p: P(>= 1 success) = E[1 - exp(-λ p T)].

    Launches are memoryless, so this holds with or without an unseen gap before ``now``
    (Laplace's rule does not change with the flight number the gap advances)."""
    result = by_date(conjugate, Programme(vehicle="Nuri"), FUTURE, paths=200_000, seed=4, now=now)
    assert result.years == pytest.approx((FUTURE - now.date()).days / 365.25, rel=0.01)
    rng = np.random.default_rng(0)
    ahead = years_ahead(Moment.of(conjugate, now))
    shape, rate = conjugate.rates.rate_parameters("vehicle", "Nuri", ahead)
    lam = rng.gamma(shape, 1 / rate, 1_000_000)
    p = rng.beta(3, 2, 1_000_000)
    exact = np.mean(1 - np.exp(-lam * p * result.years))
    assert result.probability == pytest.approx(exact, abs=0.006)


def test_versus_is_consistent(conjugate: BetaFit) -> None:
    result = versus(conjugate, Programme(state="KP"), Programme(state="KR"), paths=20_000, now=NOW)
    assert result.a.state == "KP" and result.b.state == "KR"
    total = result.probability_a_first + result.probability_b_first + result.probability_neither
    assert total == pytest.approx(1.0, abs=1e-9)
    # P(A more reliable) from the two independent Beta posteriors, in closed form by quadrature.
    a, b = conjugate.beta_parameters(result.a.vehicle), conjugate.beta_parameters(result.b.vehicle)
    grid = np.linspace(0, 1, 20001)
    exact = np.trapezoid(stats.beta(*a).pdf(grid) * stats.beta(*b).cdf(grid), grid)
    assert result.probability_a_more_reliable == pytest.approx(exact, abs=0.02)


def test_same_seed_same_answer(conjugate: BetaFit) -> None:
    one = campaign(conjugate, Programme(vehicle="Nuri"), 10, 5000, seed=9, now=NOW)
    two = campaign(conjugate, Programme(vehicle="Nuri"), 10, 5000, seed=9, now=NOW)
    assert one == two
    assert campaign(conjugate, Programme(vehicle="Nuri"), 10, 5000, seed=10, now=NOW) != one


def _conditional_fit() -> HierarchicalFit:
    """One-draw model where the previous outcome matters a lot: a closed form exists."""
    n = 1
    posterior = {
        "mu": np.full(n, 1.0),
        "sigma_state": np.ones(n),
        "sigma_family": np.ones(n),
        "sigma_vehicle": np.ones(n),
        "a_state": np.zeros((n, 1)),
        "a_family": np.zeros((n, 1)),
        "a_vehicle": np.zeros((n, 1)),
        "learn_new": np.array([[-1.0, -0.5, -0.25, 0, 0, 0, 0]]),
        "learn_variant": np.zeros((n, 7)),
        "b_modern_maiden": np.zeros(n),
        "b_state_exp": np.zeros(n),
        "b_previous_failed": np.full(n, -1.5),
        "era": np.zeros((n, 1)),
    }
    return HierarchicalFit(
        model="hierarchical",
        version="2.0",
        posterior=posterior,
        coords={"state": ["S"], "family": ["F"], "vehicle": ["V"], "era": ["x"]},
        dims=DIMS,
        records={},
        config={"seed": 0},
    )


def test_sequential_paths_match_exact_enumeration() -> None:
    fit = _conditional_fit()
    query = LaunchQuery("V", "F", "S", vehicle_flight=1, previous_failed=False)
    exact = np.zeros(4)
    for outcome in itertools.product([0, 1], repeat=3):
        prob, failed = 1.0, False
        for step, success in enumerate(outcome):
            p = float(fit.success_probability(query.advanced(step), failed)[0])
            prob *= p if success else 1 - p
            failed = not success
        exact[sum(outcome)] += prob
    successes, _, _ = simulate(fit, query, 3, 400_000, np.random.default_rng(0))
    simulated = np.bincount(successes, minlength=4) / 400_000
    assert np.allclose(simulated, exact, atol=0.004)


@pytest.mark.parametrize(
    ("programme", "error", "message"),
    [
        (Programme(vehicle="Chollma-1"), NotFoundError, "closest known: Chollima-1"),
        (Programme(state="NK"), NotFoundError, "unknown state 'NK'; closest known:"),
        (Programme(state="KP", family="Unah", new_vehicle=True), NotFoundError, "closest known: Unha"),
        (Programme(vehicle="Nuri", state="KP"), LaunchcastError, "is a KR vehicle, not KP"),
        (Programme(), LaunchcastError, "say whose launch"),
    ],
)
def test_unanswerable_queries_are_clear(
    conjugate: BetaFit, programme: Programme, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        next_launch(conjugate, programme, now=NOW)


def test_limits_and_dates_are_checked(conjugate: BetaFit) -> None:
    nuri = Programme(vehicle="Nuri")
    with pytest.raises(LaunchcastError, match="launches must be between 1 and 100, got 0"):
        campaign(conjugate, nuri, 0, now=NOW)
    with pytest.raises(LaunchcastError, match="launches must be between 1 and 100, got 101"):
        campaign(conjugate, nuri, 101, now=NOW)
    with pytest.raises(LaunchcastError, match="paths must be between"):
        campaign(conjugate, nuri, 5, paths=10, now=NOW)
    with pytest.raises(LaunchcastError, match="not after the question's time 2026-11-23T00:00Z"):
        by_date(conjugate, nuri, date(2026, 11, 1), now=NOW)
    with pytest.raises(LaunchcastError, match="is before the data's last launch"):
        by_date(conjugate, nuri, FUTURE, now=datetime(2023, 6, 1, tzinfo=UTC))
    with pytest.raises(LaunchcastError, match="more than 30 years after the data's end"):
        by_date(conjugate, nuri, date(2060, 1, 1), now=NOW)


def test_new_vehicle_and_family_questions(conjugate: BetaFit) -> None:
    new_kp = next_launch(conjugate, Programme(state="KP", new_vehicle=True), now=NOW)
    assert new_kp.new_vehicle and new_kp.vehicle is None and new_kp.flight_number == 1
    assert new_kp.record.attempts == 8 and new_kp.record.successes == 3
    family = next_launch(conjugate, Programme(family="Unha"), now=NOW)
    assert family.state == "KP" and family.family == "Unha"
    state_next = next_launch(conjugate, Programme(state="KP"), now=NOW)
    assert state_next.vehicle == "Cheonlima-1"


def test_time_windows_start_when_the_question_is_asked(conjugate: BetaFit) -> None:
    """A by-date question over one week from today has a one-week window, wherever the data end."""
    week = by_date(conjugate, Programme(state="KP"), date(2026, 11, 30), seed=1, now=NOW)
    assert week.window_start == NOW and week.years == pytest.approx(7 / 365, abs=1e-6)
    assert week.expected_launches == pytest.approx(week.launch_rate_per_year.mean * 7 / 365, rel=0.05)
    year = by_date(conjugate, Programme(state="KP"), date(2027, 11, 23), seed=1, now=NOW)
    assert week.probability < year.probability


def test_as_of_reproduces_an_earlier_answer_exactly(conjugate: BetaFit) -> None:
    earlier = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    ask = lambda now: by_date(conjugate, Programme(state="KP"), date(2026, 1, 1), seed=5, now=now)  # noqa: E731
    assert ask(earlier) == ask(earlier)
    assert ask(earlier).window_start == earlier
    assert ask(earlier).years > ask(datetime(2025, 9, 1, tzinfo=UTC)).years
    who = lambda now: versus(conjugate, Programme(state="KP"), Programme(state="KR"), now=now)  # noqa: E731
    assert who(earlier) == who(earlier)


def test_every_answer_says_how_old_its_data_is(conjugate: BetaFit) -> None:
    stale = next_launch(conjugate, Programme(vehicle="Falcon 9"), now=NOW)
    assert stale.data_as_of == date(2023, 12, 30) and stale.data_age_days == 1059
    assert "the data end 1,059 days before this question" in stale.warnings[0]
    assert "launchcast data update" in stale.warnings[0]
    # Falcon 9 flew ~60 times a year: the forecast flight has surely flown since; say so.
    assert stale.expected_launches_since_data is not None and stale.expected_launches_since_data > 100
    assert "may already have happened" in stale.warnings[1]
    fresh = next_launch(conjugate, Programme(vehicle="Nuri"), now=datetime(2024, 1, 10, tzinfo=UTC))
    assert fresh.data_age_days == 11 and fresh.warnings == []
    for answer in (
        campaign(conjugate, Programme(vehicle="Nuri"), 5, now=NOW),
        by_date(conjugate, Programme(vehicle="Nuri"), FUTURE, now=NOW),
        versus(conjugate, Programme(state="KP"), Programme(state="KR"), now=NOW),
    ):
        assert answer.data_age_days == 1059 and answer.warnings and answer.as_of == NOW


def test_an_unseen_gap_moves_who_is_first(conjugate: BetaFit) -> None:
    """KP's next launch is flight 4 of Chollima-1 on a fresh reading; after three unseen years
    the simulated gap launches count toward experience but not toward "first"."""
    fresh = versus(conjugate, Programme(state="KP"), Programme(state="KR"), now=DATA_END)
    later = versus(conjugate, Programme(state="KP"), Programme(state="KR"), now=NOW)
    assert fresh.probability_a_first + fresh.probability_b_first > 0.9
    assert later.median_years_to_success_a is not None
    assert fresh.as_of == DATA_END and later.as_of == NOW


def test_answers_give_numbers_to_six_significant_digits(conjugate: BetaFit) -> None:
    """No float noise ('0.6284000000000001') in JSON or Python: six significant digits, documented."""
    import re

    from launchcast.model.questions.asking import Programme
    from launchcast.model.questions.forecast import by_date, next_launch, versus

    answers = [
        next_launch(conjugate, Programme(vehicle="Chollima-1"), now=NOW, explain=True),
        by_date(conjugate, Programme(state="KP"), date(2027, 6, 30), now=NOW),
        versus(conjugate, Programme(state="KP"), Programme(state="KR"), now=NOW),
    ]
    for answer in answers:
        text = answer.model_dump_json()
        assert not re.findall(r"\d\.\d{7,}", text), text
        assert answer.model_dump() == answer.model_validate_json(text).model_dump()
    # The documented schema is the fields' own, not the serializer's.
    schema = type(answers[0]).model_json_schema(mode="serialization")
    assert "probability" in schema["properties"]


def test_a_state_that_never_launched_is_asked_about_by_name(conjugate: BetaFit) -> None:
    """GCAT's organisation table knows every state: 'Australia' with a new vehicle is a new launching state."""
    from launchcast.model.questions.asking import Programme
    from launchcast.model.questions.forecast import next_launch

    answer = next_launch(conjugate, Programme(state="Australia", new_vehicle=True), now=NOW)
    maiden = next_launch(conjugate, Programme(new_vehicle=True), now=NOW)
    assert "Australia's first vehicle" in answer.subject and answer.probability == maiden.probability
    with pytest.raises(NotFoundError, match="Australia has never launched.*new vehicle of Australia"):
        next_launch(conjugate, Programme(state="Australia"), now=NOW)
    with pytest.raises(NotFoundError, match="not flown yet is asked about as a new vehicle"):
        next_launch(conjugate, Programme(vehicle="Eris"), now=NOW)
