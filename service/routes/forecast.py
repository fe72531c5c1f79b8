"""/v1/forecast/*: every question, asked through the served fit's forecaster (``service.forecaster``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

from asgi_correlation_id import correlation_id
from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import Match, Route
from starlette.types import Scope

from launchcast.model.defaults import MAX_PATHS
from launchcast.model.questions.answers import (
    ByDateForecast,
    ByMonthForecast,
    CampaignForecast,
    NextLaunchForecast,
    VersusForecast,
)
from launchcast.model.questions.asking import MIN_PATHS, Programme
from launchcast.model.questions.counts import LaunchCountForecast
from launchcast.model.questions.forecast import MAX_CAMPAIGN_LAUNCHES, MAX_MONTHS
from launchcast.model.questions.scenario import (
    RUSSIAN_FAMILY,
    AfterOutcomeScenario,
    ForeignHelpScenario,
)
from launchcast.service import formats
from launchcast.service.audit import AuditWriter
from launchcast.service.forecaster import Answered
from launchcast.service.routes import deps
from launchcast.service.state import Clock, Served


async def vary_accept(response: Response) -> None:
    """Every forecast answer depends on Accept (JSON or a chart): caches must key on it."""
    response.headers["Vary"] = "Accept"


router = APIRouter(
    prefix="/v1/forecast", tags=["forecast"], responses=deps.ERRORS, dependencies=[Depends(vary_accept)]
)

VEHICLE = "a vehicle by GCAT, display or Korean name (Cheonlima-1, Chollima-1, 천리마-1)"
STATE = (
    "a state by code or name (KP, North Korea, 'Korea, North'); alone: its next launch, on the vehicle "
    "it flies most now (the answer's vehicle_choice says which)"
)
FAMILY = "a vehicle family (GCAT), for its next new variant"
NEW_VEHICLE = "the maiden flight of a new vehicle of `state` (or of `family`)"
ASSISTANCE = (
    "count foreign help up to this confidence (data/assistance.csv: documented ⊂ reported ⊂ alleged; "
    "none leaves it out); default: as the model was fitted ('reported'). 'alleged' asks what the "
    "forecast is if alleged help, such as Russia's to Chollima-1, is real; the warnings say what was counted"
)
Level = Literal["none", "documented", "reported", "alleged"]
Name = deps.Text | None
Paths = Annotated[
    int, Field(ge=MIN_PATHS, le=MAX_PATHS, description=f"Monte Carlo paths ({MIN_PATHS:,}–{MAX_PATHS:,})")
]
Seed = Annotated[int, Field(ge=0, le=2**32 - 1, description="same seed, same answer")]


class ProgrammeIn(BaseModel):
    """A vehicle (GCAT or display name), a state's next launch, or a state's new vehicle."""

    model_config = ConfigDict(extra="forbid")
    vehicle: Name = Field(None, examples=["Chollima-1"], description=VEHICLE)
    state: Name = Field(None, examples=["KP"], description=STATE)
    family: Name = Field(None, examples=["Unha"], description=FAMILY)
    new_vehicle: bool = Field(False, description=NEW_VEHICLE)
    assistance: Level | None = Field(None, description=ASSISTANCE)

    def programme(self) -> Programme:
        return Programme(self.vehicle, self.state, self.family, self.new_vehicle, self.assistance)


class Asked(BaseModel):
    as_of: deps.AsOf | None = Field(None, description=deps.AS_OF_DESCRIPTION)

    def now(self, clock: Clock) -> dt.datetime:
        return self.as_of or clock()


class CampaignRequest(ProgrammeIn, Asked):
    launches: int = Field(5, ge=1, le=MAX_CAMPAIGN_LAUNCHES, description="N next launches")
    paths: Paths = 20_000
    seed: Seed = 0


class ByDateRequest(ProgrammeIn, Asked):
    date: deps.Day = Field(description="YYYY-MM-DD (to 2200); P(a success before this date)")
    paths: Paths = 20_000
    seed: Seed = 0


class VersusRequest(Asked):
    model_config = ConfigDict(extra="forbid")
    a: ProgrammeIn = Field(examples=[{"state": "KP"}])
    b: ProgrammeIn = Field(examples=[{"state": "KR"}])
    paths: Paths = 20_000
    seed: Seed = 0


class ForeignHelpRequest(Asked):
    """A state's next new rocket: indigenous, with foreign help, or a variant of a foreign family."""

    model_config = ConfigDict(extra="forbid")
    scenario: Literal["foreign-help"]
    state: deps.Text = Field("KP", description="the state building the rocket (code or name)")
    family: deps.Text = Field(
        RUSSIAN_FAMILY, description="the foreign family of the variant arm (GCAT family)"
    )


