"""The announced launches the service answers with, kept fresh in the background.

``ScheduleKeeper.run`` (a task of the app's lifespan) does two things:

- every ``LAUNCHCAST_SCHEDULE_REFRESH_SECONDS`` (default hourly: at most
  ``schedule_max_pages`` requests, within Launch Library 2's free tier of 15 an hour) it
  updates the schedule from LL2 off the event loop.  *Every* failure backs off, whatever
  raised it (a redirect loop once drew 252 requests in 25 s): a minute, doubling up to the
  refresh interval, or the ``Retry-After`` LL2 gave if longer (at most a day,
  ``download.MAX_RETRY_AFTER``).  Each failure is logged and counted by kind (``/metrics``),
  its message without credentials, and the schedule stays as it was;
- every ``reload_seconds`` it looks at the schedule file's signature, so an entry added with
  ``launchcast schedule add`` in another process is served within seconds; a changed schedule
  is swapped into the served fit's forecaster (``Served.with_schedule``: its caches start
  empty, as charts drawn with the old schedule are stale), and the ledger's keeper records
  forecasts for the new announcements before their windows open (the scheduled tier).  A
  schedule file that cannot be read is served as none, every answer that counts announced
  launches saying so, until an update or an addition replaces it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from launchcast.model.errors import LaunchcastError, ScheduleError
from launchcast.model.record.download import CREDENTIALS
from launchcast.model.record.ll2 import update_schedule
from launchcast.model.record.schedule import SCHEDULE_FILE, Schedule, read_schedule
from launchcast.service.settings import Settings
from launchcast.service.state import Holder

log = logging.getLogger("launchcast.schedule")
#: The first wait after a failed refresh; it doubles with each failure, up to the refresh interval.
FIRST_BACKOFF = 60.0


def signature(data_dir: Path) -> tuple[int, int] | None:
    """What changes when the schedule file is rewritten (its commit renames a new file in)."""
    try:
        stat = (Path(data_dir) / SCHEDULE_FILE).stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


class ScheduleKeeper:
    def __init__(
        self,
        holder: Holder,
        settings: Settings,
        clock: Callable[[], datetime],
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.holder = holder
        self.on_change = on_change
        self.settings = settings
        self.clock = clock
        self.outcomes: Counter[str] = Counter()  # updated | current | failed
        self.failures: Counter[str] = Counter()  # by ScheduleError.kind
        self.last_error: str | None = None
        self.skipped = 0  # entries not taken in (flown, window long closed, malformed window)
        self.entries = 0
        self.checked_at: datetime | None = None
        self._seen = signature(settings.data_dir)
        self._next_fetch = time.monotonic()  # the first refresh runs at start
        self._backoff = 0.0  # the wait after the last failure (0: the last refresh worked)

    def refresh(self) -> None:
        """One update from LL2 (blocking: run it off the event loop); never raises."""
        interval = self.settings.schedule_refresh_seconds
        try:
            result = update_schedule(self.settings.data_dir, self.settings.schedule_config(), self.clock())
        except Exception as exc:  # noqa: BLE001 - every failure backs off, whatever raised it
            if isinstance(exc, ScheduleError):
                kind, message = exc.kind, str(exc)
            elif isinstance(exc, LaunchcastError | OSError):
                kind, message = "input" if isinstance(exc, LaunchcastError) else "io", str(exc)
            else:
                kind, message = "unexpected", f"{type(exc).__name__}: {exc}"
                log.warning("schedule update failed unexpectedly", exc_info=True)
            self._failed(kind, message)
            self._backoff = min(max(2 * self._backoff, FIRST_BACKOFF), max(interval, FIRST_BACKOFF))
            asked = exc.retry_after if isinstance(exc, ScheduleError) and exc.retry_after else 0.0
            self._next_fetch = time.monotonic() + max(self._backoff, asked)
            return
        self.outcomes[result.outcome] += 1
        self.skipped += len(result.change.skipped) if result.change else 0
        self.last_error = None
        self._backoff = 0.0
        log.info("schedule %s: %s", result.outcome, result.reason)
        for aside in result.change.set_aside if result.change else ():
            log.warning("schedule: %s", aside)
        self._next_fetch = time.monotonic() + interval

    @property
    def next_fetch_in(self) -> float:
        """Seconds until the next refresh is due (0: now)."""
        return max(0.0, self._next_fetch - time.monotonic())

    def _failed(self, kind: str, message: str) -> None:
        message = CREDENTIALS.sub("//", message)[:2000]
        self.outcomes["failed"] += 1
        self.failures[kind] += 1
        self.last_error = message
        log.warning("schedule update failed (%s): %s", kind, message)

    def apply(self) -> None:
        """Serve the schedule as committed now (cheap: a small CSV); never raises.  One that cannot
        be read is served as none, the answers that count announced launches saying why."""
        served = self.holder.served
        try:
            schedule = read_schedule(self.settings.data_dir)
        except (LaunchcastError, OSError, ValueError) as exc:
            self._failed("unreadable", f"the schedule cannot be read: {exc}")
            self.entries, self.checked_at = 0, None
            if served is not None:
                self.holder.served = served.with_schedule(None, str(exc))
            return
        self.note(schedule)
        if served is not None:
            self.holder.served = served.with_schedule(schedule)

    def note(self, schedule: Schedule) -> None:
        self.entries = len(schedule.entries)
        self.checked_at = schedule.checked_at

    async def run(self) -> None:
        """The background loop (see the module docstring); survives any error."""
        while True:
            try:
                if self.settings.schedule_refresh_seconds and time.monotonic() >= self._next_fetch:
                    await asyncio.to_thread(self.refresh)
                now_seen = signature(self.settings.data_dir)
                if now_seen != self._seen:
                    self._seen = now_seen
                    await asyncio.to_thread(self.apply)
                    if self.on_change is not None:
                        self.on_change()
            except Exception as exc:  # noqa: BLE001 - the keeper must never die
                self._failed("unexpected", f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(self.settings.reload_seconds)
