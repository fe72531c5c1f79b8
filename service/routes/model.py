"""/v1/model: what is served, how it was made, and where its data came from."""

from __future__ import annotations

import asyncio
import math
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from launchcast.model.record.update import UpdateAttempt, update_attempts
from launchcast.model.stats.diagnostics import Diagnostics
from launchcast.service.errors import public
from launchcast.service.routes import deps

router = APIRouter(prefix="/v1", tags=["model"], responses=deps.ERRORS)

ATTRIBUTION = (
    "Launch data derived from Jonathan C. McDowell's General Catalog of Artificial Space "
    "Objects (GCAT), https://planet4589.org/space/gcat/ , © Jonathan C. McDowell, CC BY 4.0."
)


class UpdateOut(BaseModel):
    """One ``launchcast data update`` attempt (CLI, ``refit --update``, the schedule); URLs other
    than GCAT's public site are shown as ``<url>`` (this route needs no token: a mirror's host and
    credentials stay in the log)."""

    at: str
    outcome: str = Field(description="updated (new launches), current (nothing new) or failed")
    reason: str
    url: str
    stamp: str | None = Field(description="GCAT's '# Updated' stamp of the launch list taken in")
    added: int
    corrected: int


class GateOut(BaseModel):
    """The convergence gate's result (``model.stats.diagnostics``); closed-form fits pass by construction."""

    method: str = Field(description="mcmc or closed-form")
    passed: bool
    max_rhat: float | None = None
    min_ess_bulk: float | None = None
    min_ess_tail: float | None = None
    divergences: int = 0
    ebfmi: list[float] = []
    failures: list[str] = []

    @classmethod
    def of(cls, gate: Diagnostics) -> GateOut:
        def finite(value: float) -> float | None:
            return None if math.isnan(value) else value

        return cls(
            method=gate.method,
            passed=gate.passed,
            max_rhat=finite(gate.max_rhat),
            min_ess_bulk=finite(gate.min_ess_bulk),
            min_ess_tail=finite(gate.min_ess_tail),
            divergences=gate.divergences,
            ebfmi=gate.ebfmi,
            failures=gate.failures,
        )


class ModelOut(BaseModel):
    model: str
    version: str
    served_version: str = Field(description="the registry version being served")
    fallback: str | None = Field(
        description="set while the registry's current version cannot be read and another is served"
    )
    fitted_at: str | None
    fit_seconds: float | None
    draws: int
    diagnostics: GateOut
    data_as_of: date
    as_of: datetime = Field(description="when this was asked (UTC)")
    data_age_days: int
    warnings: list[str]
    last_update: UpdateOut | None = Field(description="the last update attempt, whatever its result")
    last_successful_update: UpdateOut | None
    schedule_checked_at: datetime | None = Field(
        description="when the schedule of announced launches was last fetched or confirmed current"
    )
    schedule_age_seconds: float | None = Field(description="how old the schedule is, at as_of")
    schedule_entries: int = Field(description="announced launches the schedule holds")
    schedule_last_error: str | None = Field(description="why the last schedule refresh failed, if it did")
    schedule_warnings: list[str] = Field(
        description="what answers that count announced launches say about the schedule: read in part "
        "(pages that ended before the list did), or not readable and so left out"
    )
    data_hash: str
    n_launches: int | None
    config: dict[str, Any]
    packages: dict[str, str]
    attribution: str
    licence: str


@router.get("/model", response_model=ModelOut, name="served_model")
async def model(
    served: deps.ServedDep,
    holder: deps.HolderDep,
    settings: deps.SettingsDep,
    clock: deps.ClockDep,
    schedule: deps.ScheduleDep,
) -> ModelOut:
    """What is served, how old its data is, and how the last updates went (the update log is read
    off the event loop)."""
    fit = served.fit
    attempts = await asyncio.to_thread(update_attempts, settings.update_log)
    last = attempts[-1] if attempts else None
    good = next((a for a in reversed(attempts) if a.outcome != "failed"), None)
    moment = served.forecaster.moment(clock())
    checked = served.forecaster.schedule_checked_at
    announced = served.forecaster.announced
    return ModelOut(
        model=fit.model,
        version=fit.version,
        served_version=served.version_id,
        fallback=holder.fallback or None,
        fitted_at=fit.manifest.get("fitted_at"),
        **moment.anchored(),
        last_update=_shown(last),
        last_successful_update=_shown(good),
        fit_seconds=fit.manifest.get("fit_seconds"),
        draws=fit.n_draws,
        diagnostics=GateOut.of(fit.diagnostics),
        schedule_checked_at=checked,
        schedule_age_seconds=(moment.now - checked).total_seconds() if checked else None,
        schedule_entries=len(announced.entries) if announced else 0,
        schedule_last_error=public(schedule.last_error) if schedule.last_error else None,
        schedule_warnings=[public(note) for note in announced.notes] if announced else [],
        data_hash=str(fit.manifest.get("data_hash", "")),
        n_launches=fit.manifest.get("n_launches"),
        config=fit.config,
        packages=fit.manifest.get("packages", {}),
        attribution=ATTRIBUTION,
        licence="CC BY 4.0 (data); see data/README.md",
    )


def _shown(attempt: UpdateAttempt | None) -> UpdateOut | None:
    if attempt is None:
        return None
    return UpdateOut(**(vars(attempt) | {"url": public(attempt.url), "reason": public(attempt.reason)}))
