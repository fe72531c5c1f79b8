"""The FastAPI app factory: ``create_app(settings)``; ``uvicorn --factory service.app:create_app``."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from launchcast import __version__
from launchcast.model.errors import LaunchcastError
from launchcast.service import errors, metrics, openapi
from launchcast.service.audit import AuditWriter
from launchcast.service.refits import RefitRunner
from launchcast.service.routes import (
    batch,
    forecast,
    health,
    history,
    manifest,
    model,
    outlook,
    problems,
    refit,
    track_record,
    vehicles,
)
from launchcast.service.schedule import ScheduleKeeper
from launchcast.service.settings import Settings
from launchcast.service.state import Clock, Holder, LedgerHolder, Served, Upkeeper, system_clock
from launchcast.service.work import Work

log = logging.getLogger("launchcast")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def load_into(holder: Holder, settings: Settings) -> bool:
    """Load the current version fully, then swap the one reference.

    Never raises: whatever goes wrong (a corrupt or missing version, a binary
    ``current``, too many open files) is logged and counted, and what was served is
    kept.  With nothing served yet, the newest intact version is served instead, and
    ``holder.fallback`` says so until ``current`` can be read again.
    """
    registry = settings.registry()
    wanted: str | None = None
    none_promoted = False
    try:
        wanted = registry.current_id()
        if wanted is None:
            none_promoted = True
            raise LaunchcastError(f"no current model in {registry.root}")
        served = Served.load(registry, wanted, settings.data_dir, settings.stale_after_days)
    except Exception as exc:  # noqa: BLE001 - any failure must leave the service answering
        problem = str(exc) if isinstance(exc, LaunchcastError) else f"{type(exc).__name__}: {exc}"
        if not none_promoted:
            holder.reload_failures += 1
        log.warning("could not load the current version %s: %s", wanted or "(none)", problem)
        if holder.served is None:
            holder.served = _newest_intact(settings, exclude=wanted)
        holder.error = problem
        if holder.served is not None:
            which = f"the current version {wanted}" if wanted else "the current version"
            holder.fallback = f"{which} cannot be read ({problem}); serving {holder.served.version_id}"
        return False
    holder.served = served
    holder.error = holder.fallback = ""
    settle_heap()
    log.info("now serving %s", wanted)
    return True


def settle_heap() -> None:
    """Move what is loaded (the fit, the data, the modules) out of the garbage collector's view.

    A full collection walks every object the process holds and holds the GIL while it
    does: about 100 ms with a fit loaded, long enough to stall every request, probes
    included (measured while charts were drawn in the pool). Frozen objects are never
    walked again; what requests create is still collected (``gc.freeze``, Python 3.7+).
    """
    gc.collect()
    gc.freeze()


def _newest_intact(settings: Settings, exclude: str | None) -> Served | None:
    registry = settings.registry()
    try:
        candidates = [v for v in reversed(registry.ids()) if v != exclude]
    except OSError:
        return None
    for version_id in candidates:
        try:
            return Served.load(registry, version_id, settings.data_dir, settings.stale_after_days)
        except Exception as exc:  # noqa: BLE001 - try the next one
            log.warning("version %s cannot be served either: %s", version_id, exc)
    return None


async def watch_registry(holder: Holder, settings: Settings, upkeep: Upkeeper | None = None) -> None:
    """Hot reload: when ``current`` names another version, load it off the event loop, then swap.

    Every ``reload_seconds`` it reads ``current`` (cheap), so a promotion is picked up
    within that interval.  A version that failed to load is retried with backoff
    (doubling up to a minute): a version repaired in place is picked up too.  The loop
    survives any exception — it is logged and counted — and stamps
    ``holder.watcher_beat`` each round for readiness.
    """
    registry = settings.registry()
    failed: str | None = None  # the current id (or problem) that last failed
    failed_at, backoff = 0.0, settings.reload_seconds
    holder.watcher_beat = time.monotonic()
    while True:
        await asyncio.sleep(settings.reload_seconds)
        holder.watcher_beat = time.monotonic()
        try:
            problem = ""
            try:
                current = registry.current_id()
            except LaunchcastError as exc:
                current, problem = None, str(exc)
            served = holder.served
            if current is None and not problem:
                continue  # nothing promoted yet: keep what is served
            if served is not None and served.version_id == current and not holder.fallback:
                failed = None
                continue
            key = current or problem
            if key == failed and time.monotonic() - failed_at < backoff:
                continue
            if problem:
                holder.reload_failures += 1
                log.warning("hot reload: %s", problem)
                if served is not None:
                    holder.fallback = f"{problem}; still serving {served.version_id}"
                loaded = False
            else:
                loaded = await asyncio.to_thread(load_into, holder, settings)
                if loaded and upkeep is not None:
                    upkeep.start()  # a promotion or rollback: record the new current version's forecasts
        except Exception as exc:  # noqa: BLE001 - the watcher must never die
            holder.watcher_errors += 1
            holder.reload_failures += 1
            log.warning("hot reload: %s: %s", type(exc).__name__, exc)
            key, loaded = f"{type(exc).__name__}: {exc}", False
        if loaded:
            failed, backoff = None, settings.reload_seconds
        else:
            backoff = min(2 * backoff, 60.0) if key == failed else settings.reload_seconds
            failed, failed_at = key, time.monotonic()


class LimitBody:
    """Refuse request bodies above the limit before reading them (413, naming the limit).

    A body announced by ``Content-Length`` is refused at once; a chunked body is counted
    as it arrives and refused when it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and not length.isdigit():
            await errors.problem(
                422, f"Content-Length {length.decode(errors='replace')!r} is not a number", Request(scope)
            )(scope, receive, send)
            return
        if length is not None and int(length) > self.max_bytes:
            await self._too_large(scope)(scope, receive, send)
            return
        received, refused = 0, False

        async def counted() -> Message:
            # Past the limit: answer 413 ourselves, and tell the app the client left.
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    await self._too_large(scope)(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def unless_refused(message: Message) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, counted, unless_refused)
        except ClientDisconnect:
            if not refused:
                raise

    def _too_large(self, scope: Scope) -> JSONResponse:
        return errors.problem(
            413,
            f"request body larger than the limit of {self.max_bytes:,} bytes (LAUNCHCAST_MAX_BODY_BYTES)",
            Request(scope),
        )


