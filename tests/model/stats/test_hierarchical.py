"""The hierarchical model: cells, priors, new groups, and (slow) real MCMC checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from launchcast.model.errors import LaunchcastError
from launchcast.model.record.assistance import Assistance, Help
from launchcast.model.record.catalogue import LaunchQuery, vehicle_records
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.hierarchical import (
    DIMS,
    HierarchicalConfig,
    HierarchicalFit,
    HierarchicalModel,
    Layout,
    build_cells,
)
from launchcast.model.stats.hierarchical._backend import build_model, prior_predictive, sample
from tests.conftest import make_history

# --- no MCMC ------------------------------------------------------------------------------


def test_cells_are_sufficient_statistics(history: LaunchHistory) -> None:
    cells = build_cells(history)
    assert cells.attempts.sum() == history.n_launches
    assert cells.successes.sum() == history.launches["success"].sum()
    assert len(cells.attempts) < history.n_launches / 2  # the point of cells


def test_a_past_fits_in_the_full_historys_layout_as_in_its_own(history: LaunchHistory) -> None:
    """A backtest year's cells, placed in the full history's layout (one compiled model for
    every year): each cell keeps its groups, only the past's vehicles that share a family get
    an effect, the era steps after the past's last bin are off, and ``restrict`` returns the
    past's own parameters, which each cell reads as in the full layout."""
    from datetime import date

    from launchcast.model.stats.hierarchical import Covariates

    past = build_cells(history.before(date(2003, 1, 1)))
    full = Layout.of(build_cells(history))
    data = full.data(past)
    for dim, mine, theirs in (
        ("state", past.states, full.states),
        ("family", past.families, full.families),
        ("vehicle", past.vehicles, full.vehicles),
    ):
        assert [theirs[i] for i in data[f"cell_{dim}"]] == [mine[c] for c in getattr(past, dim)]
    own = {v for v, has in zip(past.vehicles, past.vehicle_has_effect, strict=True) if has}
    assert {full.vehicles[i] for i in np.flatnonzero(data["vehicle_effect"])} == own
    assert data["era_step_on"].sum() == past.n_era - 1 < full.n_era - 1
    # One point in the full layout: each cell reads the same effects through either.
    rng = np.random.default_rng(0)
    point = {
        "a_state": rng.normal(size=len(full.states)) * 0.3,
        "a_family": rng.normal(size=len(full.families)) * 0.3,
        "a_vehicle": rng.normal(size=len(full.vehicles)) * 0.3 * data["vehicle_effect"],
        "era": np.concatenate([-np.cumsum(rng.normal(size=full.n_era - 1)[::-1] * 0.1)[::-1], [0.0]]),
    }
    restricted = full.restrict({k: v[None, None] for k, v in point.items()}, past)
    assert restricted["a_vehicle"].shape[-1] == len(past.vehicles)
    assert restricted["era"].shape[-1] == past.n_era
    c = Covariates.of_cells(past)
    assert np.array_equal(
        restricted["a_vehicle"][0, 0][past.vehicle], point["a_vehicle"][data["cell_vehicle"]]
    )
    assert np.array_equal(restricted["era"][0, 0][c.era], point["era"][data["cell_era"]])
    # A group outside the layout is refused, by name.
    with pytest.raises(LaunchcastError, match="not in the model's layout"):
        Layout.of(past).data(build_cells(history))
    assert build_model(full, data).named_vars["z_vehicle"].eval().shape == (len(full.vehicles),)


def test_only_vehicles_sharing_a_family_get_their_own_effect(history: LaunchHistory) -> None:
    cells = build_cells(history)
    own = dict(zip(cells.vehicles, cells.vehicle_has_effect, strict=True))
    assert own["Soyuz-U"] and own["Unha-3"]  # R-7 and Unha hold several vehicles
    assert not own["Electron"] and not own["Cheonlima-1"]  # alone in their families
    assert sum(own.values()) == len(cells.vehicles) - 34


