"""The foreign-help table: parsed, validated, cited, and applied to the right launches."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from launchcast.model.errors import DataValidationError, LaunchcastError
from launchcast.model.record.assistance import CONFIDENCE, Assistance, counted
from launchcast.model.record.history import LaunchHistory
from tests.conftest import REPO

HEADER = "vehicle,family,recipient,helper,given,confidence,from,source,source_date\n"


def test_the_shipped_table_is_the_repository_table() -> None:
    assert Assistance.shipped() == Assistance.read((REPO / "data" / "assistance.csv").read_bytes())


def test_every_row_names_a_flown_vehicle_or_family_and_cites_a_source(history: LaunchHistory) -> None:
    table = Assistance.shipped()
    vehicles, families = set(history.launches["vehicle"]), set(history.launches["family"])
    for row in table.rows:
        assert (row.vehicle in vehicles) if row.vehicle else (row.family in families), row
        assert row.source and row.source_date[:4].isdigit()
    evidence = table.evidence(history.launches)
    assert (evidence["launches"] > 0).all()  # no row is dead weight
    owners = history.launches.groupby("vehicle")["vehicle_state"].first()
    for row in table.rows:
        if row.vehicle:
            assert owners[row.vehicle] == row.recipient, row  # helped state is the vehicle's owner


def test_levels_nest(history: LaunchHistory) -> None:
    assert counted("none") == () and counted("alleged") == CONFIDENCE
    launches = [Assistance.shipped().at(level).assisted(history.launches).sum() for level in CONFIDENCE]
    assert 0 < launches[0] < launches[1] < launches[2]
    with pytest.raises(LaunchcastError, match="assistance level 'rumoured'"):
        counted("rumoured")


def test_help_from_a_date_counts_from_that_date_only(history: LaunchHistory) -> None:
    """Chollima-1: alleged Russian help after the Vostochny summit, not before."""
    launches = history.launches
    chollima = launches[launches["vehicle"] == "Cheonlima-1"]
    flags = Assistance.shipped().at("alleged").assisted(chollima)
    assert list(flags) == [0.0] * (len(chollima) - 1) + [1.0]
    assert chollima["time_utc"].iloc[-1] > "2023-09-13" > chollima["time_utc"].iloc[-2]
    assert Assistance.shipped().at("reported").assisted(chollima).sum() == 0


def test_a_family_row_covers_every_vehicle_of_the_family() -> None:
    table = Assistance.read((HEADER + ",Fam,S,X,licensed engine,documented,,a book,2010\n").encode())
    launches = pd.DataFrame(
        {
            "vehicle": ["A", "B", "C"],
            "family": ["Fam", "Fam", "Other"],
            "year": [2000.0, 2001.0, 2002.0],
            "success": [1, 0, 1],
        }
    )
    assert list(table.assisted(launches)) == [1.0, 1.0, 0.0]
    assert table.evidence(launches)[["launches", "failures"]].values.tolist() == [[2, 1]]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("V,,S,X,licensed design,rumoured,,a book,2010", r"row 2, confidence: 'rumoured' is not one of"),
        (
            "V,Fam,S,X,licensed design,documented,,a book,2010",
            "row 2: give exactly one of vehicle and family",
        ),
        ("V,,S,X,gifts,documented,,a book,2010", "row 2, given: 'gifts'"),
        ("V,,S,X,engineers,documented,13/09/2023,a book,2010", r"row 2, from: '13/09/2023' is not a date"),
        ("V,,S,X,engineers,documented,,,", "row 2: every row needs a source"),
    ],
)
def test_bad_rows_are_refused_with_file_row_and_field(row: str, message: str) -> None:
    with pytest.raises(DataValidationError) as caught:
        Assistance.read((HEADER + row + "\n").encode())
    assert re.search(message, caught.value.problems[0])
    assert caught.value.problems[0].startswith("assistance.csv row 2")


def test_a_missing_column_is_named() -> None:
    with pytest.raises(DataValidationError, match="missing column"):
        Assistance.read(b"vehicle,family\nV,\n")
