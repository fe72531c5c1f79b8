from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from launchcast.model.operations.registry import Registry
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.baselines import eb_beta
from launchcast.model.stats.saved import save_fit
from launchcast.service.app import create_app
from launchcast.service.settings import Settings
from tests.conftest import DATA


@pytest.fixture(scope="session")
def fit_dir(history: LaunchHistory, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real saved fit (closed-form eb-beta: no MCMC needed to test the service)."""
    return save_fit(eb_beta().fit(history), tmp_path_factory.mktemp("fit") / "fit")


def registry_with(root: Path, history: LaunchHistory) -> Registry:
    """A registry whose current version is a real eb-beta fit."""
    registry = Registry(root)
    registry.promote(registry.publish(eb_beta().fit(history)))
    return registry


@pytest.fixture(scope="session")
def settings(history: LaunchHistory, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    registry = registry_with(tmp_path_factory.mktemp("registry"), history)
    return Settings(registry_dir=registry.root, data_dir=DATA, refit_schedule=False, admin_token="s3cret")


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
