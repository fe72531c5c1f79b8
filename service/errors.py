"""Map the project's errors to HTTP: 404 for unknown names, 422 for bad input, 503 without a fit."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from launchcast.model.errors import LaunchcastError, NotFoundError
from launchcast.service.state import NoFitLoaded


def install(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        # A body that is not even JSON is malformed input like any other: 422.
        status = 422 if exc.status_code == 400 else exc.status_code
        return JSONResponse({"detail": exc.detail}, status_code=status, headers=exc.headers)

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(LaunchcastError)
    async def bad_request(_: Request, exc: LaunchcastError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(NoFitLoaded)
    async def no_fit(_: Request, exc: NoFitLoaded) -> JSONResponse:
        return JSONResponse(
            {"detail": f"no model is loaded ({exc}); make one with 'launchcast fit'"},
            status_code=503,
        )
