"""``launchcast track-record``: forecasts made before launches, scored — the model beside its baselines."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from launchcast.model.errors import LaunchcastError
from launchcast.model.models import MODEL_NAMES
from launchcast.service.cli.common import console, settings, user_errors

if TYPE_CHECKING:
    from launchcast.model.ledger import TrackRecord


@user_errors
def track_record(
    state: Annotated[str | None, typer.Option(help="state code or name, e.g. KP")] = None,
    vehicle: Annotated[str | None, typer.Option(help="vehicle, e.g. Nuri or 천리마-1")] = None,
    model: Annotated[str | None, typer.Option(help=f"one of {', '.join(MODEL_NAMES)}")] = None,
    since: Annotated[str | None, typer.Option(help="launches on or after this date, YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
    plot: Annotated[Path | None, typer.Option(help="write a reliability diagram and cumulative "
                                              "log loss to this PNG")] = None,
) -> None:  # fmt: skip
    """The live track record: every launch scored against the forecast made before it, per tier."""
    from launchcast.model.ledger import Ledger

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
    return (fit.state_code(state) if state else None, fit.record(vehicle).vehicle if vehicle else None)


def _print(record: TrackRecord) -> None:
    from rich.table import Table

    if not record.totals:
        console.print(f"no launch scored yet ({record.forecast_sets} forecast set(s) recorded; launches are "
                      "scored when 'launchcast data update' brings them)", highlight=False)  # fmt: skip
    for tier in ("prospective", "out-of-sample"):
        rows = [t for t in record.totals if t.tier == tier]
        if not rows:
            continue
        caption = ("forecasts recorded before each launch: the live record" if tier == "prospective" else
                   "forecasts recorded after the launch, from data that ended before it")  # fmt: skip
        table = Table(title=f"Track record — {tier}", caption=caption)
        for column in ("model", "launches", "log loss", "Brier", "expected successes", "successes"):
            table.add_column(column, justify="left" if column == "model" else "right")
        best = min(rows, key=lambda t: t.log_loss).model
        for t in rows:
            name = f"[b]{t.model}[/b]" if t.model == best else t.model
            table.add_row(name, str(t.launches), f"{t.log_loss:.4f}", f"{t.brier:.4f}",
                          f"{t.expected_successes:.1f}", str(t.successes))  # fmt: skip
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
            table.add_row(tag, f"{when:%Y-%m-%d}", first.vehicle, "success" if first.success else "failure",
                          first.tier, *cells)  # fmt: skip
        console.print(table)
    if record.unscored:
        console.print(f"{len(record.unscored)} launch(es) unscored: " + "; ".join(
            f"{u['launch_tag']} ({u['reason']})" for u in record.unscored[:5]), highlight=False)  # fmt: skip


def _plot(record: TrackRecord, path: Path) -> None:
    """Reliability diagram per tier (model and baselines) and cumulative log loss over time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    left.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect calibration")
    for b in record.calibration:
        left.scatter(b.mean_forecast, b.observed_rate, s=12 + 6 * b.launches,
                     marker="o" if b.tier == "prospective" else "s", alpha=0.7)  # fmt: skip
    for key in sorted({(b.tier, b.model) for b in record.calibration}):
        points = sorted(
            (b.mean_forecast, b.observed_rate) for b in record.calibration if (b.tier, b.model) == key
        )
        left.plot(*zip(*points, strict=True), label=f"{key[1]} ({key[0]})")
    left.set(xlabel="forecast P(success)", ylabel="observed success rate", xlim=(0, 1.02), ylim=(0, 1.02),
             title="Reliability (size: launches)")  # fmt: skip
    left.legend(fontsize=7)
    for key in sorted({(r.tier, r.model) for r in record.launches}):
        rows = sorted((r for r in record.launches if (r.tier, r.model) == key), key=lambda r: r.launch_time)
        total, xs, ys = 0.0, [], []
        for r in rows:
            total += r.log_loss
            xs.append(r.launch_time)
            ys.append(total)
        right.step(xs, ys, where="post", label=f"{key[1]} ({key[0]})")
    right.set(xlabel="launch date", ylabel="cumulative log loss (lower is better)", title="Score over time")
    right.legend(fontsize=7)
    fig.text(0.01, 0.01, "Launch data: GCAT (J. McDowell), CC BY 4.0", fontsize=7, color="grey")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
