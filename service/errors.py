"""Every error answer is RFC 9457 problem details (``application/problem+json``).

``type`` names the kind of problem (a stable URI under ``/problems/``), ``title``
says it in words, ``detail`` says what was wrong with this request and how to fix
it; machine-readable extensions: ``suggestions`` (closest known names on a 404),
``errors`` (each invalid field on a 422) and ``request_id`` (the ``X-Request-ID``
echoed in the logs).  Mapping: unknown names 404, bad input 422, a body over the
limit 413, no fit loaded or the service busy 503 (with ``Retry-After`` when busy).
Details never carry internals: absolute paths are cut to their last part and URLs
(a database's host and user) left out (``public``); the full text is logged with
the request id.

The service's own exceptions, beside the model's tree (``model/errors.py``), and
the answer each gets:

::

    LaunchcastError         422 (its subclass NotFoundError: 404, with suggestions)
    WorkCancelled           503 + Retry-After (the client left, or the deadline passed)
    Busy                    503 + Retry-After (the bounded pool is full)
    LedgerUnavailable       503 (the track record's database; forecasts never need it)
    NoFitLoaded             503 (no model yet: how to make one)
    HTTPException           its status (400 becomes 422: a malformed body is bad input)
"""

from __future__ import annotations

import logging
import re
from typing import Any

from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from launchcast.model.errors import LaunchcastError, NotFoundError, WorkCancelled

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("launchcast.errors")


class Busy(Exception):
    """No room for more work now (503 with ``Retry-After``)."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class LedgerUnavailable(Exception):
    """The ledger database cannot be reached; the API answers 503 (forecasts never depend on it)."""


class NoFitLoaded(Exception):
    """No fit to answer from; the API answers 503 with how to make one."""


TITLES = {
    400: "Bad request",
    401: "Not authorised",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    422: "Invalid input",
    503: "Service unavailable",
}


class Problem(BaseModel):
    """RFC 9457 problem details, with launchcast's extensions."""

    type: str = Field(description="URI naming the kind of problem", examples=["/problems/not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(
        description="what was wrong and how to fix it",
        examples=["unknown vehicle 'Chollma'; closest known: Chollima-1"],
    )
    instance: str | None = Field(None, description="the request path")
    request_id: str | None = Field(None, description="X-Request-ID of the request (also in the logs)")
    suggestions: list[str] | None = Field(None, description="closest known names (404)")
    errors: list[dict[str, Any]] | None = Field(None, description="every invalid field (422)")


def documented(description: str) -> dict[str, Any]:
    """An error response for the OpenAPI schema: problem details, as ``application/problem+json``."""
    return {
        "model": Problem,
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


#: Absolute file paths and URLs (a database's, with its user and host) in a message.
_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/'\"():,;]+/)+([^\s/'\"():,;]*)")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"]*[^\s'\".,:;)]")


def public(detail: str) -> str:
    """A message fit for a client: paths cut to their last part, URLs (hosts, users) left out.

    The full message goes to the log with the request id; the answer carries the id.
    """
    return _PATH.sub(lambda m: f"…/{m[1]}" if m[1] else "…/", _URL.sub("<url>", detail))


def problem(
    status: int,
    detail: str,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    shown = public(detail)
    if shown != detail:
        log.info("%d %s: %s", status, request.url.path if request is not None else "-", detail)
    detail = shown
    slug = TITLES.get(status, "error").lower().replace(" ", "-")
    body = Problem(
        type=f"/problems/{slug}",
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path if request is not None else None,
        request_id=correlation_id.get(),
        **extensions,
    )
    return JSONResponse(
        jsonable_encoder(body, exclude_none=True), status_code=status, headers=headers, media_type=MEDIA_TYPE
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        # A body that is not even JSON is malformed input like any other: 422.
        status = 422 if exc.status_code == 400 else exc.status_code
        return problem(status, str(exc.detail), request, headers=dict(exc.headers) if exc.headers else None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
        return problem(422, detail, request, errors=errors)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return problem(404, str(exc), request, suggestions=exc.suggestions)

    @app.exception_handler(LaunchcastError)
    async def bad_request(request: Request, exc: LaunchcastError) -> JSONResponse:
        return problem(422, str(exc), request)

    @app.exception_handler(LedgerUnavailable)
    async def no_ledger(request: Request, exc: LedgerUnavailable) -> JSONResponse:
        return problem(503, f"the track record is unavailable: {exc}", request)

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> JSONResponse:
        return problem(503, str(exc), request, headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(WorkCancelled)
    async def cancelled(request: Request, exc: WorkCancelled) -> JSONResponse:
        # The client has usually gone; if it is still there, it learns why.
        return problem(503, f"the answer was stopped: {exc.reason}", request, headers={"Retry-After": "1"})

    @app.exception_handler(NoFitLoaded)
    async def no_fit(request: Request, exc: NoFitLoaded) -> JSONResponse:
        return problem(503, f"no model is loaded ({exc}); make one with 'launchcast fit'", request)
