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

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from datetime import date as dt_date
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from launchcast.model.defaults import MAX_PATHS, STALE_AFTER_DAYS, YEARS
from launchcast.model.errors import LaunchcastError
from launchcast.model.questions import budget
from launchcast.model.questions.explain import Explanation
from launchcast.model.questions.explain import explain as explain_forecast
from launchcast.model.record.assistance import Assistance, check_level
from launchcast.model.record.catalogue import LaunchQuery, VehicleRecord
from launchcast.model.record.history import LaunchHistory, decimal_year
from launchcast.model.record.schedule import Announced, Schedule
from launchcast.model.stats.fit import AssistanceAware, Fit
from launchcast.model.stats.slips import SlipModel, slips_for

if TYPE_CHECKING:
    from launchcast.model.questions.manifest import Arrivals

MAX_CAMPAIGN_LAUNCHES = 100
#: "Who succeeds first" looks this many launches past the question's time.
TIME_HORIZON_LAUNCHES = 100
#: Launches simulated per path, at most, from the data's end to a question's horizon.
MAX_SIMULATED_LAUNCHES = 5000
#: How far past the data's end a question's time window may reach.
MAX_YEARS_AFTER_DATA = 30.0
MIN_PATHS = 1000
#: When "who has succeeded by then" is reported in a versus answer: each quarter for five years.
RACE_YEARS = np.arange(1, 21) / 4
#: The longest month-by-month outlook (``by_month``).
MAX_MONTHS = 120


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
    draws: int


#: Significant digits every number in an answer is given to: Monte Carlo and posterior error
#: are far larger than 1e-6 of a value, and "0.6284000000000001" is noise to a reader.
SIGNIFICANT_DIGITS = 6


def rounded(value: object) -> object:
    """``value`` with every float rounded to ``SIGNIFICANT_DIGITS`` (lists and dicts walked)."""
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


class Anchored(BaseModel):
    """When a forecast was asked and how old the data it rests on is: in every answer.

    The model knows nothing between ``data_as_of`` and ``as_of``; ``warnings`` say so
    when the gap passes ``LAUNCHCAST_STALE_AFTER_DAYS``.  Every number of an answer is
    given to six significant digits (``SIGNIFICANT_DIGITS``), in JSON and in Python.
    """

    # No return annotation on purpose: with one, pydantic documents the answer's schema as that
    # type (an empty schema in OpenAPI); without, it keeps the fields' own.
    @model_serializer(mode="wrap")
    def _rounded(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]  # see above
        return rounded(handler(self))

    as_of: datetime = Field(description="when the question is asked (UTC); time windows start here")
    data_as_of: date = Field(description="the last launch the model's data records")
    data_age_days: int = Field(description="days from data_as_of to as_of")
    warnings: list[str] = Field(description="what the answer cannot know (e.g. stale data), in words")


class NextLaunchTimes(Anchored):
    """The fields of a next-launch answer that depend on when it is asked (the rest does not)."""

    expected_launches_since_data: float | None = Field(
        description="launches of this programme the launch-rate model expects between data_as_of and "
        "as_of (unknown to the model); null for a state that has never launched"
    )


class NextLaunchForecast(NextLaunchTimes):
    subject: str = Field(description="what is forecast, in words")
    vehicle: str | None = Field(description="GCAT vehicle name; null for a new vehicle")
    display_name: str | None
    family: str | None
    state: str | None
    new_vehicle: bool
    flight_number: int = Field(
        description="flight number of the forecast launch (1 = maiden): the first launch after the "
        "data's end, which may have flown already if the data is old (see expected_launches_since_data)"
    )
    probability: float = Field(description="posterior predictive P(success)")
    reliability: Reliability
    record: Record
    explanation: Explanation | None = Field(
        None, description="with explain=true: the forecast's logit split into its terms, in words"
    )
    vehicle_choice: str | None = Field(
        None,
        description="for a state's next launch: the vehicle it is taken to fly, and the rule that "
        "chose it (the state's vehicle with the most launches in the 3 years to the data's end)",
    )
    launch_rate: str | None = Field(
        None,
        description="which launch rate the time fields used, in words: "
        "the vehicle's for a vehicle, the state's for a state",
    )
    model: ModelInfo


class CampaignForecast(Anchored):
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


