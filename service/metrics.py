"""Prometheus metrics, named by Prometheus' conventions.

Requests and latency by route template and status; counters end in ``_total``;
times are Unix timestamps (``launchcast_fit_timestamp_seconds``), not computed
ages, so an alert reads ``time() - launchcast_fit_timestamp_seconds > …``; the
process collector adds CPU, memory and open files.  Refits and updates run in
other processes, so their counts come from their logs.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter as Counter_
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Response
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from launchcast.model.operations.refit import refit_running
from launchcast.model.operations.registry import Registry
from launchcast.model.record.history import parse_time
from launchcast.model.record.update import update_attempts
from launchcast.service.state import Holder
from launchcast.service.work import Work


class RefitLogCollector:
    """Refit runs by outcome, read from the registry's refit log (runs happen in other processes)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[CounterMetricFamily]:
        runs = CounterMetricFamily("launchcast_refits", "Refit runs by outcome", labels=["outcome"])
        failures = CounterMetricFamily("launchcast_refit_failures", "Refits that failed or were rejected")
        counts = Counter_(
            entry.get("outcome", "?")
            for entry in self.registry.refits(10**6, running=refit_running(self.registry))
        )
        for outcome, n in sorted(counts.items()):
            runs.add_metric([outcome], n)
        # A run refused because another held the lock is not a failure: the other one is running.
        failures.add_metric([], sum(counts.get(k, 0) for k in ("failed", "rejected", "interrupted")))
        yield runs
        yield failures


class HolderCollector:
    """Counts the hot-reload watcher keeps (it runs in this process)."""

    def __init__(self, holder: Holder) -> None:
        self.holder = holder

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(
            "launchcast_reload_failures",
            "Attempts to load a new current version that failed",
            value=self.holder.reload_failures,
        )
        yield CounterMetricFamily(
            "launchcast_reload_watcher_errors",
            "Unexpected errors the hot-reload watcher survived",
            value=self.holder.watcher_errors,
        )


class UpdateLogCollector:
    """GCAT updates by outcome and the time of the last good one, from the update log (runs happen
    in the CLI, in refit children and in cron jobs, so the log, not this process, is the truth)."""

    def __init__(self, log: Path) -> None:
        self.log = log

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        attempts = update_attempts(self.log)
        counts = Counter_(a.outcome for a in attempts)
        runs = CounterMetricFamily(
            "launchcast_updates", "GCAT update attempts by outcome", labels=["outcome"]
        )
        for outcome in ("updated", "current", "failed"):
            runs.add_metric([outcome], counts.get(outcome, 0))
        yield runs
        yield CounterMetricFamily(
            "launchcast_update_failures", "GCAT update attempts that failed", value=counts.get("failed", 0)
        )
        good = [a.at for a in attempts if a.outcome != "failed"]
        if good:
            yield GaugeMetricFamily(
                "launchcast_last_successful_update_timestamp_seconds",
                "When an update last reached GCAT and took in its tables (Unix time)",
                value=_unix(good[-1]),
            )


def _unix(stamp: str) -> float:
    """An ISO 8601 UTC time (date or date-time) as Unix seconds, free of local time and DST."""
    return parse_time(stamp).timestamp()


