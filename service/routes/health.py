"""Liveness and readiness for orchestrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from service.routes import deps
from service.state import Holder

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive (no dependencies checked)."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"model": deps.ErrorOut, "description": "no fit loaded"}})
async def readyz(holder: Annotated[Holder, Depends(deps.holder)]) -> JSONResponse:
    """200 once a fit is loaded; 503 (with how to make one) otherwise."""
    served = holder.served
    if served is None:
        return JSONResponse({"status": "not ready", "detail": f"{holder.error}; make a fit with "
                             "'launchcast fit'"}, status_code=503)  # fmt: skip
    fit = served.fit
    return JSONResponse({"status": "ready", "model": fit.model, "version": fit.version,
                         "data_as_of": fit.as_of})  # fmt: skip
