"""The ``launchcast`` command line: data, fitting, forecasts and the service.

User errors (``LaunchcastError``) print one clear message and exit 1, no traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from launchcast.model.diagnostics import Diagnostics, closed_form, key_parameter_table
from launchcast.model.errors import LaunchcastError
from launchcast.model.fit import Fit
from launchcast.model.forecast import (
    Anchored,
    ModelInfo,
    NextLaunchForecast,
    Programme,
    by_date,
    campaign,
    next_launch,
    versus,
)
from launchcast.model.history import load_history, parse_time, record_table
from launchcast.model.ingest import add_launch, ingest_gcat, rebuild
from launchcast.model.models import MODEL_NAMES, make_model
from launchcast.model.refit import RefitPolicy, refit
from launchcast.model.saved import load_fit, save_fit
from launchcast.model.update import attempt_update
from launchcast.service.settings import get_settings

app = typer.Typer(
    help="Launch-reliability forecasts from the world's orbital launch history.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Build, validate and summarise the launch history.", no_args_is_help=True)
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
        except OSError as exc:  # a full disk, a read-only mount, a missing permission: say which file
            where = f" ({exc.filename})" if exc.filename else ""
            err_console.print(f"[red]error:[/red] {exc.strerror or exc}{where}; nothing more was changed",
                              highlight=False, soft_wrap=True)  # fmt: skip
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="directory with launches.csv and vehicles.csv "
        "(default: LAUNCHCAST_DATA_DIR or the repo's data/)",
    ),
]


def _data_dir(data_dir: Path | None) -> Path:
    return data_dir or get_settings().ensure_data()


LvOption = Annotated[
    Path | None,
    typer.Option(
        "--lv", help="GCAT lv.tsv, for vehicle families (default: families already in vehicles.csv)"
    ),
]
OrgsOption = Annotated[
    Path | None,
    typer.Option(
        "--orgs", help="GCAT orgs.tsv, to place new operators in their states (default: data/orgs.csv)"
    ),
]


def _require_files(*paths: Path | None) -> None:
    for p in paths:
        if p is not None and not p.exists():
            raise LaunchcastError(f"{p} not found")


@data_app.command("import-gcat")
@user_errors
def import_gcat(
    path: Annotated[Path, typer.Argument(help="GCAT launch.tsv (full upstream file or a cut)")],
    lv: LvOption = None, orgs: OrgsOption = None, data_dir: DataDir = None,
    source: Annotated[
        str | None, typer.Option(help="source label, default 'GCAT YYYY-MM' from the files' '# Updated' line")
    ] = None,
) -> None:  # fmt: skip
    """Build launches.csv and vehicles.csv from a GCAT launch list (reproducible, byte-identical)."""
    _require_files(path, lv, orgs)
    out = _data_dir(data_dir)
    dataset = rebuild(out, path, lv, orgs, source)
    r = dataset.report
    console.print(
        f"read {r.source_rows} rows: kept {r.kept} launch attempts "
        f"({r.by_outcome['success']} successes, {r.by_outcome['failure']} failures); "
        f"left out {r.pad_explosions} pad explosions and {r.not_orbital} non-orbital rows; "
        f"{r.vehicles} vehicles → {out}"
    )


@data_app.command("ingest-gcat")
@user_errors
def ingest_gcat_command(
    path: Annotated[Path, typer.Argument(help="a newer GCAT launch.tsv (the full upstream file "
                                         "is fine: only orbital launches are taken)")],
    lv: LvOption = None, orgs: OrgsOption = None, data_dir: DataDir = None,
) -> None:  # fmt: skip
    """Add new launches and correct revised ones; never drops a row; reports what changed."""
    _require_files(path, lv, orgs)
    report = ingest_gcat(_data_dir(data_dir), path, lv, orgs)
    console.print(report.summary(), highlight=False)
    if report.changed:
        console.print("run 'launchcast refit' to fit the model on the new data")


class DownloadProgress:
    """A progress bar per table on a terminal; plain lines (start, every 25%, end) otherwise."""

    def __init__(self) -> None:
        self.bar: Progress | None = Progress(console=console, transient=True) if console.is_terminal else None
        self.tasks: dict[str, Any] = {}
        self.reported: dict[str, int] = {}

    def __enter__(self) -> DownloadProgress:
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self.bar:
            self.bar.stop()

    def __call__(self, table: str, received: int, total: int | None) -> None:
        if self.bar:
            if table not in self.tasks:
                self.tasks[table] = self.bar.add_task(f"{table}.tsv", total=total)
            self.bar.update(self.tasks[table], completed=received)
            return
        step = 4 * received // total if total else 0
        if self.reported.get(table, -1) < step:
            self.reported[table] = step
            size = f" of {total / 1e6:.1f} MB" if total else ""
            console.print(f"{table}.tsv: {received / 1e6:.1f} MB{size}", highlight=False)


@data_app.command("update")
@user_errors
def update_command(
    url: Annotated[str | None, typer.Option(help="GCAT's tsv/ folder (default LAUNCHCAST_GCAT_URL, "
                                            "GCAT's public site)")] = None,
    data_dir: DataDir = None,
) -> None:  # fmt: skip
    """Download GCAT's launch, vehicle and organisation tables and take in what is new.

    304 (nothing new) exits 0; any failure is one line, exit 1, and data/ unchanged.
    """
    settings = get_settings()
    config = settings.update_config(url)
    console.print(f"update: {config.base_url} → {_data_dir(data_dir)}", highlight=False)
    with DownloadProgress() as progress:
        result, attempt = attempt_update(_data_dir(data_dir), config, settings.update_log,
                                         datetime.now(UTC), progress)  # fmt: skip
    if result is None:
        raise LaunchcastError(attempt.reason)
    if result.report is not None:
        console.print(result.report.summary(), highlight=False)
    console.print(f"{result.outcome}: {result.reason}", highlight=False)
    if result.changed:
        console.print("run 'launchcast refit' to fit the model on the new data")


@data_app.command("add")
@user_errors
def add_command(
    time_utc: Annotated[str, typer.Option("--time", help="UTC, e.g. 2024-05-27T15:44Z or 2024-05-27")],
    vehicle: Annotated[str, typer.Option(help="GCAT vehicle name")],
    outcome: Annotated[str, typer.Option(help="success or failure")],
    agency: Annotated[str, typer.Option(help="GCAT agency code, e.g. NATA")] = "",
    site: Annotated[str, typer.Option(help="GCAT site code, e.g. SOHAE")] = "",
    tag: Annotated[str | None, typer.Option(help="launch tag (default manual-DATE-VEHICLE)")] = None,
    family: Annotated[str | None, typer.Option(help="family, required for a new vehicle")] = None,
    state: Annotated[str | None, typer.Option(help="owning state, required for a new vehicle")] = None,
    data_dir: DataDir = None,
) -> None:  # fmt: skip
    """Add one launch entered by hand (validated; a new vehicle needs --family and --state)."""
    report = add_launch(_data_dir(data_dir), time_utc, vehicle, outcome, agency, site, tag,
                        family, state)  # fmt: skip
    console.print(report.summary(), highlight=False)


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
        out.add_column(column, justify="right" if column in ("attempts", "successes", "failures") else "left")
    for key, row in table.iterrows():
        label = str(key)
        if table.index.name == "state":
            label = f"{key} {history.state_names.get(str(key), '')}".strip()
        else:
            label = names.get(label, label)
        out.add_row(label, *(str(v) for v in row))
    if len(table) > 1:
        out.add_row(
            "[b]total[/b]",
            str(table["attempts"].sum()),
            str(table["successes"].sum()),
            str(table["failures"].sum()),
            table["first"].min(),
            table["last"].max(),
        )
    console.print(out)


@app.command("fit")
@user_errors
def fit_command(
    model: Annotated[str, typer.Option(help=f"one of {', '.join(MODEL_NAMES)}")] = "hierarchical",
    out: Annotated[
        Path | None,
        typer.Option(
            help="save the fit in this directory instead of publishing it to the registry and promoting it"
        ),
    ] = None,
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
    console.print(f"fitting [b]{model}[/b] on {history.n_launches} launches (as of {history.as_of}) …")
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
    if out is not None:
        save_fit(fit, out)
        where = str(out)
    else:
        registry = get_settings().registry()
        version_id = registry.publish(fit)
        registry.promote(version_id)
        where = f"registry {registry.root} as version {version_id} (now current)"
    console.print(f"[green]gate passed[/green]; saved to {where} ({fit.manifest['fit_seconds']:.1f} s)")


forecast_app = typer.Typer(
    help="Forecasts from a saved fit (plain numpy on posterior draws).", no_args_is_help=True
)
app.add_typer(forecast_app, name="forecast")

FitDir = Annotated[
    Path | None, typer.Option("--fit", help="a saved fit directory (default: the registry's current version)")
]
Vehicle = Annotated[
    str | None, typer.Option(help="vehicle, GCAT or display name (Cheonlima-1 or Chollima-1)")
]
State = Annotated[str | None, typer.Option(help="state code, e.g. KP")]
AsJson = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
Seed = Annotated[int, typer.Option(help="random seed (same seed, same answer)")]
AsOf = Annotated[str | None, typer.Option(
    "--as-of", help="when the question is asked, UTC (YYYY-MM-DD or YYYY-MM-DDTHH:MMZ; default now): "
    "time windows start here; pass an earlier answer's to reproduce it")]  # fmt: skip


def _now(as_of: str | None) -> datetime:
    """The question's time: given, or the clock read here, at the edge."""
    if as_of is None:
        return datetime.now(UTC)
    try:
        return parse_time(as_of if as_of.endswith("Z") or len(as_of) <= 10 else as_of + "Z")
    except ValueError as exc:
        raise LaunchcastError(f"--as-of: {exc}") from None


