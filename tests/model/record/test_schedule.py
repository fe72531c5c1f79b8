"""The schedule on disk and its revisions (LL2's page layout read by ``ll2.parse_ll2_page``)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from launchcast.model.errors import ScheduleError
from launchcast.model.record.ll2 import parse_ll2_page
from launchcast.model.record.schedule import (
    REVISIONS_FILE,
    SCHEDULE_FILE,
    add,
    read_schedule,
    take_in,
    user_entry,
)
from tests.conftest import DATA, SHARED_DATA

NOW = datetime(2026, 11, 30, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA, tmp_path / "data"))


def sample() -> bytes:
    path = SHARED_DATA / "ll2-upcoming-sample.json"
    if not path.exists():
        pytest.skip(f"Launch Library 2's sample page is not present at {path} (only CI has ../shared)")
    return path.read_bytes()


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
