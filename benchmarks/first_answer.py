"""First-answer benchmark: from starting the service with no model to its first forecast, and to the
hierarchical model replacing the provisional baseline (issue 26: ≤ 90 s from `make run` on a fresh
machine including the install, ≤ 10 s once installed).

Installed (default): `launchcast serve --fit-if-missing` with an empty state directory.
`--clone DIR`: `make run` in DIR (a fresh `git clone` of the repository): the install included.

    .venv/bin/python benchmarks/first_answer.py [--clone /tmp/fresh-clone]
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check, limit: float) -> float | None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            if check():
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clone", type=Path, help="a fresh clone to run `make run` in (install included)")
    clone = parser.parse_args().clone
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "LAUNCHCAST_VAR_DIR": str(Path(tmp) / "var"),
            "LAUNCHCAST_PORT": str(port),
            "LAUNCHCAST_SCHEDULE_REFRESH_SECONDS": "0",  # no internet here: measure the model alone
        }
        env.pop("LAUNCHCAST_DATA_DIR", None)
        env.pop("LAUNCHCAST_REGISTRY_DIR", None)
        if clone:
            command, cwd = ["make", "run"], clone
        else:
            command, cwd = [sys.executable, "-m", "launchcast", "serve", "--fit-if-missing"], Path(tmp)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {' '.join(command)} in {cwd}")
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:

            def answered() -> bool:
                return (
                    httpx.get(f"{url}/v1/forecast/next", params={"vehicle": "Chollima-1"}).status_code == 200
                )

            def hierarchical() -> bool:
                return httpx.get(f"{url}/v1/model").json().get("model") == "hierarchical"

            if wait_for(answered, 600) is None:
                print("no forecast within 10 minutes")
                return
            print(f"first forecast: {time.monotonic() - started:.1f} s")
            model = httpx.get(f"{url}/v1/model").json()["model"]
            print(f"served first: {model}")
            swapped = wait_for(hierarchical, 900)
            total = time.monotonic() - started
            print(
                f"hierarchical model served: {total:.1f} s"
                if swapped is not None
                else "no hierarchical model in 15 min"
            )
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


if __name__ == "__main__":
    main()
