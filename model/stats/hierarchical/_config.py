"""The hierarchical model's settings: its terms, the sampler, the gate and what a fit keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from launchcast.model.errors import LaunchcastError
from launchcast.model.record.assistance import check_level
from launchcast.model.stats.diagnostics import GateThresholds

#: The config fields that turn 3.0's new terms off: the 2.0 model, for comparisons
#: (``benchmarks/ablation.py``, the notebook's PSIS-LOO).
V2_TERMS: dict[str, Any] = {"assistance": "none"}


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
