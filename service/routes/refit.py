"""POST /v1/refit (bearer token) and GET /v1/refit/status."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from launchcast.model.errors import LaunchcastError
from launchcast.service.errors import documented, problem, public
from launchcast.service.routes import deps

log = logging.getLogger("launchcast.refit")
router = APIRouter(prefix="/v1/refit", tags=["refit"])
#: The admin token as a bearer token (declared in OpenAPI's ``securitySchemes``); checked here,
#: so that a missing or wrong one gets the service's own 401 problem, not FastAPI's 403.
bearer = HTTPBearer(auto_error=False, description="LAUNCHCAST_ADMIN_TOKEN")


class RefitStatus(BaseModel):
    running: bool
    current_version: str | None
    served_version: str | None
    runs: list[dict[str, Any]]


@router.post(
    "",
    status_code=202,
    responses={
        401: documented("missing or wrong bearer token"),
        409: documented("a refit is already running"),
    },
)
async def start_refit(
    request: Request,
    settings: deps.SettingsDep,
    refits: deps.RefitsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> JSONResponse:
    """Start a refit now (in a child process); watch it at /v1/refit/status."""
    token = settings.admin_token
    given = credentials.credentials.strip() if credentials is not None else ""
    if not token:
        return problem(401, "refit over HTTP is disabled: set LAUNCHCAST_ADMIN_TOKEN", request)
    if not secrets.compare_digest(given.encode(), token.encode()):
        return problem(
            401,
            "missing or wrong bearer token (Authorization: Bearer …)",
            request,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not refits.start():
        return problem(409, "a refit is already running; watch it at /v1/refit/status", request)
    log.info("refit started over HTTP")
    return JSONResponse({"detail": "refit started"}, status_code=202)


@router.get("/status", response_model=RefitStatus, name="refit_status")
async def status(settings: deps.SettingsDep, holder: deps.HolderDep, refits: deps.RefitsDep) -> RefitStatus:
    """Whether a refit runs now, and the log of recent runs (newest last; files read off the loop)."""
    registry = settings.registry()
    served = holder.served
    running = refits.running()

    def read() -> tuple[str | None, list[dict[str, Any]]]:
        try:
            current: str | None = registry.current_id()
        except LaunchcastError as exc:
            current = f"unreadable: {public(str(exc))}"
        return current, registry.refits(20, running=running)

    current, runs = await asyncio.to_thread(read)
    return RefitStatus(
        running=running is not None,
        current_version=current,
        served_version=served.version_id if served else None,
        runs=runs,
    )
