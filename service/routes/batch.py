"""POST /v1/batch: many questions in one request, for a newsroom's table or an underwriter's book.

Each question is one of the forecast routes' questions, with the same fields and limits,
named by ``question``.  A question that cannot be answered (an unknown name, a limit)
gets its own problem details in its place; the others are answered.  The whole batch
runs as one piece of work in the bounded pool, under one deadline
(``LAUNCHCAST_WORK_DEADLINE_SECONDS``), and its questions' simulated launches count
against one work budget together (``model.questions.budget``), so a batch costs no more
than the costliest single question may.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from launchcast.model.errors import LaunchcastError, NotFoundError
from launchcast.model.questions.answers import (
    ByDateForecast,
    ByMonthForecast,
    CampaignForecast,
    NextLaunchForecast,
    VersusForecast,
)
from launchcast.model.questions.counts import LaunchCountForecast
from launchcast.model.questions.forecast import MAX_MONTHS
from launchcast.model.questions.scenario import AfterOutcomeScenario, ForeignHelpScenario
from launchcast.service.errors import Problem, details
from launchcast.service.forecaster import Forecaster
from launchcast.service.routes import deps
from launchcast.service.routes.forecast import (
    OPERATOR,
    AfterFailureRequest,
    Asked,
    ByDateRequest,
    CampaignRequest,
    ForeignHelpRequest,
    Paths,
    ProgrammeIn,
    Seed,
    VersusRequest,
)

router = APIRouter(prefix="/v1", tags=["forecast"], responses=deps.ERRORS)

#: Questions one batch may hold (the body limit, LAUNCHCAST_MAX_BODY_BYTES, bounds it too).
MAX_QUESTIONS = 50


class NextQuestion(ProgrammeIn, Asked):
    question: Literal["next"]
    explain: bool = False


class CampaignQuestion(CampaignRequest):
    question: Literal["campaign"]


class ByDateQuestion(ByDateRequest):
    question: Literal["by-date"]


class ByMonthQuestion(ProgrammeIn, Asked):
    question: Literal["by-month"]
    months: int = Field(24, ge=1, le=MAX_MONTHS)
    paths: Paths = 20_000
    seed: Seed = 0


class VersusQuestion(VersusRequest):
    question: Literal["versus"]


class LaunchesQuestion(Asked):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    question: Literal["launches"]
    state: deps.Text | None = None
    vehicle: deps.Text | None = None
    operator: deps.Text | None = Field(None, description=OPERATOR)
    start: deps.Day = Field(alias="from", description="the window starts at 00:00 UTC of this date")
    until: deps.Day = Field(description="the window ends at 00:00 UTC of this date (not included)")
    at_least: int | None = Field(None, ge=0, le=100_000)


class ScenarioQuestion(BaseModel):
    """A what-if question: ``scenario`` is foreign-help or after-failure, with their fields."""

    model_config = ConfigDict(extra="forbid")
    question: Literal["scenario"]
    scenario: Annotated[ForeignHelpRequest | AfterFailureRequest, Field(discriminator="scenario")]


Question = Annotated[
    NextQuestion
    | CampaignQuestion
    | ByDateQuestion
    | ByMonthQuestion
    | VersusQuestion
    | LaunchesQuestion
    | ScenarioQuestion,
    Field(discriminator="question"),
]
AnyAnswer = (
    NextLaunchForecast
    | CampaignForecast
    | ByDateForecast
    | ByMonthForecast
    | VersusForecast
    | LaunchCountForecast
    | ForeignHelpScenario
    | AfterOutcomeScenario
)


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)
    as_of: deps.AsOf | None = Field(
        None, description="when every question is asked, unless it gives its own; default: now"
    )


class BatchItem(BaseModel):
    """One question's answer (``status`` 200) or its problem (404, 422), in the batch's order."""

    index: int
    question: str
    status: int
    answer: AnyAnswer | None = None
    problem: Problem | None = None


class BatchAnswer(BaseModel):
    as_of: datetime
    answers: list[BatchItem]


@router.post("/batch", response_model=BatchAnswer, name="batch_forecast")
async def batch(
    request: BatchRequest,
    http: Request,
    forecaster: deps.ForecasterDep,
    clock: deps.ClockDep,
    work: deps.WorkDep,
) -> Response:
    """Many questions in one request (at most 50): each answered as its own route would answer it,
    or given its own problem details; the batch as a whole is one piece of bounded work."""
    now = request.as_of or clock()
    questions = request.questions

    def answer_all() -> BatchAnswer:
        return BatchAnswer(
            as_of=now, answers=[_answer(i, q, forecaster, now, http) for i, q in enumerate(questions)]
        )

    # The answers are models already: serialised once, not validated again against the union.
    answered = await work.run(http, answer_all)
    return Response(answered.model_dump_json(), media_type="application/json")


def _answer(index: int, question: Any, forecaster: Forecaster, now: datetime, http: Request) -> BatchItem:
    try:
        answer = ask(forecaster, question, now)
        return BatchItem(index=index, question=question.question, status=200, answer=answer)
    except NotFoundError as exc:
        problem = details(404, str(exc), http, suggestions=exc.suggestions)
    except LaunchcastError as exc:
        problem = details(422, str(exc), http)
    return BatchItem(index=index, question=question.question, status=problem.status, problem=problem)


def ask(forecaster: Forecaster, q: Any, default: datetime) -> Any:
    """One question's answer, as its route gives it, asked at its own as_of or the batch's."""
    own = q.scenario.as_of if isinstance(q, ScenarioQuestion) else q.as_of
    now = own or default
    if isinstance(q, NextQuestion):
        return forecaster.next(q.programme(), now, q.explain).answer
    if isinstance(q, CampaignQuestion):
        return forecaster.campaign(q.programme(), q.launches, q.paths, q.seed, now).answer
    if isinstance(q, ByDateQuestion):
        return forecaster.by_date(q.programme(), q.date, q.paths, q.seed, now).answer
    if isinstance(q, ByMonthQuestion):
        return forecaster.by_month(q.programme(), q.months, q.paths, q.seed, now).answer
    if isinstance(q, VersusQuestion):
        return forecaster.versus(q.a.programme(), q.b.programme(), q.paths, q.seed, now).answer
    if isinstance(q, LaunchesQuestion):
        return forecaster.launches(
            state=q.state,
            vehicle=q.vehicle,
            operator=q.operator,
            start=q.start,
            end=q.until,
            now=now,
            at_least=q.at_least,
        ).answer
    scenario = q.scenario
    if isinstance(scenario, ForeignHelpRequest):
        return forecaster.foreign_help(scenario.state, scenario.family, now)
    return forecaster.after_outcome(scenario.programme(), now)
