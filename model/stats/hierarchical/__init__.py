"""The main model: hierarchical logistic regression of launch success.

    logit P(success) = mu + a_state[s] + a_family[f] + a_vehicle[v]   (partial pooling)
                     + learning curves by flight, mixed by design novelty
                     + modern maiden flights, state experience, the previous outcome,
                       foreign help, and the era (5-year random walk)

Why each term, what was tried and dropped, and the priors: ``docs/hierarchical-model.md``.

The package keeps its parts apart, as bambi and prophet keep the inference backend apart from
the model: ``_config`` (the settings), ``_design`` (cells, layout and terms, in numpy),
``_backend`` (the only module that imports PyMC, PyTensor and nutpie: the graph, its
compilation, NUTS, the prior predictive) and ``_model`` (``HierarchicalModel``,
``HierarchicalFit``).  Import from here; the backend loads only when a model is fitted.
"""

from launchcast.model.stats.hierarchical._config import V2_TERMS, HierarchicalConfig
from launchcast.model.stats.hierarchical._design import (
    CELL_ARRAYS,
    DIMS,
    Cells,
    Covariates,
    Layout,
    build_cells,
    cell_logits,
    launch_covariates,
    log_likelihood,
    novelty,
)
from launchcast.model.stats.hierarchical._model import NAME, VERSION, HierarchicalFit, HierarchicalModel, kept

__all__ = [
    "CELL_ARRAYS",
    "DIMS",
    "NAME",
    "V2_TERMS",
    "VERSION",
    "Cells",
    "Covariates",
    "HierarchicalConfig",
    "HierarchicalFit",
    "HierarchicalModel",
    "Layout",
    "build_cells",
    "cell_logits",
    "kept",
    "launch_covariates",
    "log_likelihood",
    "novelty",
]
