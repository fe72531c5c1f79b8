"""Monte Carlo forecasts from posterior draws, in plain numpy (no PyMC on this path).

One function per question people ask:

- ``next_launch``: will the next launch of a vehicle / a state / a new vehicle succeed?
- ``campaign``: how many of the next N launches of a vehicle succeed?
- ``by_date``: will a programme have at least one success before a date?
- ``versus``: which of two programmes is more reliable, and which succeeds first?

Each works with every model through the ``Fit`` contract, is vectorised over
draws (campaign paths advance the flight number step by step, and when the
model conditions on the previous outcome each path carries its own), and is
reproducible with a seed.  Results are pydantic models shared with the service.

Every question is asked at a moment ``now`` (UTC), passed in by the caller — this
module never reads the clock — and every answer carries it with the data's age
(``Anchored``).  Time windows start at ``now``; the launches between the data's end
and ``now`` are unknown to the model and are simulated, not assumed away.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from datetime import date as dt_date
from functools import lru_cache

import numpy as np

from launchcast.model.defaults import STALE_AFTER_DAYS
from launchcast.model.errors import LaunchcastError
from launchcast.model.questions import budget
from launchcast.model.questions.answers import (
    TIME_HORIZON_LAUNCHES,
    ByDateForecast,
    ByMonthForecast,
    CampaignForecast,
    Interval,
    MonthPoint,
    NextLaunchForecast,
    NextLaunchTimes,
    RacePoint,
    Reliability,
    VersusForecast,
)
from launchcast.model.questions.asking import (
    MAX_YEARS_AFTER_DATA,
    Announcements,
    Moment,
    Programme,
    Resolved,
    check_paths,
    check_year,
    model_info,
    resolve,
    years_between,
)
from launchcast.model.questions.explain import explain as explain_forecast
from launchcast.model.questions.paths import Arrivals, arrivals, first_success, simulate, step_probability
from launchcast.model.stats.fit import Fit

MAX_CAMPAIGN_LAUNCHES = 100
#: Launches simulated per path, at most, from the data's end to a question's horizon.
MAX_SIMULATED_LAUNCHES = 5000
#: When "who has succeeded by then" is reported in a versus answer: each quarter for five years.
RACE_YEARS = np.arange(1, 21) / 4
#: The longest month-by-month outlook (``by_month``).
MAX_MONTHS = 120


def _summary(draws: np.ndarray) -> Reliability:
    q05, q25, q50, q75, q95 = np.quantile(draws, [0.05, 0.25, 0.5, 0.75, 0.95])
    return Reliability(
        mean=float(draws.mean()),
        median=float(q50),
        interval_50=Interval(low=float(q25), high=float(q75)),
        interval_90=Interval(low=float(q05), high=float(q95)),
    )


def _launches_since_data(fit: Fit, resolved: Resolved, moment: Moment) -> float | None:
    """Launches the launch-rate model expects in the gap between the data's end and the question."""
    if resolved.rate_name is None:
        return None
    return round(fit.rates.mean_rate(resolved.rate_kind, resolved.rate_name) * moment.gap_years, 3)


def _gap_warning(resolved: Resolved, since: float | None) -> list[str]:
    """The warning that "next" may already have flown, and the notes on how it was asked."""
    if since is None or since < 0.5:
        return list(resolved.notes)
    return [
        f"about {since:.1f} launches of this programme are expected to have flown since the data's "
        f"end; this forecast is for flight {resolved.query.vehicle_flight}, the first launch after "
        "the data's end, which may already have happened",
        *resolved.notes,
    ]


def next_launch(
    fit: Fit,
    programme: Programme,
    *,
    now: datetime,
    stale_after_days: int = STALE_AFTER_DAYS,
    explain: bool = False,
) -> NextLaunchForecast:
    """P(success) of the first launch after the data's end (see ``flight_number``);
    with ``explain``, why (``model.questions.explain``: the logit's terms, adding up to it)."""
    moment = Moment.of(fit, now, stale_after_days)
    resolved = resolve(fit, programme)
    answer = _next_from(fit, resolved, moment)
    if explain:
        answer.explanation = explain_forecast(fit, resolved.query)
    return answer


def _next_from(fit: Fit, resolved: Resolved, moment: Moment) -> NextLaunchForecast:
    draws = fit.success_probability(resolved.query)
    q = resolved.query
    return NextLaunchForecast(
        subject=resolved.subject,
        vehicle=q.vehicle,
        display_name=resolved.display_name,
        family=q.family,
        state=q.state,
        new_vehicle=q.vehicle is None,
        flight_number=q.vehicle_flight,
        probability=float(draws.mean()),
        reliability=_summary(draws),
        record=resolved.record,
        vehicle_choice=resolved.vehicle_choice,
        launch_rate=rate_description(fit, resolved),
        model=model_info(fit),
        **next_launch_times(fit, resolved, moment).model_dump(),
    )