class AfterFailureRequest(ProgrammeIn, Asked):
    """If the next flight of a vehicle or state fails (or succeeds), what about the one after?"""

    scenario: Literal["after-failure"]


ScenarioRequest = Annotated[ForeignHelpRequest | AfterFailureRequest, Field(discriminator="scenario")]


def _audit(
    audit: AuditWriter | None,
    route: str,
    query: dict[str, Any],
    served: Served,
    probability: float,
    clock: Clock,
) -> None:
    """Append to the audit log, if it is on (a deque append: no I/O on the request path)."""
    if audit is not None:
        audit.add(
            clock(), route, jsonable_encoder(query), served.version_id, probability, correlation_id.get()
        )


ChartFormat = Annotated[
    Literal["json", "svg", "png"] | None,
    Query(alias="format", description="json (default), or a chart: svg or png (also chosen by Accept)"),
]
TableFormat = Annotated[
    Literal["json", "csv", "svg", "png"] | None,
    Query(
        alias="format",
        description="json (default), csv (one row per point, provenance in a closing # line), or a "
        "chart: svg or png (also chosen by Accept)",
    ),
]
#: The 200 answer of a forecast that can also be a chart, for the OpenAPI document.
AS_CHART: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {}, "image/png": {}}, "description": "the forecast, or its chart"}
}
AS_TABLE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {}, "image/svg+xml": {}, "image/png": {}},
        "description": "the forecast, as a table, or its chart",
    }
}


#: The charts a forecast answer can be drawn as; by-month and launch counts are tables too.
CHARTS = ("svg", "png")
CHARTS_AND_TABLE = ("csv", "svg", "png")


def _chart_format(request: Request, fmt: str | None) -> str | None:
    """svg or png if asked for (``format=`` or Accept); None for JSON."""
    form = formats.negotiate(request, fmt, CHARTS)
    return None if form == "json" else form


# Text query parameters: at most 100 characters, no control characters.
VehicleQuery = Annotated[
    str | None, Query(max_length=100, pattern=deps.TEXT_PATTERN, examples=["Chollima-1"], description=VEHICLE)
]
StateQuery = Annotated[
    str | None, Query(max_length=100, pattern=deps.TEXT_PATTERN, examples=["KP"], description=STATE)
]
FamilyQuery = Annotated[
    str | None, Query(max_length=100, pattern=deps.TEXT_PATTERN, examples=["Unha"], description=FAMILY)
]
AsOfQuery = Annotated[deps.AsOf | None, Query(description=deps.AS_OF_DESCRIPTION)]


