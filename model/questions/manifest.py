"""The announced launches, each with its forecast, and the time questions that count them.

``manifest``: every announced launch (``model.record.schedule``) with its window and status,
the flight number it will be, and P(success) with its 90% interval.  A vehicle with several
announced launches gets each at its own flight number, with the previous outcome simulated
path by path, as in a campaign (``forecast.simulate``): the third of three Nuri launches is
forecast after the first two may have failed.

``Arrivals``: the announced launches a programme's time question counts (its vehicle's; a
state's, whatever it flies), as known arrivals with uncertain timing — each one's launch time
on each path from the slip model (``model.stats.slips``), its success from the same
simulation.  ``forecast.by_date``, ``by_month`` and ``versus`` fall back to the launch-rate
model only after a path's last announced launch, and say which announced launches they
counted.

Flight numbers count from the data's end: a launch that flew since then but is not in the data
yet is unknown here as everywhere (the answers' ``warnings`` say how many are expected).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
from cachetools import LRUCache
from pydantic import BaseModel, Field

from launchcast.model.defaults import STALE_AFTER_DAYS
from launchcast.model.questions import budget
from launchcast.model.questions.forecast import (
    Anchored,
    Interval,
    ModelInfo,
    Moment,
    Resolved,
    _check_paths,
    _step_probability,
    model_info,
)
from launchcast.model.record.catalogue import LaunchQuery
from launchcast.model.record.schedule import LL2_SOURCE, Announced, Placement, place
from launchcast.model.stats.fit import Fit
from launchcast.model.stats.slips import DAYS_PER_YEAR, SlipModel

CREDIT = "Announced launches: Launch Library 2 (The Space Devs, thespacedevs.com) and sources users cite"


@dataclass(frozen=True)
class Placed:
    """An announced launch with the vehicle it flies and the query of that flight."""

    entry: Announced
    placement: Placement
    query: LaunchQuery | None  # None: unmapped
    key: str  # the vehicle (or new rocket) whose flights it numbers

    @property
    def maiden(self) -> bool:
        return self.query is not None and self.query.vehicle_flight == 1


#: Placements already made, per fit and set of entries: every by-date, by-month and versus
#: request places the same schedule on the same fit, so it is placed once (5 ms for LL2's
#: 300 entries).  Keyed by the fit's id and dropped when the fit is collected (fits are not
#: hashable), so a fit no longer served takes its placements with it.
_PLACED: dict[int, LRUCache[tuple[Announced, ...], list[Placed]]] = {}
_PLACED_LOCK = threading.Lock()


def placed_entries(fit: Fit, entries: Sequence[Announced]) -> list[Placed]:
    """Each entry placed on a vehicle of the fit's catalogue, by NET; a vehicle's later announced
    launches get later flight numbers (``LaunchQuery.advanced``)."""
    key = tuple(sorted(entries, key=lambda e: (e.net, e.id)))
    with _PLACED_LOCK:
        if id(fit) not in _PLACED:
            _PLACED[id(fit)] = LRUCache(8)
            weakref.finalize(fit, _PLACED.pop, id(fit), None)
        cached = _PLACED[id(fit)].get(key)
    if cached is None:
        cached = _place(fit, key)
        with _PLACED_LOCK:
            _PLACED[id(fit)][key] = cached
    return list(cached)


def _place(fit: Fit, entries: tuple[Announced, ...]) -> list[Placed]:
    catalogue = fit.catalogue
    seen: dict[str, int] = {}
    out = []
    for entry in entries:
        placement = place(catalogue, entry, None)
        query: LaunchQuery | None = None
        key = ""
        if placement.vehicle is not None:
            key = placement.vehicle
            query = catalogue.next_launch_query(placement.vehicle)
        elif placement.new_vehicle:
            key = f"new:{placement.state}:{entry.rocket.casefold()}"
            query = (
                catalogue.new_vehicle_query(placement.state)
                if placement.state
                else catalogue.new_vehicle_query()
            )
        if query is not None:
            query = query.advanced(seen.get(key, 0))
            seen[key] = seen.get(key, 0) + 1
        out.append(Placed(entry, placement, query, key))
    return out


def simulate_placed(
    fit: Fit, placed: Sequence[Placed], draw: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """P(success) and success of each mapped entry on each path (paths × entries), a vehicle's
    launches in order, each after its own previous outcome on that path."""
    paths = len(draw)
    p = np.zeros((paths, len(placed)))
    success = np.zeros((paths, len(placed)), dtype=bool)
    previous: dict[str, np.ndarray] = {}
    for j, item in enumerate(placed):
        budget.checkpoint()
        if item.query is None:
            continue
        failed = previous.get(item.key, np.full(paths, item.query.previous_failed))
        p[:, j] = _step_probability(fit, item.query, draw, failed)
        success[:, j] = rng.random(paths) < p[:, j]
        previous[item.key] = ~success[:, j]
    return p, success


class AnnouncedForecast(BaseModel):
    id: str = Field(description="the schedule's id (Launch Library 2's UUID, or the user's)")
    name: str
    source: str = Field(description="where the announcement comes from (credit it)")
    status: str = Field(description="Go, TBC, TBD, Hold, … (Launch Library 2's status)")
    net: datetime = Field(description="no earlier than (UTC)")
    window_start: datetime
    window_end: datetime
    rocket: str = Field(description="the rocket as the source names it")
    vehicle: str | None = Field(description="the GCAT vehicle it flies; null for a new or unmapped one")
    state: str | None
    new_vehicle: bool
    mapped: bool = Field(description="false: the rocket could not be placed (see placement); no forecast")
    placement: str = Field(description="how the rocket was matched to a vehicle, in words")
    suggestions: list[str] = Field(description="for an unmapped rocket: the closest vehicle names")
    flight_number: int | None = Field(description="the vehicle's flight number this launch will be")
    probability: float | None = Field(description="P(success), previous outcomes simulated")
    interval_90: Interval | None
    slip: str = Field(description="how the slip model reads its status, in words")


class ManifestForecast(Anchored):
    subject: str
    window_start: date | None = Field(description="only launches whose window ends on or after this")
    window_end: date | None = Field(description="only launches whose NET is before this")
    launches: list[AnnouncedForecast]
    schedule_checked_at: datetime | None = Field(description="when the schedule was last fetched")
    credit: str
    paths: int
    seed: int
    model: ModelInfo


def manifest(
    fit: Fit,
    entries: Sequence[Announced],
    *,
    now: datetime,
    state: str | None = None,
    vehicle: str | None = None,
    start: date | None = None,
    until: date | None = None,
    paths: int = 20_000,
    seed: int = 0,
    checked_at: datetime | None = None,
    slips: SlipModel | None = None,
    stale_after_days: int = STALE_AFTER_DAYS,
) -> ManifestForecast:
    """Every announced launch still to fly at ``now`` with its forecast (see the module docstring)."""
    _check_paths(paths)
    moment = Moment.of(fit, now, stale_after_days)
    slips = slips or SlipModel()
    state_code = fit.catalogue.state_code(state) if state else None
    wanted_vehicle = fit.catalogue.record(vehicle).vehicle if vehicle else None
    upcoming = [e for e in entries if e.window_end >= moment.now]
    # A launch depends only on its own vehicle's earlier ones (``simulate_placed``), so a question
    # about one state or vehicle simulates only those: North Korea's manifest does not pay for
    # every Falcon 9 on a full schedule (``schedule.MAX_ENTRIES``).
    placed = [
        item
        for item in placed_entries(fit, upcoming)
        if (not state_code or item.placement.state == state_code)
        and (not wanted_vehicle or item.placement.vehicle == wanted_vehicle)
    ]
    budget.check(len(placed) + 1, paths, fit.n_draws, f"{len(placed)} announced launches", "fewer paths")
    rng = np.random.default_rng(seed)
    draw = rng.integers(0, fit.n_draws, size=paths)
    p, _ = simulate_placed(fit, placed, draw, rng)
    rows = []
    for j, item in enumerate(placed):
        e = item.entry
        if start and e.window_end < datetime(start.year, start.month, start.day, tzinfo=UTC):
            continue
        if until and e.net >= datetime(until.year, until.month, until.day, tzinfo=UTC):
            continue
        mapped = item.query is not None
        low, high = np.quantile(p[:, j], [0.05, 0.95]) if mapped else (0.0, 0.0)
        rows.append(
            AnnouncedForecast(
                id=e.id,
                name=e.name,
                source=e.source,
                status=e.status,
                net=e.net,
                window_start=e.window_start,
                window_end=e.window_end,
                rocket=e.rocket,
                vehicle=item.placement.vehicle,
                state=item.placement.state,
                new_vehicle=item.placement.new_vehicle,
                mapped=mapped,
                placement=item.placement.how,
                suggestions=list(item.placement.suggestions),
                flight_number=item.query.vehicle_flight if item.query else None,
                probability=round(float(p[:, j].mean()), 4) if mapped else None,
                interval_90=Interval(low=round(float(low), 4), high=round(float(high), 4))
                if mapped
                else None,
                slip=slips.describe(e.status, item.maiden),
            )
        )
    where = " ".join(filter(None, [state_code and fit.catalogue.state_name(state_code), wanted_vehicle]))
    return ManifestForecast(
        subject=f"announced launches{' of ' + where if where else ''}",
        window_start=start,
        window_end=until,
        launches=rows,
        schedule_checked_at=checked_at,
        credit=CREDIT
        if any(r.source == LL2_SOURCE for r in rows)
        else "Announced launches: sources as cited",
        paths=paths,
        seed=seed,
        model=model_info(fit),
        **moment.anchored(),
    )


# --- announced launches in the time questions ---------------------------------------------


@dataclass(frozen=True)
class Arrivals:
    """The announced launches one programme's time question counts, simulated on its paths.

    ``years``: when each flies, in years after the question (paths × launches; ≥ 0);
    ``success``: whether it succeeds; ``counted``: each in words, for the answer.
    """

    years: np.ndarray
    success: np.ndarray
    counted: list[str]
    #: The programme's own vehicle's announced launches (its flight number moves on by these).
    own_launches: int
    own_last_failed: np.ndarray | None

    @property
    def last(self) -> np.ndarray:
        """When each path's last announced launch flies (years after the question)."""
        return self.years.max(axis=1)


