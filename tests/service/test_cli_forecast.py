from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from launchcast.service.cli import app

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def invoke(fit_dir: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["forecast", *args, "--fit", str(fit_dir)], env=WIDE)


def test_next_table_and_json(fit_dir: Path) -> None:
    table = invoke(fit_dir, "next", "--vehicle", "Chollima-1")
    assert table.exit_code == 0, table.output
    assert "Chollima-1, flight 4" in table.output and "90% interval" in table.output
    as_json = invoke(fit_dir, "next", "--state", "KP", "--new-vehicle", "--json")
    body = json.loads(as_json.output)
    assert body["new_vehicle"] is True and body["state"] == "KP"
    assert body["data_as_of"] == "2023-12-30" and "data_age_days" in body


def test_as_of_sets_the_window_and_the_data_age(fit_dir: Path) -> None:
    week = invoke(fit_dir, "by-date", "--state", "KP", "--date", "2026-11-30", "--as-of", "2026-11-23")
    assert week.exit_code == 0, week.output
    assert "2026-11-23 00:00 UTC → 2026-11-30 (7.0 days)" in week.output
    assert "1,059 days old" in week.output and "launchcast data update" in week.output
    one = invoke(fit_dir, "versus", "KP", "KR", "--as-of", "2025-01-01T10:00Z", "--json")
    two = invoke(fit_dir, "versus", "KP", "KR", "--as-of", "2025-01-01T10:00Z", "--json")
    assert one.exit_code == 0 and json.loads(one.output) == json.loads(two.output)


def test_campaign_by_date_versus(fit_dir: Path) -> None:
    campaign = invoke(fit_dir, "campaign", "--vehicle", "Chollima-1", "-n", "5", "--json")
    assert len(json.loads(campaign.output)["success_pmf"]) == 6
    later = (date.today() + timedelta(days=500)).isoformat()
    by_date = invoke(fit_dir, "by-date", "--state", "KR", "--date", later)
    assert by_date.exit_code == 0 and "P(at least one success)" in by_date.output
    race = invoke(fit_dir, "versus", "KP", "KR")
    assert race.exit_code == 0 and "P(next success first)" in race.output


def test_errors_are_one_line(fit_dir: Path) -> None:
    unknown = invoke(fit_dir, "next", "--vehicle", "Chollma")
    assert unknown.exit_code == 1 and "closest known: Chollima-1" in unknown.output
    assert "Traceback" not in unknown.output
    too_many = invoke(fit_dir, "campaign", "--vehicle", "Nuri", "-n", "500")
    assert too_many.exit_code == 1 and "between 1 and 100" in too_many.output
    bad_date = invoke(fit_dir, "by-date", "--state", "KP", "--date", "someday")
    assert bad_date.exit_code == 1 and "not a date" in bad_date.output
    no_fit = runner.invoke(app, ["forecast", "next", "--vehicle", "Nuri", "--fit", "/nonexistent"])
    assert no_fit.exit_code == 1 and "launchcast fit" in no_fit.output


def test_launches_table_json_and_chart(fit_dir: Path, tmp_path: Path) -> None:
    """`forecast launches --operator SPX --from 2024-01-01 --until 2025-01-01`: "will SpaceX
    exceed 150 launches in 2024?" as a table, as JSON and as a chart."""
    args = [
        "launches",
        "--operator",
        "SPX",
        "--from",
        "2024-01-01",
        "--until",
        "2025-01-01",
        "--at-least",
        "150",
    ]
    table = invoke(fit_dir, *args, "--as-of", "2024-01-01", "--plot", str(tmp_path / "spx.svg"))
    assert table.exit_code == 0, table.output
    assert "launches of SpaceX (operator)" in table.output
    assert "P(≥ 150)" in table.output and "the operator SpaceX's launch rate" in table.output
    assert 'id="launches_pmf"' in (tmp_path / "spx.svg").read_text()
    body = json.loads(invoke(fit_dir, *args, "--as-of", "2024-01-01", "--json").output)
    assert body["kind"] == "operator" and body["name"] == "SPX" and body["at_least"] == 150
    assert abs(sum(body["launches"]["pmf"]) - 1) < 1e-3 and 0 <= body["launches"]["at_least"] <= 1
    assert body["successes"]["mean"] <= body["launches"]["mean"]
    bad = invoke(fit_dir, "launches", "--state", "KP", "--from", "2024-13-01", "--until", "2025-01-01")
    assert bad.exit_code == 1 and "--from '2024-13-01' is not a date" in bad.output


