"""Why a forecast is what it is: its logit split into the model's terms, in plain words.

The hierarchical model's logit is a sum (``hierarchical.terms``, its one definition): an overall
level, the state's, family's and vehicle's effects, the infancy curve at this flight
number (new design or variant), the penalty of a modern maiden flight, the state's
experience, the previous flight's outcome, foreign help and
the era.  ``explain`` reports each
term's posterior mean and 90% interval and checks that the terms add up to the
forecast's logit draw for draw (``adds_up``).  Because the logit is linear, the
terms' means also add up to the mean logit; the probability is the mean of the
logistic of each draw, so it is *not* the logistic of the summed means — the answer
gives both.  Baselines have no terms: they explain themselves as counts and a prior.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field

from launchcast.model.errors import LaunchcastError
from launchcast.model.record.assistance import Assistance, counted
from launchcast.model.record.catalogue import LaunchQuery
from launchcast.model.stats.baselines import BetaFit
from launchcast.model.stats.fit import AssistanceAware, Explainable, Fit
from launchcast.model.stats.hierarchical import novelty


class Term(BaseModel):
    name: str = Field(
        description="level, state, family, vehicle, infancy, modern_maiden, "
        "state_experience, previous_outcome, assistance or era"
    )
    label: str = Field(description="the term in plain words, for this launch")
    mean: float = Field(description="posterior mean, in logits (+ raises P(success))")
    low_90: float
    high_90: float
    points: float = Field(
        description="what the term does to P(success), in percentage points: the forecast with it "
        "minus the forecast without it (posterior means)"
    )


class Counts(BaseModel):
    """A Beta-Binomial baseline's reasoning: k of n, and the prior they were added to."""

    successes: int
    attempts: int
    prior_alpha: float
    prior_beta: float
    posterior_alpha: float
    posterior_beta: float


class Explanation(BaseModel):
    terms: list[Term] = Field(description="the logit's terms; empty for a baseline")
    logit_mean: float | None = Field(
        None, description="mean logit of P(success): the sum of the terms' means"
    )
    adds_up: bool = Field(description="the terms sum to the forecast's logit, draw for draw")
    counts: Counts | None = Field(None, description="a baseline's counts and prior")
    sentence: str = Field(
        description="the two terms that move this forecast most, in words and percentage points"
    )


def explain(fit: Fit, query: LaunchQuery) -> Explanation:
    """The explanation of the forecast ``fit`` gives for ``query``."""
    if not isinstance(fit, Explainable):
        return _counts(fit, query)
    draws = fit.logit_terms(query)
    total = np.sum(list(draws.values()), axis=0)
    # To the draws' own precision: a fit keeps its draws as float32 (``kept_draws``), where
    # summing the terms in another order moves the last digits.
    eps = max(float(np.finfo(v.dtype).eps) for v in fit.posterior.values() if v.dtype.kind == "f")
    adds_up = bool(
        np.allclose(total, fit.logit(query), rtol=0, atol=1000 * eps * max(1.0, float(np.abs(total).max())))
    )
    forecast = _logistic(total).mean()
    terms = [
        Term(
            name=name,
            label=_label(fit, name, query, values),
            mean=float(values.mean()),
            low_90=float(np.quantile(values, 0.05)),
            high_90=float(np.quantile(values, 0.95)),
            points=float(100 * (forecast - _logistic(total - values).mean())),
        )
        for name, values in draws.items()
    ]
    movers = sorted(
        (t for t in terms if t.name != "level" and abs(t.points) >= 0.5), key=lambda t: -abs(t.points)
    )
    if movers:
        said = "; ".join(f"{t.label}: {t.points:+.0f} points" for t in movers[:2])
        sentence = f"Moved most by {said} (P(success) {100 * forecast:.0f}%)."
    else:
        sentence = f"No term moves it by half a point: P(success) {100 * forecast:.0f}%, the overall level."
    return Explanation(terms=terms, logit_mean=float(total.mean()), adds_up=adds_up, sentence=sentence)


def _logistic(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _counts(fit: Fit, query: LaunchQuery) -> Explanation:
    if not isinstance(fit, BetaFit):
        raise LaunchcastError(f"a {fit.model} fit cannot be explained: it has neither terms nor counts")
    alpha, beta = fit.beta_parameters(query.vehicle)
    prior_alpha, prior_beta = fit.beta_parameters(None)
    record = fit.records.get(query.vehicle or "")
    k, n = (record.successes, record.attempts) if record else (0, 0)
    what = f"{k} of {n} launches succeeded" if n else "no launch of this vehicle yet"
    sentence = (
        f"{what}, added to a Beta({prior_alpha:.2f}, {prior_beta:.2f}) prior: "
        f"Beta({alpha:.2f}, {beta:.2f}), mean {alpha / (alpha + beta):.3f}."
    )
    counts = Counts(
        successes=k,
        attempts=n,
        prior_alpha=prior_alpha,
        prior_beta=prior_beta,
        posterior_alpha=alpha,
        posterior_beta=beta,
    )
    return Explanation(terms=[], adds_up=True, counts=counts, sentence=sentence)


def _label(fit: Fit, name: str, q: LaunchQuery, values: np.ndarray) -> str:
    new = q.vehicle is None
    record = fit.records.get(q.vehicle or "")
    if name == "level":
        return "overall level (every launch since 1957)"
    if name == "state":
        return f"state: {fit.catalogue.state_name(q.state)}" if q.state else "a new launching state"
    if name == "family":
        return f"family: {q.family}" if q.family in fit.catalogue.families else "a new family"
    if name == "vehicle":
        if record and not values.any():
            return f"vehicle: {record.display_name} (alone in its family: the family's effect is its own)"
        return f"vehicle: {record.display_name}" if record else "a new vehicle"
    if name == "infancy":
        design = "a new design" if novelty(q.family_flight, q.vehicle_flight) >= 0.5 else "a variant"
        return f"flight {q.vehicle_flight} of {design}"
    if name == "modern_maiden":
        return (
            "a maiden flight of a new design since 1990"
            if new or q.vehicle_flight == 1
            else "not a maiden flight"
        )
    if name == "assistance":
        helped = fit.assisted(q) if isinstance(fit, AssistanceAware) else 0.0
        return "flown with foreign help" if helped else _help_left_out(fit, q)
    if name == "state_experience":
        return f"the state's experience ({q.state_flight - 1} launches before)"
    if name == "previous_outcome":
        return (
            "the vehicle's previous flight failed"
            if q.previous_failed
            else "the previous flight did not fail"
        )
    return f"the era ({int(q.year)})"


def _help_left_out(fit: Fit, q: LaunchQuery) -> str:
    """'No foreign help counted', saying so when the table holds help the fit's level leaves out
    (Russia's alleged help to Chollima-1 is counted only at the 'alleged' level)."""
    if q.assisted is not None:  # the question set the level (``Programme.assistance``)
        return "no foreign help counted at the level asked"
    level = str(fit.config.get("assistance", "none"))
    beyond = [
        h
        for h in Assistance.shipped().helping(q.vehicle, q.family, q.year)
        if h.confidence not in counted(level)
    ]
    if not beyond:
        return "no foreign help on record"
    kinds = sorted({f"{h.confidence} help from {h.helper}" for h in beyond})
    return f"no foreign help counted ({', '.join(kinds)} on record, left out at the '{level}' level)"
