"""``schedule update`` against a real loopback server in Launch Library 2's layout, faults included."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from launchcast.model.errors import ScheduleError
from launchcast.model.record.download import retry_after
from launchcast.model.record.ll2 import ScheduleConfig, parse_ll2_page, update_schedule
from launchcast.model.record.schedule import SCHEDULE_FILE, read_schedule
from tests.conftest import DATA
from tests.ll2_server import Ll2Server, entry
from tests.model.record.test_schedule import sample

NOW = datetime(2026, 11, 30, tzinfo=UTC)
#: By NET, as LL2 lists them.
ENTRIES = [
    entry("id-1", "Chollima-1", "2026-12-03T15:00:00Z", "2026-12-10T15:00:00Z"),
    entry("id-3", "Falcon 9", "2026-12-05T02:30:00Z", country="US", status="Go"),
    entry("id-2", "Nuri", "2027-03-01T00:00:00Z", country="KR", status="TBD"),
]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA, tmp_path / "data"))


def config(server: Ll2Server, **changes: object) -> ScheduleConfig:
    base = {"url": server.url, "page_size": 2, "retries": 1, "backoff_seconds": 0.0}
    return ScheduleConfig(**(base | changes))  # type: ignore[arg-type]  # the test's overrides


def snapshot(data_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(data_dir.iterdir()) if p.is_file()}


def test_pages_are_read_whole_then_a_304_changes_nothing(data_dir: Path) -> None:
    with Ll2Server(ENTRIES).running() as server:
        result = update_schedule(data_dir, config(server), NOW)
        assert result.outcome == "updated" and result.pages == 2 and result.complete
        assert {e.id for e in read_schedule(data_dir).entries} == {"id-1", "id-2", "id-3"}
        assert [r["query"] for r in server.requests] == [{"limit": "2"}, {"limit": "2", "offset": "2"}]
        again = update_schedule(data_dir, config(server), NOW)
        assert again.outcome == "current"
        assert server.requests[-1]["headers"].get("If-None-Match")
        assert len(read_schedule(data_dir).revisions) == 3


def test_a_page_limit_keeps_the_later_entries_from_before(data_dir: Path) -> None:
    with Ll2Server(ENTRIES).running() as server:
        update_schedule(data_dir, config(server), NOW)
        server.entries[0] = entry("id-1", "Chollima-1", "2026-12-04T15:00:00Z", "2026-12-11T15:00:00Z")
        cut = update_schedule(data_dir, config(server, max_pages=1), NOW)
    assert not cut.complete and cut.change is not None and cut.change.revised == 1
    assert {e.id for e in read_schedule(data_dir).entries} == {"id-1", "id-2", "id-3"}


def test_an_api_key_is_sent_as_a_token(data_dir: Path) -> None:
    with Ll2Server(ENTRIES).running() as server:
        update_schedule(data_dir, config(server, api_key="secret"), NOW)
    assert server.requests[0]["headers"]["Authorization"] == "Token secret"


@pytest.mark.parametrize(
    ("faults", "said"),
    [
        (["429"], "HTTP 429 Too Many Requests"),
        (["500", "500"], "HTTP 500"),
        (["truncate", "truncate"], "truncated body"),
        (["malformed"], "not JSON"),
        (["html"], "not JSON"),
        (["duplicate"], "appears twice"),
        (["huge"], "-byte cap"),
    ],
)
def test_a_bad_answer_is_one_line_and_leaves_the_schedule_as_it_was(
    data_dir: Path, faults: list[str], said: str
) -> None:
    with Ll2Server(ENTRIES).running() as server:
        update_schedule(data_dir, config(server), NOW)
        before = snapshot(data_dir)
        server.entries.append(entry("id-4", "Nuri", "2027-06-01T00:00:00Z", country="KR"))
        server.faults.extend(faults)
        with pytest.raises(ScheduleError, match="the schedule is unchanged") as caught:
            update_schedule(data_dir, config(server, max_bytes=1_000_000), NOW)
    assert said in str(caught.value) and "\n" not in str(caught.value)
    assert snapshot(data_dir) == before
    if faults == ["429"]:
        assert caught.value.retry_after == 120


def test_a_stalled_page_stops_at_its_deadline(data_dir: Path) -> None:
    with Ll2Server(ENTRIES).running() as server:
        server.faults.extend(["stall", "stall"])
        server.stall_seconds = 3.0
        with pytest.raises(ScheduleError, match="timed out|took longer"):
            update_schedule(data_dir, config(server, read_timeout=0.5, deadline_seconds=1.0), NOW)
    assert not (data_dir / SCHEDULE_FILE).exists()


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after("120", NOW) == 120
    assert retry_after("Mon, 30 Nov 2026 00:02:00 GMT", NOW) == 120
    assert retry_after("soon", NOW) is None


def test_retry_once_after_a_server_error(data_dir: Path) -> None:
    with Ll2Server(ENTRIES).running() as server:
        server.faults.append("500")
        assert update_schedule(data_dir, config(server), NOW).outcome == "updated"


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
