from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from launchcast.model.operations.refit import refit_lock
from launchcast.model.operations.registry import Registry
from launchcast.model.record.history import LaunchHistory
from launchcast.service.app import create_app
from launchcast.service.settings import Settings
from tests.conftest import DATA
from tests.service.conftest import registry_with


@pytest.fixture
def app_settings(tmp_path: Path, history: LaunchHistory) -> Settings:
    registry = registry_with(tmp_path / "registry", history)
    return Settings(
        registry_dir=registry.root,
        data_dir=DATA,
        refit_schedule=False,
        admin_token="s3cret",
        refit_model="eb-beta",
        reload_seconds=0.2,
        refit_update=False,
    )


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings)) as test_client:
        yield test_client


def test_refit_needs_the_token(client: TestClient) -> None:
    assert client.post("/v1/refit").status_code == 401
    wrong = client.post("/v1/refit", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "bearer token" in wrong.text


def test_refit_disabled_without_a_configured_token(tmp_path: Path, history: LaunchHistory) -> None:
    settings = Settings(
        registry_dir=registry_with(tmp_path / "r", history).root, data_dir=DATA, refit_schedule=False
    )
    with TestClient(create_app(settings)) as client:
        response = client.post("/v1/refit", headers={"Authorization": "Bearer anything"})
        assert response.status_code == 401 and "LAUNCHCAST_ADMIN_TOKEN" in response.text


def test_409_while_a_refit_runs(client: TestClient, app_settings: Settings) -> None:
    with refit_lock(app_settings.registry()):
        response = client.post("/v1/refit", headers={"Authorization": "Bearer s3cret"})
        assert response.status_code == 409
        assert client.get("/v1/refit/status").json()["running"] is True


def test_refit_over_http_runs_and_is_logged(client: TestClient, app_settings: Settings) -> None:
    response = client.post("/v1/refit", headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 202
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get("/v1/refit/status").json()
        if not status["running"] and status["runs"]:
            break
        time.sleep(0.3)
    # Same data, same config as the current eb-beta version: the run is a logged no-op.
    assert status["runs"][-1]["outcome"] == "skipped", status
    assert 'launchcast_refits_total{outcome="skipped"} 1.0' in client.get("/metrics").text


def test_scheduler_accepts_the_cron_setting(tmp_path: Path, history: LaunchHistory) -> None:
    settings = Settings(
        registry_dir=registry_with(tmp_path / "r", history).root,
        data_dir=DATA,
        refit_schedule=True,
        refit_cron="0 3 * * 1",
    )
    app = create_app(settings)
    with TestClient(app):
        job = app.state.refits.scheduler.get_job("refit")
        assert job is not None and job.next_run_time.weekday() == 0  # Monday


def test_hot_reload_swaps_without_failing_requests(
    client: TestClient, app_settings: Settings, history: LaunchHistory
) -> None:
    from launchcast.model.stats.baselines import laplace

    registry: Registry = app_settings.registry()
    statuses: list[int] = []
    new_version = registry.publish(laplace(draws=500).fit(history))
    registry.promote(new_version)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        response = client.get("/v1/forecast/next", params={"vehicle": "Nuri"})
        statuses.append(response.status_code)
        if response.json()["model"]["model"] == "laplace":
            break
    assert set(statuses) == {200} and response.json()["model"]["model"] == "laplace"
    assert client.get("/v1/refit/status").json()["served_version"] == new_version


def test_a_corrupt_new_current_keeps_the_old_one_serving(
    client: TestClient, app_settings: Settings, history: LaunchHistory
) -> None:
    from launchcast.model.stats.baselines import jeffreys

    registry = app_settings.registry()
    served = client.get("/v1/refit/status").json()["served_version"]
    bad = registry.publish(jeffreys(draws=500).fit(history))
    nc = registry.versions_dir / bad / "posterior.nc"
    nc.write_bytes(nc.read_bytes()[:500])
    (registry.root / "current").write_text(bad + "\n")  # as if promoted by a broken tool
    deadline = time.monotonic() + 10
    while "launchcast_reload_failures_total 1.0" not in client.get("/metrics").text:
        assert time.monotonic() < deadline, "the failed reload was never counted"
        time.sleep(0.2)
    response = client.get("/v1/forecast/next", params={"vehicle": "Nuri"})
    assert response.status_code == 200 and response.json()["model"]["model"] == "eb-beta"
    assert client.get("/v1/refit/status").json()["served_version"] == served


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("0 3 * * 1", ["2026-01-05T03:00", "2026-01-12T03:00"]),  # Monday, as in cron
        ("0 3 * * 0-7", ["2026-01-01T03:00", "2026-01-02T03:00"]),  # 0 and 7 are both Sunday
        ("0 3 * * */2", ["2026-01-01T03:00", "2026-01-03T03:00", "2026-01-04T03:00"]),  # Thu, Sat, Sun
        ("0 3 * * 1-5/2", ["2026-01-02T03:00", "2026-01-05T03:00", "2026-01-07T03:00"]),  # Mon, Wed, Fri
        ("0 3 1 * 1", ["2026-01-01T03:00", "2026-01-05T03:00"]),  # the 1st OR a Monday, as cron ORs them
        ("*/15 * * * *", ["2026-01-01T00:15", "2026-01-01T00:30"]),
    ],
)
def test_a_refit_schedule_fires_when_cron_would(line: str, expected: list[str]) -> None:
    """2026-01-01 is a Thursday. APScheduler's own reading of the first five fires on other days
    or refuses the line; the schedule follows cron (croniter)."""
    from datetime import UTC, datetime

    from launchcast.service.refits import CronSchedule

    schedule, fired, previous = CronSchedule(line), [], None
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in expected:
        previous = schedule.get_next_fire_time(previous, now)
        assert previous is not None
        fired.append(previous.strftime("%Y-%m-%dT%H:%M"))
        now = previous
    assert fired == expected


def test_a_line_that_is_not_crontab_is_refused() -> None:
    from launchcast.service.refits import CronSchedule

    with pytest.raises(ValueError, match="five fields"):
        CronSchedule("every monday")
