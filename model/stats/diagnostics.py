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
        # E-BFMI per chain (Betancourt, "Diagnosing suboptimal cotangent disintegrations in
        # Hamiltonian Monte Carlo", arXiv:1604.00695), as ArviZ's ``bfmi``.
        energy = np.atleast_2d(np.asarray(energy, dtype=float))
        result.ebfmi = [
            float(v) for v in np.square(np.diff(energy, axis=1)).mean(axis=1) / energy.var(axis=1, ddof=1)
        ]
        for chain, value in enumerate(result.ebfmi):
            if not value >= thresholds.min_ebfmi:
                result.failures.append(f"sampler: chain {chain} E-BFMI {value:.2f} < {thresholds.min_ebfmi}")
    return result


def _per_element(draws: np.ndarray, kind: str) -> np.ndarray:
    """R-hat or ESS for each column of a ``(chain, draw, element)`` array.

    Rank-normalised split R-hat (the larger of bulk and folded) and bulk and tail ESS
    (Vehtari, Gelman, Simpson, Carpenter & Bürkner, "Rank-normalization, folding, and
    localization: an improved R-hat", Bayesian Analysis 16(2), 2021), as ArviZ computes them
    (``az.rhat(method="rank")``, ``az.ess(method="bulk"/"tail")``; the tests compare the two),
    but for every column at once, where ArviZ goes column by column (``benchmarks/fit_parts.py``).
    """
    split = _split_chains(draws)
    if kind == "rhat":
        folded = np.abs(split - np.median(split.reshape(-1, split.shape[-1]), axis=0))
        return np.maximum(_rhat(_z_scale(split)), _rhat(_z_scale(folded)))
    if kind == "bulk":
        return _ess(_z_scale(split))
    low, high = np.quantile(draws.reshape(-1, draws.shape[-1]), [0.05, 0.95], axis=0)
    return np.minimum(_ess(_split_chains(draws <= low)), _ess(_split_chains(draws <= high)))


def _split_chains(draws: np.ndarray) -> np.ndarray:
    """Each chain's first and last halves as two chains (a middle draw is dropped)."""
    half = draws.shape[1] // 2
    return np.concatenate([draws[:, :half], draws[:, draws.shape[1] - half :]], axis=0)


def _z_scale(draws: np.ndarray) -> np.ndarray:
    """Each column's ranks over all chains and draws, as normal quantiles (Blom's offset 3/8)."""
    from scipy.special import ndtri

    flat = draws.reshape(-1, draws.shape[-1])
    return np.asarray(ndtri((_average_ranks(flat) - 0.375) / (len(flat) + 0.25))).reshape(draws.shape)


def _average_ranks(flat: np.ndarray) -> np.ndarray:
    """Ranks 1..N down each column, ties given their average (``scipy.stats.rankdata``'s
    "average", which goes column by column)."""
    rows = np.ascontiguousarray(flat.T)  # one parameter's draws in a row: sorting reads memory in order
    n = rows.shape[1]
    order = np.argsort(rows, axis=1)
    ordered = np.take_along_axis(rows, order, axis=1)
    ranks = np.empty(rows.shape)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1.0, n + 1), rows.shape), axis=1)
    tied = np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
    for row in tied:  # draws that repeat a value (a discrete or stuck parameter): average their ranks
        values, inverse, counts = np.unique(ordered[row], return_inverse=True, return_counts=True)
        last = np.cumsum(counts)
        average = last - (counts - 1) / 2.0
        ranks[row, order[row]] = average[inverse]
    return ranks.T


def _rhat(draws: np.ndarray) -> np.ndarray:
    n = draws.shape[1]
    between = n * draws.mean(axis=1).var(axis=0, ddof=1)
    within = draws.var(axis=1, ddof=1).mean(axis=0)
    return np.asarray(np.sqrt((between / within + n - 1) / n))


def _ess(draws: np.ndarray) -> np.ndarray:
    """Effective sample size of each column: autocorrelations by FFT, summed with Geyer's
    initial positive and monotone sequences."""
    draws = np.asarray(draws, dtype=float)
    chains, n, _ = draws.shape
    centred = draws - draws.mean(axis=1, keepdims=True)
    size = 2 * n
    spectrum = np.fft.rfft(centred, n=size, axis=1)
    acov = np.fft.irfft(spectrum * np.conjugate(spectrum), n=size, axis=1)[:, :n] / n
    mean_var = acov[:, 0].mean(axis=0) * n / (n - 1.0)
    var_plus = mean_var * (n - 1.0) / n
    if chains > 1:
        var_plus = var_plus + draws.mean(axis=1).var(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = 1.0 - (mean_var - acov.mean(axis=0)) / var_plus  # (lag, column)
    flat = draws.reshape(-1, draws.shape[-1])
    constant = (flat.max(axis=0) - flat.min(axis=0)) < np.finfo(float).resolution
    return np.array(
        [float(chains * n) if constant[j] else _geyer(rho[:, j], chains * n) for j in range(rho.shape[1])]
    )


def _geyer(rho: np.ndarray, total: int) -> float:
    n = len(rho)
    kept = np.zeros(n)
    even, odd = 1.0, float(rho[1])
    kept[0], kept[1] = even, odd
    t = 1
    while t < n - 3 and even + odd > 0.0:
        even, odd = float(rho[t + 1]), float(rho[t + 2])
        if even + odd >= 0:
            kept[t + 1], kept[t + 2] = even, odd
        t += 2
    last = t - 2
    if even > 0:
        kept[last + 1] = even
    t = 1
    while t <= last - 2:  # monotone: no pair sum may exceed the one before
        if kept[t + 1] + kept[t + 2] > kept[t - 1] + kept[t]:
            kept[t + 1] = kept[t + 2] = (kept[t - 1] + kept[t]) / 2.0
        t += 2
    tau = -1.0 + 2.0 * kept[: last + 1].sum() + kept[last + 1 : last + 2].sum()
    tau = max(tau, 1.0 / np.log10(total))
    return float("nan") if np.isnan(kept).any() else total / tau


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
