"""The one promotion path: [update →] validate data → fit → gate → sanity score → publish → promote.

Every way a new fit reaches the service goes through ``refit``: ``launchcast fit``
(which forces a fit), ``launchcast refit``, ``serve --fit-if-missing``, the
service's schedule and ``POST /v1/refit``.  A fit of another model than the one
served is published but not promoted unless the policy says ``promote=True``
(``--promote``): a baseline must never replace the hierarchical model silently,
even when its recent log loss is inside the allowance.  A *provisional* version (the
first start's baseline, ``manifest["provisional"]``) is no yardstick and holds no place:
the first fit that passes its gate replaces it, whichever refit made it.

With an ``UpdateConfig`` it first brings ``data/`` up to GCAT (``model.record.update``); a
failed update is recorded (update log and this run's entry) and the refit goes on
with the data it has.  An update that finds nothing new leaves the data hash as it
was, so the run is skipped as already fitted, as before.

Run by ``launchcast refit`` (the unit a cron job or Kubernetes CronJob runs) or
by the service's scheduler in a child process.  Every run, whatever its outcome,
is recorded in the registry's ``refits.jsonl``.  A run that fails anywhere
leaves ``current`` untouched, and a file lock makes sure two runs (several
service workers, a cron job and a hand-started refit) never fit at once.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from launchcast.model.defaults import UPDATE_LOG
from launchcast.model.errors import LaunchcastError, RefitRunning
from launchcast.model.operations.registry import Registry
from launchcast.model.operations.upkeep import keep_record, upkeep_summary
from launchcast.model.record.history import load_history
from launchcast.model.record.update import UpdateConfig, attempt_update
from launchcast.model.stats.fit import Fit
from launchcast.model.stats.models import make_model
from launchcast.model.stats.scoring import log_loss, predict

LOCK_FILE = "refit.lock"
log = logging.getLogger("launchcast.refit")


@dataclass(frozen=True)
class RefitPolicy:
    model: str = "hierarchical"
    seed: int = 0
    #: Overrides of the hierarchical config (draws, tune, chains, target_accept, sampler).
    options: dict[str, Any] = field(default_factory=dict)
    #: Promote only if the new fit's log loss on the most recent year of launches is at most
    #: this much (in nats per launch) above the current fit's.
    max_log_loss_increase: float = 0.05
    recent_days: int = 365
    #: Promote even when the served version is another model (``--promote``).
    promote: bool = False


@dataclass
class RefitResult:
    #: promoted | published (another model is served) | skipped | rejected | failed
    #: | refused (another refit held the lock)
    outcome: str
    reason: str
    version_id: str | None = None
    data_hash: str | None = None
    started_at: str = ""
    seconds: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)
    #: The update before the fit, in words ("updated: …", "current: …", "failed: …"), if any.
    update: str | None = None
    #: The forecast ledger after the run, in words (standing forecasts recorded, launches scored).
    ledger: str | None = None
    #: The new fit (not logged): ``launchcast fit`` prints its key parameters.
    fit: Fit | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(replace(self, fit=None)).items() if k != "fit"}


@contextmanager
def refit_lock(registry: Registry) -> Iterator[None]:
    """An exclusive, non-blocking lock; the OS releases it if the holder dies (even by SIGKILL)."""
    try:
        registry.root.mkdir(parents=True, exist_ok=True)
        handle = open(registry.root / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise LaunchcastError(
            f"cannot refit into {registry.root}: {exc.strerror or exc} (a read-only registry serves, "
            "but refits must run where it is writable)"
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise RefitRunning(f"a refit is already running (pid {handle.read().strip() or '?'})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def refit_running(registry: Registry) -> int | None:
    """The pid of the refit holding the lock, or None. Read-only: works on a read-only registry."""
    try:
        handle = open(registry.root / LOCK_FILE, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError:
        return None  # no lock file (never refitted here) or unreadable: nothing runs here
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = handle.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def refit(
    data_dir: Path,
    registry: Registry,
    policy: RefitPolicy = RefitPolicy(),
    force: bool = False,
    update: UpdateConfig | None = None,
    now: datetime | None = None,
    ledger_url: str | None = None,
) -> RefitResult:
    """Run the pipeline once under the lock and record the outcome, whatever it is.

    ``update`` (with ``now``, the time recorded for it) fetches GCAT's tables first.
    ``ledger_url``: afterwards, the forecast ledger records the current version's
    standing forecasts (if new) and scores launches the update brought; a ledger that
    cannot be reached is reported in ``ledger`` and never fails the refit.
    """
    started = time.time()
    result = RefitResult("failed", "", started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)))
    run = {"run": f"{int(started * 1000)}-{os.getpid()}", "model": policy.model, "pid": os.getpid()}
    try:
        with refit_lock(registry):
            # A 'started' entry with no final one means the run died (e.g. SIGKILL).
            registry.record_refit({**run, "outcome": "started", "started_at": result.started_at})
            if update is not None:
                moment = now or datetime.fromtimestamp(started, UTC)
                _, attempt = attempt_update(data_dir, update, registry.root / UPDATE_LOG, moment)
                result.update = f"{attempt.outcome}: {attempt.reason}"
            _run(data_dir, registry, policy, force, result)
    except RefitRunning as exc:
        result.outcome, result.reason = "refused", str(exc)
    except LaunchcastError as exc:
        result.outcome, result.reason = "failed", str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded, then re-raised below
        result.outcome = "failed"
        result.reason = f"unexpected error: {exc!r}\n{traceback.format_exc(limit=5)}"
        result.seconds = round(time.time() - started, 2)
        registry.record_refit({**run, **result.to_dict()})
        raise
    result.seconds = round(time.time() - started, 2)
    if ledger_url is not None and result.outcome != "refused":
        moment = now or datetime.fromtimestamp(time.time(), UTC)
        result.ledger = upkeep_summary(keep_record(ledger_url, registry, data_dir, moment))
    registry.record_refit({**run, **result.to_dict()})
    level = logging.INFO if result.outcome in ("promoted", "published", "skipped") else logging.WARNING
    log.log(level, "refit %s: %s (%s)", result.outcome, result.reason, result.version_id or "no version")
    return result


#: A new version needs room for its posterior; without an earlier one to go by, this much.
MIN_FREE_BYTES = 64 * 1024 * 1024


def _require_space(registry: Registry) -> None:
    """Fail before a minute of sampling, not after it, when the registry's disk is full."""
    sizes = [p.stat().st_size for p in registry.versions_dir.glob("*/posterior.nc")]
    needed = max(MIN_FREE_BYTES, 2 * max(sizes, default=0))
    free = shutil.disk_usage(registry.root).free
    if free < needed:
        raise LaunchcastError(
            f"only {free / 2**20:.0f} MiB free on the registry's disk ({registry.root}); a new version "
            f"needs about {needed / 2**20:.0f} MiB: free some space (or 'launchcast models list' and prune)"
        )


