"""What-if questions, answered from the same posterior as every forecast.

- ``foreign_help``: a state's next new rocket as an indigenous design, as the same
  design flown with foreign help (the hierarchical model's assistance term, fitted
  on every assisted vehicle in history: ``model.record.assistance``), and as a variant of
  a foreign family (GCAT files Naro-1 in Russia's Angara family and Japan's N-I in
  the Thor family).  The arms share every draw of every other term — the same new
  family, vehicle and state effects — so their differences isolate what was changed.
- ``after_outcome``: "if the next flight fails, what about the one after?"  Each
  branch is the posterior predictive given that outcome: draws are weighted by the
  likelihood of the first flight's outcome (a failure is evidence about the
  vehicle, not only a return-to-flight penalty), so P(second | first failed) is
  ``Σ (1 − p1) p2 / Σ (1 − p1)`` over draws.

Each answer gives differences with their 90% intervals and the evidence they rest
on, and says in words when that evidence is too thin to tell.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import numpy as np
from pydantic import BaseModel, Field

from launchcast.model.defaults import STALE_AFTER_DAYS
from launchcast.model.errors import LaunchcastError
from launchcast.model.questions.answers import Anchored, Interval, ModelInfo
from launchcast.model.questions.asking import Moment, Programme, model_info, resolve
from launchcast.model.record.catalogue import LaunchQuery
from launchcast.model.record.names import unknown
from launchcast.model.stats.fit import AssistanceAware, Fit

#: The family a "variant of a Russian rocket" is taken from by default: Russia's current
#: family, and the one South Korea's Naro-1 flew a stage of.
RUSSIAN_FAMILY = "Angara"


class Estimate(BaseModel):
    mean: float
    interval_90: Interval


class Arm(BaseModel):
    name: str
    description: str
    probability: float = Field(description="posterior predictive P(success) of its maiden flight")
    reliability: Estimate


class Difference(BaseModel):
    arm: str
    versus: str
    mean: float = Field(description="P(success) difference, arm minus versus, mean over draws")
    interval_90: Interval
    probability_higher: float = Field(description="share of posterior draws where the arm is higher")


class EvidenceRow(BaseModel):
    vehicle_or_family: str
    recipient: str
    helper: str
    given: str
    confidence: str
    since: str


class Evidence(BaseModel):
    level: str = Field(description="help counted up to this confidence (documented ⊂ reported ⊂ alleged)")
    effect_logit: Estimate = Field(description="posterior of the assistance term, in logits")
    prior_sd: float
    launches: int = Field(description="launches flown with counted help in the fit's data")
    rows: list[EvidenceRow]
    verdict: str = Field(description="what the evidence can and cannot say, in words")


class ForeignHelpScenario(Anchored):
    scenario: str = "foreign-help"
    state: str
    arms: list[Arm]
    differences: list[Difference]
    evidence: Evidence
    model: ModelInfo


class Branch(BaseModel):
    given: str
    probability: float = Field(description="posterior predictive P(success) of the flight after")
    reliability: Estimate = Field(description="reliability of the flight after, given the branch")


class AfterOutcomeScenario(Anchored):
    scenario: str = "after-failure"
    subject: str
    flight_number: int = Field(description="the first flight's number; the branches are about the next one")
    first_flight: float = Field(description="P(success) of the first flight")
    after_failure: Branch
    after_success: Branch
    failure_effect: Estimate = Field(
        description="per draw: P(flight after | failure) − P(flight after | success), for the vehicle "
        "as the posterior knows it (the return-to-flight effect)"
    )
    evidence: str
    model: ModelInfo


def _estimate(draws: np.ndarray, weights: np.ndarray | None = None) -> Estimate:
    if weights is None:
        low, high = np.quantile(draws, [0.05, 0.95])
        return Estimate(mean=float(draws.mean()), interval_90=Interval(low=float(low), high=float(high)))
    order = np.argsort(draws)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    low, high = (float(draws[order][np.searchsorted(cumulative, q)]) for q in (0.05, 0.95))
    return Estimate(mean=float(np.average(draws, weights=weights)), interval_90=Interval(low=low, high=high))


def _needs_assistance(fit: Fit) -> tuple[AssistanceAware, np.ndarray]:
    """The fit as one that knows foreign help, and its help term's draws; else a clear error."""
    if isinstance(fit, AssistanceAware) and (effect := fit.assistance_effect) is not None:
        return fit, effect
    level = fit.config.get("assistance", "none")
    raise LaunchcastError(
        f"the served model ({fit.model} {fit.version}, assistance level {level!r}) has no foreign-help "
        "term: serve a hierarchical 3.0 fit with assistance counted ('launchcast fit')"
    )


