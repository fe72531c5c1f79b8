"""How many launches, and how many successes, a state, vehicle or operator makes in a window.

"Will SpaceX exceed 150 launches in 2025?" is a classic forecasting-platform question;
"how many times will North Korea try before 2027?" is this project's.  The answer is
the launch-rate model's predictive (``model.stats.rates``) over the window, in closed form:

- launches the record already holds (the window's part before the data's end) are
  counted, not forecast;
- after the data's end, the count is negative binomial: a Poisson count at a yearly
  rate ``λ`` over the window's ``L`` years, with ``λ`` from the model's Gamma at the
  window's distance from the data's end (``rates.LaunchRates.rate_parameters``), so
  windows further out are wider;
- successes thin the count: each launch succeeds with the programme's next-launch
  probability (a posterior draw of the reliability model), and a negative binomial
  thinned by ``p`` is negative binomial with the same shape and mean × ``p``; the pmf
  is averaged over posterior draws.

With announced launches (``model.questions.manifest``) for a state or a vehicle, the count
is simulated instead: each announced launch counts if it flies inside the window (its slipped
time on each path) and succeeds as simulated; the launch-rate model adds launches only in the
unseen gap before ``now`` and after a path's last announced launch.  The answer lists the
announced launches it counted.  (Operators are not matched to announcements: LL2 names
providers its own way.)

The window may start before ``now`` and before the data's end; it may not end after
``MAX_YEARS_AFTER_DATA``.  Like every answer, it carries ``now`` and the data's age.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
from pydantic import BaseModel, Field

from launchcast.model.defaults import STALE_AFTER_DAYS
from launchcast.model.errors import LaunchcastError
from launchcast.model.questions import budget
from launchcast.model.questions.answers import Anchored, Interval, ModelInfo
from launchcast.model.questions.asking import (
    MAX_YEARS_AFTER_DATA,
    Announcements,
    Moment,
    Programme,
    check_year,
    model_info,
    resolve,
    years_between,
)
from launchcast.model.questions.forecast import gamma_interval
from launchcast.model.record.history import LaunchHistory, decimal_year
from launchcast.model.record.names import unknown
from launchcast.model.stats.fit import Fit
from launchcast.model.stats.rates import negative_binomial_pmf, series_key

#: Posterior draws averaged over for the successes' distribution (a pmf to about 0.005).
SUCCESS_DRAWS = 4000
#: The pmf is listed until the probability left beyond it is below this.
TAIL = 1e-5


class CountDistribution(BaseModel):
    """A count's predictive distribution."""

    pmf: list[float] = Field(description="P(exactly k), k = 0, 1, … until the tail left is below 1e-5")
    mean: float
    median: int
    interval_50: Interval
    interval_90: Interval
    at_least: float | None = Field(None, description="P(count ≥ at_least), when at_least was asked")


class LaunchCountForecast(Anchored):
    subject: str
    kind: str = Field(description="state, vehicle or operator")
    name: str = Field(description="the state's code, the vehicle's GCAT name, or the operator's GCAT code")
    display_name: str
    window_start: date
    window_end: date = Field(description="the window ends at 00:00 UTC of this date (not included)")
    known_launches: int = Field(
        description="launches in the window the data already records (before its end)"
    )
    known_successes: int
    launches: CountDistribution = Field(description="orbital launch attempts in the window")
    successes: CountDistribution = Field(description="successful launches in the window")
    at_least: int | None = None
    probability_success: float = Field(
        description="P(success) of each launch after the data's end (the programme's next-launch forecast)"
    )
    launch_rate: str = Field(description="which launch rate was used, in words")
    announced: list[str] = Field(
        default_factory=list,
        description="announced launches counted as known arrivals (then the count is simulated, "
        "the launch-rate model adding launches only after the last of them)",
    )
    model: ModelInfo


def _distribution(pmf: np.ndarray, offset: int, at_least: int | None) -> CountDistribution:
    """``pmf`` over k = 0, 1, … shifted by ``offset`` known launches."""
    pmf = np.concatenate([np.zeros(offset), pmf / pmf.sum()])
    cdf = np.cumsum(pmf)
    ks = np.arange(len(pmf))

    def quantile(q: float) -> int:
        return min(int(np.searchsorted(cdf, q - 1e-12)), len(pmf) - 1)

    return CountDistribution(
        pmf=[round(float(x), 6) for x in pmf],
        mean=round(float((ks * pmf).sum()), 4),
        median=quantile(0.5),
        interval_50=Interval(low=quantile(0.25), high=quantile(0.75)),
        interval_90=Interval(low=quantile(0.05), high=quantile(0.95)),
        at_least=None if at_least is None else round(float(pmf[at_least:].sum()), 6),
    )


