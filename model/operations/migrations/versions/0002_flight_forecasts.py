"""Standing forecasts flight by flight: each vehicle's coming flights, after a success and after a failure.

A forecast is now keyed by its flight number and the previous flight's outcome too
(``model/operations/standing.py``).  Rows recorded before keep ``previous_failed`` NULL:
one forecast per subject, scored as they always were.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KEY = ["version_id", "model", "kind", "subject"]


def upgrade() -> None:
    # SQLite rebuilds the table (batch mode); the ledger turns reference checks off around it.
    with op.batch_alter_table("forecasts") as batch:
        batch.add_column(sa.Column("previous_failed", sa.Integer, nullable=True))
        batch.drop_constraint("uq_forecast", type_="unique")
        batch.create_unique_constraint("uq_forecast", [*KEY, "flight_number", "previous_failed"])


def downgrade() -> None:
    op.execute("DELETE FROM forecasts WHERE previous_failed IS NOT NULL")
    with op.batch_alter_table("forecasts") as batch:
        batch.drop_constraint("uq_forecast", type_="unique")
        batch.create_unique_constraint("uq_forecast", KEY)
        batch.drop_column("previous_failed")
