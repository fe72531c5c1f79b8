"""The inference backend: the one module that imports PyMC, PyTensor and nutpie.

The model's graph (``build_model``: the design's terms as PyMC random variables, the binomial
kernel as a ``Potential``), its compilation (``prepared``: nutpie, cached per layout for fits
that share one), NUTS (``sample``) and the prior predictive check.  Everything else reads saved
draws with numpy (``_design``), so serving, the CLI and the notebook's reading never load it:
``_model`` imports this module only inside a fit.
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import numpy as np
import nutpie
import pymc as pm
import pytensor.tensor as pt

from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.hierarchical._config import HierarchicalConfig
from launchcast.model.stats.hierarchical._design import (
    ASSIST_PRIOR_SD,
    ERA_STEP_SD,
    OPTIONAL_VARIABLES,
    SAVED_VARIABLES,
    VEHICLE_FLIGHT_EDGES,
    Covariates,
    Layout,
    build_cells,
    cell_logits,
    terms,
    total,
)


def build_model(layout: Layout, data: Mapping[str, np.ndarray]) -> Any:
    """The PyMC model in ``layout``, with ``data`` (``Layout.data``) as its data containers
    (imported here: PyMC is a fit-time dependency only)."""

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
        return nutpie.sample(
            model if hasattr(model, "with_data") else nutpie.compile_pymc_model(model),
            draws=config.draws,
            tune=config.tune,
            chains=config.chains,
            seed=config.seed,
            target_accept=config.target_accept,
            progress_bar=config.progress and sys.stderr.isatty(),  # plain log lines otherwise
        )
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
