"""Prometheus metrics: requests and latency by route and status, model version, fit age."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from service.state import Holder


class Metrics:
    def __init__(self, holder: Holder) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("launchcast_requests_total", "HTTP requests",
                                ["route", "method", "status"], registry=self.registry)  # fmt: skip
        self.latency = Histogram(
            "launchcast_request_seconds", "HTTP request latency", ["route", "method"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )  # fmt: skip
        self.model_info = Gauge("launchcast_model_info", "The served model (value 1)",
                                ["model", "version", "data_as_of"], registry=self.registry)  # fmt: skip
        self.fit_age = Gauge("launchcast_fit_age_seconds", "Seconds since the served fit was made",
                             registry=self.registry)  # fmt: skip
        self.holder = holder

    def render(self) -> bytes:
        served = self.holder.served
        self.model_info.clear()
        if served is not None:
            fit = served.fit
            self.model_info.labels(fit.model, fit.version, fit.as_of).set(1)
            fitted = fit.manifest.get("fitted_at")
            if fitted:
                made = time.mktime(time.strptime(fitted, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
                self.fit_age.set(time.time() - made)
        return generate_latest(self.registry)


def install(app: FastAPI, metrics: Metrics) -> None:
    @app.middleware("http")
    async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")
            metrics.requests.labels(path, request.method, str(status)).inc()
            metrics.latency.labels(path, request.method).observe(time.perf_counter() - started)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)
