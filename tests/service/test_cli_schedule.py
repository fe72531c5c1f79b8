"""The issue's walk-through, by the command line: a loopback schedule server holding a North Korean
window and a Nuri launch → ``schedule update`` → ``forecast manifest`` → ``forecast by-date`` that
counts the window and says so → the launch reported → scored in the track record's scheduled tier."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from launchcast.model.record.history import LaunchHistory
from launchcast.service.cli import app
from tests.conftest import DATA
from tests.ll2_server import Ll2Server, entry
from tests.service.conftest import registry_with

runner = CliRunner()
AS_OF = "2024-01-10"  # after the data's end (2023-12-30), before the windows open
WINDOWS = [
    entry(
        "kp-window",
        "Chollima-1",
        "2024-05-20T00:00:00Z",
        "2024-05-27T23:00:00Z",
        name="Chollima-1 | Malligyong-1",
    ),
    entry("kr-nuri", "Nuri", "2024-09-01T00:00:00Z", "2024-09-30T00:00:00Z", status="TBD", country="KR"),
    entry("au-new", "Eris", "2024-07-01T00:00:00Z", country="AU", status="TBD"),
]


def test_schedule_update_manifest_by_date_and_the_scheduled_tier(
    history: LaunchHistory, tmp_path: Path
) -> None:
    data = Path(shutil.copytree(DATA, tmp_path / "data"))
    registry = registry_with(tmp_path / "registry", history)
    env = {
        "COLUMNS": "200",
        "LAUNCHCAST_DATA_DIR": str(data),
        "LAUNCHCAST_REGISTRY_DIR": str(registry.root),
        "LAUNCHCAST_VAR_DIR": str(tmp_path / "var"),
        "LAUNCHCAST_TRACK_RECORD": "true",
    }

    def run(*args: str):  # type: ignore[no-untyped-def]
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result

    by_date = ("forecast", "by-date", "--state", "KP", "--date", "2024-12-31", "--as-of", AS_OF)
    before = run(*by_date, "--json")
    with Ll2Server(WINDOWS).running() as server:
        update = run("schedule", "update", "--url", server.url, "--as-of", AS_OF)
    assert "3 new" in update.output and "recorded 6 forecasts for announced launches" in update.output

    listed = run("schedule", "list", "--as-of", AS_OF)
    assert "Cheonlima-1" in listed.output and "new vehicle" in listed.output

    manifest = json.loads(run("forecast", "manifest", "--as-of", AS_OF, "--json").output)
    rows = {r["id"]: r for r in manifest["launches"]}
    assert rows["kp-window"]["vehicle"] == "Cheonlima-1" and rows["kp-window"]["flight_number"] == 4
    assert 0 < rows["kp-window"]["probability"] < 1 and rows["kr-nuri"]["state"] == "KR"
    assert rows["au-new"]["new_vehicle"] and rows["au-new"]["flight_number"] == 1
    table = run("forecast", "manifest", "--as-of", AS_OF, "--state", "KP")
    assert "Chollima-1 | Malligyong-1" in table.output and "Nuri" not in table.output

    after = run(*by_date, "--json")
    counted = json.loads(after.output)["announced"]
    assert json.loads(before.output)["announced"] == [] and counted[0].startswith("Chollima-1 | Malligyong-1")
    assert json.loads(after.output)["probability"] != json.loads(before.output)["probability"]
    assert "announced launches counted" in run(*by_date).output

    run("data", "add", "--time", "2024-05-27T15:44Z", "--vehicle", "Cheonlima-1", "--outcome", "failure")
    record = run("track-record")
    assert "Track record — scheduled" in record.output
    scored = json.loads(run("track-record", "--json").output)
    tiers = {(r["launch_tag"].startswith("manual"), r["tier"]) for r in scored["launches"]}
    assert (True, "scheduled") in tiers
