"""Where a full-history fit's time goes: compiling, one gradient, the gate.

    .venv/bin/python benchmarks/fit_parts.py

Prints the time to compile the model with its data frozen in (a fit alone) and with the
data as containers (a backtest's shared compilation), one log-density gradient under each,
and the gate's R-hat and ESS on draws of a fit's shape, in numpy against ArviZ.
"""

from __future__ import annotations

import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np

warnings.simplefilter("ignore")

from launchcast.model.record.assistance import Assistance  # noqa: E402
from launchcast.model.record.history import load_history  # noqa: E402
from launchcast.model.stats import hierarchical  # noqa: E402
from launchcast.model.stats.diagnostics import _per_element  # noqa: E402
from launchcast.model.stats.hierarchical import _backend as backend  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"


def gradient_ms(model: object, repeats: int = 3000) -> float:
    """One log-density and gradient evaluation, numba-compiled as nutpie compiles it."""
    f = model.logp_dlogp_function(ravel_inputs=True, mode="NUMBA")  # type: ignore[attr-defined]
    f.set_extra_values({})
    point = model.initial_point()  # type: ignore[attr-defined]
    x = np.concatenate([np.asarray(point[v.name]).ravel() for v in model.value_vars])  # type: ignore[attr-defined]
    f(x)
    started = time.perf_counter()
    for _ in range(repeats):
        f(x)
    return (time.perf_counter() - started) / repeats * 1e3


def main() -> None:
    import nutpie
    from pymc.model.transform.optimization import freeze_dims_and_data

    history = load_history(DATA)
    config = hierarchical.HierarchicalConfig()
    cells = hierarchical.build_cells(history, config, Assistance.shipped().at(config.assistance))
    layout = hierarchical.Layout.of(cells)
    data = layout.data(cells)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{history.n_launches} launches in {len(cells.attempts)} cells"
    )
    for label, freeze in (("frozen data (a fit alone)", True), ("data containers (a backtest)", False)):
        model = backend.build_model(layout, data)
        started = time.perf_counter()
        nutpie.compile_pymc_model(model, freeze_model=freeze)
        compiled = time.perf_counter() - started
        graded = gradient_ms(freeze_dims_and_data(model) if freeze else model)
        print(f"{label:30s} compile {compiled:5.1f} s   one gradient {graded:.3f} ms")
    draws = np.random.default_rng(0).standard_normal((4, 2000, 600))
    for label, run in (("numpy (the gate)", _per_element), ("ArviZ, column by column", arviz_per_element)):
        started = time.perf_counter()
        for kind in ("rhat", "bulk", "tail"):
            run(draws, kind)
        seconds = time.perf_counter() - started
        print(f"gate statistics, 600 parameters x 8,000 draws, {label:24s} {seconds:5.2f} s")


def arviz_per_element(draws: np.ndarray, kind: str) -> np.ndarray:
    import arviz as az

    dataset = az.convert_to_dataset({"x": draws})
    if kind == "rhat":
        return np.asarray(az.rhat(dataset, method="rank")["x"].values)
    return np.asarray(az.ess(dataset, method=kind)["x"].values)


if __name__ == "__main__":
    main()
