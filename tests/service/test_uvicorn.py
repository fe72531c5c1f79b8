"""The real thing: `launchcast serve` (uvicorn) on a free loopback port, queried over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from service.settings import Settings
from tests.conftest import DATA, REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "LAUNCHCAST_REGISTRY_DIR": str(settings.registry_dir),
           "LAUNCHCAST_DATA_DIR": str(DATA), "LAUNCHCAST_REFIT_SCHEDULE": "false"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise AssertionError(process.stdout.read().decode() if process.stdout else "")
            time.sleep(0.2)
        else:
            raise AssertionError("server did not become ready in 60 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()


def test_real_server_answers_the_korean_questions(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        chollima = client.get("/v1/forecast/next", params={"vehicle": "Chollima-1"})
        assert chollima.status_code == 200 and chollima.json()["vehicle"] == "Cheonlima-1"
        race = client.post("/v1/forecast/versus", json={"a": {"state": "KP"}, "b": {"state": "KR"}})
        assert race.status_code == 200 and 0 <= race.json()["probability_a_first"] <= 1
        assert client.get("/v1/forecast/next", params={"vehicle": "nope"}).status_code == 404
        assert "launchcast_requests_total" in client.get("/metrics").text
