"""The convergence gate a fit must pass before anyone may serve it.

Checks (Vehtari, Gelman, Simpson, Carpenter & Bürkner, "Rank-normalization,
folding, and localization: an improved R-hat for assessing convergence of
MCMC", Bayesian Analysis 16(2), 2021; as implemented in ArviZ):

- rank-normalised split R-hat <= 1.01 for every scalar element of every parameter;
- bulk and tail effective sample size >= 400 for every element;
- zero divergent transitions after warm-up;
- E-BFMI >= 0.3 on every chain (Betancourt 2016: low values mean the momentum
  resampling cannot explore the energy distribution).

Elements that are constant across all draws (reference levels pinned to 0) have
no R-hat and are skipped.  Closed-form fits draw independently from the exact
posterior and pass by construction (``method="closed-form"``).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class GateThresholds:
    max_rhat: float = 1.01
    min_ess_bulk: float = 400.0
    min_ess_tail: float = 400.0
    max_divergences: int = 0
    min_ebfmi: float = 0.3


@dataclass
class Diagnostics:
    """What the gate measured, and every check that failed (parameter, check, value)."""

    method: str
    max_rhat: float = float("nan")
    min_ess_bulk: float = float("nan")
    min_ess_tail: float = float("nan")
    divergences: int = 0
    ebfmi: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    parameters: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["passed"] = self.passed
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Diagnostics:
        raw = {k: v for k, v in raw.items() if k != "passed"}
        return cls(**raw)

    @classmethod
    def of_manifest(cls, manifest: dict[str, Any]) -> Diagnostics:
        """The gate result a saved or fresh fit records; closed-form fits record none and pass."""
        raw = manifest.get("diagnostics")
        return cls.from_dict(raw) if raw else closed_form()

    def summary(self) -> str:
        """One line for logs, tables and refusals."""
        if self.method != "mcmc":
            return f"{self.method}: passed (exact posterior draws)"
        ebfmi = ", ".join(f"{v:.2f}" for v in self.ebfmi)
        head = "passed" if self.passed else f"FAILED ({len(self.failures)} checks)"
        return (
            f"mcmc: {head}; max R-hat {self.max_rhat:.4f}, min ESS bulk {self.min_ess_bulk:.0f} / "
            f"tail {self.min_ess_tail:.0f}, {self.divergences} divergences, E-BFMI {ebfmi}"
        )


def closed_form() -> Diagnostics:
    return Diagnostics(method="closed-form")


def _element_names(
    name: str, dims: list[str], coords: dict[str, list[str]], shape: tuple[int, ...]
) -> list[str]:
    if not shape:
        return [name]
    labels = [
        coords[dims[k]] if k < len(dims) and dims[k] in coords else list(range(n))
        for k, n in enumerate(shape)
    ]
    grids = np.meshgrid(*[np.arange(n) for n in shape], indexing="ij")
    flat = [g.ravel() for g in grids]
    return [
        name + "[" + ",".join(str(labels[k][flat[k][i]]) for k in range(len(shape))) + "]"
        for i in range(flat[0].size)
    ]


def diagnose(
    posterior: dict[str, np.ndarray],
    sample_stats: dict[str, np.ndarray],
    dims: dict[str, list[str]],
    coords: dict[str, list[str]],
    thresholds: GateThresholds = GateThresholds(),
) -> Diagnostics:
    """Gate an MCMC posterior given as ``(chain, draw, ...)`` arrays."""
    result = Diagnostics(method="mcmc")
    rows: list[dict[str, Any]] = []
    for name, draws in posterior.items():
        chains, n_draws = draws.shape[:2]
        flat = draws.reshape(chains, n_draws, -1)
        names = _element_names(name, dims.get(name, []), coords, draws.shape[2:])
        varying = flat.std(axis=(0, 1)) > 0
        if not varying.any():
            continue
        sub = flat[:, :, varying]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rhat = _per_element(sub, "rhat")
            ess_bulk = _per_element(sub, "bulk")
            ess_tail = _per_element(sub, "tail")
        kept = [n for n, v in zip(names, varying, strict=True) if v]
        for element, r, b, t in zip(kept, rhat, ess_bulk, ess_tail, strict=True):
            rows.append({"parameter": element, "rhat": float(r), "ess_bulk": float(b), "ess_tail": float(t)})
    result.parameters = rows
    if rows:
        result.max_rhat = max(r["rhat"] for r in rows)
        result.min_ess_bulk = min(r["ess_bulk"] for r in rows)
        result.min_ess_tail = min(r["ess_tail"] for r in rows)
    for row in rows:
        if not row["rhat"] <= thresholds.max_rhat:
            result.failures.append(f"{row['parameter']}: R-hat {row['rhat']:.3f} > {thresholds.max_rhat}")
        if not row["ess_bulk"] >= thresholds.min_ess_bulk:
            result.failures.append(
                f"{row['parameter']}: bulk ESS {row['ess_bulk']:.0f} < {thresholds.min_ess_bulk:.0f}"
            )
        if not row["ess_tail"] >= thresholds.min_ess_tail:
            result.failures.append(
                f"{row['parameter']}: tail ESS {row['ess_tail']:.0f} < {thresholds.min_ess_tail:.0f}"
            )

    diverging = sample_stats.get("diverging")
    result.divergences = int(np.sum(diverging)) if diverging is not None else 0
    if result.divergences > thresholds.max_divergences:
        result.failures.append(
            f"sampler: {result.divergences} divergent transitions after warm-up "
            f"(allowed {thresholds.max_divergences})"
        )
    energy = sample_stats.get("energy")
    if energy is None:
        result.failures.append("sampler: no energy statistics, so E-BFMI cannot be checked")
    else:
        import arviz as az  # a fit-time dependency: see _per_element

        result.ebfmi = [float(v) for v in az.bfmi(np.asarray(energy))]
        for chain, value in enumerate(result.ebfmi):
            if not value >= thresholds.min_ebfmi:
                result.failures.append(f"sampler: chain {chain} E-BFMI {value:.2f} < {thresholds.min_ebfmi}")
    return result


def _per_element(draws: np.ndarray, kind: str) -> np.ndarray:
    """R-hat or ESS for each column of a ``(chain, draw, element)`` array."""
    # ArviZ is imported where the gate runs, not at module level: the service and every CLI
    # command import this module (through saved fits), and ArviZ alone costs ~2.8 s there.
    import arviz as az

    dataset = az.convert_to_dataset({"x": draws})
    if kind == "rhat":
        return np.asarray(az.rhat(dataset, method="rank")["x"].values)
    return np.asarray(az.ess(dataset, method=kind)["x"].values)


KEY_PARAMETERS = (
    "mu",
    "sigma_state",
    "sigma_family",
    "sigma_vehicle",
    "b_modern_maiden",
    "b_state_exp",
    "b_previous_failed",
    "b_assist",
    "learn_new",
    "learn_variant",
)


def key_parameter_table(
    posterior: dict[str, np.ndarray],
    coords: dict[str, list[str]],
    dims: dict[str, list[str]],
    diagnostics: Diagnostics,
) -> list[dict[str, Any]]:
    """Mean, sd, 90% interval, R-hat and ESS of the parameters people read first."""
    by_name = {row["parameter"]: row for row in diagnostics.parameters}
    rows = []
    for name in KEY_PARAMETERS:
        if name not in posterior:
            continue
        draws = posterior[name].reshape(len(posterior[name]), -1)
        labels = _element_names(name, dims.get(name, []), coords, posterior[name].shape[1:])
        for j, label in enumerate(labels):
            column = draws[:, j]
            if column.std() == 0:
                continue
            stats = by_name.get(label, {})
            rows.append(
                {
                    "parameter": label,
                    "mean": float(column.mean()),
                    "sd": float(column.std()),
                    "q05": float(np.quantile(column, 0.05)),
                    "q95": float(np.quantile(column, 0.95)),
                    "rhat": stats.get("rhat", float("nan")),
                    "ess_bulk": stats.get("ess_bulk", float("nan")),
                }
            )
    return rows
