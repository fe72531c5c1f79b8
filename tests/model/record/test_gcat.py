from __future__ import annotations

from pathlib import Path

import pytest

from launchcast.model.errors import LaunchcastError
from launchcast.model.record import gcat
from launchcast.model.record.history import LAUNCH_COLUMNS, VEHICLE_COLUMNS
from launchcast.model.record.operators import Operators
from tests.conftest import DATA


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2023 Nov 21 1342", "2023-11-21T13:42Z"),
        ("1985 Nov  9 0825:27", "1985-11-09T08:25:27Z"),
        ("1985 Nov 06 1850:00", "1985-11-06T18:50:00Z"),
        ("1943 May 26 1630?", "1943-05-26T16:30Z"),
        ("1942 Oct 21", "1942-10-21"),
        ("1985 Dec", "1985-12"),
        ("1944 Jun 20?", "1944-06-20"),
        ("  1959 Jan  2 ", "1959-01-02"),
    ],
)
def test_date_parser_keeps_every_precision(text: str, iso: str) -> None:
    assert gcat.parse_gcat_date(text) == iso


@pytest.mark.parametrize("text", ["", "Nov 1985", "1985 Foo 12", "1985-11-12", "1985 Nov 12 25"])
def test_date_parser_rejects_garbage(text: str) -> None:
    with pytest.raises(LaunchcastError, match="unparsable GCAT date"):
        gcat.parse_gcat_date(text)


def test_reader_on_verbatim_upstream_sample(shared_data: Path) -> None:
    launches = gcat.read_launches(shared_data / "gcat-launch-upstream-sample.tsv")
    assert len(launches) == 14
    orbital = [x for x in launches if x.is_orbital]
    assert [x.launch_tag for x in orbital] == [
        "1985-105",
        "1985-106",
        "1985-107",
        "1985-108",
        "1985-109",
        "1985-110",
        "1985-111",
    ]
    molniya = orbital[0]
    assert molniya.time_utc == "1985-11-09T08:25:27Z"
    assert molniya.vehicle == "Molniya 8K78M" and molniya.variant == "2BL"
    assert molniya.agency == "UNKS" and molniya.site == "NIIP-53"
    month_only = next(x for x in launches if x.launch_tag == "1985-S162")
    assert month_only.time_utc == "1985-12" and not month_only.is_orbital


def test_reader_rejects_a_header_without_a_needed_column(tmp_path: Path) -> None:
    bad = tmp_path / "launch.tsv"
    bad.write_text("#Launch_Tag\tLaunch_JD\n1985-105\t2446378.85\n")
    with pytest.raises(LaunchcastError, match=r"header lacks the column\(s\) Launch_Date, LV_Type"):
        gcat.read_launches(bad)


def test_reader_rejects_wrong_field_count(tmp_path: Path, shared_data: Path) -> None:
    lines = (shared_data / "gcat-launch-upstream-sample.tsv").read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    lines[first] = "\t".join(lines[first].split("\t")[:20])
    bad = tmp_path / "launch.tsv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        LaunchcastError,
        match=rf"line {first + 1}: 20 tab-separated fields, expected 26 "
        r"\(the header names 28 columns, Apoflag and RangeFlag sharing a field\)",
    ):
        gcat.read_launches(bad)


def test_columns_are_found_by_header_name_when_gcat_adds_or_moves_one(
    tmp_path: Path, shared_data: Path
) -> None:
    """Before: fields were read by position, so a column GCAT added or moved misread every row
    (or stopped every update). Now: by header name; OrbPay dropped, a new column first."""
    source = shared_data / "gcat-launch-upstream-sample.tsv"
    expected = gcat.read_launches(source)
    out = []
    for line in source.read_text().splitlines():
        if line.startswith("#Launch_Tag"):
            names = line[1:].split("\t")
            names.remove("OrbPay")
            out.append("#NewColumn\t" + "\t".join(names))
        elif line.startswith("#") or not line.strip():
            out.append(line)
        else:
            fields = line.split("\t")
            del fields[17]  # OrbPay: the 18th field (Apogee and Range each hold their flag)
            out.append("x\t" + "\t".join(fields))
    moved = tmp_path / "launch.tsv"
    moved.write_text("\n".join(out) + "\n")
    assert gcat.read_launches(moved) == expected


def test_invalid_utf8_is_one_clear_error_naming_the_line(tmp_path: Path, shared_data: Path) -> None:
    """Before: a UnicodeDecodeError traceback. Now: the file, the line and what is wrong."""
    raw = (shared_data / "gcat-launch-upstream-sample.tsv").read_bytes().splitlines(keepends=True)
    raw[4] = raw[4][:10] + b"\xff\xfe" + raw[4][10:]
    bad = tmp_path / "launch.tsv"
    bad.write_bytes(b"".join(raw))
    with pytest.raises(LaunchcastError, match=r"launch.tsv, line 5: not UTF-8 text \(byte 11"):
        gcat.read_launches(bad)


