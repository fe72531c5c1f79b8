"""The FastAPI app factory: ``create_app(settings)``; ``uvicorn --factory service.app:create_app``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from model.errors import LaunchcastError
from service import errors, metrics
from service.refits import RefitRunner
from service.routes import forecast, health, history, model, refit, vehicles
from service.settings import Settings
from service.state import Clock, Holder, Served, system_clock

log = logging.getLogger("launchcast")


def load_into(holder: Holder, settings: Settings) -> bool:
    """Load the current fit fully, then swap the one reference (a failure keeps what was served)."""
    try:
        served = Served.load(settings.registry(), settings.data_dir)
    except LaunchcastError as exc:
        holder.error = str(exc)
        log.warning("could not load the current fit: %s", exc)
        return False
    holder.served = served
    holder.error = ""
    return True


async def watch_registry(holder: Holder, settings: Settings) -> None:
    """Hot reload: when 'current' changes, load the new version off the event loop, then swap."""
    registry = settings.registry()
    failed: str | None = None
    while True:
        await asyncio.sleep(settings.reload_seconds)
        current = registry.current_id()
        served = holder.served
        if current is None or current == failed or (served and served.version_id == current):
            continue
        if await asyncio.to_thread(load_into, holder, settings):
            log.info("now serving %s", current)
            failed = None
        else:
            holder.reload_failures += 1
            failed = current  # counted once; retried when 'current' changes again


class LimitBody:
    """Refuse request bodies above the limit before reading them (422, naming the limit)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
                response = JSONResponse(
                    {"detail": f"request body larger than the limit of {self.max_bytes} bytes"},
                    status_code=422,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None, clock: Clock = system_clock) -> FastAPI:
    """The app; ``clock`` is where "now" comes from when a request does not pass ``as_of``."""
    settings = settings or Settings()
    holder = Holder()

    refits = RefitRunner(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        load_into(holder, settings)
        watcher = asyncio.create_task(watch_registry(holder, settings))
        if settings.refit_schedule:
            refits.schedule()
        try:
            yield
        finally:
            watcher.cancel()
            refits.stop()

    app = FastAPI(
        title="launchcast",
        version="0.1.0",
        description="Monte Carlo launch-reliability forecasts from a Bayesian model of the "
        "world's orbital launch history (GCAT, © J. McDowell, CC BY 4.0).",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.holder = holder
    app.state.refits = refits
    app.state.clock = clock

    app.add_middleware(LimitBody, max_bytes=settings.max_body_bytes)
    metrics.install(app, metrics.Metrics(holder, settings.registry(), settings.update_log))
    errors.install(app)
    for router in (forecast.router, vehicles.router, history.router, model.router, refit.router,
                   health.router):  # fmt: skip
        app.include_router(router)
    return app
