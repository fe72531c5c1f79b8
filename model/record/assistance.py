"""Foreign help to launch vehicles, as evidence: ``data/assistance.csv``.

The question comes from the project's seed article: after the Vostochny summit
(13 September 2023), would Russian help change North Korea's odds?  History has
cases to learn from — Naro-1 flew a Russian first stage, Japan's N-I/N-II/H-I
were licensed Deltas, India's Vikas is a licensed Viking — and claims that are
reported or alleged, not documented.  Each row of the table names a vehicle (or a
whole GCAT family), the state helped, the state helping, what was given, a
confidence and a cited source (see ``data/README.md``).

Confidence is ordered: ``documented`` (an agreement or contract the parties
acknowledge) ⊂ ``reported`` (specialist or official reporting naming what was
given) ⊂ ``alleged`` (claims by interested parties, direction or substance not
established).  A model includes help up to a chosen level, so the effect can be
estimated on documented cases only, and with the weaker ones added (the
sensitivity check the notebook shows).

The table is reference data reviewed like code: it ships with the package (not
in the live data directory, which GCAT updates rewrite), and a fit records the
rows it used in its manifest, so a saved fit answers as it was fitted.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from importlib.resources import files

import numpy as np
import pandas as pd

from launchcast.model.errors import DataValidationError, LaunchcastError
from launchcast.model.record.history import decimal_year

ASSISTANCE_FILE = "assistance.csv"
CONFIDENCE = ("documented", "reported", "alleged")
#: ``none`` leaves the term out (the 2.0 model); otherwise help at or above this confidence counts.
LEVELS = ("none", *CONFIDENCE)
GIVEN = ("licensed design", "licensed engine", "supplied stage", "supplied engine", "engineers")
COLUMNS = ("vehicle", "family", "recipient", "helper", "given", "confidence", "from", "source", "source_date")


@dataclass(frozen=True)
class Help:
    """One row: help given to a vehicle (or every vehicle of a family) from a date on."""

    vehicle: str
    family: str
    recipient: str
    helper: str
    given: str
    confidence: str
    start: str  # ISO date, or "" for the vehicle's whole life
    source: str
    source_date: str

    @cached_property  # read on every forecast of a helped vehicle: parse the date once
    def start_year(self) -> float:
        if not self.start:
            return -np.inf
        return decimal_year(datetime.fromisoformat(self.start).replace(tzinfo=UTC))

    def covers(self, vehicle: str | None, family: str | None) -> bool:
        if self.vehicle:
            return self.vehicle == vehicle
        return self.family == family


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise LaunchcastError(f"assistance level {level!r}: use one of {', '.join(LEVELS)}")
    return level


def counted(level: str) -> tuple[str, ...]:
    """The confidences a level includes: 'reported' → documented and reported."""
    check_level(level)
    return () if level == "none" else CONFIDENCE[: CONFIDENCE.index(level) + 1]


def _problems(where: str, values: dict[str, str]) -> list[str]:
    problems = []
    if bool(values["vehicle"]) == bool(values["family"]):
        problems.append(f"{where}: give exactly one of vehicle and family")
    if values["confidence"] not in CONFIDENCE:
        problems.append(
            f"{where}, confidence: {values['confidence']!r} is not one of {', '.join(CONFIDENCE)}"
        )
    if values["given"] not in GIVEN:
        problems.append(f"{where}, given: {values['given']!r} is not one of {', '.join(GIVEN)}")
    if not values["source"] or not values["source_date"]:
        problems.append(f"{where}: every row needs a source and its date")
    if values["from"]:
        try:
            date.fromisoformat(values["from"])
        except ValueError:
            problems.append(
                f"{where}, from: {values['from']!r} is not a date (YYYY-MM-DD); leave it "
                "empty for the vehicle's whole life"
            )
    return problems


@dataclass(frozen=True)
class Assistance:
    rows: tuple[Help, ...]

    @classmethod
    def read(cls, raw: bytes, name: str = ASSISTANCE_FILE) -> Assistance:
        """Parse and validate; every problem names the file, row and field and says how to fix it."""
        reader = csv.DictReader(io.StringIO(raw.decode("utf-8")))
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataValidationError(
                [f"{name}: missing column(s) {', '.join(missing)}; the header must be {','.join(COLUMNS)}"]
            )
        rows, problems = [], []
        for number, row in enumerate(reader, start=2):
            found = _problems(
                f"{name} row {number}", values := {k: (row.get(k) or "").strip() for k in COLUMNS}
            )
            problems += found
            if not found:
                rows.append(Help(**{k: v for k, v in values.items() if k != "from"}, start=values["from"]))
        if problems:
            raise DataValidationError(problems)
        return cls(tuple(rows))

    @classmethod
    def shipped(cls) -> Assistance:
        return cls.read((files("launchcast.data") / ASSISTANCE_FILE).read_bytes())

    @classmethod
    def from_records(cls, records: list[dict[str, str]]) -> Assistance:
        """The rows a fit recorded in its manifest."""
        return cls(tuple(Help(**r) for r in records))

    def records(self) -> list[dict[str, str]]:
        return [asdict(r) for r in self.rows]

    def at(self, level: str) -> Assistance:
        """Only the rows a level counts."""
        return Assistance(tuple(r for r in self.rows if r.confidence in counted(level)))

    def helping(self, vehicle: str | None, family: str | None, year: float) -> list[Help]:
        return [r for r in self.rows if r.covers(vehicle, family) and year >= r.start_year]

    def assisted(self, launches: pd.DataFrame) -> np.ndarray:
        """1.0 for each launch (a ``LaunchHistory.launches`` row) flown with help, else 0.0."""
        out = np.zeros(len(launches))
        vehicles, families = launches["vehicle"].to_numpy(), launches["family"].to_numpy()
        years = launches["year"].to_numpy()
        for row in self.rows:
            by_name = (vehicles == row.vehicle) if row.vehicle else (families == row.family)
            out[by_name & (years >= row.start_year)] = 1.0
        return out

    def evidence(self, launches: pd.DataFrame) -> pd.DataFrame:
        """Per row: the launches it covers in ``launches`` and how many failed — what the
        assistance term rests on."""
        table = []
        vehicles, families = launches["vehicle"].to_numpy(), launches["family"].to_numpy()
        years, success = launches["year"].to_numpy(), launches["success"].to_numpy()
        for row in self.rows:
            chosen = ((vehicles == row.vehicle) if row.vehicle else (families == row.family)) & (
                years >= row.start_year
            )
            table.append(
                {
                    "vehicle or family": row.vehicle or f"{row.family} (family)",
                    "recipient": row.recipient,
                    "helper": row.helper,
                    "given": row.given,
                    "confidence": row.confidence,
                    "from": row.start or "first flight",
                    "launches": int(chosen.sum()),
                    "failures": int((1 - success[chosen]).sum()),
                    "source": f"{row.source} ({row.source_date})",
                }
            )
        return pd.DataFrame(table)
