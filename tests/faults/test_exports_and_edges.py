"""Exports, the first start and the edges against hostile input (issue #34, items 6, 7 and 9).

What must hold: no CSV the service or the CLI writes holds a cell a spreadsheet would run as a
formula; a killed first fit is retried until the full model replaces the provisional one, and
answers never promise what is not happening; every question kind in a batch is charged to the
batch's budget; a request's Host header never reaches a problem's type.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from launchcast.model.operations.refit import RefitPolicy, refit
from launchcast.model.operations.registry import Registry
from launchcast.model.record import schedule
from launchcast.model.record.history import LaunchHistory, load_history
from launchcast.model.record.ingest import add_launch
from launchcast.model.record.schedule import user_entry
from launchcast.model.stats.models import make_model
from launchcast.service.app import create_app
from launchcast.service.refits import PROVISIONAL
from launchcast.service.settings import Settings
from tests.conftest import DATA
from tests.service.conftest import registry_with
from tests.service.server import running_server

AS_OF = "2026-11-30T00:00:00Z"
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cells(body: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(body.decode())))
    return [cell for row in rows if row and not row[0].startswith("#") for cell in row]


def looks_like_a_formula(cell: str) -> bool:
    """A text cell a spreadsheet would evaluate (a number, negative or not, is a number)."""
    try:
        float(cell)
        return False
    except ValueError:
        return cell.startswith(FORMULA)


def test_no_csv_cell_is_a_formula(tmp_path: Path, history: LaunchHistory) -> None:
    """Before: names beginning `=`, `+`, `-` or `@` from `data add` and `schedule add` reached
    `/v1/history`, `/v1/manifest` and the CLI's `--csv` as they were (OWASP's CSV injection).
    Now each such cell starts with `'`; negative numbers stay numbers."""
    data = Path(shutil.copytree(DATA, tmp_path / "data"))
    add_launch(data, "2023-12-30T20:00Z", '=HYPERLINK("http://x","y")', "failure", family="@SUM", state="KP")
    now = datetime(2026, 11, 30, tzinfo=UTC)
    net = datetime(2026, 12, 20, tzinfo=UTC)
    schedule.add(
        data,
        [user_entry(rocket="-2+3", net=net, source="+cmd", name="@attack", country="KP", now=now)],
        now,
    )
    registry = registry_with(tmp_path / "registry", load_history(data))
    settings = Settings(registry_dir=registry.root, data_dir=data, refit_schedule=False)
    with TestClient(create_app(settings)) as client:
        answers = {
            "history": client.get("/v1/history", params={"state": "KP", "format": "csv"}),
            "manifest": client.get("/v1/manifest", params={"format": "csv", "as_of": AS_OF}),
            "vehicles": client.get("/v1/vehicles", params={"q": "HYPERLINK", "format": "csv"}),
        }
    for what, answer in answers.items():
        assert answer.status_code == 200, (what, answer.text)
        found = cells(answer.content)
        assert not [c for c in found if looks_like_a_formula(c)], (what, answer.text)
    assert "'=HYPERLINK(" in answers["history"].text and "'=HYPERLINK(" in answers["vehicles"].text
    assert "'@attack" in answers["manifest"].text
    env = {**os.environ, "LAUNCHCAST_REGISTRY_DIR": str(registry.root), "LAUNCHCAST_DATA_DIR": str(data)}
    printed = subprocess.run(
        [sys.executable, "-m", "launchcast", "forecast", "manifest", "--csv", "--as-of", AS_OF],
        capture_output=True, env=env, check=False,
    )  # fmt: skip
    assert printed.returncode == 0, printed.stderr
    assert b"'@attack" in printed.stdout and not [c for c in cells(printed.stdout) if looks_like_a_formula(c)]


def test_a_provisional_model_gives_way_to_any_fit_that_passes_its_gate(tmp_path: Path) -> None:
    """Before: with the first start's baseline served, a scheduled refit of another model was
    published but not promoted ("eb-beta stays served") until a restart or `models promote`."""
    registry = Registry(tmp_path / "registry")
    fit = make_model("eb-beta").fit(load_history(DATA))
    fit.manifest["provisional"] = PROVISIONAL
    registry.promote(registry.publish(fit))
    done = refit(DATA, registry, RefitPolicy(model="jeffreys"))
    assert done.outcome == "promoted", done.reason
    assert registry.load_current().model == "jeffreys"


def _refit_child(registry: Path, timeout: float = 30) -> int:
    """The pid of the `launchcast refit` the service started for ``registry``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
                environment = (entry / "environ").read_bytes()
            except OSError:
                continue
            if b"refit" in command and f"LAUNCHCAST_REGISTRY_DIR={registry}".encode() in environment:
                return int(entry.name)
        time.sleep(0.01)
    raise AssertionError("the service started no refit")


