"""Which vehicle an announced launch flies: reviewed names, the catalogue's, never a guess."""

from __future__ import annotations

from dataclasses import replace

import pytest

from launchcast.model.errors import ScheduleError
from launchcast.model.record.catalogue import Catalogue, vehicle_records
from launchcast.model.record.history import LaunchHistory
from launchcast.model.record.ll2 import parse_ll2_page
from launchcast.model.record.rockets import place, read_rockets
from tests.model.record.test_schedule import sample


@pytest.fixture(scope="module")
def catalogue(history: LaunchHistory) -> Catalogue:
    return Catalogue(vehicle_records(history), history.state_names, history.aliases, 2024.0)


def test_rockets_are_placed_by_reviewed_names_and_never_guessed(catalogue: Catalogue) -> None:
    entries = {e.rocket: e for e in parse_ll2_page(sample(), "sample").entries}
    chollima = place(catalogue, entries["Chollima-1"])
    assert chollima.vehicle == "Cheonlima-1" and chollima.state == "KP" and "KCNA" in chollima.how
    assert place(catalogue, entries["Nuri"]).vehicle == "Nuri"
    assert place(catalogue, entries["Falcon 9"]).vehicle == "Falcon 9"
    australia = place(catalogue, entries["Example-1"])
    assert australia.new_vehicle and australia.vehicle is None and australia.mapped
    long_march = replace(entries["Falcon 9"], rocket="Long March 7A", country="CN")
    assert place(catalogue, long_march).vehicle == "Chang Zheng 7A"
    # A name close to a North Korean vehicle but not one: kept, reported, not forecast.
    cousin = place(catalogue, replace(entries["Chollima-1"], rocket="Chollima-2"))
    assert not cousin.mapped and "Chollima-1" in cousin.suggestions and "rockets.csv" in cousin.how
    # A pad's country as LL2 gives it (ISO alpha-2): Japan is GCAT's J, Baikonur's launches Russia's.
    h3 = place(catalogue, replace(entries["Nuri"], rocket="H3", country="JP"))
    assert h3.state == "J" and not h3.mapped and h3.suggestions == ("H3-22S",)
    soyuz = place(catalogue, replace(entries["Nuri"], rocket="Soyuz 2.1b", country="KZ"))
    assert soyuz.vehicle == "Soyuz-2-1B" and soyuz.state == "RU"
    # An unknown country is no licence to guess either: a close name stays unmapped.
    variant = place(catalogue, replace(entries["Falcon 9"], rocket="Falcon 9 Block 7", country="XX"))
    assert not variant.mapped and "Falcon 9" in variant.suggestions
    # A rocket of no close name in a state that launches: a new vehicle of that state.
    new = place(catalogue, replace(entries["Nuri"], rocket="Hanbit-Nano", country="KR"))
    assert new.new_vehicle and new.state == "KR"


def test_a_rocket_mapped_to_two_vehicles_is_refused_naming_both_lines() -> None:
    raw = b"rocket,vehicle,source\nNuri,Nuri,KARI\nnuri,Naro-1,typo\n"
    with pytest.raises(ScheduleError, match="lines 2 and 3.*two vehicles"):
        read_rockets(raw)
    with pytest.raises(ScheduleError, match="line 2: give rocket and source"):
        read_rockets(b"rocket,vehicle,source\nNuri,Nuri,\n")