class ByDateForecast(Anchored):
    subject: str
    date: str = Field(description="the window ends at 00:00 UTC of this date")
    window_start: datetime = Field(description="as_of: the window starts when the question is asked")
    years: float = Field(description="length of the window in years")
    probability: float = Field(description="P(at least one successful launch before date)")
    expected_launches: float
    launch_rate_per_year: Reliability = Field(description="posterior of the yearly launch rate")
    launch_rate: str | None = Field(None, description="which launch rate was used, in words")
    announced: list[str] = Field(
        default_factory=list,
        description="the announced launches counted as known arrivals (slip model, model.stats.slips); "
        "the launch-rate model counts only after the last of them",
    )
    paths: int
    seed: int
    model: ModelInfo


class MonthPoint(BaseModel):
    date: dt_date = Field(description="00:00 UTC on the first day of a month")
    probability: float = Field(description="P(at least one success from as_of until this date)")


class ByMonthForecast(Anchored):
    """The by-date question asked for the first day of each of the next months, from one simulation."""

    subject: str
    window_start: datetime
    months: list[MonthPoint]
    launch_rate: str | None = Field(None, description="which launch rate was used, in words")
    announced: list[str] = Field(
        default_factory=list,
        description="the announced launches counted as known arrivals (slip model, model.stats.slips); "
        "the launch-rate model counts only after the last of them",
    )
    paths: int
    seed: int
    model: ModelInfo


class RacePoint(BaseModel):
    years: float = Field(description="years after as_of")
    probability_a: float = Field(description="P(A has had a success by then)")
    probability_b: float


class VersusForecast(Anchored):
    a: NextLaunchForecast
    b: NextLaunchForecast
    probability_a_more_reliable: float = Field(description="P(A's next-launch reliability > B's)")
    probability_a_first: float = Field(description="P(A's next success comes before B's)")
    probability_b_first: float
    probability_neither: float = Field(
        description=f"neither succeeds within {TIME_HORIZON_LAUNCHES} launches after as_of"
    )
    median_years_to_success_a: float | None = Field(description="from as_of; null if beyond the horizon")
    median_years_to_success_b: float | None
    race: list[RacePoint] = Field(description="who has succeeded by when: each quarter for five years")
    announced_a: list[str] = Field(default_factory=list, description="A's announced launches counted")
    announced_b: list[str] = Field(default_factory=list, description="B's announced launches counted")
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
    #: Count foreign help up to this confidence (``model.record.assistance.LEVELS``) instead of
    #: the fit's own level: "alleged" asks what the forecast is if Russia's alleged help to
    #: Chollima-1 is real.  None: as the fit was made.
    assistance: str | None = None


@dataclass(frozen=True)
class Announcements:
    """The announced launches (``model.record.schedule``) time questions count, and how they slip;
    ``notes``: what every answer that counts them must say about the schedule (cut short, or not
    readable at all and so left out)."""

    entries: Sequence[Announced] = ()
    slips: SlipModel = field(default_factory=SlipModel)
    notes: tuple[str, ...] = ()

    @classmethod
    def of(cls, schedule: Schedule, history: LaunchHistory | None) -> Announcements:
        partial = schedule.partial
        return cls(schedule.entries, slips_for(schedule, history), (partial,) if partial else ())

    @classmethod
    def unreadable(cls, problem: str) -> Announcements:
        """None counted, because the schedule on disk cannot be read (``problem`` says how to mend it)."""
        return cls((), SlipModel(), (f"answered without announced launches: {problem}",))


@dataclass(frozen=True)
class Resolved:
    query: LaunchQuery
    subject: str
    display_name: str | None
    record: Record
    rate_kind: str
    rate_name: str | None  # None: a new launching state, no launch rate to learn from
    #: For a state's next launch: which vehicle it is taken to fly, and why.
    vehicle_choice: str | None = None
    #: What the answer should say about how it was asked (foreign help counted at another level).
    notes: tuple[str, ...] = ()


