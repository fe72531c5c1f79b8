"""The track record end to end: the CLI and the service keep the ledger, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from launchcast.model.operations.ledger import Ledger
from launchcast.model.operations.refit import RefitPolicy, refit
from launchcast.model.operations.registry import Registry
from launchcast.model.operations.schema import forecasts
from launchcast.model.operations.upkeep import keep_record
from launchcast.model.record.ingest import add_launch
from launchcast.service.app import create_app
from launchcast.service.cli import app as cli
from launchcast.service.settings import Settings
from tests.conftest import DATA, REPO
from tests.db import BACKENDS, POSTGRES_URL, database

runner = CliRunner()
T0 = datetime(2024, 1, 10, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as found:
        yield found


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA, tmp_path / "data"))


@pytest.fixture
def registry(tmp_path: Path, data_dir: Path) -> Registry:
    registry = Registry(tmp_path / "registry")
    assert refit(data_dir, registry, RefitPolicy(model="eb-beta")).outcome == "promoted"
    return registry


def _wait(condition, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return found


def test_an_update_scores_every_later_launch_out_of_sample(
    url: str, tmp_path: Path, data_dir: Path, shared_data: Path
) -> None:
    """Issue 14's 'done when': promote on 1957-2023, update from a GCAT-layout server, read the record."""
    from tests.gcat_server import GcatServer, newer_gcat

    env = {
        "LAUNCHCAST_REGISTRY_DIR": str(tmp_path / "registry"),
        "LAUNCHCAST_DATA_DIR": str(data_dir),
        "LAUNCHCAST_TRACK_RECORD": "true",
        "LAUNCHCAST_DATABASE_URL": url,
        "LAUNCHCAST_GCAT_RETRIES": "0",
        "COLUMNS": "200",
    }
    fitted = runner.invoke(cli, ["fit", "--model", "eb-beta"], env=env)
    assert fitted.exit_code == 0 and "recorded" in fitted.output, fitted.output
    version = Registry(tmp_path / "registry").current_id()
    with GcatServer(newer_gcat(shared_data)).running() as server:
        updated = runner.invoke(cli, ["data", "update", "--url", server.url], env=env)
    assert (
        updated.exit_code == 0 and "track record: 4 launch score(s) added (4 out-of-sample)" in updated.output
    )
    shown = runner.invoke(cli, ["track-record"], env=env)
    assert shown.exit_code == 0 and "out-of-sample" in shown.output and "2024-F01" in shown.output
    record = json.loads(runner.invoke(cli, ["track-record", "--json"], env=env).output)
    scored = {(r["launch_tag"], r["model"]): r for r in record["launches"]}
    assert set(scored) == {(tag, m) for tag in ("2024-F01", "2025-F02") for m in ("eb-beta", "laplace")}
    assert {r["tier"] for r in record["launches"]} == {"out-of-sample"}
    assert {r["version_id"] for r in record["launches"]} == {version}  # the fit that had not seen them
    assert record["launches"][0]["success"] == 0  # 2024-F01, Chollima-1's failure
    plot = tmp_path / "record.png"
    assert runner.invoke(cli, ["track-record", "--plot", str(plot)], env=env).exit_code == 0
    assert plot.stat().st_size > 10_000 and (tmp_path / "record-score.png").stat().st_size > 10_000


def test_the_service_records_at_its_clock_and_scores_prospectively(
    url: str, tmp_path: Path, data_dir: Path, registry: Registry
) -> None:
    settings = Settings(
        registry_dir=registry.root,
        data_dir=data_dir,
        refit_schedule=False,
        track_record=True,
        database_url=url,
        audit_log=True,
    )
    with TestClient(create_app(settings, clock=lambda: T0)) as client:
        _wait(lambda: client.get("/v1/track-record").json()["forecast_sets"] == 1)
        add_launch(data_dir, "2024-02-01T10:00Z", "Nuri", "success", tag="T-NURI")
        keep_record(url, registry, data_dir, datetime(2024, 3, 1, tzinfo=UTC))  # what `data add` runs
        record = client.get("/v1/track-record", params={"state": "South Korea"}).json()
        assert {(r["launch_tag"], r["tier"]) for r in record["launches"]} == {("T-NURI", "prospective")}
        assert {t["model"] for t in record["totals"]} == {"eb-beta", "laplace"}
        table = client.get("/v1/track-record", params={"state": "South Korea", "format": "csv"})
        assert table.headers["content-type"] == "text/csv; charset=utf-8"
        rows = [line.split(",") for line in table.text.splitlines() if not line.startswith("#")]
        assert rows[0][:2] == ["launch_tag", "launch_time"] and len(rows) == 1 + len(record["launches"])
        assert {row[0] for row in rows[1:]} == {"T-NURI"} and "tiers are never mixed" in table.text
        assert client.get("/v1/track-record", params={"model": "nope"}).status_code == 422
        assert client.get("/v1/track-record", params={"vehicle": "Nuuri"}).json()["suggestions"]
        for _ in range(25):
            assert client.get("/v1/forecast/next", params={"vehicle": "Nuri"}).status_code == 200
        _wait(lambda: "launchcast_audit_rows_written_total 25.0" in client.get("/metrics").text)
        assert "launchcast_ledger_failures_total 0.0" in client.get("/metrics").text
    with Ledger.open(url) as ledger:
        assert ledger.audit_rows() == 25


