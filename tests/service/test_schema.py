"""Property-based run of the OpenAPI schema: no input may cause a 5xx, answers match the schema.

The schema is built at import (schemathesis parametrizes at collection time), from a
real closed-form fit saved to a temporary directory.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from launchcast.model.operations.registry import Registry
from launchcast.model.record.history import load_history
from launchcast.model.stats.baselines import eb_beta
from launchcast.service.app import create_app, load_into
from launchcast.service.settings import Settings
from tests.conftest import DATA


def _app():  # type: ignore[no-untyped-def]
    registry = Registry(Path(tempfile.mkdtemp(prefix="launchcast-schema-")))
    registry.promote(registry.publish(eb_beta(draws=500).fit(load_history(DATA))))
    # The track record on, in a SQLite file: /v1/track-record answers from a real (empty) ledger.
    app_settings = Settings(
        registry_dir=registry.root,
        data_dir=DATA,
        refit_schedule=False,
        track_record=True,
        database_url=f"sqlite:///{registry.root / 'ledger.sqlite'}",
    )
    app = create_app(app_settings)
    load_into(app.state.holder, app_settings)  # ASGI calls below do not run the lifespan
    return app


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_schema_conformance(case: schemathesis.Case) -> None:
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
