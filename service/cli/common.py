"""What every command shares: consoles, error handling, options and where data lives.

Imports here stay light (typer, rich, settings): ``launchcast --help`` and
``models list`` must start in well under a second, so pandas, xarray and PyMC are
imported inside the commands that use them.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from launchcast.model.errors import LaunchcastError
from launchcast.service.settings import Settings, get_settings

# Piped (not a terminal), rich would cut tables to 80 columns ("al… | mo…"): a reader of a
# file or a pager gets whole rows instead.
console = Console() if sys.stdout.isatty() else Console(width=200)
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def user_errors(command: F) -> F:
    """Turn LaunchcastError (and a bad setting, a full disk) into one red line and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))  # a command asked for --json answers errors in JSON too
        try:
            return command(*args, **kwargs)
        except LaunchcastError as exc:
            fail(str(exc), as_json, getattr(exc, "suggestions", None))
        except ValidationError as exc:  # a LAUNCHCAST_ setting that is not valid
            fail(settings_problem(exc), as_json)
        except OSError as exc:  # a full disk, a read-only mount, a missing permission: say which file
            where = f" ({exc.filename})" if exc.filename else ""
            fail(f"{exc.strerror or exc}{where}; nothing more was changed", as_json)

    return cast(F, wrapper)


def fail(message: str, as_json: bool = False, suggestions: list[str] | None = None) -> None:
    """One red line on stderr and exit status 1; with ``--json``, one JSON object instead."""
    if as_json:
        error: dict[str, Any] = {"message": message}
        if suggestions:
            error["suggestions"] = suggestions
        print(json.dumps({"error": error}, ensure_ascii=False), file=sys.stderr)
    else:
        err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(1)


def settings_problem(exc: ValidationError) -> str:
    """'LAUNCHCAST_PORT=abc: Input should be a valid integer' — one line per bad setting."""
    problems = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"]).upper()
        problems.append(f"LAUNCHCAST_{name}={error.get('input')!s}: {error['msg']}")
    return "bad setting: " + "; ".join(problems)


def settings() -> Settings:
    """The settings, read from the environment (a bad value is one clear line, exit 1)."""
    try:
        return get_settings()
    except ValidationError as exc:
        fail(settings_problem(exc))
        raise  # unreachable: fail exits


DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="directory with launches.csv and vehicles.csv (default: LAUNCHCAST_DATA_DIR, else "
        "./var/data, seeded from the data shipped with launchcast)",
    ),
]


AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="when the question is asked, UTC (YYYY-MM-DD or YYYY-MM-DDTHH:MMZ; default now): "
        "time windows start here; pass an earlier answer's to reproduce it",
    ),
]


def now_from(as_of: str | None) -> datetime:
    """The command's time: given (``--as-of``), or the clock read here, at the edge."""
    from launchcast.model.record.history import parse_time

    if as_of is None:
        return datetime.now(UTC)
    try:
        return parse_time(as_of if as_of.endswith("Z") or len(as_of) <= 10 else as_of + "Z")
    except ValueError as exc:
        raise LaunchcastError(f"--as-of: {exc}") from None


def data_dir(given: Path | None) -> Path:
    return given or settings().ensure_data()


def keep_record(data: Path | None = None, now: datetime | None = None) -> None:
    """After a data or schedule change or a promotion: the ledger records and scores (best effort,
    one line)."""
    from launchcast.model.operations.upkeep import keep_record as keep
    from launchcast.model.operations.upkeep import upkeep_summary

    config = settings()
    if config.ledger_url is None:
        return
    upkeep = keep(config.ledger_url, config.registry(), data_dir(data), now or datetime.now(UTC))
    colour = "yellow" if upkeep.error else "dim"
    console.print(f"[{colour}]{upkeep_summary(upkeep)}[/{colour}]", highlight=False)


class Progress:
    """Progress of long work: a rich bar on a terminal; plain lines when output is not one.

    ``step(label, done, total)`` reports; plain mode prints a line at the start, every
    quarter and the end, so a log or CI transcript shows progress without bar noise.
    """

    def __init__(self, transient: bool = True) -> None:
        from rich.progress import Progress as Bar

        self.bar: Bar | None = Bar(console=console, transient=transient) if console.is_terminal else None
        self.tasks: dict[str, Any] = {}
        self.reported: dict[str, int] = {}

    def __enter__(self) -> Progress:
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self.bar:
            self.bar.stop()

    def step(self, label: str, done: float, total: float | None, unit: str = "") -> None:
        if self.bar:
            if label not in self.tasks:
                self.tasks[label] = self.bar.add_task(label, total=total)
            self.bar.update(self.tasks[label], completed=done)
            return
        quarter = int(4 * done // total) if total else 0
        if self.reported.get(label, -1) < quarter:
            self.reported[label] = quarter
            of = f" of {total:,.1f}{unit}" if total else ""
            console.print(f"{label}: {done:,.1f}{unit}{of}", highlight=False)
