"""/v1/track-record: standing forecasts, scored as launches happen (``model.operations.ledger``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from launchcast.model.errors import LaunchcastError
from launchcast.model.operations.track_record import TrackRecord
from launchcast.model.stats.models import MODEL_NAMES
from launchcast.service import formats
from launchcast.service.errors import LedgerUnavailable, documented
from launchcast.service.routes import deps

STATE = "a state by code or name"
VEHICLE = "a vehicle by GCAT, display or Korean name"
router = APIRouter(
    prefix="/v1",
    tags=["track record"],
    responses={
        **deps.ERRORS,
        503: documented("no fit loaded, or the ledger database cannot be reached"),
    },
)


@router.get(
    "/track-record",
    response_model=TrackRecord,
    responses={200: {"content": {"text/csv": {}}, "description": "the track record, or its scored launches"}},
)
async def track_record(
    request: Request,
    served: deps.ServedDep,
    holder: deps.LedgerDep,
    work: deps.WorkDep,
    state: Annotated[
        str | None, Query(max_length=100, pattern=deps.TEXT_PATTERN, examples=["KP"], description=STATE)
    ] = None,
    vehicle: Annotated[
        str | None, Query(max_length=100, pattern=deps.TEXT_PATTERN, examples=["Nuri"], description=VEHICLE)
    ] = None,
    model: Annotated[str | None, Query(description=f"one of {', '.join(MODEL_NAMES)}")] = None,
    since: Annotated[deps.Day | None, Query(description="launches on or after this date")] = None,
    fmt: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="json (default), or csv: one row per scored launch"),
    ] = None,
) -> Any:
    """Every launch scored against the forecast made before it: totals (log loss, Brier), a
    calibration table, the baselines beside the model. Tiers are never mixed: *prospective*
    (recorded before the launch) and *out-of-sample* (recorded later, from data that ended before it).

    Read off the event loop with a time limit (LAUNCHCAST_DATABASE_TIMEOUT_SECONDS); when the
    database is slower, the last answer to the same question is given, with ``snapshot_at``."""
    if model is not None and model not in MODEL_NAMES:
        raise LaunchcastError(f"unknown model {model!r}; choose one of {', '.join(MODEL_NAMES)}")
    code = served.fit.catalogue.state_code(state) if state else None
    name = served.fit.catalogue.record(vehicle).vehicle if vehicle else None
    if holder is None:
        raise LedgerUnavailable("the track record is not kept here (LAUNCHCAST_TRACK_RECORD=false)")
    key = (code, name, model, since)
    record, taken = await holder.read(
        key, lambda ledger: ledger.track_record(state=code, vehicle=name, model=model, since=since)
    )
    record = record if taken is None else replace(record, snapshot_at=taken)
    if formats.negotiate(request, fmt, ("csv",)) != "csv":
        return record
    return await work.run(request, lambda: formats.track_record(record).response())  # a row a scored launch
