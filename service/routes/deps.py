"""Request-scoped access to what the app holds (settings, the served fit).

The dependencies are ``async def`` on purpose: FastAPI runs a plain ``def``
dependency in a worker thread, a hop that cost more than the forecast itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Query, Request
from pydantic import AfterValidator, StringConstraints

from launchcast.model.defaults import YEARS
from launchcast.service.audit import AuditWriter
from launchcast.service.errors import documented
from launchcast.service.forecaster import Forecaster
from launchcast.service.refits import RefitRunner
from launchcast.service.schedule import ScheduleKeeper
from launchcast.service.settings import Settings
from launchcast.service.state import Clock, Holder, LedgerHolder, Served, Upkeeper
from launchcast.service.work import Work


async def holder(request: Request) -> Holder:
    holder_: Holder = request.app.state.holder
    return holder_


async def served(request: Request) -> Served:
    return (await holder(request)).require()


async def settings(request: Request) -> Settings:
    settings_: Settings = request.app.state.settings
    return settings_


async def ledger(request: Request) -> LedgerHolder | None:
    """The ledger's connection (reads off the event loop, with a time limit); None when none is
    kept (the route says so with a 503 after its input is checked: bad input is a 422 first)."""
    holder: LedgerHolder | None = request.app.state.ledger
    return holder


async def refits(request: Request) -> RefitRunner:
    """Refits in a child process, on a schedule or by HTTP (``service.refits``)."""
    refits_: RefitRunner = request.app.state.refits
    return refits_


async def clock(request: Request) -> Clock:
    clock_: Clock = request.app.state.clock
    return clock_


async def work(request: Request) -> Work:
    """The bounded pool expensive answers run in (``service.work``)."""
    work_: Work = request.app.state.work
    return work_


async def forecaster(request: Request) -> Forecaster:
    """The served fit's forecaster: every question, its answer and its chart."""
    return (await served(request)).forecaster


async def upkeep(request: Request) -> Upkeeper:
    """The ledger's keeper: what the last upkeep did and the track record's totals."""
    upkeep_: Upkeeper = request.app.state.upkeep
    return upkeep_


async def audit(request: Request) -> AuditWriter | None:
    """The audit log of served forecasts, or None when it is off (``LAUNCHCAST_AUDIT_LOG``)."""
    audit_: AuditWriter | None = request.app.state.audit
    return audit_


async def schedule(request: Request) -> ScheduleKeeper:
    """The keeper of the announced launches (``service.schedule``): refreshes, failures, age."""
    keeper: ScheduleKeeper = request.app.state.schedule
    return keeper


HolderDep = Annotated[Holder, Depends(holder)]
ServedDep = Annotated[Served, Depends(served)]
SettingsDep = Annotated[Settings, Depends(settings)]
ClockDep = Annotated[Clock, Depends(clock)]
WorkDep = Annotated[Work, Depends(work)]
ForecasterDep = Annotated[Forecaster, Depends(forecaster)]
UpkeepDep = Annotated[Upkeeper, Depends(upkeep)]
LedgerDep = Annotated[LedgerHolder | None, Depends(ledger)]
RefitsDep = Annotated[RefitRunner, Depends(refits)]
AuditDep = Annotated[AuditWriter | None, Depends(audit)]
ScheduleDep = Annotated[ScheduleKeeper, Depends(schedule)]


#: Times a question may name: from the first orbital launch's year to a documented far future.
#: Outside them the answer is 422 saying so (not a 500 from a date library's overflow).
EARLIEST = dt.date(YEARS[0], 1, 1)
LATEST = dt.date(YEARS[1], 12, 31)
#: Text fields (names, questions) refuse NUL and other control characters.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"


def _within_years(value: T) -> T:
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


T = TypeVar("T", dt.date, dt.datetime)
#: A time a question is asked at (``as_of``), within ``EARLIEST``–``LATEST``.
AsOf = Annotated[dt.datetime, AfterValidator(_within_years)]
#: A calendar date a question names, within ``EARLIEST``–``LATEST``.
Day = Annotated[dt.date, AfterValidator(_within_years)]
#: A name or question typed by a person: at most 100 characters, no control characters.
Text = Annotated[str, StringConstraints(max_length=100, pattern=TEXT_PATTERN)]

AS_OF_DESCRIPTION = (
    "when the question is asked (ISO 8601, UTC if no offset; 1957–2200); default: now. Time windows "
    "start here; pass an earlier answer's as_of to reproduce it exactly"
)


#: ``format=`` of a list answer: JSON, or CSV for a spreadsheet (also chosen by Accept: text/csv).
ListFormat = Annotated[
    Literal["json", "csv"] | None,
    Query(alias="format", description="json (default) or csv: one row per item (also chosen by Accept)"),
]
#: The 200 answer of a list that can also be CSV, for the OpenAPI document.
AS_CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}, "description": "the list"}}

#: Error answers every forecast/catalogue route may give (RFC 9457 problem details).
ERRORS: dict[int | str, dict[str, Any]] = {
    404: documented("unknown vehicle, family or state (suggestions: closest names)"),
    413: documented("request body over the limit (LAUNCHCAST_MAX_BODY_BYTES)"),
    422: documented("invalid input or a limit exceeded, the work budget included (errors: each field)"),
    503: documented(
        "no fit loaded (make one with 'launchcast fit'), or the service is busy "
        "(Retry-After says when to try again)"
    ),
}