def next_launch_times(fit: Fit, resolved: Resolved, moment: Moment) -> NextLaunchTimes:
    """The time fields of a next-launch answer: what a cached answer needs per question."""
    since = _launches_since_data(fit, resolved, moment)
    return NextLaunchTimes(
        expected_launches_since_data=since, **moment.anchored(_gap_warning(resolved, since))
    )


def campaign(
    fit: Fit,
    programme: Programme,
    launches: int,
    paths: int = 100_000,
    seed: int = 0,
    *,
    now: datetime,
    stale_after_days: int = STALE_AFTER_DAYS,
) -> CampaignForecast:
    """Successes in the next N launches after the data's end (flight numbers as in ``next``)."""
    if not 1 <= launches <= MAX_CAMPAIGN_LAUNCHES:
        raise LaunchcastError(f"launches must be between 1 and {MAX_CAMPAIGN_LAUNCHES}, got {launches}")
    check_paths(paths)
    moment = Moment.of(fit, now, stale_after_days)
    resolved = resolve(fit, programme)
    budget.check(launches + 1, paths, fit.n_draws, f"{launches + 1} launches", "fewer launches")
    rng = np.random.default_rng(seed)
    successes, first, p_next = simulate(fit, resolved.query, launches, paths, rng)
    pmf = np.bincount(successes, minlength=launches + 1) / paths
    at_least = pmf[::-1].cumsum()[::-1]
    none = first > launches
    # Paths with no success yet: expected further attempts ~ 1/p of the next launch.
    attempts = np.where(none, launches + 1.0 / np.maximum(p_next, 1e-9), first)
    return CampaignForecast(
        subject=f"next {launches} launches: {resolved.subject.split(',')[0]}",
        launches=launches,
        paths=paths,
        seed=seed,
        success_pmf=[float(x) for x in pmf],
        at_least=[float(min(1.0, x)) for x in at_least],
        expected_successes=float(successes.mean()),
        expected_attempts_to_first_success=float(attempts.mean()),
        probability_no_success=float(none.mean()),
        model=model_info(fit),
        **moment.anchored(_gap_warning(resolved, _launches_since_data(fit, resolved, moment))),
    )


def years_ahead(moment: Moment) -> float:
    """How far past the data's end a simulation's launch rate is taken: the question's own
    distance plus half a year, at least one year.  One rate per path for the whole span, with
    the launch-rate model's uncertainty at that distance (wider the older the data), and the
    same for every horizon, so each month of ``by_month`` equals ``by_date`` for its date."""
    return max(1.0, moment.gap_years + 0.5)


def rate_description(fit: Fit, resolved: Resolved) -> str | None:
    """Which launch rate an answer used, in words (None for a state that has never launched)."""
    if resolved.rate_name is None:
        return None
    kind, name = resolved.rate_kind, resolved.rate_name
    shape, rate = fit.rates.rate_parameters(kind, name)
    low, high = gamma_interval(shape, rate)
    who = fit.catalogue.state_name(name) if kind == "state" else name
    return (
        f"the {kind} {who}'s launch rate: {shape / rate:.1f} launches a year expected in the year after "
        f"the data's end (90% interval {low:.1f}–{high:.1f}; launch-rate model, model.rates)"
    )


@lru_cache(maxsize=4096)
def gamma_interval(shape: float, rate: float) -> tuple[float, float]:
    """The central 90% interval of a Gamma(shape, rate), by simulation (cached: answers repeat)."""
    draws = np.random.default_rng(0).gamma(shape, 1 / rate, 20_000)
    low, high = np.quantile(draws, [0.05, 0.95])
    return float(low), float(high)


def _launches_to_simulate(fit: Fit, resolved: Resolved, moment: Moment, horizon_years: float | None) -> int:
    """About how many launches ``_years_to_first_success`` simulates per path, at most: the gap's
    launches and the window's at a high launch rate (mean + 4 sd), or the gap's and
    ``TIME_HORIZON_LAUNCHES`` when there is no time horizon (who is first)."""
    if resolved.rate_name is None:
        return 0
    high = fit.rates.rate_high(resolved.rate_kind, resolved.rate_name, years_ahead(moment))
    if horizon_years is None:
        launches = high * moment.gap_years + TIME_HORIZON_LAUNCHES
    else:
        launches = high * (moment.gap_years + horizon_years)
    return int(min(MAX_SIMULATED_LAUNCHES, np.ceil(launches) + 1))


