"""Refits started by the service: on a cron schedule (APScheduler) or by POST /v1/refit.

The fit runs in a child process (``launchcast refit``), never in the server
process: PyMC stays out of the request path, and a crashed or killed fit cannot
take the service down.  The refit module's file lock makes sure several workers,
a cron job and a hand-started refit never fit at once.

The first start's fit (``start_first``) replaces a provisional baseline.  Until the
registry's current version is no longer provisional it is tried again when it ends
without one — killed, out of memory, rejected by the gate — after
``first_fit_retry_seconds`` (30), doubling to ``FIRST_FIT_MAX_WAIT``, each time with the next seed; what every
provisional answer says is kept true meanwhile (``FirstFit.note``): it never promises a
model "within minutes" that is not being fitted.
"""

from __future__ import annotations

import contextvars
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from croniter import croniter

from launchcast.model.errors import LaunchcastError
from launchcast.model.operations.refit import refit_running
from launchcast.service.settings import Settings

log = logging.getLogger("launchcast.refit")

#: What every answer from the first start's baseline says (``Fit.manifest["provisional"]``).
PROVISIONAL_BASE = "a provisional answer from the eb-beta baseline (each vehicle's record and a fitted prior)"
PROVISIONAL = (
    f"{PROVISIONAL_BASE}: the hierarchical model is being fitted for the first time and replaces it "
    "as soon as it passes its convergence gate"
)
#: The longest wait before a first-start fit that ended without a model is tried again (the first
#: is ``Settings.first_fit_retry_seconds``; each failure doubles it).
FIRST_FIT_MAX_WAIT = 1800.0


@dataclass
class FirstFit:
    """How the first start's fit is going: attempts, how the last one ended, the next try."""

    attempts: int = 0
    last_exit: int | None = None
    retry_at: datetime | None = None
    wait: float = 0.0

    def note(self, model: str) -> str:
        """What a provisional answer says now."""
        if self.last_exit is None or self.retry_at is None:
            return PROVISIONAL.replace("hierarchical", model)
        how = (
            f"killed by signal {-self.last_exit}"
            if self.last_exit < 0
            else "another refit held the lock, or it was skipped"
            if self.last_exit == 0
            else f"exit status {self.last_exit}: it failed or did not pass its gate"
        )
        return (
            f"{PROVISIONAL_BASE}: the first fit of the {model} model ended without a model "
            f"({how}; attempt {self.attempts}); it is tried again at {self.retry_at:%Y-%m-%d %H:%M} UTC"
        )


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


def _relay(process: subprocess.Popen[bytes], then: Callable[[int], None] | None = None) -> None:
    """Log each line the refit child prints, then how it ended (and tell ``then``)."""
    assert process.stdout is not None
    for raw in process.stdout:
        line = raw.decode("utf-8", errors="replace").rstrip()
        if line:
            log.info("refit[%d] %s", process.pid, line)
    code = process.wait()
    log.log(
        logging.INFO if code == 0 else logging.WARNING, "refit[%d] exited with status %d", process.pid, code
    )
    if then is not None:
        then(code)


class RefitRunner:
    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_first_fit: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.scheduler: BackgroundScheduler | None = None
        #: The first start's fit, once ``start_first`` was called; ``on_first_fit`` hears its note.
        self.first: FirstFit | None = None
        self.on_first_fit = on_first_fit
        self._retry: threading.Timer | None = None
        self._stopped = False

    def running(self) -> int | None:
        """The pid of the running refit (this service's child or any other), or None."""
        holder = refit_running(self.settings.registry())
        if holder is not None:
            return holder
        own = self.process is not None and self.process.poll() is None
        return self.process.pid if own and self.process else None

    def start_first(self) -> bool:
        """The first start's fit: the refit model on the data at hand (no update: a first start
        must work offline), replacing the provisional baseline; tried again until it does."""
        self.first = self.first or FirstFit()
        self.first.attempts += 1
        return self.start(first=True, seed=self.first.attempts - 1)

    def provisional(self) -> bool:
        """Whether the registry's current version is still the first start's baseline."""
        registry = self.settings.registry()
        try:
            current = registry.current_id()
            return current is not None and bool(registry.manifest(current).get("provisional"))
        except (LaunchcastError, OSError, ValueError):
            return False  # nothing readable to replace: the watcher reports the registry

    def _first_ended(self, code: int) -> None:
        first = self.first
        if first is None or self._stopped or not self.provisional():
            return
        first.last_exit = code
        first.wait = min(max(2 * first.wait, self.settings.first_fit_retry_seconds), FIRST_FIT_MAX_WAIT)
        first.retry_at = self.clock() + timedelta(seconds=first.wait)
        note = first.note(self.settings.refit_model)
        log.warning("%s", note.split(": ", 1)[1])
        if self.on_first_fit is not None:
            self.on_first_fit(note)
        self._retry = threading.Timer(first.wait, self.start_first)
        self._retry.daemon = True
        self._retry.start()

    def start(self, first: bool = False, seed: int = 0) -> bool:
        """Start a refit in a child process; False if one is already running.

        ``first``: the first start's fit (``start_first``), promoted although the model differs
        from the one served; ``seed``: the sampler's (a retry takes the next)."""
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
                # In the environment, not the arguments: a mirror's credentials stay out of `ps`.
                "LAUNCHCAST_GCAT_URL": self.settings.gcat_url,
            }
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "launchcast",
                    "refit",
                    "--model",
                    self.settings.refit_model,
                    *(["--promote", "--seed", str(seed)] if first else []),
                    *(["--update"] if self.settings.refit_update and not first else []),
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            log.info("refit started (pid %s)", self.process.pid)
            # The child's output goes to this service's log, under the request id that started it.
            context = contextvars.copy_context()
            then = self._first_ended if first else None
            threading.Thread(
                target=context.run,
                args=(_relay, self.process, then),
                daemon=True,
                name=f"refit-{self.process.pid}",
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
        self._stopped = True
        if self._retry is not None:
            self._retry.cancel()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
