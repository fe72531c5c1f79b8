"""How announced launches slip: when an announced launch really flies, given its window and status.

An announced no-earlier-than time is a lower bound, not a forecast: launches slip, mostly
later, more when the date is a rumour (LL2's ``TBD``) than when it is confirmed (``Go``),
and more for a new vehicle's maiden flight.  The model, per announced launch:

- with probability ``on_time`` it flies inside its announced window (uniformly: a North
  Korean notice gives a week and says no more);
- otherwise it flies after the window opens by the window's length plus a log-normal
  delay (median ``median_days``, log-sd ``sigma``): most slips are days, a few are months;
- a maiden flight keeps ``on_time`` × ``MAIDEN_ON_TIME`` and median × ``MAIDEN_DELAY``.

**The prior** (``PRIOR``) is a stated judgement, not a fit: ``Go`` is a confirmed T-0
(most fly within a few days), ``TBC`` a date known with some certainty (LL2's wording),
``TBD`` an estimate from unreliable or interpreted sources, ``Hold`` a launch held for a
reason not yet cleared.  **Fitted** (``fit_slips``) from the schedule's own revision history
once it holds ``MIN_MATCHED`` flown launches of a status: each entry's first revision is
matched to the launch of its vehicle that flew nearest after its window opened, and the
status's ``on_time`` and log-normal are estimated from those delays, shrunk toward the
prior with the prior's weight of ``PRIOR_WEIGHT`` launches (a conjugate-style pooling).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np

from launchcast.model.record.catalogue import Catalogue, vehicle_records
from launchcast.model.record.history import LaunchHistory, decimal_year, parse_time
from launchcast.model.record.rockets import place
from launchcast.model.record.schedule import Announced, Schedule

#: A maiden flight's share of on-time launches and its delays' scale, relative to its status.
MAIDEN_ON_TIME = 0.5
MAIDEN_DELAY = 2.0
#: Flown launches of a status needed before the status's slips are fitted, not the prior's.
MIN_MATCHED = 20
#: The prior's weight, in launches, when pooled with the fitted delays.
PRIOR_WEIGHT = 10.0
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Slip:
    on_time: float
    median_days: float
    sigma: float
    #: "prior" or "fitted on N launches".
    basis: str = "prior"


PRIOR = {
    "Go": Slip(0.7, 2.0, 1.5),
    "TBC": Slip(0.45, 10.0, 1.5),
    "TBD": Slip(0.2, 45.0, 1.2),
    "Hold": Slip(0.1, 30.0, 1.5),
}
#: Statuses not listed (LL2 adds some) are read as the least certain.
DEFAULT_STATUS = "TBD"


@dataclass(frozen=True)
class SlipModel:
    by_status: dict[str, Slip] = field(default_factory=lambda: dict(PRIOR))

    def slip(self, status: str, maiden: bool) -> Slip:
        base = self.by_status.get(status) or self.by_status[DEFAULT_STATUS]
        if maiden:
            return replace(
                base, on_time=base.on_time * MAIDEN_ON_TIME, median_days=base.median_days * MAIDEN_DELAY
            )
        return base

    def delays(
        self, status: str, maiden: bool, window_days: float, paths: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Days from the window's opening to the launch, on each path."""
        slip = self.slip(status, maiden)
        inside = rng.random(paths) * window_days
        late = window_days + slip.median_days * np.exp(slip.sigma * rng.standard_normal(paths))
        return np.where(rng.random(paths) < slip.on_time, inside, late)

    def describe(self, status: str, maiden: bool) -> str:
        slip = self.slip(status, maiden)
        status = status if status in self.by_status else f"{status} (read as {DEFAULT_STATUS})"
        return (
            f"{status}{', maiden flight' if maiden else ''}: {slip.on_time:.0%} fly within the window, "
            f"the rest a median {slip.median_days:.0f} days after it ({slip.basis})"
        )


def fit_slips(delays: dict[str, list[tuple[float, float]]]) -> SlipModel:
    """Pool observed slips with the prior, per status.

    ``delays[status]``: for each flown announced launch, (window length, days from the window's
    opening to the launch).  A status with fewer than ``MIN_MATCHED`` keeps its prior.
    """
    fitted = dict(PRIOR)
    for status, seen in delays.items():
        prior = PRIOR.get(status, PRIOR[DEFAULT_STATUS])
        if len(seen) < MIN_MATCHED:
            continue
        n = len(seen)
        inside = [d <= w for w, d in seen]
        late = np.array([d - w for w, d in seen if d > w and d - w > 0])
        on_time = (sum(inside) + PRIOR_WEIGHT * prior.on_time) / (n + PRIOR_WEIGHT)
        median, sigma = prior.median_days, prior.sigma
        if len(late) >= 2:
            logs = np.log(late)
            w = len(late) / (len(late) + PRIOR_WEIGHT)
            median = float(np.exp(w * logs.mean() + (1 - w) * np.log(prior.median_days)))
            sigma = float(np.sqrt(w * logs.var(ddof=1) + (1 - w) * prior.sigma**2))
        fitted[status] = Slip(float(on_time), median, sigma, f"fitted on {n} launches")
    return SlipModel(fitted)


#: A flown launch is matched to an announcement whose window opened at most a day after it and
#: closed at most this long before it.
MATCH_AFTER = timedelta(days=180)


def observed_slips(schedule: Schedule, history: LaunchHistory) -> dict[str, list[tuple[float, float]]]:
    """For each announcement the record shows flying: its first revision's status, its window's
    length and the days from the window's opening to the launch (the first of its vehicle in
    [window opens − 1 day, window closes + ``MATCH_AFTER``], each launch matched once)."""
    if not schedule.revisions:
        return {}
    end = history.launches["time_utc"].max()
    catalogue = Catalogue(
        vehicle_records(history), history.state_names, history.aliases, decimal_year(parse_time(end))
    )
    launches = history.launches
    times: dict[str, list[tuple[datetime, str]]] = {}
    for row in launches.itertuples(index=False):
        times.setdefault(str(row.vehicle), []).append((parse_time(row.time_utc), str(row.launch_tag)))
    first: dict[str, Announced] = {}
    for revision in schedule.revisions:
        first.setdefault(revision.entry.id, revision.entry)
    used: set[str] = set()
    out: dict[str, list[tuple[float, float]]] = {}
    for entry in sorted(first.values(), key=lambda e: e.window_start):
        vehicle = place(catalogue, entry).vehicle
        for launched, tag in times.get(vehicle or "", []):
            opens, closes = entry.window_start, entry.window_end
            if tag in used or not opens - timedelta(days=1) <= launched <= closes + MATCH_AFTER:
                continue
            used.add(tag)
            window = (closes - opens).total_seconds() / 86400
            delay = max(0.0, (launched - opens).total_seconds() / 86400)
            out.setdefault(entry.status, []).append((window, delay))
            break
    return out


def slips_for(schedule: Schedule, history: LaunchHistory | None) -> SlipModel:
    """The slip model answers use: the prior, pooled with the schedule's own record where it is long
    enough (``fit_slips``)."""
    if history is None:
        return SlipModel()
    return fit_slips(observed_slips(schedule, history))
