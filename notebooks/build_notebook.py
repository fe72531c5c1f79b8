"""Writes notebooks/model_inspection.ipynb from the cells below, run, with its outputs.

The notebook is generated so that its source stays reviewable as plain Python, and it
ships with its outputs so that it reads without running (on GitHub, in any viewer).
After editing the cells, or when the model or the shipped data change, regenerate it with
one command (``make notebook``: it fits the model first if there is no current fit):

    python notebooks/build_notebook.py --execute

It runs against the registry's current fit (the served model) with the comparison fits
on, and records in the notebook's metadata the fit, the model version and the data hash
it was run on; ``tests/test_notebook.py`` checks them against the code and the shipped
data, so stale outputs fail the tests.  ``--source-only`` writes the cells without running.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

CELLS: list[tuple[str, str]] = [
    (
        "md",
        """# launchcast — inspecting the fitted model

This notebook reads the model the service serves (the registry's *current* version:
`LAUNCHCAST_REGISTRY_DIR`, else the `var/registry` of the working directory or the nearest
folder above it, so it finds the served fit whether Jupyter starts in the repository or in
`notebooks/`). If there is none, it fits a small hierarchical model in memory so that every
cell still runs (fewer draws: its diagnostics will be weaker than a real fit's). Everything
below is numpy on posterior draws, exactly as the service computes it.

Three comparison fits (the 2.0 model for PSIS-LOO, the foreign-help term on other evidence
levels) take about a minute more; they run only when asked: `LAUNCHCAST_NOTEBOOK_FITS=1`, or
`COMPARISON_FITS = True` in the next cell.""",
    ),
    (
        "code",
        """import warnings
warnings.simplefilter("ignore")
from datetime import UTC, datetime, timedelta
from pathlib import Path

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from launchcast.model.errors import LaunchcastError
from launchcast.model.questions.asking import Programme
from launchcast.model.questions.forecast import campaign, next_launch
from launchcast.model.record.history import load_history
from launchcast.model.stats.hierarchical import HierarchicalConfig, HierarchicalModel, build_cells, cell_logits
from launchcast.service.settings import Settings

import os

# The comparison fits (three more MCMC fits, about a minute): only when asked.
COMPARISON_FITS = os.environ.get("LAUNCHCAST_NOTEBOOK_FITS") == "1"


def project_settings() -> Settings:
    # The service's settings; without LAUNCHCAST_VAR_DIR / _REGISTRY_DIR, the var/ of the working
    # directory or of the nearest folder above it that has a registry (Jupyter may start in notebooks/).
    if not {"LAUNCHCAST_VAR_DIR", "LAUNCHCAST_REGISTRY_DIR"} & set(os.environ):
        for folder in [Path.cwd(), *Path.cwd().parents]:
            if (folder / "var" / "registry").is_dir():
                return Settings(var_dir=folder / "var")
    return Settings()


settings = project_settings()
print("state directory:", settings.registry_dir.resolve().parent)
history = load_history(settings.ensure_data())
registry = settings.registry()
try:
    fit = registry.load_current()
    posterior_file = registry.versions_dir / registry.current_id() / "posterior.nc"
    print("serving", registry.current_id())
except LaunchcastError as exc:
    print(f"{exc}\\n→ fitting a small hierarchical model in memory instead")
    fit = HierarchicalModel(HierarchicalConfig(draws=300, tune=300)).fit(history)
    posterior_file = None
if fit.model != "hierarchical":
    print(f"the current model is {fit.model}; fitting a small hierarchical model to inspect")
    fit = HierarchicalModel(HierarchicalConfig(draws=300, tune=300)).fit(history)
    posterior_file = None
print(f"{fit.model} {fit.version}: {fit.n_draws} draws, data as of {fit.as_of}")
# The launches the fit saw (the data may have grown since): what its checks are made on.
fitted = history.before(fit.data_end.date() + timedelta(days=1))
print(f"{fitted.n_launches:,} launches fitted; {history.n_launches - fitted.n_launches} added since")""",
    ),
    (
        "md",
        """## The data

6,573 orbital launch attempts from GCAT (© Jonathan C. McDowell, CC BY 4.0).
Launches per year, and how many failed:""",
    ),
    (
        "code",
        """launches = history.launches
per_year = launches.groupby(launches["year"].astype(int))["success"].agg(["size", "sum"])
fig, ax = plt.subplots(figsize=(9, 3))
ax.bar(per_year.index, per_year["sum"], label="successes", color="tab:blue")
ax.bar(per_year.index, per_year["size"] - per_year["sum"], bottom=per_year["sum"], label="failures", color="tab:red")
ax.set(xlabel="year", ylabel="launch attempts"); ax.legend(); plt.show()""",
    ),
    ("md", "The two Korean programmes, launch by launch:"),
    (
        "code",
        """korea = launches[launches["vehicle_state"].isin(["KP", "KR"])]
korea[["time_utc", "vehicle_state", "vehicle", "vehicle_flight", "outcome", "fail_code"]].reset_index(drop=True)""",
    ),
    (
        "md",
        """## Convergence

The gate (rank-normalised R-hat ≤ 1.01, bulk and tail ESS ≥ 400, no divergences,
E-BFMI ≥ 0.3; Vehtari et al. 2021). The hyper-parameters are the slowest to mix:""",
    ),
    (
        "code",
        """diagnostics = pd.DataFrame(fit.manifest["diagnostics"]["parameters"]).set_index("parameter")
print("passed:", fit.manifest["diagnostics"]["passed"], "| failures:", fit.manifest["diagnostics"]["failures"][:5])
hyper = [k for k in ["mu", "sigma_state", "sigma_family", "sigma_vehicle", "b_modern_maiden", "b_modern_early",
                     "b_state_exp", "b_previous_failed", "b_assist"] if k in fit.posterior]
diagnostics.loc[hyper].round(3)""",
    ),
    (
        "md",
        """The same fit as ArviZ InferenceData (`fit.inference_data()`: posterior, sampler
statistics, pointwise log-likelihood per launch, observed outcomes and one posterior
predictive replicate per draw). Rank plots of the hierarchy's scales; the energy plot
whose E-BFMI the gate checks; the pair plot of the scales, where a funnel would show.""",
    ),
    (
        "code",
        """idata = fit.inference_data()
scales = ["sigma_state", "sigma_family", "sigma_vehicle"]
az.plot_rank(idata, var_names=["mu", *scales], figsize=(10, 5)); plt.tight_layout(); plt.show()
az.plot_energy(idata, figsize=(6, 3)); plt.show()
az.plot_pair(idata, var_names=scales, kind="scatter", divergences=True, scatter_kwargs={"alpha": 0.05},
             figsize=(6, 6)); plt.show()""",
    ),
    (
        "md",
        """## The posterior

State effects (logit scale) and the largest family effects, with 94% intervals: a
positive effect means more reliable than the world's average programme.""",
    ),
    (
        "code",
        """def effects(name, dim, labels=None):
    draws = fit.posterior[name]
    names = fit.coords[dim]
    keep = [names.index(l) for l in labels] if labels else range(len(names))
    return az.convert_to_inference_data({name: draws[None, :, list(keep)]},
                                        coords={dim: [names[i] for i in keep]}, dims={name: [dim]})

az.plot_forest(effects("a_state", "state"), combined=True, figsize=(6, 5)); plt.show()
family_size = launches.groupby("family").size().sort_values(ascending=False)
az.plot_forest(effects("a_family", "family", list(family_size.index[:20])), combined=True, figsize=(6, 7)); plt.show()""",
    ),
    (
        "md",
        """The infancy curves: how much a vehicle's flight number lowers the log-odds of
success relative to a mature vehicle (20+ flights), with 90% intervals — for a new
design (its family never flew on another vehicle) and for a variant of a family
with 64+ flights by other vehicles. Since 1990 a new design's maiden flight also
carries `b_modern_maiden` (dashed).""",
    ),
    (
        "code",
        """labels = ["1", "2", "3", "4-5", "6-9", "10-19", "20+"]
fig, ax = plt.subplots(figsize=(6, 3))
for kind in ("new", "variant"):
    q = np.quantile(fit.posterior[f"learn_{kind}"], [0.05, 0.5, 0.95], axis=0)
    ax.fill_between(range(7), q[0], q[2], alpha=0.3); ax.plot(range(7), q[1], marker="o", label=kind)
modern = np.median(fit.posterior["learn_new"][:, 0] + fit.posterior["b_modern_maiden"])
ax.plot([0], [modern], marker="x", color="black", label="new, maiden since 1990")
ax.set_xticks(range(7), labels); ax.set(xlabel="vehicle flight number", ylabel="logit effect"); ax.legend(); plt.show()""",
    ),
    (
        "md",
        """## Posterior predictive checks

ArviZ's check first: the cumulative distribution of successes per binomial cell
(launches with identical covariates), observed against 100 replicated histories.""",
    ),
    (
        "code",
        """az.plot_ppc(fit.inference_data(unit="cell"), kind="cumulative", num_pp_samples=100, figsize=(6, 3)); plt.show()""",
    ),
    (
        "md",
        """Then the checks ArviZ cannot know to make: replicate the whole history from 300
posterior draws and compare failures per decade and per flight number with what happened.""",
    ),
    (
        "code",
        """cells = build_cells(fitted, HierarchicalConfig(**{k: v for k, v in fit.config.items()
                                                   if k == "assistance"}))
rng = np.random.default_rng(0)
draws = rng.choice(fit.n_draws, 300, replace=False)
eta = cell_logits(fit.posterior, cells, draws)
replicated_failures = cells.attempts - rng.binomial(cells.attempts, 1 / (1 + np.exp(-eta)))
observed_failures = cells.attempts - cells.successes

def check(groups, labels, title):
    rep = np.stack([np.bincount(groups, w, minlength=len(labels)) for w in replicated_failures])
    obs = np.bincount(groups, observed_failures, minlength=len(labels))
    lo, hi = np.quantile(rep, [0.05, 0.95], axis=0)
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.errorbar(range(len(labels)), rep.mean(0), yerr=[rep.mean(0) - lo, hi - rep.mean(0)], fmt="o", label="replicated (90%)")
    ax.plot(range(len(labels)), obs, "rx", markersize=9, label="observed")
    ax.set_xticks(range(len(labels)), labels); ax.set(title=title, ylabel="failures"); ax.legend(); plt.show()

era_decade = (cells.era // 2)
check(era_decade, [f"{1955 + 10 * d}s" for d in range(era_decade.max() + 1)], "failures per decade")
check(cells.flight_bin, labels, "failures per vehicle flight number")""",
    ),
    (
        "md",
        """## Calibration in the backtest

Rolling-origin backtest 2000–2023 (`launchcast backtest`): each year forecast from
a fit on the years before. The committed figures live in `docs/backtest/`.""",
    ),
    (
        "code",
        """backtest = Path("../docs/backtest/predictions.csv")
if not backtest.exists():
    backtest = Path("docs/backtest/predictions.csv")
if backtest.exists():
    from launchcast.model.stats.scoring import calibration_bins
    predictions = pd.read_csv(backtest)
    fig, ax = plt.subplots(figsize=(5, 5)); ax.plot([0, 1], [0, 1], "--", color="grey")
    for model, group in predictions.groupby("model"):
        bins = calibration_bins(group["p"].to_numpy(), group["outcome"].to_numpy(), 10)
        ax.plot(bins["forecast"], bins["observed"], marker="o", label=model)
    ax.set(xlabel="forecast", ylabel="observed", title="reliability diagram, 2000–2023"); ax.legend(); plt.show()
else:
    print("no backtest in docs/backtest yet: run 'launchcast backtest --out docs/backtest'")""",
    ),
    (
        "md",
        """## 2.0 against 3.0: PSIS-LOO

Leave-one-launch-out predictive accuracy, estimated by Pareto-smoothed importance
sampling (Vehtari, Gelman & Gabry 2017), beside the backtest (Gelman et al.,
"Bayesian Workflow", 2020). The 2.0 model (no early-flight offset, no foreign-help
term) is refitted on the same launches, with fewer draws, when the comparison fits are asked for. Pareto k above 0.7
marks launches whose own outcome moves the posterior too much for the estimate to be
trusted: mostly maiden flights of one-vehicle families.""",
    ),
    (
        "code",
        """from launchcast.model.stats.hierarchical import V2_TERMS

if fit.version == "3.0" and fitted.n_launches == fit.manifest["n_launches"]:
    loo = az.loo(idata, pointwise=True)
    print(f"3.0: elpd_loo {loo.elpd_loo:.1f} (se {loo.se:.1f}), p_loo {loo.p_loo:.1f}")
    if COMPARISON_FITS:
        two = HierarchicalModel(HierarchicalConfig(draws=400, tune=400, chains=2, retries=0, **V2_TERMS)).fit(fitted)
        display(az.compare({"2.0": two.inference_data(), "3.0": idata}).round(2))
    else:
        print("the 2.0 model is not refitted here: set LAUNCHCAST_NOTEBOOK_FITS=1 to compare")
    k = loo.pareto_k.values
    print(f"3.0: {np.sum(k > 0.7)} of {k.size} launches with Pareto k > 0.7")
    bad = fitted.launches.iloc[np.flatnonzero(k > 0.7)]
    display(bad[["time_utc", "vehicle", "vehicle_flight", "outcome"]].head(10))
else:
    print("the served fit is not a 3.0 fit of this data: nothing to compare")""",
    ),
    (
        "md",
        """## Did Russian help change the odds?

After Kim Jong Un's visit to Vostochny in September 2023, would Russian help change
North Korea's odds? History has cases: Naro-1 flew a Russian first stage; Japan's
N-I, N-II and H-I were licensed Deltas; India's Vikas is a licensed Viking. Others are
reported or alleged, not documented. `data/assistance.csv` holds them, each with its
source; the model counts help up to a confidence level (documented and reported by
default) as one term on the logit, `b_assist ~ N(0, 1)`.""",
    ),
    (
        "code",
        """from launchcast.model.record.assistance import Assistance
from launchcast.model.questions.scenario import foreign_help

table = Assistance.shipped()
evidence = table.evidence(fitted.launches)
display(evidence.drop(columns="source"))
print(f"documented: {table.at('documented').assisted(fitted.launches).sum():.0f} launches; "
      f"+ reported: {table.at('reported').assisted(fitted.launches).sum():.0f}; "
      f"+ alleged: {table.at('alleged').assisted(fitted.launches).sum():.0f}")""",
    ),
    ("md", """The posterior of the effect against its prior: how much the cases on record moved it."""),
    (
        "code",
        """if "b_assist" in fit.posterior:
    effect = fit.posterior["b_assist"]
    grid = np.linspace(-3, 3, 200)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(effect, bins=60, density=True, alpha=0.6, label="posterior")
    ax.plot(grid, np.exp(-grid**2 / 2) / np.sqrt(2 * np.pi), "k--", label="prior N(0, 1)")
    ax.axvline(0, color="grey"); ax.set(xlabel="b_assist (logits)", ylabel="density"); ax.legend(); plt.show()
    print(f"b_assist: mean {effect.mean():+.2f}, 90% interval {np.quantile(effect, 0.05):+.2f} to "
          f"{np.quantile(effect, 0.95):+.2f}, P(> 0) = {(effect > 0).mean():.2f}")""",
    ),
    (
        "md",
        """Counterfactual forecasts for North Korea's next new rocket, from the same posterior:
an indigenous design, the same design flown with foreign help, and a variant of
Russia's Angara family (as Naro-1 was). The arms share every other draw, so their
differences isolate what was changed.""",
    ),
    (
        "code",
        """now = datetime.now(UTC)
scenario = foreign_help(fit, "KP", now=now)
display(pd.DataFrame([{"arm": a.name, "P(success)": a.probability, "90% low": a.reliability.interval_90.low,
                       "90% high": a.reliability.interval_90.high} for a in scenario.arms]).round(3))
display(pd.DataFrame([{"arm": d.arm, "vs": d.versus, "difference": d.mean, "90% low": d.interval_90.low,
                       "90% high": d.interval_90.high, "P(higher)": d.probability_higher}
                      for d in scenario.differences]).round(3))
print(scenario.evidence.verdict)""",
    ),
    (
        "md",
        """Sensitivity: the same term fitted on documented cases only, and with the alleged
ones added (Iran's role in Unha, Russia's in the third Chollima-1 flight). Quick fits
(2 chains × 300 draws, with `LAUNCHCAST_NOTEBOOK_FITS=1`): enough to read a mean and an
interval, not for the gate.""",
    ),
    (
        "code",
        """rows = []
for level in ("documented", "reported", "alleged"):
    if level == fit.config.get("assistance"):
        draws, helped = fit.posterior["b_assist"], fit.manifest["assistance"]["launches"]
    elif not COMPARISON_FITS:
        print(f"{level}: not fitted here (set LAUNCHCAST_NOTEBOOK_FITS=1)")
        continue
    else:
        quick = HierarchicalConfig(draws=300, tune=300, chains=2, retries=0,
                                   assistance=level)
        other = HierarchicalModel(quick).fit(fitted)
        draws, helped = other.posterior["b_assist"], other.manifest["assistance"]["launches"]
    rows.append({"counted up to": level, "launches": helped, "mean": draws.mean(),
                 "90% low": np.quantile(draws, 0.05), "90% high": np.quantile(draws, 0.95),
                 "P(> 0)": (draws > 0).mean()})
pd.DataFrame(rows).round(3)""",
    ),
    (
        "md",
        """## The Korean questions

Next-launch forecasts with 50% and 90% intervals of the underlying reliability, asked now
(the notebook reads the clock once, here; every forecast takes it as an input):""",
    ),
    (
        "code",
        """rows = []
for label, programme in [("Chollima-1, next flight", Programme(vehicle="Chollima-1")),
                         ("new North Korean vehicle", Programme(state="KP", new_vehicle=True)),
                         ("Nuri, next flight", Programme(vehicle="Nuri"))]:
    f = next_launch(fit, programme, now=now)
    r = f.reliability
    rows.append({"question": label, "P(success)": f.probability, "median": r.median,
                 "50%": f"{r.interval_50.low:.2f}–{r.interval_50.high:.2f}",
                 "90%": f"{r.interval_90.low:.2f}–{r.interval_90.high:.2f}",
                 "record": f"{f.record.successes}/{f.record.attempts}"})
print(f"data as of {f.data_as_of} ({f.data_age_days} days before now)", *f.warnings, sep="\\n")
pd.DataFrame(rows).round(3)""",
    ),
    ("md", "How many of the next five Chollima-1 flights succeed:"),
    (
        "code",
        """result = campaign(fit, Programme(vehicle="Chollima-1"), 5, paths=50_000, now=now)
fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(range(6), result.success_pmf)
ax.set(xlabel="successes in the next 5 Chollima-1 flights", ylabel="probability"); plt.show()
print(f"P(no success in 5) = {result.probability_no_success:.3f}; "
      f"expected attempts to the first success = {result.expected_attempts_to_first_success:.2f}")""",
    ),
    (
        "md",
        """## Launch rates: how often, and how many

Every time question rests on the launch-rate model (`model.stats.rates`): per state, vehicle
and operator, a yearly rate whose past evidence is discounted each year (ω), with a
damped trend for busy programmes (φ), a floor for programmes that flew in the last five
years, and negative-binomial over-dispersion (κ). Its parameters are fitted with every
fit; here they are, with each Korean programme's expected launches a year:""",
    ),
    (
        "code",
        """rates = fit.rates
display(pd.DataFrame({"discount ω": rates.discount, "trend φ": rates.damping, "floor": rates.floor,
                      "concentration κ": rates.concentration, "training log score": rates.training_log_score}))
rows = []
for kind, name in [("state", "KP"), ("vehicle", "Cheonlima-1"), ("state", "KR"), ("vehicle", "Nuri"),
                   ("state", "US"), ("operator", "SPX"), ("state", "CN")]:
    shape, rate = rates.rate_parameters(kind, name)
    draws = np.random.default_rng(0).gamma(shape, 1 / rate, 20_000)
    rows.append({"series": f"{kind} {name}", "launches a year": shape / rate,
                 "90% low": np.quantile(draws, 0.05), "90% high": np.quantile(draws, 0.95)})
pd.DataFrame(rows).round(2)""",
    ),
    (
        "md",
        """How many North Korean launches, and successes, from the data's end to the end of 2027
(`GET /v1/forecast/launches`): the record's part of a window is counted, the rest forecast.""",
    ),
    (
        "code",
        """from launchcast.model.questions.counts import launches

window = launches(fit, state="KP", start=fit.data_end.date(), end=datetime(2028, 1, 1).date(), now=now,
                  at_least=1, history=history)
fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(range(len(window.launches.pmf)), window.launches.pmf, color="#9ecae1", label="launches")
ax.step(range(len(window.successes.pmf)), window.successes.pmf, where="mid", color="#08306b", label="successes")
ax.set(xlabel="North Korean launches until 2028", ylabel="probability"); ax.legend(); plt.show()
print(f"P(at least one success) = {window.successes.at_least:.2f}; {window.launch_rate}")""",
    ),
    (
        "md",
        """The backtest of the launch-rate model (`launchcast backtest --rates-only`): each year
2005–2023 forecast from the years before it, beside "as many as last year" and the 5-year
mean; log score per series (higher is better).""",
    ),
    (
        "code",
        """rate_scores = Path("docs/backtest/rates/scores.csv")
if not rate_scores.exists():
    rate_scores = Path("..") / rate_scores
if rate_scores.exists():
    table = pd.read_csv(rate_scores)
    display(table.pivot_table(index=["period", "kind"], columns="rule", values="log_score", sort=False).round(3))
else:
    print("no launch-rate backtest in docs/backtest yet: run 'launchcast backtest --rates-only --out docs/backtest'")""",
    ),
    (
        "md",
        """## The live track record

The forecast ledger (`LAUNCHCAST_DATABASE_URL`, default `var/ledger.sqlite`) holds the
standing forecasts recorded whenever a fit became current, and the launches since,
scored against them. Read each tier on its own — *prospective* (recorded before the
launch) and *out-of-sample* (recorded later, from data that ended before it) — and the
model next to the Laplace and eb-beta baselines in the same tier.""",
    ),
    (
        "code",
        """from launchcast.model.errors import LedgerError
from launchcast.model.operations.ledger import Ledger

if settings.ledger_url is None:
    print("the track record is off here (LAUNCHCAST_TRACK_RECORD=false)")
else:
    try:
        with Ledger.open(settings.ledger_url) as ledger:
            record = ledger.track_record()
    except LedgerError as exc:
        record = None
        print(f"the ledger cannot be read: {exc}")
    if record is not None and not record.totals:
        print(f"{record.forecast_sets} forecast set(s) recorded, no launch scored yet")
    elif record is not None:
        totals = pd.DataFrame([vars(t) for t in record.totals]).set_index(["tier", "model"])
        display(totals.round(4))
        scored = pd.DataFrame([vars(r) for r in record.launches])
        fig, ax = plt.subplots(figsize=(7, 3))
        for (tier, model), group in scored.sort_values("launch_time").groupby(["tier", "model"]):
            ax.step(group["launch_time"], group["log_loss"].cumsum(), where="post", label=f"{model} ({tier})")
        ax.set(ylabel="cumulative log loss", title="track record: lower is better"); ax.legend(); plt.show()""",
    ),
]


