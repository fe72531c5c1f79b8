"""The one contract every model shares, and the queries it answers.

Like a scikit-learn estimator (and pymc-marketing's ModelBuilder): a model has a
``name``, a ``version`` and a config; ``fit(history)`` returns a ``Fit``.  A
``Fit`` holds named posterior draws and, for any ``LaunchQuery`` (vehicle,
family, state, flight numbers, previous outcome, date), returns a vector of
success probabilities, one per draw.  Forecasts, backtests, the service and the
notebook use only this, in numpy — no PyMC downstream of fitting.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

import numpy as np

from launchcast.model.errors import LaunchcastError
from launchcast.model.record.assistance import Assistance
from launchcast.model.record.history import LaunchHistory, decimal_year, parse_time
from launchcast.model.record.names import Names, unknown
from launchcast.model.stats.diagnostics import Diagnostics
from launchcast.model.stats.rates import LaunchRates


@dataclass(frozen=True)
class LaunchQuery:
    """Everything a model may condition one launch on.

    ``vehicle``/``family``/``state`` of ``None`` mean "a new one": the model must
    answer from its hierarchy (never a fixed 0.5).  Flight numbers are 1-based and
    count this launch (1 = maiden flight).
    """

    vehicle: str | None
    family: str | None
    state: str | None
    vehicle_flight: int = 1
    family_flight: int = 1
    state_flight: int = 1
    previous_failed: bool = False
    year: float = 2024.0
    #: Flown with foreign help?  None: as the fit's assistance table says (a scenario sets it).
    assisted: bool | None = None

    def advanced(self, steps: int) -> LaunchQuery:
        """The same programme ``steps`` launches later (flight numbers move on)."""
        return replace(
            self,
            vehicle_flight=self.vehicle_flight + steps,
            family_flight=self.family_flight + steps,
            state_flight=self.state_flight + steps,
        )


@dataclass(frozen=True)
class VehicleRecord:
    """A vehicle's record as of the fit's data: what a next-launch query starts from."""

    vehicle: str
    family: str
    state: str
    display_name: str
    attempts: int
    successes: int
    first_launch: str
    last_launch: str
    last_failed: bool
    family_flights: int
    state_flights: int


def vehicle_records(history: LaunchHistory) -> dict[str, VehicleRecord]:
    launches = history.launches
    family_flights = launches.groupby("family").size()
    state_flights = launches.groupby("vehicle_state").size()
    records = {}
    grouped = launches.groupby("vehicle", sort=False)
    stats = grouped.agg(
        attempts=("success", "size"),
        successes=("success", "sum"),
        first=("time_utc", "first"),
        last=("time_utc", "last"),
        last_success=("success", "last"),
    )
    for row in history.vehicles.itertuples(index=False):
        if row.vehicle not in stats.index:
            continue
        s = stats.loc[row.vehicle]
        records[row.vehicle] = VehicleRecord(
            vehicle=row.vehicle,
            family=row.family,
            state=row.state,
            display_name=row.display_name,
            attempts=int(s["attempts"]),
            successes=int(s["successes"]),
            first_launch=str(s["first"]),
            last_launch=str(s["last"]),
            last_failed=not bool(s["last_success"]),
            family_flights=int(family_flights.get(row.family, 0)),
            state_flights=int(state_flights.get(row.state, 0)),
        )
    return records


@dataclass
class Fit:
    """A fitted model: posterior draws (flattened to ``(draws, ...)``) plus what they describe.

    ``coords`` gives the labels along each named dimension (``vehicle``, ``family``,
    ``state``, …); ``dims`` the dimensions of each variable after the draw axis.
    ``constants`` holds fitted arrays that are not draws (a baseline's Beta
    parameters); ``sample_stats`` the sampler's per-draw statistics; ``manifest``
    what ``manifest.json`` records (data hash, as-of, config, diagnostics, wall
    time, package versions).
    """

    model: str
    version: str
    posterior: dict[str, np.ndarray]
    coords: dict[str, list[str]]
    dims: dict[str, list[str]]
    records: dict[str, VehicleRecord]
    config: dict[str, Any]
    manifest: dict[str, Any] = field(default_factory=dict)
    constants: dict[str, np.ndarray] = field(default_factory=dict)
    sample_stats: dict[str, np.ndarray] = field(default_factory=dict)
    chains: int = 1

    def __post_init__(self) -> None:
        self._index = {
            dim: {label: i for i, label in enumerate(labels)} for dim, labels in self.coords.items()
        }

    # --- the contract ---------------------------------------------------------------------

    @property
    def diagnostics(self) -> Diagnostics:
        """The convergence gate's result, typed (closed-form fits pass by construction)."""
        return Diagnostics.of_manifest(self.manifest)

    @property
    def n_draws(self) -> int:
        return len(next(iter(self.posterior.values())))

    def success_probability(
        self, query: LaunchQuery, previous_failed: np.ndarray | bool | None = None
    ) -> np.ndarray:
        """P(success) of the queried launch, one value per posterior draw.

        ``previous_failed`` may be an array over draws (campaign paths in which the
        previous simulated launch failed); by default the query's own value.
        """
        raise NotImplementedError

    @property
    def conditions_on_previous_outcome(self) -> bool:
        """Whether ``previous_failed`` changes the answer (campaigns then simulate path by path)."""
        return False

    # --- helpers --------------------------------------------------------------------------

    def position(self, dim: str, label: str | None) -> int | None:
        """Index of ``label`` along ``dim``; ``None`` for a label the fit never saw."""
        if label is None:
            return None
        return self._index.get(dim, {}).get(label)

    @cached_property
    def names(self) -> Names:
        return Names(self.manifest.get("state_names", {}), self.manifest.get("aliases", {}))

    def record(self, vehicle: str) -> VehicleRecord:
        """A vehicle's record by GCAT name, display name or alias (천리마-1), case-insensitive."""
        if vehicle in self.records:
            return self.records[vehicle]
        alias = self.names.vehicle(vehicle)
        if alias in self.records:
            return self.records[alias]
        wanted = vehicle.strip().lower()
        for record in self.records.values():
            if wanted in (record.vehicle.lower(), record.display_name.lower()):
                return record
        # Display names like "Paektusan-1 (Taepodong-1)": accept either part.
        for record in self.records.values():
            parts = record.display_name.lower().replace(")", "").split(" (")
            if wanted in parts:
                return record
        names = sorted(
            {r.vehicle for r in self.records.values()} | {r.display_name for r in self.records.values()}
        )
        raise unknown("vehicle", vehicle, names)

    def state_name(self, state: str) -> str:
        return str(self.manifest.get("state_names", {}).get(state, state))

    def find_state(self, text: str) -> str | None:
        """The code of a known state given by code, name or alias ('Korea, North' → KP), or None."""
        return text if text in self._state_set else self.names.state_code(text, self._state_set)

    def state_code(self, text: str) -> str:
        """As ``find_state``, but an unknown state is a 404 with the closest names."""
        code = self.find_state(text)
        if code is None:
            choices = self.names.state_choices(self._state_set)
            raise unknown("state", text, choices)
        return code

    @cached_property
    def _state_set(self) -> set[str]:
        return {r.state for r in self.records.values()}

    @property
    def states(self) -> list[str]:
        return sorted({r.state for r in self.records.values()})

    @property
    def families(self) -> list[str]:
        return sorted({r.family for r in self.records.values()})

    def next_launch_query(self, vehicle: str, year: float | None = None) -> LaunchQuery:
        """The next flight of a known vehicle, with its record as of the data."""
        r = self.record(vehicle)
        return LaunchQuery(
            vehicle=r.vehicle,
            family=r.family,
            state=r.state,
            vehicle_flight=r.attempts + 1,
            family_flight=r.family_flights + 1,
            state_flight=r.state_flights + 1,
            previous_failed=r.last_failed,
            year=year if year is not None else self.as_of_year,
        )

    def new_vehicle_query(
        self, state: str | None = None, family: str | None = None, year: float | None = None
    ) -> LaunchQuery:
        """The maiden flight of a vehicle not yet flown, of a known (or new) family and state."""
        if state is not None:
            state = self.state_code(state)
        if family is not None and family not in self.families:
            raise unknown("family", family, self.families)
        family_flights = sum(r.attempts for r in self.records.values() if r.family == family)
        if state is None and family is not None:
            owners = [r.state for r in self.records.values() if r.family == family]
            state = max(set(owners), key=owners.count)
        state_flights = sum(r.attempts for r in self.records.values() if r.state == state)
        return LaunchQuery(
            vehicle=None,
            family=family,
            state=state,
            vehicle_flight=1,
            family_flight=family_flights + 1,
            state_flight=state_flights + 1,
            previous_failed=False,
            year=year if year is not None else self.as_of_year,
        )

    @cached_property
    def rates(self) -> LaunchRates:
        """The launch-rate model fitted with this fit (``model.stats.rates``), typed."""
        if "rates" not in self.manifest:
            raise LaunchcastError(
                "this fit predates the launch-rate model; refit with 'launchcast refit --force'"
            )
        return LaunchRates.from_dict(self.manifest["rates"])

    @property
    def as_of(self) -> str:
        return str(self.manifest.get("as_of", ""))

    @cached_property
    def data_end(self) -> datetime | None:
        """The data's as-of date as a UTC instant (parsed once: every answer needs it)."""
        return parse_time(self.as_of) if self.as_of else None

    @property
    def as_of_year(self) -> float:
        return decimal_year(parse_time(self.as_of)) if self.as_of else 2024.0

    def rng_for(self, *labels: object) -> np.random.Generator:
        """A generator seeded by the fit's seed and the labels: new-group draws are reproducible."""
        seed = int(self.config.get("seed", 0))
        # crc32, not hash(): str hashes are salted per process.
        entropy = [seed] + [zlib.crc32(str(label).encode()) for label in labels]
        return np.random.default_rng(entropy)


