"""/v1/manifest: every announced launch with its window, status, flight number and P(success).

JSON by default; ``format=csv`` (or ``Accept: text/csv``) gives one row per launch for a
spreadsheet; ``format=svg``/``png`` (or Accept) the chart.  Facts from Launch Library 2 are
credited to The Space Devs in every form.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from launchcast.model.questions.manifest import ManifestForecast
from launchcast.service import charts, formats
from launchcast.service.routes import deps
from launchcast.service.routes.forecast import AsOfQuery, StateQuery, VehicleQuery, vary_accept

router = APIRouter(prefix="/v1", tags=["manifest"], responses=deps.ERRORS)


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
    kind = formats.negotiate(request, fmt, ("csv", *charts.FORMATS))
    charted = kind in charts.FORMATS
    now = as_of or (formats.minute(clock()) if kind != "json" else clock())

    def ask() -> Any:
        return served.forecaster.manifest(now=now, state=state, vehicle=vehicle, start=start, until=until)

    if charted:
        key = ("manifest", str(state), str(vehicle), str(start), str(until), now.isoformat())
        return await formats.image(work, request, served, kind, key, lambda: ask().chart)
    answer = (await work.run(request, ask)).answer
    return formats.manifest(answer).response() if kind == "csv" else answer