@router.get("/next", response_model=NextLaunchForecast, responses=AS_CHART)
async def next_launch(
    request: Request,
    served: deps.ServedDep,
    clock: deps.ClockDep,
    work: deps.WorkDep,
    audit: deps.AuditDep,
    vehicle: VehicleQuery = None,
    state: StateQuery = None,
    family: FamilyQuery = None,
    new_vehicle: Annotated[bool, Query(description=NEW_VEHICLE)] = False,
    explain: Annotated[
        bool,
        Query(
            description="also say why: the logit's terms (state, family, vehicle, "
            "infancy, …), adding up to the forecast"
        ),
    ] = False,
    assistance: Annotated[Level | None, Query(description=ASSISTANCE)] = None,
    as_of: AsOfQuery = None,
    fmt: ChartFormat = None,
) -> Response:
    """P(success) of the next launch of a vehicle, of a state, or of a state's new vehicle.

    "Next" is the first launch after the data's end; when the data is old it may have
    flown already, and the answer's warnings say so. As a chart: the posterior of the
    launch's reliability with its 50% and 90% bands.

    The JSON answer is computed on the event loop: it is a cached answer per vehicle plus
    its time fields (microseconds), or one pass over the posterior draws (a millisecond);
    charts are drawn in the bounded pool.
    """
    now = as_of or clock()
    programme = Programme(vehicle, state, family, new_vehicle, assistance)
    chart = _chart_format(request, fmt)
    if chart is not None:
        at = as_of or formats.minute(now)
        key = ("next", str(programme), at.isoformat())
        return await formats.image(
            work, request, served, chart, key, lambda: served.forecaster.next(programme, at).chart
        )
    return _next_json(served, programme, now, explain, audit, clock)


def _next_json(
    served: Served,
    programme: Programme,
    now: dt.datetime,
    explain: bool,
    audit: AuditWriter | None,
    clock: Clock,
) -> Response:
    """The next-launch answer as JSON (``Served.next_json``), recorded in the audit log if it is on."""
    body, probability = served.next_json(programme, now, explain)
    if audit is not None:
        _audit(audit, "next", {**asdict(programme), "as_of": now}, served, probability, clock)
    return Response(body, media_type="application/json", headers={"Vary": "Accept"})


#: The question most clients ask: a vehicle's or a state's next launch, as JSON.  Requests that
#: carry only these parameters (each a plain name) and accept JSON are answered by ``LeanNext``;
#: every other form (a chart, explain, as_of, a value to refuse) reaches the route above.
LEAN_PARAMETERS = frozenset({"vehicle", "state"})
LEAN_ACCEPT = frozenset({b"", b"*/*", b"application/json"})
_PLAIN_NAME = re.compile(deps.TEXT_PATTERN)


class LeanNext(Route):
    """``GET /v1/forecast/next?vehicle=…`` without FastAPI's per-request dependency and parameter
    machinery, which cost more than the answer (a cached next-launch JSON, microseconds).

    It matches only requests whose answer it gives exactly as the documented route would (the
    same ``Served.next_json``, headers, audit row and errors through the same handlers); any
    other request does not match here and goes on to that route, which validates it fully.
    """

    def __init__(self) -> None:
        super().__init__("/v1/forecast/next", self.answer, methods=["GET"], include_in_schema=False)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.FULL or not self._plain(scope):
            return Match.NONE, {}
        return match, {**child, "route": self}  # the route's template labels its metrics

    @staticmethod
    def _plain(scope: Scope) -> bool:
        accept = next((value for name, value in scope["headers"] if name == b"accept"), b"")
        if accept not in LEAN_ACCEPT:
            return False
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        names = [name for name, _ in pairs]
        return (
            bool(pairs)
            and len(set(names)) == len(names)
            and LEAN_PARAMETERS.issuperset(names)
            and all(len(value) <= 100 and _PLAIN_NAME.match(value) for _, value in pairs)
        )

    @staticmethod
    async def answer(request: Request) -> Response:
        served = await deps.served(request)
        clock = await deps.clock(request)
        programme = Programme(request.query_params.get("vehicle"), request.query_params.get("state"))
        return _next_json(served, programme, clock(), False, await deps.audit(request), clock)


