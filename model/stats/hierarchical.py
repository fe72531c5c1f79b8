"""The main model: hierarchical logistic regression of launch success.

    logit P(success) = mu
                     + a_state[s] + a_family[f] + a_vehicle[v]        (partial pooling)
                     + novelty * learn_new[bin]
                       + (1 - novelty) * learn_variant[bin]           (infancy, by design novelty)
                     + b_modern_maiden * novelty * maiden * [>= 1990]  (modern maiden flights)
                     + b_state_exp * x_state                           (state experience)
                     + b_previous_failed * previous_failed             (return to flight)
                     + b_assist * assisted                             (foreign help)
                     + era[5-year bin]                                  (era trend)

``s`` is the state that owns the vehicle (Naro-1 → KR), ``f`` its GCAT family.
All group effects are non-centred (``a = sigma * z``), so a vehicle with one
flight and Soyuz-U with 700 share one geometry the sampler can handle.  A
vehicle alone in its family (34 of 77 families) has no effect of its own — the
family effect is that vehicle's — because with one vehicle the two effects are
identified only as a sum, a ridge along which ``sigma_family`` mixed slowly
(min ESS ~450 → ~850 when removed).  A new vehicle, family or state draws its
effect from the fitted spread (``sigma * N(0, 1)`` per posterior draw): never a
fixed 0.5.

Why these terms:

- Infancy: new vehicles fail far more often.  Guikema & Paté-Cornell, "Probability
  of infancy problems for space launch vehicles", Reliability Engineering &
  System Safety 87(3), 2005, report mean failure probability ≈ 1/3 on first
  flights and ≈ 1/4 on second flights; in GCAT since 1980, 43% of maiden flights
  failed.  A learning curve is a monotone step curve over flight-number bins
  1, 2, 3, 4–5, 6–9, 10–19, 20+ (``learn[k] = -sum_{j>=k} gap_j``, ``gap_j >= 0``,
  ``learn[20+] = 0``): reliability may only grow with experience, but the data
  say by how much at each step.
- Design novelty: GCAT names variants as vehicles (Atlas V 401 and 551, Chang
  Zheng 3B/YZ-1), so "maiden flight" mixes new rockets (Falcon 1, Chollima-1:
  since 2000, 19 of 35 failed) with new configurations of flown ones (18 of
  105).  ``novelty`` is 1 for a vehicle whose family has flown only on it and
  falls with ``log2`` of the family's flights by *other* vehicles, to 0 at 64
  (``family_flight - vehicle_flight``: known for any query, fixed along a
  campaign).  Two learning curves, for new designs and for variants, are mixed
  by it.  This replaced a family-experience slope ``log2(family flights)``, which
  counted a new design's own flights twice (once in the learning curve, once as
  family experience).
- Modern maiden flights: the era trend lifted vehicles past their fifth flight
  from ≈ 0.87 success (1957–70) to ≈ 0.97 (since 2000) but not maiden flights of
  new designs (58% succeeded in 1957–70, 46% since 2000), so a model where the
  era shifts every flight alike is too hopeful about them today (backtest
  2000–2023: 12 failures forecast, 19 happened).  ``b_modern_maiden`` moves
  maiden flights of new designs from 1990 on (the commercial and new-state
  era).  Tying the maiden penalty to the era trend instead (``b * era``)
  scored worse in the backtest (0.1656 vs 0.1642, quick fits).
- State experience: a first rocket of a new launching state fails more often
  than one of an experienced state.  ``x_state = min(floor(log2 flights),
  cap)/cap - 1``: 0 for a mature state, -1 for its first flight.
- Previous outcome: since 1980 success after a failure is ≈ 0.70 vs ≈ 0.91
  after a success; part of that is the vehicle effect, the rest is this term.
- Era: reliability rose from ≈ 0.6 (1957–62) to ≈ 0.95; a Gaussian random walk
  over 5-year bins, pinned to 0 in the latest bin, so ``mu`` is today's level
  and forecasts use it (no extrapolation of the trend).

- Foreign help (3.0): ``assisted`` is 1 for a launch flown with help counted in
  ``data/assistance.csv`` (``model.record.assistance``: licensed designs, supplied stages
  and engines, engineers), up to a confidence level (``config.assistance``, default
  documented and reported).  One average shift on the logit, fitted on every helped
  vehicle in history (123 launches at the default level; 74 of them India's PSLV
  family).  It sits beside the vehicle, family and state effects, so it is learnt
  from how helped programmes fared against unhelped ones of the same age and state.
  Prior ``b_assist ~ N(0, 1)``: centred on no effect, because history has help
  that preceded success (the licensed Deltas) and help that did not (Naro-1 failed
  twice with its Russian first stage), and as wide as the other slopes (a 1-sd
  effect moves a 50% maiden flight to 27% or 73%).  On the 2000–2023 backtest it is
  neutral (0.1644 → 0.1647, quick fits): it exists to answer the foreign-help
  question (``model.questions.scenario``), not to sharpen the score.

Tried for 3.0 and dropped, each measured alone on the quick backtest
(``benchmarks/ablation.py``; ``BENCHMARKS.md``): offsets for flights 2–5 of new
designs since 1990 (0.1649) and for a variant's first five flights since 1990
(0.1646, though the in-sample check promised 0.1627: the training years do not
show what the test years do); an era trend in 1-year steps (0.1646, calibration
1.12 → 1.09 expected/observed failures); a likelihood half-life of 20 years (power
likelihood, Dixon & Coles, *JRSS C* 46(2), 1997; 0.1669).

Left out, and why: agency effects (GCAT's agency is the operator of the day —
KHRU and RAKA fly the same Protons — so its experience counter restarts without
a new design); a vehicle's recent record (failures in its last 5 or 10 flights)
and a family's previous outcome: on the 2000–2023 backtest they explained
nothing the vehicle effect and ``previous_failed`` had not (log loss
0.1662 → 0.1657 with the feature fitted in-sample).

Priors (logit scale), checked by ``prior_predictive`` (see tests):

- ``mu ~ N(2.5, 1)``: a mature vehicle today succeeds ≈ 92% (1 sd: 82–97%).
- ``sigma_state, sigma_family, sigma_vehicle ~ HalfNormal(1)``: a 1-sd group
  effect moves 92% to 81% or 97% — plausible spread between programmes.
- ``gap_new, gap_variant ~ HalfNormal(0.5)`` (6 gaps each): prior mean maiden
  deficit ≈ 2.4 logits (92% → ≈ 50%), in line with the infancy literature, wide
  enough to be wrong; the same prior for both curves: the data say variants
  learn less.
- ``b_* ~ N(0, 1)``; era steps ``~ N(0, 0.3)`` per 5 years (fixed scale: each bin
  holds hundreds of launches; a fitted scale made a funnel the sampler disliked).

Success fractions: GCAT's pass/fail rule (success iff fraction >= 0.75) is the
outcome; partial launches (110 of 6,573) enter as whole failures or successes.
A fractional likelihood would make "success" mean "delivered x% of payload",
which is not the question people ask ("did it reach orbit?").

Likelihood: launches with identical covariates are one binomial cell
(experience is binned, so a mature vehicle's hundreds of flights collapse into a
few cells), which is exact for this model and much cheaper than per-launch
Bernoulli terms.
"""

