"""Alembic migrations of the forecast ledger (``model.ledger``)."""