def build() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text)
        for kind, text in CELLS
    ]
    return notebook


def execute(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Run every cell against the current fit, with the comparison fits, and record what it ran on."""
    import os
    import subprocess
    import sys
    from datetime import UTC, datetime

    from nbclient import NotebookClient

    from launchcast.model.errors import LaunchcastError
    from launchcast.model.record.history import load_history
    from launchcast.service.settings import Settings

    settings = Settings()
    registry = settings.registry()
    try:
        fit = registry.load_current()
    except LaunchcastError as exc:  # none yet: fit the model as it is served (about a minute)
        print(f"{exc}: fitting the model first")
        subprocess.run([sys.executable, "-m", "launchcast", "fit", "--promote"], check=True)
        fit = registry.load_current()
    os.environ["LAUNCHCAST_NOTEBOOK_FITS"] = "1"
    here = Path(__file__).parent
    NotebookClient(
        notebook, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(here)}}
    ).execute()
    notebook.metadata["launchcast"] = {
        "fit": registry.current_id(),
        "model": fit.model,
        "model_version": fit.version,
        "data_hash": load_history(settings.ensure_data()).data_hash,
        "executed": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return notebook


if __name__ == "__main__":
    import sys

    path = Path(__file__).with_name("model_inspection.ipynb")
    notebook = build() if "--source-only" in sys.argv else execute(build())
    nbformat.write(notebook, path)
    print(f"wrote {path}")