def foreign_help(
    fit: Fit,
    state: str,
    *,
    now: datetime,
    family: str = RUSSIAN_FAMILY,
    stale_after_days: int = STALE_AFTER_DAYS,
) -> ForeignHelpScenario:
    """A state's next new rocket: indigenous, with foreign help, or a variant of ``family``."""
    moment = Moment.of(fit, now, stale_after_days)
    code = fit.catalogue.state_code(state)
    if family not in fit.catalogue.families:
        raise unknown("family", family, fit.catalogue.families)
    _needs_assistance(fit)
    name = fit.catalogue.state_name(code)
    indigenous = fit.catalogue.new_vehicle_query(code, year=fit.as_of_year)
    variant = fit.catalogue.new_vehicle_query(code, family, year=fit.as_of_year)
    owner = fit.catalogue.state_name(
        max(
            {r.state for r in fit.records.values() if r.family == family},
            key=lambda s: sum(
                r.attempts for r in fit.records.values() if r.family == family and r.state == s
            ),
        )
    )
    arms_queries: list[tuple[str, str, LaunchQuery]] = [
        (
            "indigenous",
            f"a new {name} design, flown without foreign help",
            replace(indigenous, assisted=False),
        ),
        (
            "with help",
            "the same new design, flown with foreign help (supplied stage, engines or "
            "engineers, as in the evidence)",
            replace(indigenous, assisted=True),
        ),
        (
            "foreign family",
            f"a new {name} vehicle of the {family} family ({owner}'s): a variant of a flown "
            "design, as Naro-1 was of Angara",
            replace(variant, assisted=False),
        ),
    ]
    draws = {arm: fit.success_probability(q) for arm, _, q in arms_queries}
    arms = [
        Arm(
            name=arm,
            description=text,
            probability=float(draws[arm].mean()),
            reliability=_estimate(draws[arm]),
        )
        for arm, text, _ in arms_queries
    ]
    differences = []
    for arm in ("with help", "foreign family"):
        diff = draws[arm] - draws["indigenous"]
        low, high = np.quantile(diff, [0.05, 0.95])
        differences.append(
            Difference(
                arm=arm,
                versus="indigenous",
                mean=float(diff.mean()),
                interval_90=Interval(low=float(low), high=float(high)),
                probability_higher=float((diff > 0).mean()),
            )
        )
    return ForeignHelpScenario(
        state=code,
        arms=arms,
        differences=differences,
        evidence=evidence(fit),
        model=model_info(fit),
        **moment.anchored(),
    )


def evidence(fit: Fit) -> Evidence:
    """The assistance term's posterior and the rows it was fitted on, with a verdict."""
    aware, effect = _needs_assistance(fit)
    recorded = fit.manifest.get("assistance", {})
    rows = [
        EvidenceRow(
            vehicle_or_family=h.vehicle or f"{h.family} (family)",
            recipient=h.recipient,
            helper=h.helper,
            given=h.given,
            confidence=h.confidence,
            since=h.start or "first flight",
        )
        for h in aware.assistance.rows
    ]
    estimate = _estimate(effect)
    low, high = estimate.interval_90.low, estimate.interval_90.high
    shrink = float(effect.std()) / aware.assistance_prior_sd
    if low < 0 < high:
        verdict = (
            f"Too thin to tell: the 90% interval of the effect ({low:+.2f} to {high:+.2f} logits) "
            f"includes no effect. It rests on {recorded.get('launches', 0)} launches of "
            f"{len(rows)} helped vehicles or families, most of them from one programme; the data "
            f"narrowed the prior's spread to {shrink:.0%} of it, no more."
        )
    else:
        direction = "raised" if low > 0 else "lowered"
        verdict = (
            f"Help {direction} the odds in the cases on record (90% interval {low:+.2f} to "
            f"{high:+.2f} logits), on {recorded.get('launches', 0)} launches; the cases are few and "
            "not a random sample of help given, so read it as history, not as a law."
        )
    return Evidence(
        level=recorded.get("level", fit.config.get("assistance", "none")),
        effect_logit=estimate,
        prior_sd=aware.assistance_prior_sd,
        launches=int(recorded.get("launches", 0)),
        rows=rows,
        verdict=verdict,
    )


def after_outcome(
    fit: Fit, programme: Programme, *, now: datetime, stale_after_days: int = STALE_AFTER_DAYS
) -> AfterOutcomeScenario:
    """If the next flight fails (or succeeds), what about the one after?"""
    moment = Moment.of(fit, now, stale_after_days)
    resolved = resolve(fit, programme)
    first = resolved.query
    second = first.advanced(1)
    p1 = fit.success_probability(first)
    after_failure = fit.success_probability(replace(second, previous_failed=True))
    after_success = fit.success_probability(replace(second, previous_failed=False))
    fail_weight, success_weight = 1.0 - p1, p1
    effect = _estimate(after_failure - after_success)
    if fit.conditions_on_previous_outcome:
        why = (
            "the model's return-to-flight term (b_previous_failed) and what a failure says about this "
            "vehicle: draws where it is less reliable weigh more after a failure"
        )
    else:
        why = (
            "this model does not condition on the previous outcome; the branches differ only by what "
            "a failure says about the vehicle (draws weighted by the first flight's outcome)"
        )
    return AfterOutcomeScenario(
        subject=resolved.subject,
        flight_number=first.vehicle_flight,
        first_flight=float(p1.mean()),
        after_failure=Branch(
            given="the first flight fails",
            probability=float(np.average(after_failure, weights=fail_weight)),
            reliability=_estimate(after_failure, fail_weight),
        ),
        after_success=Branch(
            given="the first flight succeeds",
            probability=float(np.average(after_success, weights=success_weight)),
            reliability=_estimate(after_success, success_weight),
        ),
        failure_effect=effect,
        evidence=why,
        model=model_info(fit),
        **moment.anchored(list(resolved.notes)),
    )