def _series(
    fit: Fit, state: str | None, vehicle: str | None, operator: str | None
) -> tuple[str, str, str, str]:
    """(kind, name, display name, the vehicle whose reliability its launches fly with)."""
    given = [x for x in (state, vehicle, operator) if x]
    if len(given) != 1:
        raise LaunchcastError("name one of: a state, a vehicle or an operator")
    if vehicle:
        record = fit.catalogue.record(vehicle)
        return "vehicle", record.vehicle, record.display_name, record.vehicle
    if state:
        state_code = fit.catalogue.state_code(state)
        return "state", state_code, fit.catalogue.state_name(state_code), ""
    rates = fit.rates
    wanted = str(operator).strip()
    codes = rates.names("operator")
    by_name = {name.casefold(): c for c, name in rates.operator_names.items()}
    code = next((c for c in codes if c.casefold() == wanted.casefold()), None) or by_name.get(
        wanted.casefold()
    )
    if code is None:
        raise unknown("operator", wanted, codes + sorted(rates.operator_names.values()))
    return "operator", code, rates.operator_names.get(code, code), rates.operator_vehicles.get(code, "")


def launches(
    fit: Fit,
    *,
    state: str | None = None,
    vehicle: str | None = None,
    operator: str | None = None,
    start: date,
    end: date,
    now: datetime,
    at_least: int | None = None,
    history: LaunchHistory | None = None,
    stale_after_days: int = STALE_AFTER_DAYS,
    announced: Announcements | None = None,
    paths: int = 20_000,
    seed: int = 0,
) -> LaunchCountForecast:
    """The distribution of launches and successes in [``start``, ``end``) (00:00 UTC)."""
    check_year(start, "from")
    check_year(end, "until")
    if end <= start:
        raise LaunchcastError(f"until ({end}) must be after from ({start})")
    if at_least is not None and at_least < 0:
        raise LaunchcastError(f"at_least must be 0 or more, got {at_least}")
    moment = Moment.of(fit, now, stale_after_days)
    kind, name, display, flies = _series(fit, state, vehicle, operator)
    begin = datetime(start.year, start.month, start.day, tzinfo=UTC)
    finish = datetime(end.year, end.month, end.day, tzinfo=UTC)
    if years_between(moment.data_end, finish) > MAX_YEARS_AFTER_DATA:
        raise LaunchcastError(
            f"until {end} is more than {MAX_YEARS_AFTER_DATA:.0f} years after the data's end "
            f"({fit.as_of}): ask about an earlier window"
        )
    known, known_successes = _known(history, kind, name, begin, min(finish, moment.data_end), fit)
    future = max(0.0, years_between(max(begin, moment.data_end), finish))
    draws = _reliability(fit, kind, name, flies)
    counted: list[str] = []
    simulated = None
    if future > 0 and announced is not None and announced.entries and kind != "operator":
        simulated = _with_announced(fit, kind, name, announced, moment, begin, finish, draws, paths, seed)
    if simulated is not None:
        launch_pmf, success_pmf, counted, (shape, rate, ahead) = simulated
        rate_words = _rate_words(fit, kind, display, shape, rate, ahead) + "; after the announced launches"
    elif future > 0:
        ahead = max(1.0, years_between(moment.data_end, max(begin, moment.data_end)) + future / 2)
        shape, rate = fit.rates.rate_parameters(kind, name, ahead)
        mean = shape / rate * future
        launch_pmf = negative_binomial_pmf(shape, mean, TAIL)
        chosen = draws[np.linspace(0, len(draws) - 1, min(SUCCESS_DRAWS, len(draws))).astype(int)]
        # The successes' mixture costs one pass over the chosen draws per count: a request's work.
        budget.check(len(launch_pmf), len(chosen), 0, f"{len(launch_pmf):,} counts", "a shorter window")
        success_pmf = mixed_negative_binomial_pmf(shape, mean * chosen, len(launch_pmf))
        rate_words = _rate_words(fit, kind, display, shape, rate, ahead)
    else:
        launch_pmf = success_pmf = np.ones(1)
        rate_words = "none: the window ends before the data's end, so its launches are all in the record"
    subject = f"launches of {display} ({kind}) from {start} until {end}"
    return LaunchCountForecast(
        subject=subject,
        kind=kind,
        name=name,
        display_name=display,
        window_start=start,
        window_end=end,
        known_launches=known,
        known_successes=known_successes,
        launches=_distribution(launch_pmf, known, at_least),
        successes=_distribution(success_pmf, known_successes, at_least),
        at_least=at_least,
        probability_success=round(float(draws.mean()), 6),
        launch_rate=rate_words,
        announced=counted,
        model=model_info(fit),
        **moment.anchored(_gap_warning(begin, moment, known, history is None)),
    )


