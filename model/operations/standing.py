"""Standing forecasts: what the ledger records each time a fit becomes current.

P(success) — mean and 90% interval — for the served model and for the Laplace and
eb-beta baselines fitted on the same data, so the record is comparative:

- every vehicle's coming flights, each at its own flight number and for both outcomes
  of the flight before it (``flights_ahead``), so a launch weeks after the refit is
  scored against the forecast for that very flight, not the vehicle's next one;
- a new vehicle of each state and a new launching state's first vehicle, likewise
  flight by flight from the maiden flight;
- each state's next launch (shown, not scored).

Recording only each vehicle's next flight scored every later flight of a young
vehicle as if it were still that flight: over a two-year gap the ledger expected about
twice the failures that happened, where the same model's backtest was calibrated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from launchcast.model.questions.asking import state_vehicle
from launchcast.model.questions.manifest import manifest
from launchcast.model.record.catalogue import LaunchQuery
from launchcast.model.record.history import LaunchHistory, parse_time
from launchcast.model.record.schedule import Announced
from launchcast.model.stats.fit import Fit
from launchcast.model.stats.models import make_model
from launchcast.model.stats.rates import ACTIVE_YEARS

#: The subject of a new launching state's standing forecast (its first vehicle's maiden flight).
NEW_STATE = "*"
#: The baselines recorded beside the served model (fitted on the same data).
BASELINES = ("laplace", "eb-beta")


#: Flights forecast ahead of a young vehicle's record: through flight ``FLIGHT_HORIZON``,
#: where the infancy curve's last bin (20+) begins; later flights are scored against the
#: last one forecast, as the model's flight terms no longer change.
FLIGHT_HORIZON = 21


@dataclass(frozen=True)
class StandingForecast:
    model: str
    kind: str  # vehicle | state | new-vehicle | new-state
    subject: str
    state: str
    flight_number: int
    probability: float
    low_90: float
    high_90: float
    query: dict[str, Any]
    #: The outcome of the flight before this one that the forecast assumes.
    previous_failed: bool = False


@dataclass(frozen=True)
class ForecastSet:
    """The standing forecasts of one fit that became current, and of its baselines."""

    version_id: str
    served_model: str
    data_hash: str
    data_as_of: str
    made_at: datetime
    entries: list[StandingForecast]


#: Forecasts summarised at once: one matrix of draws (a chunk × draws) at a time, for speed
#: (np.quantile per forecast was most of the time) within a bounded memory.
CHUNK = 256


def _entries(fit: Fit, asked: list[tuple[str, str, LaunchQuery]]) -> list[StandingForecast]:
    """Each (kind, subject, query) asked of ``fit``: mean and 90% interval of its draws."""
    entries = []
    for start in range(0, len(asked), CHUNK):
        chunk = asked[start : start + CHUNK]
        draws = np.stack([fit.success_probability(query) for _, _, query in chunk])
        means = draws.mean(axis=1)
        lows, highs = np.quantile(draws, [0.05, 0.95], axis=1)
        for (kind, subject, query), mean, low, high in zip(chunk, means, lows, highs, strict=True):
            entries.append(
                StandingForecast(
                    model=fit.model,
                    kind=kind,
                    subject=subject,
                    state=str(query.state),
                    flight_number=query.vehicle_flight,
                    probability=float(mean),
                    low_90=float(low),
                    high_90=float(high),
                    query=dict(vars(query)),
                    previous_failed=query.previous_failed,
                )
            )
    return entries


def flights_ahead(first: LaunchQuery, horizon: int = FLIGHT_HORIZON) -> list[LaunchQuery]:
    """``first`` and the flights after it, through flight ``horizon`` (at least two), each
    after a success and after a failure."""
    last = max(first.vehicle_flight + 1, horizon)
    queries = []
    for step in range(last - first.vehicle_flight + 1):
        later = first.advanced(step)
        for failed in (False, True):
            queries.append(replace(later, previous_failed=failed))
    return queries


def fit_entries(fit: Fit) -> list[StandingForecast]:
    """One model's standing forecasts (see the module docstring)."""
    catalogue = fit.catalogue
    # A vehicle retired for ``ACTIVE_YEARS`` gets its next flight only (should it fly again).
    active_since = f"{int(fit.as_of_year) - ACTIVE_YEARS:04d}"
    asked = [
        ("vehicle", record.vehicle, query)
        for record in sorted(fit.records.values(), key=lambda r: r.vehicle)
        for query in flights_ahead(
            catalogue.next_launch_query(record.vehicle),
            FLIGHT_HORIZON if record.last_launch >= active_since else 0,
        )
    ]
    for state in catalogue.states:
        chosen, _ = state_vehicle(fit, state)
        asked.append(("state", state, catalogue.next_launch_query(chosen.vehicle)))
        asked += [
            ("new-vehicle", state, query) for query in flights_ahead(catalogue.new_vehicle_query(state))
        ]
    asked += [("new-state", NEW_STATE, query) for query in flights_ahead(catalogue.new_vehicle_query(None))]
    return _entries(fit, asked)


def standing_forecasts(fit: Fit, version_id: str, history: LaunchHistory, made_at: datetime) -> ForecastSet:
    """The served fit's standing forecasts, and the baselines' fitted on the same data."""
    entries = fit_entries(fit)
    for baseline in baseline_fits(fit, history):
        entries += fit_entries(baseline)
    return ForecastSet(
        version_id, fit.model, str(fit.manifest.get("data_hash", "")), fit.as_of[:10], made_at, entries
    )


@dataclass(frozen=True)
class ScheduledForecast:
    """One model's forecast for one announced launch, made before its window opened."""

    schedule_id: str
    model: str
    name: str
    source: str
    status: str
    window_start: datetime
    window_end: datetime
    vehicle: str | None
    state: str | None
    flight_number: int
    probability: float
    low_90: float
    high_90: float


def baseline_fits(fit: Fit, history: LaunchHistory) -> list[Fit]:
    """The baselines fitted on the data ``fit`` saw (``history`` cut back if it moved on)."""
    seen = history
    if history.data_hash != fit.manifest.get("data_hash"):
        # The data moved on since the fit: the baselines see only what the fit saw.
        seen = history.before(parse_time(fit.as_of).date() + timedelta(days=1))
    return [make_model(name).fit(seen) for name in BASELINES if name != fit.model]


def scheduled_forecasts(fits: list[Fit], entries: list[Announced], now: datetime) -> list[ScheduledForecast]:
    """Each model's forecast for each announced launch whose window has not opened by ``now``
    (``model.questions.manifest``: a vehicle's later launches after its earlier ones' outcomes)."""
    ahead = [e for e in entries if e.window_start > now]
    out: list[ScheduledForecast] = []
    if not ahead:
        return out
    for fit in fits:
        for row in manifest(fit, entries, now=max(now, fit.data_end or now), paths=20_000).launches:
            if row.probability is None or row.interval_90 is None or row.window_start <= now:
                continue
            out.append(
                ScheduledForecast(
                    schedule_id=row.id,
                    model=fit.model,
                    name=row.name[:300],
                    source=row.source[:300],
                    status=row.status,
                    window_start=row.window_start,
                    window_end=row.window_end,
                    vehicle=row.vehicle,
                    state=row.state,
                    flight_number=int(row.flight_number or 1),
                    probability=row.probability,
                    low_90=row.interval_90.low,
                    high_90=row.interval_90.high,
                )
            )
    return out
