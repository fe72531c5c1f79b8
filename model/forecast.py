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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from pydantic import BaseModel, Field

from model.errors import LaunchcastError
from model.fit import Fit, LaunchQuery
from model.history import decimal_year, parse_time

MAX_CAMPAIGN_LAUNCHES = 100
#: Launches simulated per path when the question is about time (by-date, versus).
TIME_HORIZON_LAUNCHES = 100
MIN_PATHS, MAX_PATHS = 1000, 1_000_000


class Interval(BaseModel):
    low: float
    high: float


class Reliability(BaseModel):
    """Posterior of the underlying success probability of the next launch."""

    mean: float
    median: float
    interval_50: Interval
    interval_90: Interval


class Record(BaseModel):
    """The track record a forecast is based on (as of the fit's data)."""

    subject: str
    attempts: int
    successes: int
    first_launch: str | None
    last_launch: str | None


class ModelInfo(BaseModel):
    model: str
    version: str
    data_as_of: str
    draws: int


class NextLaunchForecast(BaseModel):
    subject: str = Field(description="what is forecast, in words")
    vehicle: str | None = Field(description="GCAT vehicle name; null for a new vehicle")
    display_name: str | None
    family: str | None
    state: str | None
    new_vehicle: bool
    flight_number: int = Field(description="flight number of the forecast launch (1 = maiden)")
    probability: float = Field(description="posterior predictive P(success)")
    reliability: Reliability
    record: Record
    model: ModelInfo


class CampaignForecast(BaseModel):
    subject: str
    launches: int
    paths: int
    seed: int
    success_pmf: list[float] = Field(description="P(exactly k successes), k = 0..launches")
    at_least: list[float] = Field(description="P(at least k successes), k = 0..launches")
    expected_successes: float
    expected_attempts_to_first_success: float
    probability_no_success: float
    model: ModelInfo


class ByDateForecast(BaseModel):
    subject: str
    date: str
    window_start: str = Field(description="the data's as-of date: the window starts there")
    years: float
    probability: float = Field(description="P(at least one successful launch before date)")
    expected_launches: float
    launch_rate_per_year: Reliability = Field(description="posterior of the yearly launch rate")
    paths: int
    seed: int
    model: ModelInfo


class VersusForecast(BaseModel):
    a: NextLaunchForecast
    b: NextLaunchForecast
    probability_a_more_reliable: float = Field(description="P(A's next-launch reliability > B's)")
    probability_a_first: float = Field(description="P(A's next success comes before B's)")
    probability_b_first: float
    probability_neither: float = Field(
        description=f"neither succeeds within {TIME_HORIZON_LAUNCHES} launches"
    )
    median_years_to_success_a: float | None
    median_years_to_success_b: float | None
    paths: int
    seed: int
    model: ModelInfo


@dataclass(frozen=True)
class Programme:
    """Who is asked about: a vehicle, a state (its latest vehicle), or a new vehicle."""

    vehicle: str | None = None
    state: str | None = None
    family: str | None = None
    new_vehicle: bool = False


@dataclass(frozen=True)
class Resolved:
    query: LaunchQuery
    subject: str
    display_name: str | None
    record: Record
    cadence_kind: str
    cadence_name: str | None  # None: a new launching state, no cadence to learn from


def resolve(fit: Fit, programme: Programme) -> Resolved:
    """Turn a programme into the query for its next launch, its record and its cadence."""
    if programme.vehicle and programme.new_vehicle:
        raise LaunchcastError("give either a vehicle or new_vehicle (with a state), not both")
    if programme.vehicle:
        r = fit.record(programme.vehicle)
        if programme.state and programme.state != r.state:
            fit.require_state(programme.state)
            raise LaunchcastError(
                f"{r.display_name} ({r.vehicle}) is a {r.state} vehicle, not {programme.state}"
            )
        return Resolved(
            fit.next_launch_query(r.vehicle),
            f"{r.display_name}, flight {r.attempts + 1}",
            r.display_name,
            Record(subject=r.display_name, attempts=r.attempts, successes=r.successes,
                   first_launch=r.first_launch, last_launch=r.last_launch),
            "vehicle", r.vehicle,
        )  # fmt: skip
    if programme.new_vehicle or programme.family:
        query = fit.new_vehicle_query(programme.state, programme.family)
        where = f" of family {programme.family}" if programme.family else ""
        if query.state is None:  # a state that has never launched: all from the hierarchy
            record = Record(subject="a new launching state", attempts=0, successes=0,
                            first_launch=None, last_launch=None)  # fmt: skip
            return Resolved(query, f"maiden flight of a new launching state's first vehicle{where}",
                            None, record, "state", None)  # fmt: skip
        subject = f"maiden flight of a new {fit.state_name(query.state)} vehicle{where}"
        return Resolved(query, subject, None, _state_record(fit, query.state), "state", query.state)
    if programme.state:
        fit.require_state(programme.state)
        latest = max((r for r in fit.records.values() if r.state == programme.state),
                     key=lambda r: r.last_launch)  # fmt: skip
        resolved = resolve(fit, Programme(vehicle=latest.vehicle))
        return Resolved(
            resolved.query,
            f"next {fit.state_name(programme.state)} launch (on {latest.display_name}, "
            f"its latest vehicle)",
            latest.display_name, _state_record(fit, programme.state), "state", programme.state,
        )  # fmt: skip
    raise LaunchcastError("say whose launch: a vehicle, a state, or a state with new_vehicle")