def test_json_errors_are_json(fit_dir: Path) -> None:
    """With --json, a program reading the output gets the error as JSON too (was a red line)."""
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "launchcast",
            "forecast",
            "next",
            "--vehicle",
            "Chollma",
            "--json",
            "--fit",
            str(fit_dir),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and done.stdout == ""
    error = json.loads(done.stderr)["error"]
    assert error["message"].startswith("unknown vehicle 'Chollma'") and error["suggestions"] == ["Chollima-1"]


def test_piped_tables_are_not_cut_to_80_columns(tmp_path: Path) -> None:
    """`launchcast models list | less` showed 'al… | mo… | 20…'; piped, rows are whole."""
    import subprocess
    import sys

    from launchcast.model.operations.registry import Registry
    from launchcast.model.record.history import load_history
    from launchcast.model.stats.baselines import eb_beta
    from tests.conftest import DATA

    registry = Registry(tmp_path / "registry")
    version = registry.publish(eb_beta().fit(load_history(DATA)))
    registry.promote(version)
    done = subprocess.run(
        [sys.executable, "-m", "launchcast", "models", "list"],
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "LAUNCHCAST_REGISTRY_DIR": str(registry.root), "COLUMNS": "80"},
    )
    assert done.returncode == 0 and version in done.stdout


def test_after_data_add_answers_ask_for_a_refit_not_an_update(fit_dir: Path, tmp_path: Path) -> None:
    """#26 friction 15: after ``data add`` the answers still said "run 'launchcast data update'",
    though the data directory was up to date and only a refit was needed."""
    import shutil

    from tests.conftest import DATA

    data = shutil.copytree(DATA, tmp_path / "data")
    env = {**WIDE, "LAUNCHCAST_DATA_DIR": str(data), "LAUNCHCAST_VAR_DIR": str(tmp_path / "var")}
    asked = [
        "forecast",
        "next",
        "--vehicle",
        "Nuri",
        "--fit",
        str(fit_dir),
        "--as-of",
        "2024-06-10",
        "--json",
    ]
    before = json.loads(runner.invoke(app, asked, env=env).output)["warnings"]
    assert any("'launchcast data update'" in w for w in before)  # 163 days old: both steps
    added = runner.invoke(
        app,
        ["data", "add", "--time", "2024-05-27T15:44Z", "--vehicle", "Cheonlima-1", "--outcome", "failure"]
        + ["--data-dir", str(data)],
        env=env,
    )
    assert added.exit_code == 0, added.output
    after = json.loads(runner.invoke(app, asked, env=env).output)["warnings"]
    assert not any("data update" in w for w in after)
    assert any("launches to 2024-05-27 that this fit (data to 2023-12-30) has not seen" in w for w in after)
    assert any(w.endswith("run 'launchcast refit'") for w in after)


def test_csv_for_tables_people_keep(fit_dir: Path) -> None:
    """#26: --csv on the tabular questions: rows a spreadsheet reads, the provenance last."""
    months = invoke(fit_dir, "by-month", "--state", "KP", "--months", "3", "--as-of", "2024-01-01", "--csv")
    assert months.exit_code == 0, months.output
    lines = months.output.splitlines()
    assert lines[0] == "date,probability" and len(lines) == 5 and lines[-1].startswith("# ")
    assert lines[1].startswith("2024-02-01,")
    counts = invoke(
        fit_dir,
        "launches",
        "--state",
        "KP",
        "--from",
        "2024-01-01",
        "--until",
        "2025-01-01",
        "--as-of",
        "2024-01-01",
        "--csv",
    )
    assert counts.exit_code == 0, counts.output
    assert (
        counts.output.splitlines()[0] == "k,p_launches,p_launches_at_least,p_successes,p_successes_at_least"
    )
    table = invoke(fit_dir, "by-month", "--state", "KP", "--months", "3", "--as-of", "2024-01-01")
    assert "2024-03-01" in table.output and "%" in table.output
