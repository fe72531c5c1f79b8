from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from launchcast.model.errors import DataValidationError, LaunchcastError
from launchcast.model.record.history import load_history, record_table
from launchcast.model.record.ingest import add_launch, ingest_gcat
from tests.conftest import DATA, data_files
from tests.gcat_server import gcat_launch_row as gcat_row

HEADER = (
    "#Launch_Tag\tLaunch_JD\tLaunch_Date\tLV_Type\tVariant\tFlight_ID\tFlight\tMission\t"
    "FlightCode\tPlatform\tLaunch_Site\tLaunch_Pad\tAscent_Site\tAscent_Pad\tApogee\tApoflag\t"
    "Range\tRangeFlag\tDest\tOrbPay\tAgency\tLaunchCode\tFailCode\tGroup\tCategory\tLTCite\t"
    "Cite\tNotes\n# Updated 2025 Jun  1 0000:00\n"
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA, tmp_path / "data"))


def write_upstream(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(rows))
    return path


def test_ingest_adds_corrects_filters_and_keeps(data_dir: Path, tmp_path: Path) -> None:
    upstream = write_upstream(
        tmp_path / "launch.tsv",
        [
            # a revised old record: the 2023-08-23 Chollima-1 failure gets a fail code
            gcat_row("2023-F07", 2460179.67, "2023 Aug 23 1550", "Cheonlima-1", "NATA", "OF", "S3"),
            gcat_row("2024-F01", 2460458.15, "2024 May 27 1544", "Cheonlima-1", "NATA", "OF", "S1"),
            gcat_row("2024-S999", 2460460.00, "2024 May 29", "Hwasong-11", "KPA", "MS"),  # missile
            gcat_row("2024-E01", 2460470.00, "2024 Jun 8", "Nuri", "KARI", "OE", site="NARO"),
        ],
    )
    before = load_history(data_dir)
    report = ingest_gcat(data_dir, upstream)
    assert report.added == ["2024-F01"]
    assert list(report.corrected) == ["2023-F07"]
    assert any("fail_code" in change for change in report.corrected["2023-F07"])
    assert report.kept_not_in_source == before.n_launches - 1
    assert report.left_out == {"pad explosions": 1, "non-orbital rows": 1}
    after = load_history(data_dir)
    assert after.n_launches == before.n_launches + 1
    kp = record_table(after, state="KP")
    assert kp.loc["Cheonlima-1", "attempts"] == 4 and kp.loc["Cheonlima-1", "successes"] == 1
    last = after.launches.iloc[-1]
    assert last["launch_tag"] == "2024-F01" and last["source"] == "GCAT 2025-06"
    assert ingest_gcat(data_dir, upstream).changed is False  # idempotent


def test_new_vehicle_needs_lv_or_command_line(data_dir: Path, tmp_path: Path) -> None:
    upstream = write_upstream(
        tmp_path / "launch.tsv",
        [
            gcat_row("2024-F02", 2460458.15, "2024 May 27 1544", "Chollima-2", "NATA", "OF"),
        ],
    )
    before = (data_dir / "launches.csv").read_bytes()
    with pytest.raises(LaunchcastError, match="pass GCAT's lv.tsv with --lv.*--family F --state S"):
        ingest_gcat(data_dir, upstream)
    assert (data_dir / "launches.csv").read_bytes() == before
    lv = tmp_path / "lv.tsv"
    lv.write_text(
        "#LV_Name\tLV_Family\tLV_Manufacturer\tLV_Variant\tLV_Alias\tLV_Min_Stage\t"
        "LV_Max_Stage\tLength\tLFlag\tDiameter\tDFlag\tLaunch_Mass\tMFlag\tLEO_Capacity\t"
        "GTO_Capacity\tTO_Thrust\tClass\tApogee\tRange\n"
        "Chollima-2\tChollima      \tNATA\t-\t-\t  1\t2\t 25.0 \t \t 2.40 \t \t 100.0 \t \t"
        "   50 \t   0 \t 1000 \tO\t 2000 \t-\n"
    )
    report = ingest_gcat(data_dir, upstream, lv)
    assert report.new_vehicles == ["Chollima-2"]
    history = load_history(data_dir)
    assert history.vehicles.set_index("vehicle").loc["Chollima-2", "family"] == "Chollima"
    assert history.vehicles.set_index("vehicle").loc["Chollima-2", "state"] == "KP"