def _state_record(fit: Fit, state: str) -> Record:
    records = [r for r in fit.records.values() if r.state == state]
    return Record(
        subject=fit.state_name(state),
        attempts=sum(r.attempts for r in records),
        successes=sum(r.successes for r in records),
        first_launch=min((r.first_launch for r in records), default=None),
        last_launch=max((r.last_launch for r in records), default=None),
    )


def _info(fit: Fit) -> ModelInfo:
    return ModelInfo(model=fit.model, version=fit.version, data_as_of=fit.as_of, draws=fit.n_draws)


def _summary(draws: np.ndarray) -> Reliability:
    q05, q25, q50, q75, q95 = np.quantile(draws, [0.05, 0.25, 0.5, 0.75, 0.95])
    return Reliability(mean=float(draws.mean()), median=float(q50),
                       interval_50=Interval(low=float(q25), high=float(q75)),
                       interval_90=Interval(low=float(q05), high=float(q95)))  # fmt: skip


def next_launch(fit: Fit, programme: Programme) -> NextLaunchForecast:
    resolved = resolve(fit, programme)
    return _next_from(fit, resolved)


def _next_from(fit: Fit, resolved: Resolved) -> NextLaunchForecast:
    draws = fit.success_probability(resolved.query)
    q = resolved.query
    return NextLaunchForecast(
        subject=resolved.subject, vehicle=q.vehicle, display_name=resolved.display_name,
        family=q.family, state=q.state, new_vehicle=q.vehicle is None,
        flight_number=q.vehicle_flight, probability=float(draws.mean()),
        reliability=_summary(draws), record=resolved.record, model=_info(fit),
    )  # fmt: skip


def _check_paths(paths: int) -> None:
    if not MIN_PATHS <= paths <= MAX_PATHS:
        raise LaunchcastError(f"paths must be between {MIN_PATHS} and {MAX_PATHS}, got {paths}")