from __future__ import annotations

import functools
import logging
import operator
import sys
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from launchcast.model.errors import LaunchcastError
from launchcast.model.record.assistance import Assistance, check_level
from launchcast.model.record.catalogue import LaunchQuery, vehicle_records
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.diagnostics import GateThresholds, diagnose
from launchcast.model.stats.fit import Fit, provenance, require_history

NAME = "hierarchical"
VERSION = "3.0"  # 3.0: foreign-help term, saved cell table (2.0 fits are refused)

#: Lower edges of the vehicle flight-number bins: 1, 2, 3, 4-5, 6-9, 10-19, 20+.
VEHICLE_FLIGHT_EDGES = np.array([1, 2, 3, 4, 6, 10, 20])
NOVELTY_CAP = 6  # 2**6 = 64 family flights by other vehicles: a variant, not a new design
STATE_EXPERIENCE_CAP = 9  # 512 flights
MODERN_FROM = 1990.0  # maiden flights of new designs from this year on get b_modern_maiden
ERA_START, ERA_WIDTH = 1955.0, 5.0
ERA_STEP_SD = 0.3  # logit change per 5 years, prior sd
ASSIST_PRIOR_SD = 1.0  # b_assist ~ N(0, 1): see the module docstring

#: The config fields that turn 3.0's new terms off: the 2.0 model, for comparisons
#: (``benchmarks/ablation.py``, the notebook's PSIS-LOO).
V2_TERMS: dict[str, Any] = {"assistance": "none"}

