"""Which state a launch operator belongs to: GCAT's own organisation table, then reviewed overrides.

GCAT (© J. McDowell, CC BY 4.0) lists every organisation in ``orgs.tsv`` with the
state it belongs to (``StateCode``), including companies that first fly after our
data's end (Isar Aerospace → ``D``, Gilmour Space → ``AU``, Space One → ``J``).
Placing operators by that table means a newer launch list never needs a hand edit
for a new operator.  The project keeps what it needs of the table in
``data/orgs.csv`` (code, state, type, class, English short name), so it never
needs the GCAT files at run time; ``launchcast data update`` refreshes it.

``data/agencies.csv`` holds only reviewed overrides — where the project places an
operator differently from GCAT, or GCAT does not list it yet — each with its reason.
An override wins over the table.  An operator that neither places is an error the
import reports with its fix; nothing is written.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from launchcast.model.errors import LaunchcastError
from launchcast.model.record import gcat

ORGS_FILE = "orgs.csv"
OVERRIDES_FILE = "agencies.csv"
ORG_COLUMNS = ("code", "state", "type", "class", "name")
OVERRIDE_COLUMNS = ("agency", "state", "reason")


@dataclass(frozen=True)
class Override:
    state: str
    reason: str


@dataclass(frozen=True)
class Operators:
    """GCAT's organisation table (code → org) plus the project's overrides (agency → state)."""

    orgs: dict[str, gcat.GcatOrg]
    overrides: dict[str, Override]

    @classmethod
    def load(cls, data_dir: Path) -> Operators:
        return cls(read_orgs_csv(Path(data_dir) / ORGS_FILE), read_overrides(Path(data_dir) / OVERRIDES_FILE))

    def with_orgs(self, orgs: list[gcat.GcatOrg]) -> Operators:
        """The same overrides over a newer GCAT organisation table."""
        return Operators({org.code: org for org in orgs}, self.overrides)

    def state_of(self, agency: str) -> str | None:
        """The state of a launch's operator (joint agencies by the first listed), or None."""
        code = gcat.operator_code(agency)
        if code in self.overrides:
            return self.overrides[code].state
        org = self.orgs.get(code)
        return org.state if org else None

    def country_names(self) -> dict[str, str]:
        """GCAT's English short names of countries (type ``CY``): names for states new to us."""
        return {org.code: org.name for org in self.orgs.values() if org.type.split("/")[0] == "CY"}

    def orgs_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(ORG_COLUMNS)
        for code in sorted(self.orgs):
            org = self.orgs[code]
            writer.writerow((org.code, org.state, org.type, org.org_class, org.name))
        return buffer.getvalue()


def read_orgs_csv(path: Path) -> dict[str, gcat.GcatOrg]:
    if not path.exists():
        raise LaunchcastError(
            f"{path} not found: it holds GCAT's organisation table; rebuild it with "
            "'launchcast data import-gcat … --orgs orgs.tsv' or 'launchcast data update'"
        )
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and set(ORG_COLUMNS) - set(rows[0]):
        raise LaunchcastError(f"{path}, line 1: expected columns {', '.join(ORG_COLUMNS)}")
    return {r["code"]: gcat.GcatOrg(r["code"], r["state"], r["type"], r["class"], r["name"]) for r in rows}


def read_overrides(path: Path) -> dict[str, Override]:
    """``data/agencies.csv``: reviewed overrides, every row with a state and a reason."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(OVERRIDE_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise LaunchcastError(
                f"{path}, line 1: missing column(s) {', '.join(sorted(missing))}; "
                f"expected {', '.join(OVERRIDE_COLUMNS)}"
            )
        overrides = {}
        for line, row in enumerate(reader, 2):
            if not row["agency"] or not row["state"] or not (row["reason"] or "").strip():
                raise LaunchcastError(
                    f"{path}, line {line}: every override needs agency, state and a reason "
                    "(why the project places it differently from GCAT's orgs.tsv)"
                )
            overrides[row["agency"]] = Override(row["state"], row["reason"])
    return overrides
