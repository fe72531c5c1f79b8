"""Every error answer is RFC 9457 problem details (``application/problem+json``).

``type`` names the kind of problem: an absolute URI under the service's own
``/problems/`` that answers with a page describing that kind (``PROBLEMS``), ``title``
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

from launchcast.model.defaults import GCAT_URL, SCHEDULE_URL
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


#: Each status the service answers with: its title, and what the problem page says about it
#: (``GET /problems/<slug>``, the ``type`` of every problem of that kind).
PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The request could not be read."),
    401: (
        "Not authorised",
        "The operation needs the service's admin token as a bearer token (Authorization: Bearer …). "
        "Refits over HTTP are off unless LAUNCHCAST_ADMIN_TOKEN is set.",
    ),
    403: ("Forbidden", "The operation is not allowed for this client."),
    404: (
        "Not found",
        "A name in the question (a vehicle, family, state or operator) is not in the launch record. "
        "The answer's suggestions list the closest known names; /v1/vehicles, /v1/states and "
        "/v1/operators list them all. A state that has never launched is asked about with "
        "new_vehicle=true.",
    ),
    405: ("Method not allowed", "The path exists but not with this HTTP method; /docs lists each route's."),
    409: ("Conflict", "The operation is already running; its status page says when it ends."),
    413: (
        "Request body too large",
        "The body is larger than the service accepts (LAUNCHCAST_MAX_BODY_BYTES). Questions are small; "
        "split a large batch into several requests.",
    ),
    422: (
        "Invalid input",
        "A field is missing, malformed or out of range, or the question would cost more work than "
        "one request may (the detail names the limit and the largest value that fits). The errors "
        "member lists every invalid field with its location.",
    ),
    503: (
        "Service unavailable",
        "The service cannot answer now: no model is loaded yet (the first fit runs for about a "
        "minute), the work queue is full, the answer passed its deadline, or the track record's "
        "database cannot be reached. Retry-After, when present, says how many seconds to wait.",
    ),
}
TITLES = {status: title for status, (title, _) in PROBLEMS.items()}


def slug(status: int) -> str:
    """The last part of a problem ``type`` URI: ``not-found`` for 404."""
    return TITLES.get(status, "error").lower().replace(" ", "-")


class Problem(BaseModel):
    """RFC 9457 problem details, with launchcast's extensions."""

    type: str = Field(
        description="absolute URI naming the kind of problem; it answers with a page describing it",
        examples=["http://127.0.0.1:8000/problems/not-found"],
    )
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


#: URLs of the public sources, which answers may name (not a configured mirror's or proxy's).
PUBLIC_SOURCES = (GCAT_URL, SCHEDULE_URL)


def public(detail: str) -> str:
    """A message fit for a client: paths cut to their last part, URLs (hosts, users) left out
    but for the public sources' own (GCAT's and Launch Library 2's sites).

    The full message goes to the log with the request id; the answer carries the id.
    """

    def url(match: re.Match[str]) -> str:
        public_source = match[0].startswith(PUBLIC_SOURCES) and "@" not in match[0]
        return match[0] if public_source else "<url>"

    return _PATH.sub(lambda m: f"…/{m[1]}" if m[1] else "…/", _URL.sub(url, detail))


def details(status: int, detail: str, request: Request | None = None, **extensions: Any) -> Problem:
    """The problem details of one error (a route's answer, or one question's in a batch)."""
    shown = public(detail)
    if shown != detail:
        log.info("%d %s: %s", status, request.url.path if request is not None else "-", detail)
    base = _base(request)
    return Problem(
        type=f"{base}problems/{slug(status)}",
        title=TITLES.get(status, "Error"),
        status=status,
        detail=shown,
        instance=request.url.path if request is not None else None,
        request_id=correlation_id.get(),
        **extensions,
    )


def _base(request: Request | None) -> str:
    """Where problem types live: the configured address (``Settings.base_url``), never the
    request's ``Host`` header, which a client chooses and a cache may keep."""
    app = request.scope.get("app") if request is not None else None
    settings = getattr(getattr(app, "state", None), "settings", None)
    return str(settings.base_url) if settings is not None else "/"


def problem(
    status: int,
    detail: str,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body = details(status, detail, request, **extensions)
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
