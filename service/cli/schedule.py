"""``launchcast schedule …``: the launches already announced — fetched, added by hand, listed.

``update`` reads Launch Library 2's upcoming list (The Space Devs); ``add`` takes a window
from anywhere else (a navigation warning, a news report) with its source, one entry or a CSV
the user keeps; ``list`` shows what the schedule holds and which vehicle each launch flies.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from launchcast.model.errors import LaunchcastError
from launchcast.service.cli.common import (
    AsOf,
    DataDir,
    console,
    data_dir,
    err_console,
    keep_record,
    now_from,
    settings,
    user_errors,
)

app = typer.Typer(help="The launches already announced: update, add, list.", no_args_is_help=True)

#: The columns of a CSV given to ``schedule add --file`` (rocket, net and source required).
ADD_COLUMNS = ("rocket", "net", "window_end", "status", "name", "country", "source", "id")


@app.command("update")
@user_errors
def update(
    url: Annotated[
        str | None,
        typer.Option(help="Launch Library 2's …/launches/upcoming/ (default LAUNCHCAST_SCHEDULE_URL)"),
    ] = None,
    data: DataDir = None,
    as_of: AsOf = None,
) -> None:
    """Read Launch Library 2's upcoming launches into the schedule (its history kept)."""
    from launchcast.model.record.ll2 import update_schedule

    now = now_from(as_of)
    result = update_schedule(data_dir(data), settings().schedule_config(url), now)
    console.print(f"schedule {result.outcome}: {escape(result.reason)}", highlight=False)
    for line in (result.change.skipped if result.change else ())[:10]:
        err_console.print(f"[dim]skipped: {escape(line)}[/dim]", highlight=False)
    for aside in result.change.set_aside if result.change else ():
        err_console.print(f"[yellow]replaced an unreadable file:[/yellow] {escape(aside)}", highlight=False)
    _report_unmapped(data, now)
    keep_record(data, now)


@app.command("add")
@user_errors
def add(
    rocket: Annotated[
        str | None, typer.Option(help="the rocket, as the data or Launch Library 2 names it")
    ] = None,
    net: Annotated[
        str | None, typer.Option(help="window opens (UTC): YYYY-MM-DD or YYYY-MM-DDTHH:MMZ")
    ] = None,
    window_end: Annotated[
        str | None, typer.Option(help="window closes (UTC); default: when it opens")
    ] = None,
    source: Annotated[str | None, typer.Option(help="where it was announced: a URL or a citation")] = None,
    status: Annotated[
        str, typer.Option(help="Go, TBC (date fairly certain), TBD (an estimate), Hold")
    ] = "TBC",
    name: Annotated[str | None, typer.Option(help="a name for it, e.g. 'Chollima-1 | Malligyong-1'")] = None,
    country: Annotated[str, typer.Option(help="the launching state, for a rocket new to the data")] = "",
    entry_id: Annotated[
        str | None, typer.Option("--id", help="keep this id (re-adding it revises it)")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help=f"a CSV of entries, columns {', '.join(ADD_COLUMNS)}")
    ] = None,
    data: DataDir = None,
    as_of: AsOf = None,
) -> None:
    """Add announced launches from any source (a navigation warning, a news report)."""
    from launchcast.model.record.schedule import MAX_ENTRIES, parse_utc, user_entry
    from launchcast.model.record.schedule import add as add_entries

    now = now_from(as_of)
    rows: list[dict[str, str]] = []
    if file is not None:
        rows = _file_rows(file, MAX_ENTRIES)
    elif rocket and net and source:
        rows = [
            {
                "rocket": rocket,
                "net": net,
                "window_end": window_end or "",
                "status": status,
                "name": name or "",
                "country": country,
                "source": source,
                "id": entry_id or "",
            }
        ]
    else:
        raise LaunchcastError("give --rocket, --net and --source (or --file with those columns)")
    entries = []
    for row in rows:
        where = f"{file} line {row['_line']}" if "_line" in row else "the entry"
        missing = [c for c in ("rocket", "net", "source") if not (row.get(c) or "").strip()]
        if missing:
            raise LaunchcastError(f"{where}: give {', '.join(missing)}; nothing was added")
        try:
            entries.append(
                user_entry(
                    rocket=row["rocket"].strip(),
                    net=parse_utc(row["net"], "net"),
                    window_end=parse_utc(row["window_end"], "window_end") if row.get("window_end") else None,
                    source=row["source"],
                    status=(row.get("status") or "TBC").strip(),
                    name=(row.get("name") or "").strip() or None,
                    country=(row.get("country") or "").strip(),
                    entry_id=(row.get("id") or "").strip() or None,
                    now=now,
                )
            )
        except LaunchcastError as exc:
            raise LaunchcastError(f"{where}: {exc}; nothing was added") from None
    change = add_entries(data_dir(data), entries, now)
    console.print(f"schedule: {escape(change.summary())}", highlight=False)
    for aside in change.set_aside:
        err_console.print(f"[yellow]replaced an unreadable file:[/yellow] {escape(aside)}", highlight=False)
    _report_unmapped(data, now)
    keep_record(data, now)


