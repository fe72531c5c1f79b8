from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from launchcast.model.errors import DataValidationError, LaunchcastError
from launchcast.model.record.history import LaunchHistory, load_history, parse_time, record_table
from tests.conftest import DATA


def test_counts_match_the_source(history: LaunchHistory) -> None:
    assert history.n_launches == 6573
    assert history.as_of == date(2023, 12, 30)
    kp = record_table(history, state="KP")
    assert kp["attempts"].sum() == 8 and kp["successes"].sum() == 3
    assert kp.loc["Cheonlima-1", "attempts"] == 3 and kp.loc["Cheonlima-1", "successes"] == 1
    kr = record_table(history, state="KR")
    assert kr["attempts"].sum() == 7 and kr["successes"].sum() == 4


def test_every_vehicle_has_a_row(history: LaunchHistory) -> None:
    assert set(history.launches["vehicle"]) <= set(history.vehicles["vehicle"])
    assert history.launches["family"].notna().all()
    assert history.launches["vehicle_state"].notna().all()


def test_experience_counters(history: LaunchHistory) -> None:
    chollima = history.launches[history.launches["vehicle"] == "Cheonlima-1"]
    assert list(chollima["vehicle_flight"]) == [1, 2, 3]
    assert list(chollima["previous_failed"]) == [0, 1, 1]
    assert list(chollima["success"]) == [0, 0, 1]
    kp = history.launches[history.launches["vehicle_state"] == "KP"]
    assert list(kp["state_flight"]) == list(range(1, 9))


def test_history_is_immutable(history: LaunchHistory) -> None:
    with pytest.raises(ValueError):
        history.launches["success"].to_numpy()[0] = 0


def test_before_cuts_strictly(history: LaunchHistory) -> None:
    past = history.before(date(2023, 1, 1))
    assert past.launches["time_utc"].max() < "2023"
    assert "Cheonlima-1" not in set(past.vehicles["vehicle"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2023-11-21T13:42Z", (2023, 11, 21, 13, 42)), ("1985-12", (1985, 12, 1, 0, 0))],
)
def test_parse_time(text: str, expected: tuple[int, ...]) -> None:
    moment = parse_time(text)
    assert (moment.year, moment.month, moment.day, moment.hour, moment.minute) == expected


def _corrupt_copy(tmp_path: Path, edits: dict[int, dict[str, str]]) -> Path:
    """Copy data/ and overwrite fields of launches.csv data rows (0-based row → column → value)."""
    import csv

    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    with open(target / "launches.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for i, change in edits.items():
        rows[i].update(change)
    with open(target / "launches.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return target


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            {1: {"launch_tag": "1957 ALP"}},
            "line 3, column launch_tag: duplicate '1957 ALP' (first on line 2)",
        ),
        ({5: {"vehicle": "Starship"}}, "line 7, column vehicle: unknown vehicle 'Starship'"),
        ({5: {"outcome": "partial"}}, "line 7, column outcome: 'partial' (expected 'success' or 'failure')"),
        ({5: {"success_fraction": "1.5"}}, "line 7, column success_fraction: 1.5 is outside [0, 1]"),
        (
            {5: {"success_fraction": "0.90"}},
            "line 7, column outcome: 'failure' is inconsistent with success_fraction 0.9",
        ),
        (
            {5: {"time_utc": "next tuesday"}},
            "line 7, column time_utc: 'next tuesday' is not an ISO 8601 time",
        ),
        ({6573 - 1: {"time_utc": "2099-01-01"}}, "column time_utc: 2099-01-01 is in the future"),
        (
            {5: {"time_utc": "1957-10-01"}},
            "line 7, column time_utc: 1957-10-01 is earlier than the row above",
        ),
    ],
)
def test_each_validation_error_is_named(
    tmp_path: Path, edit: dict[int, dict[str, str]], message: str
) -> None:
    data_dir = _corrupt_copy(tmp_path, edit)
    with pytest.raises(DataValidationError) as info:
        load_history(data_dir)
    assert message in str(info.value)
    assert str(data_dir / "launches.csv") in str(info.value)


def test_every_problem_is_listed_not_just_the_first(tmp_path: Path) -> None:
    data_dir = _corrupt_copy(
        tmp_path, {3: {"outcome": "meh"}, 10: {"vehicle": "Nope"}, 20: {"success_fraction": "x"}}
    )
    with pytest.raises(DataValidationError) as info:
        load_history(data_dir)
    assert len(info.value.problems) == 3


def test_date_only_rows_among_timed_rows_are_in_order(tmp_path: Path) -> None:
    data_dir = _corrupt_copy(tmp_path, {})
    # 1959-01-02 is date-only in the data and sits among minute-precision rows.
    assert load_history(data_dir).n_launches == 6573


def test_missing_file_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(LaunchcastError, match="launchcast data import-gcat"):
        load_history(tmp_path)


def test_missing_column_is_named(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "d")
    text = (tmp_path / "d" / "vehicles.csv").read_text().replace("family,", "famly,", 1)
    (tmp_path / "d" / "vehicles.csv").write_text(text)
    with pytest.raises(DataValidationError, match="missing column"):
        load_history(tmp_path / "d")