log = logging.getLogger("launchcast.fit")


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
class HierarchicalConfig:
    # 2000 draws x 4 chains after 1000 warm-up steps: the full-history fit passes the gate
    # first time on seeds 0-4 (20-22 s of sampling, 33-39 s a fit, min bulk ESS 1121-1439, no
    # divergence).
    # With 700 warm-up steps and 1500 draws, seed 0 met a stray divergence and retried (93 s):
    # a tail excursion where sigma_state is large (0.57, mean 0.26), the era of 1957-66 high
    # and the US and Soviet state effects low — in the early years only they flew, so era,
    # state effects and the state-experience slope trade off there.  The longer warm-up
    # adapts step size and mass matrix to it.  Tried and dropped (BENCHMARKS.md, "Fit, issue
    # 27"): nutpie's low-rank mass matrix (slower, still a divergence on seed 2); centred
    # state effects for the big states (dozens of divergences: sigma_state is small, so the
    # centred form has the funnel).
    draws: int = 2000
    tune: int = 1000
    chains: int = 4
    # 0.9: at 0.95 ESS falls (~600), and on the backtest one yearly fit (2007) failed the
    # gate even after the retry (BENCHMARKS.md, "Model 3.0").
    target_accept: float = 0.9
    seed: int = 0
    sampler: Literal["nutpie", "pymc"] = "nutpie"
    progress: bool = False
    #: Fits after a failed gate, each with twice the draws and target_accept >= 0.95.
    retries: int = 1
    thresholds: GateThresholds = field(default_factory=GateThresholds)
    #: Foreign help counted up to this confidence (``model.record.assistance``); "none" drops the term.
    assistance: str = "reported"
    #: Posterior draws the fit keeps for forecasting, after the gate has judged all of them:
    #: thinned evenly within each chain, as float32.  4,000 keep a forecast's Monte Carlo error
    #: under 0.2 points and a saved version under 8 MB (7.8 MB, was 35.5 MB with 8,000 float64
    #: draws), and halve the time of every forecast (BENCHMARKS.md, "Saved fits").
    kept_draws: int = 4000

    def __post_init__(self) -> None:
        if self.chains < 1 or self.draws < 1 or self.tune < 0 or self.kept_draws < 1:
            raise LaunchcastError("draws and chains must be >= 1 and tune >= 0")
        if not 0.5 <= self.target_accept < 1:
            raise LaunchcastError("target_accept must be in [0.5, 1)")
        if self.sampler not in ("nutpie", "pymc"):
            raise LaunchcastError(f"unknown sampler {self.sampler!r}: use 'nutpie' or 'pymc'")
        check_level(self.assistance)


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


