"""Launch rates: how often a state, a vehicle or an operator launches, following change.

Every time question (by date, by month, who first, how many launches, the gap between
the data's end and the question) rests on this model, so it is scored like the
reliability model (``model.stats.backtest``: ``rate_backtest``, beside two rules of thumb).

The model, per series (a state, a vehicle, an operator), on calendar-year counts
``y_t`` with exposure ``e_t`` (years the series could launch in year ``t``):

- **A local level with a discount factor** (Harvey & Fernandes, "Time series models
  for count or qualitative observations", *JBES* 7(4), 1989; West & Harrison,
  *Bayesian Forecasting and Dynamic Models*, 1997, §14): the yearly rate has a
  ``Gamma(a, b)`` posterior; each year the past is discounted (``a, b ← ω·a, ω·b``: the
  mean is kept, the evidence shrinks to a share ``ω``) and the year's count is added
  (``a ← a + y``, ``b ← b + e``).  The one-year predictive is negative binomial in
  closed form.  ``ω`` is the memory: evidence ``k`` years old weighs ``ω^k``, so a
  programme that doubled its tempo, or stopped flying, is read at its new level within
  a year or two, where a five-year mean lags (SpaceX) or over-counts (retired lines).
- **Retirement** needs no rule: years without a launch pull the level down by
  themselves, and its uncertainty stays honest (a dormant programme may return).
- **A damped local trend**: the level is moved by the ratio of the last two years'
  levels (each plus ``TREND_OFFSET`` launches, so only a busy programme's growth
  counts), clipped to [½, 2] and raised to ``φ`` (0: no trend, 1: the full ratio), once
  (one year's growth, not compounded): a programme that grew last year is expected
  higher, not at its past.
- **A floor for active series**: a series that launched in the five years before
  expects at least ``floor`` launches a year (fitted: 0–0.5): sporadic programmes
  (Israel, the two Koreas) come back after quiet years more often than a level that
  decays each quiet year says; without it P(at least one success in a year) was worse
  than the five-year mean's.
- **Concentration** ``κ``: the predictive's shape is ``κ·ω·a`` (fitted: 1–8); a
  production line's yearly counts vary less than the level's uncertainty alone says.
- **Over-dispersion**: the negative binomial's shape is the level's evidence ``ω·a``:
  a programme with little history (North Korea: a handful of launches, years apart)
  gets wide intervals, because its rate is policy, not physics; a busy one is near
  Poisson.  Further ahead the evidence is discounted once more per year
  (``ω^h``, the model's own ``h``-step-ahead predictive), so long windows are wider.
- **New series** start from ``Gamma(A0, B0)`` (mean one launch a year, the evidence of
  half a year) in the year of their first launch, with a full year's exposure, so a
  debut burst of three launches in a few months is not read as a tempo of ten a year.

``ω``, ``φ``, the floor and ``κ`` are fitted per kind of series (state, vehicle, operator) inside every
fit by the mean one-step-ahead log score over the training years (``FIT_FROM`` on),
on the series that launched in the five years before each year; a grid, so a fit takes
milliseconds.  Queried with numpy only (``LaunchRates``), saved in the fit's manifest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from launchcast.model.errors import LaunchcastError
from launchcast.model.record.gcat import operator_code
from launchcast.model.record.history import LaunchHistory

KINDS = ("state", "vehicle", "operator")
#: The prior of a new series' yearly rate: Gamma(A0, B0), mean 1 a year, half a year's evidence.
A0, B0 = 0.5, 0.5
DISCOUNTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
DAMPINGS = (0.0, 0.25, 0.5, 0.75, 1.0)
#: The least yearly rate expected of a series that launched in the ``ACTIVE_YEARS`` before:
#: sporadic programmes (Israel, the two Koreas) return after quiet years more often than a
#: level that decays with every quiet year says.
FLOORS = (0.0, 0.1, 0.2, 0.3, 0.5)
#: κ: the predictive's shape is κ·ω·a.  1 is the model's own; above 1 the counts vary less
#: from year to year than the level's uncertainty alone says (a production line's tempo).
CONCENTRATIONS = (1.0, 1.5, 2.0, 3.0, 5.0, 8.0)
#: The trend's ratio is clipped to [1/GROWTH_CLIP, GROWTH_CLIP].
GROWTH_CLIP = 2.0
#: Launches a year added to both levels before their ratio is taken: a programme of a few
#: launches a year has no growth that can be told from noise (North Korea: 0 → 3 is not a
#: trend), while SpaceX's 61 → 98 is one.  Chosen on the backtest among 0.5, 2, 10 and 30
#: (10: best count log score for states, vehicles and operators together).
TREND_OFFSET = 10.0
#: Years scored when ω and φ are fitted (the space age's first decade is another world).
FIT_FROM = 1970
#: A series is scored (and counted as active) in a year if it launched in the years before it.
ACTIVE_YEARS = 5
#: "The production line that is running": a state's next launch is taken to fly its
#: vehicle with the most launches in these years before the data's end.
RECENT_YEARS = 5.0
#: Beyond this many years past the data's end the rate's uncertainty is held where it is: the
#: local level's variance grows without bound (its evidence shrinks by ω each year, to almost
#: nothing in a decade), which no programme's tempo does; questions that far out warn anyway.
MAX_YEARS_AHEAD = 3.0
#: The least exposure a partial last year counts (a year of data that ends on 3 January
#: says little about the year's tempo).
MIN_EXPOSURE = 0.25


def series_key(kind: str, launches: pd.DataFrame) -> pd.Series:
    """Which series each launch belongs to: its vehicle's owning state, its vehicle, its operator."""
    if kind == "state":
        return launches["vehicle_state"]
    if kind == "vehicle":
        return launches["vehicle"]
    if kind == "operator":
        return launches["agency"].map(operator_code)
    raise LaunchcastError(f"unknown kind of series {kind!r}; one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class Yearly:
    """Counts per series and calendar year, the exposure of each year, and each series' first year."""

    names: list[str]
    years: np.ndarray  # (T,) calendar years
    counts: np.ndarray  # (series, T)
    exposure: np.ndarray  # (T,) 1, but the data's last (partial) year
    first: np.ndarray  # (series,) index of the first year with a launch

    @classmethod
    def of(cls, history: LaunchHistory, kind: str, end: float) -> Yearly:
        launches = history.launches
        key = series_key(kind, launches)
        year = np.floor(launches["year"].to_numpy()).astype(int)
        # The year the data's end falls in (end = 2024.0, the launches before 2024: 2023),
        # and never before the last launch's year (a launch at 00:00 on 1 January 2024).
        last = max(int(np.ceil(end)) - 1, int(year.max()))
        years = np.arange(int(year.min()), last + 1)
        table = pd.crosstab(key, year).reindex(columns=years, fill_value=0)
        counts = table.to_numpy()
        exposure = np.ones(len(years))
        exposure[-1] = max(MIN_EXPOSURE, min(1.0, end - last))
        first = np.argmax(counts > 0, axis=1)
        return cls([str(n) for n in table.index], years, counts, exposure, first)


def _filter(
    yearly: Yearly, discount: float, damping: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the filter over every year.  Returns the one-step-ahead predictive *before* each
    year (NB shape and mean per series and year, before the floor), which (series, year) the
    floor applies to (a launch in the ``ACTIVE_YEARS`` before), and after the last year each
    series' (shape, rate, growth) and whether it is active."""
    n, years = yearly.counts.shape
    a, b = np.full(n, A0), np.full(n, B0)
    last = np.full(n, -10_000)
    level = previous = np.full(n, A0 / B0)
    shapes, means = np.zeros((n, years)), np.zeros((n, years))
    active = np.zeros((n, years), dtype=bool)
    for t in range(years):
        on = t >= yearly.first
        shapes[:, t] = discount * a
        means[:, t] = a / b * _growth(level, previous, damping) * yearly.exposure[t]
        active[:, t] = t - last <= ACTIVE_YEARS
        a = np.where(on, discount * a + yearly.counts[:, t], a)
        b = np.where(on, discount * b + yearly.exposure[t], b)
        previous, level = level, np.where(on, a / b, level)
        last = np.where(yearly.counts[:, t] > 0, t, last)
    final = np.stack([a, b, _growth(level, previous, damping)], axis=1)
    return shapes, means, active, final, years - last <= ACTIVE_YEARS


def _growth(level: np.ndarray, previous: np.ndarray, damping: float) -> np.ndarray:
    ratio = np.clip((level + TREND_OFFSET) / (previous + TREND_OFFSET), 1 / GROWTH_CLIP, GROWTH_CLIP)
    return ratio**damping


def negative_binomial_logpmf(k: np.ndarray, shape: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """log P(k) of a negative binomial with this shape and mean (Poisson as shape → ∞)."""
    from scipy.special import gammaln  # fit and backtest time only

    shape = np.maximum(shape, 1e-9)
    p = shape / (shape + np.maximum(mean, 1e-12))
    return gammaln(k + shape) - gammaln(shape) - gammaln(k + 1) + shape * np.log(p) + k * np.log1p(-p)


def negative_binomial_pmf(shape: float, mean: float, tail: float = 1e-6, most: int = 100_000) -> np.ndarray:
    """P(k) for k = 0, 1, … until the tail left is below ``tail`` (numpy only: a recurrence)."""
    shape = max(shape, 1e-9)
    q = max(mean, 0.0) / (shape + max(mean, 0.0))
    values = [(1 - q) ** shape]
    total = values[0]
    k = 0
    while 1 - total > tail and k < most:
        values.append(values[-1] * (k + shape) / (k + 1) * q)
        total += values[-1]
        k += 1
    return np.asarray(values)


def _scored(yearly: Yearly) -> np.ndarray:
    """(series, year): the series launched in the ``ACTIVE_YEARS`` before the year."""
    cumulative = np.concatenate([np.zeros((len(yearly.names), 1)), np.cumsum(yearly.counts, axis=1)], axis=1)
    lag = min(ACTIVE_YEARS, yearly.counts.shape[1])
    recent = cumulative[:, 1:] - cumulative[:, :-1]
    window = np.zeros_like(yearly.counts, dtype=float)
    for t in range(yearly.counts.shape[1]):
        window[:, t] = recent[:, max(0, t - lag) : t].sum(axis=1)
    return window > 0


def fit_kind(yearly: Yearly) -> tuple[float, float, float, float, float]:
    """(ω, φ, floor, κ, mean log score): the best mean one-step-ahead log score from ``FIT_FROM`` on."""
    scored = _scored(yearly) & (yearly.years >= FIT_FROM)[None, :]
    scored[:, -1] = False  # the data's last year may be partial
    if not scored.any():
        return 0.6, 0.5, 0.3, 1.0, float("nan")
    best = (-np.inf, 0.6, 0.5, 0.3, 1.0)
    counts = yearly.counts[scored]
    for discount in DISCOUNTS:
        for damping in DAMPINGS:
            shapes, means, active, _, _ = _filter(yearly, discount, damping)
            shape, mean, floored = shapes[scored], means[scored], active[scored]
            exposure = np.broadcast_to(yearly.exposure, yearly.counts.shape)[scored]
            for floor in FLOORS:
                raised = np.where(floored, np.maximum(mean, floor * exposure), mean)
                for concentration in CONCENTRATIONS:
                    score = negative_binomial_logpmf(counts, concentration * shape, raised).mean()
                    if score > best[0]:
                        best = (float(score), discount, damping, floor, concentration)
    return best[1], best[2], best[3], best[4], best[0]


@dataclass(frozen=True)
class RateSeries:
    """One series' state after the data's last year: the rate's Gamma(shape, rate) and its trend."""

    shape: float
    rate: float
    growth: float
    #: Launched in the ``ACTIVE_YEARS`` before the data's end (the floor applies).
    active: bool


@dataclass(frozen=True)
class LaunchRates:
    """The fitted launch-rate model: per kind ω and φ, per series its filtered state.

    ``end`` is the data's end (decimal year); questions ask ``years_ahead`` of it.
    """

    end: float
    discount: dict[str, float]
    damping: dict[str, float]
    floor: dict[str, float]
    concentration: dict[str, float]
    series: dict[str, dict[str, RateSeries]]
    #: Launches per vehicle in the ``RECENT_YEARS`` before the data's end (which line is running).
    recent_counts: dict[str, int] = field(default_factory=dict)
    recent_years: float = RECENT_YEARS
    #: Each kind's mean one-step log score on its training years (a fit's own check).
    training_log_score: dict[str, float] = field(default_factory=dict)
    #: Operators' names (GCAT's organisation table), by code.
    operator_names: dict[str, str] = field(default_factory=dict)
    #: Each operator's vehicle: the one it flew most in the ``RECENT_YEARS`` (else ever).
    operator_vehicles: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> LaunchRates:
        series = {
            kind: {
                name: RateSeries(*values) if isinstance(values, list) else RateSeries(**values)
                for name, values in named.items()
            }
            for kind, named in raw["series"].items()
        }
        return cls(**{**raw, "series": series})

    def get(self, kind: str, name: str) -> RateSeries:
        found = self.series.get(kind, {}).get(name)
        if found is None:
            raise LaunchcastError(f"no launch rate for {kind} {name!r}: it has never launched")
        return found

    def rate_parameters(self, kind: str, name: str, years_ahead: float = 1.0) -> tuple[float, float]:
        """Gamma (shape, rate) of the yearly launch rate ``years_ahead`` after the data's end
        (at least one year: the one-year predictive; the evidence is discounted once a year, up
        to ``MAX_YEARS_AHEAD``)."""
        s = self.get(kind, name)
        keep = self.discount[kind] ** min(MAX_YEARS_AHEAD, max(1.0, years_ahead)) * self.concentration[kind]
        mean = s.shape / s.rate * s.growth
        if s.active:
            mean = max(mean, self.floor[kind])
        shape = max(keep * s.shape, 1e-3)
        return shape, shape / max(mean, 1e-9)

    def mean_rate(self, kind: str, name: str) -> float:
        shape, rate = self.rate_parameters(kind, name)
        return shape / rate

    def rate_high(self, kind: str, name: str, years_ahead: float = 1.0) -> float:
        """A rate the posterior rarely exceeds (mean + 4 sd): what a question's cost is bounded by."""
        shape, rate = self.rate_parameters(kind, name, years_ahead)
        return (shape + 4 * shape**0.5) / rate

    def rate_draws(
        self, kind: str, name: str, n: int, rng: np.random.Generator, years_ahead: float = 1.0
    ) -> np.ndarray:
        shape, rate = self.rate_parameters(kind, name, years_ahead)
        return rng.gamma(shape, 1.0 / rate, size=n)

    def names(self, kind: str) -> list[str]:
        return sorted(self.series.get(kind, {}))


#: Fitted models by (data hash, end): every model fitted on the same data shares one (the
#: baselines and the hierarchical model of a refit, the backtest's models of one year).
_FITTED: dict[tuple[str, float], LaunchRates] = {}


def fit_rates(history: LaunchHistory, end: float | None = None) -> LaunchRates:
    """Fit the launch-rate model on ``history`` (data up to ``end``, default its last launch)."""
    launches = history.launches
    end = float(launches["year"].max()) if end is None else end
    key = (history.data_hash, end)
    if history.data_hash and key in _FITTED:
        return _FITTED[key]
    rates = _fit(history, end)
    if history.data_hash:
        _FITTED[key] = rates
    return rates


def _fit(history: LaunchHistory, end: float) -> LaunchRates:
    launches = history.launches
    discount, damping, floor, concentration, series, scores = {}, {}, {}, {}, {}, {}
    for kind in KINDS:
        yearly = Yearly.of(history, kind, end)
        discount[kind], damping[kind], floor[kind], concentration[kind], scores[kind] = fit_kind(yearly)
        _, _, _, final, active = _filter(yearly, discount[kind], damping[kind])
        series[kind] = {
            name: RateSeries(
                shape=round(float(row[0]), 6),
                rate=round(float(row[1]), 6),
                growth=round(float(row[2]), 6),
                active=bool(recent),
            )
            for name, row, recent in zip(yearly.names, final, active, strict=True)
            if name
        }
    recent = launches[launches["year"] > end - RECENT_YEARS]
    operators = series_key("operator", launches)
    flown = pd.crosstab(operators, launches["vehicle"])
    flown_recently = pd.crosstab(series_key("operator", recent), recent["vehicle"])
    operator_vehicles = {str(code): str(row.idxmax()) for code, row in flown.iterrows() if code}
    operator_vehicles.update(
        {str(code): str(row.idxmax()) for code, row in flown_recently.iterrows() if code}
    )
    return LaunchRates(
        end=round(end, 6),
        discount=discount,
        damping=damping,
        floor=floor,
        concentration=concentration,
        series=series,
        recent_counts={str(k): int(v) for k, v in recent.groupby("vehicle").size().items()},
        training_log_score={k: round(v, 5) for k, v in scores.items()},
        operator_names={
            code: history.operator_names[code]
            for code in series["operator"]
            if code in history.operator_names
        },
        operator_vehicles=operator_vehicles,
    )