def _stale_after() -> int:
    return get_settings().stale_after_days


def _print_freshness(result: Anchored) -> None:
    console.print(f"asked {result.as_of:%Y-%m-%d %H:%M} UTC; data as of {result.data_as_of} "
                  f"({result.data_age_days:,} days old)", highlight=False)  # fmt: skip
    for warning in result.warnings:
        err_console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False, soft_wrap=True)


def _load(fit_dir: Path | None) -> Fit:
    return load_fit(fit_dir) if fit_dir else get_settings().registry().load_current()


def _programme(text: str, fit: Fit, new_vehicle: bool = False) -> Programme:
    """A positional programme: a state code if the fit knows one, else a vehicle name."""
    if text in fit.states:
        return Programme(state=text, new_vehicle=new_vehicle)
    return Programme(vehicle=text)


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def _print_next(result: NextLaunchForecast) -> None:
    r = result.reliability
    table = Table(title=result.subject, show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("P(success)", _pct(result.probability))
    table.add_row("reliability median", _pct(r.median))
    table.add_row("50% interval", f"{_pct(r.interval_50.low)} – {_pct(r.interval_50.high)}")
    table.add_row("90% interval", f"{_pct(r.interval_90.low)} – {_pct(r.interval_90.high)}")
    rec = result.record
    table.add_row("record", f"{rec.subject}: {rec.successes}/{rec.attempts} successes, "
                  f"last launch {rec.last_launch or 'never'}")  # fmt: skip
    table.add_row("flight", f"{result.flight_number} (the first after the data's end)")
    _model_rows(table, result.model)
    console.print(table)
    _print_freshness(result)


def _model_rows(table: Table, info: ModelInfo) -> None:
    table.add_row("model", f"{info.model} {info.version}, {info.draws} draws")


@forecast_app.command("next")
@user_errors
def forecast_next(
    vehicle: Vehicle = None, state: State = None,
    family: Annotated[str | None, typer.Option(help="a family's next new variant")] = None,
    new_vehicle: Annotated[bool, typer.Option(help="a hypothetical new vehicle of --state")] = False,
    fit_dir: FitDir = None, as_json: AsJson = False, as_of: AsOf = None,
) -> None:  # fmt: skip
    """P(success) of the next launch of a vehicle, a state, or a new vehicle."""
    result = next_launch(_load(fit_dir), Programme(vehicle, state, family, new_vehicle),
                         now=_now(as_of), stale_after_days=_stale_after())  # fmt: skip
    console.print_json(result.model_dump_json()) if as_json else _print_next(result)


@forecast_app.command("campaign")
@user_errors
def forecast_campaign(
    vehicle: Vehicle = None, state: State = None,
    launches: Annotated[int, typer.Option("-n", "--launches", help="N, 1-100")] = 5,
    paths: Annotated[int, typer.Option(help="Monte Carlo paths")] = 100_000,
    seed: Seed = 0, fit_dir: FitDir = None, as_json: AsJson = False, as_of: AsOf = None,
) -> None:  # fmt: skip
    """Distribution of successes in the next N launches of one vehicle."""
    result = campaign(_load(fit_dir), Programme(vehicle, state), launches, paths, seed,
                      now=_now(as_of), stale_after_days=_stale_after())  # fmt: skip
    if as_json:
        console.print_json(result.model_dump_json())
        return
    table = Table(title=result.subject)
    for column in ("successes k", "P(exactly k)", "P(at least k)"):
        table.add_column(column, justify="right")
    for k, (p, q) in enumerate(zip(result.success_pmf, result.at_least, strict=True)):
        table.add_row(str(k), _pct(p), _pct(q))
    console.print(table)
    console.print(f"expected successes {result.expected_successes:.2f}; expected attempts to "
                  f"first success {result.expected_attempts_to_first_success:.2f}; "
                  f"P(no success in {launches}) {_pct(result.probability_no_success)}; "
                  f"{result.model.model} {result.model.version}")  # fmt: skip
    _print_freshness(result)


@forecast_app.command("by-date")
@user_errors
def forecast_by_date(
    date_: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")],
    vehicle: Vehicle = None, state: State = None,
    new_vehicle: Annotated[bool, typer.Option(help="on a new vehicle of --state")] = False,
    paths: Annotated[int, typer.Option()] = 20_000, seed: Seed = 0,
    fit_dir: FitDir = None, as_json: AsJson = False, as_of: AsOf = None,
) -> None:  # fmt: skip
    """P(at least one successful launch from now until a date), with a launch-cadence model."""
    try:
        until = date.fromisoformat(date_)
    except ValueError:
        raise LaunchcastError(f"--date {date_!r} is not a date: use YYYY-MM-DD") from None
    result = by_date(_load(fit_dir), Programme(vehicle, state, None, new_vehicle), until,
                     paths, seed, now=_now(as_of), stale_after_days=_stale_after())  # fmt: skip
    if as_json:
        console.print_json(result.model_dump_json())
        return
    table = Table(title=f"{result.subject} before {result.date}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("P(at least one success)", _pct(result.probability))
    table.add_row("window", f"{result.window_start:%Y-%m-%d %H:%M} UTC → {result.date} "
                  f"({result.years * 365.25:.1f} days)")  # fmt: skip
    rate = result.launch_rate_per_year
    table.add_row("launch rate / year", f"{rate.median:.2f} (90%: {rate.interval_90.low:.2f} – "
                  f"{rate.interval_90.high:.2f})")  # fmt: skip
    table.add_row("expected launches", f"{result.expected_launches:.1f}")
    _model_rows(table, result.model)
    console.print(table)
    _print_freshness(result)


@forecast_app.command("versus")
@user_errors
def forecast_versus(
    a: Annotated[str, typer.Argument(help="state code or vehicle, e.g. KP")],
    b: Annotated[str, typer.Argument(help="state code or vehicle, e.g. KR")],
    a_new_vehicle: Annotated[bool, typer.Option(help="A flies a new vehicle")] = False,
    b_new_vehicle: Annotated[bool, typer.Option(help="B flies a new vehicle")] = False,
    paths: Annotated[int, typer.Option()] = 20_000, seed: Seed = 0,
    fit_dir: FitDir = None, as_json: AsJson = False, as_of: AsOf = None,
) -> None:  # fmt: skip
    """Head to head: who is more reliable, and whose next success (from now) comes first."""
    fit = _load(fit_dir)
    result = versus(fit, _programme(a, fit, a_new_vehicle), _programme(b, fit, b_new_vehicle),
                    paths, seed, now=_now(as_of), stale_after_days=_stale_after())  # fmt: skip
    if as_json:
        console.print_json(result.model_dump_json())
        return
    table = Table(title=f"{a} vs {b}")
    table.add_column("")
    table.add_column(a, justify="right")
    table.add_column(b, justify="right")
    table.add_row("next launch", result.a.subject, result.b.subject)
    table.add_row("P(next launch succeeds)", _pct(result.a.probability), _pct(result.b.probability))
    table.add_row("P(more reliable)", _pct(result.probability_a_more_reliable),
                  _pct(1 - result.probability_a_more_reliable))  # fmt: skip
    table.add_row("P(next success first)", _pct(result.probability_a_first),
                  _pct(result.probability_b_first))  # fmt: skip
    table.add_row("median years from now to a success", str(result.median_years_to_success_a),
                  str(result.median_years_to_success_b))  # fmt: skip
    console.print(table)
    console.print(f"{result.model.model} {result.model.version}; P(neither within 100 launches "
                  f"from now) {_pct(result.probability_neither)}")  # fmt: skip
    _print_freshness(result)


@app.command("refit")
@user_errors
def refit_command(
    force: Annotated[bool, typer.Option(help="fit even if this data and config were fitted")] = False,
    model: Annotated[str, typer.Option(help=f"one of {', '.join(MODEL_NAMES)}")] = "hierarchical",
    seed: Annotated[int, typer.Option()] = 0,
    update: Annotated[bool, typer.Option("--update", help="first take in GCAT's newest tables "
                                         "(LAUNCHCAST_GCAT_URL); a failed update is logged and the "
                                         "refit goes on with the data it has")] = False,
    url: Annotated[str | None, typer.Option(help="GCAT's tsv/ folder for --update")] = None,
    data_dir: DataDir = None,
) -> None:  # fmt: skip
    """[Update →] validate data → fit → gate → sanity score → publish → promote (for cron / CronJob)."""
    settings = get_settings()
    policy = RefitPolicy(model=model, seed=seed,
                         options={"progress": True} if model == "hierarchical" else {},
                         max_log_loss_increase=settings.max_log_loss_increase)  # fmt: skip
    console.print(f"refit: {model} on {_data_dir(data_dir)} → {settings.registry_dir}")
    config = settings.update_config(url) if update else None
    result = refit(_data_dir(data_dir), settings.registry(), policy, force, config, datetime.now(UTC))
    if result.update:
        console.print(f"update: {result.update}", highlight=False)
    colour = {"promoted": "green", "skipped": "yellow", "refused": "yellow"}.get(result.outcome, "red")
    console.print(f"[{colour}]{result.outcome}[/{colour}]: {result.reason}", highlight=False)
    if result.scores:
        console.print("scores: " + ", ".join(f"{k} {v:.4f}" for k, v in result.scores.items()))
    if result.outcome in ("failed", "rejected"):
        sys.exit(1)


models_app = typer.Typer(
    help="The model registry: versions, the current one, rollback.", no_args_is_help=True
)
app.add_typer(models_app, name="models")


@models_app.command("list")
@user_errors
def models_list() -> None:
    """Every kept version, oldest first; * marks the current one."""
    registry = get_settings().registry()
    table = Table(title=f"registry {registry.root}")
    for column in ("", "id", "model", "version", "data as of", "fitted at", "gate"):
        table.add_column(column)
    for info in registry.list():
        gate = "passed" if info.passed_gate else "FAILED"
        table.add_row("*" if info.current else "", info.id, info.model, info.version,
                      info.data_as_of, info.fitted_at, gate)  # fmt: skip
    console.print(table)


@models_app.command("show")
@user_errors
def models_show(version_id: Annotated[str, typer.Argument(help="version id")]) -> None:
    """A version's manifest (without the per-vehicle records)."""
    manifest = get_settings().registry().manifest(version_id)
    shown = {k: v for k, v in manifest.items() if k not in ("records", "coords", "dims")}
    if "diagnostics" in shown:
        shown["diagnostics"] = {k: v for k, v in shown["diagnostics"].items() if k != "parameters"}
    console.print_json(data=shown)


@models_app.command("promote")
@user_errors
def models_promote(version_id: Annotated[str, typer.Argument(help="version id")]) -> None:
    """Make a version current (the service switches to it within seconds)."""
    get_settings().registry().promote(version_id)
    console.print(f"current: {version_id}")


@models_app.command("rollback")
@user_errors
def models_rollback() -> None:
    """Make the previously promoted version current again."""
    console.print(f"current: {get_settings().registry().rollback()}")


@app.command("backtest")
@user_errors
def backtest_command(
    start: Annotated[int, typer.Option(help="first year forecast")] = 2000,
    end: Annotated[int, typer.Option(help="last year forecast")] = 2023,
    models: Annotated[str, typer.Option(help="comma-separated")] = "laplace,jeffreys,eb-beta,hierarchical",
    update: Annotated[str, typer.Option(help="none, or within-year (baselines learn "
                                        "from the year's earlier launches)")] = "none",
    workers: Annotated[int, typer.Option(min=1, help="parallel processes")] = 2,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler, tcp://host:8786")] = None,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("var/backtest"),
    data_dir: DataDir = None,
) -> None:  # fmt: skip
    """Rolling-origin backtest: fit on the past, forecast each year, score every model."""
    from rich.progress import Progress

    from launchcast.model.backtest import jobs_for, run, write_outputs

    history = load_history(_data_dir(data_dir))
    jobs = jobs_for([m.strip() for m in models.split(",") if m.strip()], start, end, update,
                    {"hierarchical": {"progress": False}})  # fmt: skip
    with Progress(console=console) as progress:
        task = progress.add_task(f"{len(jobs)} fits (model × year)", total=len(jobs))
        predictions, facts = run(history, jobs, workers, scheduler,
                                 lambda job: progress.advance(task))  # fmt: skip
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


@app.command("serve")
@user_errors
def serve(
    host: Annotated[str | None, typer.Option(help="default LAUNCHCAST_HOST (127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="default LAUNCHCAST_PORT (8000)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes")] = 1,
    fit_if_missing: Annotated[bool, typer.Option(help="fit the hierarchical model first if "
                                                 "there is no saved fit this code can read")] = False,
    access_log: Annotated[bool, typer.Option(help="log every request")] = True,
) -> None:  # fmt: skip
    """Serve the forecast API (OpenAPI docs at /docs)."""
    from launchcast.service.server import serve as run_server

    settings = get_settings()
    if fit_if_missing:
        registry = settings.registry()
        try:
            registry.load_current()
        except LaunchcastError as exc:  # none yet, or written by an older model version
            console.print(f"{exc}\nfitting the hierarchical model now (about a minute) …")
            refit_command(force=False, model="hierarchical", seed=0, update=False, url=None,
                          data_dir=settings.data_dir)  # fmt: skip
    run_server(settings, host or settings.host, port or settings.port, workers, access_log)


if __name__ == "__main__":
    app()
