"""Liveness and readiness for orchestrators."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from launchcast.service.errors import public
from launchcast.service.routes import deps

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the event loop answers. Nothing else is checked (no fit, no database), so an
    orchestrator restarts the process only when it is truly stuck; every expensive answer runs
    in the bounded pool (``service.work``), so a busy service still answers this at once."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "not ready: no fit, or a stalled reload watcher"}})
async def readyz(
    holder: deps.HolderDep,
    settings: deps.SettingsDep,
    clock: deps.ClockDep,
) -> JSONResponse:
    """Readiness: 200 once a fit is loaded; 503 (with how to make one) otherwise, or when the
    hot-reload watcher has stopped going round (a restart is the fix). A full work queue is not
    "not ready": it answers 503 per request with Retry-After, and the cheap answers go on.

    Old data is a warning here, not an outage: a stale answer with its age beats none.
    Serving an older version because ``current`` cannot be read is said in ``fallback``.
    """
    stalled = time.monotonic() - (holder.watcher_beat or time.monotonic())
    if stalled > max(30.0, 10 * settings.reload_seconds):
        return JSONResponse(
            {
                "status": "not ready",
                "detail": f"the hot-reload watcher has not run for "
                f"{stalled:.0f} s: promotions are not being picked up; restart the service",
            },
            status_code=503,
        )
    served = holder.served
    if served is None:
        return JSONResponse(
            {"status": "not ready", "detail": public(f"{holder.error}; make a fit with 'launchcast fit'")},
            status_code=503,
        )
    fit = served.fit
    now = clock()
    moment = served.forecaster.moment(max(now, fit.data_end or now))
    return JSONResponse(
        {
            "status": "ready",
            "model": fit.model,
            "version": fit.version,
            "served_version": served.version_id,
            "data_as_of": fit.as_of,
            "data_age_days": moment.age_days,
            "warnings": moment.anchored()["warnings"],
            "fallback": public(holder.fallback) or None,
        }
    )
