"""The ``launchcast`` command line: data, fitting, forecasts and the service.

User errors (``LaunchcastError``) print one clear message and exit 1, no traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from model import gcat
from model.diagnostics import Diagnostics, closed_form, key_parameter_table
from model.errors import LaunchcastError
from model.history import LAUNCHES_FILE, VEHICLES_FILE, load_history, record_table
from model.models import MODEL_NAMES, make_model
from model.saved import save_fit
from model.storage import atomic_write_text
from service.settings import get_settings

app = typer.Typer(help="Launch-reliability forecasts from the world's orbital launch history.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
data_app = typer.Typer(help="Build, validate and summarise the launch history.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def user_errors(command: F) -> F:
    """Turn LaunchcastError into one red line on stderr and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except LaunchcastError as exc:
            err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="directory with launches.csv and vehicles.csv "
                 "(default: LAUNCHCAST_DATA_DIR or the repo's data/)"),
]


def _data_dir(data_dir: Path | None) -> Path:
    return data_dir or get_settings().data_dir


@data_app.command("import-gcat")
@user_errors
def import_gcat(
    path: Annotated[Path, typer.Argument(help="GCAT launch.tsv (full upstream file or a cut)")],
    lv: Annotated[Path | None, typer.Option(help="GCAT lv.tsv for vehicle families "
                                            "(default: families already in vehicles.csv)")] = None,
    data_dir: DataDir = None,
    source: Annotated[str | None, typer.Option(help="source label, default 'GCAT YYYY-MM' "
                                               "from the files' '# Updated' line")] = None,
) -> None:
    """Build launches.csv and vehicles.csv from a GCAT launch list (reproducible, byte-identical)."""
    out = _data_dir(data_dir)
    for p in (path, lv):
        if p is not None and not p.exists():
            raise LaunchcastError(f"{p} not found")
    launches = gcat.read_launches(path)
    if lv is not None:
        families = gcat.read_vehicle_families(lv)
    elif (out / VEHICLES_FILE).exists():
        families = {v.vehicle: v.family for v in load_history(out).vehicles.itertuples()}
    else:
        raise LaunchcastError(f"no {out / VEHICLES_FILE} yet: pass GCAT's lv.tsv with --lv")
    stamp = gcat.updated_stamp(path) or (gcat.updated_stamp(lv) if lv else None)
    label = source or (f"GCAT {stamp}" if stamp else "GCAT")
    agencies = gcat.read_agency_states(out / "agencies.csv")
    dataset = gcat.build_dataset(launches, families, agencies, label)
    atomic_write_text(out / LAUNCHES_FILE, gcat.to_csv(dataset.launches, gcat.LAUNCH_COLUMNS))
    atomic_write_text(out / VEHICLES_FILE, gcat.to_csv(dataset.vehicles, gcat.VEHICLE_COLUMNS))
    r = dataset.report
    console.print(
        f"read {r.source_rows} rows: kept {r.kept} launch attempts "
        f"({r.by_outcome['success']} successes, {r.by_outcome['failure']} failures); "
        f"left out {r.pad_explosions} pad explosions and {r.not_orbital} non-orbital rows; "
        f"{r.vehicles} vehicles → {out}"
    )


@data_app.command("validate")
@user_errors
def validate_data(data_dir: DataDir = None) -> None:
    """Check launches.csv and vehicles.csv; list every problem with file, line and column."""
    history = load_history(_data_dir(data_dir))
    console.print(
        f"ok: {history.n_launches} launches, {len(history.vehicles)} vehicles, "
        f"as of {history.as_of}, data hash {history.data_hash[:12]}"
    )


