"""Refits started by the service: on a cron schedule (APScheduler) or by POST /v1/refit.

The fit runs in a child process (``launchcast refit``), never in the server
process: PyMC stays out of the request path, and a crashed or killed fit cannot
take the service down.  The refit module's file lock makes sure several workers,
a cron job and a hand-started refit never fit at once.
"""

from __future__ import annotations

import contextvars
import logging
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from croniter import croniter

from launchcast.model.errors import LaunchcastError
from launchcast.model.operations.refit import refit_running
from launchcast.service.settings import Settings

log = logging.getLogger("launchcast.refit")


class CronSchedule(BaseTrigger):
    """An APScheduler trigger with cron's own meaning of a crontab line (croniter).

    APScheduler 3's ``CronTrigger`` reads a crontab differently from cron: days of the
    week count from Monday, and a line naming both a day of the month and a day of the
    week fires when both match, where cron fires when either does.  Rewriting day numbers
    got ``0-7``, ``*/2`` and ``1-5/2`` wrong (``benchmarks/libraries.py`` compares);
    croniter computes cron's own fire times.
    """

    def __init__(self, line: str) -> None:
        if not croniter.is_valid(line):
            raise ValueError("expected five fields: minute hour day-of-month month day-of-week")
        self.line = line

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        after = max(previous_fire_time or now, now)
        fire: datetime = croniter(self.line, after.astimezone(UTC)).get_next(datetime)
        return fire


def _relay(process: subprocess.Popen[bytes]) -> None:
    """Log each line the refit child prints, then how it ended."""
    assert process.stdout is not None
    for raw in process.stdout:
        line = raw.decode("utf-8", errors="replace").rstrip()
        if line:
            log.info("refit[%d] %s", process.pid, line)
    code = process.wait()
    log.log(
        logging.INFO if code == 0 else logging.WARNING, "refit[%d] exited with status %d", process.pid, code
    )


class RefitRunner:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.scheduler: BackgroundScheduler | None = None

    def running(self) -> int | None:
        """The pid of the running refit (this service's child or any other), or None."""
        holder = refit_running(self.settings.registry())
        if holder is not None:
            return holder
        own = self.process is not None and self.process.poll() is None
        return self.process.pid if own and self.process else None

    def start(self, first: bool = False) -> bool:
        """Start a refit in a child process; False if one is already running.

        ``first``: the first start's fit, replacing a provisional baseline: the hierarchical
        model on the data at hand (no update: a first start must work offline), promoted
        although the model differs from the one served."""
        with self._lock:
            if self.running() is not None:
                return False
            env = {
                **os.environ,
                "LAUNCHCAST_REGISTRY_DIR": str(self.settings.registry_dir),
                "LAUNCHCAST_REGISTRY_KEEP": str(self.settings.registry_keep),
                "LAUNCHCAST_DATA_DIR": str(self.settings.data_dir),
                "LAUNCHCAST_MAX_LOG_LOSS_INCREASE": str(self.settings.max_log_loss_increase),
                "LAUNCHCAST_TRACK_RECORD": str(self.settings.ledger_url is not None).lower(),
                **({"LAUNCHCAST_DATABASE_URL": self.settings.ledger_url} if self.settings.ledger_url else {}),
            }
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "launchcast",
                    "refit",
                    "--model",
                    self.settings.refit_model,
                    *(["--promote"] if first else []),
                    *(
                        ["--update", "--url", self.settings.gcat_url]
                        if self.settings.refit_update and not first
                        else []
                    ),
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            log.info("refit started (pid %s)", self.process.pid)
            # The child's output goes to this service's log, under the request id that started it.
            context = contextvars.copy_context()
            threading.Thread(
                target=context.run, args=(_relay, self.process), daemon=True, name=f"refit-{self.process.pid}"
            ).start()
            return True

    def schedule(self) -> None:
        try:
            trigger = CronSchedule(self.settings.refit_cron)
        except ValueError as exc:
            raise LaunchcastError(
                f"LAUNCHCAST_REFIT_CRON {self.settings.refit_cron!r} is not a crontab line: {exc}"
            ) from None
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self.scheduler.add_job(self.start, trigger, id="refit", coalesce=True, max_instances=1)
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
