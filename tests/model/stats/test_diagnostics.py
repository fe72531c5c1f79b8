from __future__ import annotations

import numpy as np

from launchcast.model.stats.diagnostics import Diagnostics, diagnose


def _stats(chains: int, draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"diverging": np.zeros((chains, draws), bool), "energy": rng.normal(size=(chains, draws))}


def test_well_mixed_independent_draws_pass() -> None:
    rng = np.random.default_rng(0)
    posterior = {"mu": rng.normal(size=(4, 1000)), "a": rng.normal(size=(4, 1000, 3))}
    result = diagnose(posterior, _stats(4, 1000, rng), {"a": ["vehicle"]}, {"vehicle": ["x", "y", "z"]})
    assert result.passed, result.failures
    assert result.max_rhat < 1.01 and result.min_ess_bulk > 400


def test_each_failed_check_names_parameter_and_check() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 1000, 2))
    a[0, :, 1] += 2.0  # chain 0 stuck elsewhere for vehicle y
    stats = _stats(4, 1000, rng)
    stats["diverging"][2, 10] = True
    stats["energy"] = np.cumsum(rng.normal(size=(4, 1000)), axis=1)  # random walk: low E-BFMI
    result = diagnose({"a": a}, stats, {"a": ["vehicle"]}, {"vehicle": ["x", "y"]})
    text = "\n".join(result.failures)
    assert "a[y]: R-hat" in text and "a[x]: R-hat" not in text
    assert "a[y]: bulk ESS" in text
    assert "sampler: 1 divergent transitions after warm-up" in text
    assert "E-BFMI" in text
    assert not result.passed


def test_constant_reference_levels_are_skipped() -> None:
    rng = np.random.default_rng(2)
    learn = np.concatenate([rng.normal(size=(4, 1000, 1)), np.zeros((4, 1000, 1))], axis=2)
    result = diagnose({"learn": learn}, _stats(4, 1000, rng), {}, {})
    assert result.passed and len(result.parameters) == 1


def test_round_trip_through_dict() -> None:
    rng = np.random.default_rng(3)
    result = diagnose({"mu": rng.normal(size=(2, 50))}, _stats(2, 50, rng), {}, {})
    again = Diagnostics.from_dict(result.to_dict())
    assert again.failures == result.failures and again.passed == result.passed
