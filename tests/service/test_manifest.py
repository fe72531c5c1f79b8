"""/v1/manifest, the schedule in /v1/model and /metrics, and the service refreshing it from a loopback LL2."""

from __future__ import annotations

import csv
import io
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from launchcast.model.record.history import LaunchHistory
from launchcast.model.record.schedule import add, user_entry
from launchcast.service.app import create_app
from launchcast.service.settings import Settings
from tests.conftest import DATA
from tests.ll2_server import Ll2Server, entry
from tests.service.conftest import registry_with

NOW = datetime(2026, 11, 30, tzinfo=UTC)
AS_OF = "2026-11-30T00:00:00Z"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = Path(shutil.copytree(DATA, tmp_path_factory.mktemp("manifest") / "data"))
    notice = user_entry(
        rocket="Chollima-1",
        net=datetime(2026, 12, 3, 15, tzinfo=UTC),
        window_end=datetime(2026, 12, 10, 15, tzinfo=UTC),
        source="navigation warning (test)",
        name="Chollima-1 | test",
        entry_id="kp-1",
        now=NOW,
    )
    nuri = user_entry(
        rocket="Nuri",
        net=datetime(2027, 3, 1, tzinfo=UTC),
        source="KARI (test)",
        status="TBD",
        entry_id="kr-1",
        now=NOW,
    )
    add(where, [notice, nuri], NOW)
    return where


@pytest.fixture(scope="module")
def client(history: LaunchHistory, data_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    registry = registry_with(tmp_path_factory.mktemp("registry"), history)
    settings = Settings(registry_dir=registry.root, data_dir=data_dir, refit_schedule=False)
    with TestClient(create_app(settings, clock=lambda: NOW)) as test_client:
        yield test_client


def test_the_manifest_in_json_csv_and_as_a_chart(client: TestClient) -> None:
    answer = client.get("/v1/manifest", params={"as_of": AS_OF})
    assert answer.status_code == 200 and answer.headers["vary"] == "Accept"
    body = answer.json()
    rows = {r["id"]: r for r in body["launches"]}
    assert rows["kp-1"]["vehicle"] == "Cheonlima-1" and rows["kp-1"]["flight_number"] == 4
    assert 0 < rows["kp-1"]["probability"] < 1 and rows["kr-1"]["state"] == "KR"
    only = client.get("/v1/manifest", params={"as_of": AS_OF, "state": "North Korea"}).json()
    assert [r["id"] for r in only["launches"]] == ["kp-1"]
    table = client.get("/v1/manifest", params={"as_of": AS_OF, "format": "csv"})
    assert table.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(table.text)))
    assert parsed[0]["id"] == "kp-1" and float(parsed[0]["probability"]) == rows["kp-1"]["probability"]
    assert "The Space Devs" in table.text or "sources as cited" in table.text
    chart = client.get("/v1/manifest", params={"as_of": AS_OF}, headers={"Accept": "image/svg+xml"})
    assert chart.headers["content-type"] == "image/svg+xml" and b"Chollima-1 | test" in chart.content
    bad = client.get("/v1/manifest", params={"as_of": AS_OF, "state": "Atlantis"})
    assert bad.status_code == 404


def test_by_date_counts_the_window_and_model_reports_the_schedule(client: TestClient) -> None:
    body = client.post(
        "/v1/forecast/by-date", json={"state": "KP", "date": "2027-06-30", "as_of": AS_OF}
    ).json()
    assert body["announced"] and body["announced"][0].startswith("Chollima-1 | test")
    model = client.get("/v1/model", params={}).json()
    assert model["schedule_entries"] == 2 and model["schedule_checked_at"] is None


def test_the_service_refreshes_the_schedule_from_ll2(history: LaunchHistory, tmp_path: Path) -> None:
    where = Path(shutil.copytree(DATA, tmp_path / "data"))
    registry = registry_with(tmp_path / "registry", history)
    with Ll2Server([]).running() as server:
        server.faults.append("429")
        settings = Settings(
            registry_dir=registry.root,
            data_dir=where,
            refit_schedule=False,
            schedule_url=server.url,
            schedule_refresh_seconds=0.2,
            reload_seconds=0.1,
            gcat_retries=0,
        )
        with TestClient(create_app(settings, clock=lambda: NOW)) as client:
            deadline = time.monotonic() + 10
            limited = 'launchcast_schedule_update_failures_total{kind="rate-limited"} 1.0'
            while limited not in client.get("/metrics").text and time.monotonic() < deadline:
                time.sleep(0.1)
            metrics = client.get("/metrics").text
            assert limited in metrics
            assert "HTTP 429" in client.get("/v1/model").json()["schedule_last_error"]
            # After a 429 the keeper waits (Retry-After: 120 s): no further request meanwhile.
            asked = len(server.requests)
            time.sleep(0.5)
            assert len(server.requests) == asked
            # A window added by hand in another process is served within reload_seconds.
            add(
                where,
                [user_entry(rocket="Chollima-1", net=datetime(2026, 12, 3, tzinfo=UTC), source="t", now=NOW)],
                NOW,
            )
            deadline = time.monotonic() + 10
            while client.get("/v1/model").json()["schedule_entries"] != 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert client.get("/v1/model").json()["schedule_entries"] == 1
            answer = client.get("/v1/manifest", params={"as_of": AS_OF}).json()
            assert [r["vehicle"] for r in answer["launches"]] == ["Cheonlima-1"]


def test_a_refresh_takes_ll2_in_and_counts_it(history: LaunchHistory, tmp_path: Path) -> None:
    where = Path(shutil.copytree(DATA, tmp_path / "data"))
    registry = registry_with(tmp_path / "registry", history)
    entries = [
        entry("ll2-0", "Falcon 9", "2026-11-01T00:00:00Z", country="US"),  # a NET in the past: skipped
        entry("ll2-1", "Chollima-1", "2026-12-03T15:00:00Z", "2026-12-10T15:00:00Z"),
    ]
    with Ll2Server(entries).running() as server:
        settings = Settings(
            registry_dir=registry.root,
            data_dir=where,
            refit_schedule=False,
            schedule_url=server.url,
            schedule_refresh_seconds=3600,
            reload_seconds=0.1,
        )
        with TestClient(create_app(settings, clock=lambda: NOW)) as client:
            deadline = time.monotonic() + 10
            while client.get("/v1/model").json()["schedule_entries"] != 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            model = client.get("/v1/model").json()
            assert model["schedule_entries"] == 1 and model["schedule_checked_at"] is not None
            assert 'launchcast_schedule_updates_total{outcome="updated"} 1.0' in client.get("/metrics").text
            metrics = client.get("/metrics").text
            assert "launchcast_schedule_checked_timestamp_seconds" in metrics
            assert "launchcast_schedule_skipped_entries_total 1.0" in metrics


def test_the_outlook_page_lists_the_announced_korean_launches(client: TestClient) -> None:
    page = client.get("/", params={"as_of": AS_OF})
    assert page.status_code == 200
    html = page.text
    section = html[html.index('id="announced"') : html.index("side by side")]
    manifest = {r["id"]: r for r in client.get("/v1/manifest", params={"as_of": AS_OF}).json()["launches"]}
    assert "Chollima-1 | test" in section and "navigation warning (test)" in section
    assert f"{100 * manifest['kp-1']['probability']:.0f}%" in section
    assert "2026-12-03 – 2026-12-10" in section and "Launch Library 2 (The Space Devs)" in html