def state_vehicle(fit: Fit, state: str) -> tuple[VehicleRecord, str]:
    """The vehicle a state's next orbital attempt will most likely fly, and why.

    The rule: the state's vehicle with the most launches in the ``rates.RECENT_YEARS``
    (5) years before the data's end (the production line
    that is running); ties, or no launch in the window, go to the one that flew last.
    "Whichever flew last" alone picks one-off test vehicles: South Korea's last launch
    in the data is ADD's solid-fuel test vehicle (one flight, December 2023), while its
    orbital programme flies Nuri (three flights, 2021–2023).
    """
    records = [r for r in fit.records.values() if r.state == state]
    counts = fit.rates.recent_counts
    chosen = max(records, key=lambda r: (counts.get(r.vehicle, 0), r.last_launch))
    name = fit.catalogue.state_name(state)
    if counts.get(chosen.vehicle, 0):
        total = sum(counts.get(r.vehicle, 0) for r in records)
        years = fit.rates.recent_years
        why = (
            f"{chosen.display_name}: the {name} vehicle with the most launches in the {years:.0f} "
            f"years to the data's end ({counts[chosen.vehicle]} of {total}); "
            "another vehicle may be asked about by name"
        )
    else:
        why = (
            f"{chosen.display_name}: the {name} vehicle that flew last ({chosen.last_launch[:10]}); "
            "another vehicle may be asked about by name"
        )
    return chosen, why


def resolve(fit: Fit, programme: Programme) -> Resolved:
    """Turn a programme into the query for its next launch, its record and its launch rate."""
    if programme.assistance is not None:
        return _with_help(fit, resolve(fit, replace(programme, assistance=None)), programme.assistance)
    if programme.vehicle and programme.new_vehicle:
        raise LaunchcastError("give either a vehicle or a new vehicle (with a state), not both")
    if programme.state and programme.new_vehicle and fit.catalogue.find_state(programme.state) is None:
        named = fit.catalogue.find_named_state(programme.state)
        if named is not None:  # a state GCAT knows that has never launched: all from the hierarchy
            name = fit.catalogue.state_name(named)
            record = Record(subject=name, attempts=0, successes=0, first_launch=None, last_launch=None)
            query = fit.catalogue.new_vehicle_query(None, programme.family)
            subject = f"maiden flight of {name}'s first vehicle ({name} has never launched)"
            return Resolved(query, subject, None, record, "state", None)
    if programme.state:
        programme = replace(programme, state=fit.catalogue.state_code(programme.state))
    if programme.vehicle:
        r = fit.catalogue.record(programme.vehicle)
        if programme.state and programme.state != r.state:
            raise LaunchcastError(
                f"{r.display_name} ({r.vehicle}) is a {r.state} vehicle, not {programme.state}"
            )
        return Resolved(
            fit.catalogue.next_launch_query(r.vehicle),
            f"{r.display_name}, flight {r.attempts + 1}",
            r.display_name,
            Record(
                subject=r.display_name,
                attempts=r.attempts,
                successes=r.successes,
                first_launch=r.first_launch,
                last_launch=r.last_launch,
            ),
            "vehicle",
            r.vehicle,
        )
    if programme.new_vehicle or programme.family:
        query = fit.catalogue.new_vehicle_query(programme.state, programme.family)
        where = f" of family {programme.family}" if programme.family else ""
        if query.state is None:  # a state that has never launched: all from the hierarchy
            record = Record(
                subject="a new launching state", attempts=0, successes=0, first_launch=None, last_launch=None
            )
            return Resolved(
                query,
                f"maiden flight of a new launching state's first vehicle{where}",
                None,
                record,
                "state",
                None,
            )
        subject = f"maiden flight of a new {fit.catalogue.state_name(query.state)} vehicle{where}"
        return Resolved(query, subject, None, _state_record(fit, query.state), "state", query.state)
    if programme.state:
        chosen, why = state_vehicle(fit, programme.state)
        resolved = resolve(fit, Programme(vehicle=chosen.vehicle))
        return Resolved(
            resolved.query,
            f"next {fit.catalogue.state_name(programme.state)} launch (on {chosen.display_name})",
            chosen.display_name,
            _state_record(fit, programme.state),
            "state",
            programme.state,
            why,
        )
    raise LaunchcastError("say whose launch: a vehicle, a state, or a state with new_vehicle")