def test_partial_successes_follow_gcats_pass_fail_rule(history: LaunchHistory) -> None:
    """Decision: the model sees pass/fail at 0.75, not the fraction (see hierarchical docstring)."""
    partial = history.launches[history.launches["success_fraction"].between(0.01, 0.99)]
    assert len(partial) == 110
    assert (partial["success"] == (partial["success_fraction"] >= 0.75)).all()
    cells = build_cells(history)
    assert set(np.unique(cells.successes - np.floor(cells.successes))) == {0}


def test_prior_predictive_is_plausible(history: LaunchHistory) -> None:
    prior = prior_predictive(history, draws=400, seed=1)
    # Mature vehicles: mostly reliable under the prior, but not certain.
    assert 0.7 < np.median(prior["mature"]) < 0.99
    # Maiden flights: worse than mature in most prior draws, and centred near the
    # literature's ~0.6 with room to be wrong.
    assert np.mean(prior["maiden"] < prior["mature"]) > 0.9
    assert 0.3 < np.median(prior["maiden"]) < 0.85
    q05, q95 = np.quantile(prior["overall"], [0.05, 0.95])
    assert q05 < 0.91 < q95  # the observed overall rate (6085/6573 = 0.926) is not ruled out


#: Simulated foreign help: every fifth vehicle, documented.
SIMULATED_HELP = Assistance(
    tuple(
        Help(
            vehicle=f"V{v:02d}",
            family="",
            recipient=f"S{v % 5}",
            helper="X",
            given="supplied stage",
            confidence="documented",
            start="",
            source="simulation",
            source_date="2026",
        )
        for v in range(0, 80, 5)
    )
)


def _truth_fit(history: LaunchHistory, truth: dict[str, np.ndarray | float]) -> HierarchicalFit:
    cells = build_cells(history)
    posterior = {k: np.atleast_1d(np.asarray(v, dtype=float))[None, ...] for k, v in truth.items()}
    for k in (
        "mu",
        "sigma_state",
        "sigma_family",
        "sigma_vehicle",
        "b_modern_maiden",
        "b_state_exp",
        "b_previous_failed",
        "b_assist",
    ):
        if k in posterior:
            posterior[k] = posterior[k].reshape(1)
    return HierarchicalFit(
        model="hierarchical",
        version="truth",
        posterior=posterior,
        coords={
            "state": cells.states,
            "family": cells.families,
            "vehicle": cells.vehicles,
            "era": [str(i) for i in range(cells.n_era)],
        },
        dims=DIMS,
        records=vehicle_records(history),
        config={"seed": 0},
        manifest={"assistance": {"level": "documented", "rows": SIMULATED_HELP.records()}},
    )


def simulate_history(seed: int) -> tuple[LaunchHistory, dict[str, np.ndarray | float]]:
    """A launch history drawn from the model itself, with known parameters."""
    rng = np.random.default_rng(seed)
    rows = []
    # 80 vehicles in 10 families: each family's first vehicle is a new design, the later
    # ones variants, so both learning curves are identified.
    for v in range(80):
        state = f"S{v % 5}"
        family = f"F{v % 10}"
        start = 1980 + rng.uniform(0, 32)  # before and after MODERN_FROM
        n = int(rng.integers(8, 45))
        for t in np.sort(rng.uniform(start, 2019.9, size=n)):
            rows.append((t, f"V{v:02d}", family, state))
    rows.sort()
    # Family F{k} belongs to one state: v % 10 fixes v % 5.
    schedule = [(f"{int(t)}-{1 + int((t % 1) * 12):02d}-01", v, f, s, "success") for t, v, f, s in rows]
    placeholder = make_history(schedule)
    cells = build_cells(placeholder)
    truth: dict[str, np.ndarray | float] = {
        "mu": 2.5,
        "sigma_state": 0.3,
        "sigma_family": 0.5,
        "sigma_vehicle": 0.6,
        "a_state": rng.normal(0, 0.3, len(cells.states)),
        "a_family": rng.normal(0, 0.5, len(cells.families)),
        "a_vehicle": rng.normal(0, 0.6, len(cells.vehicles)),
        # Close to the real history's posterior means.
        "learn_new": np.array([-2.3, -1.9, -1.6, -1.4, -1.2, -0.9, 0.0]),
        "learn_variant": np.array([-0.85, -0.65, -0.5, -0.4, -0.3, -0.15, 0.0]),
        "b_modern_maiden": -1.0,
        "b_state_exp": 0.5,
        "b_previous_failed": -0.6,
        "b_assist": -0.8,
        "era": np.linspace(-0.3, 0.0, cells.n_era),
    }
    fit = _truth_fit(placeholder, truth)
    launches = placeholder.launches
    last_failed: dict[str, bool] = {}
    outcomes = []
    for row in launches.itertuples():
        query = LaunchQuery(
            row.vehicle,
            row.family,
            row.vehicle_state,
            row.vehicle_flight,
            row.family_flight,
            row.state_flight,
            last_failed.get(row.vehicle, False),
            row.year,
        )
        success = rng.uniform() < fit.success_probability(query)[0]
        last_failed[row.vehicle] = not success
        outcomes.append("success" if success else "failure")
    schedule = [(t, v, f, s, o) for (t, v, f, s, _), o in zip(schedule, outcomes, strict=True)]
    return make_history(schedule), truth


