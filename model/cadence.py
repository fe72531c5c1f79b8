"""How often a programme launches: a conjugate Gamma-Poisson rate per vehicle and per state.

Assumptions (stated here because every "by date" and "who is first" answer rests on them):

- Launches of a vehicle (or a state) arrive as a Poisson process with a constant
  yearly rate ``λ`` over the forecast window.  Memoryless: the time since the
  last launch does not matter, and campaigns do not bunch.
- ``λ`` is learnt from the last ``WINDOW_YEARS`` (5) years before the data's
  as-of date: ``k`` launches over an exposure of ``t`` years give the posterior
  ``Gamma(0.5 + k, t)`` (Jeffreys prior for a Poisson rate).  ``t`` starts at
  the programme's first launch if that falls inside the window (Chollima-1 flew
  3 times in 2023: its exposure is not 5 years), but is at least one year, so a
  burst of launches in a few months is not read as a decade-long tempo.
- A programme with no launch in the window (Naro-1, retired) gets a small rate
  and long waits: honest, if a programme is dormant the model says so.
- A hypothetical new vehicle of a state launches at that state's rate.

Nothing here knows about launches after the data's end.  Time questions start at
the moment they are asked (``model.forecast.Moment``); the launches of the gap
between the data's end and that moment are simulated at this rate, and the rate is
assumed to hold across the gap — one more reason to keep the data current
(``launchcast data update``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from launchcast.model.errors import LaunchcastError
from launchcast.model.history import LaunchHistory

WINDOW_YEARS = 5.0
MIN_EXPOSURE_YEARS = 1.0
PRIOR_SHAPE = 0.5


@dataclass(frozen=True)
class Cadence:
    """Launch counts and exposure (years) per vehicle and per state in the window."""

    window_end: float
    window_years: float
    vehicle_counts: dict[str, int]
    vehicle_exposure: dict[str, float]
    state_counts: dict[str, int]
    state_exposure: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Cadence:
        return cls(**raw)

    def rate_parameters(self, kind: str, name: str) -> tuple[float, float]:
        """Gamma (shape, rate) of the yearly launch rate of a vehicle or a state."""
        counts, exposure = (
            (self.vehicle_counts, self.vehicle_exposure)
            if kind == "vehicle"
            else (self.state_counts, self.state_exposure)
        )
        if name not in exposure:
            raise LaunchcastError(f"no launch cadence for {kind} {name!r}")
        return PRIOR_SHAPE + counts.get(name, 0), exposure[name]

    def rate_high(self, kind: str, name: str) -> float:
        """A rate the posterior rarely exceeds (mean + 4 sd): what a question's cost is bounded by."""
        shape, rate = self.rate_parameters(kind, name)
        return (shape + 4 * shape**0.5) / rate

    def rate_draws(self, kind: str, name: str, n: int, rng: np.random.Generator) -> np.ndarray:
        shape, rate = self.rate_parameters(kind, name)
        return rng.gamma(shape, 1.0 / rate, size=n)


def fit_cadence(history: LaunchHistory, window_years: float = WINDOW_YEARS) -> Cadence:
    launches = history.launches
    end = float(launches["year"].max())
    start = end - window_years
    recent = launches[launches["year"] > start]

    def exposure(first_year: float) -> float:
        return max(MIN_EXPOSURE_YEARS, end - max(start, first_year))

    first_vehicle = launches.groupby("vehicle")["year"].min()
    first_state = launches.groupby("vehicle_state")["year"].min()
    return Cadence(
        window_end=end,
        window_years=window_years,
        vehicle_counts={k: int(v) for k, v in recent.groupby("vehicle").size().items()},
        vehicle_exposure={k: round(exposure(v), 4) for k, v in first_vehicle.items()},
        state_counts={k: int(v) for k, v in recent.groupby("vehicle_state").size().items()},
        state_exposure={k: round(exposure(v), 4) for k, v in first_state.items()},
    )
