"""The inspection notebook runs headless, top to bottom, without an error."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from launchcast.model.history import LaunchHistory
from tests.conftest import REPO
from tests.service.conftest import registry_with

NOTEBOOK = REPO / "notebooks" / "model_inspection.ipynb"


def test_committed_notebook_matches_its_source_and_has_no_outputs() -> None:
    from notebooks.build_notebook import build

    committed = nbformat.read(NOTEBOOK, as_version=4)
    assert [c.source for c in committed.cells] == [c.source for c in build().cells]
    assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code")


@pytest.mark.slow
def test_notebook_executes(tmp_path: Path, history: LaunchHistory, monkeypatch: pytest.MonkeyPatch) -> None:
    # A registry whose current model is a baseline: the notebook must fit its own small
    # hierarchical model (the path a fresh clone takes).
    registry = registry_with(tmp_path / "registry", history)
    monkeypatch.setenv("LAUNCHCAST_REGISTRY_DIR", str(registry.root))
    monkeypatch.setenv("LAUNCHCAST_DATA_DIR", str(tmp_path / "data"))  # seeded from the package
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(REPO / "notebooks")}},
    ).execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert os.environ["LAUNCHCAST_REGISTRY_DIR"] == str(registry.root)
