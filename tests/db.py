"""Real databases for the ledger's tests: SQLite files always, PostgreSQL where CI provides one.

``.ci/run`` starts Debian's PostgreSQL on loopback and sets ``LAUNCHCAST_TEST_DATABASE_URL``;
each test gets its own database there (created and dropped here).  Without the variable
the PostgreSQL cases skip, saying so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get("LAUNCHCAST_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"]


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty database on the test server; its URL."""
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL: set LAUNCHCAST_TEST_DATABASE_URL (.ci/run starts one)")
    import psycopg

    name = f"ledger_{uuid.uuid4().hex[:12]}"
    admin = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    else:
        with postgres_database() as url:
            yield url