def _with_announced(
    fit: Fit,
    kind: str,
    name: str,
    announced: Announcements,
    moment: Moment,
    begin: datetime,
    finish: datetime,
    draws: np.ndarray,
    paths: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, list[str], tuple[float, float, float]] | None:
    """The window's future launches and successes by simulation, announced launches counted as
    known arrivals (see the module docstring); None when none is announced for the series."""
    from launchcast.model.questions.paths import arrivals

    resolved = resolve(fit, Programme(state=name) if kind == "state" else Programme(vehicle=name))
    steps = len(announced.entries) + 1
    budget.check(steps, paths, fit.n_draws, f"up to {steps - 1:,} announced launches", "fewer paths")
    rng = np.random.default_rng(seed)
    draw = rng.integers(0, fit.n_draws, size=paths)
    arrived = arrivals(fit, resolved, announced.entries, moment, draw, rng, announced.slips)
    if arrived is None:
        return None
    # Years after the question: the window, and the part of the data's gap inside it.
    lo, hi = years_between(moment.now, max(begin, moment.data_end)), years_between(moment.now, finish)
    inside = (arrived.years >= lo) & (arrived.years < hi)
    n_announced = inside.sum(axis=1)
    s_announced = (inside & arrived.success).sum(axis=1)
    gap = max(0.0, min(0.0, hi) - min(0.0, lo))  # the window's part before now (after the data's end)
    after = np.maximum(0.0, hi - np.maximum(max(lo, 0.0), arrived.last))
    ahead = max(1.0, years_between(moment.data_end, max(begin, moment.data_end)) + (hi - lo) / 2)
    shape, rate = fit.rates.rate_parameters(kind, name, ahead)
    lam = rng.gamma(shape, 1 / rate, paths)
    n_rate = rng.poisson(lam * (gap + after))
    s_rate = rng.binomial(n_rate, draws[draw])
    launches_ = np.bincount(n_announced + n_rate).astype(float)
    successes = np.bincount(s_announced + s_rate, minlength=len(launches_)).astype(float)
    counted = [c for c, hit in zip(arrived.counted, np.any(inside, axis=0).tolist(), strict=True) if hit]
    return launches_ / paths, successes / paths, counted, (shape, rate, ahead)


def mixed_negative_binomial_pmf(shape: float, means: np.ndarray, width: int) -> np.ndarray:
    """P(k), k < ``width``, of a negative binomial with this shape, averaged over ``means``
    (one per posterior draw): the recurrence P(k+1) = P(k)·(k + r)/(k + 1)·q, vectorised."""
    q = means / (shape + means)
    current = (1 - q) ** shape
    out = np.empty(width)
    for k in range(width):
        if k % 64 == 0:
            budget.checkpoint()
        out[k] = current.mean()
        current = current * (k + shape) / (k + 1) * q
    return out


def _reliability(fit: Fit, kind: str, name: str, flies: str) -> np.ndarray:
    if kind == "state":
        return fit.success_probability(resolve(fit, Programme(state=name)).query)
    if flies and flies in fit.records:
        return fit.success_probability(fit.catalogue.next_launch_query(flies))
    return fit.success_probability(fit.catalogue.new_vehicle_query())


def _known(
    history: LaunchHistory | None, kind: str, name: str, begin: datetime, until: datetime, fit: Fit
) -> tuple[int, int]:
    """Launches and successes the record holds in [begin, until)."""
    if begin >= until:
        return 0, 0
    if history is None:
        raise LaunchcastError(
            f"the window starts before the data's end ({fit.as_of}) and the launch record is not "
            "available here to count what already happened; start the window at the data's end or later"
        )
    launches = history.launches
    years = launches["year"].to_numpy()
    inside = (years >= decimal_year(begin)) & (years < decimal_year(until))
    mine = (series_key(kind, launches) == name).to_numpy() & inside
    return int(mine.sum()), int(launches.loc[mine, "success"].sum())


def _rate_words(fit: Fit, kind: str, display: str, shape: float, rate: float, ahead: float) -> str:
    low, high = gamma_interval(shape, rate)
    return (
        f"the {kind} {display}'s launch rate: {shape / rate:.1f} launches a year (90% interval "
        f"{low:.1f}–{high:.1f}), {ahead:.1f} years past the data's end (launch-rate model, model.rates)"
    )


def _gap_warning(begin: datetime, moment: Moment, known: int, no_record: bool) -> list[str]:
    if begin >= moment.data_end or moment.age_days <= moment.stale_after_days:
        return []
    return [
        f"the window starts before the data's end: its {known} launch(es) up to "
        f"{moment.data_end:%Y-%m-%d} are counted from the record, the rest forecast"
    ]