def counts_for(resolved: Resolved, item: Placed) -> bool:
    """Whether a programme's time question counts this announced launch."""
    if item.query is None:
        return False
    q = resolved.query
    if resolved.rate_kind == "vehicle":
        return item.placement.vehicle == q.vehicle
    if q.vehicle is None:  # a new vehicle of a state
        return item.placement.new_vehicle and item.placement.state == q.state
    return item.placement.state == resolved.rate_name


def arrivals(
    fit: Fit,
    resolved: Resolved,
    entries: Sequence[Announced],
    moment: Moment,
    draw: np.ndarray,
    rng: np.random.Generator,
    slips: SlipModel,
) -> Arrivals | None:
    """The announced launches a programme's question counts (None: none announced)."""
    upcoming = [e for e in entries if e.window_end >= moment.now]
    placed = placed_entries(fit, upcoming)
    chosen = [item for item in placed if counts_for(resolved, item)]
    if not chosen:
        return None
    _, success = simulate_placed(fit, chosen, draw, rng)
    paths = len(draw)
    years = np.zeros((paths, len(chosen)))
    for j, item in enumerate(chosen):
        e = item.entry
        window_days = (e.window_end - e.window_start).total_seconds() / 86400
        opens = (e.window_start - moment.now).total_seconds() / 86400
        delay = slips.delays(e.status, item.maiden, window_days, paths, rng)
        years[:, j] = np.maximum(opens + delay, 0.0) / DAYS_PER_YEAR
    own = [j for j, item in enumerate(chosen) if item.key == (resolved.query.vehicle or "")]
    counted = [
        f"{item.entry.name} ({item.entry.status}, window {item.entry.window_start:%Y-%m-%d}"
        f"–{item.entry.window_end:%Y-%m-%d}; {item.entry.source})"
        for item in chosen
    ]
    return Arrivals(years, success, counted, len(own), ~success[:, own[-1]] if own else None)


def first_success(arrived: Arrivals, horizon_years: float | None) -> np.ndarray:
    """Years from the question to each path's first successful announced launch (inf: none)."""
    hit = arrived.success & ((arrived.years <= horizon_years) if horizon_years is not None else True)
    return np.where(hit, arrived.years, np.inf).min(axis=1)
