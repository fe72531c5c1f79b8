from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from launchcast.model.errors import LaunchcastError
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.baselines import eb_beta
from launchcast.model.stats.fit import Fit
from launchcast.model.stats.saved import MANIFEST_FILE, POSTERIOR_FILE, load_fit, save_fit


@pytest.fixture
def saved_baseline(history: LaunchHistory, tmp_path: Path) -> tuple[Fit, Path]:
    fit = eb_beta(draws=500).fit(history)
    return fit, save_fit(fit, tmp_path / "fit")


def test_round_trip_gives_identical_draws(saved_baseline: tuple[Fit, Path]) -> None:
    fit, directory = saved_baseline
    loaded = load_fit(directory)
    assert loaded.model == "eb-beta" and loaded.version == fit.version
    for name, draws in fit.posterior.items():
        assert np.array_equal(draws, loaded.posterior[name])
    for name, values in fit.constants.items():
        assert np.array_equal(values, loaded.constants[name])
    assert loaded.records == fit.records
    query = loaded.catalogue.next_launch_query("Chollima-1")
    assert np.array_equal(loaded.success_probability(query), fit.success_probability(query))


def test_manifest_records_provenance(saved_baseline: tuple[Fit, Path], history: LaunchHistory) -> None:
    _, directory = saved_baseline
    manifest = json.loads((directory / MANIFEST_FILE).read_text())
    assert manifest["data_hash"] == history.data_hash
    assert manifest["as_of"] == "2023-12-30"
    assert set(manifest["data_files"]) == {"launches.csv", "vehicles.csv"}
    assert {"numpy", "pymc", "arviz", "nutpie"} <= set(manifest["packages"])
    assert len(manifest["posterior_sha256"]) == 64


def test_truncated_posterior_is_rejected(saved_baseline: tuple[Fit, Path]) -> None:
    _, directory = saved_baseline
    path = directory / POSTERIOR_FILE
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(LaunchcastError, match="does not match its manifest"):
        load_fit(directory)


def test_corrupt_bytes_with_matching_hash_are_rejected(saved_baseline: tuple[Fit, Path]) -> None:
    """Even if someone 'fixes' the hash, an unreadable file is a clear error, not a traceback."""
    from launchcast.model.storage import sha256_file

    _, directory = saved_baseline
    path = directory / POSTERIOR_FILE
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00garbage" * 100)
    manifest = json.loads((directory / MANIFEST_FILE).read_text())
    manifest["posterior_sha256"] = sha256_file(path)
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(LaunchcastError, match="cannot be read"):
        load_fit(directory)


def test_corrupt_manifest_and_missing_files(saved_baseline: tuple[Fit, Path], tmp_path: Path) -> None:
    _, directory = saved_baseline
    with pytest.raises(LaunchcastError, match="make one with 'launchcast fit'"):
        load_fit(tmp_path / "nothing-here")
    (directory / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(LaunchcastError, match="corrupt"):
        load_fit(directory)


def test_unknown_model_version_is_rejected(saved_baseline: tuple[Fit, Path]) -> None:
    _, directory = saved_baseline
    manifest = json.loads((directory / MANIFEST_FILE).read_text())
    manifest["version"] = "0.1"
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(LaunchcastError, match="version 0.1 cannot be read"):
        load_fit(directory)


@pytest.mark.slow
def test_mcmc_fit_round_trip(tmp_path: Path, full_fit) -> None:  # type: ignore[no-untyped-def]
    """The served model's own fit (the run's one full-history fit) survives saving and loading."""
    fit = full_fit
    loaded = load_fit(save_fit(fit, tmp_path / "h"))
    for name, draws in fit.posterior.items():
        assert np.array_equal(draws, loaded.posterior[name]), name
    assert np.array_equal(fit.sample_stats["diverging"], loaded.sample_stats["diverging"])
    assert loaded.manifest["diagnostics"] == fit.manifest["diagnostics"]
    query = loaded.catalogue.new_vehicle_query("KP")
    assert np.array_equal(loaded.success_probability(query), fit.success_probability(query))
    # The saved cell table rebuilds the pointwise log-likelihood exactly (for PSIS-LOO), and its
    # per-launch terms sum to the binomial likelihood the model was fitted on (up to log C(n, k)).
    from scipy.special import gammaln

    from launchcast.model.stats.hierarchical import CELL_ARRAYS, log_likelihood

    first = {k: v[:300] for k, v in loaded.posterior.items()}  # 300 draws say as much as 6,000
    cells = {k: loaded.constants[f"cell_{k}"] for k in CELL_ARRAYS}
    per_launch = log_likelihood(first, cells, "launch")
    assert per_launch.shape == (300, fit.manifest["n_launches"])
    original = {k: fit.constants[f"cell_{k}"] for k in CELL_ARRAYS}
    assert np.array_equal(
        per_launch, log_likelihood({k: v[:300] for k, v in fit.posterior.items()}, original)
    )
    n, k = cells["attempts"], cells["successes"]
    choose = (gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)).sum()
    assert np.allclose(per_launch.sum(1), log_likelihood(first, cells, "cell").sum(1) - choose)
    idata = loaded.inference_data(per_chain=100)
    assert set(idata.groups()) >= {
        "posterior",
        "sample_stats",
        "log_likelihood",
        "observed_data",
        "posterior_predictive",
    }
    assert int(idata.observed_data["successes"].sum()) == int(k.sum())