def _with_help(fit: Fit, resolved: Resolved, level: str) -> Resolved:
    """The query with foreign help counted up to ``level`` (the shipped ``data/assistance.csv``),
    and a note saying what was counted; the effect of help is the fit's own posterior, fitted on
    help up to the fit's level."""
    check_level(level)
    q = resolved.query
    fitted = str(fit.config.get("assistance", "none"))
    if not isinstance(fit, AssistanceAware) or fit.assistance_effect is None:
        note = (
            f"foreign help at the '{level}' level cannot be counted: the served model ({fit.model} "
            f"{fit.version}, assistance '{fitted}') has no foreign-help term; answered without it"
        )
        return replace(resolved, notes=(*resolved.notes, note))
    rows = Assistance.shipped().at(level).helping(q.vehicle, q.family, q.year)
    if level == "none":
        note = "foreign help left out (assistance 'none')"
    elif rows:
        given = "; ".join(f"{h.confidence} help from {h.helper} ({h.given}; {h.source})" for h in rows)
        note = (
            f"counts foreign help up to '{level}': {given}. The effect of help is the one fitted on "
            f"help up to '{fitted}'"
        )
    else:
        note = f"no foreign help on record for this launch up to the '{level}' level"
    return replace(resolved, query=replace(q, assisted=bool(rows)), notes=(*resolved.notes, note))


def _state_record(fit: Fit, state: str) -> Record:
    records = [r for r in fit.records.values() if r.state == state]
    return Record(
        subject=fit.catalogue.state_name(state),
        attempts=sum(r.attempts for r in records),
        successes=sum(r.successes for r in records),
        first_launch=min((r.first_launch for r in records), default=None),
        last_launch=max((r.last_launch for r in records), default=None),
    )


def model_info(fit: Fit) -> ModelInfo:
    return ModelInfo(model=fit.model, version=fit.version, draws=fit.n_draws)


@dataclass(frozen=True)
class Moment:
    """The time a question is asked, against the fit's data: the gap the model cannot see."""

    now: datetime
    data_end: datetime
    stale_after_days: int
    #: Set when the fit is a stand-in (the first start's baseline): every answer says so.
    provisional: str | None = None

    @classmethod
    def of(cls, fit: Fit, now: datetime, stale_after_days: int = STALE_AFTER_DAYS) -> Moment:
        _check_year(now, "as_of")
        try:
            now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        except OverflowError:
            raise LaunchcastError(f"as_of {now.isoformat()} is out of range: give a time in UTC") from None
        data_end = fit.data_end
        if data_end is None:
            raise LaunchcastError("this fit records no data as-of date; refit it with 'launchcast refit'")
        if now < data_end:
            raise LaunchcastError(
                f"as_of {now:%Y-%m-%dT%H:%MZ} is before the data's last launch ({fit.as_of}): the fit "
                f"already knows what happened after it; ask as of {fit.as_of} or later"
            )
        moment = cls(now, data_end, stale_after_days, fit.manifest.get("provisional"))
        if moment.gap_years > MAX_YEARS_AFTER_DATA:
            raise LaunchcastError(
                f"as_of {now:%Y-%m-%d} is more than {MAX_YEARS_AFTER_DATA:.0f} years after the data's "
                f"end ({fit.as_of}): update the data ('launchcast data update') and refit"
            )
        return moment

    @cached_property
    def gap_years(self) -> float:
        return _years(self.data_end, self.now)

    @cached_property
    def age_days(self) -> int:
        return (self.now.date() - self.data_end.date()).days

    def anchored(self, extra_warnings: list[str] | None = None) -> dict[str, object]:
        """The ``Anchored`` fields of an answer asked at this moment."""
        warnings = []
        if self.age_days > self.stale_after_days:
            warnings.append(
                f"the data end {self.age_days:,} days before this question ({self.data_end:%Y-%m-%d}): "
                f"launches since then are unknown to the model — {UPDATE_AND_REFIT}"
            )
        if self.provisional:
            warnings.insert(0, self.provisional)
        return {
            "as_of": self.now,
            "data_as_of": self.data_end.date(),
            "data_age_days": self.age_days,
            "warnings": warnings + (extra_warnings or []),
        }


#: The stale-data warning's remedy: new launch data, then a fit on it.
UPDATE_AND_REFIT = "run 'launchcast data update' and 'launchcast refit'"


def with_newer_data(answer: Anchored, data_end: datetime, stale_after_days: int = STALE_AFTER_DAYS) -> None:
    """Say what the answer's fit has not seen when the data directory holds newer launches
    (a ``data add``, or an update not yet refitted): a refit is then the step needed, and a data
    update only if the directory is itself old.  The edges know the directory; the fit does not."""
    if data_end.date() <= answer.data_as_of:
        return
    refit = (
        f"the data directory holds launches to {data_end:%Y-%m-%d} that this fit (data to "
        f"{answer.data_as_of}) has not seen: run 'launchcast refit'"
    )
    fresh = (answer.as_of.date() - data_end.date()).days <= stale_after_days
    answer.warnings = [w for w in answer.warnings if not (fresh and w.endswith(UPDATE_AND_REFIT))] + [refit]