def test_unknown_agency_is_named(data_dir: Path, tmp_path: Path) -> None:
    upstream = write_upstream(
        tmp_path / "launch.tsv",
        [
            gcat_row("2024-F03", 2460458.15, "2024 May 27 1544", "Cheonlima-1", "NEWAG", "OF"),
        ],
    )
    before = data_files(data_dir)
    with pytest.raises(
        LaunchcastError, match=r"places in a state: NEWAG \(first launch 2024-F03 on 2024-05-27\)"
    ):
        ingest_gcat(data_dir, upstream)
    assert data_files(data_dir) == before


def test_add_by_hand(data_dir: Path) -> None:
    report = add_launch(data_dir, "2024-05-27T15:44Z", "Cheonlima-1", "failure", "NATA", "SOHAE")
    assert report.added == ["manual-2024-05-27-Cheonlima-1"]
    history = load_history(data_dir)
    assert history.launches.iloc[-1]["vehicle"] == "Cheonlima-1"
    with pytest.raises(LaunchcastError, match="already hold a KP launch at 2024-05-27T15:44Z"):
        add_launch(data_dir, "2024-05-27T15:44Z", "Cheonlima-1", "failure", "NATA", "SOHAE")


def test_hand_entry_is_replaced_by_the_catalogue_record(data_dir: Path, tmp_path: Path) -> None:
    add_launch(data_dir, "2024-05-27", "Cheonlima-1", "failure")
    upstream = write_upstream(
        tmp_path / "launch.tsv",
        [
            gcat_row("2024-F01", 2460458.15, "2024 May 27 1544", "Cheonlima-1", "NATA", "OF", "S1"),
        ],
    )
    report = ingest_gcat(data_dir, upstream)
    assert "replaces hand-entered manual-2024-05-27-Cheonlima-1" in report.corrected["2024-F01"][0]
    tags = list(load_history(data_dir).launches["launch_tag"])
    assert "2024-F01" in tags and "manual-2024-05-27-Cheonlima-1" not in tags


def test_add_new_vehicle_needs_family_and_state(data_dir: Path) -> None:
    with pytest.raises(LaunchcastError, match="give its --family and --state"):
        add_launch(data_dir, "2024-05-27", "Chollima-2", "failure")
    add_launch(data_dir, "2024-05-27", "Chollima-2", "failure", family="Chollima", state="KP")
    assert load_history(data_dir).vehicles.set_index("vehicle").loc["Chollima-2", "state"] == "KP"


@pytest.mark.parametrize(
    ("time", "outcome", "message"),
    [
        ("2099-01-01", "success", "in the future"),
        ("yesterday", "success", "not an ISO 8601 time"),
        ("2024-01-01", "maybe", "use 'success' or 'failure'"),
    ],
)
def test_add_rejects_bad_input_and_changes_nothing(
    data_dir: Path, time: str, outcome: str, message: str
) -> None:
    before = (data_dir / "launches.csv").read_bytes()
    with pytest.raises((LaunchcastError, DataValidationError), match=message):
        add_launch(data_dir, time, "Nuri", outcome)
    assert (data_dir / "launches.csv").read_bytes() == before


def test_correcting_over_a_tenth_of_the_record_needs_acceptance(
    data_dir: Path, tmp_path: Path, shared_data: Path
) -> None:
    """A catalogue that turns 1,000 of 6,573 successes into failures is refused as implausible
    (GCAT revises a few dozen at a time); an operator who checked it accepts it explicitly."""
    lines = (shared_data / "gcat-launch-orbital-1957-2023.tsv").read_text().splitlines(keepends=True)
    flipped = 0
    for i, line in enumerate(lines):
        fields = line.split("\t")
        if not line.startswith("#") and fields[19].strip() == "OS" and flipped < 1000:
            fields[19] = "OF"  # LaunchCode: the 20th field (Apogee and Range hold their flags)
            lines[i] = "\t".join(fields)
            flipped += 1
    source = tmp_path / "launch.tsv"
    source.write_text("".join(lines))
    before = data_files(data_dir)
    with pytest.raises(LaunchcastError, match=r"1,000 launches corrected, more than 657 \(10% of the 6,573"):
        ingest_gcat(data_dir, source)
    assert data_files(data_dir) == before
    report = ingest_gcat(data_dir, source, accept_large_change=True)
    assert len(report.corrected) == 1000