def create_app(settings: Settings | None = None, clock: Clock = system_clock) -> FastAPI:
    """The app; ``clock`` is where "now" comes from when a request does not pass ``as_of``."""
    settings = settings or Settings()
    settings.ensure_data()
    holder = Holder()

    def first_fit_note(note: str) -> None:
        """Keep what provisional answers say true while the first fit is retried."""
        served = holder.served
        if served is not None and served.fit.manifest.get("provisional"):
            served.fit.manifest["provisional"] = note

    refits = RefitRunner(settings, clock, first_fit_note)

    ledger = None
    if settings.ledger_url:
        ledger = LedgerHolder(settings.ledger_url, settings.database_timeout_seconds)
    work = Work(settings.work_threads, settings.work_queue, settings.work_deadline_seconds)
    audit = AuditWriter(settings.ledger_url) if settings.ledger_url and settings.audit_log else None
    upkeep = Upkeeper(ledger, settings, clock)
    keeper = ScheduleKeeper(holder, settings, clock, on_change=upkeep.start)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(load_into, holder, settings)
        served = holder.served
        if served is not None and served.fit.manifest.get("provisional"):
            refits.start_first()  # the first start's baseline: fit the real model now, until it is
        upkeep.start()  # catch up: the served version's standing forecasts, launches not yet scored
        watcher = asyncio.create_task(watch_registry(holder, settings, upkeep))
        keeping = asyncio.create_task(keeper.run())
        if audit is not None:
            audit.start()
        if settings.refit_schedule:
            refits.schedule()
        try:
            yield
        finally:
            watcher.cancel()
            keeping.cancel()
            refits.stop()
            await upkeep.wait()
            if audit is not None:
                await asyncio.to_thread(audit.stop)
            if ledger is not None:
                ledger.close()
            work.shutdown()

    # FastAPIOffline serves Swagger UI and ReDoc from files in its package: /docs works offline.
    app = FastAPIOffline(
        title="launchcast",
        version=__version__,
        description="Monte Carlo launch-reliability forecasts from a Bayesian model of the "
        "world's orbital launch history (GCAT, © J. McDowell, CC BY 4.0). Errors are RFC 9457 "
        "problem details (application/problem+json); every answer carries X-Request-ID.",
        lifespan=lifespan,
        generate_unique_id_function=lambda route: route.name,  # operation ids: next_launch, …
    )
    app.state.settings = settings
    app.state.holder = holder
    app.state.refits = refits
    app.state.clock = clock
    app.state.ledger = ledger
    app.state.audit = audit
    app.state.upkeep = upkeep
    app.state.work = work
    app.state.schedule = keeper

    app.add_middleware(LimitBody, max_bytes=settings.max_body_bytes)
    measured = metrics.Metrics(holder, settings.registry(), settings.update_log, upkeep, audit, work, keeper)
    metrics.install(app, measured, settings.access_log)
    # Outermost: the request id is set before anything logs, and echoed on every answer.
    # A caller's own id is kept if it is a plain token (a proxy's or a trace's), else a new one is made.
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name="X-Request-ID",
        validator=lambda value: REQUEST_ID.fullmatch(value) is not None,
    )
    errors.install(app)
    for router in (
        forecast.router,
        batch.router,
        vehicles.router,
        history.router,
        manifest.router,
        model.router,
        refit.router,
        track_record.router,
        health.router,
        outlook.router,
        problems.router,
    ):
        app.include_router(router)
    # First, so it sees GET /v1/forecast/next before the documented route (which it defers to).
    app.router.routes.insert(0, forecast.LeanNext())
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]  # FastAPI's documented override
    return app
