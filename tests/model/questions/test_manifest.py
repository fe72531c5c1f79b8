"""Forecasts for announced launches, and time questions that count them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from launchcast.model.questions.asking import Announcements, Programme
from launchcast.model.questions.forecast import by_date, by_month, versus
from launchcast.model.questions.manifest import manifest
from launchcast.model.record.history import LaunchHistory
from launchcast.model.record.schedule import Announced, user_entry
from launchcast.model.stats.baselines import BetaFit, laplace
from launchcast.model.stats.fit import Fit

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def announced(
    rocket: str, days: float, status: str = "Go", length_days: float = 0.0, **more: str
) -> Announced:
    opens = NOW + timedelta(days=days)
    entry = user_entry(
        rocket=rocket,
        net=opens,
        window_end=opens + timedelta(days=length_days),
        source="test",
        status=status,
        now=NOW,
        **more,  # type: ignore[arg-type]  # name, country, entry_id
    )
    return entry


@pytest.fixture(scope="module")
def conjugate(history: LaunchHistory) -> BetaFit:
    return laplace(draws=20_000).fit(history)


def test_each_announced_launch_gets_its_flight_and_the_closed_form_probability(conjugate: BetaFit) -> None:
    entries = [
        announced("Chollima-1", 3, "TBC", 7, entry_id="a"),
        announced("Nuri", 90, "TBD", 30, entry_id="b"),
        announced("Nuri", 200, "TBD", 30, entry_id="c"),
        announced("Chollima-2", 40, "TBD", country="KP", entry_id="d"),
    ]
    answer = manifest(conjugate, entries, now=NOW, paths=20_000)
    rows = {r.id: r for r in answer.launches}
    chollima = conjugate.catalogue.record("Chollima-1")
    # Laplace's rule: (s + 1) / (n + 2), whatever the flight.
    assert rows["a"].flight_number == chollima.attempts + 1
    assert rows["a"].probability == pytest.approx(
        (chollima.successes + 1) / (chollima.attempts + 2), abs=0.01
    )
    nuri = conjugate.catalogue.record("Nuri")
    assert (rows["b"].flight_number, rows["c"].flight_number) == (nuri.attempts + 1, nuri.attempts + 2)
    assert rows["b"].interval_90 is not None and rows["b"].interval_90.low < rows["b"].probability < 1
    assert not rows["d"].mapped and rows["d"].probability is None and "Chollima-1" in rows["d"].suggestions
    only_kr = manifest(conjugate, entries, now=NOW, state="South Korea", paths=1000)
    assert [r.id for r in only_kr.launches] == ["b", "c"]
    assert [
        r.id for r in manifest(conjugate, entries, now=NOW, until=date(2027, 1, 15), paths=1000).launches
    ] == [
        "a",
        "d",
    ]


def test_a_later_flight_is_forecast_after_the_earlier_outcome_simulated(full_fit: Fit) -> None:
    """The second of two Nuri launches: the mixture over the first's outcome, per posterior draw."""
    entries = [announced("Nuri", 30, entry_id="first"), announced("Nuri", 120, entry_id="second")]
    answer = manifest(full_fit, entries, now=NOW, paths=100_000, seed=3)
    query = full_fit.catalogue.next_launch_query("Nuri")
    p1 = full_fit.success_probability(query)
    after_success = full_fit.success_probability(query.advanced(1), False)
    after_failure = full_fit.success_probability(query.advanced(1), True)
    expected = float(np.mean(p1 * after_success + (1 - p1) * after_failure))
    second = answer.launches[1]
    assert second.flight_number == query.vehicle_flight + 1
    assert second.probability == pytest.approx(expected, abs=0.006)
    assert answer.launches[0].probability == pytest.approx(float(p1.mean()), abs=0.006)


def test_by_date_counts_an_announced_window_and_says_so(conjugate: BetaFit) -> None:
    until = date(2027, 3, 1)
    without = by_date(conjugate, Programme(state="KP"), until, now=NOW)
    window = Announcements([announced("Chollima-1", 5, "TBC", 7, name="Chollima-1 | test")])
    with_window = by_date(conjugate, Programme(state="KP"), until, now=NOW, announced=window)
    assert without.announced == [] and with_window.announced[0].startswith("Chollima-1 | test (TBC")
    assert with_window.probability > without.probability + 0.1
    assert with_window.expected_launches > without.expected_launches
    # Another state's announcement does not count; a vehicle's counts for its state.
    nuri = Announcements([announced("Nuri", 5)])
    assert by_date(conjugate, Programme(state="KP"), until, now=NOW, announced=nuri).announced == []
    months = by_month(conjugate, Programme(vehicle="Chollima-1"), 3, now=NOW, announced=window)
    assert months.announced and months.months[-1].probability >= months.months[0].probability


def test_the_launch_rate_model_counts_only_after_the_last_announced_launch(conjugate: BetaFit) -> None:
    """An announcement months past the question's date: nothing else is expected before it."""
    late = Announcements([announced("Chollima-1", 400, "Go")])
    answer = by_date(conjugate, Programme(vehicle="Chollima-1"), date(2027, 6, 1), now=NOW, announced=late)
    assert answer.probability < 0.01 and answer.expected_launches < 0.05


def test_versus_names_each_sides_announced_launches(conjugate: BetaFit) -> None:
    window = Announcements([announced("Chollima-1", 5, "TBC", 7), announced("Nuri", 60, "TBD")])
    answer = versus(conjugate, Programme(state="KP"), Programme(state="KR"), now=NOW, announced=window)
    assert len(answer.announced_a) == 1 and "Chollima-1" in answer.announced_a[0]
    assert len(answer.announced_b) == 1 and "Nuri" in answer.announced_b[0]


def test_the_launch_count_counts_announced_launches_as_known_arrivals(conjugate: BetaFit) -> None:
    from launchcast.model.questions.counts import launches

    window = Announcements([announced("Chollima-1", 5, "Go", name="Chollima-1 | test")])
    start, end = date(2026, 11, 30), date(2027, 1, 1)
    plain = launches(conjugate, state="KP", start=start, end=end, now=NOW)
    counted = launches(conjugate, state="KP", start=start, end=end, now=NOW, announced=window)
    assert plain.announced == [] and counted.announced[0].startswith("Chollima-1 | test")
    assert counted.launches.mean > plain.launches.mean + 0.5
    assert counted.successes.mean < counted.launches.mean
    # Before the announced launch nothing else is expected: a window that closes before its NET.
    before = launches(conjugate, state="KP", start=start, end=date(2026, 12, 4), now=NOW, announced=window)
    assert before.launches.pmf[0] == 1.0 and before.announced == []
