"""Alembic migrations of the forecast ledger (``model.operations.ledger``)."""