def simulate(
    fit: Fit, query: LaunchQuery, launches: int, paths: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate ``launches`` consecutive launches on ``paths`` paths.

    Each path follows one posterior draw; the flight numbers advance at every step
    and, if the model conditions on it, each path carries its own previous outcome.
    Returns (successes per path, 1-based index of the first success or
    ``launches + 1``, P(success) of the launch after the last one).
    """
    draw = rng.integers(0, fit.n_draws, size=paths)
    previous_failed = np.full(paths, query.previous_failed)
    successes = np.zeros(paths, dtype=np.int32)
    first = np.full(paths, launches + 1, dtype=np.int32)
    conditional = fit.conditions_on_previous_outcome
    for step in range(launches + 1):
        q = query.advanced(step)
        if conditional:
            after_success = fit.success_probability(q, False)
            after_failure = fit.success_probability(q, True)
            p = np.where(previous_failed, after_failure[draw], after_success[draw])
        else:
            p = fit.success_probability(q)[draw]
        if step == launches:
            return successes, first, p
        success = rng.random(paths) < p
        successes += success
        first[(first > launches) & success] = step + 1
        previous_failed = ~success
    raise AssertionError("unreachable")


def campaign(
    fit: Fit, programme: Programme, launches: int, paths: int = 100_000, seed: int = 0
) -> CampaignForecast:
    if not 1 <= launches <= MAX_CAMPAIGN_LAUNCHES:
        raise LaunchcastError(f"launches must be between 1 and {MAX_CAMPAIGN_LAUNCHES}, got {launches}")
    _check_paths(paths)
    resolved = resolve(fit, programme)
    rng = np.random.default_rng(seed)
    successes, first, p_next = simulate(fit, resolved.query, launches, paths, rng)
    pmf = np.bincount(successes, minlength=launches + 1) / paths
    at_least = pmf[::-1].cumsum()[::-1]
    none = first > launches
    # Paths with no success yet: expected further attempts ~ 1/p of the next launch.
    attempts = np.where(none, launches + 1.0 / np.maximum(p_next, 1e-9), first)
    return CampaignForecast(
        subject=f"next {launches} launches: {resolved.subject.split(',')[0]}",
        launches=launches, paths=paths, seed=seed,
        success_pmf=[float(x) for x in pmf], at_least=[float(min(1.0, x)) for x in at_least],
        expected_successes=float(successes.mean()),
        expected_attempts_to_first_success=float(attempts.mean()),
        probability_no_success=float(none.mean()), model=_info(fit),
    )  # fmt: skip


def _years_to_first_success(
    fit: Fit, resolved: Resolved, paths: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Years from the as-of date to the first success on each path (inf if none in horizon)."""
    if resolved.cadence_name is None:
        raise LaunchcastError(
            "a state that has never launched has no launch cadence to forecast dates from; "
            "name a state (with new_vehicle for its new rocket)"
        )
    rate = fit.cadence.rate_draws(resolved.cadence_kind, resolved.cadence_name, paths, rng)
    _, first, _ = simulate(fit, resolved.query, TIME_HORIZON_LAUNCHES, paths, rng)
    found = first <= TIME_HORIZON_LAUNCHES
    # The k-th launch of a Poisson process of rate λ comes after Gamma(k, 1/λ) years.
    years = np.where(found, rng.gamma(np.where(found, first, 1), 1.0) / rate, np.inf)
    return years, rate


def by_date(
    fit: Fit, programme: Programme, until: date, paths: int = 20_000, seed: int = 0,
    today: date | None = None,
) -> ByDateForecast:  # fmt: skip
    _check_paths(paths)
    as_of = parse_time(fit.as_of).date()
    today = today or date.today()
    if until <= as_of:
        raise LaunchcastError(
            f"date {until} is not after the data's as-of date {as_of}: ask about a later date"
        )
    if until < today:
        raise LaunchcastError(
            f"date {until} is in the past: what happened by then is history, not a forecast"
        )
    resolved = resolve(fit, programme)
    rng = np.random.default_rng(seed)
    years = decimal_year(parse_time(until.isoformat())) - decimal_year(parse_time(as_of.isoformat()))
    to_success, rate = _years_to_first_success(fit, resolved, paths, rng)
    return ByDateForecast(
        subject=f"a successful launch: {resolved.subject}", date=until.isoformat(),
        window_start=as_of.isoformat(), years=round(years, 4),
        probability=float(np.mean(to_success <= years)),
        expected_launches=float(rate.mean() * years), launch_rate_per_year=_summary(rate),
        paths=paths, seed=seed, model=_info(fit),
    )  # fmt: skip


def versus(fit: Fit, a: Programme, b: Programme, paths: int = 20_000, seed: int = 0) -> VersusForecast:
    _check_paths(paths)
    resolved_a, resolved_b = resolve(fit, a), resolve(fit, b)
    p_a = fit.success_probability(resolved_a.query)
    p_b = fit.success_probability(resolved_b.query)
    rng = np.random.default_rng(seed)
    years_a, _ = _years_to_first_success(fit, resolved_a, paths, rng)
    years_b, _ = _years_to_first_success(fit, resolved_b, paths, rng)
    neither = np.isinf(years_a) & np.isinf(years_b)

    def median(years: np.ndarray) -> float | None:
        value = float(np.median(years))
        return None if np.isinf(value) else round(value, 3)

    return VersusForecast(
        a=_next_from(fit, resolved_a), b=_next_from(fit, resolved_b),
        probability_a_more_reliable=float(np.mean(p_a > p_b)),
        probability_a_first=float(np.mean(years_a < years_b)),
        probability_b_first=float(np.mean(years_b < years_a)),
        probability_neither=float(neither.mean()),
        median_years_to_success_a=median(years_a), median_years_to_success_b=median(years_b),
        paths=paths, seed=seed, model=_info(fit),
    )  # fmt: skip
