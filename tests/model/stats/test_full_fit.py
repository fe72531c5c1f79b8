"""The one full-history MCMC fit (slow; CI runs it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from launchcast.model.stats.saved import load_fit, save_fit


@pytest.mark.slow
def test_full_history_fit_passes_the_gate_and_answers(full_fit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fit = full_fit
    diagnostics = fit.diagnostics
    assert diagnostics.method == "mcmc" and diagnostics.passed, diagnostics.failures
    assert len(fit.manifest["attempts"]) == 1  # the default config passes first time, no retry
    loaded = load_fit(save_fit(fit, tmp_path / "fit"))
    # #27: the version keeps 4,000 of the 8,000 draws the gate judged, as float32: a few MB.
    assert loaded.n_draws == 4000 and fit.manifest["kept"] == {
        "thinned_by": 2,
        "dtype": "float32",
        "sampled": 8000,
    }
    assert all(v.dtype == np.float32 for v in loaded.posterior.values())
    assert (tmp_path / "fit" / "posterior.nc").stat().st_size < 8_000_000
    electron = loaded.coords["vehicle"].index("Electron")
    assert np.all(loaded.posterior["a_vehicle"][:, electron] == 0)  # its family carries it
    chollima = loaded.success_probability(loaded.catalogue.next_launch_query("Chollima-1")).mean()
    new_kp = loaded.success_probability(loaded.catalogue.new_vehicle_query("KP")).mean()
    falcon = loaded.success_probability(loaded.catalogue.next_launch_query("Falcon 9")).mean()
    # Borrowed strength: better than Laplace's 2/5 for Chollima-1, worse than a mature rocket.
    assert 0.4 < chollima < falcon
    assert falcon > 0.95
    assert 0.2 < new_kp < chollima
    # Experience: a maiden flight is worse than the same vehicle's 30th.
    query = loaded.catalogue.next_launch_query("Nuri")
    assert np.mean(loaded.success_probability(query)) < np.mean(
        loaded.success_probability(query.advanced(30))
    )
    # Why a brand-new North Korean rocket is where it is: the terms add up, and a new design's
    # maiden flight is what pulls it down most.
    from launchcast.model.questions.explain import explain

    why = explain(loaded, loaded.catalogue.new_vehicle_query("KP"))
    assert why.adds_up and why.terms[0].name == "level"
    assert "flight 1 of a new design" in why.sentence
