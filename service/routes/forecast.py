"""/v1/forecast/*: the four questions, mirroring ``model.forecast``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from asgi_correlation_id import correlation_id
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field

from launchcast.model.forecast import (
    MAX_CAMPAIGN_LAUNCHES,
    MAX_PATHS,
    MIN_PATHS,
    ByDateForecast,
    CampaignForecast,
    NextLaunchForecast,
    Programme,
    VersusForecast,
    by_date,
    campaign,
    versus,
)
from launchcast.service.routes import deps
from launchcast.service.settings import Settings
from launchcast.service.state import Clock, Served

router = APIRouter(prefix="/v1/forecast", tags=["forecast"], responses=deps.ERRORS)

VEHICLE = "a vehicle by GCAT, display or Korean name (Cheonlima-1, Chollima-1, 천리마-1)"
STATE = ("a state by code or name (KP, North Korea, 'Korea, North'); alone: its next launch, on the vehicle "
         "it flies most now (the answer's vehicle_choice says which)")  # fmt: skip
FAMILY = "a vehicle family (GCAT), for its next new variant"
NEW_VEHICLE = "the maiden flight of a new vehicle of `state` (or of `family`)"
Name = Annotated[str | None, Field(max_length=100)]
Paths = Annotated[
    int, Field(ge=MIN_PATHS, le=MAX_PATHS, description=f"Monte Carlo paths ({MIN_PATHS:,}–{MAX_PATHS:,})")
]
Seed = Annotated[int, Field(ge=0, le=2**32 - 1, description="same seed, same answer")]


class ProgrammeIn(BaseModel):
    """A vehicle (GCAT or display name), a state's next launch, or a state's new vehicle."""

    model_config = ConfigDict(extra="forbid")
    vehicle: Name = Field(None, examples=["Chollima-1"], description=VEHICLE)
    state: Name = Field(None, examples=["KP"], description=STATE)
    family: Name = Field(None, examples=["Unha"], description=FAMILY)
    new_vehicle: bool = Field(False, description=NEW_VEHICLE)

    def programme(self) -> Programme:
        return Programme(self.vehicle, self.state, self.family, self.new_vehicle)


class Asked(BaseModel):
    as_of: dt.datetime | None = Field(None, description=deps.AS_OF_DESCRIPTION)

    def now(self, clock: Clock) -> dt.datetime:
        return self.as_of or clock()


class CampaignRequest(ProgrammeIn, Asked):
    launches: int = Field(5, ge=1, le=MAX_CAMPAIGN_LAUNCHES, description="N next launches")
    paths: Paths = 20_000
    seed: Seed = 0


class ByDateRequest(ProgrammeIn, Asked):
    date: dt.date = Field(description="YYYY-MM-DD; P(a success before this date)")
    paths: Paths = 20_000
    seed: Seed = 0


class VersusRequest(Asked):
    model_config = ConfigDict(extra="forbid")
    a: ProgrammeIn = Field(examples=[{"state": "KP"}])
    b: ProgrammeIn = Field(examples=[{"state": "KR"}])
    paths: Paths = 20_000
    seed: Seed = 0


def _audit(request: Request, route: str, query: dict[str, Any], served: Served, probability: float,
           clock: Clock) -> None:  # fmt: skip
    """Append to the audit log, if it is on (a deque append: no I/O on the request path)."""
    audit = request.app.state.audit
    if audit is not None:
        query = jsonable_encoder(query)
        audit.add(clock(), route, query, served.version_id, probability, correlation_id.get())


@router.get("/next", response_model=NextLaunchForecast)
async def next_launch(
    request: Request,
    served: Annotated[Served, Depends(deps.served)],
    settings: Annotated[Settings, Depends(deps.settings)],
    clock: Annotated[Clock, Depends(deps.clock)],
    vehicle: Annotated[
        str | None, Query(max_length=100, examples=["Chollima-1"], description=VEHICLE)
    ] = None,  # fmt: skip
    state: Annotated[str | None, Query(max_length=100, examples=["KP"], description=STATE)] = None,
    family: Annotated[str | None, Query(max_length=100, examples=["Unha"], description=FAMILY)] = None,
    new_vehicle: Annotated[bool, Query(description=NEW_VEHICLE)] = False,
    explain: Annotated[
        bool,
        Query(
            description="also say why: the logit's terms (state, family, "
            "vehicle, infancy, …), adding up to the forecast"
        ),
    ] = False,  # fmt: skip
    as_of: Annotated[dt.datetime | None, Query(description=deps.AS_OF_DESCRIPTION)] = None,
) -> Response:
    """P(success) of the next launch of a vehicle, of a state, or of a state's new vehicle.

    "Next" is the first launch after the data's end; when the data is old it may have
    flown already, and the answer's warnings say so.
    """
    now = as_of or clock()
    body, probability = served.next_json(Programme(vehicle, state, family, new_vehicle), now,
                                         settings.stale_after_days, explain)  # fmt: skip
    if request.app.state.audit is not None:
        asked = {"vehicle": vehicle, "state": state, "family": family, "new_vehicle": new_vehicle}
        _audit(request, "next", {**asked, "as_of": now}, served, probability, clock)
    return Response(body, media_type="application/json")


@router.post("/campaign", response_model=CampaignForecast)
def campaign_forecast(
    request: CampaignRequest,
    http: Request,
    served: Annotated[Served, Depends(deps.served)],
    settings: Annotated[Settings, Depends(deps.settings)],
    clock: Annotated[Clock, Depends(deps.clock)],
) -> CampaignForecast:
    """How many of the next N launches of a vehicle succeed."""
    answer = campaign(served.fit, request.programme(), request.launches, request.paths, request.seed,
                      now=request.now(clock), stale_after_days=settings.stale_after_days)  # fmt: skip
    _audit(http, "campaign", request.model_dump(), served, 1 - answer.probability_no_success, clock)
    return answer


@router.post("/by-date", response_model=ByDateForecast)
def by_date_forecast(
    request: ByDateRequest,
    http: Request,
    served: Annotated[Served, Depends(deps.served)],
    settings: Annotated[Settings, Depends(deps.settings)],
    clock: Annotated[Clock, Depends(deps.clock)],
) -> ByDateForecast:
    """P(at least one successful launch before a date), with the launch-cadence model."""
    answer = by_date(served.fit, request.programme(), request.date, request.paths, request.seed,
                     now=request.now(clock), stale_after_days=settings.stale_after_days)  # fmt: skip
    _audit(http, "by-date", request.model_dump(), served, answer.probability, clock)
    return answer


@router.post("/versus", response_model=VersusForecast)
def versus_forecast(
    request: VersusRequest,
    http: Request,
    served: Annotated[Served, Depends(deps.served)],
    settings: Annotated[Settings, Depends(deps.settings)],
    clock: Annotated[Clock, Depends(deps.clock)],
) -> VersusForecast:
    """Head to head: who is more reliable, whose next success comes first."""
    answer = versus(served.fit, request.a.programme(), request.b.programme(), request.paths, request.seed,
                    now=request.now(clock), stale_after_days=settings.stale_after_days)  # fmt: skip
    _audit(http, "versus", request.model_dump(), served, answer.probability_a_first, clock)
    return answer
