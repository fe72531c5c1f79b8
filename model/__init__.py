"""launchcast's model side: launch history, models, fits and Monte Carlo forecasts.

Pure Python + numpy (PyMC only inside ``hierarchical.fit``); never imports ``service``.
"""