def _run(data_dir: Path, registry: Registry, policy: RefitPolicy, force: bool, result: RefitResult) -> None:
    history = load_history(data_dir)  # raises listing every invalid row
    result.data_hash = history.data_hash
    model = make_model(policy.model, seed=policy.seed, **policy.options)
    existing = registry.find(policy.model, model.version, history.data_hash, model.recorded_config)
    if existing and not force:
        result.outcome, result.version_id = "skipped", existing
        result.reason = f"version {existing} already fits this data and config (use --force)"
        return
    _require_space(registry)
    fit = model.fit(history)
    result.fit = fit
    log.info(
        "fitted %s on %d launches in %.1f s; gate %s",
        policy.model,
        history.n_launches,
        fit.manifest.get("fit_seconds", 0.0),
        fit.diagnostics.summary(),
    )
    if not fit.diagnostics.passed:
        result.outcome = "rejected"
        result.reason = "failed the convergence gate: " + "; ".join(fit.diagnostics.failures[:10])
        return

    recent = history.launches[
        history.launches["year"] >= history.launches["year"].max() - policy.recent_days / 365.25
    ]
    outcomes = recent["success"].to_numpy()
    result.scores["new_log_loss"] = log_loss(predict(fit, recent), outcomes)
    current_id = registry.current_id()
    current = None
    if current_id is not None:
        try:
            current = registry.load(current_id)
        except LaunchcastError:
            current = None  # a broken current version is no yardstick
        if current is not None and current.manifest.get("provisional"):
            current = None  # a placeholder: the first fit through the gate replaces it
        elif current is not None:
            result.scores["current_log_loss"] = log_loss(predict(current, recent), outcomes)
            worse = result.scores["new_log_loss"] - result.scores["current_log_loss"]
            if worse > policy.max_log_loss_increase:
                result.outcome = "rejected"
                result.reason = (
                    f"new fit is markedly worse on the last {policy.recent_days} days "
                    f"({len(recent)} launches): log loss {result.scores['new_log_loss']:.4f} vs "
                    f"{result.scores['current_log_loss']:.4f} (allowed +{policy.max_log_loss_increase})"
                )
                return
    result.scores = {k: float(np.round(v, 6)) for k, v in result.scores.items()}
    result.version_id = registry.publish(fit)
    if current is not None and current.model != fit.model and not policy.promote:
        result.outcome = "published"
        result.reason = (
            f"gate passed; published but not promoted: {current_id} ({current.model}) "
            f"stays served (pass --promote to serve {fit.model})"
        )
        return
    registry.promote(result.version_id)
    result.outcome = "promoted"
    result.reason = f"gate passed; {len(recent)} recent launches scored"
