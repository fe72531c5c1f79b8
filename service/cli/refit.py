"""``launchcast fit`` and ``launchcast refit``: both promote through ``model.operations.refit``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from launchcast.model.errors import LaunchcastError
from launchcast.model.stats.models import MODEL_NAMES
from launchcast.service.cli.common import DataDir, console, data_dir, settings

if TYPE_CHECKING:
    from launchcast.model.operations.refit import RefitResult
    from launchcast.model.stats.fit import Fit

ModelName = Annotated[str, typer.Option(help=f"one of {', '.join(MODEL_NAMES)}")]
Promote = Annotated[bool, typer.Option(help="serve this fit even if the served version is another model")]


def print_key_parameters(fit: Fit) -> None:
    """The parameters people read first, with their convergence figures (MCMC fits)."""
    from rich.table import Table

    from launchcast.model.stats.diagnostics import key_parameter_table

    gate = fit.diagnostics
    if gate.method == "mcmc":
        table = Table(title=f"{fit.model} {fit.version}: key parameters")
        for column in ("parameter", "mean", "sd", "5%", "95%", "R-hat", "ESS bulk"):
            table.add_column(column, justify="left" if column == "parameter" else "right")
        for row in key_parameter_table(fit.posterior, fit.coords, fit.dims, gate):
            table.add_row(
                row["parameter"],
                *(f"{row[k]:.3f}" for k in ("mean", "sd", "q05", "q95", "rhat")),
                f"{row['ess_bulk']:.0f}",
            )
        console.print(table)
    console.print(f"gate: {gate.summary()}", highlight=False)


def print_result(result: RefitResult) -> None:
    if result.update:
        console.print(f"update: {result.update}", highlight=False)
    colour = {"promoted": "green", "published": "yellow", "skipped": "yellow", "refused": "yellow"}.get(
        result.outcome, "red"
    )
    console.print(f"[{colour}]{result.outcome}[/{colour}]: {result.reason}", highlight=False)
    if result.version_id:
        console.print(f"version: {result.version_id}", highlight=False)
    if result.scores:
        console.print("scores: " + ", ".join(f"{k} {v:.4f}" for k, v in result.scores.items()))
    if result.ledger:
        console.print(f"ledger: {result.ledger}", highlight=False)


def run_refit(
    model: str,
    seed: int = 0,
    force: bool = False,
    promote: bool = False,
    update: bool = False,
    url: str | None = None,
    data: Path | None = None,
    options: dict[str, object] | None = None,
    accept_large_change: bool = False,
) -> RefitResult:
    """The promotion path every command takes: ``model.operations.refit.refit`` with the settings' policy."""
    from launchcast.model.operations.refit import RefitPolicy, refit

    config = settings()
    policy = RefitPolicy(
        model=model,
        seed=seed,
        options=dict(options or {}),
        promote=promote,
        max_log_loss_increase=config.max_log_loss_increase,
    )
    where = data_dir(data)
    console.print(f"fitting [b]{model}[/b] on {where} → {config.registry_dir}", highlight=False)
    upstream = config.update_config(url, accept_large_change) if update else None
    return refit(
        where, config.registry(), policy, force, upstream, datetime.now(UTC), ledger_url=config.ledger_url
    )


def fit(
    model: ModelName = "hierarchical",
    out: Annotated[
        Path | None, typer.Option(help="save the fit in this directory only (not published, not promoted)")
    ] = None,
    draws: Annotated[
        int | None, typer.Option(min=1, help="draws per chain (default: the model's, 2000)")
    ] = None,
    tune: Annotated[
        int | None, typer.Option(min=0, help="warm-up iterations per chain (default: the model's, 1000)")
    ] = None,
    chains: Annotated[int | None, typer.Option(min=1, help="default: the model's, 4")] = None,
    target_accept: Annotated[float | None, typer.Option(help="default: the model's, 0.9")] = None,
    seed: Annotated[int, typer.Option()] = 0,
    sampler: Annotated[str, typer.Option(help="nutpie (default) or pymc")] = "nutpie",
    promote: Promote = False,
    data: DataDir = None,
) -> None:
    """Fit a model now (even if this data was fitted), gate it, score it, publish and promote it."""
    options: dict[str, object] = {}
    if model == "hierarchical":
        # Only what was given: the rest is the model's own config (HierarchicalConfig), the one
        # the service's refits use, so `launchcast fit` fits the model as it is served.
        given = {"draws": draws, "tune": tune, "chains": chains, "target_accept": target_accept}
        options = {k: v for k, v in given.items() if v is not None} | {"sampler": sampler, "progress": True}
    if out is not None:
        _fit_to_directory(model, seed, options, out, data)
        return
    result = run_refit(model, seed, force=True, promote=promote, data=data, options=options)
    if result.fit is not None:
        print_key_parameters(result.fit)
    print_result(result)
    if result.outcome in ("failed", "rejected"):
        sys.exit(1)


def _fit_to_directory(
    model: str, seed: int, options: dict[str, object], out: Path, data: Path | None
) -> None:
    from launchcast.model.record.history import load_history
    from launchcast.model.stats.models import make_model
    from launchcast.model.stats.saved import save_fit

    history = load_history(data_dir(data))
    console.print(f"fitting [b]{model}[/b] on {history.n_launches} launches (as of {history.as_of}) …")
    fitted = make_model(model, seed=seed, **options).fit(history)
    print_key_parameters(fitted)
    if not fitted.diagnostics.passed:
        raise LaunchcastError(
            "the fit failed the convergence gate and was not saved:\n  "
            + "\n  ".join(fitted.diagnostics.failures[:20])
            + "\n(try more --draws/--tune or a higher --target-accept)"
        )
    save_fit(fitted, out)
    console.print(f"[green]gate passed[/green]; saved to {out} ({fitted.manifest['fit_seconds']:.1f} s)")


def refit(
    force: Annotated[bool, typer.Option(help="fit even if this data and config were fitted")] = False,
    model: ModelName = "hierarchical",
    seed: Annotated[int, typer.Option()] = 0,
    promote: Promote = False,
    update: Annotated[
        bool,
        typer.Option(
            "--update",
            help="first take in GCAT's newest tables "
            "(LAUNCHCAST_GCAT_URL); a failed update is logged and the "
            "refit goes on with the data it has",
        ),
    ] = False,
    url: Annotated[str | None, typer.Option(help="GCAT's tsv/ folder for --update")] = None,
    data: DataDir = None,
    accept_large_change: Annotated[
        bool,
        typer.Option(
            "--accept-large-change", help="with --update: take in a change over the plausibility bounds"
        ),
    ] = False,
) -> None:
    """[Update →] validate data → fit → gate → sanity score → publish → promote (for cron / CronJob)."""
    options: dict[str, object] = {"progress": True} if model == "hierarchical" else {}
    result = run_refit(model, seed, force, promote, update, url, data, options, accept_large_change)
    print_result(result)
    if result.outcome in ("failed", "rejected"):
        sys.exit(1)