def test_a_tag_on_two_rows_is_refused_naming_both_lines(tmp_path: Path, shared_data: Path) -> None:
    lines = (shared_data / "gcat-launch-orbital-1957-2023.tsv").read_text().splitlines()
    data = [i for i, line in enumerate(lines) if not line.startswith("#")]
    lines.append(lines[data[10]])
    bad = tmp_path / "launch.tsv"
    bad.write_text("\n".join(lines) + "\n")
    tag = lines[data[10]].split("\t")[0].strip()
    with pytest.raises(
        LaunchcastError, match=rf"tag '{tag}' is on line {data[10] + 1} and on line {len(lines)}"
    ):
        gcat.read_launches(bad)


def test_success_fraction_and_codes() -> None:
    def launch(code: str) -> gcat.GcatLaunch:
        return gcat.GcatLaunch("t", 0.0, "2000", "V", "", "A", "S", code, "")

    assert launch("OS").success_fraction == 1.0
    assert launch("OF").success_fraction == 0.0
    assert launch("OF40").success_fraction == 0.40
    assert launch("OS75").success_fraction == 0.75
    assert launch("OE").is_pad_explosion and launch("OE").is_orbital
    assert launch("DS").is_orbital and not launch("SU").is_orbital and not launch("MS").is_orbital


def test_import_reproduces_data_byte_for_byte(shared_data: Path) -> None:
    launches = gcat.read_launches(shared_data / "gcat-launch-orbital-1957-2023.tsv")
    families = gcat.read_vehicle_families(shared_data / "gcat-lv.tsv")
    operators = Operators.load(DATA).with_orgs(gcat.read_orgs(shared_data / "gcat-orgs.tsv"))
    dataset = gcat.build_dataset(launches, families, operators.state_of, "GCAT 2025-12")
    assert gcat.to_csv(dataset.launches, LAUNCH_COLUMNS) == (DATA / "launches.csv").read_text()
    assert gcat.to_csv(dataset.vehicles, VEHICLE_COLUMNS) == (DATA / "vehicles.csv").read_text()
    report = dataset.report
    assert report.source_rows == 6588
    assert report.kept == 6573 and report.pad_explosions == 15 and report.not_orbital == 0
    assert report.kept + report.pad_explosions + report.not_orbital == report.source_rows


def test_source_label_comes_from_updated_line(shared_data: Path) -> None:
    assert gcat.updated_stamp(shared_data / "gcat-lv.tsv") == "2025-12"
    assert gcat.updated_stamp(shared_data / "gcat-launch-orbital-1957-2023.tsv") is None


def test_unknown_agency_and_vehicle_are_named(shared_data: Path) -> None:
    launches = gcat.read_launches(shared_data / "gcat-launch-upstream-sample.tsv")
    with pytest.raises(LaunchcastError) as info:
        gcat.build_dataset(launches, {"Soyuz-U": "R-7"}, {"UNKS": "SU"}.get, "test")
    message = str(info.value)
    assert "vehicles missing from the lv.tsv table: Kosmos 11K65M, Molniya 8K78M" in message
    assert "places in a state: JSC (first launch 1985-" in message
    assert "add a reviewed row 'CODE,STATE,reason' to data/agencies.csv" in message


def test_orgs_table_is_gcats_and_overrides_are_few_and_explained(shared_data: Path) -> None:
    """data/orgs.csv is GCAT's orgs.tsv cut to what we use; agencies.csv holds only overrides,
    each differing from GCAT (or absent from it) and giving a reason."""
    orgs = {org.code: org for org in gcat.read_orgs(shared_data / "gcat-orgs.tsv")}
    assert Operators.load(DATA).orgs == orgs
    overrides = Operators.load(DATA).overrides
    assert 0 < len(overrides) <= 10
    for code, override in overrides.items():
        assert code not in orgs or orgs[code].state != override.state, code
        assert len(override.reason) > 30
    # Operators that first flew after 2023 are already placed by GCAT's table.
    operators = Operators.load(DATA)
    for code, state in {
        "ISAR": "D",
        "GILM": "AU",
        "SPONE": "J",
        "BLOR": "US",
        "DFK": "CN",
        "ZHSH/SAST": "CN",
    }.items():
        assert operators.state_of(code) == state
    assert operators.country_names()["AU"] == "Australia"


def test_vehicle_owner_comes_from_agencies_not_family(shared_data: Path) -> None:
    import csv

    with open(DATA / "vehicles.csv") as handle:
        vehicles = {row["vehicle"]: row for row in csv.DictReader(handle)}
    assert vehicles["Naro-1"]["family"] == "Angara" and vehicles["Naro-1"]["state"] == "KR"
    assert vehicles["Cheonlima-1"]["display_name"] == "Chollima-1"
    assert vehicles["Paektusan 1"]["display_name"] == "Paektusan-1 (Taepodong-1)"
    assert vehicles["Nuri"]["family"] == "KSLV2" and vehicles["Nuri"]["state"] == "KR"