def _check_year(moment: date, what: str) -> None:
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise LaunchcastError(
            f"{what} {moment.isoformat()} is out of range: give a time in {YEARS[0]}–{YEARS[1]}"
        )


def _years(start: datetime, end: datetime) -> float:
    return decimal_year(end) - decimal_year(start)


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


def _check_paths(paths: int) -> None:
    if not MIN_PATHS <= paths <= MAX_PATHS:
        raise LaunchcastError(f"paths must be between {MIN_PATHS} and {MAX_PATHS}, got {paths}")


def _step_probability(
    fit: Fit, query: LaunchQuery, draw: np.ndarray, previous_failed: np.ndarray
) -> np.ndarray:
    """P(success) of ``query`` on each path (its posterior draw, its own previous outcome).

    One lookup in a table of both outcomes' probabilities (draws after a success, then draws
    after a failure): one gather per path instead of two and a select, 8x faster per step."""
    if fit.conditions_on_previous_outcome:
        table = np.concatenate((fit.success_probability(query, False), fit.success_probability(query, True)))
        return table[draw + fit.n_draws * previous_failed]
    return fit.success_probability(query)[draw]


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
    for step in range(launches + 1):
        budget.checkpoint()
        p = _step_probability(fit, query.advanced(step), draw, previous_failed)
        if step == launches:
            return successes, first, p
        success = rng.random(paths) < p
        successes += success
        first[(first > launches) & success] = step + 1
        previous_failed = ~success
    raise AssertionError("unreachable")


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
    _check_paths(paths)
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


def _years_ahead(moment: Moment) -> float:
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
    high = fit.rates.rate_high(resolved.rate_kind, resolved.rate_name, _years_ahead(moment))
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
    rate = fit.rates.rate_draws(resolved.rate_kind, resolved.rate_name, paths, rng, _years_ahead(moment))
    gap = moment.gap_years
    draw = rng.integers(0, fit.n_draws, size=paths)
    query = resolved.query
    previous_failed = np.full(paths, query.previous_failed)
    found = np.full(paths, np.inf)
    start = np.full(paths, gap)  # years from the data's end when the launch-rate model's launches count
    arrived = None
    if announced is not None and announced.entries:
        # Imported here: the manifest builds on this module's questions.
        from launchcast.model.questions.manifest import arrivals, first_success

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
        p = _step_probability(fit, query.advanced(step), draw, previous_failed)
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
    _check_paths(paths)
    _check_year(until, "date")
    moment = Moment.of(fit, now, stale_after_days)
    end = datetime(until.year, until.month, until.day, tzinfo=UTC)
    if end <= moment.now:
        raise LaunchcastError(
            f"date {until} is not after the question's time {moment.now:%Y-%m-%dT%H:%MZ}: what "
            "happened by then is history, not a forecast; ask about a later date"
        )
    if _years(moment.data_end, end) > MAX_YEARS_AFTER_DATA:
        raise LaunchcastError(
            f"date {until} is more than {MAX_YEARS_AFTER_DATA:.0f} years after the data's end "
            f"({fit.as_of}): ask about an earlier date"
        )
    resolved = resolve(fit, programme)
    years = _years(moment.now, end)
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
    _check_paths(paths)
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
    _check_paths(paths)
    if not 1 <= months <= MAX_MONTHS:
        raise LaunchcastError(f"months must be between 1 and {MAX_MONTHS}, got {months}")
    moment = Moment.of(fit, now, stale_after_days)
    resolved = resolve(fit, programme)
    dates = [_add_months(moment.now.date().replace(day=1), k) for k in range(1, months + 1)]
    ends = [datetime(d.year, d.month, d.day, tzinfo=UTC) for d in dates]
    horizon = _years(moment.now, ends[-1])
    _check_time_budget(fit, [resolved], moment, paths, horizon, " or fewer months")
    rng = np.random.default_rng(seed)
    to_success, _, arrived = _years_to_first_success(fit, resolved, moment, paths, rng, horizon, announced)
    points = [
        MonthPoint(date=d, probability=float(np.mean(to_success <= _years(moment.now, end))))
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
