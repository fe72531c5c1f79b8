"""/v1/history: the launches the model saw, for one state or one vehicle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from launchcast.model.errors import LaunchcastError
from launchcast.service import formats
from launchcast.service.routes import deps

router = APIRouter(prefix="/v1", tags=["catalogue"], responses=deps.ERRORS)


class LaunchOut(BaseModel):
    launch_tag: str
    time_utc: str
    vehicle: str
    agency: str
    state: str
    site: str
    outcome: str
    success_fraction: float
    fail_code: str


@router.get("/history", response_model=list[LaunchOut], name="launch_history", responses=deps.AS_CSV)
async def history(
    request: Request,
    served: deps.ServedDep,
    work: deps.WorkDep,
    state: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=deps.TEXT_PATTERN,
            examples=["KP"],
            description="a state by code or name (KP, North Korea)",
        ),
    ] = None,
    vehicle: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=deps.TEXT_PATTERN,
            examples=["Nuri"],
            description="a vehicle by GCAT, display or Korean name",
        ),
    ] = None,
    fmt: deps.ListFormat = None,
) -> Any:
    """Launches of a state's vehicles (by owner), or of one vehicle, in time order (thousands of
    rows for the biggest states: built in the bounded pool, not on the event loop)."""
    if served.history is None:
        raise LaunchcastError("the launch history could not be loaded; run 'launchcast data validate'")
    launches = served.history.launches
    if vehicle:
        name = served.fit.catalogue.record(vehicle).vehicle
        launches = launches[launches["vehicle"] == name]
    elif state:
        state = served.fit.catalogue.state_code(state)
        launches = launches[launches["vehicle_state"] == state]
    else:
        raise LaunchcastError("give state or vehicle, e.g. /v1/history?state=KP")
    columns = list(LaunchOut.model_fields)
    chosen = launches[columns]
    # Thousands of rows for the biggest states: built (and written as CSV) in the pool.
    return await work.run(
        request,
        lambda: formats.listing(
            request, fmt, [LaunchOut(**row) for row in chosen.to_dict("records")], LaunchOut
        ),
    )
