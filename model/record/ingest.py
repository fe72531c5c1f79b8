"""Taking in new launches: a newer GCAT file, or one launch entered by hand.

Both paths merge into ``launches.csv``/``vehicles.csv`` by ``launch_tag``: new
launches are added in time order, changed ones corrected (GCAT revises records)
with every changed field reported, and rows the new file lacks are kept — an
update never loses a row.  The merged tables are validated as a whole before
anything is written, and every change is one transaction of ``model.record.datadir``:
one writer at a time (concurrent writers never lose each other's rows) and all
files replaced together (a crash or a full disk leaves the old set whole).

A vehicle not yet in ``vehicles.csv`` (North Korea's 2024 kerosene-oxygen
rocket, say) does not block an update: its family comes from GCAT's ``lv.tsv``
when given, else from ``--family``/``--state`` on the command line.  A new
operator is placed in its state by GCAT's organisation table (``model.record.operators``).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from launchcast.model.defaults import YEARS
from launchcast.model.errors import DataValidationError, ImplausibleChange, LaunchcastError
from launchcast.model.record import datadir, gcat
from launchcast.model.record.history import (
    LAUNCH_COLUMNS,
    LAUNCHES_FILE,
    VEHICLE_COLUMNS,
    VEHICLES_FILE,
    not_before,
    parse_time,
    read_history,
    time_key,
    validate,
)
from launchcast.model.record.operators import (
    ORGS_FILE,
    OVERRIDES_FILE,
    Operators,
    read_orgs_csv,
    read_overrides,
)
from launchcast.model.record.text import LIMITS, checked

MANUAL_PREFIX = "manual-"


#: An update may correct at most this share of the launches already in the data (and at least
#: ``MIN_CORRECTIONS_ALLOWED``) before it is refused as implausible (GCAT revises records a few
#: dozen at a time; a re-keyed or fabricated file changes thousands).
MAX_CORRECTED_SHARE = 0.10
MIN_CORRECTIONS_ALLOWED = 50

#: A downloaded launch list may lack this share of the catalogue rows the data already
#: holds (GCAT renumbers the odd failure tag) before it is refused as truncated.
MAX_MISSING_SHARE = 0.01


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    corrected: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    kept_not_in_source: int = 0
    duplicates: list[str] = field(default_factory=list)
    new_vehicles: list[str] = field(default_factory=list)
    #: Operators flying for the first time in the data, as "CODE → STATE".
    new_operators: list[str] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    as_of: str = ""
    #: Launches whose state changed, as "N launch(es) of OPERATOR: A → B" (needs acceptance).
    states_moved: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.corrected or self.new_vehicles)

    def summary(self) -> str:
        lines = [
            f"added {len(self.added)} launch(es), corrected {len(self.corrected)}, "
            f"unchanged {self.unchanged}, kept {self.kept_not_in_source} not in the source, "
            f"{len(self.new_vehicles)} new vehicle(s), {len(self.new_operators)} new operator(s)"
            + (f"; data now end {self.as_of}" if self.as_of else "")
        ]
        lines += [f"  + {tag}" for tag in self.added[:20]]
        if len(self.added) > 20:
            lines.append(f"  + … and {len(self.added) - 20} more")
        lines += [f"  ~ {tag}: {'; '.join(changes)}" for tag, changes in list(self.corrected.items())[:20]]
        if len(self.corrected) > 20:
            lines.append(f"  ~ … and {len(self.corrected) - 20} more")
        lines += [f"  = duplicate, not added: {d}" for d in self.duplicates[:20]]
        lines += [f"  new vehicle {v}" for v in self.new_vehicles]
        lines += [f"  new operator {o}" for o in self.new_operators]
        lines += [f"  left out {n} {why}" for why, n in self.left_out.items() if n]
        lines += [f"  state moved: {m}" for m in self.states_moved]
        return "\n".join(lines)


def _tables(snapshot: datadir.Snapshot) -> tuple[pd.DataFrame, pd.DataFrame]:
    def read(name: str) -> pd.DataFrame:
        if not snapshot.path(name).exists():
            raise LaunchcastError(
                f"{snapshot.root / name} not found: build the data with 'launchcast data import-gcat'"
            )
        return pd.read_csv(io.BytesIO(snapshot.read_bytes(name)), dtype=str, keep_default_na=False)

    return read(LAUNCHES_FILE), read(VEHICLES_FILE)


def _operators(snapshot: datadir.Snapshot) -> Operators:
    return Operators(read_orgs_csv(snapshot.path(ORGS_FILE)), read_overrides(snapshot.path(OVERRIDES_FILE)))


def _insert_in_time_order(rows: list[dict[str, str]], new: dict[str, str]) -> None:
    """Insert after the last row not later than ``new`` (existing order is kept as it is)."""
    index = len(rows)
    while index > 0 and not not_before(rows[index - 1]["time_utc"], new["time_utc"]):
        index -= 1
    rows.insert(index, new)


def merge(
    tx: datadir.Transaction,
    tables: tuple[pd.DataFrame, pd.DataFrame],
    incoming: list[dict[str, str]],
    new_vehicles: list[dict[str, str]],
    report: IngestReport,
    extra_files: dict[str, bytes] | None = None,
    accept_large_change: bool = False,
) -> IngestReport:
    """Merge launch rows into ``tables`` (the transaction's launches and vehicles, read once by
    the caller), check the change is plausible (``check_plausible``, unless accepted),
    validate the whole, and commit it with ``extra_files``."""
    launches, vehicles = tables
    rows = launches.to_dict("records")
    moved: Counter[tuple[str, str, str]] = Counter()
    known_operators = {gcat.operator_code(a) for a in launches["agency"]}
    by_tag = {row["launch_tag"]: row for row in rows}
    by_vehicle_day = {(r["vehicle"], r["time_utc"][:10]): r for r in rows}
    seen_tags = set()
    for new in sorted(incoming, key=lambda r: time_key(r["time_utc"])):
        tag = new["launch_tag"]
        seen_tags.add(tag)
        old = by_tag.get(tag)
        if old is None:
            twin = by_vehicle_day.get((new["vehicle"], new["time_utc"][:10]))
            if (
                twin is not None
                and twin["launch_tag"].startswith(MANUAL_PREFIX)
                and not tag.startswith(MANUAL_PREFIX)
            ):
                # The catalogue now has a launch entered by hand: its record replaces ours.
                rows.remove(twin)
                del by_tag[twin["launch_tag"]]
                report.corrected[tag] = [f"replaces hand-entered {twin['launch_tag']}"]
            elif twin is not None:
                report.duplicates.append(
                    f"{tag} ({new['vehicle']} on {new['time_utc'][:10]}) looks like "
                    f"{twin['launch_tag']} already in the data"
                )
                continue
            else:
                report.added.append(tag)
            code = gcat.operator_code(new["agency"])
            if code and code not in known_operators:
                known_operators.add(code)
                report.new_operators.append(f"{code} → {new['state']}")
            _insert_in_time_order(rows, new)
            by_tag[tag] = new
            continue
        changes = [f"{k}: {old[k]!r} → {v!r}" for k, v in new.items() if k != "source" and old.get(k) != v]
        if not changes:
            report.unchanged += 1
            continue
        report.corrected[tag] = changes
        if old.get("state") != new["state"]:
            moved[(gcat.operator_code(new["agency"]) or "?", old.get("state", ""), new["state"])] += 1
        position = rows.index(old)
        rows.pop(position)
        if new["time_utc"] == old["time_utc"]:
            rows.insert(position, new)
        else:
            _insert_in_time_order(rows, new)
        by_tag[tag] = new
    report.kept_not_in_source = sum(1 for r in rows if r["launch_tag"] not in seen_tags)

    known = set(vehicles["vehicle"])
    added_vehicles = [v for v in new_vehicles if v["vehicle"] not in known]
    report.new_vehicles = [v["vehicle"] for v in added_vehicles]
    merged_launches = pd.DataFrame(rows, columns=list(LAUNCH_COLUMNS))
    merged_vehicles = pd.concat(
        [vehicles, pd.DataFrame(added_vehicles, columns=list(VEHICLE_COLUMNS))], ignore_index=True
    )
    merged_vehicles = merged_vehicles.sort_values("vehicle", kind="stable").reset_index(drop=True)
    report.states_moved = [
        f"{n} launch(es) of {code}: {a} → {b}" for (code, a, b), n in sorted(moved.items())
    ]
    if not accept_large_change:
        check_plausible(launches, merged_launches, report)
    problems = validate(merged_launches, merged_vehicles, tx.root / LAUNCHES_FILE, tx.root / VEHICLES_FILE)
    if problems:
        raise DataValidationError(problems)
    if len(merged_launches):
        report.as_of = merged_launches["time_utc"].iloc[-1][:10]
    files = dict(extra_files or {})
    if report.changed:
        files[VEHICLES_FILE] = gcat.to_csv(merged_vehicles.to_dict("records"), VEHICLE_COLUMNS).encode()
        files[LAUNCHES_FILE] = gcat.to_csv(merged_launches.to_dict("records"), LAUNCH_COLUMNS).encode()
    tx.commit(files, check=read_history)
    return report


def busiest_year(launches: pd.DataFrame) -> int:
    """Launches in the busiest calendar year of the record (0 for an empty one)."""
    if launches.empty:
        return 0
    return int(launches["time_utc"].str[:4].value_counts().max())


def year_limit(launches: pd.DataFrame) -> int:
    """The most launches a year may hold after an update (``gcat.PLAUSIBLE_GROWTH`` × the busiest)."""
    return max(10, int(gcat.PLAUSIBLE_GROWTH * busiest_year(launches)))


def check_plausible(before: pd.DataFrame, after: pd.DataFrame, report: IngestReport) -> None:
    """Refuse a change larger than the record plausibly changes in one update (``ImplausibleChange``).

    Three bounds, each named in the refusal: a year with more than ``gcat.PLAUSIBLE_GROWTH``
    times the busiest year's launches; corrections to more than ``MAX_CORRECTED_SHARE`` of the
    launches; and any launch moved to another state (an operator placed elsewhere by a new
    organisation table, or a changed agency), which is reported launch by launch.
    """
    problems = []
    limit = year_limit(before)
    counts = after["time_utc"].str[:4].value_counts()
    over = counts[counts > limit]
    if len(over):
        years = ", ".join(f"{year} ({n:,})" for year, n in sorted(over.items())[:5])
        problems.append(
            f"years with more than {limit:,} launches ({gcat.PLAUSIBLE_GROWTH:g}× the busiest "
            f"year in the data, {busiest_year(before):,}): {years}"
        )
    allowed = max(MIN_CORRECTIONS_ALLOWED, int(MAX_CORRECTED_SHARE * len(before)))
    if len(report.corrected) > allowed:
        problems.append(
            f"{len(report.corrected):,} launches corrected, more than {allowed:,} "
            f"({MAX_CORRECTED_SHARE:.0%} of the {len(before):,} in the data)"
        )
    if report.states_moved:
        problems.append("launches moved to another state: " + "; ".join(report.states_moved[:10]))
    if problems:
        raise ImplausibleChange(
            "refused as implausible, nothing was changed: " + "; ".join(problems) + ". If you have checked "
            "the source and the change is real, run again with --accept-large-change"
        )


def _gcat_dataset(
    tx: datadir.Transaction,
    launch_path: Path,
    lv_path: Path | None,
    orgs_path: Path | None,
    families: dict[str, str],
    source: str | None = None,
    max_per_year: int | None = None,
) -> tuple[gcat.Dataset, dict[str, bytes]]:
    """Read GCAT files into canonical rows, placing operators; the new org table to commit, if any."""
    if lv_path is not None:
        families = {**gcat.read_vehicle_families(lv_path), **families}
    launches = gcat.read_launches(launch_path, max_per_year)
    operators, extra = _operators(tx), {}
    if orgs_path is not None:
        operators = operators.with_orgs(gcat.read_orgs(orgs_path))
        table = operators.orgs_csv().encode()
        if table != tx.read_bytes(ORGS_FILE):
            extra[ORGS_FILE] = table
    stamp = gcat.updated_stamp(launch_path) or (gcat.updated_stamp(lv_path) if lv_path else None)
    label = source or (f"GCAT {stamp}" if stamp else "GCAT")
    try:
        dataset = gcat.build_dataset(launches, families, operators.state_of, label)
    except LaunchcastError as exc:
        if "vehicles missing" not in str(exc):
            raise
        raise LaunchcastError(
            f"{exc}. A new vehicle needs its family: pass GCAT's lv.tsv with --lv, or add "
            "its first launch by hand with 'launchcast data add … --family F --state S'"
        ) from None
    return dataset, extra


def ingest_gcat(
    data_dir: Path,
    launch_path: Path,
    lv_path: Path | None = None,
    orgs_path: Path | None = None,
    *,
    require_complete: bool = False,
    extra_files: dict[str, bytes] | None = None,
    accept_large_change: bool = False,
) -> IngestReport:
    """Merge a (newer, possibly full upstream) GCAT launch.tsv into the data.

    ``require_complete`` (``data update``: the full upstream list) refuses a file that
    lacks more than ``MAX_MISSING_SHARE`` of the catalogue rows the data already holds:
    a truncated download must not pass for a catalogue.  ``extra_files`` are committed
    with the merge (``upstream.json``).  A change over the plausibility bounds
    (``check_plausible``) is refused unless ``accept_large_change``.
    """
    with datadir.writing(Path(data_dir)) as tx:
        launches, vehicles = tables = _tables(tx)
        families = dict(zip(vehicles["vehicle"], vehicles["family"], strict=True))
        limit = None if accept_large_change else year_limit(launches)
        dataset, orgs_file = _gcat_dataset(tx, launch_path, lv_path, orgs_path, families, max_per_year=limit)
        report = IngestReport(
            left_out={
                "pad explosions": dataset.report.pad_explosions,
                "non-orbital rows": dataset.report.not_orbital,
            }
        )
        if require_complete:
            _require_complete(launches, dataset, launch_path)
        return merge(
            tx,
            tables,
            dataset.launches,
            dataset.vehicles,
            report,
            {**orgs_file, **(extra_files or {})},
            accept_large_change,
        )


def _require_complete(launches: pd.DataFrame, dataset: gcat.Dataset, launch_path: Path) -> None:
    catalogued = launches[launches["source"].str.startswith("GCAT")]["launch_tag"]
    incoming = {row["launch_tag"] for row in dataset.launches}
    missing = int((~catalogued.isin(incoming)).sum())
    if missing > MAX_MISSING_SHARE * max(1, len(catalogued)):
        raise LaunchcastError(
            f"{launch_path.name} lacks {missing} of the {len(catalogued)} catalogue launches already "
            "in the data: a truncated or partial file, not GCAT's full launch list; nothing was changed"
        )


def rebuild(
    data_dir: Path,
    launch_path: Path,
    lv_path: Path | None = None,
    orgs_path: Path | None = None,
    source: str | None = None,
) -> gcat.Dataset:
    """Rebuild launches.csv and vehicles.csv from GCAT files (reproducible, byte-identical)."""
    data_dir = Path(data_dir)
    with datadir.writing(data_dir) as tx:
        if lv_path is not None:
            families: dict[str, str] = {}
        elif tx.path(VEHICLES_FILE).exists():
            _, vehicles = _tables(tx)
            families = dict(zip(vehicles["vehicle"], vehicles["family"], strict=True))
        else:
            raise LaunchcastError(f"no {data_dir / VEHICLES_FILE} yet: pass GCAT's lv.tsv with --lv")
        dataset, orgs_file = _gcat_dataset(tx, launch_path, lv_path, orgs_path, families, source)
        tx.commit(
            {
                **orgs_file,
                LAUNCHES_FILE: gcat.to_csv(dataset.launches, LAUNCH_COLUMNS).encode(),
                VEHICLES_FILE: gcat.to_csv(dataset.vehicles, VEHICLE_COLUMNS).encode(),
            },
            check=read_history,
        )
        return dataset


#: Hours within which a hand-added launch of the same state is taken for one the data already has.
SAME_LAUNCH_HOURS = 12


def _refuse_same_launch(launches: pd.DataFrame, state: str, moment: datetime, vehicle: str) -> None:
    for row in launches[launches["state"] == state].itertuples(index=False):
        try:
            other = parse_time(str(row.time_utc))
        except ValueError:
            continue
        if abs((other - moment).total_seconds()) <= SAME_LAUNCH_HOURS * 3600:
            raise LaunchcastError(
                f"not added: the data already hold a {state} launch at {row.time_utc} ({row.vehicle}, tag "
                f"{row.launch_tag}, {row.outcome}) — the same launch? If {vehicle} flew another launch "
                "that day, add it with --another-launch"
            )


def add_launch(
    data_dir: Path,
    time_utc: str,
    vehicle: str,
    outcome: str,
    agency: str = "",
    site: str = "",
    tag: str | None = None,
    family: str | None = None,
    state: str | None = None,
    success_fraction: float | None = None,
    another_launch: bool = False,
) -> IngestReport:
    """Add one launch entered by hand (validated like every other row).

    A launch of the same state within ``SAME_LAUNCH_HOURS`` of one the data holds is most likely
    that launch under another name (Chollima-1 and "Chollima-2" on 2024-05-27), so it is refused,
    naming the row; ``another_launch`` adds it all the same (two launches the same day)."""
    if outcome not in ("success", "failure"):
        raise LaunchcastError(f"--outcome {outcome[:40]!r}: use 'success' or 'failure'")
    limit = LIMITS["code"]
    vehicle = checked(vehicle, "--vehicle", limit)
    agency, site = checked(agency, "--agency", limit), checked(site, "--site", limit)
    tag = checked(tag, "--tag", limit) if tag is not None else None
    family = checked(family, "--family", limit) if family is not None else None
    state = checked(state, "--state", limit) if state is not None else None
    try:
        moment = parse_time(time_utc)
    except ValueError as exc:
        raise LaunchcastError(f"--time: {exc}") from None
    if moment > datetime.now(UTC):
        raise LaunchcastError(f"--time {time_utc} is in the future: only launches that happened")
    if moment.year < YEARS[0]:
        raise LaunchcastError(f"--time {time_utc} is before {YEARS[0]}, the first orbital launch's year")
    with datadir.writing(Path(data_dir)) as tx:
        tables = _tables(tx)
        vehicles = tables[1]
        known = vehicles[vehicles["vehicle"] == vehicle]
        new_vehicles = []
        if known.empty:
            if not family or not state:
                raise LaunchcastError(
                    f"vehicle {vehicle!r} is not in {VEHICLES_FILE}: give its --family and --state "
                    "(e.g. --family Hwasong --state KP), or ingest a GCAT lv.tsv that has it"
                )
            new_vehicles.append(
                {
                    "vehicle": vehicle,
                    "family": family,
                    "state": state,
                    "display_name": vehicle,
                    "first_flight": time_utc[:10],
                }
            )
            launch_state = state
        else:
            launch_state = state or str(known.iloc[0]["state"])
        if not another_launch:
            _refuse_same_launch(tables[0], launch_state, moment, vehicle)
        fraction = success_fraction if success_fraction is not None else float(outcome == "success")
        slug = re.sub(r"[^A-Za-z0-9]+", "-", vehicle).strip("-")
        row = {
            "launch_tag": tag or f"{MANUAL_PREFIX}{time_utc[:10]}-{slug}",
            "time_utc": time_utc,
            "vehicle": vehicle,
            "variant": "",
            "agency": agency,
            "state": launch_state,
            "site": site,
            "outcome": outcome,
            "success_fraction": f"{fraction:.2f}",
            "fail_code": "",
            "source": "manual",
        }
        report = merge(tx, tables, [row], new_vehicles, IngestReport())
    if report.duplicates:
        raise LaunchcastError("not added: " + "; ".join(report.duplicates))
    if not report.changed:
        raise LaunchcastError(f"not added: launch {row['launch_tag']} is already in the data, unchanged")
    return report