@router.post("/campaign", response_model=CampaignForecast, responses=AS_CHART)
async def campaign_forecast(
    request: CampaignRequest,
    http: Request,
    served: deps.ServedDep,
    clock: deps.ClockDep,
    work: deps.WorkDep,
    audit: deps.AuditDep,
    fmt: ChartFormat = None,
) -> Any:
    """How many of the next N launches of a vehicle succeed (as a chart: their distribution)."""
    chart = _chart_format(http, fmt)
    at = request.as_of or (formats.minute(clock()) if chart else clock())

    def ask() -> Answered[CampaignForecast]:
        return served.forecaster.campaign(
            request.programme(), request.launches, request.paths, request.seed, at
        )

    if chart is not None:
        key = ("campaign", request.model_dump_json(exclude={"as_of"}), at.isoformat())
        return await formats.image(work, http, served, chart, key, lambda: ask().chart)
    answer = (await work.run(http, ask)).answer
    _audit(audit, "campaign", request.model_dump(), served, 1 - answer.probability_no_success, clock)
    return answer


@router.post("/by-date", response_model=ByDateForecast, responses=AS_CHART)
async def by_date_forecast(
    request: ByDateRequest,
    http: Request,
    served: deps.ServedDep,
    clock: deps.ClockDep,
    work: deps.WorkDep,
    audit: deps.AuditDep,
    fmt: ChartFormat = None,
) -> Any:
    """P(at least one successful launch before a date), with the launch-rate model.

    As a chart: the same probability month by month for the next 24 months."""
    chart = _chart_format(http, fmt)
    programme = request.programme()
    if chart is not None:
        at = request.as_of or formats.minute(clock())
        key = ("by-month", str(programme), "24", str(request.paths), str(request.seed), at.isoformat())
        return await formats.image(
            work,
            http,
            served,
            chart,
            key,
            lambda: served.forecaster.by_month_chart(programme, request.paths, request.seed, at),
        )
    now = request.now(clock)
    answered = await work.run(
        http, lambda: served.forecaster.by_date(programme, request.date, request.paths, request.seed, now)
    )
    _audit(audit, "by-date", request.model_dump(), served, answered.answer.probability, clock)
    return answered.answer


@router.post("/versus", response_model=VersusForecast, responses=AS_CHART)
async def versus_forecast(
    request: VersusRequest,
    http: Request,
    served: deps.ServedDep,
    clock: deps.ClockDep,
    work: deps.WorkDep,
    audit: deps.AuditDep,
    fmt: ChartFormat = None,
) -> Any:
    """Head to head: who is more reliable, whose next success comes first (as a chart: both
    reliabilities, and who has succeeded by when)."""
    chart = _chart_format(http, fmt)
    at = request.as_of or (formats.minute(clock()) if chart else clock())

    def ask() -> Answered[VersusForecast]:
        return served.forecaster.versus(
            request.a.programme(), request.b.programme(), request.paths, request.seed, at
        )

    if chart is not None:
        key = ("versus", request.model_dump_json(exclude={"as_of"}), at.isoformat())
        return await formats.image(work, http, served, chart, key, lambda: ask().chart)
    answer = (await work.run(http, ask)).answer
    _audit(audit, "versus", request.model_dump(), served, answer.probability_a_first, clock)
    return answer


@router.get("/by-month", response_model=ByMonthForecast, responses=AS_TABLE)
async def by_month_forecast(
    request: Request,
    served: deps.ServedDep,
    clock: deps.ClockDep,
    work: deps.WorkDep,
    vehicle: VehicleQuery = None,
    state: StateQuery = None,
    new_vehicle: Annotated[bool, Query(description=NEW_VEHICLE)] = False,
    months: Annotated[int, Query(ge=1, le=MAX_MONTHS, description="how many months ahead")] = 24,
    paths: Annotated[int, Query(ge=MIN_PATHS, le=MAX_PATHS, description="Monte Carlo paths")] = 20_000,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1, description="same seed, same answer")] = 0,
    assistance: Annotated[Level | None, Query(description=ASSISTANCE)] = None,
    as_of: AsOfQuery = None,
    fmt: TableFormat = None,
) -> Any:
    """P(at least one successful launch from now until the first day of each of the next months:
    the by-date question as an outlook (one simulation; each point equals by-date for its date)."""
    programme = Programme(vehicle, state, None, new_vehicle, assistance)
    form = formats.negotiate(request, fmt, CHARTS_AND_TABLE)
    at = as_of or (formats.minute(clock()) if form in CHARTS else clock())

    def ask() -> Answered[ByMonthForecast]:
        return served.forecaster.by_month(programme, months, paths, seed, at)

    if form in CHARTS:
        key = ("by-month", str(programme), str(months), str(paths), str(seed), at.isoformat())
        return await formats.image(work, request, served, form, key, lambda: ask().chart)
    answer = (await work.run(request, ask)).answer
    return formats.months(answer).response() if form == "csv" else answer