class ScheduleCollector:
    """The schedule's refreshes by outcome, failures by kind, its size and when it was last checked."""

    def __init__(self, keeper: Any) -> None:
        self.keeper = keeper

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        runs = CounterMetricFamily(
            "launchcast_schedule_updates",
            "Schedule refreshes (Launch Library 2) by outcome",
            labels=["outcome"],
        )
        for outcome in ("updated", "current", "failed"):
            runs.add_metric([outcome], self.keeper.outcomes.get(outcome, 0))
        yield runs
        failures = CounterMetricFamily(
            "launchcast_schedule_update_failures",
            "Schedule refreshes that failed, by kind (rate-limited, http, transfer, malformed, too-large, "
            "stalled, duplicate, …); the schedule was left as it was",
            labels=["kind"],
        )
        for kind, n in sorted(self.keeper.failures.items()):
            failures.add_metric([kind], n)
        yield failures
        yield CounterMetricFamily(
            "launchcast_schedule_skipped_entries",
            "Entries of Launch Library 2's list not taken in (flown, or a NET and window in the past)",
            value=self.keeper.skipped,
        )
        yield GaugeMetricFamily(
            "launchcast_schedule_entries", "Announced launches the schedule holds", value=self.keeper.entries
        )
        if self.keeper.checked_at is not None:
            yield GaugeMetricFamily(
                "launchcast_schedule_checked_timestamp_seconds",
                "When the schedule was last fetched or confirmed current (Unix time; alert on time() - this)",
                value=self.keeper.checked_at.timestamp(),
            )


class LedgerCollector:
    """The track record's figures (refreshed after each upkeep) and the ledger's write failures."""

    def __init__(self, upkeep: Any, audit: Any) -> None:
        self.upkeep = upkeep
        self.audit = audit

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        by = ["tier", "model"]
        launches = GaugeMetricFamily(
            "launchcast_track_record_launches", "Launches scored in the ledger", labels=by
        )
        loss = GaugeMetricFamily("launchcast_track_record_log_loss", "Mean log loss (nats/launch)", labels=by)
        brier = GaugeMetricFamily("launchcast_track_record_brier", "Mean Brier score", labels=by)
        for total in self.upkeep.totals:
            launches.add_metric([total.tier, total.model], total.launches)
            loss.add_metric([total.tier, total.model], total.log_loss)
            brier.add_metric([total.tier, total.model], total.brier)
        yield from (launches, loss, brier)
        failures = "Ledger upkeep (recording, scoring) that could not reach the database"
        yield CounterMetricFamily("launchcast_ledger_failures", failures, value=self.upkeep.failures)
        audit = self.audit
        if audit is not None:
            yield CounterMetricFamily(
                "launchcast_audit_rows_written",
                "Served forecasts written to the audit log",
                value=audit.written,
            )
            yield CounterMetricFamily(
                "launchcast_audit_rows_dropped",
                "Audit rows dropped: the database stayed unreachable too long",
                value=audit.dropped,
            )
            yield CounterMetricFamily(
                "launchcast_audit_write_failures",
                "Audit batches not written (kept and retried)",
                value=audit.failures,
            )
            yield GaugeMetricFamily(
                "launchcast_audit_rows_pending", "Audit rows waiting to be written", value=len(audit.pending)
            )


class WorkCollector:
    """The bounded pool's queue and what it turned away (``service.work``)."""

    def __init__(self, work: Work) -> None:
        self.work = work

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        work = self.work
        yield GaugeMetricFamily(
            "launchcast_work_in_flight", "Expensive requests queued or running", value=work.in_flight
        )
        yield GaugeMetricFamily(
            "launchcast_work_capacity",
            "Expensive requests taken at once (threads + queue)",
            value=work.capacity,
        )
        yield CounterMetricFamily(
            "launchcast_work_refused",
            "Expensive requests refused: the queue was full (503)",
            value=work.refused,
        )
        yield CounterMetricFamily(
            "launchcast_work_timed_out",
            "Expensive requests stopped at their deadline (503)",
            value=work.timed_out,
        )
        yield CounterMetricFamily(
            "launchcast_work_cancelled",
            "Expensive requests stopped because the client left",
            value=work.cancelled,
        )


#: Methods counted by name; any other (a client may send any token) is counted as "other".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})