def test_simulated_history_uses_the_model_features() -> None:
    history, _ = simulate_history(0)
    launches = history.launches
    maiden = launches[launches["vehicle_flight"] == 1]["success"].mean()
    mature = launches[launches["vehicle_flight"] >= 20]["success"].mean()
    assert maiden < mature


def test_new_groups_draw_from_the_hierarchy() -> None:
    history, truth = simulate_history(0)
    fit = _truth_fit(history, truth)
    # Widen the single truth draw to 5000 identical draws to see the new-group spread.
    fit.posterior = {k: np.repeat(v, 5000, axis=0) for k, v in fit.posterior.items()}
    known = fit.success_probability(fit.catalogue.next_launch_query("V00"))
    assert np.ptp(known) == 0  # known vehicle, one parameter value: no spread
    for query in (
        fit.catalogue.new_vehicle_query("S1", "F1"),
        fit.catalogue.new_vehicle_query("S1"),
        fit.catalogue.new_vehicle_query(),
    ):
        draws = fit.success_probability(query)
        assert draws.std() > 0.01 and not np.allclose(draws, 0.5)
        assert np.array_equal(draws, fit.success_probability(query))  # reproducible
    spread_family = fit.logit(fit.catalogue.new_vehicle_query("S1", "F1")).std()
    spread_state = fit.logit(fit.catalogue.new_vehicle_query()).std()
    assert spread_state > spread_family  # a new state adds its own uncertainty
    assert spread_family == pytest.approx(0.6, rel=0.05)


def test_config_is_validated() -> None:
    with pytest.raises(LaunchcastError, match="target_accept"):
        HierarchicalConfig(target_accept=1.2)
    with pytest.raises(LaunchcastError, match="sampler"):
        HierarchicalConfig(sampler="metropolis")  # type: ignore[arg-type]


# --- real MCMC (slow; CI runs them) -------------------------------------------------------


@pytest.fixture(scope="module")
def recovered() -> tuple[HierarchicalFit, dict[str, np.ndarray | float]]:
    history, truth = simulate_history(0)
    config = HierarchicalConfig(draws=1000, tune=700, seed=11, target_accept=0.95, assistance="documented")
    fit = HierarchicalModel(config, assistance=SIMULATED_HELP).fit(history)
    return fit, truth


@pytest.mark.slow
def test_parameter_recovery(recovered: tuple[HierarchicalFit, dict]) -> None:
    fit, truth = recovered
    # Converged enough to read (the strict gate is tested on the real history, below).
    assert fit.manifest["diagnostics"]["max_rhat"] < 1.05
    assert fit.manifest["diagnostics"]["divergences"] == 0
    # Five scalar checks, each with a 98% interval, so that all five hold together with
    # probability >= 90% (Bonferroni) when the sampler and model are right.
    scalars = {
        "mu": fit.posterior["mu"],
        "b_previous_failed": fit.posterior["b_previous_failed"],
        "learn_new": fit.posterior["learn_new"][:, 0],
        "learn_variant": fit.posterior["learn_variant"][:, 0],
        "b_assist": fit.posterior["b_assist"],
    }
    assert fit.manifest["assistance"]["launches"] > 100  # 16 helped vehicles
    for name, draws in scalars.items():
        lo, hi = np.quantile(draws, [0.01, 0.99])
        value = np.atleast_1d(truth[name])[0]
        assert lo <= value <= hi, (name, lo, hi, value)
    # Group effects: about 90% of the 90% intervals should cover the truth.
    lo, hi = np.quantile(fit.posterior["a_vehicle"], [0.05, 0.95], axis=0)
    covered = np.mean((lo <= truth["a_vehicle"]) & (truth["a_vehicle"] <= hi))
    assert covered >= 0.8