OPERATOR = "an operator by GCAT agency code or name (SPX, SpaceX, CASC, NATA)"


@router.get("/launches", response_model=LaunchCountForecast, responses=AS_TABLE)
async def launch_count_forecast(
    request: Request,
    served: deps.ServedDep,
    clock: deps.ClockDep,
    work: deps.WorkDep,
    start: Annotated[
        deps.Day, Query(alias="from", description="the window starts at 00:00 UTC of this date")
    ],
    until: Annotated[deps.Day, Query(description="the window ends at 00:00 UTC of this date (not included)")],
    vehicle: VehicleQuery = None,
    state: StateQuery = None,
    operator: Annotated[
        str | None, Query(max_length=100, pattern=deps.TEXT_PATTERN, examples=["SPX"], description=OPERATOR)
    ] = None,
    at_least: Annotated[int | None, Query(ge=0, le=100_000, description="also P(at least this many)")] = None,
    as_of: AsOfQuery = None,
    fmt: TableFormat = None,
) -> Any:
    """How many orbital launch attempts, and how many successes, a state, vehicle or operator makes
    in a window: the probability of each count, mean, median, 50% and 90% intervals, P(at least N).

    Launches the data already records (the window's part before the data's end) are counted; the
    rest comes from the launch-rate model. As a chart: both distributions; as a table: P(exactly k)
    and P(at least k) of each."""
    form = formats.negotiate(request, fmt, CHARTS_AND_TABLE)
    now = as_of or (formats.minute(clock()) if form in CHARTS else clock())

    def ask() -> Answered[LaunchCountForecast]:
        return served.forecaster.launches(
            state=state,
            vehicle=vehicle,
            operator=operator,
            start=start,
            end=until,
            now=now,
            at_least=at_least,
        )

    if form in CHARTS:
        asked = (state, vehicle, operator, start, until, at_least)
        key = ("launches", *(str(x) for x in asked), now.isoformat())
        return await formats.image(work, request, served, form, key, lambda: ask().chart)
    answer = (await work.run(request, ask)).answer
    return formats.launch_counts(answer).response() if form == "csv" else answer


@router.post("/scenario", response_model=ForeignHelpScenario | AfterOutcomeScenario)
async def scenario_forecast(
    request: Annotated[
        ScenarioRequest,
        Body(
            openapi_examples={
                "foreign-help": {
                    "summary": "Did Russian help change the odds?",
                    "value": {"scenario": "foreign-help", "state": "KP", "family": "Angara"},
                },
                "after-failure": {
                    "summary": "If Chollima-1's next flight fails, what about the one after?",
                    "value": {"scenario": "after-failure", "vehicle": "Chollima-1"},
                },
            }
        ),
    ],
    http: Request,
    forecaster: deps.ForecasterDep,
    clock: deps.ClockDep,
    work: deps.WorkDep,
    fmt: Annotated[
        Literal["json"] | None,
        Query(alias="format", description="json (the default and only one: scenarios have no chart)"),
    ] = None,
) -> Any:
    """What-if questions from the same posterior, each difference with its 90% interval and the
    evidence it rests on: ``foreign-help`` (a state's next new rocket indigenous, with foreign help,
    or as a variant of a foreign family) and ``after-failure`` (the flight after a failure)."""
    now = request.now(clock)
    if isinstance(request, ForeignHelpRequest):
        asked = request
        return await work.run(http, lambda: forecaster.foreign_help(asked.state, asked.family, now))
    return await work.run(http, lambda: forecaster.after_outcome(request.programme(), now))
