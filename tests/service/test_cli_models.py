"""``launchcast models …``: full ids, aliases, --json, and rollback along the promotions."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.baselines import jeffreys, laplace
from launchcast.service.cli import app
from tests.service.conftest import registry_with

runner = CliRunner()


def test_list_show_alias_promote_rollback(tmp_path: Path, history: LaunchHistory) -> None:
    registry = registry_with(tmp_path / "registry", history)
    first = registry.current_id()
    second = registry.publish(laplace(draws=200).fit(history))
    third = registry.publish(jeffreys(draws=200).fit(history))
    env = {"LAUNCHCAST_REGISTRY_DIR": str(registry.root), "COLUMNS": "80"}

    listed = runner.invoke(app, ["models", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    for version_id in (first, second, third):  # whole ids, even at 80 columns: they can be copied
        assert version_id in listed.output
    as_json = json.loads(runner.invoke(app, ["models", "list", "--json"], env=env).output)
    assert [v["id"] for v in as_json] == [first, second, third] and as_json[0]["aliases"] == ["current"]

    for ref in (second, third):
        assert runner.invoke(app, ["models", "promote", ref], env=env).exit_code == 0
    assert runner.invoke(app, ["models", "alias", "champion", first], env=env).exit_code == 0
    shown = runner.invoke(app, ["models", "show", "champion"], env=env)
    assert shown.exit_code == 0 and first in shown.output and "closed-form" in shown.output
    assert len(shown.output.splitlines()) < 25  # a summary, not the manifest
    manifest = json.loads(runner.invoke(app, ["models", "show", first, "--json"], env=env).output)
    assert manifest["model"] == "eb-beta" and "records" in manifest

    back = runner.invoke(app, ["models", "rollback"], env=env)
    assert back.exit_code == 0 and f"current: {second}" in back.output
    again = runner.invoke(app, ["models", "rollback"], env=env)
    assert again.exit_code == 0 and f"current: {first}" in again.output
    unknown = runner.invoke(app, ["models", "show", "nope"], env=env)
    assert unknown.exit_code == 1 and "no version 'nope'" in unknown.output