def build_model(layout: Layout, data: Mapping[str, np.ndarray]) -> Any:
    """The PyMC model in ``layout``, with ``data`` (``Layout.data``) as its data containers
    (imported here: PyMC is a fit-time dependency only)."""
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model(coords=layout.coords()) as model:
        d = {name: pm.Data(name, value) for name, value in data.items()}
        mu = pm.Normal("mu", 2.5, 1.0)
        sigma_state = pm.HalfNormal("sigma_state", 1.0)
        sigma_family = pm.HalfNormal("sigma_family", 1.0)
        sigma_vehicle = pm.HalfNormal("sigma_vehicle", 1.0)
        z_state = pm.Normal("z_state", 0.0, 1.0, dims="state")
        z_family = pm.Normal("z_family", 0.0, 1.0, dims="family")
        z_vehicle = pm.Normal("z_vehicle", 0.0, 1.0, dims="vehicle")
        a_state = pm.Deterministic("a_state", sigma_state * z_state, dims="state")
        a_family = pm.Deterministic("a_family", sigma_family * z_family, dims="family")
        # A vehicle alone in its family has no effect of its own (``vehicle_effect`` is 0):
        # with one vehicle the family and vehicle effects are only identified as a sum, a
        # ridge the sampler crawled along (sigma_family mixed slowly).  The family effect
        # carries that vehicle; its z is then touched by nothing but its prior.
        a_vehicle = pm.Deterministic(
            "a_vehicle", sigma_vehicle * z_vehicle * d["vehicle_effect"], dims="vehicle"
        )

        def learning_curve(kind: str) -> Any:
            gap = pm.HalfNormal(f"gap_{kind}", 0.5, dims="gap_after")
            # learn[k] = -sum_{j >= k} gap[j]; learn[last] = 0.
            tail_sums = pt.cumsum(gap[::-1])[::-1]
            return pm.Deterministic(
                f"learn_{kind}", pt.concatenate([-tail_sums, pt.zeros(1)]), dims="flight_bin"
            )

        learn_new, learn_variant = learning_curve("new"), learning_curve("variant")
        params: dict[str, Any] = {
            "mu": mu,
            "learn_new": learn_new,
            "learn_variant": learn_variant,
            "b_modern_maiden": pm.Normal("b_modern_maiden", 0.0, 1.0),
            "b_state_exp": pm.Normal("b_state_exp", 0.0, 1.0),
            "b_previous_failed": pm.Normal("b_previous_failed", 0.0, 1.0),
        }
        if layout.assisted:  # no helped launch in the data (or assistance "none"): no b_assist
            params["b_assist"] = pm.Normal("b_assist", 0.0, ASSIST_PRIOR_SD)

        if layout.n_era > 1:
            # A fixed step scale, not a fitted one: every 5-year bin holds hundreds of
            # launches, so the scale hardly matters, and a fitted scale made a funnel
            # that cost divergences and tail ESS.
            era_step = pm.Normal("era_step", 0.0, ERA_STEP_SD, dims="era_step_end")
            era_tail = pt.cumsum((era_step * d["era_step_on"])[::-1])[::-1]
            params["era"] = pm.Deterministic(
                "era", pt.concatenate([-era_tail, pt.zeros(1)]), dims="era_start"
            )
        else:
            params["era"] = pm.Deterministic("era", pt.zeros(1), dims="era_start")

        covariates = Covariates(**{c.name: d[f"cell_{c.name}"] for c in fields(Covariates)})
        eta = total(
            terms(
                params,
                lambda values, index: values[index],
                (a_state[d["cell_state"]], a_family[d["cell_family"]], a_vehicle[d["cell_vehicle"]]),
                covariates,
            )
        )
        # The binomial log-likelihood without its coefficient, a constant in the parameters:
        # k log σ(η) + (n − k) log σ(−η) = −n softplus(−η) − (n − k) η.  One softplus per cell,
        # where pm.Binomial also turned the logit into p and checked bounds: a gradient costs
        # 0.11 ms instead of 0.20 (BENCHMARKS.md, "Fit, issue 27").
        n, k = d["cell_attempts"], d["cell_successes"]
        pm.Potential("likelihood", pt.sum(-n * pt.softplus(-eta) - (n - k) * eta))
    return model


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


def _draws(values: np.ndarray, index: Any) -> np.ndarray:
    return values[:, index]


