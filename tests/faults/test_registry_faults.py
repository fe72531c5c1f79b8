"""Fault injection against a real server (uvicorn on loopback) and its registry on disk.

What must hold: a client that behaves sees no failed request, the newest good model
is served, and every fault is explained (in /readyz, /v1/model, /metrics or one CLI line).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from launchcast.model.operations.registry import Registry
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.baselines import jeffreys, laplace
from tests.conftest import DATA, REPO
from tests.service.conftest import registry_with
from tests.service.server import running_server

RELOAD = 0.3


def env_for(registry: Registry, **extra: str) -> dict[str, str]:
    return {
        "LAUNCHCAST_REGISTRY_DIR": str(registry.root),
        "LAUNCHCAST_DATA_DIR": str(DATA),
        "LAUNCHCAST_RELOAD_SECONDS": str(RELOAD),
        **extra,
    }


class Load:
    """A client that behaves: one keep-alive connection, one request after another."""

    def __init__(self, url: str) -> None:
        self.url, self.statuses, self.errors = url, [], []  # type: ignore[var-annotated]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self.stop.is_set():
                try:
                    self.statuses.append(
                        client.get("/v1/forecast/next", params={"vehicle": "Nuri"}).status_code
                    )
                except httpx.HTTPError as exc:
                    self.errors.append(repr(exc))

    def __enter__(self) -> Load:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(timeout=20)


def served_model(url: str) -> str:
    return str(httpx.get(f"{url}/v1/forecast/next", params={"vehicle": "Nuri"}).json()["model"]["model"])


def wait_for(predicate, seconds: float, what: str) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < seconds, what
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def registry(tmp_path: Path, history: LaunchHistory) -> Registry:
    return registry_with(tmp_path / "registry", history)


@pytest.mark.parametrize("garbage", [b"\xff\xfe\x00 not utf-8\n", ("v" * 300 + "\n").encode()])
def test_a_garbled_current_never_stops_hot_reload(
    registry: Registry, history: LaunchHistory, garbage: bytes
) -> None:
    """Before: the watcher task died on the garbled pointer and never saw another promotion."""
    with running_server(env_for(registry)) as url, Load(url) as load:
        (registry.root / "current").write_bytes(garbage)
        wait_for(
            lambda: "launchcast_reload_failures_total 0.0" not in httpx.get(f"{url}/metrics").text,
            10,
            "the garbled pointer was never counted",
        )
        ready = httpx.get(f"{url}/readyz").json()
        assert ready["status"] == "ready" and "is corrupt" in ready["fallback"]
        new = registry.publish(laplace(draws=500).fit(history))
        registry.promote(new)
        took = wait_for(lambda: served_model(url) == "laplace", 10, "the promotion was never served")
        assert took < 2 * RELOAD + 2  # one reload round, plus loading the fit
        assert httpx.get(f"{url}/readyz").json()["fallback"] is None
    assert load.errors == [] and set(load.statuses) == {200} and len(load.statuses) > 20


def test_a_corrupt_current_at_start_serves_the_newest_intact_version(
    registry: Registry, history: LaunchHistory
) -> None:
    """Before: 503 until restarted. Now: the newest intact version answers, /v1/model says why,
    and a version repaired in place is picked up (the same id is retried)."""
    good = registry.current_id()
    bad = registry.publish(jeffreys(draws=500).fit(history))
    registry.promote(bad)
    posterior = registry.versions_dir / bad / "posterior.nc"
    intact = posterior.read_bytes()
    posterior.write_bytes(intact[:1000])
    with running_server(env_for(registry)) as url, Load(url) as load:
        info = httpx.get(f"{url}/v1/model").json()
        assert info["served_version"] == good and bad in info["fallback"]
        assert "launchcast_serving_fallback 1.0" in httpx.get(f"{url}/metrics").text
        posterior.write_bytes(intact)  # repaired in place: same id
        wait_for(lambda: served_model(url) == "jeffreys", 15, "the repaired version was never served")
        assert httpx.get(f"{url}/v1/model").json()["fallback"] is None
    assert load.errors == [] and set(load.statuses) == {200}


def test_ids_are_confined_to_the_registry(registry: Registry, tmp_path: Path) -> None:
    """Before: `models promote ../../../outside` pointed current outside the registry."""
    outside = tmp_path / "outside"
    outside.mkdir()
    current = registry.current_id()
    env = {"LAUNCHCAST_REGISTRY_DIR": str(registry.root)}
    for args in (["models", "promote", "../../outside"], ["models", "show", "../../../../"]):
        done = cli(args, env)
        assert done.returncode == 1 and "is not a version id" in done.stderr
        assert "Traceback" not in done.stderr
    assert registry.current_id() == current


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launchcast", *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_garbled_current_is_one_line_in_the_cli(registry: Registry) -> None:
    (registry.root / "current").write_bytes(b"\xff\xfe")
    done = cli(["forecast", "next", "--vehicle", "Nuri"], {"LAUNCHCAST_REGISTRY_DIR": str(registry.root)})
    assert done.returncode == 1 and "is corrupt (not text)" in done.stderr and "Traceback" not in done.stderr
    listed = cli(["models", "list"], {"LAUNCHCAST_REGISTRY_DIR": str(registry.root)})
    assert listed.returncode == 0, listed.stderr


def mount_namespaces_work() -> bool:
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind / /mnt && mount -o remount,ro,bind /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.fixture
def read_only(registry: Registry) -> Iterator[list[str]]:
    """A command prefix that runs a process with the registry mounted read-only (holds as root)."""
    if not mount_namespaces_work():
        pytest.skip("this machine cannot make a private read-only bind mount (unshare -m, mount)")
    script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@"'
    yield ["unshare", "-m", "sh", "-c", script, "read-only", str(registry.root)]


def test_a_read_only_registry_serves_and_reports(registry: Registry, read_only: list[str]) -> None:
    """Before: /metrics, /v1/refit/status and POST /v1/refit answered 500 (the lock opened "a+")."""
    env = env_for(
        registry,
        LAUNCHCAST_ADMIN_TOKEN="s3cret",
        LAUNCHCAST_REFIT_MODEL="eb-beta",
        LAUNCHCAST_REFIT_UPDATE="false",
    )
    with running_server(env, wrap=read_only) as url:
        assert httpx.get(f"{url}/metrics").status_code == 200
        assert httpx.get(f"{url}/v1/refit/status").status_code == 200
        assert httpx.get(f"{url}/v1/forecast/next", params={"vehicle": "Nuri"}).status_code == 200
        started = httpx.post(f"{url}/v1/refit", headers={"Authorization": "Bearer s3cret"})
        assert started.status_code == 202  # the child fails cleanly; the server stays up
        wait_for(lambda: not httpx.get(f"{url}/v1/refit/status").json()["running"], 30, "refit never ended")
        assert httpx.get(f"{url}/metrics").status_code == 200
    done = subprocess.run(
        [*read_only, sys.executable, "-m", "launchcast", "refit", "--model", "eb-beta", "--force"],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "read-only" in done.stderr + done.stdout
