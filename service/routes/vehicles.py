"""/v1/vehicles and /v1/states: what the model knows about, with records."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from launchcast.service.routes import deps
from launchcast.service.state import Served

router = APIRouter(prefix="/v1", tags=["catalogue"], responses=deps.ERRORS)


class VehicleOut(BaseModel):
    vehicle: str
    display_name: str
    family: str
    state: str
    attempts: int
    successes: int
    first_launch: str
    last_launch: str


class StateOut(BaseModel):
    state: str
    name: str
    vehicles: int
    attempts: int
    successes: int


@router.get("/vehicles", response_model=list[VehicleOut])
async def vehicles(
    served: Annotated[Served, Depends(deps.served)],
    q: Annotated[
        str | None, Query(max_length=100, pattern=deps.TEXT_PATTERN, description="part of a name")
    ] = None,
) -> list[VehicleOut]:
    """Vehicles the model knows, searched by GCAT name or display name (case-insensitive)."""
    wanted = (q or "").strip().lower()
    return [
        VehicleOut(
            vehicle=r.vehicle,
            display_name=r.display_name,
            family=r.family,
            state=r.state,
            attempts=r.attempts,
            successes=r.successes,
            first_launch=r.first_launch,
            last_launch=r.last_launch,
        )  # fmt: skip
        for r in served.fit.records.values()
        if wanted in r.vehicle.lower() or wanted in r.display_name.lower()
    ]


@router.get("/states", response_model=list[StateOut])
async def states(served: Annotated[Served, Depends(deps.served)]) -> list[StateOut]:
    """Launching states (vehicle owners) with their records."""
    out = []
    for state in served.fit.states:
        records = [r for r in served.fit.records.values() if r.state == state]
        out.append(StateOut(state=state, name=served.fit.state_name(state), vehicles=len(records),
                            attempts=sum(r.attempts for r in records),
                            successes=sum(r.successes for r in records)))  # fmt: skip
    return out
