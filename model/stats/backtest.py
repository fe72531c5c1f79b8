"""Rolling-origin backtests: does the model beat the rules of thumb, year by year?

For each year Y in [start, end]: fit every model on launches before Y-01-01
only, then forecast every launch of year Y in time order, each with its vehicle's
record as it stood just before that launch (flight numbers, previous outcome —
features computed from earlier launches only).  With ``update="within-year"``
the closed-form baselines also learn from the year's earlier launches, as a
live service refitting after every launch would; the MCMC model keeps its
start-of-year fit (a refit per launch would cost a fit per launch).

Jobs (model × year) run in parallel processes, or on a Dask cluster given by
its scheduler address.  Scores: log loss, Brier, expected calibration error
(``model.stats.scoring``), overall, per year, and on the subsets that matter most:
maiden flights, a vehicle's first five flights, new launching states (a state's
first ten launches), and the Korean programmes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from launchcast.model.errors import LaunchcastError
from launchcast.model.record.history import LAUNCH_COLUMNS, LaunchHistory
from launchcast.model.stats.baselines import BetaFit
from launchcast.model.stats.calibration import reliability_figure
from launchcast.model.stats.fit import Fit
from launchcast.model.stats.hierarchical import HierarchicalModel
from launchcast.model.stats.models import MODEL_NAMES, make_model
from launchcast.model.stats.scoring import brier, expected_calibration_error, launch_query, log_loss

UPDATES = ("none", "within-year")

SUBSETS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "all": lambda p: pd.Series(True, index=p.index),
    "maiden flights": lambda p: p["vehicle_flight"] == 1,
    "first five flights": lambda p: p["vehicle_flight"] <= 5,
    "new launching states": lambda p: p["state_flight"] <= 10,
    "Korean programmes": lambda p: p["vehicle_state"].isin(["KP", "KR"]),
}


Frames = tuple[pd.DataFrame, pd.DataFrame]
JobResult = tuple[pd.DataFrame, dict[str, Any]]


@dataclass(frozen=True)
class Job:
    model: str
    year: int
    update: str
    options: dict[str, Any]


def training_history(history: LaunchHistory, year: int) -> LaunchHistory:
    """What a forecaster on Y-01-01 knew: launches strictly before that date."""
    return history.before(date(year, 1, 1))


def year_launches(history: LaunchHistory, year: int) -> pd.DataFrame:
    """The launches of year Y with their features as they stood just before each one."""
    launches = history.launches
    return launches[(launches["year"] >= year) & (launches["year"] < year + 1)]


def _beta_mean(fit: BetaFit, launch: Any, before: pd.DataFrame | None) -> float:
    """A baseline's exact posterior mean (no Monte Carlo noise in its scores), optionally
    updated on the year's earlier launches of the same vehicle."""
    a, b = fit.beta_parameters(launch.vehicle)
    if before is None:
        return a / (a + b)
    earlier = before[before["vehicle"] == launch.vehicle]
    k, n = float(earlier["success"].sum()), float(len(earlier))
    return (a + k) / (a + b + n)


def run_job(history: LaunchHistory, job: Job) -> JobResult:
    """Fit on the past, forecast the year; returns predictions and facts about the fit."""
    started = time.perf_counter()
    past = training_history(history, job.year)
    model = make_model(job.model, **job.options)
    if isinstance(model, HierarchicalModel):
        model = model.within(history)  # every year in one layout: compiled once per process
    fit: Fit = model.fit(past)
    test = year_launches(history, job.year)
    p = np.empty(len(test))
    for i, launch in enumerate(test.itertuples(index=False)):
        if isinstance(fit, BetaFit):
            p[i] = _beta_mean(fit, launch, test.iloc[:i] if job.update == "within-year" else None)
        else:
            p[i] = fit.success_probability(launch_query(launch)).mean()
    predictions = pd.DataFrame(
        {
            "model": job.model,
            "year": job.year,
            "launch_tag": test["launch_tag"].to_numpy(),
            "time_utc": test["time_utc"].to_numpy(),
            "vehicle": test["vehicle"].to_numpy(),
            "vehicle_state": test["vehicle_state"].to_numpy(),
            "vehicle_flight": test["vehicle_flight"].to_numpy(),
            "state_flight": test["state_flight"].to_numpy(),
            "p": p,
            "outcome": test["success"].to_numpy(),
        }
    )
    facts = {
        "model": job.model,
        "year": job.year,
        "trained_until": past.launches["time_utc"].iloc[-1] if past.n_launches else "",
        "training_launches": past.n_launches,
        "gate_passed": fit.diagnostics.passed,
        # MCMC fits: 2 when the first sampling failed the gate and was redone with more draws.
        "attempts": len(fit.manifest.get("attempts", [])) or 1,
        "seconds": round(time.perf_counter() - started, 2),
    }
    return predictions, facts


def _run_job_from_frames(frames: Frames, job: Job) -> JobResult:
    launches, vehicles = frames
    return run_job(LaunchHistory.from_frames(launches, vehicles), job)


