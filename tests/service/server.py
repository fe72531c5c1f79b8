"""Start `launchcast serve` (real uvicorn) on a free loopback port for a test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(
    env: dict[str, str],
    timeout: float = 60,
    wrap: list[str] | None = None,
    ready_status: int = 200,
    python: str = sys.executable,
    cwd: Path = REPO,
    inherit_env: bool = True,
    args: list[str] | None = None,
) -> Iterator[str]:
    """Yield the base URL once /readyz answers ``ready_status``; stop the server afterwards,
    with any child it started (a refit), as one process group.

    ``wrap`` runs the server under another command (e.g. a private mount namespace);
    ``python`` may be another installation's interpreter (the wheel test's); ``args`` are
    more options for ``launchcast serve``."""
    port = free_port()
    process = subprocess.Popen(
        [
            *(wrap or []),
            python,
            "-m",
            "launchcast",
            "serve",
            "--port",
            str(port),
            "--no-access-log",
            *(args or []),
        ],
        cwd=cwd,
        env={**(os.environ if inherit_env else {}), "LAUNCHCAST_REFIT_SCHEDULE": "false", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == ready_status:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                raise AssertionError(f"server exited:\n{output}")
            assert time.monotonic() < deadline, f"server not ready in {timeout} s"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        try:
            os.killpg(process.pid, signal.SIGKILL)  # a child the server left (a refit still fitting)
        except ProcessLookupError:
            pass
        if process.stdout:
            process.stdout.close()