def _check_time_budget(
    fit: Fit, sides: list[Resolved], moment: Moment, paths: int, horizon_years: float | None, later: str
) -> None:
    steps = sum(_launches_to_simulate(fit, side, moment, horizon_years) for side in sides)
    budget.check(
        steps,
        paths,
        fit.n_draws,
        f"about {steps:,} launches from the data's end ({fit.as_of})",
        f"an as_of closer to the data's end{later}",
    )


def _years_to_first_success(
    fit: Fit,
    resolved: Resolved,
    moment: Moment,
    paths: int,
    rng: np.random.Generator,
    horizon_years: float | None = None,
    announced: Announcements | None = None,
) -> tuple[np.ndarray, np.ndarray, Arrivals | None]:
    """Years from the question's time to the programme's first success after it, per path.

    Launches arrive as a Poisson process (``model.stats.rates``) from the data's end, so the
    launches of the unseen gap before ``moment.now`` are simulated too: they advance the
    flight number and set the previous outcome, but a success there does not count — it
    happened before the question.  A path stops at its first success after ``now``, at
    ``horizon_years`` after ``now`` (by-date) or after ``TIME_HORIZON_LAUNCHES`` launches
    after ``now`` (who is first); no success by then is ``inf``.

    With ``announced`` launches (``model.questions.manifest``), those the programme counts
    are known arrivals, each at its slipped time on each path; the launch-rate model takes
    over only after a path's last announced launch, continuing the vehicle's flight numbers
    after its announced ones.  Also returns the yearly rates and the arrivals counted.
    """
    if resolved.rate_name is None:
        raise LaunchcastError(
            "a state that has never launched has no launch rate to forecast dates from; "
            "name a state (with new_vehicle for its new rocket)"
        )
    rate = fit.rates.rate_draws(resolved.rate_kind, resolved.rate_name, paths, rng, years_ahead(moment))
    gap = moment.gap_years
    draw = rng.integers(0, fit.n_draws, size=paths)
    query = resolved.query
    previous_failed = np.full(paths, query.previous_failed)
    found = np.full(paths, np.inf)
    start = np.full(paths, gap)  # years from the data's end when the launch-rate model's launches count
    arrived: Arrivals | None = None
    if announced is not None and announced.entries:
        arrived = arrivals(fit, resolved, announced.entries, moment, draw, rng, announced.slips)
    if arrived is not None:
        found = first_success(arrived, horizon_years)
        start = gap + arrived.last
        query = query.advanced(arrived.own_launches)
        if arrived.own_last_failed is not None:
            previous_failed = arrived.own_last_failed.copy()
    elapsed = np.zeros(paths)  # years from the data's end to each path's latest launch
    launched_after = np.zeros(paths, dtype=np.int32)
    active = np.isinf(found)
    for step in range(MAX_SIMULATED_LAUNCHES):
        budget.checkpoint()
        p = step_probability(fit, query.advanced(step), draw, previous_failed)
        elapsed += rng.exponential(1.0, paths) / rate
        success = rng.random(paths) < p
        after = elapsed >= start
        if horizon_years is not None:
            active &= elapsed - gap < horizon_years
        hit = active & after & success
        found[hit] = elapsed[hit] - gap
        launched_after += after
        active &= ~hit
        if horizon_years is None:
            active &= launched_after < TIME_HORIZON_LAUNCHES
        if not active.any():
            break
        previous_failed = ~success
    return found, rate, arrived


def by_date(
    fit: Fit,
    programme: Programme,
    until: date,
    paths: int = 20_000,
    seed: int = 0,
    *,
    now: datetime,
    stale_after_days: int = STALE_AFTER_DAYS,
    announced: Announcements | None = None,
) -> ByDateForecast:
    """P(at least one success from ``now`` until 00:00 UTC of ``until``)."""
    check_paths(paths)
    check_year(until, "date")
    moment = Moment.of(fit, now, stale_after_days)
    end = datetime(until.year, until.month, until.day, tzinfo=UTC)
    if end <= moment.now:
        raise LaunchcastError(
            f"date {until} is not after the question's time {moment.now:%Y-%m-%dT%H:%MZ}: what "
            "happened by then is history, not a forecast; ask about a later date"
        )
    if years_between(moment.data_end, end) > MAX_YEARS_AFTER_DATA:
        raise LaunchcastError(
            f"date {until} is more than {MAX_YEARS_AFTER_DATA:.0f} years after the data's end "
            f"({fit.as_of}): ask about an earlier date"
        )
    resolved = resolve(fit, programme)
    years = years_between(moment.now, end)
    _check_time_budget(fit, [resolved], moment, paths, years, " or an earlier date")
    rng = np.random.default_rng(seed)
    to_success, rate, arrived = _years_to_first_success(fit, resolved, moment, paths, rng, years, announced)
    expected = rate * years
    if arrived is not None:
        after = np.maximum(0.0, years - arrived.last)
        expected = (arrived.years <= years).sum(axis=1) + rate * after
    return ByDateForecast(
        subject=f"a successful launch: {resolved.subject}",
        date=until.isoformat(),
        window_start=moment.now,
        years=round(years, 6),
        probability=float(np.mean(to_success <= years)),
        expected_launches=float(expected.mean()),
        launch_rate_per_year=_summary(rate),
        launch_rate=rate_description(fit, resolved),
        announced=arrived.counted if arrived else [],
        paths=paths,
        seed=seed,
        model=model_info(fit),
        **moment.anchored(_gap_warning(resolved, _launches_since_data(fit, resolved, moment))),
    )


