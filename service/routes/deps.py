"""Request-scoped access to what the app holds (settings, the served fit).

The dependencies are ``async def`` on purpose: FastAPI runs a plain ``def``
dependency in a worker thread, a hop that cost more than the forecast itself.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request

from launchcast.model.ledger import Ledger
from launchcast.service.errors import documented
from launchcast.service.settings import Settings
from launchcast.service.state import Clock, Holder, LedgerHolder, LedgerUnavailable, Served


async def holder(request: Request) -> Holder:
    return request.app.state.holder  # type: ignore[no-any-return]


async def served(request: Request) -> Served:
    return (await holder(request)).require()


async def settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def ledger(request: Request) -> Ledger:
    """The ledger (opened on first use, off the event loop); 503 while its database is unreachable."""
    holder: LedgerHolder | None = request.app.state.ledger
    if holder is None:
        raise LedgerUnavailable("the track record is not kept here (LAUNCHCAST_TRACK_RECORD=false)")
    return await asyncio.to_thread(holder.get)


async def clock(request: Request) -> Clock:
    return request.app.state.clock  # type: ignore[no-any-return]


AS_OF_DESCRIPTION = (
    "when the question is asked (ISO 8601, UTC if no offset); default: now. Time windows start "
    "here; pass an earlier answer's as_of to reproduce it exactly"
)


#: Error answers every forecast/catalogue route may give (RFC 9457 problem details).
ERRORS: dict[int | str, dict[str, Any]] = {
    404: documented("unknown vehicle, family or state (suggestions: closest names)"),
    413: documented("request body over the limit (LAUNCHCAST_MAX_BODY_BYTES)"),
    422: documented("invalid input or a limit exceeded (errors: each field)"),
    503: documented("no fit loaded: make one with 'launchcast fit'"),
}
