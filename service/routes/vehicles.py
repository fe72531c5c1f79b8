"""/v1/vehicles, /v1/states and /v1/operators: what the model knows about, with records and rates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from launchcast.service import formats
from launchcast.service.routes import deps

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


@router.get("/vehicles", response_model=list[VehicleOut], name="list_vehicles", responses=deps.AS_CSV)
async def vehicles(
    request: Request,
    served: deps.ServedDep,
    q: Annotated[
        str | None, Query(max_length=100, pattern=deps.TEXT_PATTERN, description="part of a name")
    ] = None,
    fmt: deps.ListFormat = None,
) -> Any:
    """Vehicles the model knows, searched by GCAT name or display name (case-insensitive)."""
    wanted = (q or "").strip().lower()
    found = [
        VehicleOut(
            vehicle=r.vehicle,
            display_name=r.display_name,
            family=r.family,
            state=r.state,
            attempts=r.attempts,
            successes=r.successes,
            first_launch=r.first_launch,
            last_launch=r.last_launch,
        )
        for r in served.fit.records.values()
        if wanted in r.vehicle.lower() or wanted in r.display_name.lower()
    ]
    return formats.listing(request, fmt, found, VehicleOut)


class OperatorOut(BaseModel):
    operator: str
    name: str
    vehicle: str
    active: bool
    launches_per_year: float


@router.get("/operators", response_model=list[OperatorOut], name="list_operators", responses=deps.AS_CSV)
async def operators(
    request: Request,
    served: deps.ServedDep,
    q: Annotated[
        str | None, Query(max_length=100, pattern=deps.TEXT_PATTERN, description="part of a code or name")
    ] = None,
    fmt: deps.ListFormat = None,
) -> Any:
    """Operators (GCAT agency codes, names from its organisation table), with the vehicle each flies
    most and the launch-rate model's expected launches in the year after the data's end: what
    ``/v1/forecast/launches?operator=`` takes. ``active``: launched in the 5 years before the data's end."""
    wanted = (q or "").strip().lower()
    rates = served.fit.rates
    out: list[OperatorOut] = []
    for code in rates.names("operator"):
        name = rates.operator_names.get(code, code)
        if wanted in code.lower() or wanted in name.lower():
            series = rates.get("operator", code)
            out.append(
                OperatorOut(
                    operator=code,
                    name=name,
                    vehicle=rates.operator_vehicles.get(code, ""),
                    active=series.active,
                    launches_per_year=round(rates.mean_rate("operator", code), 3),
                )
            )
    out.sort(key=lambda o: -o.launches_per_year)
    return formats.listing(request, fmt, out, OperatorOut)


@router.get("/states", response_model=list[StateOut], name="list_states", responses=deps.AS_CSV)
async def states(request: Request, served: deps.ServedDep, fmt: deps.ListFormat = None) -> Any:
    """Launching states (vehicle owners) with their records."""
    out = []
    for state in served.fit.catalogue.states:
        records = [r for r in served.fit.records.values() if r.state == state]
        out.append(
            StateOut(
                state=state,
                name=served.fit.catalogue.state_name(state),
                vehicles=len(records),
                attempts=sum(r.attempts for r in records),
                successes=sum(r.successes for r in records),
            )
        )
    return formats.listing(request, fmt, out, StateOut)