@pytest.mark.slow
def test_gate_rejects_a_starved_fit() -> None:
    history, _ = simulate_history(1)
    starved = HierarchicalModel(HierarchicalConfig(draws=10, tune=10, seed=4, retries=0)).fit(history)
    assert not starved.diagnostics.passed
    assert any("ESS" in failure for failure in starved.diagnostics.failures)


@pytest.mark.slow
def test_mcmc_matches_the_conjugate_beta_binomial() -> None:
    """The sampling machinery on a model with a closed form: Beta(2, 2) prior, 7 of 9."""
    import pymc as pm

    with pm.Model() as model:
        p = pm.Beta("p", 2.0, 2.0)
        pm.Binomial("k", n=9, p=p, observed=7)
    idata = sample(model, HierarchicalConfig(draws=2000, tune=500, seed=3))
    draws = idata.posterior["p"].values.ravel()
    again = sample(model, HierarchicalConfig(draws=2000, tune=500, seed=3)).posterior["p"].values.ravel()
    assert np.array_equal(draws, again)  # the same seed, the same draws
    exact = stats.beta(9.0, 4.0)
    se = exact.std() / np.sqrt(len(draws) / 2)  # generous: ESS >= n/2
    assert abs(draws.mean() - exact.mean()) < 4 * se
    for q in (0.05, 0.5, 0.95):
        assert abs(np.quantile(draws, q) - exact.ppf(q)) < 0.02
    assert stats.kstest(draws[::5], exact.cdf).pvalue > 0.001


@pytest.mark.parametrize("config", [HierarchicalConfig(), HierarchicalConfig(assistance="alleged")])
def test_a_launchs_covariates_never_see_its_own_outcome(
    history: LaunchHistory, config: HierarchicalConfig
) -> None:
    """Leakage: flip one launch's outcome; its covariates and every earlier launch's stay put
    (later launches may move: their previous outcome changed)."""
    from launchcast.model.record.history import LAUNCH_COLUMNS
    from launchcast.model.stats.hierarchical import launch_covariates

    launches = history.launches[list(LAUNCH_COLUMNS)].copy()
    target = int(np.flatnonzero(history.launches["vehicle"] == "Cheonlima-1")[-1])
    launches.loc[target, ["outcome", "success_fraction"]] = ["failure", "0.00"]
    flipped = LaunchHistory.from_frames(launches, history.vehicles)
    before = launch_covariates(history, config).drop(columns="success")
    after = launch_covariates(flipped, config).drop(columns="success")
    pd.testing.assert_frame_equal(before.iloc[: target + 1], after.iloc[: target + 1])


def test_pointwise_log_likelihood_adds_up_per_cell_and_per_launch() -> None:
    """Per-launch Bernoulli terms sum to the cell's binomial term minus log C(n, k), draw by draw."""
    from scipy.special import gammaln

    from launchcast.model.stats.hierarchical import CELL_ARRAYS, V2_TERMS, log_likelihood

    history, truth = simulate_history(3)
    fit = _truth_fit(history, truth)
    for config in (HierarchicalConfig(), HierarchicalConfig(**V2_TERMS)):
        cells = build_cells(history, config)
        arrays = {k: np.asarray(getattr(cells, k)) for k in CELL_ARRAYS}
        per_cell = log_likelihood(fit.posterior, arrays, "cell")
        per_launch = log_likelihood(fit.posterior, arrays, "launch")
        n, k = cells.attempts, cells.successes
        choose = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
        assert per_launch.shape == (1, history.n_launches)
        assert per_launch.sum() == pytest.approx(per_cell.sum() - choose.sum(), rel=1e-12)
