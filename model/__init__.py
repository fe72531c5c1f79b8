"""launchcast's model side, in four layers; each imports only the layers above it here.

1. ``record``      the launch record: GCAT formats, ingest, update, data directory, names
2. ``stats``       models, fits, launch rates, the convergence gate, saved draws
3. ``questions``   forecasts from draws, anchored to ``now``: the questions people ask
4. ``operations``  registry, the refit-and-promote path, the forecast ledger

Beside them, imported by all and importing none: ``errors`` (the exception tree),
``storage`` (durable file writes) and ``defaults`` (settings' defaults).  Never
imports ``service``; PyMC only inside a fit (``stats.hierarchical``) and the gate.
``tests/model/test_layers.py`` enforces the order.
"""
