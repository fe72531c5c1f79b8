"""The schedule on disk, its revisions, and which vehicle each announced launch flies."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from launchcast.model.errors import ScheduleError
from launchcast.model.record.catalogue import Catalogue, vehicle_records
from launchcast.model.record.history import LaunchHistory
from launchcast.model.record.schedule import (
    REVISIONS_FILE,
    SCHEDULE_FILE,
    add,
    parse_ll2_page,
    place,
    read_rockets,
    read_schedule,
    take_in,
    user_entry,
)
from tests.conftest import DATA, SHARED_DATA

NOW = datetime(2026, 11, 30, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA, tmp_path / "data"))


@pytest.fixture(scope="module")
def catalogue(history: LaunchHistory) -> Catalogue:
    return Catalogue(vehicle_records(history), history.state_names, history.aliases, 2024.0)


def sample() -> bytes:
    path = SHARED_DATA / "ll2-upcoming-sample.json"
    if not path.exists():
        pytest.skip(f"Launch Library 2's sample page is not present at {path} (only CI has ../shared)")
    return path.read_bytes()


def test_a_page_in_ll2_layout_is_read_field_by_field() -> None:
    page = parse_ll2_page(sample(), "sample")
    assert page.count == 4 and page.next_url is None
    chollima = page.entries[0]
    assert chollima.rocket == "Chollima-1" and chollima.country == "KP" and chollima.status == "TBC"
    assert chollima.window_start == datetime(2026, 12, 3, 15, tzinfo=UTC)
    assert chollima.window_end - chollima.window_start == timedelta(days=7)
    assert page.entries[1].net_precision == "M" and page.entries[2].status == "Go"


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b'{"count": 1, "results": [{"id": "x"', "not JSON"),
        (b"<html>Maintenance</html>", "not JSON"),
        (b'{"detail": "Request was throttled."}', "no 'results' list"),
        (b'{"results": [{"id": "a", "name": "x"}]}', "results[0]: no net"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_a_malformed_page_is_refused_by_entry_and_field(body: bytes, said: str) -> None:
    with pytest.raises(ScheduleError, match="the schedule is unchanged") as caught:
        parse_ll2_page(body, "https://ll.example/upcoming/")
    assert said in str(caught.value)


def test_a_moved_net_is_a_revision_not_an_overwrite(data_dir: Path) -> None:
    entries = parse_ll2_page(sample(), "sample").entries
    first = take_in(data_dir, entries, NOW)
    # Falcon 9's window closed before NOW + grace? It is 2026-12-01: still upcoming on 30 Nov.
    assert first.new == 4 and first.revised == 0
    moved = replace(
        entries[0], net=entries[0].net + timedelta(days=3), window_start=entries[0].net + timedelta(days=3)
    )
    later = NOW + timedelta(hours=1)
    second = take_in(data_dir, [moved, *entries[1:]], later)
    assert (second.new, second.revised, second.kept) == (0, 1, 3)
    schedule = read_schedule(data_dir)
    history = schedule.history(entries[0].id)
    assert [r.entry.net for r in history] == [entries[0].net, moved.net]
    assert history[1].recorded_at == later
    assert {e.id: e for e in schedule.entries}[entries[0].id].net == moved.net
    assert schedule.checked_at == later
    # Gone from the list (flown or withdrawn): dropped from the schedule, kept in its history.
    third = take_in(data_dir, entries[1:], later)
    assert third.dropped == 1 and entries[0].id not in {e.id for e in read_schedule(data_dir).entries}
    assert len(read_schedule(data_dir).history(entries[0].id)) == 2


def test_duplicate_ids_and_flown_entries(data_dir: Path) -> None:
    entries = parse_ll2_page(sample(), "sample").entries
    before = (data_dir / "launches.csv").read_bytes()
    with pytest.raises(ScheduleError, match="appears twice"):
        take_in(data_dir, [entries[0], entries[0]], NOW)
    assert not (data_dir / SCHEDULE_FILE).exists() and (data_dir / "launches.csv").read_bytes() == before
    flown = replace(entries[2], status="Success")
    past = replace(entries[1], window_end=NOW - timedelta(days=3), window_start=NOW - timedelta(days=4))
    change = take_in(data_dir, [entries[0], flown, past], NOW)
    assert change.new == 1 and len(change.skipped) == 2
    assert "has flown" in change.skipped[0] and "window closed" in change.skipped[1]


def test_a_user_adds_a_window_with_its_source_and_revises_it(data_dir: Path) -> None:
    notice = user_entry(
        rocket="Chollima-1",
        net=datetime(2026, 12, 5, 15, tzinfo=UTC),
        window_end=datetime(2026, 12, 12, 15, tzinfo=UTC),
        source="Japan Coast Guard navigation warning (example)",
        now=NOW,
    )
    assert add(data_dir, [notice], NOW).new == 1
    assert add(data_dir, [notice], NOW).kept == 1  # the same again changes nothing
    moved = replace(notice, window_end=datetime(2026, 12, 14, tzinfo=UTC))
    assert add(data_dir, [moved], NOW).revised == 1
    assert (data_dir / REVISIONS_FILE).read_text().count("Japan Coast Guard") == 2
    with pytest.raises(ScheduleError, match="source"):
        add(data_dir, [replace(notice, id="x", source=" ")], NOW)
    with pytest.raises(ScheduleError, match="data add"):
        old = NOW - timedelta(days=5)
        add(data_dir, [replace(notice, id="y", net=old, window_start=old, window_end=old)], NOW)
    # An LL2 update keeps the user's entries.
    take_in(data_dir, parse_ll2_page(sample(), "sample").entries, NOW)
    assert notice.id in {e.id for e in read_schedule(data_dir).entries}


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
