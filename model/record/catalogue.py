"""The record as a catalogue: vehicles with their records, states and families, by any name.

Questions name things the way people do ("North Korea", 천리마-1, "Paektusan-1");
the catalogue resolves them to the record's names and builds the ``LaunchQuery``
of a vehicle's next flight or a new vehicle's maiden flight.  A fit carries the
catalogue of the data it saw (``Fit.catalogue``), so the service resolves names as
the data did, whatever the data directory holds now.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

from launchcast.model.errors import NotFoundError
from launchcast.model.record.history import LaunchHistory
from launchcast.model.record.names import Names, unknown, unknown_of


@dataclass(frozen=True)
class LaunchQuery:
    """Everything a model may condition one launch on.

    ``vehicle``/``family``/``state`` of ``None`` mean "a new one": the model must
    answer from its hierarchy (never a fixed 0.5).  Flight numbers are 1-based and
    count this launch (1 = maiden flight).
    """

    vehicle: str | None
    family: str | None
    state: str | None
    vehicle_flight: int = 1
    family_flight: int = 1
    state_flight: int = 1
    previous_failed: bool = False
    year: float = 2024.0
    #: Flown with foreign help?  None: as the fit's assistance table says (a scenario sets it).
    assisted: bool | None = None

    def advanced(self, steps: int) -> LaunchQuery:
        """The same programme ``steps`` launches later (flight numbers move on)."""
        return replace(
            self,
            vehicle_flight=self.vehicle_flight + steps,
            family_flight=self.family_flight + steps,
            state_flight=self.state_flight + steps,
        )


@dataclass(frozen=True)
class VehicleRecord:
    """A vehicle's record as of the fit's data: what a next-launch query starts from."""

    vehicle: str
    family: str
    state: str
    display_name: str
    attempts: int
    successes: int
    first_launch: str
    last_launch: str
    last_failed: bool
    family_flights: int
    state_flights: int


def vehicle_records(history: LaunchHistory) -> dict[str, VehicleRecord]:
    launches = history.launches
    family_flights = launches.groupby("family").size()
    state_flights = launches.groupby("vehicle_state").size()
    records = {}
    grouped = launches.groupby("vehicle", sort=False)
    stats = grouped.agg(
        attempts=("success", "size"),
        successes=("success", "sum"),
        first=("time_utc", "first"),
        last=("time_utc", "last"),
        last_success=("success", "last"),
    )
    for row in history.vehicles.itertuples(index=False):
        if row.vehicle not in stats.index:
            continue
        s = stats.loc[row.vehicle]
        records[row.vehicle] = VehicleRecord(
            vehicle=row.vehicle,
            family=row.family,
            state=row.state,
            display_name=row.display_name,
            attempts=int(s["attempts"]),
            successes=int(s["successes"]),
            first_launch=str(s["first"]),
            last_launch=str(s["last"]),
            last_failed=not bool(s["last_success"]),
            family_flights=int(family_flights.get(row.family, 0)),
            state_flights=int(state_flights.get(row.state, 0)),
        )
    return records


@dataclass
class Catalogue:
    """Vehicle records as of the data's end (``year``, a decimal year), with the names people use."""

    records: dict[str, VehicleRecord]
    state_names: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    year: float = 2024.0

    @cached_property
    def names(self) -> Names:
        return Names(self.state_names, self.aliases)

    def record(self, vehicle: str) -> VehicleRecord:
        """A vehicle's record by GCAT name, display name or alias (천리마-1), case-insensitive."""
        if vehicle in self.records:
            return self.records[vehicle]
        alias = self.names.vehicle(vehicle)
        if alias in self.records:
            return self.records[alias]
        wanted = vehicle.strip().lower()
        for record in self.records.values():
            if wanted in (record.vehicle.lower(), record.display_name.lower()):
                return record
        # Display names like "Paektusan-1 (Taepodong-1)": accept either part.
        for record in self.records.values():
            parts = record.display_name.lower().replace(")", "").split(" (")
            if wanted in parts:
                return record
        # Every name a vehicle goes by (GCAT's, its display name, cited aliases such as
        # 천리마-1), each vehicle suggested once, by its display name.
        shown = {r.vehicle: r.display_name for r in self.records.values()}
        shown |= {r.display_name: r.display_name for r in self.records.values()}
        shown |= {
            a: shown[name] for a, name in self.aliases.get("vehicle", {}).items() if name in self.records
        }
        error = unknown_of("vehicle", vehicle, shown)
        raise type(error)(
            f"{error}; a rocket that has not flown yet is asked about as a new vehicle of its state",
            error.suggestions,
        )

    def state_name(self, state: str) -> str:
        return str(self.state_names.get(state, state))

    def find_state(self, text: str) -> str | None:
        """The code of a known state given by code, name or alias ('Korea, North' → KP), or None."""
        return text if text in self._state_set else self.names.state_code(text, self._state_set)

    def find_named_state(self, text: str) -> str | None:
        """The code of any state the data names (GCAT's organisation table knows every state, those
        that have never launched too: 'Australia' → AU), or None."""
        return self.names.state_code(text, set(self.state_names))

    def state_code(self, text: str) -> str:
        """As ``find_state``, but an unknown state is a 404 with the closest names."""
        code = self.find_state(text)
        if code is None:
            named = self.find_named_state(text)
            if named is not None:
                name = self.state_name(named)
                raise NotFoundError(
                    f"{name} has never launched an orbital rocket: ask about its first rocket as a "
                    f"new vehicle of {name}",
                    [name],
                )
            choices = self.names.state_choices(self._state_set)
            raise unknown("state", text, choices)
        return code

    @cached_property
    def _state_set(self) -> set[str]:
        return {r.state for r in self.records.values()}

    @property
    def states(self) -> list[str]:
        return sorted({r.state for r in self.records.values()})

    @property
    def families(self) -> list[str]:
        return sorted({r.family for r in self.records.values()})

    def next_launch_query(self, vehicle: str, year: float | None = None) -> LaunchQuery:
        """The next flight of a known vehicle, with its record as of the data."""
        r = self.record(vehicle)
        return LaunchQuery(
            vehicle=r.vehicle,
            family=r.family,
            state=r.state,
            vehicle_flight=r.attempts + 1,
            family_flight=r.family_flights + 1,
            state_flight=r.state_flights + 1,
            previous_failed=r.last_failed,
            year=year if year is not None else self.year,
        )

    def new_vehicle_query(
        self, state: str | None = None, family: str | None = None, year: float | None = None
    ) -> LaunchQuery:
        """The maiden flight of a vehicle not yet flown, of a known (or new) family and state."""
        if state is not None:
            state = self.state_code(state)
        if family is not None and family not in self.families:
            raise unknown("family", family, self.families)
        family_flights = sum(r.attempts for r in self.records.values() if r.family == family)
        if state is None and family is not None:
            owners = [r.state for r in self.records.values() if r.family == family]
            state = max(set(owners), key=owners.count)
        state_flights = sum(r.attempts for r in self.records.values() if r.state == state)
        return LaunchQuery(
            vehicle=None,
            family=family,
            state=state,
            vehicle_flight=1,
            family_flight=family_flights + 1,
            state_flight=state_flights + 1,
            previous_failed=False,
            year=year if year is not None else self.year,
        )
