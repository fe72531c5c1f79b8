"""What the service answers from: one fit plus caches, swapped by a single reference.

A request reads ``holder.served`` once and uses that object to the end, so a
promotion (step 5's hot reload) that replaces the reference never changes a
model under an in-flight request.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from model.errors import LaunchcastError
from model.fit import Fit
from model.forecast import NextLaunchForecast, Programme, next_launch
from model.history import LaunchHistory, load_history
from model.registry import Registry


@dataclass(frozen=True)
class Served:
    """A loaded fit with the answers that never change until the next fit, pre-serialised."""

    fit: Fit
    version_id: str
    history: LaunchHistory | None
    next_by_vehicle: dict[str, bytes]

    @classmethod
    def load(cls, registry: Registry, data_dir: Path) -> Served:
        version_id = registry.current_id()
        if version_id is None:
            raise LaunchcastError(f"no current model in {registry.root}")
        fit = registry.load(version_id)
        try:
            history: LaunchHistory | None = load_history(data_dir)
        except LaunchcastError:
            history = None  # /v1/history says why; forecasts need only the fit
        cache = {
            vehicle: next_launch(fit, Programme(vehicle=vehicle)).model_dump_json().encode()
            for vehicle in fit.records
        }
        return cls(fit, version_id, history, cache)

    def next_json(self, programme: Programme) -> bytes:
        if programme.vehicle and not programme.state and not programme.new_vehicle:
            record = self.fit.record(programme.vehicle)
            return self.next_by_vehicle[record.vehicle]
        result: NextLaunchForecast = next_launch(self.fit, programme)
        return result.model_dump_json().encode()


@dataclass
class Holder:
    """The one mutable reference; ``error`` says why nothing is served."""

    served: Served | None = None
    error: str = "no fit loaded yet"
    reload_failures: int = 0

    def require(self) -> Served:
        served = self.served
        if served is None:
            raise NoFitLoaded(self.error)
        return served


class NoFitLoaded(Exception):
    """No fit to answer from; the API answers 503 with how to make one."""
