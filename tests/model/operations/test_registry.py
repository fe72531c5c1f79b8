from __future__ import annotations

import json
from pathlib import Path

import pytest

from launchcast.model.errors import LaunchcastError, NotFoundError
from launchcast.model.operations.registry import Registry
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.baselines import eb_beta, jeffreys, laplace
from launchcast.model.stats.diagnostics import Diagnostics
from launchcast.model.stats.saved import POSTERIOR_FILE


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return Registry(tmp_path / "registry", keep=3)


def test_publish_promote_list_show(registry: Registry, history: LaunchHistory) -> None:
    assert registry.current_id() is None and registry.list() == []
    first = registry.publish(eb_beta(draws=200).fit(history))
    assert registry.current_id() is None  # publishing is not promoting
    registry.promote(first)
    assert registry.current_id() == first
    info = registry.info(first)
    assert info.model == "eb-beta" and info.current and info.passed_gate
    assert info.data_hash == history.data_hash and info.data_as_of == "2023-12-30"
    assert registry.load_current().model == "eb-beta"
    with pytest.raises(NotFoundError, match="launchcast models list"):
        registry.manifest("nope")


def test_rollback_walks_back_along_the_promotions(registry: Registry, history: LaunchHistory) -> None:
    """Before: a second rollback re-promoted the version just rolled back from."""
    a, b, c = (registry.publish(m(draws=200).fit(history)) for m in (eb_beta, laplace, jeffreys))
    for version in (a, b, c):
        registry.promote(version)
    assert registry.aliases()["previous"] == b
    assert registry.rollback() == b and registry.current_id() == b
    assert registry.rollback() == a and registry.current_id() == a
    with pytest.raises(LaunchcastError, match="nothing to roll back"):
        registry.rollback()
    registry.promote(c)  # a new promotion pushes onto what is left: back goes to a
    assert registry.aliases()["previous"] == a
    with pytest.raises(LaunchcastError, match="nothing to roll back"):
        Registry(registry.root.parent / "empty").rollback()


def test_pinned_aliases_resolve_and_are_never_pruned(registry: Registry, history: LaunchHistory) -> None:
    champion = registry.publish(eb_beta(draws=200).fit(history))
    registry.set_alias("champion", champion)
    for model in (laplace, jeffreys, laplace, jeffreys):
        registry.promote(registry.publish(model(draws=200).fit(history)))
    assert champion in registry.ids() and registry.resolve("champion") == champion
    assert registry.info(champion).aliases == ("champion",)
    registry.promote(registry.resolve("champion"))
    assert registry.list()[0].aliases == ("current", "champion")
    with pytest.raises(LaunchcastError, match="set by promotions"):
        registry.set_alias("current", champion)
    registry.remove_alias("champion")
    with pytest.raises(NotFoundError, match="no alias"):
        registry.remove_alias("champion")


def test_keeps_the_last_k_but_never_the_current(registry: Registry, history: LaunchHistory) -> None:
    first = registry.publish(eb_beta(draws=200).fit(history))
    registry.promote(first)
    for model in (laplace, jeffreys, laplace, jeffreys):
        registry.publish(model(draws=200).fit(history))
    registry.prune()
    ids = registry.ids()
    assert first in ids  # current survives
    assert len(ids) == 4  # 3 newest + the current one


def test_a_gate_failure_can_never_be_published(registry: Registry, history: LaunchHistory) -> None:
    fit = eb_beta(draws=200).fit(history)
    fit.manifest["diagnostics"] = Diagnostics(method="mcmc", failures=["mu: R-hat 1.2 > 1.01"]).to_dict()
    with pytest.raises(LaunchcastError, match="failed the convergence gate: mu: R-hat 1.2"):
        registry.publish(fit)
    assert registry.ids() == []


def test_a_corrupt_version_cannot_be_promoted(registry: Registry, history: LaunchHistory) -> None:
    good = registry.publish(eb_beta(draws=200).fit(history))
    registry.promote(good)
    bad = registry.publish(laplace(draws=200).fit(history))
    path = registry.versions_dir / bad / POSTERIOR_FILE
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(LaunchcastError, match="truncated or corrupt"):
        registry.promote(bad)
    assert registry.current_id() == good


def test_refit_log_marks_runs_that_never_finished(registry: Registry) -> None:
    registry.record_refit({"run": "1", "outcome": "started"})
    registry.record_refit({"run": "1", "outcome": "promoted"})
    registry.record_refit({"run": "2", "outcome": "started"})
    with (registry.root / "refits.jsonl").open("a") as log:
        log.write('{"run": "3", "outc')  # a line cut by a crash
    runs = registry.refits()
    assert [r["outcome"] for r in runs] == ["promoted", "interrupted"]
    assert registry.refits(running=True)[-1]["outcome"] == "running"
    assert json.loads((registry.root / "refits.jsonl").read_text().splitlines()[0])["run"] == "1"