class Metrics:
    def __init__(
        self,
        holder: Holder,
        model_registry: Registry,
        update_log: Path,
        upkeep: Any = None,
        audit: Any = None,
        work: Work | None = None,
        schedule: Any = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "launchcast_requests_total",
            "HTTP requests",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "launchcast_request_seconds",
            "HTTP request latency",
            ["route", "method"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.model_info = Gauge(
            "launchcast_model_info",
            "The served model (value 1)",
            ["model", "version", "data_as_of", "registry_version"],
            registry=self.registry,
        )
        self.fitted_at = Gauge(
            "launchcast_fit_timestamp_seconds",
            "When the served fit was made (Unix time; alert on time() - this)",
            registry=self.registry,
        )
        ProcessCollector(registry=self.registry)  # process_cpu_seconds_total, resident memory, open fds
        PlatformCollector(registry=self.registry)
        self.fallback = Gauge(
            "launchcast_serving_fallback",
            "1 while the current version cannot be read and an older intact one is served",
            registry=self.registry,
        )
        self.registry.register(HolderCollector(holder))
        self.data_as_of = Gauge(
            "launchcast_data_as_of_timestamp_seconds",
            "The last launch the served fit's data records (Unix time)",
            registry=self.registry,
        )
        self.registry.register(RefitLogCollector(model_registry))
        self.registry.register(UpdateLogCollector(update_log))
        if upkeep is not None:
            self.registry.register(LedgerCollector(upkeep, audit))
        if work is not None:
            self.registry.register(WorkCollector(work))
        if schedule is not None:
            self.registry.register(ScheduleCollector(schedule))
        self.holder = holder
        self._render = threading.Lock()

    def render(self) -> bytes:
        """The exposition (reads the refit and update logs: run off the event loop, one at a time)."""
        with self._render:
            return self._render_locked()

    def _render_locked(self) -> bytes:
        self.fallback.set(1 if self.holder.fallback else 0)
        served = self.holder.served
        self.model_info.clear()
        if served is not None:
            fit = served.fit
            self.model_info.labels(fit.model, fit.version, fit.as_of, served.version_id).set(1)
            fitted = fit.manifest.get("fitted_at")
            if fitted:
                self.fitted_at.set(_unix(fitted))
            if fit.as_of:
                self.data_as_of.set(_unix(fit.as_of))
        return generate_latest(self.registry)


class MeasureRequests:
    """Pure ASGI middleware (cheaper than ``@app.middleware``): counts and times every request."""

    def __init__(self, app: ASGIApp, metrics: Metrics, access_log: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            path = route_template(scope)
            self.metrics.requests.labels(path, method, str(status)).inc()
            seconds = time.perf_counter() - started
            self.metrics.latency.labels(path, method).observe(seconds)
            if self.access_log:
                log_access(scope, path, status, seconds)


#: One record per request, its parts as fields (``service.logs`` writes them as JSON keys).
access = logging.getLogger("launchcast.access")


def log_access(scope: Scope, route: str, status: int, seconds: float) -> None:
    """method, route (the template: ``/v1/vehicles``), path, status and latency as fields; the
    request id is added by the logging filter, as on every record."""
    fields = {
        "method": scope["method"],
        "route": route,
        "path": scope["path"],
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
    }
    access.info("%s %s %d %.1f ms", fields["method"], fields["path"], status, seconds * 1000, extra=fields)


def route_template(scope: Scope) -> str:
    """The route's path template (``/v1/history``, ``/openapi.json``); ``unmatched`` for a 404.

    Labels come from a closed set (the app's routes, ``unmatched``; ``METHODS`` or ``other``),
    so no client can grow the metrics by sending made-up paths or methods.

    FastAPI's own routes put themselves in the scope; plain Starlette routes (the OpenAPI
    document, the docs' static files) do not, so those are matched here.
    """
    route = scope.get("route")
    if route is not None:
        return str(route.path)
    for candidate in getattr(scope.get("app"), "routes", ()):
        path = getattr(candidate, "path", None)
        if path is not None and candidate.matches(scope)[0] == Match.FULL:
            return str(path)
    return "unmatched"


def install(app: FastAPI, metrics: Metrics, access_log: bool = False) -> None:
    app.add_middleware(MeasureRequests, metrics=metrics, access_log=access_log)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(await asyncio.to_thread(metrics.render), media_type=CONTENT_TYPE_LATEST)
