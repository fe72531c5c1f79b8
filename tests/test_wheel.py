"""launchcast installs and runs as a wheel, not only from the source tree.

The wheel is built from this checkout and installed (without dependencies) into a
fresh virtual environment; the dependencies come from the test environment's own
site-packages through a path file, so no download is needed.  Then, from an empty
directory: the CLI answers, a fit is made and promoted, and the server serves it.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO
from tests.service.server import running_server


@pytest.fixture(scope="module")
def wheel_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(root / "dist"),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (root / "dist").glob("launchcast-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The dependencies: the test environment's site-packages as a plain path (its .pth files,
    # among them the editable install's, are not processed from there).
    Path(purelib, "dependencies.pth").write_text(site.getsitepackages()[0] + "\n")
    return python


def _clean_env(home: Path) -> dict[str, str]:
    """No LAUNCHCAST_ settings: the defaults an installed program starts with."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHCAST_")}
    return {**env, "HOME": str(home)}


def test_the_wheel_runs_from_an_empty_directory(wheel_python: Path, tmp_path: Path) -> None:
    cwd = tmp_path / "empty"
    cwd.mkdir()
    env = _clean_env(tmp_path)

    def launchcast(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(wheel_python), "-m", "launchcast", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    where = subprocess.run(
        [
            str(wheel_python),
            "-c",
            "import launchcast.model, launchcast.data as d; "
            "print(launchcast.model.__file__); print(d.__file__)",
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(REPO) not in where and "site-packages/launchcast/model" in where
    fitted = launchcast("fit", "--model", "eb-beta")
    assert fitted.returncode == 0, fitted.stdout + fitted.stderr
    assert "promoted" in fitted.stdout
    assert (cwd / "var" / "data" / "launches.csv").read_bytes() == (
        REPO / "data" / "launches.csv"
    ).read_bytes()
    assert len(list((cwd / "var" / "registry" / "versions").iterdir())) == 1

    with running_server(env, python=str(wheel_python), cwd=cwd, inherit_env=False) as url:
        answer = httpx.get(f"{url}/v1/forecast/next", params={"vehicle": "천리마-1"}).json()
        assert answer["vehicle"] == "Cheonlima-1" and answer["model"]["model"] == "eb-beta"
        assert httpx.get(f"{url}/docs").status_code == 200
        page = httpx.get(f"{url}/", timeout=60)  # the outlook page: its template ships in the wheel
        assert page.status_code == 200 and "Korean launch outlook" in page.text


def test_the_wheel_says_what_it_is(wheel_python: Path) -> None:
    """#26 conventions: the package had no authors, classifiers or typing marker.  No licence is
    chosen yet, so the wheel carries 'Private :: Do Not Upload' and no index accepts it by mistake."""
    shown = subprocess.run(
        [
            str(wheel_python),
            "-c",
            "import importlib.metadata as m, importlib.resources as r, json; d = m.metadata('launchcast'); "
            "print(json.dumps({'authors': d.get('Author'), 'classifiers': d.get_all('Classifier'), "
            "'keywords': d.get('Keywords'), 'typed': r.files('launchcast').joinpath('py.typed').is_file()}))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    import json

    metadata = json.loads(shown)
    assert metadata["authors"] == "The launchcast engineers" and "pymc" in metadata["keywords"]
    assert (
        "Private :: Do Not Upload" in metadata["classifiers"] and "Typing :: Typed" in metadata["classifiers"]
    )
    assert metadata["typed"]