def linear_predictor(p: Mapping[str, np.ndarray], groups: tuple[Any, Any, Any], c: Covariates) -> np.ndarray:
    """Logit P(success) from posterior draws ``p``.  Arguments broadcast: scalars and
    ``(draws,)`` vectors for one query; for cells, ``p``'s scalar parameters as
    ``(draws, 1)`` and covariates as ``(cells,)``."""
    return np.asarray(total(terms(p, _draws, groups, c)))


def cell_logits(posterior: dict[str, np.ndarray], cells: Cells, draws: np.ndarray) -> np.ndarray:
    """Logit P(success) of every cell under the chosen draws, ``(len(draws), n_cells)``,
    for posterior predictive checks."""
    p = {k: v[draws][:, None] if v.ndim == 1 else v[draws] for k, v in posterior.items()}
    groups = (p["a_state"][:, cells.state], p["a_family"][:, cells.family], p["a_vehicle"][:, cells.vehicle])
    return linear_predictor(p, groups, Covariates.of_cells(cells))


class HierarchicalFit(Fit):
    def success_probability(
        self, query: LaunchQuery, previous_failed: np.ndarray | bool | None = None
    ) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(query, previous_failed)))

    @property
    def conditions_on_previous_outcome(self) -> bool:
        return True

    def group_effect(self, dim: str, label: str | None, *context: object) -> np.ndarray:
        """Draws of a group effect; for a group the fit never saw, ``sigma * N(0, 1)``."""
        index = self.position(dim, label)
        if index is not None:
            return self.posterior[f"a_{dim}"][:, index]
        rng = self.rng_for("new", dim, label, *context)
        return self.posterior[f"sigma_{dim}"] * rng.standard_normal(self.n_draws)

    @cached_property
    def assistance(self) -> Assistance:
        """The foreign-help rows this fit counted (recorded in its manifest)."""
        return Assistance.from_records(self.manifest.get("assistance", {}).get("rows", []))

    @property
    def assistance_effect(self) -> np.ndarray | None:
        """Draws of ``b_assist``, the foreign-help term; ``None`` when no help was counted."""
        return self.posterior.get("b_assist")

    @property
    def assistance_prior_sd(self) -> float:
        return ASSIST_PRIOR_SD

    def assisted(self, query: LaunchQuery) -> float:
        """1.0 if the query's launch flies with counted help: as asked (a scenario), else
        as the fit's table says for its vehicle or family at its date."""
        if query.assisted is not None:
            return float(query.assisted)
        return float(bool(self.assistance.helping(query.vehicle, query.family, query.year)))

    def _cells(self) -> dict[str, np.ndarray]:
        cells = {k: self.constants[f"cell_{k}"] for k in CELL_ARRAYS if f"cell_{k}" in self.constants}
        if len(cells) < len(CELL_ARRAYS):
            raise LaunchcastError("this fit saved no cell table; refit it with 'launchcast fit'")
        return cells

    def log_likelihood(self, unit: str = "launch") -> np.ndarray:
        """Pointwise log-likelihood of the data the fit was fitted on (``log_likelihood``)."""
        return log_likelihood(self.posterior, self._cells(), unit)

    def inference_data(self, unit: str = "launch", per_chain: int = 1000, predictive_seed: int = 0) -> Any:
        """ArviZ InferenceData for the Bayesian-workflow tools (``az.loo``, ``az.compare``,
        ``az.plot_energy``, ``az.plot_pair``, ``az.plot_ppc``): posterior, sampler statistics,
        pointwise log-likelihood, observed data and one posterior predictive replicate per draw.

        Each chain is thinned to at most ``per_chain`` draws: the log-likelihood matrix is
        draws × launches (6,573), and 4,000 draws estimate PSIS-LOO as well as 12,000."""
        import arviz as az

        length = self.n_draws // self.chains
        stride = max(1, -(-length // per_chain))
        kept = np.arange(0, length, stride)
        index = (np.arange(self.chains)[:, None] * length + kept[None, :]).ravel()
        posterior = {k: v[index] for k, v in self.posterior.items()}
        if unit not in ("cell", "launch"):
            raise LaunchcastError(f"unit {unit!r}: use 'cell' or 'launch'")
        view = cell_view(self._cells())
        eta = cell_logits(posterior, view, np.arange(len(index)))
        loglik = pointwise(eta, view, unit)
        if unit == "launch":
            eta, observed = eta[:, view.launch_cell], view.launch_success
            trials = np.ones_like(observed)
        else:
            observed, trials = view.successes, view.attempts
        rng = np.random.default_rng(predictive_seed)
        predicted = rng.binomial(trials.astype(int), 1.0 / (1.0 + np.exp(-eta)))

        def by_chain(values: np.ndarray) -> np.ndarray:
            return values.reshape(self.chains, len(kept), *values.shape[1:])

        groups = ("state", "family", "vehicle", "flight_bin", "gap_after", "era_start")
        return az.from_dict(
            posterior={k: by_chain(v) for k, v in posterior.items()},
            sample_stats={k: np.asarray(v)[:, kept] for k, v in self.sample_stats.items()},
            log_likelihood={"successes": by_chain(loglik)},
            posterior_predictive={"successes": by_chain(predicted)},
            observed_data={"successes": observed},
            constant_data={"trials": trials},
            coords={
                unit: np.arange(len(observed)),
                **{d: self.coords[d] for d in groups if d in self.coords},
            },
            dims={"successes": [unit], "trials": [unit], **self.dims},
        )

    def era_index(self, year: float) -> int:
        return int(era_bin(year, self.posterior["era"].shape[1]))

    def _groups(self, query: LaunchQuery) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (
            self.group_effect("state", query.state),
            self.group_effect("family", query.family, query.state),
            self.group_effect("vehicle", query.vehicle, query.family, query.state),
        )

    def _covariates(self, query: LaunchQuery, previous_failed: np.ndarray | bool | None = None) -> Covariates:
        previous = query.previous_failed if previous_failed is None else previous_failed
        return Covariates(
            flight_bin=int(vehicle_flight_bin(query.vehicle_flight)),
            novelty=float(novelty(query.family_flight, query.vehicle_flight)),
            modern_maiden=float(modern_maiden(query.vehicle_flight, query.year)),
            x_state=float(experience(query.state_flight, STATE_EXPERIENCE_CAP)),
            previous_failed=np.asarray(previous, dtype=float),
            assisted=self.assisted(query),
            era=self.era_index(query.year),
        )

    def logit_terms(self, query: LaunchQuery) -> dict[str, np.ndarray]:
        """The logit's terms (``terms``), each as draws; they add up to ``logit(query)``
        draw for draw (``model.questions.explain`` checks it)."""
        parts = terms(self.posterior, _draws, self._groups(query), self._covariates(query))
        n = self.n_draws
        return {name: np.broadcast_to(np.asarray(value, dtype=float), (n,)) for name, value in parts.items()}

    def logit(self, query: LaunchQuery, previous_failed: np.ndarray | bool | None = None) -> np.ndarray:
        return linear_predictor(self.posterior, self._groups(query), self._covariates(query, previous_failed))


@dataclass
class HierarchicalModel:
    config: HierarchicalConfig = field(default_factory=HierarchicalConfig)
    name: str = NAME
    version: str = VERSION
    #: The foreign-help table (default: the shipped ``data/assistance.csv``); counted up to
    #: ``config.assistance``.
    assistance: Assistance | None = None
    #: The layout to sample in (default: the fitted history's own).  A backtest fits every
    #: year in the full history's layout, so that one compiled model serves them all.
    layout: Layout | None = None

    def within(self, history: LaunchHistory) -> HierarchicalModel:
        """This model, sampling in ``history``'s layout: for fits of parts of it."""
        assistance = (self.assistance or Assistance.shipped()).at(self.config.assistance)
        return replace(self, layout=Layout.of(build_cells(history, self.config, assistance)))

    @property
    def recorded_config(self) -> dict[str, Any]:
        """The config a fit records, and refits compare: how progress was shown is not part of it."""
        config = asdict(self.config)
        config.pop("progress")
        return config

    def fit(self, history: LaunchHistory) -> HierarchicalFit:
        """Sample, gate, and if the gate fails, sample once more with twice the draws and a
        higher target acceptance (the usual cures for low ESS and stray divergences).  The
        manifest records every attempt; only the last one's draws are kept."""
        require_history(history)
        started = time.perf_counter()
        assistance = (self.assistance or Assistance.shipped()).at(self.config.assistance)
        cells = build_cells(history, self.config, assistance)
        layout = self.layout or Layout.of(cells)
        data = layout.data(cells)
        coords = Layout.of(cells).coords()
        del coords["era_step_end"]
        compiling = time.perf_counter()
        model = prepared(layout, data, self.config, shared=self.layout is not None)
        log.info("model ready in %.1f s", time.perf_counter() - compiling)
        attempts = []
        config = self.config
        for attempt in range(1 + self.config.retries):
            if attempt:
                config = replace(
                    config,
                    draws=2 * config.draws,
                    seed=config.seed + 1,
                    target_accept=max(config.target_accept, 0.95),
                )
            log.info(
                "sampling %d chains × (%d warm-up + %d draws) on %d cells (%s)%s",
                config.chains,
                config.tune,
                config.draws,
                len(cells.attempts),
                config.sampler,
                f", attempt {attempt + 1}" if attempt else "",
            )
            sampled = time.perf_counter()
            idata = sample(model, config)
            log.info("sampled in %.1f s; checking convergence", time.perf_counter() - sampled)
            posterior = layout.restrict(
                {
                    name: np.asarray(idata.posterior[name].values, dtype=float)
                    for name in (*SAVED_VARIABLES, *OPTIONAL_VARIABLES)
                    if name in idata.posterior
                },
                cells,
            )
            stats = {
                name: np.asarray(idata.sample_stats[name].values)
                for name in ("diverging", "energy")
                if name in idata.sample_stats
            }
            diagnostics = diagnose(posterior, stats, DIMS, coords, config.thresholds)
            attempts.append(
                {
                    "draws": config.draws,
                    "target_accept": config.target_accept,
                    "seed": config.seed,
                    "passed": diagnostics.passed,
                    "failures": diagnostics.failures[:10],
                }
            )
            log.info("gate: %s", diagnostics.summary())
            if diagnostics.passed:
                break
        posterior, stats, thinned = kept(posterior, stats, self.config.kept_draws)
        seconds = time.perf_counter() - started
        manifest = provenance(history, seconds)
        manifest["kept"] = {
            "thinned_by": thinned,
            "dtype": "float32",
            "sampled": config.chains * config.draws,
        }
        manifest["diagnostics"] = diagnostics.to_dict()
        manifest["attempts"] = attempts
        manifest["cells"] = int(len(cells.attempts))
        manifest["assistance"] = {
            "level": self.config.assistance,
            "rows": assistance.records(),
            "launches": int((cells.attempts * cells.assisted).sum()),
        }
        return HierarchicalFit(
            model=self.name,
            version=self.version,
            posterior={k: v.reshape(-1, *v.shape[2:]) for k, v in posterior.items()},
            coords=coords,
            dims=DIMS,
            records=vehicle_records(history),
            config=self.recorded_config,
            manifest=manifest,
            constants={f"cell_{k}": np.asarray(getattr(cells, k)) for k in CELL_ARRAYS},
            sample_stats=stats,
            chains=config.chains,
        )


def kept(
    posterior: dict[str, np.ndarray], stats: dict[str, np.ndarray], wanted: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], int]:
    """The draws a fit keeps (``HierarchicalConfig.kept_draws``): every k-th of each chain
    (arrays are chain × draw × …), the posterior as float32; and k."""
    chains, draws = next(iter(posterior.values())).shape[:2]
    step = max(1, -(-chains * draws // wanted))
    return (
        {k: v[:, ::step].astype(np.float32) for k, v in posterior.items()},
        {k: v[:, ::step] for k, v in stats.items()},
        step,
    )


#: Compiled models by layout, for fits that share one (a rolling backtest's years, which fit
#: in the full history's layout): they compile once per process.  Two are kept.
_compiled: dict[Layout, Any] = {}
_compiling = threading.Lock()


def prepared(layout: Layout, data: Mapping[str, np.ndarray], config: HierarchicalConfig, shared: bool) -> Any:
    """What ``sample`` runs for these data: the PyMC model, or nutpie's compilation of it.

    A fit alone compiles with its data frozen in as constants (8–9 s).  Fits that share the
    layout (``shared``) compile it once per process with the data as containers (13–21 s:
    numba compiles the data's reads for longer) and each swaps in its own data.
    """
    model = None if shared and config.sampler == "nutpie" else build_model(layout, data)
    if config.sampler == "pymc":
        return model
    import nutpie

    if model is not None:
        return nutpie.compile_pymc_model(model, freeze_model=True)
    with _compiling:
        compiled = _compiled.get(layout)
        if compiled is None:
            compiled = nutpie.compile_pymc_model(build_model(layout, data))
            while len(_compiled) >= 2:
                _compiled.pop(next(iter(_compiled)))
            _compiled[layout] = compiled
    return compiled.with_data(**data)


def sample(model: Any, config: HierarchicalConfig) -> Any:
    """Run NUTS: nutpie (Rust, numba-compiled logp) by default, PyMC's sampler as an option.
    ``model`` is a PyMC model, or for nutpie also its compilation (``prepared``)."""
    if config.sampler == "nutpie":
        import nutpie

        return nutpie.sample(
            model if hasattr(model, "with_data") else nutpie.compile_pymc_model(model),
            draws=config.draws,
            tune=config.tune,
            chains=config.chains,
            seed=config.seed,
            target_accept=config.target_accept,
            progress_bar=config.progress and sys.stderr.isatty(),  # plain log lines otherwise
        )
    import pymc as pm

    with model:
        return pm.sample(
            draws=config.draws,
            tune=config.tune,
            chains=config.chains,
            target_accept=config.target_accept,
            random_seed=config.seed,
            progressbar=config.progress and sys.stderr.isatty(),
            compute_convergence_checks=False,
        )


def prior_predictive(history: LaunchHistory, draws: int = 500, seed: int = 0) -> dict[str, np.ndarray]:
    """Prior predictive success rates: overall, on maiden flights, on flights 20+."""
    import pymc as pm

    cells = build_cells(history)
    layout = Layout.of(cells)
    model = build_model(layout, layout.data(cells))
    names = [name for name in (*SAVED_VARIABLES, *OPTIONAL_VARIABLES) if name in model.named_vars]
    with model, warnings.catch_warnings():
        # The likelihood is a Potential, which prior sampling leaves out, as a prior check should.
        warnings.filterwarnings("ignore", message=".*Potential.*")
        prior = pm.sample_prior_predictive(draws=draws, random_seed=seed, var_names=names).prior
    parameters = {name: prior[name].values.reshape(draws, *prior[name].shape[2:]) for name in names}
    eta = cell_logits(parameters, cells, np.arange(draws))
    rng = np.random.default_rng(seed)
    simulated = rng.binomial(cells.attempts, 1.0 / (1.0 + np.exp(-eta)))
    maiden = cells.flight_bin == 0
    mature = cells.flight_bin == len(VEHICLE_FLIGHT_EDGES) - 1
    return {
        "overall": simulated.sum(1) / cells.attempts.sum(),
        "maiden": simulated[:, maiden].sum(1) / cells.attempts[maiden].sum(),
        "mature": simulated[:, mature].sum(1) / cells.attempts[mature].sum(),
    }
