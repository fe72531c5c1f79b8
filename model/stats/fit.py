"""The one contract every model shares, and the queries it answers.

Like a scikit-learn estimator (and pymc-marketing's ModelBuilder): a model has a
``name``, a ``version`` and a config; ``fit(history)`` returns a ``Fit``.  A
``Fit`` holds named posterior draws and, for any ``LaunchQuery`` (vehicle,
family, state, flight numbers, previous outcome, date), returns a vector of
success probabilities, one per draw.  Forecasts, backtests, the service and the
notebook use only this, in numpy — no PyMC downstream of fitting.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

import numpy as np

from launchcast.model.errors import LaunchcastError
from launchcast.model.record.assistance import Assistance
from launchcast.model.record.catalogue import Catalogue, LaunchQuery, VehicleRecord
from launchcast.model.record.history import LaunchHistory, decimal_year, parse_time
from launchcast.model.stats.diagnostics import Diagnostics
from launchcast.model.stats.rates import LaunchRates, fit_rates


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
    def catalogue(self) -> Catalogue:
        """The record this fit saw, by any name: vehicles, states, families and their queries."""
        return Catalogue(
            self.records,
            self.manifest.get("state_names", {}),
            self.manifest.get("aliases", {}),
            self.as_of_year,
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


def provenance(history: LaunchHistory, seconds: float) -> dict[str, Any]:
    """What every fit's manifest records of its data, beside its draws: where the data came
    from, and the launch-rate model fitted on the same data (every time question rests on
    it, whichever model answers reliability; read back typed as ``Fit.rates``)."""
    return {
        "as_of": history.as_of.isoformat(),
        "data_hash": history.data_hash,
        "data_files": history.source_files,
        "n_launches": history.n_launches,
        "fit_seconds": round(seconds, 3),
        "fitted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rates": fit_rates(history).to_dict(),
        "state_names": history.state_names,
        "aliases": history.aliases,
    }


def require_history(history: LaunchHistory) -> None:
    if history.n_launches == 0:
        raise LaunchcastError("cannot fit a model on an empty launch history")