@app.command("list")
@user_errors
def list_entries(
    data: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
    as_of: AsOf = None,
) -> None:
    """The announced launches still to fly, with the vehicle each is taken to fly."""
    import json

    from rich.table import Table

    rows = _placed(data, now_from(as_of))
    if as_json:
        console.print_json(json.dumps(rows, default=str))
        return
    table = Table(title="announced launches")
    for column in ("window (UTC)", "launch", "status", "vehicle", "source"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(escape(row[k]) for k in ("window", "name", "status", "vehicle", "source")))
    console.print(
        table if rows else "no announced launch: run 'launchcast schedule update' or 'schedule add'"
    )


def _file_rows(file: Path, most: int) -> list[dict[str, str]]:
    """The rows of a ``--file`` CSV, each with its line; refused whole (naming the line) when it
    has no header naming rocket, net and source, no rows, a line the CSV reader cannot read, or
    more than ``most`` rows (read no further)."""
    rows: list[dict[str, str]] = []
    try:
        with open(file, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in ("rocket", "net", "source") if c not in (reader.fieldnames or [])]
            if missing:
                raise LaunchcastError(
                    f"{file} line 1: the header must name the columns {', '.join(ADD_COLUMNS)} (rocket, "
                    f"net and source required; {', '.join(missing)} missing); nothing was added"
                )
            for row in reader:
                if len(rows) == most:
                    raise LaunchcastError(
                        f"{file}: more than {most:,} entries, the schedule's limit; nothing was added"
                    )
                rows.append(
                    {k: v for k, v in row.items() if isinstance(k, str)} | {"_line": str(reader.line_num)}
                )
    except UnicodeDecodeError as exc:
        raise LaunchcastError(f"{file}: not UTF-8 (byte {exc.start}); nothing was added") from None
    except csv.Error as exc:
        raise LaunchcastError(f"{file} line {reader.line_num}: {exc}; nothing was added") from None
    except OSError as exc:
        raise LaunchcastError(f"{file}: {exc.strerror or exc}") from None
    if not rows:
        raise LaunchcastError(f"{file}: no entries under the header; nothing was added")
    return rows


def _placed(data: Path | None, now: datetime) -> list[dict[str, str]]:
    """Upcoming entries at ``now``, each with the vehicle it is placed on (the data's catalogue)."""
    from launchcast.model.record.catalogue import Catalogue, vehicle_records
    from launchcast.model.record.history import decimal_year, load_history
    from launchcast.model.record.rockets import place
    from launchcast.model.record.schedule import read_schedule

    where = data_dir(data)
    history = load_history(where)
    catalogue = Catalogue(vehicle_records(history), history.state_names, history.aliases, decimal_year(now))
    rows = []
    for entry in read_schedule(where).upcoming(now):
        placement = place(catalogue, entry)
        vehicle = placement.vehicle or ("new vehicle" if placement.new_vehicle else "unmapped")
        rows.append(
            {
                "id": entry.id,
                "window": f"{entry.window_start:%Y-%m-%d %H:%M} → {entry.window_end:%Y-%m-%d}",
                "name": entry.name,
                "status": entry.status,
                "vehicle": vehicle,
                "placement": placement.how,
                "source": entry.source,
            }
        )
    return rows


def _report_unmapped(data: Path | None, now: datetime) -> None:
    for row in _placed(data, now):
        if row["vehicle"] == "unmapped":
            err_console.print(
                f"[yellow]unmapped:[/yellow] {escape(row['name'])}: {escape(row['placement'])}",
                highlight=False,
            )
