"""Reading GCAT launch lists and turning them into the project's canonical CSV files.

GCAT (General Catalog of Artificial Space Objects, © Jonathan C. McDowell,
https://planet4589.org/space/gcat/, CC BY 4.0) is the reference record of every
launch.  Its ``launch.tsv`` is tab-separated with space padding, ``-`` for empty,
``#`` header/comment lines, and 26 fields per row under a 28-name header
(``Apogee``+``Apoflag`` and ``Range``+``RangeFlag`` share one fixed-width field).
Columns are found by their header names, with those two pairs read as one field
each (``SHARED_FIELDS``), so a column GCAT adds or moves (``OrbPay`` is in some
snapshots and not others) is read correctly; only a missing needed column is
refused, by name.  Files are read line by line, never whole, and rows are kept
as slotted records: a hostile file's memory is bounded by what is kept.

The derivation of ``data/launches.csv`` and ``data/vehicles.csv`` lives here so it
is reproducible: same input files, byte-identical output.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from launchcast.model.errors import ImplausibleChange, LaunchcastError

#: The launch.tsv columns launchcast reads (found by header name).
LAUNCH_NEEDS = (
    "Launch_Tag",
    "Launch_JD",
    "Launch_Date",
    "LV_Type",
    "Variant",
    "Launch_Site",
    "Agency",
    "LaunchCode",
    "FailCode",
)
#: Header names that share one fixed-width field with the name before them (launch.tsv).
SHARED_FIELDS = ("Apoflag", "RangeFlag")
LV_NEEDS = ("LV_Name", "LV_Family")
ORG_NEEDS = ("Code", "StateCode", "Type", "Class", "ShortName", "ShortEName")


#: Names people use for vehicles GCAT spells differently.
DISPLAY_NAMES = {
    "Cheonlima-1": "Chollima-1",
    "Paektusan 1": "Paektusan-1 (Taepodong-1)",
    "Unha-2": "Unha-2 (Taepodong-2)",
    "Kwangmyongsong": "Kwangmyongsong (Unha-3)",
    "Nuri": "Nuri (KSLV-II)",
    "Naro-1": "Naro-1 (KSLV-I)",
}

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_DATE_RE = re.compile(
    r"^(?P<y>\d{4})(?:\s+(?P<mon>[A-Z][a-z]{2})(?:\s+(?P<d>\d{1,2})"
    r"(?:\s+(?P<hh>\d{2})(?P<mm>\d{2})(?::(?P<ss>\d{2}(?:\.\d+)?))?)?)?)?\??$"
)


#: A year may hold at most this many times the launches of the busiest year already in the
#: data before an update is refused as implausible.  In GCAT 1957–2023 no year ever exceeded
#: 1.28× the busiest before it (after 1965); fabricated or duplicated rows do.
PLAUSIBLE_GROWTH = 3.0


#: GCAT counts a launch whose success fraction is below this as a failure
#: (https://planet4589.org/space/gcat/web/intro/success.html).
SUCCESS_THRESHOLD = 0.75


def parse_gcat_date(text: str) -> str:
    """GCAT date (any upstream precision) → ISO 8601 at the same precision.

    ``2023 Nov 21 1342`` → ``2023-11-21T13:42Z``; ``1985 Nov  9 0825:27`` →
    ``1985-11-09T08:25:27Z``; ``1942 Oct 21`` → ``1942-10-21``; ``1985 Dec`` →
    ``1985-12``.  A trailing ``?`` (GCAT's "uncertain") is accepted and dropped:
    precision is kept, never invented.
    """
    match = _DATE_RE.match(text.strip())
    if not match or (match["mon"] and match["mon"] not in _MONTHS):
        raise LaunchcastError(
            f"unparsable GCAT date {text!r}: expected e.g. '2023 Nov 21 1342', "
            "'1985 Nov  9 0825:27', '1942 Oct 21' or '1985 Dec'"
        )
    out = match["y"]
    if match["mon"]:
        out += f"-{_MONTHS[match['mon']]:02d}"
    if match["d"]:
        out += f"-{int(match['d']):02d}"
    if match["hh"]:
        out += f"T{match['hh']}:{match['mm']}"
        if match["ss"]:
            out += f":{int(float(match['ss'])):02d}"
        out += "Z"
    return out


@dataclass(frozen=True, slots=True)
class GcatLaunch:
    """One row of a GCAT launch list, the fields launchcast uses, cleaned."""

    launch_tag: str
    julian_date: float
    time_utc: str
    vehicle: str
    variant: str
    agency: str
    site: str
    launch_code: str
    fail_code: str

    @property
    def is_orbital(self) -> bool:
        """Orbital (``O``) or deep-space (``D``); upstream also lists suborbital and missiles."""
        return self.launch_code[:1] in ("O", "D")

    @property
    def is_pad_explosion(self) -> bool:
        """``OE``: the vehicle blew up before launch; not a launch attempt."""
        return self.launch_code[1:2] == "E"

    @property
    def success_fraction(self) -> float:
        """GCAT's optional percentage (``OF40``), else 1.0 for ``S`` and 0.0 for ``F``."""
        digits = self.launch_code[2:4]
        if digits.isdigit():
            return int(digits) / 100
        return 1.0 if self.launch_code[1:2] == "S" else 0.0


def _clean(value: str) -> str:
    value = value.strip()
    return "" if value == "-" else value


class _Table:
    """A GCAT table read line by line: its header's columns, then each data row as a dict."""

    def __init__(self, path: Path, needs: tuple[str, ...]) -> None:
        self.path = Path(path)
        self.needs = needs

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        columns: list[str] | None = None
        shared: list[str] = []
        found = False
        with open(self.path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                try:
                    line = raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    raise LaunchcastError(
                        f"{self.path.name}, line {number}: not UTF-8 text (byte {exc.start + 1} of the line "
                        "is not valid UTF-8); GCAT's tables are UTF-8: a corrupt or wrong file"
                    ) from None
                if number == 1:
                    line = line.lstrip("\ufeff")
                if line.startswith("#"):
                    if columns is None and "\t" in line:
                        columns = [name.strip() for name in line[1:].split("\t")]
                        missing = [name for name in self.needs if name not in columns]
                        if missing:
                            raise LaunchcastError(
                                f"{self.path.name}: the header lacks the column(s) {', '.join(missing)} "
                                "that launchcast reads; is this a GCAT table of the right kind?"
                            )
                        shared = [name for name in SHARED_FIELDS if name in columns]
                    continue
                if not line.strip():
                    continue
                if columns is None:
                    raise LaunchcastError(
                        f"{self.path.name}, line {number}: a data row before the '#' header line naming "
                        "the columns; is this a GCAT .tsv file?"
                    )
                fields = line.split("\t")
                names = columns
                if len(fields) == len(columns) - len(shared) and shared:
                    names = [name for name in columns if name not in shared]
                elif len(fields) != len(columns):
                    raise LaunchcastError(
                        f"{self.path.name}, line {number}: {len(fields)} tab-separated fields, expected "
                        f"{len(columns) - len(shared)} (the header names {len(columns)} columns"
                        + (f", {' and '.join(shared)} sharing a field" if shared else "")
                        + ")"
                    )
                found = True
                yield number, dict(zip(names, (_clean(v) for v in fields), strict=True))
        if not found:
            raise LaunchcastError(f"{self.path}: no data rows; is this a GCAT .tsv file?")


def updated_time(path: Path) -> str | None:
    """``# Updated 2025 Dec  1 0108:57`` comment → ``2025-12-01T01:08:57Z``: when GCAT wrote the table."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            match = re.match(r"#\s*Updated\s+(.+?)\s*$", line)
            if match:
                try:
                    return parse_gcat_date(match[1])
                except LaunchcastError:
                    return None
    return None


def updated_stamp(path: Path) -> str | None:
    """The GCAT snapshot a table came from, to the month (``2025-12``): the rows' source label."""
    stamp = updated_time(path)
    return stamp[:7] if stamp else None


def read_launches(path: Path, max_per_year: int | None = None) -> list[GcatLaunch]:
    """Every row of a GCAT ``launch.tsv`` (all launch codes; filter with ``is_orbital``).

    Two rows with one tag are refused, naming both lines.  ``max_per_year`` stops the
    read as soon as one year holds more orbital launches than that (an implausible file is
    refused before it fills memory; ``ingest.plausibility``).
    """
    launches = []
    lines: dict[str, int] = {}
    per_year: Counter[str] = Counter()
    for number, row in _Table(path, LAUNCH_NEEDS).rows():
        try:
            launch = GcatLaunch(
                launch_tag=row["Launch_Tag"],
                julian_date=float(row["Launch_JD"]),
                time_utc=parse_gcat_date(row["Launch_Date"]),
                vehicle=row["LV_Type"],
                variant=row["Variant"],
                agency=row["Agency"],
                site=row["Launch_Site"],
                launch_code=row["LaunchCode"],
                fail_code=row["FailCode"],
            )
        except (ValueError, LaunchcastError) as exc:
            raise LaunchcastError(f"{Path(path).name}, line {number}: {exc}") from None
        if not launch.is_orbital:
            launches.append(launch)
            continue
        if launch.launch_tag in lines:
            raise LaunchcastError(
                f"{Path(path).name}: launch tag {launch.launch_tag!r} is on line {lines[launch.launch_tag]} "
                f"and on line {number}; a launch list names each launch once (a corrupt file)"
            )
        lines[launch.launch_tag] = number
        year = launch.time_utc[:4]
        per_year[year] += 1
        if max_per_year is not None and per_year[year] > max_per_year:
            raise ImplausibleChange(
                f"{Path(path).name} holds more than {max_per_year:,} orbital launches in {year} (by line "
                f"{number}), more than {PLAUSIBLE_GROWTH:g}× the busiest year in the data: refused as "
                "implausible, nothing was changed. If you have checked the source and the change is real, "
                "run again with --accept-large-change"
            )
        launches.append(launch)
    return launches


def read_vehicle_families(path: Path) -> dict[str, str]:
    """GCAT ``lv.tsv`` → {LV_Name: LV_Family}; the first row of a name wins (variants share it)."""
    families: dict[str, str] = {}
    for _, row in _Table(path, LV_NEEDS).rows():
        families.setdefault(row["LV_Name"], row["LV_Family"])
    return families


@dataclass(frozen=True)
class GcatOrg:
    """One organisation of GCAT's ``orgs.tsv``: the code the launch list's ``Agency`` holds,
    the state GCAT places it in, its type (``LV`` launch provider, ``CY`` country …) and class
    (``B`` business, ``C`` civil, ``D`` defence …), and its English short name."""

    code: str
    state: str
    type: str
    org_class: str
    name: str


def read_orgs(path: Path) -> list[GcatOrg]:
    """Every organisation of a GCAT ``orgs.tsv`` that GCAT places in a state."""
    orgs = []
    for _, row in _Table(path, ORG_NEEDS).rows():
        if row["Code"] and row["StateCode"]:
            orgs.append(
                GcatOrg(
                    row["Code"],
                    row["StateCode"],
                    row["Type"],
                    row["Class"],
                    row["ShortEName"] or row["ShortName"] or row["Code"],
                )
            )
    return orgs


def operator_code(agency: str) -> str:
    """The code that places a launch: a joint agency (``LERC/AFSSD``) by its first listed one."""
    return agency.split("/")[0].rstrip("?")


@dataclass
class ImportReport:
    """What an import kept and what it left out, and why: every source row is accounted for."""

    source_rows: int = 0
    kept: int = 0
    pad_explosions: int = 0
    not_orbital: int = 0
    vehicles: int = 0
    by_outcome: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Dataset:
    launches: list[dict[str, str]]
    vehicles: list[dict[str, str]]
    report: ImportReport


def build_dataset(
    launches: list[GcatLaunch],
    families: dict[str, str],
    place: Callable[[str], str | None],
    source: str,
) -> Dataset:
    """GCAT rows → canonical launch and vehicle rows, sorted by time, deterministic.

    ``place`` gives an operator's state (``model.record.operators.Operators.state_of``); an
    operator it cannot place refuses the whole import, naming each with its first launch.
    """
    report = ImportReport(source_rows=len(launches))
    kept: list[GcatLaunch] = []
    for launch in launches:
        if not launch.is_orbital:
            report.not_orbital += 1
        elif launch.is_pad_explosion:
            report.pad_explosions += 1
        else:
            kept.append(launch)
    kept.sort(key=lambda launch: (launch.julian_date, launch.launch_tag))

    problems = []
    unplaced: dict[str, GcatLaunch] = {}
    for launch in kept:
        if place(launch.agency) is None:
            unplaced.setdefault(operator_code(launch.agency), launch)
    if unplaced:
        named = ", ".join(
            f"{code} (first launch {x.launch_tag} on {x.time_utc[:10]})"
            for code, x in sorted(unplaced.items())
        )
        problems.append(
            f"operators that neither GCAT's organisation table (data/orgs.csv) nor "
            f"data/agencies.csv places in a state: {named}. Fix: bring GCAT's newer orgs.tsv "
            "('launchcast data update', or --orgs FILE), or add a reviewed row "
            "'CODE,STATE,reason' to data/agencies.csv"
        )
    unknown_vehicles = sorted({x.vehicle for x in kept if x.vehicle not in families})
    if unknown_vehicles:
        problems.append(
            f"vehicles missing from the lv.tsv table: {', '.join(unknown_vehicles)} "
            "(pass a newer GCAT lv.tsv with --lv)"
        )
    if problems:
        raise LaunchcastError("; ".join(problems))

    launch_rows = []
    flown_by: dict[str, Counter[str]] = defaultdict(Counter)
    first_flight: dict[str, str] = {}
    for launch in kept:
        state = place(launch.agency)
        assert state is not None
        fraction = launch.success_fraction
        outcome = "success" if fraction >= SUCCESS_THRESHOLD else "failure"
        report.by_outcome[outcome] += 1
        launch_rows.append(
            {
                "launch_tag": launch.launch_tag,
                "time_utc": launch.time_utc,
                "vehicle": launch.vehicle,
                "variant": launch.variant,
                "agency": launch.agency,
                "state": state,
                "site": launch.site,
                "outcome": outcome,
                "success_fraction": f"{fraction:.2f}",
                "fail_code": launch.fail_code,
                "source": source,
            }
        )
        flown_by[launch.vehicle][state] += 1
        first_flight.setdefault(launch.vehicle, launch.time_utc[:10])

    vehicle_rows = []
    for vehicle in sorted(flown_by):
        # The owner is the state that flew it most; ties go to the first seen (Counter order).
        owner = flown_by[vehicle].most_common(1)[0][0]
        vehicle_rows.append(
            {
                "vehicle": vehicle,
                "family": families[vehicle],
                "state": owner,
                "display_name": DISPLAY_NAMES.get(vehicle, vehicle),
                "first_flight": first_flight[vehicle],
            }
        )
    report.kept = len(launch_rows)
    report.vehicles = len(vehicle_rows)
    return Dataset(launch_rows, vehicle_rows, report)


def to_csv(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
