from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from launchcast.service.cli import app
from tests.conftest import DATA

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def test_summary_kp_prints_north_korean_record() -> None:
    result = runner.invoke(app, ["data", "summary", "--state", "KP"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "North Korea" in result.output and "Chollima-1" in result.output
    total = next(line for line in result.output.splitlines() if "total" in line)
    assert [cell.strip() for cell in total.split("│")[2:5]] == ["8", "3", "5"]


def test_validate_ok() -> None:
    result = runner.invoke(app, ["data", "validate"])
    assert result.exit_code == 0 and "6573 launches" in result.output


def test_user_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "d")
    path = tmp_path / "d" / "launches.csv"
    path.write_text(path.read_text().replace(",success,1.00,", ",sucess,1.00,", 1))
    done = subprocess.run(
        [sys.executable, "-m", "launchcast", "data", "validate", "--data-dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "column outcome: 'sucess'" in done.stderr


def test_summary_unknown_state_is_a_clear_error() -> None:
    result = runner.invoke(app, ["data", "summary", "--state", "North Koera"])
    assert (
        result.exit_code == 1 and "unknown state 'North Koera'; closest known: North Korea" in result.output
    )


def test_states_are_accepted_by_name_and_korean_name() -> None:
    for name in ("North Korea", "Korea, North", "조선", "kp"):
        result = runner.invoke(app, ["data", "summary", "--state", name], env={"COLUMNS": "160"})
        assert result.exit_code == 0, result.output
        assert "North Korea (KP)" in result.output and "Chollima-1" in result.output


def test_import_gcat_end_to_end_is_deterministic(tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "data"
    out.mkdir()
    shutil.copy(DATA / "agencies.csv", out)
    shutil.copy(DATA / "orgs.csv", out)
    args = [
        "data",
        "import-gcat",
        str(shared_data / "gcat-launch-orbital-1957-2023.tsv"),
        "--lv",
        str(shared_data / "gcat-lv.tsv"),
        "--orgs",
        str(shared_data / "gcat-orgs.tsv"),
        "--data-dir",
        str(out),
    ]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "kept 6573 launch attempts" in result.output and "15 pad explosions" in result.output
    assert (out / "launches.csv").read_bytes() == (DATA / "launches.csv").read_bytes()
    assert (out / "vehicles.csv").read_bytes() == (DATA / "vehicles.csv").read_bytes()
    assert (out / "orgs.csv").read_bytes() == (DATA / "orgs.csv").read_bytes()


def test_every_command_has_help() -> None:
    for command in (
        ["--help"],
        ["data", "--help"],
        ["data", "import-gcat", "--help"],
        ["data", "validate", "--help"],
        ["data", "summary", "--help"],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 0 and "Usage" in result.output


def test_data_update_cli_prints_what_changed_and_exits_by_outcome(tmp_path: Path, shared_data: Path) -> None:
    """`launchcast data update --url …` against a GCAT-layout server: new data, then 304, then a fault."""
    from tests.gcat_server import LAUNCH, GcatServer, newer_gcat

    data = Path(shutil.copytree(DATA, tmp_path / "data"))
    env = {**WIDE, "LAUNCHCAST_REGISTRY_DIR": str(tmp_path / "registry"), "LAUNCHCAST_GCAT_RETRIES": "0"}
    server = GcatServer(newer_gcat(shared_data))
    with server.running():
        args = ["data", "update", "--url", server.url, "--data-dir", str(data)]
        first = runner.invoke(app, args, env=env)
        assert first.exit_code == 0, first.output
        assert "added 2 launch(es), corrected 1" in first.output
        assert "new vehicle Spectrum" in first.output and "new operator ISAR → D" in first.output
        assert "launch.tsv: " in first.output  # plain progress lines when not on a terminal
        again = runner.invoke(app, args, env=env)
        assert again.exit_code == 0 and "nothing new" in again.output
        server.faults[LAUNCH].append("404")
        server.files[LAUNCH] += b"\n"  # a changed file, so the request is not answered 304
        failed = runner.invoke(app, args, env=env)
        assert failed.exit_code == 1 and "HTTP 404 Not Found" in failed.output
        assert "Traceback" not in failed.output


def test_a_launch_added_twice_under_two_names_is_refused_naming_the_row(tmp_path: Path) -> None:
    """The README's two examples are one launch (2024-05-27, Chollima-1 / 'Chollima-2')."""
    data = shutil.copytree(DATA, tmp_path / "data")
    first = runner.invoke(
        app,
        ["data", "add", "--time", "2024-05-27T15:44Z", "--vehicle", "Cheonlima-1", "--outcome", "failure"]
        + ["--data-dir", str(data)],
    )
    assert first.exit_code == 0, first.output
    assert "launchcast refit" in first.output and "data update" not in first.output
    again = ["data", "add", "--time", "2024-05-27T15:44Z", "--vehicle", "Chollima-2", "--outcome", "failure"]
    again += ["--family", "Chollima", "--state", "KP", "--data-dir", str(data)]
    refused = runner.invoke(app, again)
    assert (
        refused.exit_code == 1
        and "already hold a KP launch at 2024-05-27T15:44Z (Cheonlima-1" in refused.output
    )
    assert "--another-launch" in refused.output
    assert runner.invoke(app, [*again, "--another-launch"]).exit_code == 0


def test_an_offline_update_says_so_once_and_how_to_work_offline(tmp_path: Path) -> None:
    data = shutil.copytree(DATA, tmp_path / "data")
    result = runner.invoke(
        app,
        ["data", "update", "--url", "http://127.0.0.1:9/", "--data-dir", str(data)],
        env={"LAUNCHCAST_GCAT_RETRIES": "0", "LAUNCHCAST_REGISTRY_DIR": str(tmp_path / "registry")},
    )
    assert result.exit_code == 1
    assert result.output.count("cannot connect") == 1 and "data ingest-gcat" in result.output
