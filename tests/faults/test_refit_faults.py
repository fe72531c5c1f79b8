"""Refit status, auth and disk faults (real locks held by real processes, a real small disk)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from launchcast.model.operations.refit import RefitPolicy, refit, refit_lock
from launchcast.model.operations.registry import Registry
from launchcast.model.record.history import LaunchHistory
from launchcast.service.app import create_app
from launchcast.service.settings import Settings
from tests.conftest import DATA, REPO
from tests.faults.test_registry_faults import mount_namespaces_work
from tests.service.conftest import registry_with


@pytest.fixture
def registry(tmp_path: Path, history: LaunchHistory) -> Registry:
    return registry_with(tmp_path / "registry", history)


@pytest.fixture
def client(registry: Registry) -> Iterator[TestClient]:
    settings = Settings(
        registry_dir=registry.root,
        data_dir=DATA,
        refit_schedule=False,
        admin_token="s3cret",
        refit_model="eb-beta",
        refit_update=False,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_a_running_refit_is_shown_running_and_a_refused_one_is_no_failure(
    client: TestClient, registry: Registry, tmp_path: Path
) -> None:
    """Before: once any later entry was logged (here a refit refused by the lock), the running
    refit showed as "interrupted (killed or crashed)", and the refusal counted as a failure."""
    with refit_lock(registry):  # this process is the running refit: its pid is in the lock
        registry.record_refit({"run": "r1", "pid": os.getpid(), "outcome": "started", "model": "eb-beta"})
        refused = refit(DATA, registry, RefitPolicy(model="eb-beta"))
        assert refused.outcome == "refused"
        status = client.get("/v1/refit/status").json()
        assert status["running"] is True
        outcomes = [run["outcome"] for run in status["runs"]]
        assert outcomes[-2:] == ["running", "refused"]
        metrics = client.get("/metrics").text
        assert "launchcast_refit_failures_total 0.0" in metrics
        assert 'launchcast_refits_total{outcome="refused"} 1.0' in metrics
    status = client.get("/v1/refit/status").json()  # the holder is gone without finishing
    assert status["running"] is False and status["runs"][-2]["outcome"] == "interrupted"


def test_a_bare_token_is_not_a_bearer_token(client: TestClient) -> None:
    """Before: 'Authorization: s3cret' (no scheme) was accepted."""
    assert client.post("/v1/refit", headers={"Authorization": "s3cret"}).status_code == 401
    assert client.post("/v1/refit", headers={"Authorization": "Basic s3cret"}).status_code == 401


def test_a_full_registry_disk_is_found_before_fitting(tmp_path: Path) -> None:
    """Before: the refit sampled for 45-65 s and only then failed to write. Now it checks free
    space first: on a 2 MB disk it stops at once, in one line."""
    if not mount_namespaces_work():
        pytest.skip("this machine cannot mount a private tmpfs (unshare -m, mount)")
    root = tmp_path / "small"
    root.mkdir()
    script = 'mount -t tmpfs -o size=2m tmpfs "$1" && shift && exec "$@"'
    done = subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            script,
            "small-disk",
            str(root),
            sys.executable,
            "-m",
            "launchcast",
            "refit",
            "--model",
            "hierarchical",
        ],
        cwd=REPO,
        env={**os.environ, "LAUNCHCAST_REGISTRY_DIR": str(root), "LAUNCHCAST_DATA_DIR": str(DATA)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "MiB free on the registry's disk" in done.stdout and "Traceback" not in done.stdout + done.stderr
