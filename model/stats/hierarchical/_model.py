"""The hierarchical model as the rest of launchcast sees it: ``HierarchicalModel.fit`` (sample,
gate, retry once, keep 4,000 draws) and ``HierarchicalFit`` (forecasts, explanations and the
log-likelihood from those draws, in numpy)."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from launchcast.model.errors import LaunchcastError
from launchcast.model.record.assistance import Assistance
from launchcast.model.record.catalogue import LaunchQuery, vehicle_records
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.diagnostics import diagnose
from launchcast.model.stats.fit import Fit, provenance, require_history
from launchcast.model.stats.hierarchical._config import HierarchicalConfig
from launchcast.model.stats.hierarchical._design import (
    ASSIST_PRIOR_SD,
    CELL_ARRAYS,
    DIMS,
    OPTIONAL_VARIABLES,
    SAVED_VARIABLES,
    STATE_EXPERIENCE_CAP,
    Covariates,
    Layout,
    build_cells,
    cell_logits,
    cell_view,
    draws_at,
    era_bin,
    experience,
    linear_predictor,
    log_likelihood,
    modern_maiden,
    novelty,
    pointwise,
    terms,
    vehicle_flight_bin,
)

log = logging.getLogger("launchcast.fit")

NAME = "hierarchical"
VERSION = "3.0"  # 3.0: foreign-help term, saved cell table (2.0 fits are refused)


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
        parts = terms(self.posterior, draws_at, self._groups(query), self._covariates(query))
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
        # The one file that imports PyMC and nutpie, loaded only when a model is fitted.
        from launchcast.model.stats.hierarchical._backend import prepared, sample

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