def test_two_writers_at_once_leave_one_consistent_record(
    url: str, data_dir: Path, registry: Registry
) -> None:
    add_launch(data_dir, "2024-02-01T10:00Z", "Nuri", "success", tag="T-NURI")
    script = (
        "import sys; from datetime import datetime, UTC; from launchcast.model.operations.upkeep import keep_record;"
        "from launchcast.model.operations.registry import Registry;"
        "u = keep_record(sys.argv[1], Registry(sys.argv[2]), sys.argv[3], datetime(2024, 1, 10, tzinfo=UTC));"
        "sys.exit(1 if u.error else 0)"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", script, url, str(registry.root), str(data_dir)])
        for _ in range(3)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    with Ledger.open(url) as ledger:
        with ledger.engine.connect() as connection:
            entries = connection.execute(forecasts.select()).all()
        record = ledger.track_record()
    key = {(e.version_id, e.model, e.kind, e.subject, e.flight_number, e.previous_failed) for e in entries}
    assert len(entries) == len(key)  # the forecast's unique key: each written once
    assert sorted((r.launch_tag, r.model) for r in record.launches) == [
        ("T-NURI", "eb-beta"),
        ("T-NURI", "laplace"),
    ]


def test_a_locked_database_never_fails_a_forecast_and_loses_no_audit_row(
    tmp_path: Path, registry: Registry
) -> None:
    import sqlite3

    db = tmp_path / "ledger.sqlite"
    url = f"sqlite:///{db}"
    Ledger.open(url).dispose()
    settings = Settings(
        registry_dir=registry.root,
        data_dir=DATA,
        refit_schedule=False,
        track_record=True,
        database_url=url,
        audit_log=True,
    )
    blocker = sqlite3.connect(db, timeout=1)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the database
    try:
        with TestClient(create_app(settings, clock=lambda: T0)) as client:
            started = time.monotonic()
            for _ in range(40):
                assert client.get("/v1/forecast/next", params={"state": "KP"}).status_code == 200
            assert time.monotonic() - started < 5  # not waiting on the database
            _wait(lambda: "launchcast_audit_write_failures_total 0.0" not in client.get("/metrics").text)
            blocker.rollback()
            _wait(lambda: "launchcast_audit_rows_written_total 40.0" in client.get("/metrics").text)
    finally:
        blocker.close()
    with Ledger.open(url) as ledger:
        assert ledger.audit_rows() == 40


def _pg_ctl(pgdata: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pg_ctl on a test cluster, as the postgres user when run as root (as .ci/postgres.sh does)."""
    binary = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, str(binary), "-D", str(pgdata), *args], capture_output=True, text=True, check=False
    )


NO_POSTGRES = "no PostgreSQL: set LAUNCHCAST_TEST_DATABASE_URL (.ci/run starts one)"


@pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
def test_killing_postgresql_mid_write_loses_no_forecast_answer(tmp_path: Path, registry: Registry) -> None:
    """A PostgreSQL of its own (SIGKILLed mid-stream, then restarted): every forecast answered, no row lost."""
    from tests.service.server import free_port

    port = free_port()
    # Directly under /tmp: the postgres user must reach it (pytest's own tmp dirs are root-only).
    pgdata = Path(tempfile.gettempdir()) / f"launchcast-pg-{port}"
    started = subprocess.run(
        ["bash", str(REPO / ".ci" / "postgres.sh"), str(pgdata), str(port)],
        capture_output=True,
        text=True,
        check=True,
    )
    url = started.stdout.strip()
    pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    settings = Settings(
        registry_dir=registry.root,
        data_dir=DATA,
        refit_schedule=False,
        track_record=True,
        database_url=url,
        audit_log=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {pgdata}"
    try:
        with TestClient(create_app(settings, clock=lambda: T0)) as client:
            for i in range(60):
                if i == 20:
                    os.kill(pid, signal.SIGKILL)  # the database dies mid-stream
                assert client.get("/v1/forecast/next", params={"vehicle": "Nuri"}).status_code == 200
            _wait(lambda: "launchcast_audit_write_failures_total 0.0" not in client.get("/metrics").text)
            # Its backends notice the postmaster's death and exit; then it starts again (crash recovery).
            _wait(
                lambda: (
                    _pg_ctl(pgdata, "-l", str(pgdata / "server.log"), "-w", "-o", options, "start").returncode
                    == 0
                ),
                timeout=60,
            )
            _wait(
                lambda: "launchcast_audit_rows_written_total 60.0" in client.get("/metrics").text, timeout=60
            )
        with Ledger.open(url) as ledger:
            assert ledger.audit_rows() == 60
    finally:
        _pg_ctl(pgdata, "-m", "immediate", "stop")
        shutil.rmtree(pgdata, ignore_errors=True)
