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


def test_the_gate_computes_r_hat_ess_and_e_bfmi_as_arviz_does() -> None:
    """The gate's vectorised statistics against ArviZ's column-by-column ones, on draws that
    mix well, mix slowly (an AR(1) chain), sit apart by chain, are heavy-tailed, take few
    values (ties in the ranks), and an odd number of draws."""
    import arviz as az

    rng = np.random.default_rng(4)
    chains, n = 4, 801
    ar = np.zeros((chains, n))
    for t in range(1, n):
        ar[:, t] = 0.95 * ar[:, t - 1] + rng.normal(size=chains)
    columns = [
        rng.normal(size=(chains, n)),
        ar,
        rng.normal(size=(chains, n)) + np.arange(chains)[:, None] * 0.3,
        rng.standard_cauchy(size=(chains, n)),
        rng.integers(0, 4, size=(chains, n)).astype(float),
    ]
    draws = np.stack(columns, axis=2)
    energy = np.cumsum(rng.normal(size=(chains, n)), axis=1) * 0.1 + rng.normal(size=(chains, n))
    result = diagnose(
        {"x": draws},
        {"diverging": np.zeros((chains, n), bool), "energy": energy},
        {},
        {},
    )
    dataset = az.convert_to_dataset({"x": draws})
    expected = {
        "rhat": az.rhat(dataset, method="rank")["x"].values,
        "ess_bulk": az.ess(dataset, method="bulk")["x"].values,
        "ess_tail": az.ess(dataset, method="tail")["x"].values,
    }
    for key, values in expected.items():
        got = np.array([row[key] for row in result.parameters])
        np.testing.assert_allclose(got, values, rtol=1e-9, err_msg=key)
    np.testing.assert_allclose(result.ebfmi, az.bfmi(energy), rtol=1e-12)
    assert expected["ess_bulk"][1] < 100 < expected["ess_bulk"][0]  # the cases differ as meant
