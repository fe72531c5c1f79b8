"""Closed-form baselines: the rules of thumb launchcast must beat, on the same contract.

Each treats a vehicle's flights as exchangeable Bernoulli trials with a Beta
prior, so its posterior is Beta(a + k, b + n - k) per vehicle (k successes in n
attempts) and a vehicle never flown gets the prior.

- ``laplace``: Beta(1, 1), i.e. the rule of succession (k+1)/(n+2) published by
  Space Launch Report and used by NASA KSC for launch-vehicle reliability.
- ``jeffreys``: Beta(1/2, 1/2), the Jeffreys prior.
- ``eb-beta``: one Beta(a, b) fitted across all vehicles by maximising the
  beta-binomial marginal likelihood — empirical Bayes, in the spirit of
  Guikema & Paté-Cornell, "Bayesian analysis of launch vehicle success rates",
  J. Spacecraft & Rockets 41(1), 2004.

Draws are sampled from the exact Beta posteriors so that downstream code treats
baselines exactly like MCMC fits; ``alpha``/``beta`` are kept for closed-form checks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, special

from launchcast.model.record.catalogue import LaunchQuery, vehicle_records
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.fit import Fit, provenance, require_history


class BetaFit(Fit):
    """Per-vehicle Beta posteriors; the flight number and previous outcome do not matter."""

    def success_probability(
        self, query: LaunchQuery, previous_failed: np.ndarray | bool | None = None
    ) -> np.ndarray:
        index = self.position("vehicle", query.vehicle)
        if index is None:
            return self.posterior["reliability_new"]
        return self.posterior["reliability"][:, index]

    def beta_parameters(self, vehicle: str | None) -> tuple[float, float]:
        index = self.position("vehicle", vehicle)
        if index is None:
            return float(self.constants["prior"][0]), float(self.constants["prior"][1])
        return float(self.constants["alpha"][index]), float(self.constants["beta"][index])


def _fit_beta_prior(successes: np.ndarray, attempts: np.ndarray) -> tuple[float, float]:
    """Maximum marginal likelihood Beta(a, b) for binomial counts (beta-binomial)."""

    def negative_log_marginal(log_ab: np.ndarray) -> float:
        a, b = np.exp(log_ab)
        return -float(np.sum(special.betaln(a + successes, b + attempts - successes) - special.betaln(a, b)))

    result = optimize.minimize(
        negative_log_marginal,
        x0=np.log([5.0, 1.0]),
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000},
    )
    a, b = np.exp(result.x)
    return float(a), float(b)


@dataclass
class BetaBaseline:
    """A Beta-Binomial model per vehicle; ``prior`` is ``(a, b)`` or ``"empirical-bayes"``."""

    name: str
    prior: tuple[float, float] | str
    draws: int = 4000
    seed: int = 0
    version: str = "1.0"

    @property
    def recorded_config(self) -> dict[str, Any]:
        return {
            "prior": list(self.prior) if isinstance(self.prior, tuple) else self.prior,
            "draws": self.draws,
            "seed": self.seed,
        }

    def fit(self, history: LaunchHistory) -> BetaFit:
        require_history(history)
        started = time.perf_counter()
        records = vehicle_records(history)
        vehicles = list(records)
        k = np.array([records[v].successes for v in vehicles], dtype=float)
        n = np.array([records[v].attempts for v in vehicles], dtype=float)
        a0, b0 = self.prior if isinstance(self.prior, tuple) else _fit_beta_prior(k, n)
        alpha, beta = a0 + k, b0 + n - k
        rng = np.random.default_rng(self.seed)
        posterior = {
            "reliability": rng.beta(alpha, beta, size=(self.draws, len(vehicles))),
            "reliability_new": rng.beta(a0, b0, size=self.draws),
        }
        return BetaFit(
            model=self.name,
            version=self.version,
            posterior=posterior,
            coords={"vehicle": vehicles},
            dims={"reliability": ["vehicle"]},
            constants={"alpha": alpha, "beta": beta, "prior": np.array([a0, b0])},
            records=records,
            config=self.recorded_config,
            manifest=provenance(history, time.perf_counter() - started),
        )


def laplace(**kwargs: Any) -> BetaBaseline:
    return BetaBaseline("laplace", (1.0, 1.0), **kwargs)


def jeffreys(**kwargs: Any) -> BetaBaseline:
    return BetaBaseline("jeffreys", (0.5, 0.5), **kwargs)


def eb_beta(**kwargs: Any) -> BetaBaseline:
    return BetaBaseline("eb-beta", "empirical-bayes", **kwargs)
