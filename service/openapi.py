"""The OpenAPI document as clients should read it: one error schema, the bearer scheme declared.

FastAPI documents every error twice — as ``application/json`` beside the declared
``application/problem+json``, and as its own ``HTTPValidationError`` on every route with
parameters — though the service only ever answers errors as problem details
(``service.errors``).  ``document`` removes both, so generated clients get one error type.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from launchcast.service.errors import MEDIA_TYPE

#: FastAPI's own validation-error schemas, never answered by this service.
UNUSED = ("HTTPValidationError", "ValidationError")
PROBLEM = {"$ref": "#/components/schemas/Problem"}


def document(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, built once (``app.openapi``)."""
    if app.openapi_schema is None:
        spec = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if status[:1] in "45":
                        response["content"] = {MEDIA_TYPE: {"schema": PROBLEM}}
        schemas = spec.get("components", {}).get("schemas", {})
        for name in UNUSED:
            schemas.pop(name, None)
        app.openapi_schema = spec
    return app.openapi_schema
