"""Keeping the record: what refits, data changes, promotions and the service call after each change.

Best effort by design: the ledger is a record of forecasts, never a precondition
for one, so a locked, full or unreachable database is retried, logged and reported,
and a later call catches up (forecasts are keyed by version, scores by launch).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from launchcast.model.errors import LaunchcastError
from launchcast.model.operations.ledger import Ledger
from launchcast.model.operations.registry import Registry
from launchcast.model.operations.standing import baseline_fits, scheduled_forecasts, standing_forecasts
from launchcast.model.operations.track_record import ScoreReport
from launchcast.model.record.history import load_history
from launchcast.model.record.schedule import read_schedule

log = logging.getLogger("launchcast.ledger")


@dataclass
class Upkeep:
    """What one ``keep_record`` call did; ``error`` is set when the ledger could not be reached."""

    recorded: str | None = None  # the version whose standing forecasts were added
    entries: int = 0
    scheduled: int = 0  # forecasts for announced launches added
    report: ScoreReport = field(default_factory=ScoreReport)
    error: str | None = None
    attempts: int = 0


def upkeep_summary(upkeep: Upkeep) -> str:
    """One line for the CLI, the refit log and the service's log."""
    if upkeep.error:
        return f"ledger unavailable ({upkeep.error}); it catches up on the next refit, update or start"
    announced = f"recorded {upkeep.scheduled} forecasts for announced launches; " if upkeep.scheduled else ""
    if upkeep.recorded:
        return (
            f"recorded {upkeep.entries} standing forecasts of {upkeep.recorded}; "
            f"{announced}{upkeep.report.summary()}"
        )
    return announced + upkeep.report.summary()


def keep_record(
    url: str,
    registry: Registry,
    data_dir: Path,
    now: datetime,
    retries: int = 2,
    backoff_seconds: float = 0.5,
) -> Upkeep:
    """Record the current version's standing forecasts if they are missing, then score new launches.

    Never raises: a locked, full or unreachable database is retried ``retries`` times,
    logged, and reported in ``Upkeep.error`` (the caller counts it).  The next call
    catches up on whatever was missed: forecasts are keyed by version, scores by launch.
    """
    upkeep = Upkeep()
    for attempt in range(retries + 1):
        upkeep.attempts = attempt + 1
        try:
            with Ledger.open(url) as ledger:
                history = load_history(data_dir)
                version_id = registry.current_id()
                fit = None
                if version_id and not ledger.has_set(version_id):
                    fit = registry.load(version_id)
                    upkeep.entries = ledger.record(standing_forecasts(fit, version_id, history, now))
                    upkeep.recorded = version_id
                    log.info("ledger: recorded %d standing forecasts of %s", upkeep.entries, version_id)
                upkeep.report = ledger.score(history, now)
                announced = read_schedule(data_dir).entries
                upcoming = {e.id for e in announced if e.window_start > now}
                if version_id and upcoming - ledger.scheduled_ids(version_id):
                    fit = fit or registry.load(version_id)
                    fits = [fit, *baseline_fits(fit, history)]
                    entries = scheduled_forecasts(fits, announced, now)
                    upkeep.scheduled = ledger.record_scheduled(version_id, now, entries)
            upkeep.error = None
            return upkeep
        except LaunchcastError as exc:
            upkeep.error = str(exc)
            log.warning("ledger (attempt %d of %d): %s", attempt + 1, retries + 1, exc)
            if attempt < retries:
                time.sleep(backoff_seconds * 2**attempt)
    return upkeep