@data_app.command("summary")
@user_errors
def summary(
    state: Annotated[str | None, typer.Option(help="state code, e.g. KP, KR, US")] = None,
    family: Annotated[str | None, typer.Option(help="GCAT vehicle family, e.g. Unha")] = None,
    vehicle: Annotated[str | None, typer.Option(help="GCAT vehicle name, e.g. Cheonlima-1")] = None,
    data_dir: DataDir = None,
) -> None:
    """Attempts, successes and failures per state, or per vehicle of a state/family."""
    history = load_history(_data_dir(data_dir))
    table = record_table(history, state=state, family=family, vehicle=vehicle)
    title = "Orbital launch record"
    if state:
        title += f" — {history.state_names.get(state, state)} ({state})"
    names = dict(zip(history.vehicles["vehicle"], history.vehicles["display_name"], strict=True))
    out = Table(title=title, caption=f"GCAT (© J. McDowell, CC BY 4.0), as of {history.as_of}")
    out.add_column(table.index.name or "")
    for column in table.columns:
        out.add_column(column, justify="right" if column in ("attempts", "successes",
                                                             "failures") else "left")
    for key, row in table.iterrows():
        label = str(key)
        if table.index.name == "state":
            label = f"{key} {history.state_names.get(str(key), '')}".strip()
        else:
            label = names.get(label, label)
        out.add_row(label, *(str(v) for v in row))
    if len(table) > 1:
        out.add_row("[b]total[/b]", str(table["attempts"].sum()), str(table["successes"].sum()),
                    str(table["failures"].sum()), table["first"].min(), table["last"].max())
    console.print(out)


@app.command("fit")
@user_errors
def fit_command(
    model: Annotated[str, typer.Option(help=f"one of {', '.join(MODEL_NAMES)}")] = "hierarchical",
    out: Annotated[Path | None, typer.Option(help="directory to save the fit in "
                                             "(default: LAUNCHCAST_FIT_DIR)")] = None,
    draws: Annotated[int, typer.Option(min=1, help="draws per chain")] = 1500,
    tune: Annotated[int, typer.Option(min=0, help="warm-up iterations per chain")] = 700,
    chains: Annotated[int, typer.Option(min=1)] = 4,
    target_accept: Annotated[float, typer.Option()] = 0.9,
    seed: Annotated[int, typer.Option()] = 0,
    sampler: Annotated[str, typer.Option(help="nutpie (default) or pymc")] = "nutpie",
    data_dir: DataDir = None,
) -> None:
    """Fit a model on the launch history, gate it, and save it (a failed gate saves nothing)."""
    history = load_history(_data_dir(data_dir))
    options = {}
    if model == "hierarchical":
        options = {"draws": draws, "tune": tune, "chains": chains, "target_accept": target_accept,
                   "sampler": sampler, "progress": True}  # fmt: skip
    estimator = make_model(model, seed=seed, **options)
    console.print(f"fitting [b]{model}[/b] on {history.n_launches} launches "
                  f"(as of {history.as_of}) …")
    fit = estimator.fit(history)
    diagnostics = Diagnostics.from_dict(fit.manifest.get("diagnostics", closed_form().to_dict()))
    if diagnostics.method == "mcmc":
        table = Table(title=f"{model} {fit.version}: key parameters")
        for column in ("parameter", "mean", "sd", "5%", "95%", "R-hat", "ESS bulk"):
            table.add_column(column, justify="left" if column == "parameter" else "right")
        for row in key_parameter_table(fit.posterior, fit.coords, fit.dims, diagnostics):
            table.add_row(row["parameter"], *(f"{row[k]:.3f}" for k in ("mean", "sd", "q05", "q95",
                          "rhat")), f"{row['ess_bulk']:.0f}")  # fmt: skip
        console.print(table)
        console.print(
            f"gate: max R-hat {diagnostics.max_rhat:.4f}, min ESS bulk "
            f"{diagnostics.min_ess_bulk:.0f} / tail {diagnostics.min_ess_tail:.0f}, "
            f"{diagnostics.divergences} divergences, E-BFMI "
            + ", ".join(f"{v:.2f}" for v in diagnostics.ebfmi)
        )
    if not diagnostics.passed:
        raise LaunchcastError(
            "the fit failed the convergence gate and was not saved:\n  "
            + "\n  ".join(diagnostics.failures[:20])
            + "\n(try more --draws/--tune or a higher --target-accept)"
        )
    target = out or get_settings().fit_dir
    save_fit(fit, target)
    console.print(f"[green]gate passed[/green]; saved to {target} "
                  f"({fit.manifest['fit_seconds']:.1f} s)")


if __name__ == "__main__":
    app()
