"""The validated launch history every model is fitted on.

``load_history(data_dir)`` reads ``launches.csv`` and ``vehicles.csv`` (built by
``launchcast data import-gcat``, see ``model.record.gcat``), checks every row, and
returns an immutable ``LaunchHistory``: the launches as a DataFrame plus the
integer index arrays and experience counters a model needs.  Validation rejects
the input whole and lists every problem (file, line, column, what was expected);
it never drops a row silently.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from launchcast.model.errors import DataValidationError, LaunchcastError
from launchcast.model.record import datadir
from launchcast.model.record.gcat import SUCCESS_THRESHOLD, operator_code
from launchcast.model.record.names import NAMES_FILE, Names, read_names, unknown
from launchcast.model.record.operators import ORGS_FILE, Operators, read_orgs_csv
from launchcast.model.record.text import LIMITS

#: The data set's schema: ``launches.csv`` and ``vehicles.csv`` columns, in file order
#: (documented in data/README.md; written by ``model.record.gcat`` and ``model.record.ingest``).
LAUNCH_COLUMNS = (
    "launch_tag",
    "time_utc",
    "vehicle",
    "variant",
    "agency",
    "state",
    "site",
    "outcome",
    "success_fraction",
    "fail_code",
    "source",
)
VEHICLE_COLUMNS = ("vehicle", "family", "state", "display_name", "first_flight")

LAUNCHES_FILE = "launches.csv"
VEHICLES_FILE = "vehicles.csv"
STATES_FILE = "states.csv"
OUTCOMES = ("success", "failure")

_ISO_RE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<hh>\d{2}):(?P<mm>\d{2})(?::(?P<ss>\d{2}))?Z)?)?)?$"
)


def parse_time(text: str) -> datetime:
    """ISO 8601 at any precision the data keeps → the earliest instant it can mean (UTC)."""
    match = _ISO_RE.match(text)
    if not match:
        raise ValueError(
            f"{text!r} is not an ISO 8601 time: expected YYYY-MM-DDTHH:MMZ, YYYY-MM-DD or YYYY-MM"
        )
    y, mo, d, h, mi, s = (int(v) if v else d for v, d in zip(match.groups(), (0, 1, 1, 0, 0, 0), strict=True))
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


def decimal_year(moment: datetime) -> float:
    start = datetime(moment.year, 1, 1, tzinfo=UTC)
    end = datetime(moment.year + 1, 1, 1, tzinfo=UTC)
    return moment.year + (moment - start) / (end - start)


def time_key(text: str) -> str:
    return text.rstrip("Z")


def not_before(previous: str, current: str) -> bool:
    """Order check at the coarser of two precisions (a date-only row may sit among timed ones)."""
    a, b = time_key(previous), time_key(current)
    n = min(len(a), len(b))
    return b[:n] >= a[:n]


def _read_csv(snapshot: datadir.Snapshot, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    path = snapshot.root / name
    if not snapshot.path(name).exists():
        raise LaunchcastError(
            f"{path} not found: build it with 'launchcast data import-gcat PATH' "
            "or point LAUNCHCAST_DATA_DIR at a directory holding it"
        )
    content = snapshot.read_bytes(name)
    try:
        frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise DataValidationError([f"{path}: cannot be read as CSV ({str(exc)[:200]})"]) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            [f"{path}, line 1: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}"]
        )
    frame.attrs["sha256"] = hashlib.sha256(content).hexdigest()
    return frame


#: NUL and the other control characters: never part of a name, a code or a time.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
#: The longest field of the launch record (``model.record.text``: a name).
MAX_FIELD = LIMITS["name"]


def _control_characters(table: pd.DataFrame, path: Path) -> list[str]:
    """Every field holding a control character (a NUL in a site code, say) or longer than
    ``MAX_FIELD``, by line and column."""
    problems = []
    for column in table.columns:
        values = table[column].astype(str)
        bad = values.str.contains(CONTROL_CHARACTERS)
        for index in bad[bad].index[:20]:
            problems.append(
                f"{path}, line {int(index) + 2}, column {column}: holds a control character "
                f"({values[index][:60]!r}); remove it"
            )
        long = values.str.len() > MAX_FIELD
        for index in long[long].index[:20]:
            problems.append(
                f"{path}, line {int(index) + 2}, column {column}: {len(values[index]):,} characters, "
                f"over the limit of {MAX_FIELD} ({values[index][:40]!r}…)"
            )
    return problems


def validate(
    launches: pd.DataFrame,
    vehicles: pd.DataFrame,
    launches_path: Path,
    vehicles_path: Path,
    now: datetime | None = None,
) -> list[str]:
    """Every problem in the two tables, as 'file, line N, column: what was wrong (expected …)'."""
    now = now or datetime.now(UTC)
    problems = _control_characters(vehicles, vehicles_path) + _control_characters(launches, launches_path)

    seen_vehicles: dict[str, int] = {}
    for i, row in enumerate(vehicles.itertuples(index=False), 2):
        where = f"{vehicles_path}, line {i}"
        if row.vehicle in seen_vehicles:
            problems.append(
                f"{where}, column vehicle: duplicate vehicle {row.vehicle!r} "
                f"(first on line {seen_vehicles[row.vehicle]})"
            )
        seen_vehicles.setdefault(row.vehicle, i)
        for column in ("vehicle", "family", "state"):
            if not getattr(row, column):
                problems.append(f"{where}, column {column}: empty (expected a {column} name)")

    seen_tags: dict[str, int] = {}
    previous_time: str | None = None
    for i, row in enumerate(launches.itertuples(index=False), 2):
        where = f"{launches_path}, line {i}"
        if not row.launch_tag:
            problems.append(f"{where}, column launch_tag: empty (expected a unique launch tag)")
        elif row.launch_tag in seen_tags:
            problems.append(
                f"{where}, column launch_tag: duplicate {row.launch_tag!r} "
                f"(first on line {seen_tags[row.launch_tag]})"
            )
        seen_tags.setdefault(row.launch_tag, i)
        if row.vehicle not in seen_vehicles:
            problems.append(
                f"{where}, column vehicle: unknown vehicle {row.vehicle!r} "
                f"(add it to {vehicles_path.name} with its family and state)"
            )
        if row.outcome not in OUTCOMES:
            problems.append(f"{where}, column outcome: {row.outcome!r} (expected 'success' or 'failure')")
        try:
            fraction = float(row.success_fraction)
        except ValueError:
            problems.append(
                f"{where}, column success_fraction: {row.success_fraction!r} is not a number "
                "(expected 0 to 1)"
            )
            fraction = None
        if fraction is not None:
            if not 0.0 <= fraction <= 1.0:
                problems.append(f"{where}, column success_fraction: {fraction} is outside [0, 1]")
            elif row.outcome in OUTCOMES and (fraction >= SUCCESS_THRESHOLD) != (row.outcome == "success"):
                problems.append(
                    f"{where}, column outcome: {row.outcome!r} is inconsistent with "
                    f"success_fraction {fraction} (success means fraction >= {SUCCESS_THRESHOLD})"
                )
        try:
            moment = parse_time(row.time_utc)
        except ValueError as exc:
            problems.append(f"{where}, column time_utc: {exc}")
            continue
        if moment > now:
            problems.append(
                f"{where}, column time_utc: {row.time_utc} is in the future "
                "(only launches that happened belong in the history)"
            )
        if previous_time is not None and not not_before(previous_time, row.time_utc):
            problems.append(
                f"{where}, column time_utc: {row.time_utc} is earlier than the row above "
                f"({previous_time}); rows must be sorted by time"
            )
        previous_time = row.time_utc
    return problems


def _counter(keys: pd.Series) -> np.ndarray:
    """1-based running count of each key: the flight number of this launch within its group."""
    return keys.groupby(keys, sort=False).cumcount().to_numpy() + 1


@dataclass(frozen=True, eq=False)
class LaunchHistory:
    """Launches (sorted by time) joined with their vehicle's family and owning state.

    Columns added to ``launches``: ``family``, ``vehicle_state`` (owner of the
    vehicle: Naro-1 is KR's though its family is Angara), ``year`` (decimal),
    ``success`` (0/1), flight numbers ``vehicle_flight``, ``family_flight``,
    ``state_flight`` (1 = maiden), and ``previous_failed``
    (the vehicle's previous flight failed; 0 on a maiden flight).
    """

    launches: pd.DataFrame
    vehicles: pd.DataFrame
    state_names: dict[str, str]
    data_hash: str
    source_files: dict[str, str]
    #: Other names of states and vehicles ({kind: {alias: name}}, from names.csv).
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Operators (GCAT agency codes) by name, from GCAT's organisation table (orgs.csv).
    operator_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_frames(
        cls,
        launches: pd.DataFrame,
        vehicles: pd.DataFrame,
        state_names: dict[str, str] | None = None,
        data_hash: str = "",
        source_files: dict[str, str] | None = None,
        aliases: dict[str, dict[str, str]] | None = None,
        operator_names: dict[str, str] | None = None,
    ) -> LaunchHistory:
        launches = launches[list(LAUNCH_COLUMNS)].reset_index(drop=True).copy()
        vehicles = vehicles[list(VEHICLE_COLUMNS)].reset_index(drop=True).copy()
        by_vehicle = vehicles.set_index("vehicle")
        launches["family"] = launches["vehicle"].map(by_vehicle["family"])
        launches["vehicle_state"] = launches["vehicle"].map(by_vehicle["state"])
        launches["year"] = [decimal_year(parse_time(t)) for t in launches["time_utc"]]
        launches["success"] = (launches["outcome"] == "success").astype(np.int8)
        launches["success_fraction"] = launches["success_fraction"].astype(float)
        launches["vehicle_flight"] = _counter(launches["vehicle"])
        launches["family_flight"] = _counter(launches["family"])
        launches["state_flight"] = _counter(launches["vehicle_state"])
        previous = launches.groupby("vehicle", sort=False)["success"].shift(1)
        launches["previous_failed"] = (previous == 0).astype(np.int8)
        for frame in (launches, vehicles):
            for column in frame.columns:
                frame[column].to_numpy().flags.writeable = False
        if not data_hash:
            digest = hashlib.sha256(pd.util.hash_pandas_object(launches[list(LAUNCH_COLUMNS)]).to_numpy())
            data_hash = digest.hexdigest()
        return cls(
            launches,
            vehicles,
            dict(state_names or {}),
            data_hash,
            dict(source_files or {}),
            dict(aliases or {}),
            dict(operator_names or {}),
        )

    # --- derived views -------------------------------------------------------------------

    @cached_property
    def as_of(self) -> date:
        """Date of the last launch the history knows; forecasts are about what comes after."""
        if self.launches.empty:
            raise LaunchcastError("the launch history is empty")
        return parse_time(self.launches["time_utc"].iloc[-1]).date()

    @property
    def names(self) -> Names:
        return Names(self.state_names, self.aliases)

    def state_code(self, text: str) -> str:
        """A state's code from its code, name or alias ('North Korea' → KP), or a clear 404."""
        known = set(self.vehicles["state"])
        code = self.names.state_code(text, known)
        if code is None:
            raise unknown("state", text, self.names.state_choices(known))
        return code

    @property
    def n_launches(self) -> int:
        return len(self.launches)

    def before(self, cutoff: date) -> LaunchHistory:
        """Only launches strictly before ``cutoff`` (00:00 UTC): the past as it was then."""
        cutoff_year = decimal_year(datetime(cutoff.year, cutoff.month, cutoff.day, tzinfo=UTC))
        keep = self.launches["year"].to_numpy() < cutoff_year
        kept = self.launches.loc[keep, list(LAUNCH_COLUMNS)]
        flown = set(kept["vehicle"])
        return LaunchHistory.from_frames(
            kept,
            self.vehicles[self.vehicles["vehicle"].isin(flown)],
            self.state_names,
            "",
            aliases=self.aliases,
            operator_names=self.operator_names,
        )


def load_history(data_dir: Path, now: datetime | None = None) -> LaunchHistory:
    """Read and validate ``launches.csv`` + ``vehicles.csv``; raise listing every problem.

    The files are read as one committed set (``model.record.datadir``): a concurrent update
    is seen whole or not at all.
    """
    with datadir.reading(Path(data_dir)) as snapshot:
        return read_history(snapshot, now)


def read_history(snapshot: datadir.Snapshot, now: datetime | None = None) -> LaunchHistory:
    """``load_history`` of a set of files already held (a writer's new set, read back before its
    commit, goes through here too)."""
    launches_path, vehicles_path = snapshot.root / LAUNCHES_FILE, snapshot.root / VEHICLES_FILE
    launches = _read_csv(snapshot, LAUNCHES_FILE, LAUNCH_COLUMNS)
    vehicles = _read_csv(snapshot, VEHICLES_FILE, VEHICLE_COLUMNS)
    raw_states = snapshot.read_bytes(STATES_FILE) if snapshot.path(STATES_FILE).exists() else b""
    aliases = read_names(snapshot.read_bytes(NAMES_FILE)) if snapshot.path(NAMES_FILE).exists() else {}
    orgs_path = snapshot.path(ORGS_FILE)
    orgs = Operators(read_orgs_csv(orgs_path), {}) if orgs_path.exists() else None
    country_names = orgs.country_names() if orgs else {}
    problems = validate(launches, vehicles, launches_path, vehicles_path, now)
    if problems:
        raise DataValidationError(problems)
    state_names = dict(country_names)
    if raw_states:
        states = pd.read_csv(io.BytesIO(raw_states), dtype=str, keep_default_na=False)
        state_names.update(zip(states["state"], states["name"], strict=True))
    files = {LAUNCHES_FILE: launches.attrs["sha256"], VEHICLES_FILE: vehicles.attrs["sha256"]}
    data_hash = hashlib.sha256("".join(files.values()).encode()).hexdigest()
    codes = {operator_code(agency) for agency in launches["agency"]}
    operator_names = {code: orgs.orgs[code].name for code in codes if orgs and code in orgs.orgs}
    return LaunchHistory.from_frames(
        launches, vehicles, state_names, data_hash, files, aliases, operator_names
    )


def record_table(
    history: LaunchHistory,
    state: str | None = None,
    family: str | None = None,
    vehicle: str | None = None,
) -> pd.DataFrame:
    """Attempts, successes, failures, first and last launch, grouped one level below the filter.

    No filter → per state; ``state`` → per vehicle of that state (by owner); ``family``
    → per vehicle of that family; ``vehicle`` → that vehicle alone.
    """
    launches = history.launches
    if vehicle is not None:
        launches, by = launches[launches["vehicle"] == vehicle], "vehicle"
    elif family is not None:
        launches, by = launches[launches["family"] == family], "vehicle"
    elif state is not None:
        launches, by = launches[launches["vehicle_state"] == state], "vehicle"
    else:
        by = "vehicle_state"
    if launches.empty:
        raise LaunchcastError(
            "no launches match "
            + ", ".join(
                f"{k}={v!r}" for k, v in (("state", state), ("family", family), ("vehicle", vehicle)) if v
            )
        )
    grouped = launches.groupby(by, sort=False)
    table = pd.DataFrame(
        {
            "attempts": grouped.size(),
            "successes": grouped["success"].sum(),
            "first": grouped["time_utc"].first().str[:10],
            "last": grouped["time_utc"].last().str[:10],
        }
    )
    table["failures"] = table["attempts"] - table["successes"]
    table = table[["attempts", "successes", "failures", "first", "last"]].sort_values("first")
    table.index.name = "state" if by == "vehicle_state" else "vehicle"
    return table
