"""The inspection notebook runs headless, top to bottom, without an error."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from launchcast.model.operations.registry import Registry
from launchcast.model.operations.upkeep import keep_record
from launchcast.model.record.ingest import add_launch
from launchcast.service.settings import Settings
from tests.conftest import DATA, REPO

NOTEBOOK = REPO / "notebooks" / "model_inspection.ipynb"


def test_the_committed_notebook_reads_without_running_and_is_current() -> None:
    """#26: it shipped without outputs.  It ships run (``make notebook``): every code cell's
    output, no error, figures; from this model version on the shipped data, or the test says
    how to regenerate it."""
    from launchcast.model.record.history import load_history
    from launchcast.model.stats.hierarchical import VERSION
    from notebooks.build_notebook import build

    committed = nbformat.read(NOTEBOOK, as_version=4)
    regenerate = "regenerate it: make notebook"
    assert [c.source for c in committed.cells] == [c.source for c in build().cells], regenerate
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert all(c.get("outputs") for c in code), f"a code cell has no output; {regenerate}"
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 10  # the figures are there
    ran = committed.metadata["launchcast"]
    assert ran["model"] == "hierarchical" and ran["model_version"] == VERSION, regenerate
    assert ran["data_hash"] == load_history(DATA).data_hash, f"the shipped data changed; {regenerate}"
    compared = json.dumps([c.outputs for c in code if "az.compare" in c.source])
    assert "elpd" in compared  # the comparison fits ran for the shipped outputs


@pytest.mark.slow
def test_notebook_executes(tmp_path: Path, full_fit, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    # The registry serves the full-history hierarchical fit (the one fit of the run, shared
    # with test_full_fit): the notebook inspects the model as the service serves it.
    registry = Registry(tmp_path / "registry")
    registry.promote(registry.publish(full_fit))
    monkeypatch.setenv("LAUNCHCAST_REGISTRY_DIR", str(registry.root))
    monkeypatch.setenv("LAUNCHCAST_DATA_DIR", str(tmp_path / "data"))  # seeded from the package
    # A ledger with one scored launch, so the track-record section draws from real rows.
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    monkeypatch.setenv("LAUNCHCAST_TRACK_RECORD", "true")
    monkeypatch.setenv("LAUNCHCAST_DATABASE_URL", url)
    data = Settings().ensure_data()
    keep_record(url, registry, data, datetime(2024, 1, 10, tzinfo=UTC))
    add_launch(data, "2024-02-01T10:00Z", "Nuri", "success", tag="T-NURI")
    assert (
        keep_record(url, registry, data, datetime(2024, 3, 1, tzinfo=UTC)).report.scored == 3
    )  # hierarchical, laplace, eb-beta
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(REPO / "notebooks")}},
    ).execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    shown = json.dumps([c.get("outputs", []) for c in notebook.cells if "track_record()" in c.source])
    assert "prospective" in shown and "eb-beta" in shown  # the track-record section read the ledger
    compared = json.dumps([c.get("outputs", []) for c in notebook.cells if "az.compare" in c.source])
    assert "elpd_loo" in compared and "Pareto k" in compared  # PSIS-LOO of the served 3.0 fit
    assert "LAUNCHCAST_NOTEBOOK_FITS=1 to compare" in compared  # no comparison fit unless asked
    russian = json.dumps([c.get("outputs", []) for c in notebook.cells if "foreign_help(fit" in c.source])
    assert "with help" in russian and ("Too thin to tell" in russian or "Help " in russian)
    sensitivity = json.dumps([c.get("outputs", []) for c in notebook.cells if "counted up to" in c.source])
    assert all(level in sensitivity for level in ("documented", "reported", "alleged"))
    assert "not fitted here" in sensitivity
    assert os.environ["LAUNCHCAST_REGISTRY_DIR"] == str(registry.root)
