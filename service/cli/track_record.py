"""``launchcast track-record``: forecasts made before launches, scored — the model beside its baselines."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from launchcast.model.errors import LaunchcastError
from launchcast.model.stats.models import MODEL_NAMES
from launchcast.service.cli.common import console, settings, user_errors

if TYPE_CHECKING:
    from launchcast.model.operations.track_record import TrackRecord


@user_errors
def track_record(
    state: Annotated[str | None, typer.Option(help="state code or name, e.g. KP")] = None,
    vehicle: Annotated[str | None, typer.Option(help="vehicle, e.g. Nuri or 천리마-1")] = None,
    model: Annotated[str | None, typer.Option(help=f"one of {', '.join(MODEL_NAMES)}")] = None,
    since: Annotated[str | None, typer.Option(help="launches on or after this date, YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="print every scored launch as CSV (one row per launch and model)")
    ] = False,
    plot: Annotated[
        Path | None, typer.Option(help="write a reliability diagram and cumulative log loss to this PNG")
    ] = None,
) -> None:
    """The live track record: every launch scored against the forecast made before it, per tier."""
    from launchcast.model.operations.ledger import Ledger

    config = settings()
    if config.ledger_url is None:
        raise LaunchcastError("the track record is off here (LAUNCHCAST_TRACK_RECORD=false)")
    if model is not None and model not in MODEL_NAMES:
        raise LaunchcastError(f"unknown model {model!r}; choose one of {', '.join(MODEL_NAMES)}")
    try:
        start = date.fromisoformat(since) if since else None
    except ValueError:
        raise LaunchcastError(f"--since {since!r} is not a date: use YYYY-MM-DD") from None
    state, vehicle = _resolve(state, vehicle)
    with Ledger.open(config.ledger_url) as ledger:
        record = ledger.track_record(state=state, vehicle=vehicle, model=model, since=start)
    if as_json:
        print(json.dumps(asdict(record), indent=1, default=str))
    elif as_csv:
        from launchcast.service.formats import track_record as as_table

        sys.stdout.buffer.write(as_table(record).csv())
    else:
        _print(record)
    if plot is not None:
        _plot(record, plot)
        console.print(f"wrote {plot}", highlight=False)


def _resolve(state: str | None, vehicle: str | None) -> tuple[str | None, str | None]:
    """Names as the API resolves them: by the served fit (its names table), else as given."""
    if not state and not vehicle:
        return state, vehicle
    try:
        fit = settings().registry().load_current()
    except LaunchcastError:
        return state, vehicle
    return (
        fit.catalogue.state_code(state) if state else None,
        fit.catalogue.record(vehicle).vehicle if vehicle else None,
    )


#: What each tier's figures mean (``model.operations.ledger``).
CAPTIONS = {
    "scheduled": "forecasts for announced launches, recorded before each one's window opened",
    "prospective": "forecasts recorded before each launch: the live record",
    "out-of-sample": "forecasts recorded after the launch, from data that ended before it",
}
TIERS = tuple(CAPTIONS)


def _print(record: TrackRecord) -> None:
    from rich.table import Table

    if not record.totals:
        console.print(
            f"no launch scored yet ({record.forecast_sets} forecast set(s) recorded; launches are "
            "scored when 'launchcast data update' brings them)",
            highlight=False,
        )
    for tier in TIERS:
        rows = [t for t in record.totals if t.tier == tier]
        if not rows:
            continue
        caption = CAPTIONS[tier]
        table = Table(title=f"Track record — {tier}", caption=caption)
        for column in ("model", "launches", "log loss", "Brier", "expected successes", "successes"):
            table.add_column(column, justify="left" if column == "model" else "right")
        best = min(rows, key=lambda t: t.log_loss).model
        for t in rows:
            name = f"[b]{t.model}[/b]" if t.model == best else t.model
            table.add_row(
                name,
                str(t.launches),
                f"{t.log_loss:.4f}",
                f"{t.brier:.4f}",
                f"{t.expected_successes:.1f}",
                str(t.successes),
            )
        console.print(table)
    latest = sorted({(r.launch_time, r.launch_tag) for r in record.launches})[-15:]
    if latest:
        table = Table(title="Latest scored launches (p = forecast P(success))")
        for column in (
            "launch",
            "date",
            "vehicle",
            "outcome",
            "tier",
            *sorted({r.model for r in record.launches}),
        ):
            table.add_column(column)
        by_key = {(r.launch_tag, r.model): r for r in record.launches}
        models = sorted({r.model for r in record.launches})
        for when, tag in latest:
            first = next(r for r in record.launches if r.launch_tag == tag)
            cells = [f"{by_key[(tag, m)].probability:.3f}" if (tag, m) in by_key else "" for m in models]
            table.add_row(
                tag,
                f"{when:%Y-%m-%d}",
                first.vehicle,
                "success" if first.success else "failure",
                first.tier,
                *cells,
            )
        console.print(table)
    if record.unscored:
        console.print(
            f"{len(record.unscored)} launch(es) unscored: "
            + "; ".join(f"{u['launch_tag']} ({u['reason']})" for u in record.unscored[:5]),
            highlight=False,
        )


def _plot(record: TrackRecord, path: Path) -> None:
    """``path``: CORP reliability diagrams, one per model, of the larger tier (the tiers are never
    pooled); ``<stem>-score.png`` beside it: cumulative log loss over time, per tier and model."""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from launchcast.model.stats.calibration import reliability_figure

    if not record.launches:
        raise LaunchcastError("nothing to plot yet: no launch has been scored")
    credit = "Launch data: GCAT, © J. McDowell, CC BY 4.0"
    counts = {tier: sum(r.tier == tier for r in record.launches) for tier in TIERS}
    tier = max(counts, key=lambda t: counts[t])
    models = sorted({r.model for r in record.launches if r.tier == tier})
    panels = []
    for model in models:
        rows = [r for r in record.launches if r.tier == tier and r.model == model]
        panels.append((model, np.array([r.probability for r in rows]), np.array([r.success for r in rows])))
    path.parent.mkdir(parents=True, exist_ok=True)
    reliability_figure(panels, f"Track record, {tier} tier: reliability (CORP)", credit).savefig(path)
    figure = Figure(figsize=(7, 4), dpi=110)
    axis = figure.add_subplot()
    for key in sorted({(r.tier, r.model) for r in record.launches}):
        rows = sorted((r for r in record.launches if (r.tier, r.model) == key), key=lambda r: r.launch_time)
        axis.step(
            [r.launch_time for r in rows],  # type: ignore[arg-type]  # stubs omit datetimes
            np.cumsum([r.log_loss for r in rows]),
            where="post",
            label=f"{key[1]} ({key[0]})",
        )
    axis.set(
        xlabel="launch date", ylabel="cumulative log loss (lower is better)", title="Track record over time"
    )
    axis.legend(fontsize=7)
    figure.text(0.01, 0.01, credit, fontsize=6.5, color="#444")
    figure.savefig(path.with_name(f"{path.stem}-score{path.suffix}"))
