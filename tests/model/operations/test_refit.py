from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from launchcast.model.errors import LaunchcastError
from launchcast.model.operations.refit import RefitPolicy, refit, refit_lock, refit_running
from launchcast.model.operations.registry import Registry
from launchcast.model.record.history import load_history
from tests.conftest import DATA, REPO

EB = RefitPolicy(model="eb-beta")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA, tmp_path / "data"))


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return Registry(tmp_path / "registry")


def test_refit_promotes_then_is_idempotent(data_dir: Path, registry: Registry) -> None:
    first = refit(data_dir, registry, EB)
    assert first.outcome == "promoted" and registry.current_id() == first.version_id
    again = refit(data_dir, registry, EB)
    assert again.outcome == "skipped" and again.version_id == first.version_id
    forced = refit(data_dir, registry, EB, force=True)
    assert forced.outcome == "promoted" and forced.version_id != first.version_id
    assert [r["outcome"] for r in registry.refits()] == ["promoted", "skipped", "promoted"]


def test_a_fit_by_an_older_model_version_is_replaced(data_dir: Path, registry: Registry) -> None:
    """After an upgrade the registry holds a fit this code refuses to read: the same data and
    config must not count as "already fitted", and the new fit must be promoted over it."""
    old = refit(data_dir, registry, EB).version_id
    manifest = registry.versions_dir / old / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"version": "1.0"', '"version": "0.9"', 1))
    with pytest.raises(LaunchcastError, match="version 0.9 cannot be read"):
        registry.load_current()
    result = refit(data_dir, registry, EB)
    assert result.outcome == "promoted" and result.version_id != old
    assert registry.load_current().version == "1.0"


def test_invalid_data_fails_and_changes_nothing(data_dir: Path, registry: Registry) -> None:
    first = refit(data_dir, registry, EB)
    text = (data_dir / "launches.csv").read_text().replace(",success,1.00,", ",maybe,1.00,", 2)
    (data_dir / "launches.csv").write_text(text)
    result = refit(data_dir, registry, EB, force=True)
    assert result.outcome == "failed" and "column outcome: 'maybe'" in result.reason
    assert registry.current_id() == first.version_id and len(registry.ids()) == 1
    assert registry.refits()[-1]["outcome"] == "failed"


def test_markedly_worse_fit_is_not_promoted(data_dir: Path, registry: Registry) -> None:
    current = refit(data_dir, registry, EB).version_id
    # Laplace is worse than eb-beta on the last year; with no tolerance it must be refused.
    result = refit(data_dir, registry, RefitPolicy(model="laplace", max_log_loss_increase=0.0))
    assert result.outcome == "rejected" and "markedly worse" in result.reason
    assert result.scores["new_log_loss"] > result.scores["current_log_loss"]
    assert registry.current_id() == current and len(registry.ids()) == 1


def test_another_model_is_published_but_not_promoted_unless_asked(data_dir: Path, registry: Registry) -> None:
    """Before: a laplace refit replaced the served hierarchical fit because it was within the allowance."""
    served = refit(data_dir, registry, EB).version_id
    other = refit(data_dir, registry, RefitPolicy(model="laplace", max_log_loss_increase=1.0))
    assert other.outcome == "published" and "--promote" in other.reason
    assert registry.current_id() == served and other.version_id in registry.ids()
    asked = refit(
        data_dir, registry, RefitPolicy(model="laplace", max_log_loss_increase=1.0, promote=True), force=True
    )
    assert asked.outcome == "promoted" and registry.current_id() == asked.version_id


def test_two_refits_never_run_at_once(data_dir: Path, registry: Registry) -> None:
    with refit_lock(registry):
        assert refit_running(registry)
        result = refit(data_dir, registry, EB)
    assert result.outcome == "refused" and "already running" in result.reason
    assert registry.refits()[-1]["outcome"] == "refused"  # logged, and not counted as a failure
    assert not refit_running(registry)


def test_a_full_disk_during_publish_leaves_the_registry_intact(data_dir: Path, registry: Registry) -> None:
    """A disk that refuses the write, for real: the refit runs with a 100 kB file-size limit."""
    current = refit(data_dir, registry, EB).version_id
    code = (
        "import resource, signal, sys; from pathlib import Path;"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN);"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000));"
        "from launchcast.model.operations.refit import refit, RefitPolicy; from launchcast.model.operations.registry import Registry;"
        f"r = refit(Path({str(data_dir)!r}), Registry(Path({str(registry.root)!r})),"
        " RefitPolicy(model='laplace', max_log_loss_increase=1.0), force=True);"
        "print(r.outcome, r.reason); sys.exit(0 if r.outcome == 'failed' else 1)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "could not write the new version" in done.stdout
    assert registry.current_id() == current
    assert registry.ids() == [current]
    assert registry.load_current().model == "eb-beta"
    registry.prune()
    assert not list(registry.versions_dir.glob(".staging-*"))


@pytest.mark.slow
def test_gate_failure_is_rejected(data_dir: Path, registry: Registry) -> None:
    current = refit(data_dir, registry, EB).version_id
    starved = RefitPolicy(options={"draws": 10, "tune": 10, "retries": 0})
    result = refit(data_dir, registry, starved)
    assert result.outcome == "rejected" and "convergence gate" in result.reason
    assert registry.current_id() == current and len(registry.ids()) == 1


@pytest.mark.slow
def test_sigkill_mid_fit_leaves_the_registry_consistent(data_dir: Path, registry: Registry) -> None:
    current = refit(data_dir, registry, EB).version_id
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "launchcast",
            "refit",
            "--model",
            "hierarchical",
            "--force",
            "--data-dir",
            str(data_dir),
        ],
        cwd=REPO,
        env={**__import__("os").environ, "LAUNCHCAST_REGISTRY_DIR": str(registry.root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not refit_running(registry) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert refit_running(registry), "the refit never took the lock"
    time.sleep(8)  # well into compiling / sampling
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not refit_running(registry)  # the OS released the lock
    assert registry.current_id() == current and registry.ids() == [current]
    assert registry.refits()[-1]["outcome"] == "interrupted"
    assert load_history(data_dir).n_launches == 6573
