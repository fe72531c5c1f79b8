"""The statistics: models of launch success and launch rates, their fits, the gate, saved draws.

A model turns a ``LaunchHistory`` into a ``Fit`` (posterior draws); PyMC runs only
inside ``hierarchical``'s fit and the gate, and everything else reads draws with numpy.
Imports the launch record (``model.record``), never the questions or operations.
"""

from launchcast.model.stats.diagnostics import Diagnostics, diagnose
from launchcast.model.stats.fit import Fit, Model
from launchcast.model.stats.models import MODEL_NAMES, make_model
from launchcast.model.stats.rates import LaunchRates, fit_rates
from launchcast.model.stats.saved import load_fit, read_manifest, save_fit

__all__ = [
    "MODEL_NAMES",
    "Diagnostics",
    "Fit",
    "LaunchRates",
    "Model",
    "diagnose",
    "fit_rates",
    "load_fit",
    "make_model",
    "read_manifest",
    "save_fit",
]
