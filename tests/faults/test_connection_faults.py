"""Connection floods and oversized headers against the real server (uvicorn on loopback)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest

from launchcast.model.operations.registry import Registry
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.baselines import laplace
from tests.faults.test_registry_faults import Load, env_for, wait_for
from tests.service.conftest import registry_with
from tests.service.server import running_server


@pytest.fixture
def registry(tmp_path: Path, history: LaunchHistory) -> Registry:
    return registry_with(tmp_path / "registry", history)


def test_an_idle_connection_flood_is_refused_while_a_client_keeps_its_answers(
    registry: Registry, history: LaunchHistory
) -> None:
    """Before: idle sockets were never closed; at the file limit every request was reset and
    the hot-reload watcher died. Now: past LAUNCHCAST_MAX_CONNECTIONS new connections are
    closed at once, idle ones after the keep-alive time, and promotions still arrive."""
    env = env_for(registry, LAUNCHCAST_MAX_CONNECTIONS="100", LAUNCHCAST_KEEP_ALIVE_SECONDS="2")
    with running_server(env) as url, Load(url) as load:
        time.sleep(0.5)  # the client's keep-alive connection is open before the flood
        port = int(url.rsplit(":", 1)[1])
        flood = []
        for _ in range(600):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            flood.append(sock)
        # Most of the flood is refused at once: the server closes those sockets.
        time.sleep(0.5)
        closed = 0
        for sock in flood:
            sock.settimeout(0.01)
            try:
                closed += sock.recv(1) == b""
            except TimeoutError:
                pass  # still open: one of the connections let in
            except OSError:
                closed += 1  # reset by the server
        assert closed >= 400, closed
        new = registry.publish(laplace(draws=500).fit(history))
        registry.promote(new)
        wait_for(lambda: served_model_through(load) == "laplace", 15, "no promotion during the flood")
        # The idle ones that were let in are closed after the keep-alive time.
        time.sleep(3)
        still_open = 0
        for sock in flood:
            sock.settimeout(0.01)
            try:
                still_open += sock.recv(1) != b""
            except TimeoutError:
                still_open += 1
            except OSError:
                pass
            sock.close()
        assert still_open == 0
    assert load.errors == [] and set(load.statuses) == {200}


def served_model_through(load: Load) -> str:
    with httpx.Client(base_url=load.url, timeout=10) as client:
        try:
            return str(client.get("/v1/forecast/next", params={"vehicle": "Nuri"}).json()["model"]["model"])
        except httpx.HTTPError:
            return "unreachable (the flood holds the slots)"


def test_an_oversized_header_is_refused_without_growing_the_server(registry: Registry) -> None:
    """Before: four 200 MB headers doubled the server's memory. Now: past
    LAUNCHCAST_MAX_HEADER_BYTES the request is refused while it is still small."""
    with running_server(env_for(registry)) as url, Load(url) as load:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
            sent = 0
            try:
                while sent < 50_000_000:
                    sock.sendall(b"a" * 65536)
                    sent += 65536
            except OSError:
                pass  # the server hung up: what we want
            sock.settimeout(5)
            try:
                answer = sock.recv(200)
            except OSError:
                answer = b""
        assert sent < 10_000_000, f"the server read {sent:,} bytes of one header"
        assert answer == b"" or answer.startswith(b"HTTP/1.1 4")
        wait_for(lambda: len(load.statuses) > 20, 10, "the client got no answers")
    assert load.errors == [] and set(load.statuses) == {200}