def jobs_for(
    models: Iterable[str], start: int, end: int, update: str, options: dict[str, dict[str, Any]] | None = None
) -> list[Job]:
    models = list(models)
    unknown = [m for m in models if m not in MODEL_NAMES]
    if unknown:
        raise LaunchcastError(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODEL_NAMES)}")
    if update not in UPDATES:
        raise LaunchcastError(f"--update {update!r}: use {' or '.join(UPDATES)}")
    if start > end:
        raise LaunchcastError(f"--start {start} is after --end {end}")
    options = options or {}
    # The slowest jobs first, so the pool is not left waiting on one long fit.
    order = sorted(models, key=lambda m: m != "hierarchical")
    return [Job(m, y, update, options.get(m, {})) for m in order for y in range(start, end + 1)]


def run(
    history: LaunchHistory,
    jobs: list[Job],
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[Job], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every job; returns (predictions, fit facts), sorted by model and time."""
    if not jobs:
        raise LaunchcastError("nothing to backtest")
    first_year = min(j.year for j in jobs)
    if history.n_launches == 0 or history.launches["year"].min() >= first_year:
        raise LaunchcastError(f"no launches before {first_year} to fit on")
    frames = (history.launches[list(LAUNCH_COLUMNS)], history.vehicles)
    results: list[JobResult] = []
    if scheduler:
        results = _run_on_dask(frames, jobs, scheduler, progress)
    elif workers <= 1:
        for job in jobs:
            results.append(run_job(history, job))
            if progress:
                progress(job)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_run_job_from_frames, frames, job): job for job in jobs}
            for future in as_completed(futures):
                results.append(future.result())
                if progress:
                    progress(futures[future])
    predictions = pd.concat([r[0] for r in results], ignore_index=True)
    predictions = predictions.sort_values(["model", "year", "time_utc"], kind="stable")
    facts = pd.DataFrame([r[1] for r in results]).sort_values(["model", "year"])
    return predictions.reset_index(drop=True), facts.reset_index(drop=True)


def _run_on_dask(
    frames: Frames, jobs: list[Job], scheduler: str, progress: Callable[[Job], None] | None
) -> list[JobResult]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise LaunchcastError("--scheduler needs dask.distributed: pip install 'launchcast[dask]'") from None
    try:
        client = Client(scheduler, timeout="10s")
    except OSError as exc:
        raise LaunchcastError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        shared = client.scatter(frames, broadcast=True)
        futures = {client.submit(_run_job_from_frames, shared, job, pure=False): job for job in jobs}
        results = []
        for future in dask_completed(futures):
            results.append(future.result())
            if progress:
                progress(futures[future])
    return results


def score_table(predictions: pd.DataFrame, by_year: bool = True) -> pd.DataFrame:
    """Log loss, Brier and ECE per model (and year), overall and on each subset."""
    rows = []
    for subset, select in SUBSETS.items():
        chosen = predictions[select(predictions)]
        groups = [((m, "all"), g) for m, g in chosen.groupby("model")]
        if by_year:
            groups = list(chosen.groupby(["model", "year"])) + groups
        for (model, year), group in groups:
            p, y = group["p"].to_numpy(), group["outcome"].to_numpy()
            rows.append(
                {
                    "model": model,
                    "year": year,
                    "subset": subset,
                    "launches": len(group),
                    "log_loss": log_loss(p, y),
                    "brier": brier(p, y),
                    "ece": expected_calibration_error(p, y),
                }
            )
    return pd.DataFrame(rows)


def plot_reliability(predictions: pd.DataFrame, out: Any) -> None:
    """A CORP reliability diagram per model (``model.stats.calibration``): reliability_<model>.png."""
    years = f"{predictions['year'].min()}–{predictions['year'].max()}"
    for model in dict.fromkeys(predictions["model"]):
        chosen = predictions[predictions["model"] == model]
        figure = reliability_figure(
            [(model, chosen["p"].to_numpy(), chosen["outcome"].to_numpy())],
            f"Backtest {years}: reliability (CORP)",
            "Launch data: GCAT, © J. McDowell, CC BY 4.0",
        )
        figure.savefig(Path(out) / f"reliability_{model}.png")


def write_outputs(predictions: pd.DataFrame, facts: pd.DataFrame, out_dir: Any) -> pd.DataFrame:
    """predictions.csv, scores.csv, fits.csv, a reliability diagram per model, log loss by year."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scores = score_table(predictions)
    predictions.to_csv(out / "predictions.csv", index=False, float_format="%.6f")
    scores.to_csv(out / "scores.csv", index=False, float_format="%.6f")
    facts.to_csv(out / "fits.csv", index=False)
    models = list(dict.fromkeys(predictions["model"]))
    plot_reliability(predictions, out)
    yearly = scores[(scores["subset"] == "all") & (scores["year"] != "all")]
    figure, axis = plt.subplots(figsize=(7, 4))
    for model in models:
        rows = yearly[yearly["model"] == model]
        axis.plot(rows["year"].astype(int), rows["log_loss"], marker=".", label=model)
    axis.set(xlabel="year forecast", ylabel="log loss (nats per launch)", title="Log loss by year")
    axis.legend()
    figure.tight_layout()
    figure.savefig(out / "log_loss_by_year.png", dpi=110)
    plt.close(figure)
    return scores
