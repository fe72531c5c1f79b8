"""Every error answer is RFC 9457 problem details (``application/problem+json``).

``type`` names the kind of problem (a stable URI under ``/problems/``), ``title``
says it in words, ``detail`` says what was wrong with this request and how to fix
it; machine-readable extensions: ``suggestions`` (closest known names on a 404),
``errors`` (each invalid field on a 422) and ``request_id`` (the ``X-Request-ID``
echoed in the logs).  Mapping: unknown names 404, bad input 422, a body over the
limit 413, no fit loaded 503.
"""

from __future__ import annotations

from typing import Any

from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from launchcast.model.errors import LaunchcastError, NotFoundError
from launchcast.service.state import LedgerUnavailable, NoFitLoaded

MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request", 401: "Not authorised", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 413: "Request body too large",
    422: "Invalid input", 503: "Service unavailable",
}  # fmt: skip


class Problem(BaseModel):
    """RFC 9457 problem details, with launchcast's extensions."""

    type: str = Field(description="URI naming the kind of problem", examples=["/problems/not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(description="what was wrong and how to fix it",
                        examples=["unknown vehicle 'Chollma'; closest known: Chollima-1"])  # fmt: skip
    instance: str | None = Field(None, description="the request path")
    request_id: str | None = Field(None, description="X-Request-ID of the request (also in the logs)")
    suggestions: list[str] | None = Field(None, description="closest known names (404)")
    errors: list[dict[str, Any]] | None = Field(None, description="every invalid field (422)")


def documented(description: str) -> dict[str, Any]:
    """An error response for the OpenAPI schema: problem details, as ``application/problem+json``."""
    return {"model": Problem, "description": description,
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}  # fmt: skip


def problem(status: int, detail: str, request: Request | None = None, headers: dict[str, str] | None = None,
            **extensions: Any) -> JSONResponse:  # fmt: skip
    slug = TITLES.get(status, "error").lower().replace(" ", "-")
    body = Problem(type=f"/problems/{slug}", title=TITLES.get(status, "Error"), status=status, detail=detail,
                   instance=request.url.path if request is not None else None,
                   request_id=correlation_id.get(), **extensions)  # fmt: skip
    return JSONResponse(jsonable_encoder(body, exclude_none=True), status_code=status, headers=headers,
                        media_type=MEDIA_TYPE)  # fmt: skip


def install(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        # A body that is not even JSON is malformed input like any other: 422.
        status = 422 if exc.status_code == 400 else exc.status_code
        return problem(status, str(exc.detail), request, headers=exc.headers)

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

    @app.exception_handler(NoFitLoaded)
    async def no_fit(request: Request, exc: NoFitLoaded) -> JSONResponse:
        return problem(503, f"no model is loaded ({exc}); make one with 'launchcast fit'", request)
