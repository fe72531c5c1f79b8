"""The announced launches, each with its forecast, and the time questions that count them.

``manifest``: every announced launch (``model.record.schedule``) with its window and status,
the flight number it will be, and P(success) with its 90% interval.  A vehicle with several
announced launches gets each at its own flight number, with the previous outcome simulated
path by path, as in a campaign (``paths.simulate_placed``): the third of three Nuri launches is
forecast after the first two may have failed.  How time questions count announced launches is
``paths.arrivals``.

Flight numbers count from the data's end: a launch that flew since then but is not in the data
yet is unknown here as everywhere (the answers' ``warnings`` say how many are expected).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import numpy as np
from pydantic import BaseModel, Field

from launchcast.model.defaults import STALE_AFTER_DAYS
from launchcast.model.questions import budget
from launchcast.model.questions.answers import Anchored, Interval, ModelInfo
from launchcast.model.questions.asking import Moment, check_paths, model_info
from launchcast.model.questions.paths import placed_entries, simulate_placed
from launchcast.model.record.schedule import LL2_SOURCE, Announced
from launchcast.model.stats.fit import Fit
from launchcast.model.stats.slips import SlipModel

CREDIT = "Announced launches: Launch Library 2 (The Space Devs, thespacedevs.com) and sources users cite"


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
    check_paths(paths)
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
