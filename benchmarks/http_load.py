"""HTTP benchmark: real uvicorn over loopback, driven by wrk from a separate process.

Measures ``GET /v1/forecast/next?vehicle=Cheonlima-1`` and, in the same run,
``GET /healthz`` (the framework's own floor) at 32 connections and at 1
connection, and prints the ratios the targets are stated in.  Needs wrk
(Debian: ``apt-get install wrk``); serves the registry's current fit (a
hierarchical refit runs first if there is none).

    .venv/bin/python benchmarks/http_load.py [--duration 20]
    .venv/bin/python benchmarks/http_load.py --audit   # forecast throughput, audit log on vs off

(Named http_load.py, not http.py: a script called http.py in benchmarks/ would
shadow the standard library's ``http`` for every script run from that folder.)
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
ENDPOINTS = {"forecast": "/v1/forecast/next?vehicle=Cheonlima-1", "healthz": "/healthz"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def to_ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def wrk(url: str, connections: int, duration: int) -> dict[str, float]:
    threads = min(2, connections)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}  # type: ignore[union-attr]
    for pct in ("50", "99"):
        result[f"p{pct}"] = to_ms(re.search(rf"\s{pct}%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["errors"] = float(int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(x) for x in socket_errors.groups()) if socket_errors else 0
    )
    result["requests"] = float(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return result


@contextmanager
def serving(env: dict[str, str] | None = None) -> Iterator[str]:
    """``launchcast serve`` on a free loopback port (fitting first if there is no model); its URL."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "launchcast",
            "serve",
            "--port",
            str(port),
            "--fit-if-missing",
            "--no-access-log",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        else:
            sys.exit("server did not become ready")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def audit_comparison(duration: int) -> None:
    """Forecast throughput with the audit log on vs off (issue 14: >= 0.9), alternating twice."""
    path = ENDPOINTS["forecast"]
    rates: dict[str, list[float]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(2):
            for mode in ("off", "on"):
                env = {
                    "LAUNCHCAST_AUDIT_LOG": "true" if mode == "on" else "false",
                    "LAUNCHCAST_DATABASE_URL": f"sqlite:///{tmp}/ledger.sqlite",
                }
                with serving(env) as base:
                    wrk(base + path, 32, 2)  # warm up
                    r = wrk(base + path, 32, duration)
                    rates[mode].append(r["rps"])
                    errors = f"errors {r['errors']:.0f} of {r['requests']:.0f}"
                    print(
                        f"audit {mode:3s} c=32 {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  "
                        f"p99 {r['p99']:6.2f} ms  {errors}"
                    )
    off, on = statistics.mean(rates["off"]), statistics.mean(rates["on"])
    print(f"throughput with the audit log on / off: {on / off:.2f} (target >= 0.9)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--audit", action="store_true", help="compare the audit log on and off instead")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; uvicorn 1 worker, wrk on the same machine"
    )
    if args.audit:
        audit_comparison(args.duration)
        return
    with serving() as base:
        results = {}
        for connections in (32, 1):
            for name, path in ENDPOINTS.items():
                wrk(base + path, connections, 2)  # warm up
                results[name, connections] = r = wrk(base + path, connections, args.duration)
                print(
                    f"{name:8s} c={connections:<2d} {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  "
                    f"p99 {r['p99']:6.2f} ms  errors {r['errors']:.0f} of {r['requests']:.0f}"
                )
        f32, h32 = results["forecast", 32], results["healthz", 32]
        print(f"throughput ratio at 32 connections: {f32['rps'] / h32['rps']:.2f} (target >= 0.9)")
        print(f"p99 ratio at 32 connections: {f32['p99'] / h32['p99']:.2f} (target <= 1.5)")
        print(f"forecast p50 at 1 connection: {results['forecast', 1]['p50']:.2f} ms (target <= 0.5)")


if __name__ == "__main__":
    main()
