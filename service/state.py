"""What the service answers from: one fit plus caches, swapped by a single reference.

A request reads ``holder.served`` once and uses that object to the end, so a
promotion (step 5's hot reload) that replaces the reference never changes a
model under an in-flight request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from launchcast.model.errors import LaunchcastError
from launchcast.model.fit import Fit
from launchcast.model.forecast import (
    Moment,
    NextLaunchTimes,
    Programme,
    Resolved,
    next_launch,
    next_launch_times,
    resolve,
)
from launchcast.model.history import LaunchHistory, load_history
from launchcast.model.registry import Registry

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
    next_by_vehicle: dict[str, tuple[Resolved, bytes]] = field(repr=False)

    @classmethod
    def load(cls, registry: Registry, version_id: str, data_dir: Path) -> Served:
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
            timeless = next_launch(fit, programme, now=data_end).model_dump_json(exclude=times).encode()
            cache[vehicle] = (resolve(fit, programme), timeless)
        return cls(fit, version_id, history, cache)

    def next_json(self, programme: Programme, now: datetime, stale_after_days: int) -> bytes:
        """The next-launch answer as JSON, asked at ``now``."""
        if programme.vehicle and not programme.state and not programme.new_vehicle and not programme.family:
            record = self.fit.record(programme.vehicle)
            resolved, timeless = self.next_by_vehicle[record.vehicle]
            times = next_launch_times(self.fit, resolved, Moment.of(self.fit, now, stale_after_days))
            return times.model_dump_json().encode()[:-1] + b"," + timeless[1:]
        return (
            next_launch(self.fit, programme, now=now, stale_after_days=stale_after_days)
            .model_dump_json()
            .encode()
        )


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


class NoFitLoaded(Exception):
    """No fit to answer from; the API answers 503 with how to make one."""
