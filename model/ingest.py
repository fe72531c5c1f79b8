"""Taking in new launches: a newer GCAT file, or one launch entered by hand.

Both paths merge into ``launches.csv``/``vehicles.csv`` by ``launch_tag``: new
launches are added in time order, changed ones corrected (GCAT revises records)
with every changed field reported, and rows the new file lacks are kept — an
update never loses a row.  The merged tables are validated as a whole before
anything is written; then ``vehicles.csv`` is replaced first and ``launches.csv``
second, each atomically, so a crash at any point leaves files that load.

A vehicle not yet in ``vehicles.csv`` (North Korea's 2024 kerosene-oxygen
rocket, say) does not block an update: its family comes from GCAT's ``lv.tsv``
when given, else from ``--family``/``--state`` on the command line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from model import gcat
from model.errors import DataValidationError, LaunchcastError
from model.history import (
    LAUNCHES_FILE,
    VEHICLES_FILE,
    not_before,
    parse_time,
    time_key,
    validate,
)
from model.storage import atomic_write_text

MANUAL_PREFIX = "manual-"


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    corrected: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    kept_not_in_source: int = 0
    duplicates: list[str] = field(default_factory=list)
    new_vehicles: list[str] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.corrected or self.new_vehicles)

    def summary(self) -> str:
        lines = [f"added {len(self.added)} launch(es), corrected {len(self.corrected)}, "
                 f"unchanged {self.unchanged}, kept {self.kept_not_in_source} not in the source, "
                 f"{len(self.new_vehicles)} new vehicle(s)"]  # fmt: skip
        lines += [f"  + {tag}" for tag in self.added[:20]]
        lines += [f"  ~ {tag}: {'; '.join(changes)}" for tag, changes in list(self.corrected.items())[:20]]
        lines += [f"  = duplicate, not added: {d}" for d in self.duplicates[:20]]
        lines += [f"  new vehicle {v}" for v in self.new_vehicles]
        lines += [f"  left out {n} {why}" for why, n in self.left_out.items() if n]
        return "\n".join(lines)


def _read(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    launches = pd.read_csv(data_dir / LAUNCHES_FILE, dtype=str, keep_default_na=False)
    vehicles = pd.read_csv(data_dir / VEHICLES_FILE, dtype=str, keep_default_na=False)
    return launches, vehicles


def _insert_in_time_order(rows: list[dict[str, str]], new: dict[str, str]) -> None:
    """Insert after the last row not later than ``new`` (existing order is kept as it is)."""
    index = len(rows)
    while index > 0 and not not_before(rows[index - 1]["time_utc"], new["time_utc"]):
        index -= 1
    rows.insert(index, new)


def merge(data_dir: Path, incoming: list[dict[str, str]], new_vehicles: list[dict[str, str]],
          report: IngestReport) -> IngestReport:  # fmt: skip
    """Merge launch rows into the data files (validated as a whole, written atomically)."""
    launches, vehicles = _read(data_dir)
    rows = launches.to_dict("records")
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
            _insert_in_time_order(rows, new)
            by_tag[tag] = new
            continue
        changes = [f"{k}: {old[k]!r} → {v!r}" for k, v in new.items()
                   if k != "source" and old.get(k) != v]  # fmt: skip
        if not changes:
            report.unchanged += 1
            continue
        report.corrected[tag] = changes
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
    merged_launches = pd.DataFrame(rows, columns=list(gcat.LAUNCH_COLUMNS))
    merged_vehicles = pd.concat([vehicles, pd.DataFrame(added_vehicles,
                                columns=list(gcat.VEHICLE_COLUMNS))], ignore_index=True)  # fmt: skip
    merged_vehicles = merged_vehicles.sort_values("vehicle", kind="stable").reset_index(drop=True)
    problems = validate(merged_launches, merged_vehicles, data_dir / LAUNCHES_FILE,
                        data_dir / VEHICLES_FILE)  # fmt: skip
    if problems:
        raise DataValidationError(problems)
    if report.changed:
        atomic_write_text(
            data_dir / VEHICLES_FILE, gcat.to_csv(merged_vehicles.to_dict("records"), gcat.VEHICLE_COLUMNS)
        )
        atomic_write_text(
            data_dir / LAUNCHES_FILE, gcat.to_csv(merged_launches.to_dict("records"), gcat.LAUNCH_COLUMNS)
        )
    return report


def ingest_gcat(data_dir: Path, launch_path: Path, lv_path: Path | None = None) -> IngestReport:
    """Merge a (newer, possibly full upstream) GCAT launch.tsv into the data."""
    data_dir = Path(data_dir)
    _, vehicles = _read(data_dir)
    families = dict(zip(vehicles["vehicle"], vehicles["family"], strict=True))
    if lv_path is not None:
        families = {**gcat.read_vehicle_families(lv_path), **families}
    launches = gcat.read_launches(launch_path)
    stamp = gcat.updated_stamp(launch_path) or (gcat.updated_stamp(lv_path) if lv_path else None)
    agencies = gcat.read_agency_states(data_dir / "agencies.csv")
    try:
        dataset = gcat.build_dataset(launches, families, agencies,
                                     f"GCAT {stamp}" if stamp else "GCAT")  # fmt: skip
    except LaunchcastError as exc:
        if "vehicles missing" not in str(exc):
            raise
        raise LaunchcastError(
            f"{exc}. A new vehicle needs its family: pass GCAT's lv.tsv with --lv, or add "
            "its first launch by hand with 'launchcast data add … --family F --state S'"
        ) from None
    report = IngestReport(left_out={"pad explosions": dataset.report.pad_explosions,
                                    "non-orbital rows": dataset.report.not_orbital})  # fmt: skip
    return merge(data_dir, dataset.launches, dataset.vehicles, report)


def add_launch(
    data_dir: Path, time_utc: str, vehicle: str, outcome: str, agency: str = "",
    site: str = "", tag: str | None = None, family: str | None = None,
    state: str | None = None, success_fraction: float | None = None,
) -> IngestReport:  # fmt: skip
    """Add one launch entered by hand (validated like every other row)."""
    data_dir = Path(data_dir)
    _, vehicles = _read(data_dir)
    if outcome not in ("success", "failure"):
        raise LaunchcastError(f"--outcome {outcome!r}: use 'success' or 'failure'")
    try:
        moment = parse_time(time_utc)
    except ValueError as exc:
        raise LaunchcastError(f"--time: {exc}") from None
    if moment > datetime.now(UTC):
        raise LaunchcastError(f"--time {time_utc} is in the future: only launches that happened")
    known = vehicles[vehicles["vehicle"] == vehicle]
    new_vehicles = []
    if known.empty:
        if not family or not state:
            raise LaunchcastError(
                f"vehicle {vehicle!r} is not in {VEHICLES_FILE}: give its --family and --state "
                "(e.g. --family Hwasong --state KP), or ingest a GCAT lv.tsv that has it"
            )
        new_vehicles.append({"vehicle": vehicle, "family": family, "state": state,
                             "display_name": vehicle, "first_flight": time_utc[:10]})  # fmt: skip
        launch_state = state
    else:
        launch_state = state or str(known.iloc[0]["state"])
    fraction = success_fraction if success_fraction is not None else (1.0 if outcome == "success" else 0.0)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", vehicle).strip("-")
    row = {
        "launch_tag": tag or f"{MANUAL_PREFIX}{time_utc[:10]}-{slug}",
        "time_utc": time_utc, "vehicle": vehicle, "variant": "", "agency": agency,
        "state": launch_state, "site": site, "outcome": outcome,
        "success_fraction": f"{fraction:.2f}", "fail_code": "", "source": "manual",
    }  # fmt: skip
    report = merge(data_dir, [row], new_vehicles, IngestReport())
    if report.duplicates:
        raise LaunchcastError("not added: " + "; ".join(report.duplicates))
    if not report.changed:
        raise LaunchcastError(f"not added: launch {row['launch_tag']} is already in the data, unchanged")
    return report
