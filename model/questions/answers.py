"""What every question answers: the typed answers the service, the CLI and the page share.

Each answer is a pydantic model; the time-anchored ones carry ``Anchored``'s fields (when asked,
the data's age, the warnings), and every number is given to ``SIGNIFICANT_DIGITS``.  The
functions that make them live in ``forecast``, ``counts``, ``manifest`` and ``scenario``.
"""

from __future__ import annotations

from datetime import date, datetime
from datetime import date as dt_date

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from launchcast.model.questions.explain import Explanation

#: "Who succeeds first" looks this many launches past the question's time.
TIME_HORIZON_LAUNCHES = 100


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
