"""Standing forecasts: what the ledger records each time a fit becomes current.

P(success) of the next launch — mean and 90% interval — of every vehicle in the
fit's data, of every state's next launch, of a new vehicle of each state and of a
new launching state's first; for the served model and for the Laplace and eb-beta
baselines fitted on the same data, so the record is comparative.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from launchcast.model.questions.forecast import state_vehicle
from launchcast.model.record.catalogue import LaunchQuery
from launchcast.model.record.history import LaunchHistory, parse_time
from launchcast.model.stats.fit import Fit
from launchcast.model.stats.models import make_model

#: The subject of a new launching state's standing forecast (its first vehicle's maiden flight).
NEW_STATE = "*"
#: The baselines recorded beside the served model (fitted on the same data).
BASELINES = ("laplace", "eb-beta")


@dataclass(frozen=True)
class StandingForecast:
    model: str
    kind: str  # vehicle | state | new-vehicle
    subject: str
    state: str
    flight_number: int
    probability: float
    low_90: float
    high_90: float
    query: dict[str, Any]


@dataclass(frozen=True)
class ForecastSet:
    """The standing forecasts of one fit that became current, and of its baselines."""

    version_id: str
    served_model: str
    data_hash: str
    data_as_of: str
    made_at: datetime
    entries: list[StandingForecast]


def _entry(fit: Fit, kind: str, subject: str, query: LaunchQuery) -> StandingForecast:
    draws = fit.success_probability(query)
    low, high = np.quantile(draws, [0.05, 0.95])
    return StandingForecast(
        model=fit.model,
        kind=kind,
        subject=subject,
        state=str(query.state),
        flight_number=query.vehicle_flight,
        probability=float(draws.mean()),
        low_90=float(low),
        high_90=float(high),
        query=asdict(query),
    )


def fit_entries(fit: Fit) -> list[StandingForecast]:
    """One model's standing forecasts: every vehicle's next launch (the issue asks for those active
    in the last ``ACTIVE_YEARS``; a retired vehicle that flies again needs its own too), each
    state's next launch, a new vehicle of each state, and a new launching state's first vehicle."""
    entries = [
        _entry(fit, "vehicle", record.vehicle, fit.catalogue.next_launch_query(record.vehicle))
        for record in sorted(fit.records.values(), key=lambda r: r.vehicle)
    ]
    for state in fit.catalogue.states:
        chosen, _ = state_vehicle(fit, state)
        entries.append(_entry(fit, "state", state, fit.catalogue.next_launch_query(chosen.vehicle)))
        entries.append(_entry(fit, "new-vehicle", state, fit.catalogue.new_vehicle_query(state)))
    entries.append(_entry(fit, "new-state", NEW_STATE, fit.catalogue.new_vehicle_query(None)))
    return entries


def standing_forecasts(fit: Fit, version_id: str, history: LaunchHistory, made_at: datetime) -> ForecastSet:
    """The served fit's standing forecasts, and the baselines' fitted on the same data."""
    seen = history
    if history.data_hash != fit.manifest.get("data_hash"):
        # The data moved on since the fit: the baselines see only what the fit saw.
        seen = history.before(parse_time(fit.as_of).date() + timedelta(days=1))
    entries = fit_entries(fit)
    for name in BASELINES:
        if name != fit.model:
            entries += fit_entries(make_model(name).fit(seen))
    return ForecastSet(
        version_id, fit.model, str(fit.manifest.get("data_hash", "")), fit.as_of[:10], made_at, entries
    )
