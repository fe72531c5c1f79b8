"""The model's design in numpy: launches as binomial cells with their covariates (``Cells``), the
groups and era bins a fit samples in (``Layout``), and the linear predictor's terms, which the
forecasts, the explanation and the log-likelihood all evaluate from saved draws."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from launchcast.model.errors import LaunchcastError
from launchcast.model.record.assistance import Assistance
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.hierarchical._config import HierarchicalConfig

#: Lower edges of the vehicle flight-number bins: 1, 2, 3, 4-5, 6-9, 10-19, 20+.
VEHICLE_FLIGHT_EDGES = np.array([1, 2, 3, 4, 6, 10, 20])
NOVELTY_CAP = 6  # 2**6 = 64 family flights by other vehicles: a variant, not a new design
STATE_EXPERIENCE_CAP = 9  # 512 flights
MODERN_FROM = 1990.0  # maiden flights of new designs from this year on get b_modern_maiden
ERA_START, ERA_WIDTH = 1955.0, 5.0
ERA_STEP_SD = 0.3  # logit change per 5 years, prior sd
ASSIST_PRIOR_SD = 1.0  # b_assist ~ N(0, 1): see the module docstring


def vehicle_flight_bin(flight: np.ndarray | int) -> np.ndarray:
    return np.searchsorted(VEHICLE_FLIGHT_EDGES, flight, side="right") - 1


def experience(flight: np.ndarray | int, cap: int) -> np.ndarray:
    """-1 on a programme's first flight, rising with log2(flights), 0 once mature."""
    return np.minimum(np.floor(np.log2(np.asarray(flight, dtype=float))), cap) / cap - 1.0


def novelty(family_flight: np.ndarray | int, vehicle_flight: np.ndarray | int) -> np.ndarray:
    """1 for a new design (its family has flown only on it), 0 for a variant of a family
    with >= 64 flights by other vehicles; in between on a log2 scale."""
    others = np.asarray(family_flight, dtype=float) - np.asarray(vehicle_flight, dtype=float)
    return 1.0 - np.minimum(np.floor(np.log2(1.0 + np.maximum(others, 0.0))), NOVELTY_CAP) / NOVELTY_CAP


def modern_maiden(vehicle_flight: np.ndarray | int, year: np.ndarray | float) -> np.ndarray:
    """1 on a maiden flight in or after ``MODERN_FROM``, else 0."""
    return ((np.asarray(vehicle_flight) == 1) & (np.asarray(year) >= MODERN_FROM)).astype(float)


