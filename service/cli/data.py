"""``launchcast data …``: build, update, validate and summarise the launch history."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from launchcast.model.errors import LaunchcastError
from launchcast.service.cli.common import (
    DataDir,
    Progress,
    console,
    data_dir,
    keep_record,
    settings,
    user_errors,
)

app = typer.Typer(help="Build, update, validate and summarise the launch history.", no_args_is_help=True)

LvOption = Annotated[
    Path | None,
    typer.Option("--lv", help="GCAT lv.tsv, for vehicle families (default: those in vehicles.csv)"),
]
OrgsOption = Annotated[
    Path | None,
    typer.Option("--orgs", help="GCAT orgs.tsv, to place new operators in their states (default: orgs.csv)"),
]


def _require_files(*paths: Path | None) -> None:
    for p in paths:
        if p is not None and not p.exists():
            raise LaunchcastError(f"{p} not found")


@app.command("import-gcat")
@user_errors
def import_gcat(
    path: Annotated[Path, typer.Argument(help="GCAT launch.tsv (full upstream file or a cut)")],
    lv: LvOption = None,
    orgs: OrgsOption = None,
    data: DataDir = None,
    source: Annotated[
        str | None, typer.Option(help="source label, default 'GCAT YYYY-MM' from the files' '# Updated' line")
    ] = None,
) -> None:
    """Build launches.csv and vehicles.csv from a GCAT launch list (reproducible, byte-identical)."""
    from launchcast.model.record.ingest import rebuild

    _require_files(path, lv, orgs)
    out = data_dir(data)
    r = rebuild(out, path, lv, orgs, source).report
    console.print(
        f"read {r.source_rows} rows: kept {r.kept} launch attempts "
        f"({r.by_outcome['success']} successes, {r.by_outcome['failure']} failures); "
        f"left out {r.pad_explosions} pad explosions and {r.not_orbital} non-orbital rows; "
        f"{r.vehicles} vehicles → {out}"
    )


AcceptLargeChange = Annotated[
    bool,
    typer.Option(
        "--accept-large-change",
        help="take in a change over the plausibility bounds (a year with "
        "3× the busiest year's launches, over 10% of launches corrected, launches moved to another "
        "state) after checking the source",
    ),
]


@app.command("ingest-gcat")
@user_errors
def ingest_gcat(
    path: Annotated[
        Path,
        typer.Argument(
            help="a newer GCAT launch.tsv (the full upstream file is fine: only orbital launches are taken)"
        ),
    ],
    lv: LvOption = None,
    orgs: OrgsOption = None,
    data: DataDir = None,
    accept_large_change: AcceptLargeChange = False,
) -> None:
    """Add new launches and correct revised ones; never drops a row; reports what changed."""
    from launchcast.model.record.ingest import ingest_gcat as ingest

    _require_files(path, lv, orgs)
    report = ingest(data_dir(data), path, lv, orgs, accept_large_change=accept_large_change)
    console.print(report.summary(), highlight=False)
    if report.changed:
        keep_record(data)
        console.print("run 'launchcast refit' to fit the model on the new data")


@app.command("update")
@user_errors
def update(
    url: Annotated[
        str | None, typer.Option(help="GCAT's tsv/ folder (default LAUNCHCAST_GCAT_URL, GCAT's public site)")
    ] = None,
    data: DataDir = None,
    accept_large_change: AcceptLargeChange = False,
) -> None:
    """Download GCAT's launch, vehicle and organisation tables and take in what is new.

    304 (nothing new) exits 0; any failure is one line, exit 1, and the data unchanged.
    A change larger than an update plausibly brings is refused until accepted.
    """
    import logging

    from launchcast.model.record.update import attempt_update

    config = settings().update_config(url, accept_large_change)
    where = data_dir(data)
    console.print(f"update: {config.shown_url} → {where}", highlight=False)
    # The command says the outcome itself, once: the update log's line would repeat it.
    quiet = logging.getLogger("launchcast.update")
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        with Progress() as progress:

            def downloaded(table: str, received: int, total: int | None) -> None:
                progress.step(f"{table}.tsv", received / 1e6, total / 1e6 if total else None, " MB")

            result, attempt = attempt_update(
                where, config, settings().update_log, datetime.now(UTC), downloaded
            )
    finally:
        quiet.level = level
    if result is None:
        raise LaunchcastError(attempt.reason)
    if result.report is not None:
        console.print(result.report.summary(), highlight=False)
    console.print(f"{result.outcome}: {result.reason}", highlight=False)
    if result.changed:
        keep_record(data)
        console.print("run 'launchcast refit' to fit the model on the new data")


@app.command("add")
@user_errors
def add(
    time_utc: Annotated[str, typer.Option("--time", help="UTC, e.g. 2024-05-27T15:44Z or 2024-05-27")],
    vehicle: Annotated[str, typer.Option(help="GCAT vehicle name")],
    outcome: Annotated[str, typer.Option(help="success or failure")],
    agency: Annotated[str, typer.Option(help="GCAT agency code, e.g. NATA")] = "",
    site: Annotated[str, typer.Option(help="GCAT site code, e.g. SOHAE")] = "",
    tag: Annotated[str | None, typer.Option(help="launch tag (default manual-DATE-VEHICLE)")] = None,
    family: Annotated[str | None, typer.Option(help="family, required for a new vehicle")] = None,
    state: Annotated[str | None, typer.Option(help="owning state, required for a new vehicle")] = None,
    another_launch: Annotated[
        bool,
        typer.Option(
            "--another-launch",
            help="add it although the data hold a launch of the same state within 12 hours",
        ),
    ] = False,
    data: DataDir = None,
) -> None:
    """Add one launch entered by hand (validated; a new vehicle needs --family and --state)."""
    from launchcast.model.record.ingest import add_launch

    report = add_launch(
        data_dir(data),
        time_utc,
        vehicle,
        outcome,
        agency,
        site,
        tag,
        family,
        state,
        another_launch=another_launch,
    )
    console.print(report.summary(), highlight=False)
    keep_record(data)
    console.print("run 'launchcast refit' to fit the model on it: the data are up to date", highlight=False)


@app.command("validate")
@user_errors
def validate(data: DataDir = None) -> None:
    """Check the launch data and the schedule; list every problem with file, line and column."""
    from launchcast.model.record.history import load_history
    from launchcast.model.record.schedule import read_schedule

    where = data_dir(data)
    history = load_history(where)
    console.print(
        f"ok: {history.n_launches} launches, {len(history.vehicles)} vehicles, "
        f"as of {history.as_of}, data hash {history.data_hash[:12]}"
    )
    schedule = read_schedule(where)  # raises naming the file and line, and how to mend it
    console.print(
        f"ok: {len(schedule.entries)} announced launches, {len(schedule.revisions)} revisions",
        highlight=False,
    )


@app.command("summary")
@user_errors
def summary(
    state: Annotated[str | None, typer.Option(help="state code or name, e.g. KP or 'North Korea'")] = None,
    family: Annotated[str | None, typer.Option(help="GCAT vehicle family, e.g. Unha")] = None,
    vehicle: Annotated[str | None, typer.Option(help="GCAT vehicle name, e.g. Cheonlima-1")] = None,
    data: DataDir = None,
) -> None:
    """Attempts, successes and failures per state, or per vehicle of a state/family."""
    from rich.table import Table

    from launchcast.model.record.history import load_history, record_table

    history = load_history(data_dir(data))
    if state:
        state = history.state_code(state)
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
