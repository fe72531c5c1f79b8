"""From new GCAT data to a new served model, while a load of requests sees no error.

ingest a GCAT file in the upstream format → `launchcast refit` → the new version is
current → the running service (real uvicorn) answers with it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from model.history import LaunchHistory
from tests.conftest import DATA, REPO
from tests.model.test_ingest import gcat_row, write_upstream
from tests.service.conftest import registry_with
from tests.service.server import running_server


def test_ingest_refit_and_hot_reload_under_load(tmp_path: Path, history: LaunchHistory) -> None:
    data_dir = Path(shutil.copytree(DATA, tmp_path / "data"))
    registry = registry_with(tmp_path / "registry", history)
    env = {"LAUNCHCAST_REGISTRY_DIR": str(registry.root), "LAUNCHCAST_DATA_DIR": str(data_dir),
           "LAUNCHCAST_RELOAD_SECONDS": "0.3"}  # fmt: skip
    statuses: list[int] = []
    stop = threading.Event()

    def load(url: str) -> None:
        with httpx.Client(base_url=url, timeout=10) as client:
            while not stop.is_set():
                try:
                    response = client.get("/v1/forecast/next", params={"vehicle": "Nuri"})
                except httpx.TransportError:
                    if stop.is_set():
                        return
                    raise
                statuses.append(response.status_code)

    with running_server(env) as url:
        loader = threading.Thread(target=load, args=(url,), daemon=True)
        loader.start()
        upstream = write_upstream(tmp_path / "launch.tsv", [
            gcat_row("2024-F01", 2460458.15, "2024 May 27 1544", "Cheonlima-1", "NATA", "OF", "S1"),
            gcat_row("2024-099", 2460500.10, "2024 Jul  8 1424", "Nuri", "KARI", "OS", site="NARO"),
        ])  # fmt: skip
        cli = [sys.executable, "-m", "service.cli"]
        env = {**os.environ, **env}
        ingest = subprocess.run([*cli, "data", "ingest-gcat", str(upstream)], cwd=REPO, env=env,
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert ingest.returncode == 0, ingest.stdout + ingest.stderr
        assert "added 2 launch(es)" in ingest.stdout
        refit = subprocess.run([*cli, "refit", "--model", "eb-beta"], cwd=REPO, env=env,
                               capture_output=True, text=True, check=False)  # fmt: skip
        assert refit.returncode == 0 and "promoted" in refit.stdout, refit.stdout + refit.stderr
        deadline = time.monotonic() + 20
        while True:
            body = httpx.get(f"{url}/v1/forecast/next", params={"vehicle": "Nuri"}).json()
            if body["model"]["data_as_of"] == "2024-07-08":
                break
            assert time.monotonic() < deadline, "the service never switched to the new version"
            time.sleep(0.2)
        assert body["record"]["attempts"] == 4 and body["flight_number"] == 5
        time.sleep(1)  # keep the load on the new version a moment
        stop.set()
        loader.join(timeout=10)
    assert len(statuses) > 50 and set(statuses) == {200}