def era_bin(year: np.ndarray | float, n_bins: int) -> np.ndarray:
    return np.clip(((np.asarray(year) - ERA_START) // ERA_WIDTH).astype(int), 0, n_bins - 1)


@dataclass(frozen=True)
class Cells:
    """Binomial cells of launches with identical covariates."""

    state: np.ndarray
    family: np.ndarray
    vehicle: np.ndarray
    flight_bin: np.ndarray
    novelty: np.ndarray
    modern_maiden: np.ndarray
    x_state: np.ndarray
    previous_failed: np.ndarray
    assisted: np.ndarray
    era: np.ndarray
    attempts: np.ndarray
    successes: np.ndarray
    states: list[str]
    families: list[str]
    vehicles: list[str]
    n_era: int
    #: Vehicles that share their family with another vehicle: only these get their own effect.
    vehicle_has_effect: np.ndarray
    #: Each launch's cell, and its outcome (in time order): per-launch log-likelihood for LOO.
    launch_cell: np.ndarray
    launch_success: np.ndarray


def launch_covariates(
    history: LaunchHistory, config: HierarchicalConfig | None = None, assistance: Assistance | None = None
) -> pd.DataFrame:
    """One row per launch: the model's covariates (group codes, flight bin, novelty, …) and
    its outcome.  ``assistance``: the rows counted (default: the shipped table at
    ``config.assistance``)."""
    config = config or HierarchicalConfig()
    if assistance is None:
        assistance = Assistance.shipped().at(config.assistance)
    launches = history.launches
    vehicles = list(history.vehicles["vehicle"])
    families = sorted(set(history.vehicles["family"]))
    states = sorted(set(history.vehicles["state"]))
    n_era = int(era_bin(launches["year"].max(), 10**6)) + 1
    vehicle_flight = launches["vehicle_flight"].to_numpy()
    years = launches["year"].to_numpy()
    return pd.DataFrame(
        {
            "state": pd.Categorical(launches["vehicle_state"], categories=states).codes,
            "family": pd.Categorical(launches["family"], categories=families).codes,
            "vehicle": pd.Categorical(launches["vehicle"], categories=vehicles).codes,
            "flight_bin": vehicle_flight_bin(vehicle_flight),
            "novelty": novelty(launches["family_flight"].to_numpy(), vehicle_flight),
            "modern_maiden": modern_maiden(vehicle_flight, years),
            "x_state": experience(launches["state_flight"].to_numpy(), STATE_EXPERIENCE_CAP),
            "previous_failed": launches["previous_failed"].to_numpy(),
            "assisted": assistance.assisted(launches),
            "era": era_bin(years, n_era),
            "success": launches["success"].to_numpy(),
        }
    )


def build_cells(
    history: LaunchHistory, config: HierarchicalConfig | None = None, assistance: Assistance | None = None
) -> Cells:
    """Launches with identical covariates (``launch_covariates``) as binomial cells."""
    config = config or HierarchicalConfig()
    frame = launch_covariates(history, config, assistance)
    vehicles = list(history.vehicles["vehicle"])
    n_era = int(era_bin(history.launches["year"].max(), 10**6)) + 1
    per_family = history.vehicles.groupby("family")["vehicle"].transform("size")
    has_effect = dict(zip(history.vehicles["vehicle"], per_family.to_numpy() > 1, strict=True))
    keys = [c for c in frame.columns if c != "success"]
    groups = frame.groupby(keys, sort=True)["success"]
    grouped = groups.agg(["size", "sum"]).reset_index()
    return Cells(
        **{k: grouped[k].to_numpy() for k in keys},
        attempts=grouped["size"].to_numpy(),
        successes=grouped["sum"].to_numpy(),
        states=sorted(set(history.vehicles["state"])),
        families=sorted(set(history.vehicles["family"])),
        vehicles=vehicles,
        n_era=n_era,
        vehicle_has_effect=np.array([has_effect[v] for v in vehicles]),
        launch_cell=groups.ngroup().to_numpy(),
        launch_success=frame["success"].to_numpy(),
    )


#: The cell table a fit saves (``constant_data``), so that its log-likelihood can be
#: recomputed exactly from the saved fit: covariates, attempts and successes.
CELL_ARRAYS = (
    "state",
    "family",
    "vehicle",
    "flight_bin",
    "novelty",
    "modern_maiden",
    "x_state",
    "previous_failed",
    "assisted",
    "era",
    "attempts",
    "successes",
    "launch_cell",
    "launch_success",
)


def cell_view(cells: dict[str, np.ndarray]) -> Cells:
    """A saved cell table (``CELL_ARRAYS``) as ``Cells``, for ``cell_logits``."""
    return Cells(
        **{k: cells[k] for k in CELL_ARRAYS},
        states=[],
        families=[],
        vehicles=[],
        n_era=0,
        vehicle_has_effect=np.array([]),
    )


def pointwise(eta: np.ndarray, view: Cells, unit: str) -> np.ndarray:
    """Log-likelihood per cell (binomial) or per launch (Bernoulli) from cell logits
    ``(draws, cells)``."""
    from scipy.special import gammaln

    log_p, log_q = -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)
    if unit == "cell":
        k, n = view.successes, view.attempts
        return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + k * log_p + (n - k) * log_q
    c, y = view.launch_cell, view.launch_success
    return np.where(y == 1, log_p[:, c], log_q[:, c])


def log_likelihood(
    posterior: dict[str, np.ndarray], cells: dict[str, np.ndarray], unit: str = "launch", chunk: int = 500
) -> np.ndarray:
    """Pointwise log-likelihood, ``(draws, points)``.

    ``unit="cell"``: one binomial term per cell (the likelihood the model was fitted on);
    ``unit="launch"``: one Bernoulli term per launch — the unit to compare models with
    PSIS-LOO, since two models' cells differ but their launches do not.
    """
    if unit not in ("cell", "launch"):
        raise LaunchcastError(f"unit {unit!r}: use 'cell' or 'launch'")
    view = cell_view(cells)
    n_draws = len(posterior["mu"])
    draws = [np.arange(start, min(start + chunk, n_draws)) for start in range(0, n_draws, chunk)]
    return np.concatenate([pointwise(cell_logits(posterior, view, d), view, unit) for d in draws])


@dataclass(frozen=True)
class Layout:
    """The shape a compiled model is built for: the labels along each group dimension, the
    era bins, and whether the foreign-help term is in it.

    The cells are data of that shape (``data``), so one compiled model samples any history
    that fits in it: a rolling backtest compiles once, in the full history's layout, and
    each year's fit changes only the data (``nutpie``'s ``with_data``; compiling is 8–9 s of
    a fit).  A group the year has not seen yet keeps its standard-normal ``z``, which no
    launch touches: in this non-centred model it leaves the other parameters' posterior as
    it is, and ``restrict`` drops it, so the fit draws such a group as new, like any fit.
    The era steps after the year's last bin are switched off (``era_step_on``), so its
    latest bin is 0, as in a fit of that history alone.
    """

    states: tuple[str, ...]
    families: tuple[str, ...]
    vehicles: tuple[str, ...]
    n_era: int
    assisted: bool

    @classmethod
    def of(cls, cells: Cells) -> Layout:
        return cls(
            tuple(cells.states),
            tuple(cells.families),
            tuple(cells.vehicles),
            cells.n_era,
            bool(cells.assisted.any()),
        )

    def coords(self) -> dict[str, list[str]]:
        return {
            "state": list(self.states),
            "family": list(self.families),
            "vehicle": list(self.vehicles),
            "flight_bin": [str(e) for e in VEHICLE_FLIGHT_EDGES],
            "gap_after": [str(e) for e in VEHICLE_FLIGHT_EDGES[:-1]],
            "era_start": [str(int(ERA_START + ERA_WIDTH * k)) for k in range(self.n_era)],
            "era_step_end": [str(int(ERA_START + ERA_WIDTH * k)) for k in range(self.n_era - 1)],
        }

    def positions(self, cells: Cells) -> dict[str, np.ndarray]:
        """Where each of the cells' groups sits in this layout."""
        found = {}
        for dim, mine, theirs in (
            ("state", self.states, cells.states),
            ("family", self.families, cells.families),
            ("vehicle", self.vehicles, cells.vehicles),
        ):
            index = {label: i for i, label in enumerate(mine)}
            missing = [label for label in theirs if label not in index]
            if missing:
                raise LaunchcastError(f"{dim} {missing[0]!r} is not in the model's layout")
            found[dim] = np.array([index[label] for label in theirs], dtype=np.int64)
        if cells.n_era > self.n_era or (cells.assisted.any() and not self.assisted):
            raise LaunchcastError("the cells reach beyond the model's layout (era or foreign help)")
        return found

    def data(self, cells: Cells) -> dict[str, np.ndarray]:
        """The model's data (``build_model``) for these cells."""
        at = self.positions(cells)
        effect = np.zeros(len(self.vehicles))
        effect[at["vehicle"][cells.vehicle_has_effect]] = 1.0
        covariates = Covariates.of_cells(cells)
        return {
            "cell_state": at["state"][cells.state],
            "cell_family": at["family"][cells.family],
            "cell_vehicle": at["vehicle"][cells.vehicle],
            **{
                f"cell_{c.name}": np.asarray(
                    getattr(covariates, c.name), dtype=np.int64 if c.name in ("flight_bin", "era") else float
                )
                for c in fields(Covariates)
            },
            "cell_attempts": np.asarray(cells.attempts, dtype=float),
            "cell_successes": np.asarray(cells.successes, dtype=float),
            "vehicle_effect": effect,
            "era_step_on": (np.arange(self.n_era - 1) < cells.n_era - 1).astype(float),
        }

    def restrict(self, posterior: dict[str, np.ndarray], cells: Cells) -> dict[str, np.ndarray]:
        """The draws (chain × draw × …) of what the cells' history holds: its groups, its era
        bins, and ``b_assist`` only if it has a helped launch."""
        at = self.positions(cells)
        kept = dict(posterior)
        for dim in ("state", "family", "vehicle"):
            kept[f"a_{dim}"] = posterior[f"a_{dim}"][:, :, at[dim]]
        kept["era"] = posterior["era"][:, :, : cells.n_era]
        if not cells.assisted.any():
            kept.pop("b_assist", None)
        return kept


#: Variables saved with a fit (constrained scale; the z's are implied by a = sigma * z).
SAVED_VARIABLES = (
    "mu",
    "sigma_state",
    "sigma_family",
    "sigma_vehicle",
    "a_state",
    "a_family",
    "a_vehicle",
    "gap_new",
    "gap_variant",
    "learn_new",
    "learn_variant",
    "b_modern_maiden",
    "b_state_exp",
    "b_previous_failed",
    "era",
)
#: Saved when the data give them something to rest on (no assisted launch: no b_assist).
OPTIONAL_VARIABLES = ("b_assist",)
DIMS = {
    "a_state": ["state"],
    "a_family": ["family"],
    "a_vehicle": ["vehicle"],
    "gap_new": ["gap_after"],
    "gap_variant": ["gap_after"],
    "learn_new": ["flight_bin"],
    "learn_variant": ["flight_bin"],
    "era": ["era_start"],
}


@dataclass(frozen=True)
class Covariates:
    """What the terms read of a launch (scalars) or of a table of cells (arrays)."""

    flight_bin: Any  # an index
    novelty: Any
    modern_maiden: Any
    x_state: Any
    previous_failed: Any
    assisted: Any
    era: Any  # an index

    @classmethod
    def of_cells(cls, cells: Cells) -> Covariates:
        return cls(
            np.minimum(cells.flight_bin, len(VEHICLE_FLIGHT_EDGES) - 1),
            cells.novelty,
            cells.modern_maiden,
            cells.x_state,
            cells.previous_failed,
            cells.assisted,
            cells.era,
        )


def terms(
    p: Mapping[str, Any], pick: Callable[[Any, Any], Any], groups: tuple[Any, Any, Any], c: Covariates
) -> dict[str, Any]:
    """The model's logit, term by term: the one definition the PyMC graph (``build_model``),
    the numpy forecasts (``linear_predictor``) and the explanation (``logit_terms``) share.

    ``p`` maps parameter names to PyMC variables at fit time or to draws after it;
    ``pick(values, index)`` reads a per-bin parameter as ``p`` lays it out (``v[i]`` in
    the graph, ``v[:, i]`` for draws); ``groups`` are the state, family and vehicle
    effects, already looked up (a new group's drawn from its scale).  A fit with no
    ``b_assist`` (no help counted) has no assistance term: it adds 0.
    """
    a_state, a_family, a_vehicle = groups
    return {
        "level": p["mu"],
        "state": a_state,
        "family": a_family,
        "vehicle": a_vehicle,
        "infancy": c.novelty * pick(p["learn_new"], c.flight_bin)
        + (1.0 - c.novelty) * pick(p["learn_variant"], c.flight_bin),
        "modern_maiden": p["b_modern_maiden"] * c.novelty * c.modern_maiden,
        "state_experience": p["b_state_exp"] * c.x_state,
        "previous_outcome": p["b_previous_failed"] * c.previous_failed,
        "assistance": p.get("b_assist", 0.0) * c.assisted,
        "era": pick(p["era"], c.era),
    }


def total(parts: dict[str, Any]) -> Any:
    """The logit: the terms added in their order (the same order in the graph and in numpy)."""
    return functools.reduce(operator.add, parts.values())


def draws_at(values: np.ndarray, index: Any) -> np.ndarray:
    return values[:, index]


def linear_predictor(p: Mapping[str, np.ndarray], groups: tuple[Any, Any, Any], c: Covariates) -> np.ndarray:
    """Logit P(success) from posterior draws ``p``.  Arguments broadcast: scalars and
    ``(draws,)`` vectors for one query; for cells, ``p``'s scalar parameters as
    ``(draws, 1)`` and covariates as ``(cells,)``."""
    return np.asarray(total(terms(p, draws_at, groups, c)))


def cell_logits(posterior: dict[str, np.ndarray], cells: Cells, draws: np.ndarray) -> np.ndarray:
    """Logit P(success) of every cell under the chosen draws, ``(len(draws), n_cells)``,
    for posterior predictive checks."""
    p = {k: v[draws][:, None] if v.ndim == 1 else v[draws] for k, v in posterior.items()}
    groups = (p["a_state"][:, cells.state], p["a_family"][:, cells.family], p["a_vehicle"][:, cells.vehicle])
    return linear_predictor(p, groups, Covariates.of_cells(cells))
