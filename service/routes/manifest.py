"""/v1/manifest: every announced launch with its window, status, flight number and P(success).

JSON by default; ``format=csv`` (or ``Accept: text/csv``) gives one row per launch for a
spreadsheet; ``format=svg``/``png`` (or Accept) the chart.  Facts from Launch Library 2 are
credited to The Space Devs in every form.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

import mimeparse
from fastapi import APIRouter, Query, Request, Response

from launchcast.model.questions.manifest import ManifestForecast
from launchcast.service import charts
from launchcast.service.routes import deps
from launchcast.service.routes.forecast import (
    AsOfQuery,
    StateQuery,
    VehicleQuery,
    _image,
    _minute,
    vary_accept,
)

router = APIRouter(prefix="/v1", tags=["manifest"], responses=deps.ERRORS)

OFFERED = {"text/csv": "csv", "image/svg+xml": "svg", "image/png": "png", "application/json": "json"}
CSV_COLUMNS = (
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


def _format(request: Request, fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    accept = request.headers.get("accept")
    if not accept:
        return "json"
    try:
        return OFFERED.get(mimeparse.best_match(list(OFFERED), accept), "json")
    except (mimeparse.MimeTypeParseException, ValueError):
        return "json"


def as_csv(answer: ManifestForecast) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in answer.launches:
        interval = row.interval_90
        writer.writerow(
            [
                row.id,
                row.name,
                row.status,
                row.net.isoformat(),
                row.window_start.isoformat(),
                row.window_end.isoformat(),
                row.rocket,
                row.vehicle or ("new" if row.new_vehicle else "unmapped"),
                row.state or "",
                row.flight_number or "",
                "" if row.probability is None else row.probability,
                "" if interval is None else interval.low,
                "" if interval is None else interval.high,
                row.source,
            ]
        )
    out.write(f"# {answer.credit}; asked {answer.as_of.isoformat()}; data as of {answer.data_as_of}\n")
    return out.getvalue().encode("utf-8")


@router.get(
    "/manifest",
    response_model=ManifestForecast,
    responses={200: {"content": {"text/csv": {}, "image/svg+xml": {}, "image/png": {}}}},
    name="announced_launches",
)
async def manifest(
    request: Request,
    response: Response,
    served: deps.ServedDep,
    clock: deps.ClockDep,
    work: deps.WorkDep,
    state: StateQuery = None,
    vehicle: VehicleQuery = None,
    start: Annotated[
        deps.Day | None, Query(alias="from", description="launches whose window ends from then")
    ] = None,
    until: Annotated[deps.Day | None, Query(description="launches whose NET is before this date")] = None,
    as_of: AsOfQuery = None,
    fmt: Annotated[
        Literal["json", "csv", "svg", "png"] | None,
        Query(
            alias="format", description="json (default), csv, or a chart: svg or png (also chosen by Accept)"
        ),
    ] = None,
) -> Any:
    """Every announced launch (Launch Library 2, and windows users add with their source) with its
    window and status, the flight number it will be, and P(success) with its 90% interval; a
    vehicle's later launches are forecast after its earlier ones' outcomes, simulated."""
    await vary_accept(response)
    kind = _format(request, fmt)
    charted = kind in charts.FORMATS
    now = as_of or (_minute(clock()) if kind != "json" else clock())

    def ask() -> Any:
        return served.forecaster.manifest(now=now, state=state, vehicle=vehicle, start=start, until=until)

    if charted:
        key = ("manifest", str(state), str(vehicle), str(start), str(until), now.isoformat())
        return await _image(work, request, served, kind, key, lambda: ask().chart)
    answer = (await work.run(request, ask)).answer
    if kind == "csv":
        return Response(as_csv(answer), media_type="text/csv; charset=utf-8", headers={"Vary": "Accept"})
    return answer
