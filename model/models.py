"""Every model by name: what ``launchcast fit --model``, backtests and saved fits look up."""

from __future__ import annotations

from typing import Any

from launchcast.model import baselines, hierarchical
from launchcast.model.baselines import BetaFit
from launchcast.model.errors import LaunchcastError
from launchcast.model.fit import Fit, Model
from launchcast.model.hierarchical import HierarchicalConfig, HierarchicalFit, HierarchicalModel

MODEL_NAMES = ("laplace", "jeffreys", "eb-beta", "hierarchical")

#: Model name → (fit class, the fit version this code reads).
FIT_CLASSES: dict[str, tuple[type[Fit], str]] = {
    "laplace": (BetaFit, "1.0"),
    "jeffreys": (BetaFit, "1.0"),
    "eb-beta": (BetaFit, "1.0"),
    "hierarchical": (HierarchicalFit, hierarchical.VERSION),
}


def make_model(name: str, seed: int = 0, **hierarchical_config: Any) -> Model:
    """A model by name; ``hierarchical_config`` overrides ``HierarchicalConfig`` fields."""
    if name == "laplace":
        return baselines.laplace(seed=seed)
    if name == "jeffreys":
        return baselines.jeffreys(seed=seed)
    if name == "eb-beta":
        return baselines.eb_beta(seed=seed)
    if name == "hierarchical":
        return HierarchicalModel(HierarchicalConfig(seed=seed, **hierarchical_config))
    raise LaunchcastError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")
