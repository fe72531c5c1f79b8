"""launchcast: Monte Carlo launch-reliability forecasts from a Bayesian model of GCAT.

The installed package maps the repository's top-level folders into one namespace
(see ``pyproject.toml``, ``[tool.setuptools.package-dir]``):

- ``launchcast.model``   ← ``model/``   record, stats, questions, operations (no web code)
- ``launchcast.service`` ← ``service/`` the FastAPI app, CLI and settings
- ``launchcast.data``    ← ``data/``    the launch data shipped with the package
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("launchcast")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
