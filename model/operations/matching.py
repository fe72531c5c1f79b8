"""Which forecast a launch is scored against, with no look-ahead (the ledger's tiers).

``match``: the forecast set (the newest recorded before the launch: prospective; else the one
with the newest data that ended before it: out-of-sample); ``at_flight``: within a set, the
forecast for the launch's flight number and previous outcome; ``match_announced``: the
announcement a launch is (the scheduled tier).  See ``model.operations.ledger``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

TIERS = ("scheduled", "prospective", "out-of-sample")
#: A launch matches an announcement whose window opens at most this long after it...
MATCH_BEFORE = timedelta(days=1)
#: ... and closed at most this long before it (launches slip; a later one is another launch).
MATCH_AFTER = timedelta(days=180)


def at_flight(entries: Sequence[Any], flight: int, previous_failed: bool) -> Any:
    """Of one subject's standing forecasts, the one for this flight after this outcome.

    Past the last flight forecast, the last one (the model's flight terms are flat by then);
    a set recorded before flight-by-flight forecasts holds one per subject, used as it was.
    """
    legacy = [e for e in entries if e["previous_failed"] is None]
    if legacy:
        return legacy[0]
    same = [e for e in entries if bool(e["previous_failed"]) == previous_failed] or list(entries)
    reached = [e for e in same if e["flight_number"] <= flight]
    if reached:
        return max(reached, key=lambda e: e["flight_number"])
    return min(same, key=lambda e: e["flight_number"])


def match(sets: Iterable[Any], launched: datetime) -> tuple[Any | None, str, str]:
    """The forecast set a launch is scored against, its tier, or why there is none.

    Only sets whose data end on a date before the launch's are eligible (their fit did
    not see it).  Of those, the newest recorded before the launch (prospective), else
    the one with the newest data (out-of-sample).
    """
    day = launched.strftime("%Y-%m-%d")
    eligible = [s for s in sets if s["data_as_of"] < day]
    if not eligible:
        return None, "", "no forecast was made from data that ended before this launch"
    before = [s for s in eligible if as_utc(s["made_at"]) < launched]
    if before:
        return max(before, key=lambda s: as_utc(s["made_at"])), "prospective", ""
    return max(eligible, key=lambda s: (s["data_as_of"], as_utc(s["made_at"]))), "out-of-sample", ""


def match_announced(
    announced: Sequence[Any], row: Any, launched: datetime, claimed: dict[str, str]
) -> str | None:
    """The announcement a launch is: of its vehicle (or, for a maiden flight, a new vehicle of its
    state), its window opened at most ``MATCH_BEFORE`` after the launch and closed at most
    ``MATCH_AFTER`` before it, forecast before the launch, not claimed by another launch; of
    several, the one whose window opened nearest the launch."""
    tag = str(row.launch_tag)
    candidates = []
    for a in announced:
        same = a["vehicle"] == row.vehicle or (
            a["vehicle"] is None and a["state"] == row.vehicle_state and int(row.vehicle_flight) == 1
        )
        if not same or claimed.get(a["schedule_id"], tag) != tag or as_utc(a["made_at"]) >= launched:
            continue
        if as_utc(a["window_start"]) - MATCH_BEFORE <= launched <= as_utc(a["window_end"]) + MATCH_AFTER:
            candidates.append(a)
    if not candidates:
        return None
    best = min(candidates, key=lambda a: abs((launched - as_utc(a["window_start"])).total_seconds()))
    return str(best["schedule_id"])


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every time in the ledger is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
