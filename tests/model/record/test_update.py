"""`data update` against a real HTTP server on loopback in GCAT's layout (no internet)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from launchcast.model.errors import UpdateError
from launchcast.model.record.history import load_history, record_table
from launchcast.model.record.update import (
    UPSTREAM_FILE,
    UpdateConfig,
    attempt_update,
    update,
    update_attempts,
)
from tests.conftest import DATA, data_files
from tests.gcat_server import CORRECTED_TAG, LAUNCH, LV, GcatServer, newer_gcat

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA, tmp_path / "data"))


@pytest.fixture(scope="module")
def newer(shared_data: Path) -> dict[str, bytes]:
    return newer_gcat(shared_data)


def config(server: GcatServer, **overrides: float) -> UpdateConfig:
    quick = {"connect_timeout": 2.0, "read_timeout": 1.0, "retries": 2, "backoff_seconds": 0.05}
    return UpdateConfig(base_url=server.url, **{**quick, **overrides})  # type: ignore[arg-type]


def test_update_takes_in_new_operators_vehicles_and_corrections_then_304(
    data_dir: Path, newer: dict[str, bytes]
) -> None:
    with GcatServer(newer).running() as server:
        result = update(data_dir, config(server), NOW)
        assert result.outcome == "updated"
        report = result.report
        assert report is not None
        assert report.added == ["2024-F01", "2025-F02"]
        assert list(report.corrected) == [CORRECTED_TAG]
        assert report.new_vehicles == ["Spectrum"]
        # ISAR is placed by GCAT's orgs.tsv (no hand edit); NATA by a reviewed override
        assert report.new_operators == ["NATA → KP", "ISAR → D"]
        assert report.left_out["non-orbital rows"] == 1
        history = load_history(data_dir)
        assert history.vehicles.set_index("vehicle").loc["Spectrum", "state"] == "D"
        assert history.vehicles.set_index("vehicle").loc["Spectrum", "family"] == "Spectrum"
        assert record_table(history, vehicle="Cheonlima-1")["attempts"].item() == 4
        fixed = history.launches[history.launches["launch_tag"] == CORRECTED_TAG].iloc[0]
        assert (fixed["outcome"], fixed["success_fraction"]) == ("failure", 0.40)
        recorded = json.loads((data_dir / UPSTREAM_FILE).read_text())
        assert recorded["files"]["launch"]["updated"] == "2026-11-20T01:08:57Z"
        assert recorded["files"]["launch"]["etag"]

        before = data_files(data_dir)
        again = update(data_dir, config(server), NOW)
        assert again.outcome == "current" and "not changed" in again.reason
        assert server.requests[-1] == (LAUNCH, recorded["files"]["launch"]["etag"])  # conditional
        assert data_files(data_dir) == before


def test_a_retry_gets_past_a_500(data_dir: Path, newer: dict[str, bytes]) -> None:
    server = GcatServer(newer)
    server.faults[LAUNCH].extend(["500", "500"])
    with server.running():
        assert update(data_dir, config(server), NOW).outcome == "updated"
    assert [path for path, _ in server.requests].count(LAUNCH) == 3


@pytest.mark.parametrize(
    ("table", "faults", "overrides", "message"),
    [
        (LAUNCH, ["404"], {}, "HTTP 404 Not Found"),
        (LAUNCH, ["500"] * 3, {}, "HTTP 500 Internal Server Error, after 3 attempt(s)"),
        (LV, ["stall"] * 3, {}, "timed out waiting for data (ReadTimeout)"),
        (LAUNCH, ["truncate"] * 3, {}, "truncated body"),
        (LAUNCH, ["html"], {}, "not GCAT's launch/launch.tsv (it starts with an HTML page"),
        (LAUNCH, [], {"max_bytes": 100_000}, "over the 100,000-byte cap"),
    ],
)
def test_a_failed_download_is_one_clear_error_and_changes_nothing(
    data_dir: Path,
    newer: dict[str, bytes],
    table: str,
    faults: list[str],
    overrides: dict[str, float],
    message: str,
) -> None:
    server = GcatServer(newer)
    server.stall_seconds = 3.0
    server.faults[table].extend(faults)
    before = data_files(data_dir)
    with server.running(), pytest.raises(UpdateError) as info:
        update(data_dir, config(server, **overrides), NOW)
    assert message in str(info.value)
    assert "\n" not in str(info.value) and "data/ is unchanged" in str(info.value)
    assert data_files(data_dir) == before


def test_an_older_catalogue_is_refused(data_dir: Path, newer: dict[str, bytes], shared_data: Path) -> None:
    with GcatServer(newer).running() as server:
        update(data_dir, config(server), NOW)
    before = data_files(data_dir)
    older = newer_gcat(shared_data, stamp="# Updated 2026 Jan  5 0000:00\n")
    with GcatServer(older).running() as server, pytest.raises(UpdateError) as info:
        update(data_dir, config(server), NOW)
    assert "GCAT stamp 2026-01-05T00:00:00Z is older than the 2026-11-20T01:08:57Z" in str(info.value)
    assert data_files(data_dir) == before


def test_a_partial_launch_list_is_refused(data_dir: Path, newer: dict[str, bytes]) -> None:
    """A file cut at a line boundary parses; it must still not pass for GCAT's catalogue."""
    lines = newer[LAUNCH].decode().splitlines(keepends=True)
    cut = {**newer, LAUNCH: "".join(lines[:3000]).encode()}
    before = data_files(data_dir)
    with (
        GcatServer(cut).running() as server,
        pytest.raises(UpdateError, match=r"launch.tsv lacks \d{4} of the 6573 catalogue launches"),
    ):
        update(data_dir, config(server), NOW)
    assert data_files(data_dir) == before


def test_offline_is_one_line_and_logged(data_dir: Path, tmp_path: Path) -> None:
    server = GcatServer({})
    url = server.url
    server.httpd.server_close()  # nothing listens there any more
    before = data_files(data_dir)
    log = tmp_path / "updates.jsonl"
    result, attempt = attempt_update(
        data_dir, UpdateConfig(base_url=url, retries=1, backoff_seconds=0.01), log, NOW
    )
    assert result is None and attempt.outcome == "failed" and "cannot connect" in attempt.reason
    assert update_attempts(log) == [attempt]
    assert data_files(data_dir) == before
