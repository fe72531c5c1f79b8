"""``launchcast backtest``: fit on the past, forecast each year, score every model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from launchcast.service.cli.common import DataDir, Progress, console, data_dir, user_errors


@user_errors
def backtest(
    start: Annotated[int, typer.Option(help="first year forecast")] = 2000,
    end: Annotated[int, typer.Option(help="last year forecast")] = 2023,
    models: Annotated[str, typer.Option(help="comma-separated")] = "laplace,jeffreys,eb-beta,hierarchical",
    update: Annotated[str, typer.Option(help="none, or within-year (baselines learn "
                                        "from the year's earlier launches)")] = "none",
    workers: Annotated[int, typer.Option(min=1, help="parallel processes")] = 2,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler, tcp://host:8786")] = None,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("var/backtest"),
    data: DataDir = None,
) -> None:  # fmt: skip
    """Rolling-origin backtest: fit on the past, forecast each year, score every model."""
    from rich.table import Table

    from launchcast.model.backtest import jobs_for, run, write_outputs
    from launchcast.model.history import load_history

    history = load_history(data_dir(data))
    jobs = jobs_for([m.strip() for m in models.split(",") if m.strip()], start, end, update,
                    {"hierarchical": {"progress": False}})  # fmt: skip
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
