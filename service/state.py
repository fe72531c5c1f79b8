"""What the service answers from: one fit plus caches, swapped by a single reference.

A request reads ``holder.served`` once and uses that object to the end, so a
promotion (step 5's hot reload) that replaces the reference never changes a
model under an in-flight request.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from cachetools import LRUCache

from launchcast.model.defaults import STALE_AFTER_DAYS
from launchcast.model.errors import LaunchcastError, LedgerError
from launchcast.model.operations.ledger import Ledger
from launchcast.model.operations.registry import Registry
from launchcast.model.operations.track_record import Totals
from launchcast.model.operations.upkeep import Upkeep, keep_record, upkeep_summary
from launchcast.model.questions.answers import NextLaunchTimes
from launchcast.model.questions.asking import Announcements, Programme, Resolved, resolve
from launchcast.model.questions.forecast import next_launch, next_launch_times
from launchcast.model.record.history import LaunchHistory, load_history
from launchcast.model.record.schedule import Schedule, read_schedule
from launchcast.model.stats.fit import Fit
from launchcast.service.errors import LedgerUnavailable, NoFitLoaded
from launchcast.service.forecaster import Forecaster
from launchcast.service.settings import Settings

T = TypeVar("T")
log = logging.getLogger("launchcast.ledger")

#: Charts kept per served fit (the oldest drawn is dropped first).
CHART_CACHE = 512

#: "Now" for the service: read at the edge, once per request, and passed in (time is an input).
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Served:
    """A loaded fit with the answers that never change until the next fit.

    Next-launch answers per vehicle are computed and serialised once, without their
    time fields; per request only those (``NextLaunchTimes``: as_of, data age,
    warnings, launches since the data) are serialised and joined on — the hot path
    stays a few microseconds.
    """

    fit: Fit
    version_id: str
    history: LaunchHistory | None
    next_by_vehicle: dict[str, tuple[Resolved, bytes, float]] = field(repr=False)
    #: Every question of this fit, with the settings that shape answers (``service.forecaster``).
    forecaster: Forecaster = field(repr=False)
    #: Rendered charts and pages by (route, format, question): drawn once per fit and question,
    #: the least recently asked dropped first.  Pool threads and the event loop share it: locked.
    charts: LRUCache[tuple[str, ...], bytes] = field(
        default_factory=lambda: LRUCache(CHART_CACHE), repr=False
    )
    _charts_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def cached_chart(self, key: tuple[str, ...]) -> bytes | None:
        with self._charts_lock:
            return self.charts.get(key)

    def chart(self, key: tuple[str, ...], draw: Callable[[], bytes]) -> bytes:
        """The chart under ``key``, drawn (outside the lock) if it is not cached."""
        found = self.cached_chart(key)
        if found is None:
            found = draw()
            with self._charts_lock:
                self.charts[key] = found
        return found

    @classmethod
    def load(
        cls, registry: Registry, version_id: str, data_dir: Path, stale_after_days: int = STALE_AFTER_DAYS
    ) -> Served:
        fit = registry.load(version_id)
        try:
            history: LaunchHistory | None = load_history(data_dir)
        except LaunchcastError:
            history = None  # /v1/history says why; forecasts need only the fit
        data_end = fit.data_end or system_clock()
        cache = {}
        times = set(NextLaunchTimes.model_fields)
        for vehicle in fit.records:
            programme = Programme(vehicle=vehicle)
            answer = next_launch(fit, programme, now=data_end)
            timeless = answer.model_dump_json(exclude=times).encode()
            cache[vehicle] = (resolve(fit, programme), timeless, answer.probability)
        served = cls(fit, version_id, history, cache, Forecaster(fit, version_id, stale_after_days, history))
        try:
            return served.with_schedule(read_schedule(data_dir))
        except LaunchcastError as exc:
            log.warning("answering without announced launches: %s", exc)
            return served.with_schedule(None, str(exc))

    def with_schedule(self, schedule: Schedule | None, problem: str = "") -> Served:
        """This fit, answering with ``schedule``'s announced launches (None: without any, saying
        ``problem``, why the schedule cannot be read); caches start empty (charts and pages drawn
        with the old schedule are stale)."""
        forecaster = replace(
            self.forecaster,
            announced=Announcements.of(schedule, self.history)
            if schedule is not None
            else Announcements.unreadable(problem),
            schedule_checked_at=schedule.checked_at if schedule is not None else None,
        )
        return replace(
            self, forecaster=forecaster, charts=LRUCache(CHART_CACHE), _charts_lock=threading.Lock()
        )

    def next_json(self, programme: Programme, now: datetime, explain: bool = False) -> tuple[bytes, float]:
        """The next-launch answer as JSON, asked at ``now``, and its probability (for the audit log)."""
        if explain:
            answer = self.forecaster.next(programme, now, explain=True).answer
            return answer.model_dump_json().encode(), answer.probability
        plain = not (programme.state or programme.new_vehicle or programme.family or programme.assistance)
        if programme.vehicle and plain:
            record = self.fit.catalogue.record(programme.vehicle)
            resolved, timeless, probability = self.next_by_vehicle[record.vehicle]
            times = self.forecaster.settle(next_launch_times(self.fit, resolved, self.forecaster.moment(now)))
            return times.model_dump_json().encode()[:-1] + b"," + timeless[1:], probability
        answer = self.forecaster.next(programme, now).answer
        return answer.model_dump_json().encode(), answer.probability


@dataclass
class Holder:
    """The one mutable reference, and what the watcher knows about it.

    ``error`` says why nothing (or not the current version) is served; ``fallback`` is
    set while the service answers from another version than ``current`` because
    ``current`` cannot be read. ``watcher_beat`` is the monotonic time of the hot-reload
    watcher's last round (readiness reports a stalled watcher).
    """

    served: Served | None = None
    error: str = "no fit loaded yet"
    fallback: str = ""
    reload_failures: int = 0
    watcher_errors: int = 0
    watcher_beat: float | None = None  # None until the watcher runs (no lifespan, no watcher)

    def require(self) -> Served:
        served = self.served
        if served is None:
            raise NoFitLoaded(self.error)
        return served


class LedgerHolder:
    """The service's one connection pool to the ledger, opened on first use and reopened after a failure.

    Reads for clients (``read``) run one at a time on a thread of their own with a time limit: a
    database that hangs (a stopped server answers nothing, so even its statement timeout
    never fires) holds that thread, never the event loop, and while it does every read
    answers from the last snapshot of the same question, saying when it was taken.
    """

    #: Answers kept per question, for when the database is slow (the oldest asked is dropped first).
    SNAPSHOTS = 64

    def __init__(self, url: str, timeout_seconds: float = 5.0) -> None:
        self.url = url
        self.timeout_seconds = timeout_seconds
        self.failures = 0  # upkeep (recording, scoring) that could not reach the database
        self._ledger: Ledger | None = None
        self._lock = threading.Lock()
        self._reading: asyncio.Future[Any] | None = None
        # Read and written on the event loop only, so unlocked.
        self._snapshots: LRUCache[Hashable, tuple[Any, datetime]] = LRUCache(self.SNAPSHOTS)

    def get(self) -> Ledger:
        with self._lock:
            if self._ledger is None:
                try:
                    self._ledger = Ledger.open(self.url, self.timeout_seconds)
                except LedgerError as exc:
                    raise LedgerUnavailable(str(exc)) from None
            return self._ledger

    async def read(self, key: Hashable, query: Callable[[Ledger], T]) -> tuple[T, datetime | None]:
        """``query`` on the ledger off the event loop, and None; or, when the database does not
        answer within the time limit (or a read is still stuck), the last answer to ``key`` and
        when it was read.  ``LedgerUnavailable`` when there is none."""
        if self._reading is None or self._reading.done():
            future = self._start(query)
            self._reading = future
            try:
                answer = await asyncio.wait_for(asyncio.shield(future), self.timeout_seconds)
            except TimeoutError:
                log.warning(
                    "ledger: no answer in %.1f s; answering from the last snapshot", self.timeout_seconds
                )
            else:
                self._snapshots[key] = (answer, datetime.now(UTC))
                return answer, None
        found = self._snapshots.get(key)
        if found is None:
            raise LedgerUnavailable(
                f"its database has not answered within {self.timeout_seconds:g} s "
                "(LAUNCHCAST_DATABASE_TIMEOUT_SECONDS) and there is no earlier answer to this question; "
                "try again later"
            )
        return found[0], found[1]

    def _start(self, query: Callable[[Ledger], T]) -> asyncio.Future[T]:
        """Run ``query`` on a daemon thread: one stuck on a hung database never keeps the
        process from exiting (a pool's threads are joined at exit)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def settle(outcome: Callable[[], None]) -> None:
            if not future.done():
                outcome()

        def run() -> None:
            try:
                answer = query(self.get())
            except Exception as exc:  # noqa: BLE001 - handed to the awaiting request
                loop.call_soon_threadsafe(settle, partial(future.set_exception, exc))
            else:
                loop.call_soon_threadsafe(settle, partial(future.set_result, answer))

        threading.Thread(target=run, name="launchcast-ledger-read", daemon=True).start()
        return future

    def close(self) -> None:
        with self._lock:
            if self._ledger is not None:
                self._ledger.dispose()
                self._ledger = None


class Upkeeper:
    """Keeps the forecast ledger after each load, in the background: a slow or unreachable
    database never delays serving. Failures are logged (by ``keep_record``) and counted."""

    def __init__(self, ledger: LedgerHolder | None, settings: Settings, clock: Clock) -> None:
        self.ledger = ledger
        self.settings = settings
        self.clock = clock
        self.failures = 0
        self.last: Upkeep | None = None
        self.totals: list[Totals] = []  # the track record's totals after the last upkeep, for /metrics
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        if self.ledger is None:
            return
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(self.run))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def run(self) -> None:
        assert self.settings.ledger_url is not None
        self.last = keep_record(
            self.settings.ledger_url, self.settings.registry(), self.settings.data_dir, self.clock()
        )
        if self.last.error:
            self.failures += 1
            return
        log.info("ledger: %s", upkeep_summary(self.last))
        try:
            assert self.ledger is not None
            self.totals = self.ledger.get().track_record().totals
        except Exception as exc:  # noqa: BLE001 - metrics are best effort
            log.warning("ledger: could not read the totals for /metrics: %s", exc)

    async def wait(self) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=60)
