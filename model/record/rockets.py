"""Which vehicle an announced launch flies (``Placement``, ``place``).

Launch Library 2 names rockets its own way ("Long March 7A" is GCAT's "Chang Zheng 7A").  In
order: a reviewed override in the shipped ``rockets.csv`` (each with its source); the catalogue's
own names (GCAT name, display name, cited aliases such as 천리마-1); else, when the pad's state
has a vehicle of a close name, the entry is **unmapped**, kept and reported with the closest
names, never guessed; else it is a new vehicle of its state (a maiden flight).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process, utils

from launchcast.model.errors import NotFoundError, ScheduleError
from launchcast.model.record.catalogue import Catalogue
from launchcast.model.record.schedule import Announced

ROCKETS_FILE = "rockets.csv"


@dataclass(frozen=True)
class Placement:
    """Which GCAT vehicle an announced launch flies, or that it is a new one, or that it is unknown.

    ``vehicle`` set: a known vehicle.  ``new_vehicle``: a maiden flight of ``state``'s new
    vehicle.  Neither: unmapped (``reason`` and ``suggestions`` say what to add to ``rockets.csv``).
    """

    vehicle: str | None
    state: str | None
    new_vehicle: bool
    how: str
    suggestions: tuple[str, ...] = ()

    @property
    def mapped(self) -> bool:
        return self.vehicle is not None or self.new_vehicle


@dataclass(frozen=True)
class RocketName:
    rocket: str
    vehicle: str  # "" = a new vehicle (its maiden flight)
    source: str
    line: int


def read_rockets(raw: bytes, name: str = ROCKETS_FILE) -> dict[str, RocketName]:
    """``rockets.csv`` (rocket, vehicle, source): reviewed LL2 names; a rocket mapped to two
    vehicles is refused, naming both lines."""
    out: dict[str, RocketName] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(raw.decode("utf-8"))), start=2):
        rocket, vehicle = (row.get("rocket") or "").strip(), (row.get("vehicle") or "").strip()
        if not rocket or not (row.get("source") or "").strip():
            raise ScheduleError(f"{name} line {line}: give rocket and source")
        key = rocket.casefold()
        if key in out and out[key].vehicle != vehicle:
            raise ScheduleError(
                f"{name} lines {out[key].line} and {line}: the rocket {rocket!r} is mapped to two vehicles "
                f"({out[key].vehicle or 'new'!r}, {vehicle or 'new'!r}); keep one"
            )
        out[key] = RocketName(rocket, vehicle, row["source"].strip(), line)
    return out


@lru_cache(maxsize=1)
def shipped_rockets() -> dict[str, RocketName]:
    """The reviewed overrides shipped with launchcast (``data/rockets.csv``)."""
    from importlib.resources import files

    return read_rockets(files("launchcast.data").joinpath(ROCKETS_FILE).read_bytes())


#: How alike (rapidfuzz's token-set ratio, 0–100) a rocket's name and a vehicle's must be for the
#: rocket to be held unmapped rather than taken as new: variants pass ("H3" / "H3-22S": 100,
#: "Chollima-2" / "Chollima-1": 90), a shared "-1" does not ("Example-1" / "KT-1": 40).
CLOSE_ABOVE = 80


def near_names(rocket: str, names: list[str]) -> list[str]:
    """Vehicle names close enough to ``rocket`` that it may be one of them (at most five)."""
    found = process.extract(
        rocket,
        names,
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
        limit=5,
        score_cutoff=CLOSE_ABOVE,
    )
    return [name for name, _, _ in found]


def place(catalogue: Catalogue, entry: Announced, rockets: dict[str, RocketName] | None = None) -> Placement:
    """The vehicle ``entry`` flies, as the catalogue (a fit's) knows it; see the module docstring."""
    rockets = shipped_rockets() if rockets is None else rockets
    state = catalogue.find_state(entry.country) if entry.country else None
    override = rockets.get(entry.rocket.casefold())
    if override is not None:
        if not override.vehicle:
            return Placement(None, state, True, f"a new vehicle ({ROCKETS_FILE}: {override.source})")
        try:
            record = catalogue.record(override.vehicle)
        except NotFoundError:
            return Placement(
                None, state, False, f"{ROCKETS_FILE} names {override.vehicle!r}, not in the data"
            )
        return Placement(record.vehicle, record.state, False, f"{ROCKETS_FILE}: {override.source}")
    for name in dict.fromkeys([entry.rocket, entry.rocket.split(" (")[0]]):
        try:
            record = catalogue.record(name)
        except NotFoundError:
            continue
        return Placement(record.vehicle, record.state, False, f"by name ({record.display_name})")
    if state is None:
        near = near_names(entry.rocket, sorted({r.display_name for r in catalogue.records.values()}))
        if near:
            return Placement(
                None,
                None,
                False,
                f"unmapped: {entry.rocket!r} ({entry.country or 'no country'}) is not a name the data knows, "
                f"and vehicles of close names fly ({', '.join(near)}); add it to {ROCKETS_FILE}",
                tuple(near),
            )
        return Placement(
            None, None, True, f"a new vehicle of a state new to the data ({entry.country or '?'})"
        )
    own = {r.display_name: r for r in catalogue.records.values() if r.state == state}
    near = near_names(entry.rocket, sorted(own))
    if near:
        return Placement(
            None,
            state,
            False,
            f"unmapped: {entry.rocket!r} is not a name the data knows, and {state} flies vehicles of close "
            f"names ({', '.join(near)}); add it to {ROCKETS_FILE} (its vehicle, or empty for a new one)",
            tuple(near),
        )
    return Placement(
        None, state, True, f"a new {catalogue.state_name(state)} vehicle (no vehicle of that name)"
    )