def test_a_killed_first_fit_is_retried_until_the_full_model_is_served(tmp_path: Path) -> None:
    """Before: after kill -9 of the first fit the provisional model was served for good, its answers
    still promising the full model "within minutes". Now the answers say what happened and when
    it is tried again, and the retry's model replaces the baseline without a restart. (The refit
    model here is jeffreys, closed form: the path is the same, without MCMC.)"""
    registry = tmp_path / "registry"
    env = {
        "LAUNCHCAST_REGISTRY_DIR": str(registry),
        "LAUNCHCAST_DATA_DIR": str(DATA),
        "LAUNCHCAST_REFIT_MODEL": "jeffreys",
        "LAUNCHCAST_FIRST_FIT_RETRY_SECONDS": "1",
        "LAUNCHCAST_RELOAD_SECONDS": "0.2",
    }
    with (
        running_server(env, args=["--fit-if-missing"]) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        os.kill(_refit_child(registry), signal.SIGKILL)
        said = ""
        deadline = time.monotonic() + 20
        while "killed by signal 9" not in said and time.monotonic() < deadline:
            answer = http.get("/v1/forecast/next", params={"state": "KP", "as_of": AS_OF}).json()
            said = " ".join(answer["warnings"])
            time.sleep(0.1)
        assert "killed by signal 9" in said and "tried again at" in said, said
        assert "within minutes" not in said and answer["model"]["model"] == "eb-beta"
        deadline = time.monotonic() + 60
        while http.get("/v1/model").json()["model"] != "jeffreys":
            assert time.monotonic() < deadline, "the retried first fit was never served"
            time.sleep(0.2)
        after = http.get("/v1/forecast/next", params={"state": "KP", "as_of": AS_OF}).json()
        assert not [w for w in after["warnings"] if w.startswith("a provisional answer")]


@pytest.fixture(scope="module")
def client(history: LaunchHistory, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    registry = registry_with(tmp_path_factory.mktemp("registry"), history)
    settings = Settings(registry_dir=registry.root, data_dir=DATA, refit_schedule=False)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_launch_counts_in_a_batch_share_its_budget(client: TestClient) -> None:
    """Before: `launches` questions were not charged to the batch's budget (one 5 KB request, a
    1.6 MB answer and a CPU-second). Now a batch of them is refused past the shared limit."""
    question = {"question": "launches", "operator": "SPX", "from": "2024-01-01", "until": "2053-01-01"}
    alone = client.post("/v1/batch", json={"questions": [question], "as_of": AS_OF}).json()
    assert alone["answers"][0]["status"] == 200, alone
    many = client.post("/v1/batch", json={"questions": [question] * 50, "as_of": AS_OF}).json()
    statuses = [item["status"] for item in many["answers"]]
    assert statuses[0] == 200 and 422 in statuses, statuses
    refused = next(item for item in many["answers"] if item["status"] == 422)
    assert "earlier questions took" in refused["problem"]["detail"]


def test_a_requests_host_never_reaches_a_problems_type(client: TestClient) -> None:
    """Before: the `Host` header was reflected into problem `type` URIs (a cache could keep them)."""
    answer = client.get("/v1/forecast/next", params={"vehicle": "Chollma"}, headers={"Host": "evil.example"})
    assert answer.status_code == 404
    assert answer.json()["type"] == "http://127.0.0.1:8000/problems/not-found"