def versus(
    fit: Fit,
    a: Programme,
    b: Programme,
    paths: int = 20_000,
    seed: int = 0,
    *,
    now: datetime,
    stale_after_days: int = STALE_AFTER_DAYS,
    announced: Announcements | None = None,
) -> VersusForecast:
    """Who is more reliable, and whose next success after ``now`` comes first."""
    check_paths(paths)
    moment = Moment.of(fit, now, stale_after_days)
    resolved_a, resolved_b = resolve(fit, a), resolve(fit, b)
    _check_time_budget(fit, [resolved_a, resolved_b], moment, paths, None, "")
    p_a = fit.success_probability(resolved_a.query)
    p_b = fit.success_probability(resolved_b.query)
    rng = np.random.default_rng(seed)
    years_a, _, arrived_a = _years_to_first_success(fit, resolved_a, moment, paths, rng, None, announced)
    years_b, _, arrived_b = _years_to_first_success(fit, resolved_b, moment, paths, rng, None, announced)
    neither = np.isinf(years_a) & np.isinf(years_b)

    def median(years: np.ndarray) -> float | None:
        value = float(np.median(years))
        return None if np.isinf(value) else round(value, 3)

    return VersusForecast(
        a=_next_from(fit, resolved_a, moment),
        b=_next_from(fit, resolved_b, moment),
        probability_a_more_reliable=float(np.mean(p_a > p_b)),
        probability_a_first=float(np.mean(years_a < years_b)),
        probability_b_first=float(np.mean(years_b < years_a)),
        probability_neither=float(neither.mean()),
        median_years_to_success_a=median(years_a),
        median_years_to_success_b=median(years_b),
        race=[
            RacePoint(
                years=float(t),
                probability_a=float(np.mean(years_a <= t)),
                probability_b=float(np.mean(years_b <= t)),
            )
            for t in RACE_YEARS
        ],
        announced_a=arrived_a.counted if arrived_a else [],
        announced_b=arrived_b.counted if arrived_b else [],
        paths=paths,
        seed=seed,
        model=model_info(fit),
        **moment.anchored(),
    )


def by_month(
    fit: Fit,
    programme: Programme,
    months: int = 24,
    paths: int = 20_000,
    seed: int = 0,
    *,
    now: datetime,
    stale_after_days: int = STALE_AFTER_DAYS,
    announced: Announcements | None = None,
) -> ByMonthForecast:
    """P(at least one success from ``now`` until the first day of each of the next ``months``.

    One simulation to the last date; each point equals ``by_date`` for its date with the
    same seed and paths (the paths are the same until the shorter horizon stops them).
    """
    check_paths(paths)
    if not 1 <= months <= MAX_MONTHS:
        raise LaunchcastError(f"months must be between 1 and {MAX_MONTHS}, got {months}")
    moment = Moment.of(fit, now, stale_after_days)
    resolved = resolve(fit, programme)
    dates = [_add_months(moment.now.date().replace(day=1), k) for k in range(1, months + 1)]
    ends = [datetime(d.year, d.month, d.day, tzinfo=UTC) for d in dates]
    horizon = years_between(moment.now, ends[-1])
    _check_time_budget(fit, [resolved], moment, paths, horizon, " or fewer months")
    rng = np.random.default_rng(seed)
    to_success, _, arrived = _years_to_first_success(fit, resolved, moment, paths, rng, horizon, announced)
    points = [
        MonthPoint(date=d, probability=float(np.mean(to_success <= years_between(moment.now, end))))
        for d, end in zip(dates, ends, strict=True)
    ]
    return ByMonthForecast(
        subject=f"a successful launch: {resolved.subject}",
        window_start=moment.now,
        months=points,
        launch_rate=rate_description(fit, resolved),
        announced=arrived.counted if arrived else [],
        paths=paths,
        seed=seed,
        model=model_info(fit),
        **moment.anchored(_gap_warning(resolved, _launches_since_data(fit, resolved, moment))),
    )


def _add_months(day: dt_date, months: int) -> dt_date:
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1)
