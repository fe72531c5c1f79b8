"""``launchcast backtest``: fit on the past, forecast each year, score every model."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from launchcast.service.cli.common import DataDir, Progress, console, data_dir, user_errors

if TYPE_CHECKING:
    from launchcast.model.record.history import LaunchHistory


@user_errors
def backtest(
    start: Annotated[int, typer.Option(help="first year forecast")] = 2000,
    end: Annotated[int, typer.Option(help="last year forecast")] = 2023,
    models: Annotated[str, typer.Option(help="comma-separated")] = "laplace,jeffreys,eb-beta,hierarchical",
    update: Annotated[
        str, typer.Option(help="none, or within-year (baselines learn from the year's earlier launches)")
    ] = "none",
    workers: Annotated[int, typer.Option(min=1, help="parallel processes")] = 2,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler, tcp://host:8786")] = None,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("var/backtest"),
    rates_only: Annotated[
        bool,
        typer.Option(
            "--rates-only", help="score only the launch-rate model (seconds), not the reliability models"
        ),
    ] = False,
    data: DataDir = None,
) -> None:
    """Rolling-origin backtest: fit on the past, forecast each year, score every model — the
    reliability models (P(success) of each launch) and the launch-rate model (launches per year)."""
    from launchcast.model.record.history import load_history

    history = load_history(data_dir(data))
    if not rates_only:
        _reliability(history, start, end, models, update, workers, scheduler, out)
    _rates(history, start, end, out)


def _rates(history: LaunchHistory, start: int, end: int, out: Path) -> None:
    from rich.table import Table

    from launchcast.model.stats import rate_backtest

    recent = max(start, end - 4)
    console.print(f"launch-rate model: fitting on the years before each of {start}–{end} …", highlight=False)
    forecasts = rate_backtest.rate_forecasts(history, start, end)
    scores = rate_backtest.score(forecasts, recent)
    rate_backtest.write_outputs(forecasts, scores, out)
    table = Table(
        title=f"Launch counts {start}–{end}: mean log score (higher is better) / 90% coverage; "
        "P(≥1 success in the year) log loss"
    )
    table.add_column("period")
    table.add_column("series")
    rules = list(rate_backtest.RULES)
    for rule in rules:
        table.add_column(rule, justify="right")
    rows = scores.table
    for (period, kind), group in rows.groupby(["period", "kind"], sort=False):
        by_rule = group.set_index("rule")
        best = by_rule["log_score"].idxmax()
        cells = []
        for rule in rules:
            r = by_rule.loc[rule]
            text = f"{r['log_score']:.3f} / {r['coverage_90']:.0%}"
            if kind == "state":
                text += f"; {r['success_log_loss']:.3f}"
            cells.append(f"[b]{text}[/b]" if rule == best else text)
        table.add_row(period, f"{kind} ({int(group['series_years'].iloc[0])})", *cells)
    console.print(table)
    bias = rate_backtest.total_bias(scores, recent)
    console.print(
        "the year's total, forecast / observed − 1, mean over "
        + f"{recent}–{end}: "
        + ", ".join(f"{rule} {bias[rule]:+.1%}" for rule in rules),
        highlight=False,
    )
    console.print(f"wrote rates/forecasts.csv, scores.csv, totals.csv, pit.png and totals.png to {out}")


def _reliability(
    history: LaunchHistory,
    start: int,
    end: int,
    models: str,
    update: str,
    workers: int,
    scheduler: str | None,
    out: Path,
) -> None:
    from rich.table import Table

    from launchcast.model.stats.backtest import jobs_for, run, write_outputs

    jobs = jobs_for(
        [m.strip() for m in models.split(",") if m.strip()],
        start,
        end,
        update,
        {"hierarchical": {"progress": False}},
    )
    label = f"{len(jobs)} fits (model × year)"
    done = 0
    with Progress(transient=False) as progress:

        def advance(_: object) -> None:
            nonlocal done
            done += 1
            progress.step(label, done, len(jobs))

        predictions, facts = run(history, jobs, workers, scheduler, advance)
    scores = write_outputs(predictions, facts, out)
    overall = scores[scores["year"] == "all"]
    table = Table(title=f"Backtest {start}–{end} (update: {update}): log loss / Brier / ECE")
    table.add_column("subset")
    names = list(dict.fromkeys(predictions["model"]))
    for name in names:
        table.add_column(name, justify="right")
    for subset in dict.fromkeys(overall["subset"]):
        rows = overall[overall["subset"] == subset].set_index("model")
        n = int(rows["launches"].iloc[0])
        best = rows["log_loss"].idxmin()
        cells = []
        for name in names:
            r = rows.loc[name]
            text = f"{r['log_loss']:.4f} / {r['brier']:.4f} / {r['ece']:.3f}"
            cells.append(f"[b]{text}[/b]" if name == best else text)
        table.add_row(f"{subset} ({n})", *cells)
    console.print(table)
    failed = facts[~facts["gate_passed"]]
    if len(failed):
        console.print(
            f"[yellow]{len(failed)} fit(s) failed the convergence gate[/yellow]: "
            + ", ".join(f"{r.model} {r.year}" for r in failed.itertuples())
        )
    console.print(f"wrote predictions.csv, scores.csv, fits.csv and plots to {out}")
