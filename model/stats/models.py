"""Every model by name: what ``launchcast fit --model``, backtests and saved fits look up.

The names are plain data, so the command line can list them without importing the
models (pandas, PyMC); the classes are imported when a model is made or a fit read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from launchcast.model.errors import LaunchcastError

if TYPE_CHECKING:
    from launchcast.model.stats.fit import Fit, Model

MODEL_NAMES = ("laplace", "jeffreys", "eb-beta", "hierarchical")


def fit_classes() -> dict[str, tuple[type[Fit], str]]:
    """Model name → (fit class, the fit version this code reads)."""
    from launchcast.model.stats import hierarchical
    from launchcast.model.stats.baselines import BetaFit

    return {
        "laplace": (BetaFit, "1.0"),
        "jeffreys": (BetaFit, "1.0"),
        "eb-beta": (BetaFit, "1.0"),
        "hierarchical": (hierarchical.HierarchicalFit, hierarchical.VERSION),
    }


def make_model(name: str, seed: int = 0, **hierarchical_config: Any) -> Model:
    """A model by name; ``hierarchical_config`` overrides ``HierarchicalConfig`` fields."""
    from launchcast.model.stats import baselines
    from launchcast.model.stats.hierarchical import HierarchicalConfig, HierarchicalModel

    if name == "laplace":
        return baselines.laplace(seed=seed)
    if name == "jeffreys":
        return baselines.jeffreys(seed=seed)
    if name == "eb-beta":
        return baselines.eb_beta(seed=seed)
    if name == "hierarchical":
        return HierarchicalModel(HierarchicalConfig(seed=seed, **hierarchical_config))
    raise LaunchcastError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")
