"""Start-up stays cheap: the app and the light commands never import the fitting stack."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from launchcast import __version__
from launchcast.service.cli import app

FIT_STACK = ("pymc", "pytensor", "nutpie", "arviz")


def _imported_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {FIT_STACK!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_importing_the_app_loads_no_fitting_library() -> None:
    assert _imported_after("from launchcast.service.app import create_app") == []


def test_the_cli_and_its_light_commands_load_no_fitting_library() -> None:
    code = (
        "from typer.testing import CliRunner\nfrom launchcast.service.cli import app\n"
        "CliRunner().invoke(app, ['models', 'list'])\nCliRunner().invoke(app, ['--help'])"
    )
    assert _imported_after(code) == []


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"launchcast {__version__}"


def test_a_bad_setting_is_one_line_not_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "launchcast", "models", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "LAUNCHCAST_PORT": "abc"},
        check=False,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().startswith(
        "error: bad setting: LAUNCHCAST_PORT=abc: Input should be a valid integer"
    )
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_first_start_answers_at_once_from_a_baseline_and_fits_the_model_behind_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`make run` on a fresh machine: no fit yet → the eb-beta baseline is served at once, every
    answer says it is provisional, and the hierarchical fit runs in a child process (it replaces
    the baseline when it passes its gate: hot reload, tested in tests/service/test_end_to_end.py)."""
    import httpx

    from tests.service.server import running_server

    env = {"LAUNCHCAST_VAR_DIR": str(tmp_path / "var"), "LAUNCHCAST_DATA_DIR": str(tmp_path / "var" / "data")}
    with running_server(env, args=["--fit-if-missing"]) as url:
        answer = httpx.get(f"{url}/v1/forecast/next", params={"vehicle": "Chollima-1"}).json()
        assert answer["model"]["model"] == "eb-beta"
        assert answer["warnings"][0].startswith("a provisional answer from the eb-beta baseline")
        page = httpx.get(f"{url}/").text
        assert 'id="provisional"' in page
        assert httpx.get(f"{url}/v1/refit/status").json()["running"] is True  # the real fit, behind it
