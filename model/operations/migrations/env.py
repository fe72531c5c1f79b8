"""Alembic environment for the forecast ledger: migrations run on the caller's connection.

``model.operations.ledger.Ledger.migrate`` passes its connection in ``config.attributes`` (under a
lock, so concurrent starts migrate once); there is no ini file and no URL here.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
