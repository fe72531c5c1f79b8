"""The forms an answer takes besides JSON: a chart (SVG, PNG) or a table (CSV), and how one is chosen.

``?format=`` wins; otherwise ``Accept`` is negotiated with q-values and wildcards
(python-mimeparse), JSON winning ties and unreadable headers.  Every route offers the
forms its answer has (``negotiate``); a form it does not have is refused by the route's
``format`` parameter (422), never ignored.

A table is the answer's rows, one per line, with a header, and the answer's provenance
(when asked, the data's age, the sources to credit) as a last ``#`` line, so a spreadsheet
keeps where its numbers came from.  The same ``Table`` is what the CLI prints with ``--csv``.

Names come from outside (Launch Library 2, ``schedule add``, ``data add``), so a text cell a
spreadsheet would read as a formula — one starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return — is written with a leading ``'``, as OWASP's "CSV Injection" page advises;
numbers (negative ones too) are written as numbers.  Five lines of our own rather than
``defusedcsv``: that package wraps the whole ``csv`` module to do the same, and also rewrites
``|`` and ``%`` inside cells, which would change names.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mimeparse
from fastapi import Request, Response
from pydantic import BaseModel

from launchcast.service import charts

if TYPE_CHECKING:
    from launchcast.model.operations.track_record import TrackRecord
    from launchcast.model.questions.answers import Anchored, ByMonthForecast
    from launchcast.model.questions.counts import LaunchCountForecast
    from launchcast.model.questions.manifest import ManifestForecast
    from launchcast.service.forecaster import Chart
    from launchcast.service.state import Served
    from launchcast.service.work import Work

MEDIA = {"json": "application/json", "csv": "text/csv", **charts.FORMATS}
CSV_MEDIA = "text/csv; charset=utf-8"


def negotiate(request: Request, fmt: str | None, offered: Sequence[str]) -> str:
    """The form to answer in: ``fmt`` if given (the route's parameter allows only ``offered``),
    else the best of ``offered`` for the Accept header; "json" when nothing else is preferred."""
    if fmt is not None:
        return fmt
    accept = request.headers.get("accept")
    if not accept:
        return "json"
    # JSON last: python-mimeparse gives a tie (*/*) to the last candidate.
    candidates = [MEDIA[form] for form in offered if form != "json"] + [MEDIA["json"]]
    try:
        best = mimeparse.best_match(candidates, accept)
    except (mimeparse.MimeTypeParseException, ValueError):
        return "json"
    return next((form for form, media in MEDIA.items() if media == best), "json")


def minute(now: dt.datetime) -> dt.datetime:
    """Charts and tables asked without as_of are made for the current minute, so repeats hit the cache."""
    return now.replace(second=0, microsecond=0)


async def image(
    work: Work, http: Request, served: Served, fmt: str, key: tuple[str, ...], chart: Callable[[], Chart]
) -> Response:
    """A chart: from the fit's cache if drawn before, else asked and drawn in the bounded pool."""
    key = (fmt, *key)
    body = served.cached_chart(key)
    if body is None:
        body = await work.run(http, lambda: served.chart(key, lambda: chart().render(fmt)))
    return Response(body, media_type=charts.FORMATS[fmt], headers={"Vary": "Accept"})


@dataclass(frozen=True)
class Table:
    """An answer's rows: ``columns``, one row per line, and a closing ``note`` (provenance)."""

    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    note: str = ""

    def csv(self) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows([_cell(value) for value in row] for row in self.rows)
        if self.note:
            out.write("# " + " ".join(self.note.split()) + "\n")
        return out.getvalue().encode("utf-8")

    def response(self) -> Response:
        return Response(self.csv(), media_type=CSV_MEDIA, headers={"Vary": "Accept"})


#: What a text cell read as a formula begins with (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _asked(answer: Anchored) -> str:
    return f"asked {answer.as_of.isoformat()}; data as of {answer.data_as_of}"


GCAT = "launch data: GCAT (© J. McDowell, CC BY 4.0)"


def months(answer: ByMonthForecast) -> Table:
    """P(at least one success before the first of each month)."""
    return Table(
        ("date", "probability"),
        ((point.date, point.probability) for point in answer.months),
        f"{answer.subject}; {_asked(answer)}; {answer.paths} paths, seed {answer.seed}; {GCAT}",
    )


def launch_counts(answer: LaunchCountForecast) -> Table:
    """The count distributions: P(exactly k) and P(at least k) of launches and of successes."""
    launches, successes = answer.launches.pmf, answer.successes.pmf

    def at_least(pmf: list[float], k: int) -> float:
        return sum(pmf[k:])

    rows = (
        (
            k,
            launches[k] if k < len(launches) else 0.0,
            at_least(launches, k),
            successes[k] if k < len(successes) else 0.0,
            at_least(successes, k),
        )
        for k in range(max(len(launches), len(successes)))
    )
    return Table(
        ("k", "p_launches", "p_launches_at_least", "p_successes", "p_successes_at_least"),
        rows,
        f"{answer.subject}, {answer.window_start} to {answer.window_end} (excluded); counts include "
        f"{answer.known_launches} launches the data records; {_asked(answer)}; {GCAT}",
    )


MANIFEST_COLUMNS = (
    "id",
    "name",
    "status",
    "net",
    "window_start",
    "window_end",
    "rocket",
    "vehicle",
    "state",
    "flight_number",
    "probability",
    "low_90",
    "high_90",
    "source",
)


def manifest(answer: ManifestForecast) -> Table:
    """One row per announced launch; "new" or "unmapped" where it has no GCAT vehicle."""
    rows = (
        (
            row.id,
            row.name,
            row.status,
            row.net,
            row.window_start,
            row.window_end,
            row.rocket,
            row.vehicle or ("new" if row.new_vehicle else "unmapped"),
            row.state,
            row.flight_number,
            row.probability,
            None if row.interval_90 is None else row.interval_90.low,
            None if row.interval_90 is None else row.interval_90.high,
            row.source,
        )
        for row in answer.launches
    )
    return Table(MANIFEST_COLUMNS, rows, f"{answer.credit}; {_asked(answer)}")


TRACK_COLUMNS = (
    "launch_tag",
    "launch_time",
    "vehicle",
    "state",
    "success",
    "tier",
    "model",
    "version_id",
    "probability",
    "log_loss",
    "brier",
    "revision",
)


def track_record(record: TrackRecord) -> Table:
    """Every scored launch (the totals and calibration are summaries of these rows)."""
    rows = (tuple(getattr(launch, column) for column in TRACK_COLUMNS) for launch in record.launches)
    taken = f"; a snapshot read at {record.snapshot_at.isoformat()}" if record.snapshot_at else ""
    return Table(TRACK_COLUMNS, rows, f"tiers are never mixed: filter by tier before summing{taken}")


def listing(request: Request, fmt: str | None, items: Sequence[BaseModel], model: type[BaseModel]) -> Any:
    """A list answer (the launch history, the catalogue's lists) as JSON, or one CSV row per item."""
    if negotiate(request, fmt, ("csv",)) != "csv":
        return items
    columns = list(model.model_fields)
    return Table(columns, (tuple(getattr(item, c) for c in columns) for item in items), GCAT).response()
