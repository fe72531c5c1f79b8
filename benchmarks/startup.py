"""Start-up benchmark: how long the commands people type first take, as whole processes.

Each command runs N times in a fresh process (median and max reported); the floor,
measured in the same run, is ``python -c pass`` — the interpreter alone.  ``models
list`` reads a registry with three versions (eb-beta fits made here, in a temporary
directory).  Targets (issue 13): ``--help`` and ``models list`` ≤ 1 s on 2 cores.

    .venv/bin/python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "launchcast --version": [sys.executable, "-m", "launchcast", "--version"],
    "launchcast --help": [sys.executable, "-m", "launchcast", "--help"],
    "launchcast models list": [sys.executable, "-m", "launchcast", "models", "list"],
    "import launchcast.service.app": [sys.executable, "-c", "import launchcast.service.app"],
    "launchcast data validate": [sys.executable, "-m", "launchcast", "data", "validate"],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        registry = Path(tmp) / "registry"
        env = {**os.environ, "LAUNCHCAST_REGISTRY_DIR": str(registry), "COLUMNS": "120"}
        env.setdefault("LAUNCHCAST_DATA_DIR", str(Path(__file__).resolve().parents[1] / "data"))
        for model in ("eb-beta", "laplace", "jeffreys"):
            subprocess.run(
                [sys.executable, "-m", "launchcast", "fit", "--model", model, "--promote"],
                env=env,
                check=True,
                capture_output=True,
            )
        print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"{'command':34s} {'median s':>9s} {'max s':>7s} {'× floor':>8s}")
        floor = None
        for label, command in COMMANDS.items():
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                subprocess.run(command, env=env, check=True, capture_output=True)
                times.append(time.perf_counter() - started)
            median = statistics.median(times)
            floor = floor or median
            print(f"{label:34s} {median:9.3f} {max(times):7.3f} {median / floor:8.1f}")


if __name__ == "__main__":
    main()