@runtime_checkable
class Explainable(Protocol):
    """A fit whose logit is a sum of named terms (the hierarchical model), so a forecast can
    be explained term by term; a closed-form fit is explained by its counts instead."""

    def logit(self, query: LaunchQuery, previous_failed: np.ndarray | bool | None = None) -> np.ndarray: ...

    def logit_terms(self, query: LaunchQuery) -> dict[str, np.ndarray]: ...


@runtime_checkable
class AssistanceAware(Protocol):
    """A fit that knows foreign help: the rows it counted, whether a launch flew with help,
    and the help term's draws (``None`` when the fit counted no help, level ``none``)."""

    @property
    def assistance(self) -> Assistance: ...

    @property
    def assistance_effect(self) -> np.ndarray | None: ...

    @property
    def assistance_prior_sd(self) -> float: ...

    def assisted(self, query: LaunchQuery) -> float: ...


class Model(Protocol):
    """What every model provides: a name, a version, a config and ``fit``."""

    name: str
    version: str

    @property
    def recorded_config(self) -> dict[str, Any]:
        """The configuration a fit records in its manifest."""
        ...

    def fit(self, history: LaunchHistory) -> Fit: ...


def require_history(history: LaunchHistory) -> None:
    if history.n_launches == 0:
        raise LaunchcastError("cannot fit a model on an empty launch history")
